"""The engine's recorded gradients against central finite differences in float64."""

import threading

import numpy as np
import pytest
from scipy.special import erf

from tests.epochs import Epoch
from tests.epochs import epochs as whole_epochs
from vgtui.config import ACTIVATIONS as ACTIVATION_NAMES
from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import STAT_INDEX, EpochEnd, StepBlock

FIELDS = ("step_loss", "step_accuracy", "step_stats")

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


#: Each activation in float64 numpy, with Keras 3's default arguments.
ACTIVATIONS = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "selu": lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(z)),
    "gelu": lambda z: 0.5 * z * (1.0 + erf(z / np.sqrt(2.0))),  # exact, not the tanh form
    "swish": lambda z: z * _sigmoid(z),
    "linear": lambda z: z,
    "softsign": lambda z: z / (1.0 + np.abs(z)),
}


def _activation(name: str):
    return ACTIVATIONS[name]


def _loss(kernels, biases, x, y, act) -> float:
    """Binary cross-entropy of the MLP from its logits, written out in float64 numpy."""
    h = x
    for k, b in zip(kernels[:-1], biases[:-1]):
        h = act(h @ k + b)
    z = (h @ kernels[-1] + biases[-1])[:, 0]
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _fd_gradients(kernels, biases, x, y, act, h=1e-6, of=None):
    """Central differences of the loss with respect to every entry of ``of`` (the kernels)."""
    grads = []
    for k in kernels if of is None else of:
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
    step1 = whole_epochs(records)[0].step_stats[0]

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
    stats = whole_epochs(records)[0].step_stats[0]
    for layer, kernel in enumerate(network.model.kernels()):
        assert stats[layer, STAT_INDEX["weight_mean"]] == pytest.approx(kernel.mean(), abs=1e-6)
        assert stats[layer, STAT_INDEX["weight_sd"]] == pytest.approx(kernel.std(), rel=1e-5)


def test_every_activation_has_a_float64_reference():
    assert set(ACTIVATIONS) == set(ACTIVATION_NAMES)


def _float64(arrays):
    return [a.astype(np.float64) for a in arrays]


def _check_sgd_step(trainer, epoch: int, step: int):
    """Train step ``step`` (0-based) of ``epoch`` alone and check it against float64.

    With sgd, every kernel and bias entry after the step must equal the entry
    before minus lr times the central finite-difference gradient of the loss of
    that step's batch, and the recorded statistics must be those of that gradient.
    """
    config, network = trainer.config, trainer.network
    act = ACTIVATIONS[config.activation]
    kernels, biases = _float64(network.model.kernels()), _float64(network.model.biases())
    order = trainer.batch_indices(epoch)
    batch = order[step * config.batch_size : (step + 1) * config.batch_size]
    x = trainer.x.numpy()[batch].astype(np.float64)
    y = trainer.y.numpy()[batch, 0].astype(np.float64)
    expected = _fd_gradients(kernels, biases, x, y, act, of=kernels + biases)
    loss_before = _loss(kernels, biases, x, y, act)

    losses, _, stats, code, *_ = network.call_chunk(epoch, 1, step, step + 1, False)
    assert code == -2 and len(losses) == 1  # one finite step
    assert losses[0] == pytest.approx(loss_before, rel=1e-5)
    after = _float64(network.model.kernels()) + _float64(network.model.biases())
    lr = config.lr
    for before, now, g in zip(kernels + biases, after, expected, strict=True):
        applied = (before - now) / lr  # the gradient the step applied, entry by entry
        # float32 keeps a weight to within eps·|w|; what is left is the gradient's own error.
        slack = 4 * np.finfo(np.float32).eps * np.abs(before).max() / lr
        np.testing.assert_allclose(applied, g, rtol=1e-3, atol=slack + 1e-4 * np.abs(g).max())
    for layer, g in enumerate(expected[: len(kernels)]):
        norm = np.linalg.norm(g)
        assert stats[0, layer, STAT_INDEX["grad_norm"]] == pytest.approx(norm, rel=2e-3)
        assert stats[0, layer, STAT_INDEX["grad_sd"]] == pytest.approx(g.std(), rel=2e-3)
        assert stats[0, layer, STAT_INDEX["grad_mean"]] == pytest.approx(
            g.mean(), abs=2e-3 * norm / np.sqrt(g.size)
        )
    return len(batch)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_sgd_steps_apply_the_finite_difference_gradient_entry_by_entry(activation):
    # 40 examples in batches of 16: steps of 16, 16 and a partial one of 8.
    config = RunConfig(
        activation=activation,
        optimizer="sgd",
        lr=0.5,
        depth=2,
        width=3,
        samples=40,
        batch_size=16,
        epochs=3,
        seed=7,
    )
    trainer = Trainer(config)
    network = trainer.network
    # Biases away from zero: with zero biases, an example that no unit of a relu layer
    # passes gives the next layer a pre-activation of exactly 0, on the kink, where a
    # central difference and a derivative rightly disagree.
    model = network.model
    n_biases = sum(out for _, out in model.shapes)
    biases = np.random.default_rng(0).normal(0.0, 0.5, n_biases).astype(np.float32)
    model.params.assign(np.concatenate([model.params.numpy()[:-n_biases], biases]))
    try:
        assert _check_sgd_step(trainer, 1, 0) == 16  # the first step
        network.call_chunk(1, 1, 1, 2, False)
        assert _check_sgd_step(trainer, 1, 2) == 8  # the epoch's partial last batch
        network.call_chunk(2, 1, 0, 3, True)  # all of epoch 2
        network.call_chunk(3, 1, 0, 1, False)
        assert _check_sgd_step(trainer, 3, 1) == 16  # a step in a later epoch
    finally:
        trainer.close()


