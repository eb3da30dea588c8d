"""Benchmark: the tutorial's eager loop against vgtui's engine, in one process.

Run with ``python tests/bench/bench.py`` (add ``--app`` to also measure the
engine's throughput while the live app draws; ``--log-only`` for just the run
log's cost; ``--boundary-only`` for just the decision boundary's; ``--view`` to
also open a 1,000,000-step log with ``vgtui view``, ``--view-only`` for just
that: see view_open.py; ``--first-frame-only`` for just the first frame).
Prints the live app's first frame in tmux against a trivial Textual app's
(side by side, see ``first_frame.py``), ms/step for each, their ratio, the
time to a new run's first step, the cost of the diagnostics, of the decision
boundary, of writing a run log, and the memory a long run adds. Not part of
the test suite: timings vary with the machine's load, so only ratios measured
in one run are reported. ``bench_floor.py`` sets the engine against the same
loop in JAX (``jax_floor.py``).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf
from sklearn.datasets import make_circles

from vgtui.config import RunConfig
from vgtui.engine.prepare import prepare
from vgtui.engine.trainer import Trainer, warm_up
from vgtui.history import History
from vgtui.records import EpochEnd, RunStart, StepBlock
from vgtui.runlog import RunLogWriter, header_from_start


def tutorial_eager_ms_per_step(epochs: int) -> float:
    """Time the tutorial's own manual loop (eager, tf.data, Keras model), ms/step."""
    keras = tf.keras
    x, y = make_circles(n_samples=1000, factor=0.5, noise=0.1, random_state=42)
    init = keras.initializers.RandomNormal(mean=0.0, stddev=1.0)
    model = keras.Sequential(
        [keras.Input(shape=(2,))]
        + [keras.layers.Dense(5, "sigmoid", kernel_initializer=init) for _ in range(4)]
        + [keras.layers.Dense(1, "sigmoid", kernel_initializer=init)]
    )
    optimizer = keras.optimizers.RMSprop()
    loss_fn = keras.losses.BinaryCrossentropy()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(32)
    gradhistory, losshistory = [], []
    steps = 0
    start = None
    for epoch in range(epochs + 1):
        if epoch == 1:  # the first epoch is a warm-up
            start, steps = time.perf_counter(), 0
        for step, (xb, yb) in enumerate(dataset):
            with tf.GradientTape() as tape:
                y_pred = model(xb, training=True)
                loss_value = loss_fn(yb, y_pred)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            if step == 0:
                gradhistory.append([g.numpy() for g in grads])
                losshistory.append(loss_value.numpy())
            steps += 1
    return (time.perf_counter() - start) / steps * 1000


