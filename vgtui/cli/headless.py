"""The headless run: the controller trains in the main thread; each epoch printed, JSON written."""

from __future__ import annotations

import contextlib
import io
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from vgtui.cli.parsing import EXIT_USAGE
from vgtui.cli.stop_signals import StopSignals
from vgtui.config import RunConfig
from vgtui.diagnosis import distribution_note
from vgtui.export.runfile import run_to_dict, write_json
from vgtui.history import LatestEpoch
from vgtui.model_path import ModelFileError
from vgtui.output_path import OutputPathError
from vgtui.records import STAT_INDEX, EpochEnd, Record, RunStart, RunSummary, StepBlock
from vgtui.session.comparison import ComparisonRow, format_table
from vgtui.session.controller import RunController
from vgtui.session.run import Run
from vgtui.sources import SourceFactory
from vgtui.sources.engine import engine_sources

#: Exit status of a fault: the run failed (the engine raised), or its run log or JSON
#: could not be written (a full disk, a file size limit). Complete epochs are kept.
EXIT_FAILED = 1
#: Exit status of a run whose loss or gradients stopped being finite.
EXIT_DIVERGED = 3
#: Exit status of a run interrupted with Ctrl+C (SIGTERM and SIGHUP: 143, 129).
EXIT_INTERRUPTED = 130
#: Exit status when the JSON file could not be written at the end (a full disk, a lost
#: directory): a fault, as a run log that fails is (a path refused up front is exit 2).
EXIT_NOT_WRITTEN = EXIT_FAILED


#: The most layers an epoch's line names; a deeper model's line names the first and last.
LINE_LAYERS = 8


def format_epoch(record: LatestEpoch, names: tuple[str, ...], epochs: int) -> str:
    """One line for an epoch: loss, accuracy and each layer's mean gradient SD.

    ``epochs`` 0 means the run's length is not known (a user's model).
    """
    sds = record.layer_means()[:, STAT_INDEX["grad_sd"]]
    pairs = [f"{n} {sd:.2e}" for n, sd in zip(names, sds, strict=True)]
    if len(pairs) > LINE_LAYERS:
        pairs = [*pairs[:2], f"… {len(pairs) - 4} more …", *pairs[-2:]]
    width = len(str(epochs))
    of = f"/{epochs}" if epochs else ""
    validation = ""
    if math.isfinite(record.val_loss) or math.isfinite(record.val_accuracy):
        validation = f"val_loss {record.val_loss:.4f}  val_acc {_accuracy(record.val_accuracy)}  "
    return (
        f"epoch {record.epoch:>{width}}{of}  loss {record.loss:.4f}  "
        f"acc {record.accuracy:.3f}  {validation}grad SD  {'  '.join(pairs)}"
    )


def _accuracy(value: float) -> str:
    """An accuracy to three places; "–" where it is not known (NaN)."""
    return "–" if math.isnan(value) else f"{value:.3f}"


