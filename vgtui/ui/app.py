"""The app: the run controller, the training worker, and the screens over the monitor.

Thin: it pushes screens (by name, from :mod:`vgtui.ui.screen_table`), trains
the current run in a worker, and forwards a run's life to the monitor. The
monitor and the other screens ask it for things by posting messages; it
never waits on them.

Importing this module never imports TensorFlow: the engine is imported by the
worker when the first run starts, so the first frame is on screen meanwhile.
"""

from __future__ import annotations

import weakref
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from vgtui.config import RunConfig
from vgtui.records import EpochEnd, Record, RunStart, diverged_where
from vgtui.session.controller import RunController
from vgtui.session.run import Run
from vgtui.sources import SourceFactory
from vgtui.sources.engine import engine_source
from vgtui.ui.breakpoints import size_classes
from vgtui.ui.messages import (
    OpenScreen,
    RunDiverged,
    RunEnded,
    RunFailed,
    RunLogFailed,
    RunStarted,
    TrainCurrent,
)
from vgtui.ui.monitor.gate import ActionGate
from vgtui.ui.monitor.screen import MonitorScreen
from vgtui.ui.screen_table import SCREENS, ScreenContext

if TYPE_CHECKING:
    from vgtui.view.session import ViewSession
    from vgtui.view.target import ViewTarget

#: Seconds between looks for a newer log while viewing a directory.
VIEW_POLL = 0.25
#: Epochs a second the tutorial's three runs are shown at: the three in about 6 seconds, so
#: that with TensorFlow's import (10 to 20 s) the story is on screen within 30 seconds.
TOUR_PACE = 60.0


