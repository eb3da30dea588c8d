"""GradientMonitor on one device: the recorded statistics against independent computations.

Step 1 is checked against a manual GradientTape on the same batch and
weights (numpy statistics); every later step against the weights Keras
actually left behind: with plain SGD, the applied gradient is
(w_before - w_after) / lr, and the recorded kernel mean and SD are those of
w_before.
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.epochs import epochs as whole_epochs
from vgtui.keras import GradientMonitor, KerasInternalsError
from vgtui.keras import _keras_internals as internals
from vgtui.records import STAT_INDEX, STAT_NAMES, EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.runlog import read_run

from .expect import check_against_weights, stats_of, steps_of

LR = 0.1
BATCH = 16
N = 64


def _data(shape: tuple[int, ...], classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, *shape)).astype("float32")
    y = rng.integers(0, classes, N)
    return x, y


def _mlp() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="tanh", name="dense"),
            keras.layers.Dense(4, activation="sigmoid", name="dense_1"),
            keras.layers.Dense(3, activation="softmax", name="dense_2"),
        ]
    )


def _cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(3, 3, activation="relu", name="conv2d"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="dense"),
        ]
    )


def _lstm() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((4, 3)),
            keras.layers.LSTM(4, name="lstm"),
            keras.layers.Dense(3, activation="softmax", name="dense"),
        ]
    )


MODELS = {"mlp": (_mlp, (6,)), "cnn": (_cnn, (6, 6, 1)), "lstm": (_lstm, (4, 3))}


def _compile(model: keras.Model, **kwargs) -> keras.Model:
    optimizer = kwargs.pop("optimizer", None) or keras.optimizers.SGD(LR)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"], **kwargs)
    return model


class KernelLog(keras.callbacks.Callback):
    """Keeps every kernel's value after each call of the train function."""

    def __init__(self, kernels):
        super().__init__()
        self.kernels = kernels
        self.values = [[k.numpy().copy() for k in kernels]]

    def on_train_batch_end(self, batch, logs=None):
        self.values.append([k.numpy().copy() for k in self.kernels])


def _fit(model, x, y, epochs=2, every=3, **fit_kwargs):
    records = []
    kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
    log = KernelLog(kernels)
    monitor = GradientMonitor(every=every, emit=records.append)
    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        callbacks=[monitor, log],
        **fit_kwargs,
    )
    return records, log


def _steps(records):
    return steps_of(records)


def _check_against_weights(stats, log, lr=LR, rtol=2e-4):
    check_against_weights(stats, log.values, lr, rtol)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_first_step_matches_a_manual_gradient_tape_and_later_steps_the_weight_change(kind):
    build, shape = MODELS[kind]
    keras.utils.set_random_seed(1)
    model = _compile(build())
    x, y = _data(shape)
    kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
    weights = [v.numpy().copy() for v in model.trainable_variables]

    with tf.GradientTape() as tape:
        probs = model(x[:BATCH], training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y[:BATCH], probs))
    grads = tape.gradient(loss, kernels)
    expected = np.array([stats_of(g.numpy(), k.numpy()) for g, k in zip(grads, kernels)])
    for v, w in zip(model.trainable_variables, weights):
        v.assign(w)

    records, log = _fit(model, x, y)
    stats, losses = _steps(records)

    np.testing.assert_allclose(stats[0, :, :5], expected, rtol=1e-5, atol=1e-8)
    assert losses[0] == pytest.approx(float(loss), rel=1e-6)
    assert np.isnan(stats[:, :, STAT_INDEX["saturation"]]).all()
    assert np.isnan(stats[:, :, STAT_INDEX["dead"]]).all()
    assert np.isnan(stats[:, :, STAT_INDEX["act_deriv_mean"]]).all()  # the engine's alone
    _check_against_weights(stats, log)
    assert len(stats) == 2 * N // BATCH


def test_an_embeddings_sparse_gradient_is_recorded_as_the_dense_one_applied():
    keras.utils.set_random_seed(13)
    model = _compile(
        keras.Sequential(
            [
                keras.Input((5,), dtype="int32"),
                keras.layers.Embedding(12, 4, name="embedding"),
                keras.layers.Flatten(),
                keras.layers.Dense(3, activation="softmax", name="dense"),
            ]
        )
    )
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, (N, 5)).astype("int32")  # rows 6..11 never looked up
    y = rng.integers(0, 3, N)
    records, log = _fit(model, x, y, epochs=1)
    stats, _ = _steps(records)
    assert records[0].layer_names == ("embedding/embeddings", "dense/kernel")
    _check_against_weights(stats, log)


