"""The engine's per-layer histograms against a float64 numpy forward and backward pass."""

import threading

import numpy as np
import pytest

from tests.engine.test_act_deriv import DERIVATIVES
from tests.engine.test_gradients import ACTIVATIONS
from vgtui.config import ACTIVATIONS as ACTIVATION_NAMES
from vgtui.config import RunConfig
from vgtui.distributions import QUANTITIES, count, moments, specs_for
from vgtui.engine.trainer import Trainer
from vgtui.history import History
from vgtui.records import EpochEnd, HistogramBlock, RunStart, StepBlock


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_step(kernels, biases, x, y, activation):
    """One step's four quantities by layer, from a float64 forward and backward pass.

    Binary cross-entropy of one logit, or softmax cross-entropy over one logit a
    class (labels 0..k-1), averaged over the batch, as the engine's loss.

    Returns:
        {"grad": [dL/dW per layer], "weight": kernels, "activation": [h per hidden
        layer], "backprop": [dL/dh per hidden layer]}.

    """
    act, deriv = ACTIVATIONS[activation], DERIVATIVES[activation]
    h, pres, outs = x, [], []
    for k, b in zip(kernels[:-1], biases[:-1]):
        pres.append(h @ k + b)
        h = act(pres[-1])
        outs.append(h)
    z = h @ kernels[-1] + biases[-1]
    batch = len(x)
    if z.shape[1] == 1:
        dz = (1 / (1 + np.exp(-z)) - y[:, None]) / batch
    else:
        dz = (_softmax(z) - np.eye(z.shape[1])[y.astype(int)]) / batch
    grads = [None] * len(kernels)
    backprops = [None] * len(outs)
    grads[-1] = outs[-1].T @ dz
    d_out = dz @ kernels[-1].T  # dL/dh of the top hidden layer
    for layer in range(len(outs) - 1, -1, -1):
        backprops[layer] = d_out
        d_pre = d_out * deriv(pres[layer])
        below = x if layer == 0 else outs[layer - 1]
        grads[layer] = below.T @ d_pre
        d_out = d_pre @ kernels[layer].T
    return {"grad": grads, "weight": kernels, "activation": outs, "backprop": backprops}


def _ambiguous(values: np.ndarray, edges: np.ndarray, scale: float) -> int:
    """Values so near an edge (or zero) that float32 arithmetic may count them on either side."""
    v = values.ravel()
    e = edges.astype(np.float64)
    i = np.clip(np.searchsorted(e, v), 1, len(e) - 1)
    nearest = np.minimum(np.abs(v - e[i - 1]), np.abs(v - e[i]))
    near_edge = nearest <= 1e-4 * np.maximum(np.abs(v), 1e-30)
    near_zero = (v != 0) & (np.abs(v) <= 1e-6 * scale)  # exact zeros are exact in float32 too
    return int(np.count_nonzero(near_edge | near_zero))


def assert_counts_match(recorded, expected_values, spec, exact=False):
    """Each layer's recorded counts are numpy's of the reference values, but for edge cases."""
    assert recorded.shape == (len(expected_values), spec.slots)
    for layer, values in enumerate(expected_values):
        assert recorded[layer].sum() == values.size  # every value counted once
        want = count(values.astype(np.float32), spec)
        if exact:
            np.testing.assert_array_equal(recorded[layer], want)
            continue
        slack = _ambiguous(values, spec.edges, float(np.abs(values).max()))
        assert np.abs(recorded[layer] - want).sum() <= 2 * slack, (layer, slack)


def _first_step(config: RunConfig, every: int = 1):
    """The engine's histograms of the run's first step, and the float64 reference of it."""
    trainer = Trainer(config, histograms=every)
    network = trainer.network
    model = network.model
    try:
        if config.activation in ("relu", "leaky_relu", "elu", "selu"):
            # Biases away from zero, so that no pre-activation sits on a kink.
            n_biases = sum(out for _, out in model.shapes)
            biases = np.random.default_rng(1).normal(0.0, 0.5, n_biases).astype(np.float32)
            model.params.assign(np.concatenate([model.params.numpy()[:-n_biases], biases]))
        kernels = [k.astype(np.float64) for k in model.kernels()]
        biases = [b.astype(np.float64) for b in model.biases()]
        batch = trainer.batch_indices(1)[: config.batch_size]
        x = trainer.x.numpy()[batch].astype(np.float64)
        y = trainer.y.numpy()[batch, 0].astype(np.float64)
        expected = reference_step(kernels, biases, x, y, config.activation)
        block = network.histogram_block(network.call_chunk(1, 1, 0, 1, False))
    finally:
        trainer.close()
    return block, expected


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_one_steps_histograms_are_numpys_for_every_activation(activation):
    config = RunConfig(activation=activation, depth=3, width=6, samples=40, batch_size=16, seed=4)
    block, expected = _first_step(config)
    specs = specs_for(activation)
    assert isinstance(block, HistogramBlock) and block.steps.tolist() == [1]
    assert block.specs == specs
    # The weights the step used are the initial kernels, bit for bit.
    assert_counts_match(block.counts["weight"][0], expected["weight"], specs["weight"], exact=True)
    for q in ("grad", "activation", "backprop"):
        assert_counts_match(block.counts[q][0], expected[q], specs[q])
    for q in QUANTITIES:  # min, max, sum, sum of squares, to float32's precision
        for layer, values in enumerate(expected[q]):
            want, got = moments(values), block.moments[q][0, layer]
            scale = np.sqrt(want[3])  # the sum's error is at most eps · sqrt(n) · this
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale)
    outs = expected["activation"]
    np.testing.assert_allclose(block.activation_mean[0], [h.mean() for h in outs], atol=1e-6)
    np.testing.assert_allclose(block.activation_sd[0], [h.std() for h in outs], rtol=1e-4)


