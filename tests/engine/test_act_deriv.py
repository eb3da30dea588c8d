"""``act_deriv_mean`` against the derivative computed in numpy from the layers' pre-activations."""

import threading

import numpy as np
import pytest
from scipy.special import erf

from tests.engine.test_gradients import ACTIVATIONS, SELU_ALPHA, SELU_SCALE, _sigmoid
from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import STAT_INDEX, StepBlock

DERIV = STAT_INDEX["act_deriv_mean"]

#: Each activation's derivative, written out in float64 (Keras 3's default arguments).
DERIVATIVES = {
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(np.float64),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.2),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(z)),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(z)),
    "gelu": lambda z: (
        0.5 * (1.0 + erf(z / np.sqrt(2.0))) + z * np.exp(-(z**2) / 2) / np.sqrt(2 * np.pi)
    ),
    "swish": lambda z: _sigmoid(z) + z * _sigmoid(z) * (1.0 - _sigmoid(z)),
    "linear": lambda z: np.ones_like(z),
    "softsign": lambda z: 1.0 / (1.0 + np.abs(z)) ** 2,
}


def _pre_activations(kernels, biases, x, act):
    """Each hidden layer's pre-activations, (batch, width), from a float64 forward pass."""
    h, pres = x, []
    for k, b in zip(kernels[:-1], biases[:-1]):
        z = h @ k + b
        pres.append(z)
        h = act(z)
    return pres


def _expected(trainer, epoch: int, step: int) -> np.ndarray:
    """The mean derivative of each hidden layer over step ``step`` of ``epoch``'s batch."""
    config, model = trainer.config, trainer.network.model
    kernels = [k.astype(np.float64) for k in model.kernels()]
    biases = [b.astype(np.float64) for b in model.biases()]
    order = trainer.batch_indices(epoch)
    batch = order[step * config.batch_size : (step + 1) * config.batch_size]
    x = trainer.x.numpy()[batch].astype(np.float64)
    pres = _pre_activations(kernels, biases, x, ACTIVATIONS[config.activation])
    return np.array([DERIVATIVES[config.activation](z).mean() for z in pres])


def test_every_activation_has_a_derivative_reference():
    assert set(DERIVATIVES) == set(ACTIVATIONS)
    z = np.linspace(-3, 3, 61) + 0.05  # off the kinks
    for name, f in ACTIVATIONS.items():
        numeric = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6
        np.testing.assert_allclose(DERIVATIVES[name](z), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "elu", "gelu", "swish"])
def test_act_deriv_mean_is_the_mean_derivative_at_the_pre_activations(activation):
    # 40 examples in batches of 16: steps of 16, 16 and a partial one of 8.
    config = RunConfig(
        activation=activation, depth=3, width=4, samples=40, batch_size=16, epochs=2, seed=3
    )
    trainer = Trainer(config)
    network = trainer.network
    model = network.model
    n_biases = sum(out for _, out in model.shapes)  # biases away from zero: off relu's kink
    biases = np.random.default_rng(1).normal(0.0, 0.5, n_biases).astype(np.float32)
    model.params.assign(np.concatenate([model.params.numpy()[:-n_biases], biases]))
    try:
        for epoch, step in ((1, 0), (1, 1), (1, 2), (2, 0), (2, 1)):
            expected = _expected(trainer, epoch, step)  # before the step updates the weights
            *_, stats, code = network.call_chunk(epoch, 1, step, step + 1, False)[:4]
            assert code == -2
            recorded = stats[0, :, DERIV]
            np.testing.assert_allclose(recorded[:-1], expected, rtol=1e-5, atol=1e-6)
            assert np.isnan(recorded[-1])  # the output layer
    finally:
        trainer.close()


def test_the_tutorial_run_records_sigmoid_derivatives_of_at_most_a_quarter():
    records = []
    Trainer(RunConfig(epochs=2)).run(records.append, threading.Event())
    stats = np.concatenate([r.step_stats for r in records if isinstance(r, StepBlock)])
    assert stats.shape == (64, 5, len(STAT_INDEX))
    hidden = stats[:, :-1, DERIV]
    assert (hidden <= 0.25).all() and (hidden > 0).all()
    assert np.isnan(stats[:, -1, DERIV]).all()


def test_without_diagnostics_act_deriv_mean_is_nan():
    records = []
    Trainer(RunConfig(epochs=1), diagnostics=False).run(records.append, threading.Event())
    epoch = whole_epochs(records)[0]
    assert np.isnan(epoch.step_stats[:, :, DERIV]).all()