def engine_ms_per_step(
    config: RunConfig,
    diagnostics: bool = True,
    logdir: Path | None = None,
    boundary: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Time a whole engine run (every step recorded), ms/step, after its first epoch.

    With ``logdir``, every record is also written to a run log there, as
    ``--logdir`` does; ``boundary`` False leaves out the decision boundary.
    ``clock`` is wall time by default; ``time.process_time`` counts this
    process's CPU time alone, which other work on a shared machine disturbs less.
    """
    trainer = Trainer(config, diagnostics=diagnostics, boundary=boundary)
    marks: list[float] = []
    writers: list[RunLogWriter] = []

    def emit(record: object) -> None:
        if isinstance(record, EpochEnd):
            marks.append(clock())
        if logdir is not None:
            if isinstance(record, RunStart):
                writers.append(RunLogWriter.create(logdir, header_from_start(record)))
            writers[0].write_record(record)

    trainer.run(emit, threading.Event())
    for writer in writers:
        writer.close()
    return (marks[-1] - marks[0]) / ((len(marks) - 1) * config.steps_per_epoch) * 1000


def log_writer_cost(config: RunConfig, pairs: int) -> tuple[float, float, float]:
    """Engine alone vs engine + run log: medians of alternating runs (ms/step) and bytes/step."""
    alone, logged = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(pairs):
            logdir = Path(tmp) / str(k)
            alone.append(engine_ms_per_step(config))
            logged.append(engine_ms_per_step(config, logdir=logdir))
            (log,) = logdir.iterdir()
            size = log.stat().st_size
    steps = config.epochs * config.steps_per_epoch
    return statistics.median(alone), statistics.median(logged), size / steps


def boundary_cost(
    config: RunConfig, pairs: int, clock: Callable[[], float] = time.perf_counter
) -> tuple[float, float]:
    """Engine without and with the decision boundary: medians of alternating runs (ms/step)."""
    engine_ms_per_step(config, boundary=False)  # compile both before timing
    engine_ms_per_step(config)
    without, with_boundary = [], []
    for _ in range(pairs):
        without.append(engine_ms_per_step(config, boundary=False, clock=clock))
        with_boundary.append(engine_ms_per_step(config, clock=clock))
    return statistics.median(without), statistics.median(with_boundary)


def boundary_cost_per_call(config: RunConfig, pairs: int) -> tuple[float, float, float, float]:
    """Without and with the boundary, one compiled call each in turn: wall and CPU medians, ms.

    Each call trains as many epochs as a run's calls do. Alternating calls
    rather than whole runs puts the two side by side within milliseconds, so
    that other work on a shared machine weighs on both alike.
    """
    from vgtui.engine.trainer import CompiledNetwork, boundary_every

    networks = (CompiledNetwork(config, boundary=False), CompiledNetwork(config))
    spe = config.steps_per_epoch
    n_epochs = max(1, networks[0].chunk_steps // spe)
    every = boundary_every(config)
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for network in networks:
        network.call_chunk(1, n_epochs, 0, spe, True, every, config.epochs)  # compile
    for k in range(pairs):
        for i, network in enumerate(networks):
            epoch = 1 + k * n_epochs  # the epochs a run's calls take, in turn
            wall, cpu = time.perf_counter(), time.process_time()
            network.call_chunk(epoch, n_epochs, 0, spe, True, every, config.epochs)
            walls[i].append(time.perf_counter() - wall)
            cpus[i].append(time.process_time() - cpu)
    return (
        statistics.median(walls[0]) * 1000,
        statistics.median(walls[1]) * 1000,
        statistics.median(cpus[0]) * 1000,
        statistics.median(cpus[1]) * 1000,
    )


def print_boundary_costs(configs: dict[str, RunConfig], pairs: int) -> None:
    """Print the decision boundary's cost for each of ``configs``, in wall and CPU time."""
    for name, config in configs.items():
        for what, clock in (("wall", time.perf_counter), ("CPU", time.process_time)):
            without, with_boundary = boundary_cost(config, pairs, clock)
            print(
                f"decision boundary, {name}: {without:.4f} ms/step without, "
                f"{with_boundary:.4f} with ({(with_boundary / without - 1) * 100:+.1f}% "
                f"{what} time; medians of {pairs} alternating runs)"
            )
        calls = 15 * pairs
        wall0, wall1, cpu0, cpu1 = boundary_cost_per_call(config, calls)
        print(
            f"decision boundary, {name}: a compiled call {wall0:.2f} ms without, {wall1:.2f} "
            f"with ({(wall1 / wall0 - 1) * 100:+.1f}% wall time; CPU {cpu0:.2f} vs {cpu1:.2f}, "
            f"{(cpu1 / cpu0 - 1) * 100:+.1f}%; medians of {calls} alternating calls)"
        )


#: The networks whose boundary cost is measured: the tutorial's, and bigger or shorter ones.
BOUNDARY_CONFIGS = {
    "tutorial (4x5, 32 steps an epoch)": RunConfig(),
    "4x32": RunConfig(width=32),
    "4x64 (every third epoch)": RunConfig(width=64),
    "16x32 (every third epoch)": RunConfig(depth=16, width=32),
    "4x5, one step an epoch (batch 1000; every 4th)": RunConfig(batch_size=1000, epochs=1000),
    "4x256, 200 samples in one batch (every 12th)": RunConfig(
        width=256, samples=200, batch_size=200, epochs=300
    ),
}


def log_write_us_per_step(config: RunConfig, repeats: int = 5) -> float:
    """Microseconds a step that writing a finished run's records to a new log takes, median."""
    records: list[object] = []
    Trainer(config).run(records.append, threading.Event())
    steps = sum(r.steps for r in records if isinstance(r, StepBlock))
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(repeats):
            t0 = time.perf_counter()
            with RunLogWriter.create(Path(tmp) / str(k), header_from_start(records[0])) as w:
                for record in records:
                    w.write_record(record)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) / steps * 1e6


