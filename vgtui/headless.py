"""The headless run: trains in the main thread, prints each epoch, writes JSON."""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path
from typing import TextIO

from vgtui.config import RunConfig
from vgtui.diagnosis import diagnose
from vgtui.history import History, HistoryView
from vgtui.records import STAT_INDEX, EpochRecord, RunStart, RunSummary
from vgtui.runfile import run_to_dict, write_json
from vgtui.summary import summarize
from vgtui.sweep import ComparisonRow, format_table, sweep_configs

#: Exit status of a run whose loss or gradients stopped being finite.
EXIT_DIVERGED = 3
#: Exit status of a run interrupted with Ctrl+C.
EXIT_INTERRUPTED = 130


def format_epoch(record: EpochRecord, names: tuple[str, ...], epochs: int) -> str:
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
        f"gradient SD, first hidden layer / output layer (last epoch): {summary.grad_sd_ratio:.3g}",
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


def train_one(config: RunConfig, out: TextIO) -> tuple[HistoryView, RunSummary, int]:
    """Train ``config`` in this thread, printing each epoch; return its records and status."""
    from vgtui.engine.trainer import Trainer

    history = History()
    names = config.layer_names

    def emit(record: RunStart | EpochRecord | RunSummary) -> None:
        history.record(record)
        if isinstance(record, RunStart):
            print(
                f"device {record.device}; accuracy before training {record.accuracy_before:.3f}",
                file=out,
                flush=True,
            )
        elif isinstance(record, EpochRecord):
            print(format_epoch(record, names, config.epochs), file=out, flush=True)

    trainer = Trainer(config)
    try:
        summary = trainer.run(emit, threading.Event())
        status = EXIT_DIVERGED if summary.diverged_step is not None else 0
    except KeyboardInterrupt:
        view = history.view()
        if view.start is None:
            raise
        summary = summarize(view.start, view.latest, view.steps_done, stopped=True)
        status = EXIT_INTERRUPTED
    view = history.view()
    verdict, reason = diagnose(view)
    summary = dataclasses.replace(summary, verdict=verdict, verdict_reason=reason)
    for line in format_summary(summary):
        print(line, file=out, flush=True)
    return view, summary, status


def run_headless(
    config: RunConfig,
    json_path: Path | None,
    out: TextIO | None = None,
    sweep: str | None = None,
    sweep_values: tuple[str, ...] | None = None,
) -> int:
    """Train ``config`` (or each config of a sweep), print, write JSON; return the exit status.

    A sweep prints a comparison table at its end, and its JSON holds
    ``{"sweep": FIELD, "runs": [run, ...]}``, each run as a single run's JSON.
    """
    out = out or sys.stdout
    configs = sweep_configs(config, sweep, sweep_values) if sweep else [config]
    print(f"vgtui headless: {config.describe()}; loading TensorFlow…", file=out, flush=True)
    runs, rows = [], []
    status = 0
    for number, run_config in enumerate(configs, 1):
        if sweep:
            print(f"\nrun {number}/{len(configs)}: {run_config.describe()}", file=out, flush=True)
        try:
            view, summary, run_status = train_one(run_config, out)
        except KeyboardInterrupt:
            print("interrupted before the first step", file=out)
            status = EXIT_INTERRUPTED
            break
        runs.append(run_to_dict(run_config, view, summary))
        rows.append(ComparisonRow(run_config, summary, "diverged" if run_status == 3 else "done"))
        status = max(status, run_status)
        if run_status == EXIT_INTERRUPTED:
            break
    if sweep and rows:
        print("\n" + format_table(rows), file=out)
    if json_path is not None and runs:
        write_json(json_path, {"sweep": sweep, "runs": runs} if sweep else runs[0])
        print(f"wrote {json_path}", file=out)
    return status
