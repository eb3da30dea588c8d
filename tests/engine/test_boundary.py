"""The decision boundary: the network's own prediction over a grid around the data."""

import itertools
import threading

import numpy as np
import pytest

from tests.engine.test_gradients import ACTIVATIONS, _sigmoid
from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.engine.trainer import (
    BOUNDARY_GRID,
    BOUNDARY_MIN_STEPS,
    BOUNDARY_SMALL_MACS,
    Trainer,
    boundary_every,
    multiply_adds,
)
from vgtui.records import EpochEnd


def _probability(kernels, biases, points, act):
    """The network's probability of class 1 at ``points``, by a float64 forward pass."""
    h = points
    for k, b in zip(kernels[:-1], biases[:-1]):
        h = act(h @ k + b)
    return _sigmoid(h @ kernels[-1] + biases[-1])[:, 0]


def _grid(extent, size):
    """The grid's points as the boundary's docstring lays them out: x along rows, y up."""
    x0, x1, y0, y1 = extent
    xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
    return np.array([(x, y) for y in ys for x in xs])


@pytest.mark.parametrize(
    ("activation", "dataset"), [("sigmoid", "circles"), ("tanh", "moons"), ("relu", "spiral")]
)
def test_each_epochs_boundary_is_the_networks_prediction_on_the_grid(activation, dataset):
    config = RunConfig(activation=activation, dataset=dataset, epochs=3, depth=2, width=6)
    trainer = Trainer(config)
    network = trainer.network
    model = network.model
    x = trainer.x.numpy()
    try:
        for epoch in (1, 2, 3):
            out = network.call_chunk(epoch, 1, 0, config.steps_per_epoch, True)
            grids = out[6]
            assert grids.shape == (1, BOUNDARY_GRID**2)
            kernels = [k.astype(np.float64) for k in model.kernels()]
            biases = [b.astype(np.float64) for b in model.biases()]
            points = _grid(network.extent, BOUNDARY_GRID)
            expected = _probability(kernels, biases, points, ACTIVATIONS[activation])
            np.testing.assert_allclose(grids[0], expected, atol=2e-6, rtol=1e-5)
        # The grid holds every data point, with room to spare, on a square.
        x0, x1, y0, y1 = network.extent
        assert x1 - x0 == pytest.approx(y1 - y0)
        assert x0 < x[:, 0].min() < x[:, 0].max() < x1
        assert y0 < x[:, 1].min() < x[:, 1].max() < y1
    finally:
        trainer.close()


def test_every_epoch_end_carries_its_own_boundary():
    config = RunConfig(activation="tanh", epochs=4)
    records = []
    trainer = Trainer(config)
    kept = {}

    def emit(record):
        records.append(record)
        if isinstance(record, EpochEnd) and record.epoch == config.epochs:
            model = trainer.network.model  # the weights after the last epoch, the run still open
            kept["kernels"] = [k.astype(np.float64) for k in model.kernels()]
            kept["biases"] = [b.astype(np.float64) for b in model.biases()]

    assert trainer.network.chunk_steps >= config.total_steps  # all four epochs in one call
    trainer.run(emit, threading.Event())
    epochs = whole_epochs(records)
    assert all(e.boundary is not None for e in epochs)
    shapes = {e.boundary.probability.shape for e in epochs}
    assert shapes == {(BOUNDARY_GRID, BOUNDARY_GRID)}
    for before, after in itertools.pairwise(epochs):  # its own, not the call's last
        assert not np.array_equal(before.boundary.probability, after.boundary.probability)
    last = epochs[-1].boundary
    points = _grid(last.extent, BOUNDARY_GRID)
    expected = _probability(kept["kernels"], kept["biases"], points, ACTIVATIONS["tanh"])
    np.testing.assert_allclose(last.probability.ravel(), expected, atol=2e-6, rtol=1e-5)


def test_without_the_boundary_no_epoch_carries_one():
    records = []
    Trainer(RunConfig(epochs=2), boundary=False).run(records.append, threading.Event())
    assert all(r.boundary is None for r in records if isinstance(r, EpochEnd))


def test_a_diverged_epoch_carries_no_boundary():
    config = RunConfig(optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8,
                       width=64, epochs=5)  # fmt: skip
    records = []
    Trainer(config).run(records.append, threading.Event())
    diverged = [r for r in records if isinstance(r, EpochEnd) and r.diverged_layer is not None]
    assert len(diverged) == 1 and diverged[0].boundary is None


def test_short_epochs_share_a_boundary_and_the_last_has_one():
    # One step an epoch: the boundary comes every BOUNDARY_MIN_STEPS epochs, and at the end.
    config = RunConfig(samples=40, batch_size=40, epochs=10)
    assert boundary_every(config) == BOUNDARY_MIN_STEPS == 4
    assert boundary_every(RunConfig()) == 1  # the tutorial's 32 steps: every epoch
    assert boundary_every(RunConfig(batch_size=64)) == 1  # 16 steps
    assert boundary_every(RunConfig(samples=64)) == 2  # 2 steps: every other epoch
    assert boundary_every(RunConfig(samples=128)) == 1  # 4 steps: every epoch
    # A network whose arithmetic dominates: the grid's 2,304 rows held to a quarter of
    # the 4 × samples rows an epoch computes.
    assert multiply_adds(RunConfig()) == 2 * 5 + 3 * 5 * 5 + 5 == 90
    assert multiply_adds(RunConfig(width=64)) == 12_480 > BOUNDARY_SMALL_MACS
    assert boundary_every(RunConfig(width=32)) == 1
    assert boundary_every(RunConfig(width=64)) == 3  # 2304 / (0.25 * 4000) = 2.3
    assert boundary_every(RunConfig(width=64, samples=400)) == 6  # 2304 / 400 = 5.76
    assert boundary_every(RunConfig(width=64, samples=5000)) == 1
    records = []
    Trainer(config).run(records.append, threading.Event())
    epochs = whole_epochs(records)
    assert [r.epoch for r in epochs if r.boundary] == [4, 8, 10]
    assert [r.boundary.epoch for r in epochs if r.boundary] == [4, 8, 10]
