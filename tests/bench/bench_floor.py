"""Benchmark: the engine's ms/step against its JAX floor (jax_floor.py), taking turns.

Run with ``python tests/bench/bench_floor.py`` (the floor needs ``pip install
-e ".[bench]"``; without JAX it says so in one line and prints the engine's
figures alone). Each round trains the tutorial's network for ``--epochs``
epochs in a new process with the engine (every step recorded, as the app
runs it), then in another with the JAX floor; each reports its first
compiled call's seconds (compile included) and its ms/step over the calls
after the first. Prints the best of the rounds of each and their ratio: the
machine is shared, and the best is the least disturbed.

``--sweep`` also times ``vgtui --headless --sweep activation --seeds
1,2,3,4,5`` and a one-epoch ``vgtui --headless`` run, whole processes taking
turns, and sets them against an estimate of the same training in JAX: the
sweep's steps at the floor's ms/step, plus a first call for each activation.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The sweep timed by ``--sweep``, as a user types it.
SWEEP_ARGS = ("--headless", "--sweep", "activation", "--seeds", "1,2,3,4,5")


def engine_child(epochs: int) -> dict[str, float]:
    """Train the tutorial's network with the engine in this process; time it.

    Returns the seconds from a new Trainer to its first compiled call's
    records (the one-time warm-up and the compile included; the data made
    before, as jax_floor.py makes them before its clock starts), and ms/step
    from the end of that call to the end of the run.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import threading

    from vgtui.config import RunConfig
    from vgtui.data.datasets import make_dataset
    from vgtui.engine.trainer import Trainer
    from vgtui.records import EpochEnd

    config = RunConfig(epochs=epochs)
    make_dataset(config)  # scikit-learn imported: the Trainer's own call takes milliseconds
    marks: list[float] = []

    def emit(record: object) -> None:
        if isinstance(record, EpochEnd):
            marks.append(time.perf_counter())

    t0 = time.perf_counter()
    Trainer(config).run(emit, threading.Event())
    first = first_call_epochs(marks)
    steps = (len(marks) - first) * config.steps_per_epoch
    return {
        "first_call_s": marks[first - 1] - t0,
        "ms_per_step": (marks[-1] - marks[first - 1]) / steps * 1000,
    }


def first_call_epochs(marks: list[float]) -> int:
    """Epochs the first compiled call trained, from the times each epoch's end was handed on.

    A call's epochs are handed on together when it returns; the longest gap
    among the first 16 is the second call's training.
    """
    gaps = [b - a for a, b in itertools.pairwise(marks[:17])]
    return 1 + gaps.index(max(gaps))


def child(args: list[str]) -> dict[str, float]:
    """Run a measuring child process; return the JSON figures it prints last."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def vgtui_command() -> list[str]:
    """The installed ``vgtui`` beside this Python, or ``python -m vgtui``."""
    script = Path(sys.executable).with_name("vgtui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "vgtui"]


def wall_seconds(command: list[str]) -> float:
    """Seconds a whole command takes, its output discarded."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    t0 = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
    )
    return time.perf_counter() - t0


def sweep_steps() -> tuple[int, int]:
    """Training steps of the sweep SWEEP_ARGS names, and its activations."""
    from vgtui.config import RunConfig
    from vgtui.session.sweep import SWEEP_DEFAULTS

    activations = len(SWEEP_DEFAULTS["activation"])
    seeds = len(SWEEP_ARGS[-1].split(","))
    config = RunConfig()
    return activations * seeds * config.epochs * config.steps_per_epoch, activations


def main() -> int:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=210, help="epochs of each timed run")
    parser.add_argument("--rounds", type=int, default=5, help="engine and JAX runs, in turn")
    parser.add_argument(
        "--sweep", action="store_true", help="also time a headless sweep against a JAX estimate"
    )
    parser.add_argument("--sweep-rounds", type=int, default=2, help="sweeps and one-epoch runs")
    parser.add_argument("--engine-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_child:
        print(json.dumps(engine_child(args.epochs)))
        return 0
    has_jax = importlib.util.find_spec("jax") is not None
    if not has_jax:
        print('JAX is not installed (pip install -e ".[bench]"): the engine alone, no floor')
    engine_args = [str(Path(__file__).resolve()), "--engine-child", "--epochs", str(args.epochs)]
    jax_args = [str(HERE / "jax_floor.py"), "--json", "--epochs", str(args.epochs)]
    engine: list[dict[str, float]] = []
    floor: list[dict[str, float]] = []
    load = os.getloadavg()[0]
    for k in range(args.rounds):
        engine.append(child(engine_args))
        if has_jax:
            floor.append(child(jax_args))
        mine = [f"{r[-1]['ms_per_step']:.4f}" for r in (engine, floor) if r]
        print(f"round {k + 1}: {' and '.join(mine)} ms/step", file=sys.stderr, flush=True)
    best_engine = min(r["ms_per_step"] for r in engine)
    first_engine = min(r["first_call_s"] for r in engine)
    print(
        f"engine:    {best_engine:.4f} ms/step (median {_median(engine):.4f}), first call "
        f"{first_engine:.2f} s; best of {args.rounds} runs of {args.epochs} epochs, each after "
        f"its first call"
    )
    if has_jax:
        best_floor = min(r["ms_per_step"] for r in floor)
        first_floor = min(r["first_call_s"] for r in floor)
        print(
            f"JAX floor: {best_floor:.4f} ms/step (median {_median(floor):.4f}), first call "
            f"{first_floor:.2f} s; the same, taking turns with the engine"
        )
        print(
            f"engine vs JAX floor: {best_engine / best_floor:.2f}x the time a step "
            f"(medians {_median(engine) / _median(floor):.2f}x); first call "
            f"{first_engine / first_floor:.2f}x"
        )
    if not args.sweep:
        print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        return 0
    vgtui = vgtui_command()
    sweeps, singles = [], []
    for _ in range(args.sweep_rounds):
        sweeps.append(wall_seconds([*vgtui, *SWEEP_ARGS]))
        singles.append(wall_seconds([*vgtui, "--headless", "--epochs", "1"]))
    sweep, single = min(sweeps), min(singles)
    steps, activations = sweep_steps()
    print(
        f"vgtui {' '.join(SWEEP_ARGS)}: {sweep:.1f} s; a one-epoch run {single:.1f} s; "
        f"the sweep's work beyond that {sweep - single:.1f} s (best of {args.sweep_rounds})"
    )
    print(
        f"the sweep's {steps:,} steps at the engine's steady pace: "
        f"{steps * best_engine / 1000:.1f} s"
    )
    if has_jax:
        estimate = steps * best_floor / 1000 + activations * first_floor
        print(
            f"JAX estimate: {steps:,} steps x {best_floor:.4f} ms + {activations} first calls x "
            f"{first_floor:.2f} s = {estimate:.1f} s; sweep vs JAX estimate "
            f"{sweep / estimate:.1f}x, sweep work vs JAX estimate "
            f"{(sweep - single) / estimate:.1f}x"
        )
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return 0


def _median(results: list[dict[str, float]]) -> float:
    """Median ms/step of some runs."""
    return statistics.median(r["ms_per_step"] for r in results)


if __name__ == "__main__":
    sys.exit(main())
