"""One run as the program holds it: its config, source, history and clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import EpochEnd, Record, RunSummary, StepBlock
from vgtui.session.clock import RunClock, TrainingSpeed
from vgtui.session.epoch_throttle import EpochThrottle
from vgtui.sources import RunSource

if TYPE_CHECKING:
    from vgtui.runlog import RunLogWriter


class Run:
    """A run of one config: its source's thread writes the history, others read it.

    Args:
        config: the run's settings (None for a run that is not the built-in network).
        source: where its records come from.
        on_record: called after each record is stored, on the source's thread.
        pace: the throttle that holds each epoch back until its turn at the pace
            chosen (None: never waits); only a source that says it is
            ``paced`` (the engine, a replay) is held.
        viewed: the run is read (from a run log or a JSON file), not trained.

    Attributes:
        log: the run log being written for the run, if one is.
        log_failure: why the run log stopped being written (or could not be
            made), in one line naming it; the run trains on without it.
        keep_when_ended: keep the run among the kept runs when it ends (a
            viewed run whose log is still growing is read again instead).

    """

    def __init__(
        self,
        config: RunConfig | None,
        source: RunSource,
        on_record: Callable[[Run, Record], None] | None = None,
        pace: EpochThrottle | None = None,
        *,
        viewed: bool = False,
    ) -> None:
        """Create a run that has not started."""
        self.config = config
        self.viewed = viewed
        self.log: RunLogWriter | None = None
        self.log_failure: str | None = None
        self.keep_when_ended = True
        self.source = source
        self.history = History()
        self.clock = RunClock()
        self.speed = TrainingSpeed()
        self.launched = False
        self.ended = threading.Event()
        self.summary: RunSummary | None = None
        self.error: BaseException | None = None
        self._on_record = on_record
        self._paused = False
        self._cancelled = threading.Event()
        self._shown_epoch = 0  # the epoch whose turn came last
        self.pace = pace if source.paced else None

    def emit(self, record: Record) -> None:
        """Store one record from the source; called on the source's thread.

        An epoch waits for its turn at the run's pace before its first record
        (its first StepBlock), while the run is paused, and not at all once it
        is cancelled.
        """
        if isinstance(record, StepBlock):
            self.speed.made(record.steps)
        if (
            self.pace is not None
            and isinstance(record, StepBlock | EpochEnd)
            and record.epoch != self._shown_epoch
        ):
            self._shown_epoch = record.epoch
            self.pace.wait_turn(self._cancelled, lambda: self._paused)
        self.history.record(record)
        if self._on_record is not None:
            self._on_record(self, record)
        self.speed.handed_over()

    @property
    def paused(self) -> bool:
        """Whether the run is held."""
        return self._paused

    def pause(self, paused: bool) -> None:
        """Hold or release the run and its clock."""
        self._paused = paused
        self.source.pause(paused)
        if paused:
            self.clock.pause()
        else:
            self.clock.resume()

    def cancel(self) -> None:
        """Ask the source to stop at its next check, and release a pause."""
        self._cancelled.set()
        self._paused = False
        self.source.stop()
        self.clock.stop()
