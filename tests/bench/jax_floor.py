"""A floor for the engine's speed: its training loop written in JAX, one process.

The network, data, optimizer and batches of a :class:`~vgtui.config.RunConfig`
(the tutorial's by default): depth × Dense(width, activation) → Dense(1),
binary cross-entropy of the logit, Keras's RMSprop (rho 0.9, epsilon 1e-7),
batches drawn from a shuffle of the data each epoch (drawn on the device),
the last holding the rest. Every step records its loss, its accuracy and, per layer, the kernel
gradient's mean, SD and L2 norm and the kernel's mean and SD after the update
(the engine's statistics without its diagnostics); every epoch ends with the
loss and accuracy on the whole data set (without the engine's decision
boundary). One jit-compiled call trains several epochs, a ``lax.scan`` over
epochs of a ``lax.scan`` over steps, and its records are fetched once a call.

Run with ``python tests/bench/jax_floor.py`` (needs ``pip install -e
".[bench]"``): prints the first call's seconds (compile included) and the
steady ms/step of the calls after it. ``--json`` prints them as one JSON line
(read by bench_floor.py); ``--check`` trains the engine and this loop from the
same initial weights through the same shuffles and prints both loss curves.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from vgtui.config import RunConfig
from vgtui.data.datasets import make_dataset

#: Keras's RMSprop defaults, as the engine's optimizer has them.
RHO, EPSILON = 0.9, 1e-7
#: The per-layer statistics of a step, in the engine's order (its first five).
STAT_NAMES = ("grad_mean", "grad_sd", "grad_norm", "kernel_mean", "kernel_sd")

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
}

Params = list[tuple[jax.Array, jax.Array]]
#: What a compiled call returns: the new (params, velocities), and its records.
Trained = tuple[tuple[Params, Params], tuple[jax.Array, ...]]


@dataclass
class FloorResult:
    """What one floor run measured, and what it trained to."""

    first_call_s: float
    ms_per_step: float
    steady_steps: int
    epoch_losses: list[float]
    epoch_accuracies: list[float]
    step_grad_sd: np.ndarray


def layer_shapes(config: RunConfig) -> list[tuple[int, int]]:
    """(fan_in, units) of each layer's kernel, input side first (points on the plane)."""
    return list(itertools.pairwise([2] + [config.width] * config.depth + [1]))


def initial_params(config: RunConfig) -> Params:
    """N(0, 1) kernels (the tutorial's initializer) and zero biases, drawn with numpy."""
    rng = np.random.default_rng(config.seed)
    return [
        (
            jnp.asarray(rng.normal(0.0, 1.0, (n_in, n_out)), jnp.float32),
            jnp.zeros(n_out, jnp.float32),
        )
        for n_in, n_out in layer_shapes(config)
    ]


def logits(params: Params, x: jax.Array, activation: Callable[[jax.Array], jax.Array]) -> jax.Array:
    """The network's output logits, (batch,)."""
    h = x
    for kernel, bias in params[:-1]:
        h = activation(h @ kernel + bias)
    kernel, bias = params[-1]
    return (h @ kernel + bias)[:, 0]


def loss_and_accuracy(
    params: Params,
    x: jax.Array,
    y: jax.Array,
    weight: jax.Array,
    activation: Callable[[jax.Array], jax.Array],
) -> tuple[jax.Array, jax.Array]:
    """Mean binary cross-entropy of the logits, and accuracy, over the examples weighted 1."""
    z = logits(params, x, activation)
    per_example = jnp.maximum(z, 0.0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))
    count = jnp.sum(weight)
    hits = ((z > 0.0).astype(jnp.float32) == y).astype(jnp.float32)
    return jnp.sum(per_example * weight) / count, jnp.sum(hits * weight) / count


