"""The headless run: the controller trains in the main thread; each epoch printed, JSON written."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TextIO

from vgtui.comparison import ComparisonRow, format_table
from vgtui.config import RunConfig
from vgtui.controller import RunController
from vgtui.history import LatestEpoch
from vgtui.records import STAT_INDEX, EpochEnd, EpochRecord, Record, RunStart, RunSummary
from vgtui.run import Run
from vgtui.runfile import run_to_dict, write_json
from vgtui.sources import SourceFactory
from vgtui.sources.engine import engine_source

#: Exit status of a run whose loss or gradients stopped being finite.
EXIT_DIVERGED = 3
#: Exit status of a run interrupted with Ctrl+C.
EXIT_INTERRUPTED = 130


def format_epoch(record: EpochRecord | LatestEpoch, names: tuple[str, ...], epochs: int) -> str:
    """One line for an epoch: loss, accuracy and each layer's mean gradient SD."""
    sds = record.layer_means()[:, STAT_INDEX["grad_sd"]]
    layers = "  ".join(f"{n} {sd:.2e}" for n, sd in zip(names, sds, strict=True))
    width = len(str(epochs))
    return (
        f"epoch {record.epoch:>{width}}/{epochs}  loss {record.loss:.4f}  "
        f"acc {record.accuracy:.3f}  grad SD  {layers}"
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
        elif isinstance(record, EpochRecord | EpochEnd):
            latest = run.history.view().latest
            if latest is not None and run.config is not None:
                line = format_epoch(latest, run.config.layer_names, run.config.epochs)
                print(line, file=self.out, flush=True)


def run_headless(
    config: RunConfig,
    json_path: Path | None,
    out: TextIO | None = None,
    sweep: str | None = None,
    sweep_values: tuple[str, ...] | None = None,
    source_factory: SourceFactory = engine_source,
    seeds: tuple[int, ...] | None = None,
) -> int:
    """Train ``config`` (or each config of a sweep), print, write JSON; return the exit status.

    A sweep prints a comparison table at its end, and its JSON holds
    ``{"sweep": FIELD, "runs": [run, ...]}``, each run as a single run's JSON.
    """
    out = out or sys.stdout
    controller = RunController(config, source_factory, on_record=EpochPrinter(out))
    if sweep or seeds:
        controller.start_sweep(sweep, sweep_values, seeds)
    total = controller.sweep.total
    print(f"vgtui headless: {config.describe()}; loading TensorFlow…", file=out, flush=True)
    runs, rows = [], []
    status = 0
    while (run := controller.claim()) is not None:
        assert run.config is not None
        if sweep or seeds:
            number = controller.sweep.position
            print(f"\nrun {number}/{total}: {run.config.describe()}", file=out, flush=True)
        interrupted = False
        try:
            controller.train(run)
        except KeyboardInterrupt:
            interrupted = True
        ended = controller.finish(run)
        if ended.summary is None:
            print("interrupted before the first step", file=out)
            status = EXIT_INTERRUPTED
            break
        for line in format_summary(ended.summary):
            print(line, file=out, flush=True)
        diverged = ended.summary.diverged_step is not None
        run_status = EXIT_INTERRUPTED if interrupted else EXIT_DIVERGED if diverged else 0
        runs.append(run_to_dict(run.config, ended.view, ended.summary))
        kept = ended.kept
        rows.append(
            ComparisonRow(
                run.config,
                ended.summary,
                "diverged" if diverged else "stopped" if interrupted else "done",
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
