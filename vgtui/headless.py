"""The headless run: trains in the main thread, prints each epoch, writes JSON."""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path
from typing import TextIO

from vgtui.config import RunConfig
from vgtui.diagnosis import diagnose
from vgtui.history import History
from vgtui.records import STAT_INDEX, EpochRecord, RunStart, RunSummary
from vgtui.runfile import run_to_dict, write_json
from vgtui.summary import summarize

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


def run_headless(config: RunConfig, json_path: Path | None, out: TextIO | None = None) -> int:
    """Train ``config`` in this thread, print progress, write JSON; return the exit status."""
    out = out or sys.stdout
    print(f"vgtui headless: {config.describe()}; loading TensorFlow…", file=out, flush=True)
    from vgtui.engine.trainer import Trainer

    history = History()
    names = config.layer_names

    def emit(record: RunStart | EpochRecord | RunSummary) -> None:
        if isinstance(record, RunStart):
            history.begin(record)
            print(
                f"device {record.device}; accuracy before training {record.accuracy_before:.3f}",
                file=out,
                flush=True,
            )
        elif isinstance(record, EpochRecord):
            history.add(record)
            print(format_epoch(record, names, config.epochs), file=out, flush=True)

    stop = threading.Event()
    trainer = Trainer(config)
    try:
        summary = trainer.run(emit, stop)
        status = EXIT_DIVERGED if summary.diverged_step is not None else 0
    except KeyboardInterrupt:
        view = history.view()
        if view.start is None:
            print("interrupted before the first step", file=out)
            return EXIT_INTERRUPTED
        summary = summarize(view.start, view.latest, view.steps_done, stopped=True)
        status = EXIT_INTERRUPTED
    verdict, reason = diagnose(history.view())
    summary = dataclasses.replace(summary, verdict=verdict, verdict_reason=reason)
    for line in format_summary(summary):
        print(line, file=out)
    if json_path is not None:
        write_json(json_path, run_to_dict(config, history.view(), summary))
        print(f"wrote {json_path}", file=out)
    return status