def first_step_seconds(config: RunConfig) -> float:
    """Seconds from a new Trainer to its first epoch's records, compile included."""
    t0 = time.perf_counter()
    trainer = Trainer(config)
    stop = threading.Event()
    seen: list[float] = []

    def emit(record: object) -> None:
        if isinstance(record, EpochEnd) and not seen:
            seen.append(time.perf_counter() - t0)
            stop.set()

    trainer.run(emit, stop)
    return seen[0]


def switch_seconds(prepared: bool, width: int, repeats: int = 3) -> float:
    """Seconds from a switch to tanh (a new Trainer) to its first steps: median of ``repeats``.

    Each repeat uses a network shape of its own (``width`` upwards), so that
    the unprepared switch compiles it anew, as ``a`` to an activation not run
    before does; the prepared one finds it compiled by :mod:`vgtui.engine.prepare`.
    """
    times = []
    for k in range(repeats):
        config = RunConfig(activation="tanh", width=width + k)
        if prepared:
            prepare([config])
        t0 = time.perf_counter()
        stop = threading.Event()
        seen: list[float] = []

        def emit(
            record: object, seen: list[float] = seen, stop: threading.Event = stop, t0: float = t0
        ) -> None:
            if isinstance(record, StepBlock) and not seen:
                seen.append(time.perf_counter() - t0)
                stop.set()

        Trainer(config).run(emit, stop)
        times.append(seen[0])
    return statistics.median(times)