def format_summary(summary: RunSummary) -> list[str]:
    """The closing lines of a run."""
    lines = [
        _outcome(summary),
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
    if summary.xla_from_epoch is not None:
        lines.append(_tier_line(summary.xla_from_epoch))
    return lines


def _tier_line(xla_from_epoch: int) -> str:
    """How the run was compiled, when XLA trained some of it (see vgtui.engine.xla_tier)."""
    if xla_from_epoch == 1:
        return "compiled with XLA throughout (the network's XLA twin was ready before the run)"
    return (
        f"compiled with XLA from epoch {xla_from_epoch} (TensorFlow's graph before it, "
        "while XLA compiled)"
    )


def _outcome(summary: RunSummary) -> str:
    """Accuracy before and after, and the loss: of the last epoch that ended with finite numbers.

    A run that diverged has no loss of its own after that epoch, and one
    where no epoch ended has only the loss before training; each says so.
    """
    diverged = summary.diverged_step is not None
    if summary.epochs == 0:
        why = "no epoch ended with finite numbers" if diverged else "no epoch ended"
        return (
            f"accuracy before {_accuracy(summary.accuracy_before)}; "
            f"loss before training {summary.final_loss:.4f} ({why})"
        )
    text = (
        f"accuracy before {_accuracy(summary.accuracy_before)}, "
        f"after {_accuracy(summary.accuracy_after)}; "
        f"final loss {summary.final_loss:.4f}"
    )
    if diverged:
        text += f" (epoch {summary.epochs}, the last that ended with finite numbers)"
    return text


def _decades(value: float) -> str:
    """Decades with their sign, e.g. ``-1.6 decades``; a vanished gradient reads so."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "exactly zero" if value < 0 else "infinite"
    return f"{value:+.2f} decades"


class EpochPrinter:
    """Prints a run's device when it starts and one line per epoch as it ends.

    Args:
        out: where to print.
        on_start: called when a run's start record has been stored.

    """

    def __init__(
        self,
        out: TextIO,
        on_start: Callable[[], object] | None = None,
        err: TextIO | None = None,
    ) -> None:
        """Print to ``out``; a run log's failure, once, to ``err`` (default: ``out``)."""
        self.out = out
        self.err = err or out
        self.on_start = on_start
        self._told: set[int] = set()

    def __call__(self, run: Run, record: Record) -> None:
        """Print what ``record`` adds; called on the training thread."""
        if run.log_failure is not None and id(run) not in self._told:
            self._told.add(id(run))
            _say(self.err, f"vgtui: warning: {run.log_failure}")
        if isinstance(record, StepBlock):
            if self.on_start is not None:
                self.on_start()  # steps recorded: a first stop signal now keeps them
        elif isinstance(record, RunStart):
            every = (record.info or {}).get("histogram_every")
            counted = f"; histograms every {_nth(int(every))} step" if every else ""
            _say(
                self.out,
                f"device {record.device}; "
                f"accuracy before training {_accuracy(record.accuracy_before)}{counted}",
            )
            if run.log is not None and run.log_failure is None:
                _say(self.out, f"run log {run.log.path}")
        elif isinstance(record, EpochEnd):
            view = run.history.view()
            latest = view.latest
            if latest is not None:
                epochs = view.start.epochs if view.start is not None else 0
                _say(self.out, format_epoch(latest, view.layer_names, epochs))


def _nth(n: int) -> str:
    """``100th``, ``1st``, ``22nd``; 1 is "single" (every single step)."""
    if n == 1:
        return "single"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def describe_choice(config: RunConfig) -> str:
    """What a run of a user's model is asked to use: its activation and initializer."""
    return f"activation {config.activation}, init {config.init}, seed {config.seed}"


def run_headless(
    config: RunConfig,
    json_path: Path | None,
    out: TextIO | None = None,
    sweep: str | None = None,
    sweep_values: tuple[str, ...] | None = None,
    source_factory: SourceFactory | None = None,
    seeds: tuple[int, ...] | None = None,
    logdir: Path | None = None,
    title: str | None = None,
    err: TextIO | None = None,
) -> int:
    """Train ``config`` (or each config of a sweep), print, write JSON; return the exit status.

    A sweep prints a comparison table at its end, and its JSON holds
    ``{"sweep": FIELD, "runs": [run, ...]}``, each run as a single run's JSON.
    With ``logdir``, each run writes its run log there. ``title`` names what
    is trained when it is not the built-in network. ``source_factory``
    defaults to the built-in engine without histograms (and, as a headless
    run shows none, without decision boundaries).

    Ctrl+C, SIGTERM and SIGHUP stop the run at its next compiled call (see
    :mod:`vgtui.cli.stop_signals`); the JSON keeps every complete epoch, with
    ``"stopped": true``, and the exit status is 130, 143 or 129. A run that
    fails (exit 1; a model file's problem: exit 2) keeps its complete epochs
    in the JSON too. A run log that cannot be written never stops the run:
    one line on ``err`` says so at once, and the exit status is 1 once all
    else is done. A JSON file that cannot be written is said in one line on
    ``err``, with the exit status 1.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    source_factory = source_factory or engine_sources(False)
    signals = StopSignals()
    printer = EpochPrinter(out, on_start=signals.started, err=err)
    log_fault = False
    controller = RunController(config, source_factory, printer, logdir=logdir)
    if sweep or seeds:
        controller.start_sweep(sweep, sweep_values, seeds)
    total = controller.sweep.total
    runs, rows = [], []
    status = 0
    with signals:
        _say(out, f"vgtui headless: {title or config.describe()}; loading TensorFlow…")
        while (run := controller.claim()) is not None:
            if sweep or seeds:
                number = controller.sweep.position
                what = run.config.describe() if run.config else describe_choice(controller.config)
                _say(out, f"\nrun {number}/{total}: {what}")
            interrupted = False
            failure: Exception | None = None
            try:
                with signals.training(run.cancel):
                    controller.train(run)
            except KeyboardInterrupt:  # Ctrl+C, or a stop signal before the run's first record
                interrupted = True
            except Exception as error:  # finish() still ends the run and its log
                failure = error
            finally:
                ended = controller.finish(run)
            interrupted = interrupted or signals.received is not None
            interrupted_status = signals.exit_status or EXIT_INTERRUPTED
            if ended.log_problem is not None:
                log_fault = True
                if ended.log_problem != run.log_failure:  # else said when it happened
                    _say(err, f"vgtui: warning: {ended.log_problem}")
            if isinstance(failure, ModelFileError):  # the user's model file: bad input
                _say(err, f"vgtui: error: --model: {failure}")
                if failure.details:
                    _say(err, failure.details.rstrip())
                status = EXIT_USAGE
            elif failure is not None:
                _say(err, f"run failed: {type(failure).__name__}: {failure}")
                status = EXIT_FAILED
            if ended.summary is None or (failure is not None and ended.summary.steps == 0):
                if failure is None:
                    _say(out, "interrupted before the first step")
                    status = max(status, interrupted_status)
                break
            for line in format_summary(ended.summary):
                _say(out, line)
            if note := distribution_note(ended.view):
                _say(out, f"distributions: {note}")
            diverged = ended.summary.diverged_step is not None
            run_status = interrupted_status if interrupted else EXIT_DIVERGED if diverged else 0
            runs.append(run_to_dict(run.config, ended.view, ended.summary))
            kept = ended.kept
            state = "failed" if failure is not None else "stopped" if interrupted else "done"
            rows.append(
                ComparisonRow(
                    run.config,
                    ended.summary,
                    "diverged" if diverged else state,
                    name=kept.name if kept else "",
                    first_sd=kept.first_layer_sd if kept else math.nan,
                    number=kept.number if kept else 0,
                    model=kept.model if kept else None,
                )
            )
            if failure is not None:
                break  # the epochs it completed are kept in the JSON
            status = max(status, run_status)
            if interrupted:
                break
        if (sweep or seeds) and rows:
            _say(out, "\n" + format_table(rows))
        if json_path is not None and runs:
            several = sweep or seeds
            data = {"sweep": sweep or "seed", "runs": runs} if several else runs[0]
            try:
                write_json(json_path, data)
            except OutputPathError as error:
                _say(err, f"vgtui: error: --json: {error}")
                return status if status == EXIT_USAGE else EXIT_NOT_WRITTEN
            _say(out, f"wrote {json_path}")
    return EXIT_FAILED if log_fault and status == 0 else status


def _say(stream: TextIO, line: str) -> None:
    """Print a line; if the stream is gone (a closed pipe, a hung-up terminal), go on without it.

    Once a write fails, the stream's descriptor is pointed at /dev/null, so
    that what is left in its buffer does not fail again when Python exits.
    """
    try:
        print(line, file=stream, flush=True)
    except OSError:
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, stream.fileno())
            finally:
                os.close(devnull)