def test_records_come_in_order_with_names_epochs_and_a_summary():
    keras.utils.set_random_seed(2)
    model = _compile(_lstm())
    x, y = _data((4, 3))
    records, _ = _fit(model, x, y, epochs=3, every=3)

    start = records[0]
    assert isinstance(start, RunStart) and start.config is None
    assert start.layer_names == ("lstm/kernel", "lstm/recurrent_kernel", "dense/kernel")
    assert start.info["source"] == "keras"
    assert start.info["model"]["params"] == model.count_params()
    layers = start.info["model"]["layers"]
    assert [entry["class"] for entry in layers] == ["LSTM", "Dense"]
    assert layers[1]["output_shape"] == [None, 3] and layers[1]["activation"] == "softmax"
    assert start.info["optimizer"]["class"] == "SGD"
    assert start.info["optimizer"]["config"]["learning_rate"] == pytest.approx(LR)
    assert start.info["devices"] == ["CPU:0"]
    assert start.device == "CPU"

    kinds = [type(r).__name__ for r in records]
    # the histograms of step 1 (counted every 100th) right after the steps that hold it
    assert kinds[1:3] == ["StepBlock", "HistogramBlock"] and kinds.count("HistogramBlock") == 1
    kinds.remove("HistogramBlock")
    # 4 steps an epoch read every 3: a block of 3 at the read, the rest at the epoch's end
    per_epoch = ["StepBlock", "StepBlock", "EpochEnd"]
    assert kinds == ["RunStart", *per_epoch * 3, "RunSummary"]
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2, 3]
    history = model.history.history
    assert [e.loss for e in ends] == pytest.approx(history["loss"])
    assert [e.accuracy for e in ends] == pytest.approx(history["accuracy"])
    blocks = [r for r in records if isinstance(r, StepBlock)]
    assert [b.epoch for b in blocks] == [1, 1, 2, 2, 3, 3]

    stats, losses = _steps(records)
    summary = records[-1]
    assert isinstance(summary, RunSummary)
    assert summary.epochs == 3 and summary.steps == 12 and not summary.stopped
    assert summary.final_loss == pytest.approx(history["loss"][-1])
    last = stats[-4:, :, STAT_INDEX["grad_sd"]].mean(axis=0)
    assert summary.grad_sd_ratio == pytest.approx(last[0] / last[-1])
    # the epoch's loss is the mean of its batch losses (equal batches)
    assert np.mean(losses[-4:]) == pytest.approx(history["loss"][-1], rel=1e-5)


def test_functional_and_subclassed_models_are_recorded_alike():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(5, activation="tanh", name="hidden")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(hidden)

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(5, activation="tanh")
            self.out = keras.layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.out(self.hidden(x))

    x, y = _data((6,))
    results = {}
    for name, make in (("functional", lambda: keras.Model(inputs, outputs)), ("sub", Sub)):
        keras.utils.set_random_seed(3)
        model = make()
        _compile(model)
        records, log = _fit(model, x, y, epochs=1)
        stats, _ = _steps(records)
        _check_against_weights(stats, log)
        results[name] = records[0].layer_names
    assert results["functional"] == ("hidden/kernel", "out/kernel")
    assert len(results["sub"]) == 2 and all(n.endswith("/kernel") for n in results["sub"])


def test_a_model_fit_before_is_hooked_and_a_later_plain_fit_is_untouched():
    keras.utils.set_random_seed(4)
    model = _compile(_mlp())
    x, y = _data((6,))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # traces a plain train function

    records = []
    monitor = GradientMonitor(every=2, emit=records.append)
    hooks = []
    grab = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: hooks.append(monitor._hook))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[monitor, grab])
    stats, _ = _steps(records)
    assert len(stats) == N // BATCH and np.isfinite(stats[:, :, :5]).all()

    optimizer = model.optimizer
    for obj in (optimizer, model):
        assert not {"apply", "update_step", "compute_loss"} & set(vars(obj)), "unhooked"
    (hook,) = hooks
    steps_seen = hook.read().steps
    assert steps_seen == N // BATCH

    # a later plain fit trains exactly as a twin that was never monitored
    twin = _compile(_mlp())
    twin.set_weights(model.get_weights())
    twin.optimizer.build(twin.trainable_variables)
    for a, b in zip(twin.optimizer.variables, optimizer.variables):
        a.assign(b)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert hook.read().steps == steps_seen, "the plain fit ran no hooked step"