def test_images_of_nine_classes_go_through_a_softmax_and_their_histograms_are_numpys():
    config = RunConfig(
        activation="tanh", init="standard", dataset="shapeset", depth=2, width=8, samples=30
    )
    block, expected = _first_step(config.replace(batch_size=10))
    specs = specs_for("tanh")
    assert [g.shape for g in expected["grad"]] == [(1024, 8), (8, 8), (8, 9)]
    for q in ("grad", "activation", "backprop"):
        assert_counts_match(block.counts[q][0], expected[q], specs[q])
    assert_counts_match(block.counts["weight"][0], expected["weight"], specs["weight"], exact=True)


def _run(config: RunConfig, histograms):
    records = []
    Trainer(config, histograms=histograms).run(records.append, threading.Event())
    return records


def _steps(records):
    return [r for r in records if isinstance(r, StepBlock)]


@pytest.mark.parametrize(
    ("config", "every"),
    [
        (RunConfig(epochs=3), 3),  # whole epochs, several to a call
        (RunConfig(activation="relu", depth=2, width=3, samples=600, batch_size=1, epochs=1), 4),
    ],
    ids=["tutorial", "split-epochs"],
)
def test_every_kth_step_is_counted_and_nothing_else_changes(config, every):
    plain, counted = _run(config, False), _run(config, every)
    for a, b in zip(_steps(plain), _steps(counted), strict=True):
        np.testing.assert_array_equal(a.step_loss, b.step_loss)
        np.testing.assert_array_equal(a.step_stats, b.step_stats)
    assert not any(isinstance(r, HistogramBlock) for r in plain)
    start = counted[0]
    assert isinstance(start, RunStart) and start.info["histogram_every"] == every
    assert (
        start.info["histogram_bins"]["activation"]
        == specs_for(config.activation)["activation"].to_json()
    )
    blocks = [r for r in counted if isinstance(r, HistogramBlock)]
    steps = np.concatenate([b.steps for b in blocks])
    np.testing.assert_array_equal(steps, np.arange(1, config.total_steps + 1, every))
    # Each block comes after the step records that cover its steps.
    covered = 0
    for record in counted:
        if isinstance(record, StepBlock):
            covered = record.last_step
        if isinstance(record, HistogramBlock):
            assert record.steps[-1] <= covered
    layers, depth = config.depth + 1, config.depth
    kernels = [2 * config.width, *[config.width**2] * (depth - 1), config.width]
    for block in blocks:
        assert block.every == every
        for q in QUANTITIES:
            counts = block.counts[q]
            assert counts.shape[:2] == (len(block), layers if q in ("grad", "weight") else depth)
        # Totals: every element of every layer at every step (an epoch's last batch is short).
        in_epoch = (block.steps - 1) % config.steps_per_epoch
        batch = np.minimum(config.batch_size, config.samples - in_epoch * config.batch_size)
        for q in ("grad", "weight"):
            np.testing.assert_array_equal(block.counts[q].sum(axis=2), [kernels] * len(block))
        for q in ("activation", "backprop"):
            totals = block.counts[q].sum(axis=2)
            np.testing.assert_array_equal(totals, np.outer(batch * config.width, np.ones(depth)))


def test_a_partial_last_batch_is_counted_whole_and_the_history_ignores_blocks():
    config = RunConfig(samples=40, batch_size=16, epochs=1, depth=2, width=3)
    records = _run(config, 1)
    block = next(r for r in records if isinstance(r, HistogramBlock))
    np.testing.assert_array_equal(block.counts["activation"].sum(axis=2)[:, 0], [48, 48, 24])
    history = History()
    for record in records:
        history.record(record)
    view = history.view()
    assert view.state == "done" and view.steps_done == 3
    assert any(isinstance(r, EpochEnd) for r in records)