def rss_mb() -> float:
    """Resident memory of this process now, MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def long_run_growth_mb(steps: int) -> tuple[float, int]:
    """Run ``steps`` steps (batch size 1) into a History; return RSS growth and rows kept."""
    history = History()
    _feed(Trainer(RunConfig(activation="relu", batch_size=1, epochs=2)), history)  # warm-up
    gc.collect()
    before = rss_mb()
    _feed(Trainer(RunConfig(activation="relu", batch_size=1, epochs=steps // 1000)), history)
    gc.collect()
    return rss_mb() - before, len(history.view().step_x)


def restart_growth_mb(runs: int) -> float:
    """Start ``runs`` short runs in turn, each in a new thread, cycling the activations.

    Returns the growth of RSS after the first cycle, as the app's restarts would see it.
    """
    from vgtui.config import ACTIVATIONS

    def one(k: int) -> None:
        stop = threading.Event()

        def emit(record: object) -> None:
            if isinstance(record, EpochEnd) and record.epoch >= 10:
                stop.set()

        Trainer(RunConfig(activation=ACTIVATIONS[k % len(ACTIVATIONS)], epochs=50)).run(emit, stop)

    before = 0.0
    for k in range(runs):
        worker = threading.Thread(target=one, args=(k,))
        worker.start()
        worker.join()
        if k == len(ACTIVATIONS) - 1:
            gc.collect()
            before = rss_mb()
    gc.collect()
    return rss_mb() - before


def _feed(trainer: Trainer, history: History) -> None:
    """Run a trainer, storing its records in a history as the app does."""
    trainer.run(history.record, threading.Event())


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eager-epochs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument(
        "--long-steps", type=int, default=1_000_000, help="steps of the memory run; 0 skips it"
    )
    parser.add_argument("--app", action="store_true", help="also measure with the app open")
    parser.add_argument(
        "--log-only", action="store_true", help="only the cost of writing a run log"
    )
    parser.add_argument(
        "--boundary-only", action="store_true", help="only the cost of the decision boundary"
    )
    parser.add_argument(
        "--view", action="store_true", help="also open a 1,000,000-step log with vgtui view"
    )
    parser.add_argument("--view-only", action="store_true", help="only vgtui view's figures")
    parser.add_argument(
        "--first-frame-only", action="store_true", help="only the first frame, in tmux"
    )
    parser.add_argument(
        "--switch-only",
        action="store_true",
        help="only the time from a switch of activation to the new run's first steps",
    )
    parser.add_argument(
        "--frame-pairs", type=int, default=9, help="alternating runs of the first frame; 0 skips"
    )
    args = parser.parse_args()
    if args.frame_pairs > 0 and not (args.view_only or args.boundary_only):  # first, while idle
        from first_frame import report as first_frame_report  # beside this script

        first_frame_report(args.frame_pairs)
        if args.first_frame_only:
            return 0
    if args.view or args.view_only:
        from view_open import report, view_figures

        print(report(view_figures()))
        if args.view_only:
            return 0
    t0 = time.perf_counter()
    warm_up()
    print(f"engine warm-up after importing TensorFlow: {time.perf_counter() - t0:.2f} s")
    cold, warm = switch_seconds(False, 40), switch_seconds(True, 50)
    print(
        f"a switch of activation to its first steps: {cold:.3f} s compiling anew, {warm:.3f} s "
        f"with the next runs compiled ahead while the last trained (medians of 3)"
    )
    if args.switch_only:
        return 0
    if args.boundary_only:
        print_boundary_costs(BOUNDARY_CONFIGS, pairs=9)
        return 0
    config = RunConfig(epochs=args.epochs)
    pairs = 7
    alone, logged, per_step = log_writer_cost(config, pairs)
    print(
        f"run log: engine alone {alone:.4f} ms/step, with the log written {logged:.4f} ms/step "
        f"({(logged / alone - 1) * 100:+.1f}% time; medians of {pairs} alternating runs); "
        f"{per_step:.1f} bytes a step; writing alone {log_write_us_per_step(config):.1f} µs a step"
    )
    if args.log_only:
        return 0
    eager = tutorial_eager_ms_per_step(args.eager_epochs)
    print(f"tutorial eager loop:        {eager:.3f} ms/step")
    for act in ("sigmoid", "relu"):
        cfg = config.replace(activation=act)
        pairs = [(engine_ms_per_step(cfg), engine_ms_per_step(cfg, False)) for _ in range(3)]
        fast = statistics.median(p[0] for p in pairs)
        plain = statistics.median(p[1] for p in pairs)
        print(
            f"engine, {act:7s}:            {fast:.4f} ms/step  ({eager / fast:.0f}x faster); "
            f"without diagnostics {plain:.4f} ms/step (diagnostics cost "
            f"{(fast / plain - 1) * 100:+.0f}% time, steps/s {1000 / fast:.0f} vs "
            f"{1000 / plain:.0f}; medians of 3 alternating runs)"
        )
    print_boundary_costs({"tutorial": config}, pairs=7)
    firsts = [first_step_seconds(config.replace(activation=a)) for a in ("tanh", "relu", "elu")]
    print(f"time to a new run's first epoch: {' '.join(f'{s:.2f}' for s in firsts)} s")
    if args.app:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests.ui.throughput import app_ms_per_step

        app_config = RunConfig(epochs=400)
        alone = [engine_ms_per_step(app_config) for _ in range(3)]
        in_app = [app_ms_per_step(app_config) for _ in range(3)]
        a, b = statistics.median(alone), statistics.median(in_app)
        print(
            f"throughput with the app open (160x48, redrawing): {b:.4f} ms/step vs "
            f"{a:.4f} alone: {a / b:.2f}x the headless throughput"
        )
    restarts = 300
    print(
        f"{restarts} runs in a row, activations in turn, each in a new thread: process grew "
        f"{restart_growth_mb(restarts):.1f} MB after the first cycle"
    )
    if args.long_steps <= 0:
        return 0
    growth, rows = long_run_growth_mb(args.long_steps)
    print(f"{args.long_steps:,}-step run: process grew {growth:.1f} MB; history keeps {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