@pytest.mark.parametrize(
    "compile_kwargs",
    [{"jit_compile": True}, {"steps_per_execution": 3}, {"run_eagerly": True}],
    ids=["jit", "spe3", "eager"],
)
def test_jit_and_steps_per_execution_record_what_a_plain_run_records(compile_kwargs):
    x, y = _data((6,))
    runs = []
    for kwargs in ({}, compile_kwargs):
        keras.utils.set_random_seed(5)
        model = _compile(_mlp(), **kwargs)
        records, _ = _fit(model, x, y, epochs=2, every=2)
        runs.append(_steps(records))
    (plain_stats, plain_loss), (stats, loss) = runs
    assert stats.shape == plain_stats.shape == (8, 3, len(STAT_NAMES))
    np.testing.assert_allclose(stats[:, :, :5], plain_stats[:, :, :5], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(loss, plain_loss, rtol=1e-5)


def test_mixed_precision_records_the_unscaled_applied_gradient():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(6)
        model = _compile(_mlp())
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        x, y = _data((6,))
        records, log = _fit(model, x, y, epochs=1)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    stats, losses = _steps(records)
    assert np.isfinite(stats[:, :, :5]).all() and np.isfinite(losses).all()
    assert records[0].info["optimizer"]["inner"]["class"] == "SGD"
    # float16 compute: the weights are float32, the update is exact in them
    _check_against_weights(stats, log, rtol=2e-3)


def test_global_clipnorm_records_the_clipped_gradient():
    keras.utils.set_random_seed(7)
    clip = 0.01
    model = _compile(_mlp(), optimizer=keras.optimizers.SGD(LR, global_clipnorm=clip))
    x, y = _data((6,))
    records, log = _fit(model, x, y, epochs=1)
    stats, _ = _steps(records)
    _check_against_weights(stats, log, rtol=2e-3)
    kernels_norm = np.sqrt((stats[:, :, STAT_INDEX["grad_norm"]] ** 2).sum(axis=1))
    assert (kernels_norm <= clip * (1 + 1e-4)).all()  # kernels are part of the clipped whole


def test_custom_loop_records_the_same_steps_as_fit():
    x, y = _data((6,))
    keras.utils.set_random_seed(8)
    model = _compile(_mlp())
    fit_records, _ = _fit(model, x, y, epochs=2, every=3)

    keras.utils.set_random_seed(8)
    model = _mlp()
    optimizer = keras.optimizers.SGD(LR)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    records = []
    with GradientMonitor(every=3, emit=records.append).attach(model, optimizer) as monitor:

        @tf.function
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        for _ in range(2):
            for i in range(0, N, BATCH):
                monitor.step(train_step(x[i : i + BATCH], y[i : i + BATCH]))
            monitor.end_epoch({"accuracy": 0.5})
    assert "update_step" not in vars(optimizer)
    stats, losses = _steps(records)
    fit_stats, fit_losses = _steps(fit_records)
    np.testing.assert_allclose(stats[:, :, :5], fit_stats[:, :, :5], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(losses, fit_losses, rtol=1e-5)
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2]
    assert ends[1].loss == pytest.approx(np.mean(losses[4:]))
    assert ends[1].accuracy == 0.5
    assert records[0].info["loop"] == "custom"
    assert isinstance(records[-1], RunSummary) and records[-1].steps == 8


@pytest.mark.parametrize("variant", ["jit", "mixed"])
def test_custom_loop_with_jit_or_a_loss_scale_optimizer_records_the_applied_gradient(variant):
    if variant == "mixed":
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(12)
        model = _mlp()
        optimizer = keras.optimizers.SGD(LR)
        if variant == "mixed":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
        x, y = _data((6,))
        kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
        values = [[k.numpy().copy() for k in kernels]]
        records = []
        with GradientMonitor(every=2, emit=records.append).attach(model, optimizer) as monitor:

            @tf.function(jit_compile=variant == "jit")
            def train_step(xb, yb):
                with tf.GradientTape() as tape:
                    loss = loss_fn(yb, model(xb, training=True))
                    scaled = optimizer.scale_loss(loss)
                grads = tape.gradient(scaled, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                return loss

            for i in range(0, N, BATCH):
                monitor.step(train_step(x[i : i + BATCH], y[i : i + BATCH]))
                values.append([k.numpy().copy() for k in kernels])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    stats, losses = _steps(records)
    assert len(stats) == N // BATCH and np.isfinite(losses).all()
    check_against_weights(stats, values, LR, rtol=2e-3 if variant == "mixed" else 2e-4)


def test_custom_loop_traced_before_attach_is_named_in_a_warning():
    keras.utils.set_random_seed(9)
    model = _mlp()
    optimizer = keras.optimizers.SGD(LR)
    x, y = _data((6,))

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(yb, model(xb)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    train_step(x[:BATCH], y[:BATCH])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with GradientMonitor(every=2).attach(model, optimizer) as monitor:
            for _ in range(2):
                monitor.step(train_step(x[:BATCH], y[:BATCH]))
    assert any("trace the training step after attach()" in str(w.message) for w in caught)


def test_a_nan_gradient_is_reported_as_divergence_and_stops_when_asked():
    keras.utils.set_random_seed(10)
    model = _compile(_mlp(), optimizer=keras.optimizers.SGD(LR))
    x, y = _data((6,))
    x[20] = np.nan  # the second batch holds a NaN
    records = []
    monitor = GradientMonitor(every=1, emit=records.append, stop_on_divergence=True)
    model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0, callbacks=[monitor])
    end = next(r for r in records if isinstance(r, EpochEnd))
    assert end.diverged_step == 2
    assert end.diverged_layer == 0  # the first kernel in the model's order
    summary = records[-1]
    assert summary.diverged_step == 2 and summary.diverged_layer == "dense/kernel"
    assert summary.epochs == 1 and not summary.stopped
    assert math.isnan(summary.final_loss)  # no epoch ended finite


def test_the_run_log_holds_what_was_emitted(tmp_path):
    keras.utils.set_random_seed(11)
    model = _compile(_cnn())
    x, y = _data((6, 6, 1))
    records = []
    monitor = GradientMonitor(str(tmp_path), every=3, emit=records.append, title="tiny cnn")
    model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[monitor])
    (path,) = tmp_path.iterdir()
    assert "tiny-cnn" in path.name
    logged = read_run(path)
    start = logged[0]
    assert start.layer_names == ("conv2d/kernel", "dense/kernel")
    assert start.info["title"] == "tiny cnn"
    stats, losses = _steps(records)
    epochs = whole_epochs(logged)
    np.testing.assert_allclose(
        np.concatenate([e.step_stats for e in epochs]), stats.astype(np.float32), rtol=1e-6
    )
    np.testing.assert_allclose(np.concatenate([e.step_loss for e in epochs]), losses, rtol=1e-6)
    assert [e.loss for e in epochs] == pytest.approx(model.history.history["loss"])
    assert logged[-1].steps == 8


def test_missing_keras_internals_are_named_with_the_keras_version(monkeypatch):
    class Optimizer:  # an optimizer class with its update loop and apply, but no _var_key
        def _distributed_tf_update_step(self, distribution, grads_and_vars, learning_rate): ...

        def apply(self, grads, trainable_variables=None): ...

    monkeypatch.setattr(keras.optimizers, "Optimizer", Optimizer)
    with pytest.raises(KerasInternalsError) as caught:
        internals.check()
    message = str(caught.value)
    assert "\n" not in message
    assert keras.__version__ in message and "Optimizer._var_key" in message
    assert "_distributed_tf_update_step" not in message


def test_a_model_without_kernels_is_refused_in_one_line():
    model = _compile(keras.Sequential([keras.Input((3,)), keras.layers.Normalization(axis=None)]))
    with pytest.raises(ValueError, match="no trainable variable of rank >= 2"):
        GradientMonitor().attach(model)
