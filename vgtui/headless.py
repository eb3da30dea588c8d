"""The headless run: the controller trains in the main thread; each epoch printed, JSON written."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TextIO

from vgtui.argparsing import EXIT_USAGE
from vgtui.comparison import ComparisonRow, format_table
from vgtui.config import RunConfig
from vgtui.controller import RunController
from vgtui.history import LatestEpoch
from vgtui.model_path import ModelFileError
from vgtui.records import STAT_INDEX, EpochEnd, EpochRecord, Record, RunStart, RunSummary
from vgtui.run import Run
from vgtui.runfile import run_to_dict, write_json
from vgtui.sources import SourceFactory
from vgtui.sources.engine import engine_source

#: Exit status of a run that failed (the engine, or writing its run log, raised).
EXIT_FAILED = 1
#: Exit status of a run whose loss or gradients stopped being finite.
EXIT_DIVERGED = 3
#: Exit status of a run interrupted with Ctrl+C.
EXIT_INTERRUPTED = 130


#: The most layers an epoch's line names; a deeper model's line names the first and last.
LINE_LAYERS = 8


def format_epoch(record: EpochRecord | LatestEpoch, names: tuple[str, ...], epochs: int) -> str:
    """One line for an epoch: loss, accuracy and each layer's mean gradient SD.

    ``epochs`` 0 means the run's length is not known (a user's model).
    """
    sds = record.layer_means()[:, STAT_INDEX["grad_sd"]]
    pairs = [f"{n} {sd:.2e}" for n, sd in zip(names, sds, strict=True)]
    if len(pairs) > LINE_LAYERS:
        pairs = [*pairs[:2], f"… {len(pairs) - 4} more …", *pairs[-2:]]
    width = len(str(epochs))
    of = f"/{epochs}" if epochs else ""
    return (
        f"epoch {record.epoch:>{width}}{of}  loss {record.loss:.4f}  "
        f"acc {record.accuracy:.3f}  grad SD  {'  '.join(pairs)}"
    )


def format_summary(summary: RunSummary) -> list[str]:
    """The closing lines of a run."""
    lines = [
        f"accuracy before {summary.accuracy_before:.3f}, after {summary.accuracy_after:.3f}; "
        f"final loss {summary.final_loss:.4f}",
        "first hidden layer's gradient SD vs the output layer's: "
        f"{_decades(summary.first_layer_decades_median)} (median over the steps), "
        f"{_decades(summary.first_layer_decades_latest)} (last epoch)",
    ]
    if summary.verdict:
        lines.append(f"verdict: {summary.verdict.upper()}: {summary.verdict_reason}")
    if summary.diverged_step is not None:
        lines.append(
            f"diverged at step {summary.diverged_step} ({summary.diverged_layer}): "
            "the loss or a gradient became NaN or infinite"
        )
    elif summary.stopped:
        lines.append(f"interrupted after {summary.steps} steps")
    return lines


def _decades(value: float) -> str:
    """Decades with their sign, e.g. ``-1.6 decades``; a vanished gradient reads so."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "exactly zero" if value < 0 else "infinite"
    return f"{value:+.2f} decades"


class EpochPrinter:
    """Prints a run's device when it starts and one line per epoch as it ends."""

    def __init__(self, out: TextIO) -> None:
        """Print to ``out``."""
        self.out = out

    def __call__(self, run: Run, record: Record) -> None:
        """Print what ``record`` adds; called on the training thread."""
        if isinstance(record, RunStart):
            print(
                f"device {record.device}; accuracy before training {record.accuracy_before:.3f}",
                file=self.out,
                flush=True,
            )
            if run.log is not None:
                print(f"run log {run.log.path}", file=self.out, flush=True)
        elif isinstance(record, EpochRecord | EpochEnd):
            view = run.history.view()
            latest = view.latest
            if latest is not None:
                epochs = run.config.epochs if run.config is not None else 0
                line = format_epoch(latest, view.layer_names, epochs)
                print(line, file=self.out, flush=True)


def describe_choice(config: RunConfig) -> str:
    """What a run of a user's model is asked to use: its activation and initializer."""
    return f"activation {config.activation}, init {config.init}, seed {config.seed}"


def run_headless(
    config: RunConfig,
    json_path: Path | None,
    out: TextIO | None = None,
    sweep: str | None = None,
    sweep_values: tuple[str, ...] | None = None,
    source_factory: SourceFactory = engine_source,
    seeds: tuple[int, ...] | None = None,
    logdir: Path | None = None,
    title: str | None = None,
) -> int:
    """Train ``config`` (or each config of a sweep), print, write JSON; return the exit status.

    A sweep prints a comparison table at its end, and its JSON holds
    ``{"sweep": FIELD, "runs": [run, ...]}``, each run as a single run's JSON.
    With ``logdir``, each run writes its run log there. ``title`` names what
    is trained when it is not the built-in network.
    """
    out = out or sys.stdout
    controller = RunController(config, source_factory, EpochPrinter(out), logdir=logdir)
    if sweep or seeds:
        controller.start_sweep(sweep, sweep_values, seeds)
    total = controller.sweep.total
    what = title or config.describe()
    print(f"vgtui headless: {what}; loading TensorFlow…", file=out, flush=True)
    runs, rows = [], []
    status = 0
    while (run := controller.claim()) is not None:
        if sweep or seeds:
            number = controller.sweep.position
            what = run.config.describe() if run.config else describe_choice(controller.config)
            print(f"\nrun {number}/{total}: {what}", file=out, flush=True)
        interrupted = False
        failure: Exception | None = None
        try:
            controller.train(run)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as error:  # finish() still ends the run and its log
            failure = error
        ended = controller.finish(run)
        if ended.log_problem is not None:
            print(f"note: {ended.log_problem}", file=out, flush=True)
        if isinstance(failure, ModelFileError):  # the user's model file: bad input
            print(f"vgtui: error: --model: {failure}", file=sys.stderr)
            if failure.details:
                print(failure.details.rstrip(), file=sys.stderr)
            status = EXIT_USAGE
            break
        if failure is not None:
            print(f"run failed: {type(failure).__name__}: {failure}", file=sys.stderr)
            status = EXIT_FAILED
            break
        if ended.summary is None:
            print("interrupted before the first step", file=out)
            status = EXIT_INTERRUPTED
            break
        for line in format_summary(ended.summary):
            print(line, file=out, flush=True)
        diverged = ended.summary.diverged_step is not None
        run_status = EXIT_INTERRUPTED if interrupted else EXIT_DIVERGED if diverged else 0
        runs.append(run_to_dict(run.config, ended.view, ended.summary))
        name = ended.kept.name if ended.kept else ""
        kept = ended.kept
        rows.append(
            ComparisonRow(
                run.config,
                ended.summary,
                "diverged" if diverged else "stopped" if interrupted else "done",
                name=name,
                first_sd=kept.first_layer_sd if kept else math.nan,
                number=kept.number if kept else 0,
            )
        )
        status = max(status, run_status)
        if interrupted:
            break
    if (sweep or seeds) and rows:
        print("\n" + format_table(rows), file=out)
    if json_path is not None and runs:
        several = sweep or seeds
        write_json(json_path, {"sweep": sweep or "seed", "runs": runs} if several else runs[0])
        print(f"wrote {json_path}", file=out)
    return status
