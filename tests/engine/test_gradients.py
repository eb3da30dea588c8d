"""The engine's recorded gradients against central finite differences in float64."""

import threading

import numpy as np
import pytest

from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import STAT_INDEX, EpochRecord


def _activation(name: str):
    return {
        "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
    }[name]


def _loss(kernels, biases, x, y, act) -> float:
    """Binary cross-entropy of the MLP, written out in float64 numpy."""
    h = x
    for k, b in zip(kernels[:-1], biases[:-1]):
        h = act(h @ k + b)
    z = (h @ kernels[-1] + biases[-1])[:, 0]
    p = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _fd_gradients(kernels, biases, x, y, act, h=1e-6):
    grads = []
    for k in kernels:
        g = np.zeros_like(k)
        for idx in np.ndindex(k.shape):
            orig = k[idx]
            k[idx] = orig + h
            up = _loss(kernels, biases, x, y, act)
            k[idx] = orig - h
            down = _loss(kernels, biases, x, y, act)
            k[idx] = orig
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_first_step_gradient_stats_match_finite_differences(activation):
    config = RunConfig(activation=activation, epochs=1, width=4, depth=3, seed=7)
    trainer = Trainer(config)
    kernels = [k.astype(np.float64) for k in trainer.model.kernels()]
    biases = [b.astype(np.float64) for b in trainer.model.biases()]
    order = trainer.batch_indices(1)
    assert sorted(order) == list(range(config.samples))  # a permutation
    first = order[: config.batch_size]
    x = trainer.x.numpy()[first].astype(np.float64)
    y = trainer.y.numpy()[first, 0].astype(np.float64)

    expected = _fd_gradients(kernels, biases, x, y, _activation(activation))
    records = []
    trainer.run(records.append, threading.Event())
    step1 = next(r for r in records if isinstance(r, EpochRecord)).step_stats[0]

    for layer, g in enumerate(expected):
        norm = np.linalg.norm(g)
        assert step1[layer, STAT_INDEX["grad_norm"]] == pytest.approx(norm, rel=2e-3)
        assert step1[layer, STAT_INDEX["grad_sd"]] == pytest.approx(g.std(), rel=2e-3)
        assert step1[layer, STAT_INDEX["grad_mean"]] == pytest.approx(
            g.mean(), abs=2e-3 * norm / np.sqrt(g.size)
        )


def test_weight_stats_are_those_of_the_kernels_after_the_update():
    config = RunConfig(epochs=1, samples=64, batch_size=64)  # one step in all
    trainer = Trainer(config)
    network = trainer.network  # the run gives it back when it ends
    records = []
    trainer.run(records.append, threading.Event())
    stats = next(r for r in records if isinstance(r, EpochRecord)).step_stats[0]
    for layer, kernel in enumerate(network.model.kernels()):
        assert stats[layer, STAT_INDEX["weight_mean"]] == pytest.approx(kernel.mean(), abs=1e-6)
        assert stats[layer, STAT_INDEX["weight_sd"]] == pytest.approx(kernel.std(), rel=1e-5)


def test_initial_kernels_follow_the_initializer():
    trainer = Trainer(RunConfig(init="normal", depth=2, width=300))
    middle = trainer.model.kernels()[1]  # 300 x 300 draws from N(0, 1)
    assert abs(middle.mean()) < 0.02
    assert middle.std() == pytest.approx(1.0, abs=0.02)
    small = Trainer(RunConfig(init="small", depth=2, width=300)).model.kernels()[1]
    assert small.std() == pytest.approx(0.01, abs=0.0002)
    glorot = Trainer(RunConfig(init="glorot_normal", depth=2, width=300)).model.kernels()[1]
    # Keras's glorot_normal: truncated normal with SD sqrt(2 / (fan_in + fan_out)).
    assert glorot.std() == pytest.approx(np.sqrt(2 / 600), rel=0.05)
