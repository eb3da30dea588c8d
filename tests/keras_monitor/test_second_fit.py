"""A later monitored ``fit`` of a model reuses the train function traced at its first.

The training step is traced once with the hook in; later fits with a
monitor (the same or a new one) run that traced step again, so the count of
traces is checked, and so is what they record: every step's statistics
against the weights Keras left behind (plain SGD: the applied gradient is
(w_before - w_after) / lr), and every record against a twin model of the
same weights monitored for the first time. A plain ``fit`` in between runs
Keras's own step and records nothing.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from vgtui.keras import GradientMonitor
from vgtui.keras.fit_function import KEPT_ATTRIBUTE
from vgtui.records import HistogramBlock, RunStart, RunSummary, StepBlock

from .expect import check_against_weights, steps_of

LR = 0.1
BATCH = 16
N = 64


class CountingModel(keras.Sequential):
    """A Sequential model that counts the Python runs of its train step: one per trace."""

    traces = 0

    def train_step(self, data: object) -> object:
        """Count, then train as Keras does."""
        self.traces += 1
        return super().train_step(data)


class KernelLog(keras.callbacks.Callback):
    """Keeps every kernel's value before the fit and after each call of the train function."""

    def __init__(self, model: keras.Model) -> None:
        super().__init__()
        self.kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
        self.values = [[k.numpy().copy() for k in self.kernels]]

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.values.append([k.numpy().copy() for k in self.kernels])


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, 6)).astype("float32"), rng.integers(0, 3, N)


def _model(seed: int = 1, lr: float = LR) -> CountingModel:
    keras.utils.set_random_seed(seed)
    model = CountingModel(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="tanh", name="dense"),
            keras.layers.Dense(4, activation="sigmoid", name="dense_1"),
            keras.layers.Dense(3, activation="softmax", name="dense_2"),
        ]
    )
    model.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _twin(model: keras.Model) -> CountingModel:
    """A model never fitted, of ``model``'s weights and optimizer step."""
    twin = _model()
    twin.set_weights(model.get_weights())
    twin.optimizer.build(twin.trainable_variables)
    for a, b in zip(twin.optimizer.variables, model.optimizer.variables):
        a.assign(b)
    return twin


def _fit(model: keras.Model, x, y, *callbacks: keras.callbacks.Callback, epochs: int = 1):
    model.fit(
        x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, callbacks=list(callbacks)
    )


def _monitor(records: list, every: int = 3, histograms: int = 2) -> GradientMonitor:
    return GradientMonitor(every=every, emit=records.append, histograms=histograms)


