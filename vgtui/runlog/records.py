"""A run log's frames as the records a run emits (vgtui.records)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from vgtui.config import ConfigError, RunConfig
from vgtui.records import EpochRecord, RunStart, RunSummary
from vgtui.runlog.errors import RunLogError
from vgtui.runlog.format import StepsFrame
from vgtui.runlog.reader import EpochEndFrame, Frame, RunLogReader, SummaryFrame

Record = RunStart | EpochRecord | RunSummary


def config_from_header(header: Mapping[str, object], path: Path | str = "") -> RunConfig | None:
    """The RunConfig a header holds, None for a model that is not the built-in network."""
    data = header.get("config")
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RunLogError(f"{path}: the run log's config is not an object")
    known = {f.name for f in dataclasses.fields(RunConfig)}
    try:
        return RunConfig(**{k: v for k, v in data.items() if k in known})
    except (ConfigError, TypeError) as err:
        raise RunLogError(f"{path}: the run log's config is not valid: {err}") from None


def start_from_header(header: Mapping[str, object], path: Path | str = "") -> RunStart:
    """The RunStart a log's header describes."""
    fields = {f.name for f in dataclasses.fields(RunStart)}
    values: dict[str, object] = {
        "config": config_from_header(header, path),
        "device": str(header.get("device", "")),
        "layer_names": tuple(str(n) for n in header.get("layer_names", ())),  # type: ignore[union-attr]
        "accuracy_before": float(header.get("accuracy_before", float("nan"))),  # type: ignore[arg-type]
        "loss_before": float(header.get("loss_before", float("nan"))),  # type: ignore[arg-type]
        "started": float(header.get("started", 0.0) or 0.0),  # type: ignore[arg-type]
        "info": dict(header.get("info") or {}),  # type: ignore[call-overload]
    }
    return RunStart(**{k: v for k, v in values.items() if k in fields})


def summary_from_frame(frame: SummaryFrame) -> RunSummary:
    """The RunSummary a summary frame holds (fields this vgtui does not know are left out)."""
    known = {f.name for f in dataclasses.fields(RunSummary)}
    return RunSummary(**{k: v for k, v in frame.summary.items() if k in known})  # type: ignore[arg-type]


def frame_record(frame: Frame) -> object | None:
    """The record a frame is, one to one, for a follower that feeds a History as it reads.

    A StepsFrame is a StepBlock (arrays as float64, as the engine emits them),
    an EpochEndFrame an EpochEnd, a SummaryFrame a RunSummary; an event is
    None. Needs vgtui.records' StepBlock and EpochEnd (use RecordAssembler
    for EpochRecords otherwise).
    """
    from vgtui import records

    if isinstance(frame, StepsFrame):
        return records.StepBlock(  # type: ignore[attr-defined]
            epoch=frame.epoch,
            first_step=frame.first_step,
            step_loss=frame.loss.astype(np.float64),
            step_accuracy=frame.accuracy.astype(np.float64),
            step_stats=frame.stats.astype(np.float64),
        )
    if isinstance(frame, EpochEndFrame):
        return records.EpochEnd(  # type: ignore[attr-defined]
            epoch=frame.epoch,
            loss=frame.loss,
            accuracy=frame.accuracy,
            diverged_layer=frame.diverged_layer,
            diverged_step=frame.diverged_step,
        )
    if isinstance(frame, SummaryFrame):
        return summary_from_frame(frame)
    return None


class RecordAssembler:
    """Turns frames into records: an epoch's step blocks and its end become one EpochRecord.

    Steps of an epoch that has not ended are held in :attr:`pending` until its end comes.
    """

    def __init__(self, layers: int = 0, stats: int = 0) -> None:
        """Start with no steps pending; ``layers`` and ``stats`` shape an epoch of no steps."""
        self.pending: list[StepsFrame] = []
        self._empty_shape = (0, layers, stats)

    def feed(self, frames: Iterable[Frame]) -> list[EpochRecord | RunSummary]:
        """The records the frames complete, in order."""
        out: list[EpochRecord | RunSummary] = []
        for frame in frames:
            if isinstance(frame, StepsFrame):
                self.pending.append(frame)
            elif isinstance(frame, EpochEndFrame):
                out.append(self._epoch(frame))
            elif isinstance(frame, SummaryFrame):
                out.append(summary_from_frame(frame))
        return out

    def _epoch(self, end: EpochEndFrame) -> EpochRecord:
        """The EpochRecord of the pending steps of ``end``'s epoch and ``end``."""
        blocks = [b for b in self.pending if b.epoch == end.epoch]
        self.pending = [b for b in self.pending if b.epoch != end.epoch]
        if blocks:
            loss = np.concatenate([b.loss for b in blocks]).astype(np.float64)
            accuracy = np.concatenate([b.accuracy for b in blocks]).astype(np.float64)
            stats = np.concatenate([b.stats for b in blocks]).astype(np.float64)
            first = blocks[0].first_step
        else:
            loss = accuracy = np.zeros(0)
            stats = np.zeros(self._empty_shape)
            first = 0
        return EpochRecord(
            epoch=end.epoch,
            first_step=first,
            step_loss=loss,
            step_accuracy=accuracy,
            step_stats=stats,
            loss=end.loss,
            accuracy=end.accuracy,
            diverged_layer=end.diverged_layer,
            diverged_step=end.diverged_step,
        )


def iter_records(path: Path | str) -> Iterator[Record]:
    """The records of the log at ``path`` as far as it is complete, a chunk at a time.

    A RunStart, an EpochRecord for each epoch that ended, then the
    RunSummary if the log has one. Steps of an epoch that never ended (the
    writer was stopped mid-epoch) are not part of any record.
    """
    with RunLogReader(path) as reader:
        start = start_from_header(reader.header, path)
        yield start
        n_stats = len(reader.header.get("stat_names") or ())  # type: ignore[arg-type]
        assembler = RecordAssembler(len(start.layer_names), n_stats)
        while frames := reader.read_new(1 << 20):
            yield from assembler.feed(frames)


def read_run(path: Path | str) -> list[Record]:
    """The records of the log at ``path``: RunStart, EpochRecords, RunSummary (if written)."""
    return list(iter_records(path))
