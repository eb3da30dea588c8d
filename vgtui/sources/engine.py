"""The built-in engine as a run source: the tutorial's network, trained with TensorFlow.

TensorFlow is imported when the run starts, in the thread that runs it, never
when this module is imported: the app's first frame comes before it.
"""

from __future__ import annotations

import threading

from vgtui.config import RunConfig
from vgtui.records import Emit, Record, RunSummary, StepBlock
from vgtui.sources import EventSource

#: Set when the process is about to leave: compiling ahead stops between networks.
PREPARING_STOPS = threading.Event()


class EngineSource(EventSource):
    """Trains ``config`` with the compiled engine; the compiled network is given back on close.

    With ``prepare_next``, once its own run trains, the networks one key away
    are compiled in the background (:mod:`vgtui.engine.prepare`), so that the
    app's next run starts at once.
    """

    def __init__(self, config: RunConfig, prepare_next: bool = False) -> None:
        """Prepare a run of ``config``; nothing is built until :meth:`start`."""
        super().__init__()
        self.config = config
        self.prepare_next = prepare_next
        self._trainer: object | None = None
        self._closed = False

    def start(self, emit: Emit) -> RunSummary | None:
        """Build (or borrow) the compiled network and train; return the run's summary."""
        if self._closed:
            raise RuntimeError("this run source is closed")
        if self.stopped.is_set():
            return None
        self.phase = "loading TensorFlow"
        from vgtui.engine.trainer import Trainer

        self.phase = "building"  # the weights of a huge network take seconds to draw
        trainer = Trainer(self.config)
        self._trainer = trainer
        try:
            if self.stopped.is_set():
                return None
            self.phase = "compiling"  # and the loss before training, on all the data
            return trainer.run(self._preparing_next(emit), self.stopped, self.paused)
        finally:
            trainer.close()

    def _preparing_next(self, emit: Emit) -> Emit:
        """``emit``, which once the run's first steps are out starts compiling the next runs'."""
        if not self.prepare_next:
            return emit
        started = False

        def emit_then_prepare(record: Record) -> None:
            nonlocal started
            emit(record)
            if not started and isinstance(record, StepBlock):
                started = True
                from vgtui.engine.prepare import prepare_in_background

                prepare_in_background(self.config, PREPARING_STOPS)

        return emit_then_prepare

    def close(self) -> None:
        """Give the compiled network back, if a run still holds it."""
        self._closed = True
        trainer, self._trainer = self._trainer, None
        if trainer is not None:
            trainer.close()  # type: ignore[attr-defined]


def engine_source(config: RunConfig) -> EngineSource:
    """The source factory of the built-in engine."""
    return EngineSource(config)


def app_engine_source(config: RunConfig) -> EngineSource:
    """The source factory of the built-in engine in the app: the next runs compiled ahead."""
    return EngineSource(config, prepare_next=True)
