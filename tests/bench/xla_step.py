"""The engine's two tiers, one call at a time: the plain graph against the XLA twin.

Builds the engine's network for the given settings (the tutorial's by
default) and its XLA twin (:mod:`vgtui.engine.xla_tier`), and prints the
first call's seconds of each (the twin's: building it, tracing and compiling;
the process's one-time set-up paid before either), the ms/step of the calls
after it, taking turns, and how far the two tiers' records are apart when
both train the same epochs from the same weights; then, if JAX is installed
(the ``bench`` extra), the JAX floor's (jax_floor.py, a process of its own,
after this one's work). ``python tests/bench/xla_step.py [--depth D --width W]``.
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

from vgtui.config import RunConfig
from vgtui.engine.trainer import CompiledNetwork, warm_up
from vgtui.engine.xla_tier import XlaTwin


def main() -> int:
    """Measure both tiers and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", default="sigmoid")
    parser.add_argument("--depth", type=int, default=RunConfig().depth)
    parser.add_argument("--width", type=int, default=RunConfig().width)
    parser.add_argument("--calls", type=int, default=12, help="timed calls of each tier")
    args = parser.parse_args()
    config = RunConfig(activation=args.activation, depth=args.depth, width=args.width)
    warm_up()  # the process's one-time set-up, out of both first calls
    plain = CompiledNetwork(config)
    spe = config.steps_per_epoch
    per_call = plain.chunk_steps // spe  # whole epochs a call, as the engine's calls
    steps = per_call * spe
    t0 = time.perf_counter()
    plain.call_chunk(1, per_call, 0, spe, True)
    plain_first = time.perf_counter() - t0
    twin = XlaTwin(plain, lambda: CompiledNetwork(config))
    t0 = time.perf_counter()
    twin.build()
    if twin.failure:
        sys.exit(f"the XLA twin could not be compiled: {twin.failure}")
    twin.take_state(plain)
    twin.call_chunk(1 + per_call, per_call, 1, 0)
    xla_first = time.perf_counter() - t0
    plain_ms, xla_ms = [], []
    for k in range(args.calls):
        first = 1 + per_call * (k + 1)
        t0 = time.perf_counter()
        plain.call_chunk(first, per_call, 0, spe, True)
        plain_ms.append((time.perf_counter() - t0) / steps * 1000)
        t0 = time.perf_counter()
        twin.call_chunk(first, per_call, 1, 0)
        xla_ms.append((time.perf_counter() - t0) / steps * 1000)
    plain.load(config)
    twin.take_state(plain)
    theirs = twin.call_chunk(1, per_call, 1, 0)
    ours = plain.call_chunk(1, per_call, 0, spe, True)
    loss_gap = float(np.max(np.abs(ours[0] - theirs[0])))
    scale = np.abs(ours[2]) + 1e-12
    stats_gap = float(np.nanmax(np.abs(ours[2] - theirs[2]) / scale))
    print(f"{config.describe()}: {per_call} epochs of {spe} steps a call")
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
    if (args.depth, args.width) != (RunConfig().depth, RunConfig().width):
        print("the JAX floor is written for the tutorial's network alone: no floor")
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
