"""The built-in engine as a run source: the tutorial's network, trained with TensorFlow.

TensorFlow is imported when the run starts, in the thread that runs it, never
when this module is imported: the app's first frame comes before it.

The app's runs count per-layer histograms (every 100th step: see
:func:`vgtui.engine.trainer.histogram_every`), so that its distribution
screen has them; a headless run counts them when asked (``--histograms``,
``--logdir``, ``--preset glorot2010``: see :mod:`vgtui.cli.run`).
"""

from __future__ import annotations

import threading

from vgtui.config import RunConfig
from vgtui.records import Emit, Record, RunSummary, StepBlock
from vgtui.sources import EventSource, SourceFactory

#: Set when the process is about to leave: compiling ahead stops between networks.
PREPARING_STOPS = threading.Event()


class EngineSource(EventSource):
    """Trains ``config`` with the compiled engine; the compiled network is given back on close.

    Once its own run trains, the networks of the runs ``coming`` after it (a
    sweep's) are compiled in the background (:mod:`vgtui.engine.prepare`), and
    with ``prepare_next`` those one key away too, so that the next run starts
    at once. ``histograms`` is the Trainer's: True counts per-layer histograms
    every 100th step (the run's header says the stride), a number every that
    many steps, False none. ``boundary``: each
    epoch's decision boundary is evaluated (the app shows it; a headless run
    has no use for it, and its steps are about 15% quicker without).
    """

    def __init__(
        self,
        config: RunConfig,
        prepare_next: bool = False,
        histograms: bool | int = False,
        boundary: bool = True,
    ) -> None:
        """Prepare a run of ``config``; nothing is built until :meth:`start`."""
        super().__init__()
        self.config = config
        self.prepare_next = prepare_next
        self.histograms = histograms
        self.boundary = boundary
        self._trainer: object | None = None
        self._closed = False

    def start(self, emit: Emit) -> RunSummary | None:
        """Build (or borrow) the compiled network and train; return the run's summary."""
        if self._closed:
            raise RuntimeError("this run source is closed")
        if self.stopped.is_set():
            return None
        self.phase = "loading TensorFlow"
        from vgtui.engine.prepare import steps_of_shape
        from vgtui.engine.trainer import Trainer

        self.phase = "building"  # the weights of a huge network take seconds to draw
        trainer = Trainer(
            self.config,
            boundary=self.boundary,
            histograms=self.histograms,
            steps_after=steps_of_shape(self.config, self.coming),
        )
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
        if not self.prepare_next and not self.coming:
            return emit
        started = False

        def emit_then_prepare(record: Record) -> None:
            nonlocal started
            emit(record)
            if not started and isinstance(record, StepBlock):
                started = True
                from vgtui.engine.prepare import ahead_of, prepare_in_background

                ahead = ahead_of(self.config, self.coming, self.prepare_next)
                if ahead:
                    prepare_in_background(
                        ahead, PREPARING_STOPS, self.histograms, self.boundary, self.coming
                    )

        return emit_then_prepare

    def close(self) -> None:
        """Give the compiled network back, if a run still holds it."""
        self._closed = True
        trainer, self._trainer = self._trainer, None
        if trainer is not None:
            trainer.close()  # type: ignore[attr-defined]


def engine_source(config: RunConfig) -> EngineSource:
    """The source factory of the built-in engine (no histograms; the boundary evaluated)."""
    return EngineSource(config)


def app_engine_source(config: RunConfig) -> EngineSource:
    """The source factory of the built-in engine in the app: the next runs compiled ahead.

    Its runs count histograms every 100th step, for the distribution screen.
    """
    return EngineSource(config, prepare_next=True, histograms=True)


def engine_sources(histograms: bool | int, app: bool = False) -> SourceFactory:
    """A source factory of the built-in engine whose runs count ``histograms`` (see EngineSource).

    ``app``: the app's (the next runs compiled ahead, with the same histograms;
    the decision boundary evaluated, to be shown); otherwise no boundary is evaluated.
    """

    def factory(config: RunConfig) -> EngineSource:
        return EngineSource(config, prepare_next=app, histograms=histograms, boundary=app)

    return factory
