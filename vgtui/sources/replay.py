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
from vgtui.records import Emit, EpochRecord, Record, RunStart, RunSummary
from vgtui.sources import EventSource


def save_stream(path: Path | str, records: Sequence[Record]) -> None:
    """Write one run's records (RunStart, EpochRecords, RunSummary) to an .npz file."""
    start = next(r for r in records if isinstance(r, RunStart))
    summary = next(r for r in records if isinstance(r, RunSummary))
    epochs = [r for r in records if isinstance(r, EpochRecord)]
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
                "epoch": e.epoch,
                "first_step": e.first_step,
                "steps": e.steps,
                "loss": e.loss,
                "accuracy": e.accuracy,
                "diverged_layer": e.diverged_layer,
                "diverged_step": e.diverged_step,
            }
            for e in epochs
        ],
    }
    np.savez_compressed(
        path,
        meta=np.array(json.dumps(meta)),
        step_loss=np.concatenate([e.step_loss for e in epochs]).astype(np.float32),
        step_accuracy=np.concatenate([e.step_accuracy for e in epochs]).astype(np.float32),
        step_stats=np.concatenate([e.step_stats for e in epochs]).astype(np.float32),
    )


def load_stream(path: Path | str) -> list[Record]:
    """Read the records that :func:`save_stream` wrote, in order."""
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        step_loss = data["step_loss"].astype(np.float64)
        step_accuracy = data["step_accuracy"].astype(np.float64)
        step_stats = data["step_stats"].astype(np.float64)
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
    for e in meta["epochs"]:
        end = offset + e["steps"]
        records.append(
            EpochRecord(
                epoch=e["epoch"],
                first_step=e["first_step"],
                step_loss=step_loss[offset:end],
                step_accuracy=step_accuracy[offset:end],
                step_stats=step_stats[offset:end],
                loss=e["loss"],
                accuracy=e["accuracy"],
                diverged_layer=e["diverged_layer"],
                diverged_step=e["diverged_step"],
            )
        )
        offset = end
    known = {f.name for f in fields(RunSummary)}  # streams may carry fields since dropped
    records.append(RunSummary(**{k: v for k, v in meta["summary"].items() if k in known}))
    return records


class ReplaySource(EventSource):
    """Plays recorded records back through ``emit``, honouring stop and pause.

    Args:
        records: the stream to play (RunStart, EpochRecords, RunSummary).
        delay: seconds to wait before each EpochRecord (0: as fast as possible).
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
        if self.hold:
            self.stopped.wait()
        for record in self.records:
            if not self.wait_while_paused(0.005):
                stopped = RunSummary(**{**asdict(summary), "stopped": True, "steps": steps})
                emit(stopped)
                return stopped
            if isinstance(record, EpochRecord):
                if self.delay and self.stopped.wait(self.delay):
                    continue
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
