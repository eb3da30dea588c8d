"""A run log's frames as the records a run emits (vgtui.records)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from vgtui.config import ConfigError, RunConfig
from vgtui.records import EpochEnd, HistogramBlock, RunStart, RunSummary, StepBlock
from vgtui.runlog.errors import RunLogError
from vgtui.runlog.format import StepsFrame
from vgtui.runlog.reader import EpochEndFrame, Frame, RunLogReader, SummaryFrame

Record = RunStart | StepBlock | EpochEnd | HistogramBlock | RunSummary


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


def step_block(frame: StepsFrame) -> StepBlock:
    """The StepBlock a steps frame is (arrays as float64, as the engine emits them)."""
    return StepBlock(
        epoch=frame.epoch,
        first_step=frame.first_step,
        step_loss=frame.loss.astype(np.float64),
        step_accuracy=frame.accuracy.astype(np.float64),
        step_stats=frame.stats.astype(np.float64),
    )


def epoch_end(frame: EpochEndFrame) -> EpochEnd:
    """The EpochEnd an epoch-end frame is (a log holds no decision boundary)."""
    return EpochEnd(
        epoch=frame.epoch,
        loss=frame.loss,
        accuracy=frame.accuracy,
        diverged_layer=frame.diverged_layer,
        diverged_step=frame.diverged_step,
        val_loss=frame.val_loss,
        val_accuracy=frame.val_accuracy,
    )


def frame_record(frame: Frame) -> Record | None:
    """The record a frame is, one to one, for a follower that feeds a History as it reads.

    A StepsFrame is a StepBlock, an EpochEndFrame an EpochEnd, a SummaryFrame
    a RunSummary, a histogram frame its HistogramBlock; an event is None.
    """
    if isinstance(frame, HistogramBlock):
        return frame
    if isinstance(frame, StepsFrame):
        return step_block(frame)
    if isinstance(frame, EpochEndFrame):
        return epoch_end(frame)
    if isinstance(frame, SummaryFrame):
        return summary_from_frame(frame)
    return None


class RecordAssembler:
    """Turns frames into records, whole epochs only: an epoch's steps wait for its end.

    Each epoch's steps frames are held in :attr:`pending` until its end comes,
    then handed on with it as one StepBlock and its EpochEnd; steps of an
    epoch that never ends (its writer stopped mid-epoch) are never handed on.
    A histogram block written while steps wait (an epoch split over compiled
    calls) waits with them, and follows the next epoch end; one written when
    none wait is handed on at once.
    """

    def __init__(self) -> None:
        """Start with no steps pending."""
        self.pending: list[StepsFrame] = []
        self.pending_histograms: list[HistogramBlock] = []

    def feed(
        self, frames: Iterable[Frame]
    ) -> list[StepBlock | EpochEnd | HistogramBlock | RunSummary]:
        """The records the frames complete, in order."""
        out: list[StepBlock | EpochEnd | HistogramBlock | RunSummary] = []
        for frame in frames:
            if isinstance(frame, HistogramBlock):
                if self.pending:
                    self.pending_histograms.append(frame)
                else:
                    out.append(frame)
            elif isinstance(frame, StepsFrame):
                self.pending.append(frame)
            elif isinstance(frame, EpochEndFrame):
                blocks = [b for b in self.pending if b.epoch == frame.epoch]
                self.pending = [b for b in self.pending if b.epoch != frame.epoch]
                if blocks:
                    out.append(
                        StepBlock(
                            epoch=frame.epoch,
                            first_step=blocks[0].first_step,
                            step_loss=np.concatenate([b.loss for b in blocks]).astype(np.float64),
                            step_accuracy=np.concatenate([b.accuracy for b in blocks]).astype(
                                np.float64
                            ),
                            step_stats=np.concatenate([b.stats for b in blocks]).astype(np.float64),
                        )
                    )
                out.append(epoch_end(frame))
                out.extend(self.pending_histograms)
                self.pending_histograms = []
            elif isinstance(frame, SummaryFrame):
                out.append(summary_from_frame(frame))
        return out


def iter_records(path: Path | str) -> Iterator[Record]:
    """The records of the log at ``path`` as far as it is complete, a chunk at a time.

    A RunStart; for each epoch that ended, one StepBlock of its steps and
    its EpochEnd, and the HistogramBlocks of its steps where the log has them;
    then the RunSummary if the log has one. Steps of an epoch that never
    ended (the writer was stopped mid-epoch) are left out.
    """
    with RunLogReader(path) as reader:
        start = start_from_header(reader.header, path)
        yield start
        assembler = RecordAssembler()
        while frames := reader.read_new(1 << 20):
            yield from assembler.feed(frames)


def read_run(path: Path | str) -> list[Record]:
    """The records of the log at ``path``: RunStart, whole epochs, RunSummary (if written)."""
    return list(iter_records(path))