def moments(values: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Mean, population SD and L2 norm of an array."""
    mean = jnp.mean(values)
    return mean, jnp.sqrt(jnp.mean(jnp.square(values - mean))), jnp.sqrt(jnp.sum(values**2))


def make_train(
    config: RunConfig, x: np.ndarray, y: np.ndarray, call_epochs: int
) -> tuple[Callable[..., Trained], Callable[..., Trained]]:
    """Return the compiled calls: one shuffling on the device, one given the shuffles.

    The first takes (params, velocities) and the 1-based number of its first
    epoch, and trains ``call_epochs`` epochs, each on a shuffle drawn on the
    device from the seed and the epoch's number (as the engine draws its
    own); the second takes the state and the shuffles, (epochs, samples).
    Both return the new state and each step's loss and accuracy, (epochs,
    steps), its statistics, (epochs, steps, layers, STAT_NAMES), and each
    epoch's whole-data loss and accuracy, (epochs,).
    """
    activation = ACTIVATIONS[config.activation]
    n, batch, spe = config.samples, config.batch_size, config.steps_per_epoch
    lr = config.lr
    x_all, y_all = jnp.asarray(x), jnp.asarray(y)
    padded = spe * batch  # the last batch is padded and its padding weighted 0
    weight_all = (jnp.arange(padded) < n).astype(jnp.float32).reshape(spe, batch)
    grad_fn = jax.value_and_grad(partial(loss_and_accuracy, activation=activation), has_aux=True)
    ones = jnp.ones(n, jnp.float32)

    def step(state, batch_in):
        params, velocities = state
        idx, weight = batch_in
        (loss, accuracy), grads = grad_fn(params, x_all[idx], y_all[idx], weight)
        velocities = jax.tree.map(lambda v, g: RHO * v + (1 - RHO) * g * g, velocities, grads)
        params = jax.tree.map(
            lambda p, g, v: p - lr * g / jnp.sqrt(v + EPSILON), params, grads, velocities
        )
        stats = jnp.stack(
            [
                jnp.stack([*moments(g_kernel), *moments(kernel)[:2]])
                for (g_kernel, _), (kernel, _) in zip(grads, params)
            ]
        )
        return (params, velocities), (loss, accuracy, stats)

    def epoch(state, perm):
        idx = jnp.concatenate([perm, perm[: padded - n]]).reshape(spe, batch)
        state, records = jax.lax.scan(step, state, (idx, weight_all))
        full = loss_and_accuracy(state[0], x_all, y_all, ones, activation)
        return state, (*records, *full)

    @jax.jit
    def train(state, perms):
        return jax.lax.scan(epoch, state, perms)

    key = jax.random.key(config.seed)

    @jax.jit
    def train_shuffled(state, first_epoch):
        epochs = first_epoch + jnp.arange(call_epochs)
        perms = jax.vmap(lambda e: jax.random.permutation(jax.random.fold_in(key, e), n))(epochs)
        return jax.lax.scan(epoch, state, perms)

    return train_shuffled, train


def run(
    config: RunConfig,
    call_epochs: int,
    params: Params | None = None,
    perms: np.ndarray | None = None,
) -> FloorResult:
    """Train ``config.epochs`` epochs, ``call_epochs`` a call; time the first call and the rest.

    ``params`` default to numpy's draws, ``perms`` (every epoch's shuffle,
    (epochs, samples)) to shuffles drawn on the device. Each call's records
    are fetched to the host before the next call, as the engine fetches its own.
    """
    if config.epochs % call_epochs:
        raise ValueError("epochs must be a multiple of call_epochs (one compiled shape)")
    x, y = make_dataset(config)
    train_shuffled, train = make_train(config, x, y, call_epochs)
    params = initial_params(config) if params is None else params
    state = (params, jax.tree.map(jnp.zeros_like, params))
    losses: list[float] = []
    accuracies: list[float] = []
    grad_sds: list[np.ndarray] = []
    marks = [time.perf_counter()]
    for first in range(1, config.epochs + 1, call_epochs):
        if perms is None:
            state, records = train_shuffled(state, first)
        else:
            state, records = train(state, perms[first - 1 : first - 1 + call_epochs])
        fetched = jax.device_get(records)
        marks.append(time.perf_counter())
        losses.extend(float(v) for v in fetched[3])
        accuracies.extend(float(v) for v in fetched[4])
        grad_sds.append(fetched[2][..., 1].reshape(-1, fetched[2].shape[2]))
    steady = (config.epochs - call_epochs) * config.steps_per_epoch
    return FloorResult(
        first_call_s=marks[1] - marks[0],
        ms_per_step=(marks[-1] - marks[1]) / steady * 1000 if steady else float("nan"),
        steady_steps=steady,
        epoch_losses=losses,
        epoch_accuracies=accuracies,
        step_grad_sd=np.concatenate(grad_sds),
    )


def check(config: RunConfig, call_epochs: int) -> int:
    """Train the engine and this loop from the same weights and shuffles; print both curves.

    Also prints the largest relative difference of every step's per-layer
    gradient SD. Returns 0 if the first two steps' gradient SDs agree within
    1e-5 (relative) and the whole-data losses within 1e-2 at every epoch, else 1.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import threading

    from vgtui.engine.model import FlatMLP
    from vgtui.engine.trainer import Trainer
    from vgtui.records import EpochEnd, StepBlock

    trainer = Trainer(config)
    perms = np.stack([trainer.batch_indices(e) for e in range(1, config.epochs + 1)])
    flat = FlatMLP(config).params.numpy()  # the engine's initial weights (kernels, then biases)
    kernels, offset = [], 0
    for n_in, n_out in layer_shapes(config):
        kernels.append(jnp.asarray(flat[offset : offset + n_in * n_out].reshape(n_in, n_out)))
        offset += n_in * n_out
    params = [(k, jnp.zeros(k.shape[1], jnp.float32)) for k in kernels]
    ends: list[EpochEnd] = []
    blocks: list[StepBlock] = []

    def emit(record: object) -> None:
        if isinstance(record, EpochEnd):
            ends.append(record)
        elif isinstance(record, StepBlock):
            blocks.append(record)

    trainer.run(emit, threading.Event())
    floor = run(config, call_epochs, params, perms.astype(np.int32))
    print(f"{config.activation}: whole-data loss (accuracy) by epoch, engine vs JAX")
    shown = sorted({1, 2, 5, 10, 20, 50, config.epochs} & set(range(1, config.epochs + 1)))
    for e in shown:
        print(
            f"  epoch {e:4d}: {ends[e - 1].loss:.4f} ({ends[e - 1].accuracy:.3f}) vs "
            f"{floor.epoch_losses[e - 1]:.4f} ({floor.epoch_accuracies[e - 1]:.3f})"
        )
    worst = max(abs(a.loss - b) for a, b in zip(ends, floor.epoch_losses))
    print(f"  largest difference of the losses, all {len(ends)} epochs: {worst:.2e}")
    engine_sd = np.concatenate([b.step_stats[:, :, 1] for b in blocks])
    relative = np.abs(floor.step_grad_sd - engine_sd) / np.abs(engine_sd)
    print(
        f"  per-layer gradient SD: largest relative difference {relative[:2].max():.1e} over "
        f"the first two steps; over all {len(engine_sd):,} steps median "
        f"{np.median(relative):.1e}, largest {relative.max():.1e} (rounding grows as they train)"
    )
    return 0 if relative[:2].max() < 1e-5 and worst < 1e-2 else 1


def main() -> int:
    """Measure (or check) the floor and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=210)
    parser.add_argument("--call-epochs", type=int, default=10, help="epochs a compiled call")
    parser.add_argument("--activation", default="sigmoid", choices=sorted(ACTIVATIONS))
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    parser.add_argument(
        "--check", action="store_true", help="compare loss curves with the engine's (100 epochs)"
    )
    args = parser.parse_args()
    if args.check:
        return check(RunConfig(activation=args.activation), args.call_epochs)
    config = RunConfig(activation=args.activation, epochs=args.epochs)
    result = run(config, args.call_epochs)
    if args.json:
        print(json.dumps({"first_call_s": result.first_call_s, "ms_per_step": result.ms_per_step}))
        return 0
    print(
        f"JAX floor, {args.activation}: first call {result.first_call_s:.2f} s (compile and "
        f"{args.call_epochs} epochs); then {result.ms_per_step:.4f} ms/step over "
        f"{result.steady_steps:,} steps; final loss {result.epoch_losses[-1]:.4f}, "
        f"accuracy {result.epoch_accuracies[-1]:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
