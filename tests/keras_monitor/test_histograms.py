"""GradientMonitor's per-layer histograms against an independent GradientTape computation.

Step 1's histograms (counted inside fit's compiled step) are checked, count
for count, against numpy's counts of the values a separate compiled
GradientTape step computes from the same weights and batch: each layer's
outputs and the loss's gradient with respect to them, each kernel and its
gradient.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from vgtui.distributions import count, moments
from vgtui.keras import GradientMonitor
from vgtui.keras.histograms import PROBE_ATTRIBUTE
from vgtui.records import HistogramBlock, RunStart

LR = 0.1
BATCH = 16


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((64, 6, 6, 1)).astype("float32"), rng.integers(0, 3, 64)


def _cnn() -> keras.Model:
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((6, 6, 1)),
            keras.layers.Conv2D(3, 3, activation="relu", name="conv2d"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(4, name="dense"),
            keras.layers.Activation("tanh", name="tanh"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )


def _reference(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, list[np.ndarray]]:
    """One step's four quantities by monitored layer, from a compiled GradientTape of its own."""
    conv, pool, flatten, dense, tanh, out = model.layers
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    kernels = [conv.kernel, dense.kernel, out.kernel]

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            a_conv = conv(xb)
            a_dense = dense(flatten(pool(a_conv)))
            a_tanh = tanh(a_dense)
            a_out = out(a_tanh)
            loss = loss_fn(yb, a_out)
        outputs = [a_conv, a_dense, a_tanh, a_out]
        grads = tape.gradient(loss, [*outputs, *kernels])
        return outputs, grads[:4], grads[4:]

    outputs, backprops, grads = step(x, y)
    assert backprops[-1] is None  # Keras's cross-entropy reads the softmax's logits
    return {
        "activation": [a.numpy() for a in outputs],
        "backprop": [b.numpy() for b in backprops[:-1]] + [np.zeros(0, np.float32)],
        "grad": [g.numpy() for g in grads],
        "weight": [k.numpy() for k in kernels],
    }


def _fit(model: keras.Model, x, y, monitor: GradientMonitor, **kwargs) -> None:
    model.fit(
        x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[monitor], **kwargs
    )


@pytest.mark.parametrize("scaled", [False, True], ids=["sgd", "loss-scaled"])
def test_a_cnns_first_step_histograms_equal_an_independent_gradient_tape(scaled):
    model = _cnn()
    optimizer = keras.optimizers.SGD(LR)
    if scaled:  # the back-propagated gradient is the loss scale's multiple: divided back
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer, "sparse_categorical_crossentropy")
    x, y = _data()
    want = _reference(model, x[:BATCH], y[:BATCH])
    records: list = []
    _fit(model, x, y, GradientMonitor(every=2, emit=records.append, histograms=3))

    start = records[0]
    assert isinstance(start, RunStart) and start.info["histogram_every"] == 3
    layers = ["conv2d", "dense", "tanh", "out"]  # the pooling and flattening: no activations
    assert start.info["histogram_layers"] == {"activation": layers, "backprop": layers}
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    assert [int(s) for b in blocks for s in b.steps] == [1, 4]  # 4 steps: 1 and 1 + 3
    first = blocks[0]
    for q in ("activation", "backprop", "grad", "weight"):
        spec = first.specs[q]
        for row, values in enumerate(want[q]):
            got = first.counts[q][0, row]
            np.testing.assert_array_equal(got, count(values, spec), err_msg=f"{q} {row}")
            np.testing.assert_allclose(
                first.moments[q][0, row], moments(values), rtol=1e-5, atol=1e-9
            )
    acts = want["activation"]
    np.testing.assert_allclose(first.activation_mean[0], [a.mean() for a in acts], rtol=1e-5)
    np.testing.assert_allclose(first.activation_sd[0], [a.std() for a in acts], rtol=1e-4)


def test_only_training_steps_are_counted_and_the_layers_are_unwrapped_after():
    model = _cnn()
    model.compile(keras.optimizers.SGD(LR), "sparse_categorical_crossentropy")
    x, y = _data()
    records: list = []
    _fit(
        model,
        x,
        y,
        GradientMonitor(every=2, emit=records.append, histograms=1),
        validation_data=_data(1),  # evaluated with training=False: never counted
    )
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    steps = [int(s) for b in blocks for s in b.steps]
    assert steps == [1, 2, 3, 4]
    totals = np.concatenate([b.counts["activation"].sum(axis=2) for b in blocks])
    assert (totals == [BATCH * 4 * 4 * 3, BATCH * 4, BATCH * 4, BATCH * 3]).all()
    for layer in model.layers:  # unwrapped: a later plain fit is the model's own
        assert "call" not in vars(layer) and PROBE_ATTRIBUTE not in vars(layer)
    none: list = []
    _fit(model, x, y, GradientMonitor(every=2, emit=none.append, histograms=0))
    assert not any(isinstance(r, HistogramBlock) for r in none)
    assert "histogram_every" not in none[0].info


def test_a_custom_loop_and_jit_compile_count_them_too():
    model = _cnn()
    optimizer = keras.optimizers.SGD(LR)
    x, y = _data()
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    records: list = []
    with GradientMonitor(every=4, emit=records.append, histograms=2).attach(model, optimizer) as m:

        @tf.function(jit_compile=True)
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        for i in range(0, 64, BATCH):
            m.step(train_step(x[i : i + BATCH], y[i : i + BATCH]))
        m.end_epoch()
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    assert [int(s) for b in blocks for s in b.steps] == [1, 3]
    backprop = np.concatenate([b.counts["backprop"].sum(axis=2) for b in blocks])
    # The softmax output has none: Keras's cross-entropy reads its logits, not it.
    assert (backprop == [BATCH * 4 * 4 * 3, BATCH * 4, BATCH * 4, 0]).all()


class Subclassed(keras.Model):
    """Built at its first step: the monitor finds its layers before, its kernels then."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = keras.layers.Dense(5, activation="relu", name="hidden")
        self.out = keras.layers.Dense(3, activation="softmax", name="out")

    def call(self, x):
        return self.out(self.hidden(x))


def test_a_subclassed_model_built_at_its_first_step_with_several_steps_an_execution():
    keras.utils.set_random_seed(1)
    model = Subclassed()
    model.compile(
        keras.optimizers.SGD(LR), "sparse_categorical_crossentropy", steps_per_execution=3
    )
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 3, 64)
    records: list = []
    _fit(model, x, y, GradientMonitor(every=2, emit=records.append, histograms=2))
    start = records[0]
    assert start.info["histogram_layers"]["activation"] == ["hidden", "out"]
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    assert [int(s) for b in blocks for s in b.steps] == [1, 3]
    activation = np.concatenate([b.counts["activation"].sum(axis=2) for b in blocks])
    assert (activation == [BATCH * 5, BATCH * 3]).all()
    backprop = np.concatenate([b.counts["backprop"].sum(axis=2) for b in blocks])
    assert (backprop == [BATCH * 5, 0]).all()  # the softmax's: its logits are read
