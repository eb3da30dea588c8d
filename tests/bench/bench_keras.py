"""Benchmark: what GradientMonitor costs model.fit, in steps per second.

Run with ``python tests/bench/bench_keras.py`` (``--quick`` for fewer rounds).
For each model it alternates fits of the same model without the monitor and
with it (one read every K steps, for each K asked), and reports the median
steps per second of each, by the wall clock and by the process's CPU time
(less disturbed by other processes on a shared machine), and the change
against the plain fit. Every fit's first
epoch (where the train function is traced) is left out. Not part of the test
suite: timings vary with the machine's load, so only ratios measured in one
run are reported, and runs alternate so that load shifts hit all alike.

Models: the three examples on the digits (45 steps an epoch, so the monitor
also reads at every epoch's end) and a 20-kernel MLP on 8000 random
examples (250 steps an epoch).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

from vgtui.keras import GradientMonitor

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock and CPU seconds (all of the process's threads) of every epoch after the first."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self.cpu_times: list[float] = []
        self._start = (0.0, 0.0)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch > 0:
            self.times.append(time.perf_counter() - self._start[0])
            self.cpu_times.append(time.process_time() - self._start[1])


def _example(name: str) -> tuple[Callable[[], keras.Model], np.ndarray, np.ndarray]:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y, _, _ = module.load_data()
    return module.build_model, x, y


def _mlp20() -> tuple[Callable[[], keras.Model], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8000, 32)).astype("float32")
    y = (x[:, :4].sum(axis=1) > 0).astype("int64")

    def build() -> keras.Model:
        hidden = [keras.layers.Dense(32, activation="relu") for _ in range(19)]
        model = keras.Sequential([keras.Input((32,)), *hidden, keras.layers.Dense(2)])
        model.compile(
            keras.optimizers.Adam(1e-3),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        return model

    return build, x, y


def measure(
    name: str,
    build: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    everys: list[int],
    rounds: int,
    epochs: int,
) -> dict[str, float]:
    """Median steps/s of plain fit and of fit with the monitor reading every K steps."""
    model = build()
    steps = int(np.ceil(len(x) / 32))
    variants = ["plain", *[f"K={k}" for k in everys]]
    rates: dict[str, list[float]] = {v: [] for v in variants}
    cpu_rates: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(rounds):
        for variant in variants:
            timer = EpochTimer()
            callbacks: list[keras.callbacks.Callback] = [timer]
            if variant != "plain":
                every = int(variant[2:])
                callbacks.insert(0, GradientMonitor(every=every, emit=lambda record: None))
            model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=callbacks)
            rates[variant].extend(steps / t for t in timer.times)
            cpu_rates[variant].extend(steps / t for t in timer.cpu_times)
    kernels = sum(len(v.shape) >= 2 for v in model.trainable_variables)
    print(f"{name}: {kernels} kernels, {steps} steps an epoch", flush=True)
    for label, series in (("steps/s", rates), ("steps/CPU-s", cpu_rates)):
        medians = {v: statistics.median(r) for v, r in series.items()}
        line = f"  {label:12s} plain {medians['plain']:6.0f}"
        for variant in variants[1:]:
            change = medians[variant] / medians["plain"] - 1
            line += f"   {variant} {medians[variant]:6.0f} ({change:+.1%})"
        print(line, flush=True)
    return {v: statistics.median(r) for v, r in rates.items()}


def main(argv: list[str] | None = None) -> None:
    """Measure every model; print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and epochs")
    parser.add_argument(
        "--every", type=int, nargs="+", default=[1, 10, 100], help="read intervals to measure"
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=["digits_mlp", "digits_cnn", "digits_rnn", "mlp20"],
        help="which models",
    )
    args = parser.parse_args(argv)
    rounds, epochs = (2, 3) if args.quick else (5, 4)
    print(f"keras {keras.__version__}, {os.cpu_count()} CPUs, {rounds} rounds of {epochs} epochs")
    for name in args.models:
        build, x, y = _mlp20() if name == "mlp20" else _example(name)
        measure(name, build, x, y, args.every, rounds, epochs)


if __name__ == "__main__":
    sys.exit(main())
