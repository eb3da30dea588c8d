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

With ``--interleaved STEPS`` it times single steps instead: the plain
train function of one model and the hooked ones of others alike, called in
turn on the same batches (medians of STEPS each), which a loaded machine
disturbs far less; and the medians of blocks of K steps, which hold the
cost of what the monitor does only every so many steps (its reads, its
histograms).

With ``--second-fit ROUNDS`` it times what a notebook or a tuner pays: on a
fresh model, a warm-up ``fit`` with a monitor and then a timed second ``fit``
with a new monitor, against the same two fits without one; the two take
turns, ROUNDS times, and the ratio of the timed fits is printed (median and
best).

``--histograms H...`` measures the monitor counting per-layer histograms
every H steps (0: none; default 0 and 100, the monitor's default).

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
import tensorflow as tf

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
    histograms: tuple[int, ...] = (0,),
) -> dict[str, float]:
    """Median steps/s of plain fit and of fit with the monitor reading every K steps.

    Each K is measured with histograms counted every H steps, for each H of ``histograms``.
    """
    model = build()
    steps = int(np.ceil(len(x) / 32))
    variants = ["plain", *[f"K={k} h={h}" for k in everys for h in histograms]]
    rates: dict[str, list[float]] = {v: [] for v in variants}
    cpu_rates: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(rounds):
        for variant in variants:
            timer = EpochTimer()
            callbacks: list[keras.callbacks.Callback] = [timer]
            if variant != "plain":
                every, h = (int(part.split("=")[1]) for part in variant.split())
                monitor = GradientMonitor(every=every, emit=lambda record: None, histograms=h)
                callbacks.insert(0, monitor)
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


def interleaved(
    name: str,
    build: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    every: int,
    steps: int,
    histograms: tuple[int, ...] = (0,),
) -> dict[str, float]:
    """Ms a step of the plain train function and of hooked ones, called in turn.

    One model trains plain, and one more for each H of ``histograms``, with
    the monitor reading every ``every`` steps and counting histograms every H
    steps (0: none); all on the same batches, one step each in turn (the
    order rotating), so a shift in the machine's load falls on all alike.
    Reported: the median step, and the median of the sums of consecutive
    blocks of ``every`` steps, which hold the cost of what the monitor does
    only every so many steps (its reads, its histograms).
    """
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32, drop_remainder=True).repeat()
    batches = iter(dataset)
    functions: dict[str, tuple[Callable, GradientMonitor | None]] = {}
    for label in ["plain", *[f"K={every} h={h}" for h in histograms]]:
        model = build()
        model.make_train_function(force=True)
        monitor = None
        if label != "plain":
            h = int(label.split("h=")[1])
            monitor = GradientMonitor(every=every, emit=lambda record: None, histograms=h)
            monitor.set_model(model)
            monitor.set_params({"epochs": 1, "steps": steps})
            monitor.on_train_begin()
            monitor.on_epoch_begin(0)
        function = model.train_function
        function(batches)["loss"].numpy()  # traced now
        if monitor is not None:
            monitor.on_train_batch_end(0)
        functions[label] = (function, monitor)
    labels = list(functions)
    times: dict[str, list[float]] = {label: [] for label in labels}
    for step in range(steps):
        shift = step % len(labels)
        for label in labels[shift:] + labels[:shift]:
            function, monitor = functions[label]
            start = time.perf_counter()
            function(batches)["loss"].numpy()
            if monitor is not None:
                monitor.on_train_batch_end(step + 1)
            times[label].append(time.perf_counter() - start)
    for _function, monitor in functions.values():
        if monitor is not None:
            monitor.on_epoch_end(0, {})
            monitor.on_train_end()
            assert monitor.summary is not None and monitor.summary.steps == steps + 1
    blocks = {
        label: [sum(t[i : i + every]) for i in range(0, len(t) - every + 1, every)]
        for label, t in times.items()
    }
    step_ms = {label: 1000 * statistics.median(t) for label, t in times.items()}
    block_ms = {label: 1000 * statistics.median(b) / every for label, b in blocks.items()}
    line = f"{name}: interleaved, {steps} steps each, {len(blocks['plain'])} blocks of {every}:"
    line += f" plain {step_ms['plain']:.3f} ms a step (median), {block_ms['plain']:.3f} (blocks)"
    for label in labels[1:]:
        line += (
            f"; {label} {step_ms[label]:.3f} ({step_ms['plain'] / step_ms[label] - 1:+.1%} "
            f"steps/s), {block_ms[label]:.3f} ({block_ms['plain'] / block_ms[label] - 1:+.1%})"
        )
    print(line, flush=True)
    return block_ms


