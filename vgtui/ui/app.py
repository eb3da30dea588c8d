"""The app: bindings, screens, and the bridge between the controller and the training worker.

Importing this module never imports TensorFlow: the engine is imported by the
worker when the first run starts, so the first frame is on screen meanwhile.
"""

from __future__ import annotations

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
from vgtui.ui.lab import settings_commands
from vgtui.ui.messages import RunDiverged, RunEnded, RunFailed, RunStarted
from vgtui.ui.screens.error import ErrorScreen
from vgtui.ui.screens.monitor import MonitorScreen
from vgtui.ui.viewing import start_viewing, view_session

if TYPE_CHECKING:
    from vgtui.view.target import ViewTarget


class VgtuiApp(App[int]):
    """Trains one run at a time in a worker; the monitor screen draws it.

    Args:
        config: the first run's settings.
        source_factory: makes the source of a run; the built-in engine by default.
        show_timing: show steps per second and elapsed time (off for snapshots).
        pace: epochs a second a live run shows (None: as fast as it trains).
        logdir: where every run trained writes its run log (None: nowhere).
        view: runs to show instead of training (``vgtui view``); ``r`` may retrain.

    """

    # The default screen's style sheet is the app's: Textual loads a screen's
    # own CSS_PATH only when the screen is pushed.
    CSS_PATH = "screens/monitor.tcss"
    TITLE = "vgtui"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {settings_commands}
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
    ) -> None:
        super().__init__()
        factory = source_factory or engine_source
        self.controller = RunController(config, factory, self._heard, pace, logdir=logdir)
        self.show_timing = show_timing
        self.last_error: tuple[str, str] | None = None
        self.view_session = view_session(self.controller, view)

    def get_default_screen(self) -> Screen[None]:
        """The live monitor, under every other screen; styled once, for this terminal's size."""
        return self.monitor.update_classes(size_classes(self, self.monitor), update=False)

    @cached_property
    def monitor(self) -> MonitorScreen:
        """The live monitor screen."""
        return MonitorScreen(self.controller, show_timing=self.show_timing)

    def on_mount(self) -> None:
        """Start the first run once the first frame is drawn (and, viewing, watch for more)."""
        self.call_after_refresh(self.launch)
        if self.view_session is not None:
            start_viewing(self, self.view_session)

    def on_unmount(self) -> None:
        """Stop training (and viewing) when the app goes away."""
        self.controller.shutdown()
        if self.view_session is not None:
            self.view_session.close()

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
        if isinstance(record, RunStart):
            self.post_message(RunStarted(run, record))
        elif isinstance(record, EpochEnd) and record.diverged_step is not None:
            names = run.history.view().layer_names
            where = diverged_where(record.diverged_layer, names) or "loss"
            self.post_message(RunDiverged(run, record.diverged_step, where))

    @on(RunStarted)
    def _run_started(self) -> None:
        """Show the new run's device and first numbers at once."""
        self.monitor.redraw()

    @on(RunDiverged)
    def _run_diverged(self) -> None:
        """Show at once where the run diverged (the status line and the badge say it)."""
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

    def action_show_error(self) -> None:
        """Show the last error in full."""
        if self.last_error is None:
            self.notify("No error so far.", title="errors")
        elif not isinstance(self.screen, ErrorScreen):
            self.push_screen(ErrorScreen(*self.last_error))

    @on(RunEnded)
    def _run_ended(self, message: RunEnded) -> None:
        """Finalize and keep the run, go on with a sweep, and start the next run."""
        ended = self.controller.finish(message.run)
        if ended.log_problem:
            self.notify(ended.log_problem, title="run log", severity="error", timeout=8)
        if ended.sweep_done:
            self.notify("Sweep done: press c to compare.", title="sweep")
        self.launch()
        self.monitor.redraw()

    # Screens -------------------------------------------------------------

    def action_help(self) -> None:
        """Open the help screen (imported now: the first frame does without it)."""
        from vgtui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_compare(self) -> None:
        """Open the comparison screen of the kept runs (imported now, as help is)."""
        from vgtui.ui.screens.compare import CompareScreen

        if not isinstance(self.screen, CompareScreen):
            self.push_screen(CompareScreen(self.controller.kept))

    async def action_quit(self) -> None:
        """Stop training and leave."""
        self.controller.shutdown()
        self.exit(0)


def make_app(
    config: RunConfig | None = None, source_factory: SourceFactory | None = None, **options: Any
) -> VgtuiApp:
    """Return the app for ``config`` (the tutorial's defaults when None); options as VgtuiApp's."""
    return VgtuiApp(config or RunConfig(), source_factory, **options)
