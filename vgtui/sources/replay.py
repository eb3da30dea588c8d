"""Recorded runs: saving a stream of records to a file and replaying it as a run source.

A replay stands in for the engine wherever the app needs a run that does not
depend on TensorFlow or on the clock: tests, snapshots, screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from vgtui.config import RunConfig
from vgtui.records import (
    Boundary,
    Emit,
    EpochEnd,
    Record,
    RunStart,
    RunSummary,
    StepBlock,
    conform_stats,
)
from vgtui.sources import EventSource


def save_stream(path: Path | str, records: Sequence[Record], boundary_every: int = 1) -> None:
    """Write one run's records (RunStart, StepBlocks and EpochEnds, RunSummary) to an .npz file.

    Decision boundaries are kept for every ``boundary_every``-th epoch and the
    last epoch that has one, as float16 (a colour map needs no more), so that
    a recorded run stays small. Steps of an epoch that did not end are left out.
    """
    start = next(r for r in records if isinstance(r, RunStart))
    summary = next(r for r in records if isinstance(r, RunSummary))
    blocks = [r for r in records if isinstance(r, StepBlock)]
    ends = [r for r in records if isinstance(r, EpochEnd)]
    epochs = [[b for b in blocks if b.epoch == end.epoch] for end in ends]
    with_boundary = [(i, e.boundary) for i, e in enumerate(ends) if e.boundary is not None]
    last = with_boundary[-1][0] if with_boundary else -1
    kept = [(i, b) for i, b in with_boundary if (i + 1) % boundary_every == 0 or i == last]
    steps = [b for epoch in epochs for b in epoch]
    meta = {
        "start": {
            "config": start.config.to_dict(),
            "device": start.device,
            "layer_names": list(start.layer_names),
            "accuracy_before": start.accuracy_before,
            "loss_before": start.loss_before,
        },
        "summary": asdict(summary),
        "epochs": [
            {
                "epoch": end.epoch,
                "first_step": epoch[0].first_step if epoch else 0,
                "steps": sum(b.steps for b in epoch),
                "loss": end.loss,
                "accuracy": end.accuracy,
                "diverged_layer": end.diverged_layer,
                "diverged_step": end.diverged_step,
            }
            for end, epoch in zip(ends, epochs, strict=True)
        ],
    }
    np.savez_compressed(
        path,
        meta=np.array(json.dumps(meta)),
        step_loss=np.concatenate([b.step_loss for b in steps]).astype(np.float32),
        step_accuracy=np.concatenate([b.step_accuracy for b in steps]).astype(np.float32),
        step_stats=np.concatenate([b.step_stats for b in steps]).astype(np.float32),
        boundary_epochs=np.array([i for i, _ in kept], dtype=np.int64),
        boundary=np.array([b.probability for _, b in kept], dtype=np.float16),
        boundary_extent=np.array([b.extent for _, b in kept], dtype=np.float64).reshape(-1, 4),
    )


def load_stream(path: Path | str) -> list[Record]:
    """Read the records that :func:`save_stream` wrote, in order.

    A stream recorded before a statistic existed has it as NaN (see
    :func:`vgtui.records.conform_stats`); one recorded before decision
    boundaries has none.
    """
    boundaries: dict[int, Boundary] = {}
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        step_loss = data["step_loss"].astype(np.float64)
        step_accuracy = data["step_accuracy"].astype(np.float64)
        step_stats = conform_stats(data["step_stats"].astype(np.float64))
        if "boundary_epochs" in data:
            for i, grid, extent in zip(
                data["boundary_epochs"], data["boundary"], data["boundary_extent"], strict=True
            ):
                extent_tuple = tuple(float(v) for v in extent)
                epoch = int(meta["epochs"][int(i)]["epoch"])
                boundaries[int(i)] = Boundary(grid.astype(np.float32), extent_tuple, epoch)  # type: ignore[arg-type]
    start = meta["start"]
    records: list[Record] = [
        RunStart(
            config=RunConfig(**start["config"]),
            device=start["device"],
            layer_names=tuple(start["layer_names"]),
            accuracy_before=start["accuracy_before"],
            loss_before=start["loss_before"],
        )
    ]
    offset = 0
    for i, e in enumerate(meta["epochs"]):
        end = offset + e["steps"]
        if e["steps"]:
            records.append(
                StepBlock(
                    epoch=e["epoch"],
                    first_step=e["first_step"],
                    step_loss=step_loss[offset:end],
                    step_accuracy=step_accuracy[offset:end],
                    step_stats=step_stats[offset:end],
                )
            )
        records.append(
            EpochEnd(
                epoch=e["epoch"],
                loss=e["loss"],
                accuracy=e["accuracy"],
                diverged_layer=e["diverged_layer"],
                diverged_step=e["diverged_step"],
                boundary=boundaries.get(i),
            )
        )
        offset = end
    known = {f.name for f in fields(RunSummary)}  # streams may carry fields since dropped
    records.append(RunSummary(**{k: v for k, v in meta["summary"].items() if k in known}))
    return records


class ReplaySource(EventSource):
    """Plays recorded records back through ``emit``, honouring stop and pause.

    Args:
        records: the stream to play (RunStart, StepBlocks and EpochEnds, RunSummary).
        delay: seconds to wait before each epoch (0: as fast as possible).
        hold: wait for a stop before emitting anything (a run that never starts).

    """

    def __init__(self, records: Sequence[Record], delay: float = 0.0, hold: bool = False) -> None:
        """Keep the stream to play."""
        super().__init__()
        self.records = list(records)
        self.delay = delay
        self.hold = hold

    def start(self, emit: Emit) -> RunSummary:
        """Emit the records in order; stop early when asked to."""
        summary = next(r for r in self.records if isinstance(r, RunSummary))
        steps = 0
        epoch = 0  # the epoch played last
        if self.hold:
            self.stopped.wait()
        for record in self.records:
            if not self.wait_while_paused(0.005):
                stopped = RunSummary(**{**asdict(summary), "stopped": True, "steps": steps})
                emit(stopped)
                return stopped
            if isinstance(record, StepBlock | EpochEnd) and record.epoch != epoch:
                epoch = record.epoch
                if self.delay and self.stopped.wait(self.delay):
                    continue
            if isinstance(record, StepBlock):
                steps = record.last_step
            emit(record)
        return summary


def replay_factory(
    streams: Mapping[tuple[str, str], Sequence[Record]],
    delay: float = 0.0,
    hold: bool = False,
) -> Callable[[RunConfig], ReplaySource]:
    """Return a source factory that replays the stream recorded for each (activation, init).

    A config with no recorded stream raises KeyError when its source is made.
    """

    def factory(config: RunConfig) -> ReplaySource:
        return ReplaySource(streams[(config.activation, config.init)], delay=delay, hold=hold)

    return factory