def _same_records(got: list, expected: list) -> None:
    """The two runs' records agree: names, steps, statistics, losses, histograms, summary."""
    assert [type(r) for r in got] == [type(r) for r in expected]
    for a, b in zip(got, expected):
        if isinstance(a, RunStart):
            assert a.layer_names == b.layer_names
            assert a.info["every"] == b.info["every"]
            assert a.info.get("histogram_every") == b.info.get("histogram_every")
        elif isinstance(a, StepBlock):
            assert (a.epoch, a.first_step) == (b.epoch, b.first_step)
            np.testing.assert_allclose(a.step_stats, b.step_stats, rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(a.step_loss, b.step_loss, rtol=1e-6)
        elif isinstance(a, HistogramBlock):
            np.testing.assert_array_equal(a.steps, b.steps)
            for quantity in a.counts:
                np.testing.assert_array_equal(a.counts[quantity], b.counts[quantity])
                np.testing.assert_allclose(a.moments[quantity], b.moments[quantity], rtol=1e-6)
        elif isinstance(a, RunSummary):
            assert (a.steps, a.epochs, a.stopped) == (b.steps, b.epochs, b.stopped)


def test_a_second_fit_with_a_new_monitor_is_not_traced_again_and_records_as_a_first():
    x, y = _data()
    model = _model()
    _fit(model, x, y, _monitor([]))
    traced = model.traces
    assert traced >= 1

    twin = _twin(model)
    records, twin_records = [], []
    log = KernelLog(model)
    _fit(model, x, y, _monitor(records), log, epochs=2)
    assert model.traces == traced, "the second monitored fit traced its step again"
    _fit(twin, x, y, _monitor(twin_records), epochs=2)
    assert twin.traces >= 1

    stats, _ = steps_of(records)
    assert len(stats) == 2 * N // BATCH and records[1].first_step == 1
    check_against_weights(stats, log.values, LR)
    _same_records(records, twin_records)
    histograms = [r for r in records if isinstance(r, HistogramBlock)]
    assert np.concatenate([h.steps for h in histograms]).tolist() == [1, 3, 5, 7]
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_the_same_monitor_fits_twice_on_one_trace_and_starts_each_run_at_step_one():
    x, y = _data(1)
    model = _model()
    records: list = []
    monitor = _monitor(records, every=2)
    _fit(model, x, y, monitor)
    first_run, traced = len(records), model.traces
    log = KernelLog(model)
    _fit(model, x, y, monitor, log)
    assert model.traces == traced
    second = records[first_run:]
    assert isinstance(second[0], RunStart) and isinstance(second[-1], RunSummary)
    assert second[-1].steps == N // BATCH
    stats, _ = steps_of(second)
    check_against_weights(stats, log.values, LR)


def test_a_new_histogram_stride_or_none_runs_on_the_same_trace():
    x, y = _data(2)
    model = _model()
    _fit(model, x, y, _monitor([], histograms=2))
    traced = model.traces

    twin = _twin(model)
    records, twin_records = [], []
    _fit(model, x, y, _monitor(records, histograms=3), epochs=2)
    _fit(twin, x, y, _monitor(twin_records, histograms=3), epochs=2)
    assert model.traces == traced
    _same_records(records, twin_records)
    histograms = [r for r in records if isinstance(r, HistogramBlock)]
    assert np.concatenate([h.steps for h in histograms]).tolist() == [1, 4, 7]
    assert {h.every for h in histograms} == {3}

    records = []
    log = KernelLog(model)
    _fit(model, x, y, _monitor(records, histograms=0), log)
    assert model.traces == traced
    assert not any(isinstance(r, HistogramBlock) for r in records)
    assert "histogram_every" not in records[0].info
    check_against_weights(steps_of(records)[0], log.values, LR)


def test_a_plain_fit_between_runs_keras_own_step_and_records_nothing():
    x, y = _data(3)
    model = _model()
    records: list = []
    monitor = _monitor(records)
    _fit(model, x, y, monitor)
    hook = vars(model)[KEPT_ATTRIBUTE].hook
    seen, recorded, traced = hook.read().steps, len(records), model.traces

    twin = _twin(model)
    _fit(model, x, y, epochs=2)
    _fit(twin, x, y, epochs=2)
    assert model.traces > traced, "the plain fit traced Keras's own step"
    traced = model.traces
    assert hook.read().steps == seen and len(records) == recorded, "no hooked step ran"
    assert not {"apply", "_distributed_tf_update_step"} & set(vars(model.optimizer))
    assert not {"compute_loss"} & set(vars(model))
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)

    records = []
    log = KernelLog(model)
    _fit(model, x, y, _monitor(records), log)
    _fit(model, x, y)
    assert model.traces == traced, "neither the monitored fit nor the plain one traced again"
    check_against_weights(steps_of(records)[0], log.values, LR)


@pytest.mark.parametrize("change", ["compile", "every"])
def test_a_recompiled_model_or_a_larger_buffer_is_traced_anew(change):
    x, y = _data(4)
    model = _model()
    _fit(model, x, y, _monitor([], every=3))
    traced = model.traces
    lr, every = LR, 3
    if change == "compile":
        lr = 0.05
        model.compile(
            keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
    else:
        every = 50  # a ring buffer of 7 steps cannot hold 50 between two reads
    records: list = []
    log = KernelLog(model)
    _fit(model, x, y, _monitor(records, every=every), log)
    assert model.traces > traced
    stats, _ = steps_of(records)
    assert len(stats) == N // BATCH
    check_against_weights(stats, log.values, lr)
