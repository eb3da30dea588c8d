"""Benchmark: a long run with the XLA tier against the same run on the plain graph alone.

Each round trains the tutorial's network for ``--epochs`` epochs twice in a
new process, once as the engine does (its XLA twin compiled beside the run,
swapped in when ready: :mod:`vgtui.engine.xla_tier`) and once with the tier
turned off, taking turns; each process then trains a second run of the same
shape (another seed), as a sweep's next seed does. Prints, for each, the
seconds of the first run from its Trainer to its last epoch (TensorFlow's
import and one-time set-up paid before), the epoch XLA started from, and the
second run's seconds; the best of the rounds of each, and their ratios.

``--sweep SEEDS`` times instead a whole ``vgtui --headless --sweep
activation --seeds 1,…,SEEDS`` (TensorFlow's import included), with the
tier and without, taking turns.

``python tests/bench/bench_tier.py [--epochs 2000] [--rounds 3] [--sweep 13]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


def child(epochs: int, tier: bool) -> dict[str, float | None]:
    """Train two runs of the tutorial's network in this process; time them."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from vgtui.config import RunConfig
    from vgtui.engine import trainer as trainer_module
    from vgtui.engine.trainer import Trainer, warm_up

    if not tier:
        trainer_module.MIN_STEPS = sys.maxsize  # no run is long enough for a twin
    warm_up()
    config = RunConfig(epochs=epochs)
    times, summaries = [], []
    for seed in (config.seed, config.seed + 1):
        t0 = time.perf_counter()
        summaries.append(Trainer(config.replace(seed=seed)).run(lambda _: None, threading.Event()))
        times.append(time.perf_counter() - t0)
    return {"first_s": times[0], "second_s": times[1], "xla_from": summaries[0].xla_from_epoch}


def sweep_child(seeds: int, tier: bool) -> dict[str, float | None]:
    """Run the headless sweep over ``seeds`` seeds in this process; time it."""
    import contextlib
    import io

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not tier:
        from vgtui.engine import trainer as trainer_module

        trainer_module.MIN_STEPS = sys.maxsize
    from vgtui.cli.run import main as vgtui_main

    argv = [
        "--headless",
        "--sweep",
        "activation",
        "--seeds",
        ",".join(map(str, range(1, seeds + 1))),
    ]
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        vgtui_main(argv)
    seconds = time.perf_counter() - t0
    on_xla = sum("compiled with XLA" in line for line in out.getvalue().splitlines())
    return {"first_s": seconds, "second_s": float(on_xla), "xla_from": None}


def main() -> int:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sweep", type=int, default=0, metavar="SEEDS")
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.sweep:
            print(json.dumps(sweep_child(args.sweep, args.child == "on")))
        else:
            print(json.dumps(child(args.epochs, args.child == "on")))
        return 0
    results: dict[str, list[dict[str, float | None]]] = {"on": [], "off": []}
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    load = os.getloadavg()[0]
    for k in range(args.rounds):
        for mode in ("on", "off"):
            done = subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--child",
                    mode,
                    "--epochs",
                    str(args.epochs),
                    "--sweep",
                    str(args.sweep),
                ],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            results[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
        on, off = results["on"][-1], results["off"][-1]
        if args.sweep:
            print(
                f"round {k + 1}: sweep with the tier {on['first_s']:.1f} s "
                f"({on['second_s']:.0f} runs compiled with XLA), without {off['first_s']:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            continue
        print(
            f"round {k + 1}: tier {on['first_s']:.2f} s (XLA from epoch {on['xla_from']}), "
            f"then {on['second_s']:.2f} s; graph alone {off['first_s']:.2f} s, "
            f"then {off['second_s']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    if args.sweep:
        best_on = min(float(r["first_s"]) for r in results["on"])
        best_off = min(float(r["first_s"]) for r in results["off"])
        print(
            f"the sweep over {args.sweep} seeds, best of {args.rounds}: with the XLA tier "
            f"{best_on:.1f} s, without {best_off:.1f} s: {best_on / best_off:.2f}x"
        )
        print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        return 0
    steps = args.epochs * 32
    best = {mode: min(float(r["first_s"]) for r in rs) for mode, rs in results.items()}
    second = {mode: min(float(r["second_s"]) for r in rs) for mode, rs in results.items()}
    print(f"a run of {args.epochs} epochs ({steps:,} steps), best of {args.rounds}:")
    print(
        f"  with the XLA tier {best['on']:.2f} s, the graph alone {best['off']:.2f} s: "
        f"{best['on'] / best['off']:.2f}x"
    )
    print(
        f"  the next run of the shape: {second['on']:.2f} s against {second['off']:.2f} s: "
        f"{second['on'] / second['off']:.2f}x"
    )
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