class VgtuiApp(App[int]):
    """Trains one run at a time in a worker; the monitor screen draws it.

    Args:
        config: the first run's settings.
        source_factory: makes the source of a run; the built-in engine by default.
        show_timing: show steps per second and elapsed time (off for snapshots).
        pace: epochs a second a live run shows (None: as fast as it trains).
        logdir: where every run trained writes its run log (None: nowhere).
        view: runs to show instead of training (``vgtui view``); ``r`` may retrain.
        tour: begin with the tutorial's three runs (sigmoid, tanh, relu), shown at TOUR_PACE.
        monitor_options: more options of the monitor screen (its clocks, for snapshots).

    """

    # The default screen's style sheet is the app's: Textual loads a screen's
    # own CSS_PATH only when the screen is pushed.
    CSS_PATH = "monitor/monitor.tcss"
    TITLE = "vgtui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+c", "quit", "quit", show=False, priority=True, tooltip="quit, from any screen"
        ),
    ]

    def __init__(
        self,
        config: RunConfig,
        source_factory: SourceFactory | None = None,
        *,
        show_timing: bool = True,
        pace: float | None = None,
        logdir: Path | None = None,
        view: ViewTarget | None = None,
        tour: bool = False,
        monitor_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        factory = source_factory or engine_source
        self.controller = RunController(config, factory, self._heard, pace, logdir=logdir)
        self.show_timing = show_timing
        self.tour = tour and view is None
        self.pace_after_tour = pace
        self.monitor_options = monitor_options or {}
        self.last_error: tuple[str, str] | None = None
        self._log_failures_told: weakref.WeakSet[Run] = weakref.WeakSet()
        self.view_session = _view_session(self.controller, view)

    def get_default_screen(self) -> Screen[None]:
        """The live monitor, under every other screen; styled once, for this terminal's size."""
        return self.monitor.update_classes(size_classes(self, self.monitor), update=False)

    @cached_property
    def monitor(self) -> MonitorScreen:
        """The live monitor screen."""
        gate = ActionGate(self.controller, self.view_session)
        return MonitorScreen(
            self.controller,
            gate,
            show_timing=self.show_timing,
            tour=self.tour,
            **self.monitor_options,
        )

    def on_mount(self) -> None:
        """Start the first run once the first frame is drawn (and, viewing, watch for more)."""
        if self.tour:
            self.controller.start_sweep("activation")
            self.controller.set_pace(TOUR_PACE if self.pace_after_tour is not None else None)
        self.call_after_refresh(self.launch)
        if self.view_session is not None:
            self.view_session.start()
            self.set_interval(VIEW_POLL, self._poll_view)

    def on_unmount(self) -> None:
        """Stop training (and viewing) when the app goes away."""
        self.controller.shutdown()
        if self.view_session is not None:
            self.view_session.close()

    def _poll_view(self) -> None:
        """Say what could not be read, and show a newer log when one appears."""
        assert self.view_session is not None
        for note in self.view_session.notes():
            self.notify(note, title="not shown", severity="warning", timeout=8)
        if self.view_session.poll():
            self.launch()
            self.monitor.redraw()

    # The worker bridge ----------------------------------------------------

    def launch(self) -> None:
        """Train the current run in the worker, unless another run still trains."""
        run = self.controller.claim()
        if run is not None:
            self._train(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def _train(self, run: Run) -> Run:
        """Train ``run`` in this worker thread; the controller closes its source after."""
        self.controller.train(run)
        return run

    def _heard(self, run: Run, record: Record) -> None:
        """Turn a run's start and divergence into messages; called on the worker thread."""
        if run.log_failure is not None and run not in self._log_failures_told:
            self._log_failures_told.add(run)
            self.post_message(RunLogFailed(run, run.log_failure))
        if isinstance(record, RunStart):
            self.post_message(RunStarted(run, record))
        elif isinstance(record, EpochEnd) and record.diverged_step is not None:
            names = run.history.view().layer_names
            where = diverged_where(record.diverged_layer, names) or "loss"
            self.post_message(RunDiverged(run, record.diverged_step, where))

    @on(RunLogFailed)
    def _run_log_failed(self, message: RunLogFailed) -> None:
        """Say once that the run's log stopped; the run trains on."""
        self.notify(message.problem, title="run log", severity="error", timeout=10)

    @on(TrainCurrent)
    def _train_current(self) -> None:
        """A screen made a new current run: train it when the engine is free."""
        self.launch()

    @on(RunStarted)
    @on(RunDiverged)
    def _run_changed(self) -> None:
        """Show a new run's device and first numbers, or where it diverged, at once."""
        self.monitor.redraw()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        """Route the training worker's end to RunEnded or RunFailed."""
        worker = event.worker
        run = self.controller.training
        if worker.group != "train" or not worker.is_finished or run is None:
            return
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.post_message(RunFailed(run, worker.error))
        else:
            self.post_message(RunEnded(run))

    @on(RunFailed)
    def _run_failed(self, message: RunFailed) -> None:
        """Say why the run failed, then end it as any other."""
        if message.run is self.controller.current:
            error = message.error
            text = f"{type(error).__name__}: {error}"
            self.last_error = (text, getattr(error, "details", ""))
            more = " (L shows the traceback)" if self.last_error[1] else ""
            self.notify(text + more, title="Training failed", severity="error", timeout=10)
        self._run_ended(RunEnded(message.run))

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        """Finalize and keep the run, go on with a sweep, and start the next run."""
        ended = self.controller.finish(message.run)
        if ended.log_problem and ended.log_problem != message.run.log_failure:
            self.notify(ended.log_problem, title="run log", severity="error", timeout=8)
        if ended.sweep_done and self.tour:
            self.tour = False
            self.controller.set_pace(self.pace_after_tour)
            self.notify(
                "The tutorial's three runs are done: c compares them in full.", title="tour"
            )
        elif ended.sweep_done:
            self.notify("Sweep done: press c to compare.", title="sweep")
        self.launch()
        self.monitor.redraw()

    # Screens -------------------------------------------------------------

    @on(OpenScreen)
    def _open_screen(self, message: OpenScreen) -> None:
        """Open the screen a screen asked for."""
        self.action_open(message.screen_name, message.argument)

    def action_open(self, name: str, argument: str | None = None) -> None:
        """Open the screen ``name`` of the screen table (once: not over itself)."""
        entry = SCREENS[name]
        context = ScreenContext(
            controller=self.controller,
            monitor_bindings=[*type(self.monitor).BINDINGS, *self.BINDINGS],
            applies=self.monitor.applies,
            apply_settings=self.monitor.apply_settings,
            last_error=self.last_error,
        )
        opened = entry.make(context, argument)
        if isinstance(opened, str):
            self.notify(opened, title=entry.description)
        elif type(self.screen) is not type(opened):
            self.push_screen(opened, entry.done(context) if entry.done else None)

    async def action_quit(self) -> None:
        """Stop training and leave."""
        self.controller.shutdown()
        self.exit(0)


def _view_session(controller: RunController, view: ViewTarget | None) -> ViewSession | None:
    """The session that shows ``view`` (None: the app trains instead).

    The view modules are imported only here: the live app's first frame does without them.
    """
    if view is None:
        return None
    from vgtui.view.session import ViewSession

    return ViewSession(controller, view)


def make_app(
    config: RunConfig | None = None, source_factory: SourceFactory | None = None, **options: Any
) -> VgtuiApp:
    """Return the app for ``config`` (the tutorial's defaults when None); options as VgtuiApp's."""
    return VgtuiApp(config or RunConfig(), source_factory, **options)