def second_fit(
    name: str,
    build: Callable[[], keras.Model],
    x: np.ndarray,
    y: np.ndarray,
    rounds: int,
    epochs: int,
    every: int = 100,
) -> tuple[float, float]:
    """Seconds of a second ``fit`` with a new monitor against one without, after a warm-up fit.

    Each round builds two fresh models: one fits once with a monitor and is
    then timed fitting again with a new monitor; the other does the same
    without monitors. The order alternates from round to round.

    Returns:
        The ratios monitored / plain of the medians and of the best times.
    """
    times: dict[str, list[float]] = {"plain": [], "monitor": []}
    cpu: dict[str, list[float]] = {"plain": [], "monitor": []}
    for round_ in range(rounds):
        order = ["plain", "monitor"] if round_ % 2 == 0 else ["monitor", "plain"]
        for variant in order:
            model = build()

            def callbacks(variant: str = variant) -> list[keras.callbacks.Callback]:
                if variant == "plain":
                    return []
                return [GradientMonitor(every=every, emit=lambda record: None)]

            model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=callbacks())
            fresh = callbacks()  # made before the clock starts, as a script would
            start = time.perf_counter(), time.process_time()
            model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, callbacks=fresh)
            times[variant].append(time.perf_counter() - start[0])
            cpu[variant].append(time.process_time() - start[1])
    median = statistics.median(times["monitor"]) / statistics.median(times["plain"])
    best = min(times["monitor"]) / min(times["plain"])
    cpu_median = statistics.median(cpu["monitor"]) / statistics.median(cpu["plain"])
    print(
        f"{name}: second fit of {epochs} epochs, {rounds} alternating rounds: plain "
        f"{statistics.median(times['plain']):.3f} s, with a new monitor "
        f"{statistics.median(times['monitor']):.3f} s (medians): {median:.2f}x "
        f"(best {best:.2f}x, CPU time {cpu_median:.2f}x)",
        flush=True,
    )
    return median, best


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
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="TensorFlow's intra- and inter-op threads (default: TensorFlow's choice); "
        "1 makes the CPU-time figures steadier on a shared machine",
    )
    parser.add_argument(
        "--interleaved",
        type=int,
        default=0,
        metavar="STEPS",
        help="instead of whole fits, time STEPS single steps of the plain and the hooked "
        "train function in turn (steadier on a loaded machine)",
    )
    parser.add_argument(
        "--second-fit",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="instead, time a second fit with a new monitor against a plain one, after a "
        "warm-up fit, ROUNDS alternating rounds",
    )
    parser.add_argument(
        "--second-fit-epochs", type=int, default=2, help="epochs of each fit with --second-fit"
    )
    parser.add_argument(
        "--histograms",
        type=int,
        nargs="+",
        default=[0, 100],
        metavar="H",
        help="histograms every H steps for each monitored variant (0: none)",
    )
    args = parser.parse_args(argv)
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    rounds, epochs = (2, 3) if args.quick else (5, 4)
    if args.second_fit:
        rounds, epochs = args.second_fit, args.second_fit_epochs
    threads = args.threads or "default"
    print(
        f"keras {keras.__version__}, {os.cpu_count()} CPUs, TensorFlow threads {threads}, "
        f"{rounds} rounds of {epochs} epochs, load average {os.getloadavg()[0]:.1f}"
    )
    for name in args.models:
        build, x, y = _mlp20() if name == "mlp20" else _example(name)
        if args.second_fit:
            second_fit(name, build, x, y, args.second_fit, args.second_fit_epochs)
        elif args.interleaved:
            for every in args.every:
                interleaved(name, build, x, y, every, args.interleaved, tuple(args.histograms))
        else:
            measure(name, build, x, y, args.every, rounds, epochs, tuple(args.histograms))


if __name__ == "__main__":
    sys.exit(main())
