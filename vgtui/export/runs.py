"""The runs an export reads: paths given on the command line, each log read into a History."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vgtui.diagnosis import diagnose, first_layer_decades, median_layer_sds
from vgtui.history import History, HistoryView, LatestEpoch
from vgtui.input_path import InputPathError, check_input
from vgtui.records import HistogramBlock, RunStart, RunSummary, StepBlock
from vgtui.runlog import (
    RecordAssembler,
    RunLogError,
    RunLogReader,
    list_logs,
    start_from_header,
)
from vgtui.session.summary import summarize


class ExportError(ValueError):
    """Bad input to an export; the message says what, in one line."""


@dataclass
class Snapshot:
    """The logs an export reads, and how much of each: every format reads the same bytes.

    Attributes:
        logs: the run logs, in the order given (a directory's oldest first).
        ends: each log's size when it was found; readers stop there, so a log
            still being written is read once, as it stood, for every format.
        skipped: one line for each log of a directory that cannot be read
            (a damaged header, a newer format): left out, as ``vgtui view`` does.

    """

    logs: list[Path] = field(default_factory=list)
    ends: dict[Path, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def snapshot_logs(paths: Sequence[str | os.PathLike[str]]) -> Snapshot:
    """The run logs the paths name (a directory: every log in it, oldest first), sized now.

    A log named on the command line must be readable; a log found in a
    directory that is not is left out with a line in ``skipped``.

    Raises:
        ExportError: a path is missing, not a regular file or directory (a FIFO,
            a pipe), not a log, from a newer vgtui, or a directory without a
            readable log.

    """
    snapshot = Snapshot()
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        try:
            kind = check_input(path)  # a FIFO or a pipe: refused, never waited on
        except InputPathError as err:
            raise ExportError(str(err)) from None
        in_directory = kind == "dir"
        found = list_logs(path) if in_directory else [path]
        if in_directory and not found:
            raise ExportError(f"{path} holds no vgtui run logs")
        readable = 0
        for log in found:
            try:
                with RunLogReader(log) as reader:
                    size = os.fstat(reader.fileno()).st_size
            except RunLogError as err:
                if not in_directory:
                    raise ExportError(str(err)) from None
                snapshot.skipped.append(str(err))
                continue
            readable += 1
            key = log.resolve()
            if key not in seen:
                seen.add(key)
                snapshot.logs.append(log)
                snapshot.ends[log] = size
        if in_directory and not readable:
            raise ExportError(f"{path} holds no readable run log: {snapshot.skipped[-1]}")
    return snapshot


def resolve_logs(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The run logs the paths name; see :func:`snapshot_logs`."""
    return snapshot_logs(paths).logs


@dataclass
class LoadedRun:
    """One log read whole: its start, a History of its records, its summary with a verdict.

    Attributes:
        path: the log.
        start: the run's start record.
        view: the History's view of every record read (series downsampled
            past the History's capacity).
        summary: the log's summary, or, when the log has none (its writer
            stopped early, or is still running), one made from its epochs
            with ``stopped`` set; with a verdict either way.
        complete: whether the log holds its run's summary.
        epoch_last_step: the global number of each epoch's last step.
        info: the header's free-form ``info`` (a Keras model's description).
        damaged_at: where a damaged frame stopped the reading, if one did.

    """

    path: Path
    start: RunStart
    view: HistoryView
    summary: RunSummary
    complete: bool
    epoch_last_step: dict[int, int] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)
    damaged_at: int | None = None

    @property
    def name(self) -> str:
        """The log's file name, as the CSV's ``run`` column gives it."""
        return self.path.name

    @property
    def stem(self) -> str:
        """The log's file name without its suffix."""
        return self.path.stem

    def title(self) -> str:
        """What the run was, in one line: its config, or a model's title."""
        if self.start.config is not None:
            return self.start.config.describe()
        return str(self.info.get("title") or self.stem)


def load_run(path: Path, end: int | None = None) -> LoadedRun:
    """Read the log at ``path`` (up to byte ``end``, if given) into a History; see LoadedRun."""
    history = History()
    summary: RunSummary | None = None
    last_finite: LatestEpoch | None = None
    diverged: LatestEpoch | None = None
    steps = 0
    last_steps: dict[int, int] = {}
    try:
        with RunLogReader(path, end) as reader:
            start = start_from_header(reader.header, path)
            history.record(start)
            assembler = RecordAssembler()
            while frames := reader.read_new(1 << 20):
                for record in assembler.feed(frames):
                    history.record(record)
                    if isinstance(record, RunSummary):
                        summary = record
                        continue
                    if isinstance(record, HistogramBlock):
                        continue
                    if isinstance(record, StepBlock):
                        steps = record.last_step
                        last_steps[record.epoch] = record.last_step
                    elif (ended := history.latest) is not None and ended.epoch == record.epoch:
                        if record.diverged_layer is None:
                            last_finite = ended
                        else:
                            diverged = ended
            info = reader.header.get("info")
            damaged_at = reader.damaged_at
    except RunLogError as err:
        raise ExportError(str(err)) from None
    view = history.view()
    complete = summary is not None
    if summary is None:
        summary = summarize(start, last_finite, steps, stopped=diverged is None, diverged=diverged)
    if not summary.verdict:
        verdict, reason = diagnose(view)
        summary = dataclasses.replace(summary, verdict=verdict, verdict_reason=reason)
    if math.isnan(summary.first_layer_decades_median) and math.isnan(
        summary.first_layer_decades_latest
    ):  # a log without a summary, or a writer that left them out: from the records
        decades = first_layer_decades(view)
        summary = dataclasses.replace(
            summary,
            first_layer_decades_median=decades.median,
            first_layer_decades_latest=decades.latest,
        )
    if math.isnan(summary.first_layer_sd_median):  # a summary written before it held it
        sds = median_layer_sds(view)
        if len(sds):
            summary = dataclasses.replace(summary, first_layer_sd_median=float(sds[0]))
    info = dict(info) if isinstance(info, dict) else {}
    return LoadedRun(path, start, view, summary, complete, last_steps, info, damaged_at)


def damage_note(path: Path, offset: int | None) -> str | None:
    """The note an export prints for a log with a damaged frame, None for an intact one."""
    if offset is None:
        return None
    return f"note: {path} is damaged at byte {offset}: exported only what comes before it"
