"""One training run as the app holds it: its config, history, events and clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import EpochRecord, RunStart, RunSummary
from vgtui.ui.clock import RunClock

Record = RunStart | EpochRecord | RunSummary


class TrainingRun(Protocol):
    """What the app needs of an engine: one cancellable, pausable run."""

    def run(
        self,
        emit: Callable[[Record], None],
        stop: threading.Event,
        pause: threading.Event | None = None,
    ) -> RunSummary:
        """Train, emitting RunStart, EpochRecords and a RunSummary."""
        ...


RunFactory = Callable[[RunConfig], TrainingRun]


def engine_run_factory(config: RunConfig) -> TrainingRun:
    """Build the real trainer; imports TensorFlow, so call it only in the worker."""
    from vgtui.engine.trainer import Trainer

    return Trainer(config)


class Run:
    """A run of one config: the worker writes its history, the screen reads it."""

    def __init__(self, config: RunConfig) -> None:
        """Create a run that has not started."""
        self.config = config
        self.history = History()
        self.stop = threading.Event()
        self.pause = threading.Event()
        self.clock = RunClock()
        self.launched = False
        self.ended = threading.Event()

    def emit(self, record: Record) -> None:
        """Store one record from the engine; called on the worker's thread."""
        self.history.record(record)

    def cancel(self) -> None:
        """Ask the engine to stop at its next check, and release a pause."""
        self.stop.set()
        self.pause.clear()
        self.clock.stop()
