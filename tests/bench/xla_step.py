"""What XLA would give the engine: its step compiled whole by XLA against the plain graph.

Builds the engine's network for the tutorial's settings and, beside the
engine's own compiled call (the plain TensorFlow graph), the same epochs as
one XLA-compiled call: the same step (:meth:`CompiledNetwork._train_step`:
gradient, RMSprop update, diagnostics, finiteness), the same per-step
records, each epoch's evaluation on all the data, with what XLA needs made
static: batches of one size (the last batch of an epoch, the rest, a step of
its own), arrays of fixed length, the per-layer statistics (segment sums,
which XLA's CPU compiler lacks) computed after the call on the plain graph,
and the shuffles drawn outside the call (XLA's Philox draws other numbers
than TensorFlow's kernel from a seed that is not a constant: the run would
not be the same run).

Prints the first call's seconds of each (compile included; the process's
one-time set-up paid before either), the ms/step of the calls after it,
taking turns, and how far the two tiers' records are apart when both train
the same epochs from the same weights; then, if JAX is installed (the
``bench`` extra), the JAX floor's (jax_floor.py, a process of its own, after
this one's work). ``python tests/bench/xla_step.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

from vgtui.config import RunConfig
from vgtui.engine.stats import FINITE, HEALTH_COLUMNS, layer_stats
from vgtui.engine.trainer import BOUNDARY_GRID, CompiledNetwork, warm_up


def xla_chunk(network: CompiledNetwork, epochs: int):
    """The network's whole-epoch call with static shapes, XLA-compiled; see the module's text.

    The call takes the epochs' shuffles, (epochs, samples), the number of the
    first epoch, every how many epochs the boundary is evaluated, and the
    run's last epoch; it returns the losses, accuracies, stacked gradients,
    parameters and health rows of ``epochs`` × steps_per_epoch steps (the
    first ``written`` of them real), the last divergence code, ``written``,
    and each epoch's evaluation.
    """
    config, model = network.config, network.model
    full, rest = divmod(config.samples, config.batch_size)
    batch = config.batch_size
    steps = epochs * config.steps_per_epoch
    n_params = sum(model.sizes)

    def call(perms, first_epoch, every, last_epoch):
        shapes = [[], [], [n_params], [n_params], [model.n_layers, HEALTH_COLUMNS]]
        step_arrays = tuple(tf.TensorArray(tf.float32, steps, element_shape=s) for s in shapes)
        epoch_shapes = [[], []] + ([[BOUNDARY_GRID**2]] if network.boundary else [])
        epoch_arrays = tuple(
            tf.TensorArray(tf.float32, epochs, element_shape=s) for s in epoch_shapes
        )

        def epoch_body(j, written, code, step_arrays, epoch_arrays):
            perm = perms[j]

            def step(idx, written, arrays):
                *values, code = network._train_step(
                    tf.gather(network.x, idx), tf.gather(network.y, idx)
                )
                return code, tuple(a.write(written, v) for a, v in zip(arrays, values))

            def body(i, written, code, *arrays):
                code, arrays = step(tf.slice(perm, [i * batch], [batch]), written, arrays)
                return i + 1, written + 1, code, *arrays

            def cond(i, written, code, *_):
                return (i < full) & (code == FINITE)

            _, written, code, *step_arrays = tf.while_loop(
                cond, body, [tf.constant(0), written, code, *step_arrays]
            )
            if rest:

                def last():
                    last_code, arrays = step(perm[full * batch :], written, tuple(step_arrays))
                    return (written + 1, last_code, *arrays)

                written, code, *step_arrays = tf.cond(
                    code == FINITE, last, lambda: (written, code, *step_arrays)
                )
            due = code == FINITE
            branches = [network._not_evaluated, network._evaluate]
            branch = tf.where(due, 1, 0)
            if network.boundary:
                epoch = first_epoch + j
                grid_due = due & ((epoch % every == 0) | (epoch == last_epoch))
                branches.append(network._evaluate_with_boundary)
                branch = tf.where(grid_due, 2, branch)
            evaluated = tf.switch_case(branch, branches)
            epoch_arrays = tuple(a.write(j, v) for a, v in zip(epoch_arrays, evaluated))
            return j + 1, written, code, tuple(step_arrays), epoch_arrays

        def epoch_cond(j, written, code, *_):
            return (j < epochs) & (code == FINITE)

        start = [tf.constant(0), tf.constant(0), tf.constant(FINITE), step_arrays, epoch_arrays]
        _, written, code, step_arrays, epoch_arrays = tf.while_loop(epoch_cond, epoch_body, start)
        return (
            *(a.stack() for a in step_arrays),
            code,
            written,
            *(a.stack() for a in epoch_arrays),
        )

    compiled = tf.function(call, jit_compile=True)
    shuffles = tf.function(
        lambda first: tf.stack([network._permutation(first + j) for j in range(epochs)])
    )
    stats = tf.function(
        lambda g, p, h: layer_stats(
            g, p, model.segment_ids, model.kernel_sizes, h, model.segment_sizes
        )
    )

    def run(first_epoch: int, every: int = 1, last_epoch: int = 0) -> tuple[np.ndarray, ...]:
        """Train ``epochs`` epochs from ``first_epoch``; the engine's call_chunk's results.

        The shuffles are the engine's own, drawn on the plain graph.
        """
        out = compiled(
            shuffles(tf.constant(first_epoch)),
            tf.constant(first_epoch),
            tf.constant(every),
            tf.constant(last_epoch),
        )
        losses, accs, grads, params, health, code, written, *evaluated = out
        n = int(written)
        table = stats(grads[:n], params[:n], health[:n])
        return (losses[:n].numpy(), accs[:n].numpy(), table.numpy(), code.numpy(), *evaluated)

    return run


def main() -> int:
    """Measure both tiers and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", default="sigmoid")
    parser.add_argument("--calls", type=int, default=12, help="timed calls of each tier")
    args = parser.parse_args()
    config = RunConfig(activation=args.activation)
    warm_up()  # the process's one-time set-up, out of both first calls
    per_call = max(1, 256 // config.steps_per_epoch)  # as the engine's calls (MAX_CHUNK_STEPS)
    steps = per_call * config.steps_per_epoch
    plain = CompiledNetwork(config)
    t0 = time.perf_counter()
    plain.call_chunk(1, per_call, 0, config.steps_per_epoch, True)
    plain_first = time.perf_counter() - t0
    xla_network = CompiledNetwork(config)
    xla = xla_chunk(xla_network, per_call)
    t0 = time.perf_counter()
    xla(1)
    xla_first = time.perf_counter() - t0
    plain_ms, xla_ms = [], []
    for k in range(args.calls):
        first = 1 + per_call * (k + 1)
        t0 = time.perf_counter()
        plain.call_chunk(first, per_call, 0, config.steps_per_epoch, True)
        plain_ms.append((time.perf_counter() - t0) / steps * 1000)
        t0 = time.perf_counter()
        xla(first)
        xla_ms.append((time.perf_counter() - t0) / steps * 1000)
    plain.load(config)
    xla_network.load(config)
    ours = plain.call_chunk(1, per_call, 0, config.steps_per_epoch, True)
    theirs = xla(1)
    loss_gap = float(np.max(np.abs(ours[0] - theirs[0])))
    scale = np.abs(ours[2]) + 1e-12
    stats_gap = float(np.nanmax(np.abs(ours[2] - theirs[2]) / scale))
    print(f"{args.activation}, {per_call} epochs of {config.steps_per_epoch} steps a call")
    print(
        f"plain graph: first call {plain_first:.2f} s, then {min(plain_ms):.4f} ms/step "
        f"(median {statistics.median(plain_ms):.4f})"
    )
    print(
        f"XLA:         first call {xla_first:.2f} s, then {min(xla_ms):.4f} ms/step "
        f"(median {statistics.median(xla_ms):.4f})"
    )
    print(
        f"XLA vs plain: {min(xla_ms) / min(plain_ms):.2f}x the time a step, first call "
        f"{xla_first / plain_first:.1f}x; from the same weights and shuffles, losses "
        f"within {loss_gap:.1e}, statistics within {stats_gap:.1e} relative"
    )
    if importlib.util.find_spec("jax") is None:
        print('JAX is not installed (pip install -e ".[bench]"): no floor')
        return 0
    floor_script = Path(__file__).resolve().with_name("jax_floor.py")
    done = subprocess.run(
        [sys.executable, str(floor_script), "--json", "--activation", args.activation],
        capture_output=True,
        text=True,
        check=True,
    )
    floor = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"JAX floor:   first call {floor['first_call_s']:.2f} s, then "
        f"{floor['ms_per_step']:.4f} ms/step; XLA vs floor "
        f"{min(xla_ms) / floor['ms_per_step']:.2f}x, plain vs floor "
        f"{min(plain_ms) / floor['ms_per_step']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
