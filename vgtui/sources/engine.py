"""The built-in engine as a run source: the tutorial's network, trained with TensorFlow.

TensorFlow is imported when the run starts, in the thread that runs it, never
when this module is imported: the app's first frame comes before it.
"""

from __future__ import annotations

from vgtui.config import RunConfig
from vgtui.records import Emit, RunSummary
from vgtui.sources import EventSource


class EngineSource(EventSource):
    """Trains ``config`` with the compiled engine; the compiled network is given back on close."""

    def __init__(self, config: RunConfig) -> None:
        """Prepare a run of ``config``; nothing is built until :meth:`start`."""
        super().__init__()
        self.config = config
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
            return trainer.run(emit, self.stopped, self.paused)
        finally:
            trainer.close()

    def close(self) -> None:
        """Give the compiled network back, if a run still holds it."""
        self._closed = True
        trainer, self._trainer = self._trainer, None
        if trainer is not None:
            trainer.close()  # type: ignore[attr-defined]


def engine_source(config: RunConfig) -> EngineSource:
    """The source factory of the built-in engine."""
    return EngineSource(config)
