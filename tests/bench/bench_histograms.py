"""Benchmark: what counting per-layer histograms costs a training step.

Run with ``python tests/bench/bench_histograms.py`` (``--rounds N`` for more
interleaved calls; ``--only tutorial`` or ``--only glorot2010``). It times the
engine's compiled calls themselves, in one process, networks of each setting
taking turns call by call (so that the load of a shared machine falls on all
alike), after a warm-up call of each, and prints medians:

- the tutorial's network: calls of 8 epochs (256 steps) without histograms,
  with them every k-th step (k = 1, 50, 100, 200), and again without (the
  noise between two identical networks);
- the glorot2010 preset's network (1024 → 5 × 1000 → 10, batches of 10), one
  step a call as its runs take them: a step without histograms, a step
  counted, and a step of a network that counts but not at that step.

From these it prints what a counted step costs in plain steps, and so what
counting every k-th step adds. Not part of the test suite: only ratios
measured in one run are reported.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vgtui.config import RunConfig
from vgtui.data.presets import glorot2010
from vgtui.engine.trainer import HISTOGRAM_EVERY, CompiledNetwork


def interleaved(calls: dict[str, Callable[[int], object]], rounds: int) -> dict[str, float]:
    """Median wall ms of each call, the calls taking turns ``rounds`` times (round r: call(r)).

    Each round takes the calls in a new random order, so that no call always
    follows the same one (on this machine, the first of a round measured faster).
    """
    for call in calls.values():
        call(0)
    times: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    shuffle = random.Random(0).shuffle
    for r in range(rounds):
        shuffle(order)
        for name in order:
            t = time.perf_counter()
            calls[name](r)
            times[name].append((time.perf_counter() - t) * 1000)
    return {name: statistics.median(v) for name, v in times.items()}


def tutorial(rounds: int) -> None:
    """Calls of 256 steps of the tutorial's network, with and without histograms."""
    config = RunConfig()
    ks = {"none": 0, "every 1": 1, "every 50": 50, "every 100": 100, "every 200": 200, "none'": 0}
    nets = {name: CompiledNetwork(config, histograms=k) for name, k in ks.items()}
    steps = 8 * config.steps_per_epoch

    def call(net: CompiledNetwork) -> Callable[[int], object]:
        return lambda r: net.call_chunk(2, 8, 0, config.steps_per_epoch, False)

    ms = interleaved({name: call(net) for name, net in nets.items()}, rounds)
    base = ms["none"] / steps
    print(f"tutorial: {base:.4f} ms a step without histograms (median of {rounds} calls)")
    for name, t in ms.items():
        if name != "none":
            print(f"  {name:>9}: {t / steps:.4f} ms a step, {t / ms['none'] - 1:+.1%}")
    counted = (ms["every 1"] - ms["none"]) / ms["none"]
    print(f"  a counted step costs {counted:.2f} plain steps more")


def preset(rounds: int) -> None:
    """Steps of the glorot2010 preset's network, counted and not."""
    config = glorot2010().replace(samples=10 * (rounds + 2))
    plain = CompiledNetwork(config, histograms=0)
    every = CompiledNetwork(config, histograms=1)
    never = CompiledNetwork(config, histograms=10**9)  # counts step 1 only

    def step(net: CompiledNetwork) -> Callable[[int], object]:
        return lambda r: net.call_chunk(1, 1, r + 1, r + 2, False)

    ms = interleaved({"plain": step(plain), "counted": step(every), "not due": step(never)}, rounds)
    print(f"glorot2010: {ms['plain']:.1f} ms a step without histograms (median of {rounds})")
    print(f"  counted: {ms['counted']:.1f} ms; not due: {ms['not due']:.1f} ms")
    counted = (ms["counted"] - ms["plain"]) / ms["plain"]
    not_due = (ms["not due"] - ms["plain"]) / ms["plain"]
    print(f"  a counted step costs {counted:.2f} plain steps more, one not due {not_due:+.1%}")
    every = counted / HISTOGRAM_EVERY + not_due
    print(f"  so counting every {HISTOGRAM_EVERY}th step adds about {every:.1%}")


def main() -> None:
    """Time the calls and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="calls of each (default 60)")
    parser.add_argument("--only", choices=("tutorial", "glorot2010"))
    args = parser.parse_args()
    if args.only in (None, "tutorial"):
        tutorial(args.rounds)
    if args.only in (None, "glorot2010"):
        preset(max(10, args.rounds // 3))


if __name__ == "__main__":
    main()