def test_epochs_split_across_compiled_calls_record_the_right_gradients():
    # Batches of one and 300 examples: each epoch takes more steps than one call does.
    config = RunConfig(
        activation="tanh",
        optimizer="sgd",
        lr=0.05,
        depth=1,
        width=3,
        samples=300,
        batch_size=1,
        epochs=2,
        seed=5,
    )
    records = []
    trainer = Trainer(config)
    chunk = trainer.network.chunk_steps
    assert chunk < 300  # the run splits each epoch
    trainer.run(records.append, threading.Event())
    # Each call's steps come as a block when it returns; each epoch ends with an EpochEnd.
    blocks = [r for r in records if isinstance(r, StepBlock)]
    calls = [
        (e, 300 * (e - 1) + b + 1, min(chunk, 300 - b))
        for e in (1, 2)
        for b in range(0, 300, chunk)
    ]
    assert [(b.epoch, b.first_step, b.steps) for b in blocks] == calls
    assert [r.epoch for r in records if isinstance(r, EpochEnd)] == [1, 2]
    epochs = [
        Epoch(
            epoch,
            300 * (epoch - 1) + 1,
            *(np.concatenate([getattr(b, f) for b in blocks if b.epoch == epoch]) for f in FIELDS),
            loss=np.nan,
            accuracy=np.nan,
        )
        for epoch in (1, 2)
    ]

    # The reference replays the same steps without splitting, then takes the step checked.
    act = ACTIVATIONS["tanh"]
    for epoch, step in ((1, chunk), (2, 299)):  # the second call's first step; the last step
        reference = Trainer(config)
        network = reference.network
        try:
            if epoch == 2:
                network.call_chunk(1, 1, 0, 300, False)
            network.call_chunk(epoch, 1, 0, step, False)
            kernels = _float64(network.model.kernels())
            biases = _float64(network.model.biases())
            example = reference.batch_indices(epoch)[step : step + 1]
            x = reference.x.numpy()[example].astype(np.float64)
            y = reference.y.numpy()[example, 0].astype(np.float64)
        finally:
            reference.close()
        grads = _fd_gradients(kernels, biases, x, y, act)
        recorded = epochs[epoch - 1].step_stats[step]
        assert epochs[epoch - 1].step_loss[step] == pytest.approx(
            _loss(kernels, biases, x, y, act), rel=1e-5
        )
        for layer, (k, g) in enumerate(zip(kernels, grads, strict=True)):
            assert recorded[layer, STAT_INDEX["grad_norm"]] == pytest.approx(
                np.linalg.norm(g), rel=2e-3
            )
            assert recorded[layer, STAT_INDEX["grad_sd"]] == pytest.approx(g.std(), rel=2e-3)
            updated = k - config.lr * g  # sgd
            assert recorded[layer, STAT_INDEX["weight_mean"]] == pytest.approx(
                updated.mean(), abs=1e-6
            )
            assert recorded[layer, STAT_INDEX["weight_sd"]] == pytest.approx(
                updated.std(), rel=1e-5
            )
