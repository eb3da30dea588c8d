"""The live monitor: bindings, the training worker and the redraw timer.

Importing this module never imports TensorFlow: the real engine is imported
by the worker (see :func:`vgtui.ui.run.engine_run_factory`), so the first
frame is on screen while TensorFlow loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from vgtui.config import ACTIVATIONS, INITIALIZERS, RunConfig, cycle
from vgtui.diagnosis import diagnose
from vgtui.history import HistoryView
from vgtui.records import RunSummary
from vgtui.ui.comparison import ComparisonMixin
from vgtui.ui.help_screen import HelpScreen
from vgtui.ui.pacer import Pacer
from vgtui.ui.run import Run, RunFactory, engine_run_factory
from vgtui.ui.run_store import RunStore
from vgtui.ui.sweep_queue import SweepQueue
from vgtui.ui.terminal import screen_to_ourselves
from vgtui.ui.widgets.heatmap import GradientHeatmap
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.loss_chart import LossChart
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import Status, StatusLine
from vgtui.ui.widgets.too_small import TooSmall
from vgtui.ui.widgets.verdict_badge import VerdictBadge

#: The smallest terminal the layout is drawn in; below it a note is shown.
MIN_WIDTH, MIN_HEIGHT = 60, 16
#: From this height on, layer rows are two lines tall.
TALL_HEIGHT = 40
#: From this width, the layer rows also show the previous run's gradient SD.
WIDE_WIDTH = 120
#: Redraw checks a second.
REFRESH_HZ = 10
#: Status-line redraws a second, at most, while a run goes on.
STATUS_HZ = 5
#: Layer-row redraws a second, at most, while a run goes on.
LAYERS_HZ = 2
#: Chart redraws a second, at most, while a run goes on.
CHART_HZ = 1
#: Verdict re-diagnoses a second, at most, while a run goes on.
VERDICT_HZ = 2
#: Seconds the thread switch interval is set to while the app runs, so that the
#: training thread gets the interpreter back soon after the screen has had it.
SWITCH_INTERVAL = 0.001
#: Seconds quitting waits for the training thread before leaving without it.
EXIT_GRACE = 0.5


class VgtuiApp(ComparisonMixin, App[int]):
    """Trains one network at a time in a worker and draws its gradients as they change.

    Args:
        config: the first run's settings.
        run_factory: makes the engine for a config; the real trainer by default.
        show_timing: show steps per second and elapsed time (off for snapshots).

    """

    CSS_PATH = "vgtui.tcss"
    TITLE = "vgtui"
    AUTO_FOCUS = None
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (MIN_WIDTH, "-normal"),
        (WIDE_WIDTH, "-wide"),
    ]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-short"),
        (MIN_HEIGHT, "-normal"),
        (TALL_HEIGHT, "-tall"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Help and quit first, so that a narrow footer still shows them.
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
        Binding("a", "activation(1)", "activation"),
        Binding("A", "activation(-1)", "prev activation", show=False),
        Binding("i", "init(1)", "init"),
        Binding("I", "init(-1)", "prev init", show=False),
        Binding("r", "restart", "restart"),
        Binding("p,space", "pause", "pause"),
        Binding("l", "scale", "log/lin"),
        Binding("w", "weights", "grad/weights"),
        Binding("h", "heatmap", "heatmap"),
        Binding("s", "sweep('activation')", "sweep"),
        Binding("S", "sweep('init')", "sweep inits", show=False),
        Binding("c", "compare", "compare"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]

    def __init__(
        self,
        config: RunConfig,
        run_factory: RunFactory | None = None,
        *,
        show_timing: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.run_factory: RunFactory = run_factory or engine_run_factory
        self.show_timing = show_timing
        self.log_scale = True
        self.weight_view = False
        self.heatmap_toggled = False
        self.device: str | None = None
        self.engine_seen = False
        self.run_state = Run(config)
        self._training: Run | None = None
        self.run_store = RunStore()
        self.sweep = SweepQueue()
        self._seen: tuple[object, object] = (None, None)
        self._layers_pacer = Pacer(LAYERS_HZ)
        self._chart_pacer = Pacer(CHART_HZ)
        self._verdict_pacer = Pacer(VERDICT_HZ)
        self._status_pacer = Pacer(STATUS_HZ)
        self._timer: Timer | None = None
        self._note_pacer = Pacer(REFRESH_HZ)
        self._last_view: HistoryView = self.run_state.history.view()

    def compose(self) -> ComposeResult:
        """Header, layer rows and chart, status line, the too-small note, footer."""
        yield RunHeader(id="header")
        yield VerdictBadge(id="verdict")
        with Vertical(id="main"):
            yield LayerPanel(self.config.layer_names, id="layers")
            yield GradientHeatmap(len(self.config.layer_names), id="heatmap")
            yield LossChart(id="chart")
        yield StatusLine(id="status")
        yield TooSmall(id="too-small")
        yield Footer(id="footer", compact=True)

    def on_mount(self) -> None:
        """Show the first frame, start the first run and the redraw timer."""
        self.header_line = self.query_one(RunHeader)
        self.verdict_badge = self.query_one(VerdictBadge)
        self.layer_panel = self.query_one(LayerPanel)
        self.gradient_heatmap = self.query_one(GradientHeatmap)
        self.loss_chart = self.query_one(LossChart)
        self.status_line = self.query_one(StatusLine)
        self.too_small = self.query_one(TooSmall)
        self.header_line.show(self.config, None)
        self.redraw()
        self._launch(self.run_state)
        self._timer = self.set_interval(1 / REFRESH_HZ, self.redraw)

    def on_unmount(self) -> None:
        """Stop training and redrawing when the app goes away."""
        if self._timer is not None:
            self._timer.stop()
        self.run_state.cancel()

    # Runs ---------------------------------------------------------------

    def _launch(self, run: Run) -> None:
        """Start ``run`` in the worker, unless another run still holds the engine."""
        if self._training is not None or run.launched:
            return
        run.launched = True
        self._training = run
        self._train(run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def _train(self, run: Run) -> RunSummary | None:
        """Build the engine for ``run`` and train it; runs on a worker thread."""
        try:
            if run.stop.is_set():
                return None
            engine = self.run_factory(run.config)
            if run.stop.is_set():
                return None
            return engine.run(run.emit, run.stop, run.pause)
        finally:
            run.ended.set()

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        """Note failures, and start the waiting run once the engine is free."""
        worker = event.worker
        if worker.group != "train" or not worker.is_finished:
            return
        finished = self._training
        self._training = None
        if finished is not None:
            finished.clock.stop()
            if event.state == WorkerState.ERROR and finished is self.run_state:
                error = worker.error
                message = f"{type(error).__name__}: {error}"
                finished.history.set_state("failed", message)
                self.notify(message, title="Training failed", severity="error", timeout=8)
        if finished is not None:
            self.keep_run(finished)
        if not self.run_state.launched:
            self._launch(self.run_state)

    def restart(self, config: RunConfig, *, sweeping: bool = False) -> None:
        """Cancel the current run and start one with ``config``.

        The new run waits until the old worker has returned, so there is never
        more than one training thread.
        """
        if not sweeping:
            self.cancel_sweep()
        self.remember_previous(self.run_state)
        self.run_state.cancel()
        self.config = config
        self.run_state = Run(config)
        self.header_line.show(config, self.device)
        self.redraw()
        self._launch(self.run_state)

    def stop_training(self) -> threading.Event | None:
        """Cancel the current run; return the event set when training has ended, if any."""
        self.run_state.cancel()
        run = self._training
        return run.ended if run is not None else None

    # Actions -------------------------------------------------------------

    def action_activation(self, step: int) -> None:
        """Switch to the next (1) or previous (-1) activation and restart."""
        activation = cycle(ACTIVATIONS, self.config.activation, step)
        self.restart(self.config.replace(activation=activation))

    def action_init(self, step: int) -> None:
        """Switch to the next (1) or previous (-1) initializer and restart."""
        self.restart(self.config.replace(init=cycle(INITIALIZERS, self.config.init, step)))

    def action_restart(self) -> None:
        """Restart with the same settings."""
        self.restart(self.config)

    def action_pause(self) -> None:
        """Pause or resume training."""
        run = self.run_state
        if run.history.view().state not in ("loading", "training"):
            return
        if run.pause.is_set():
            run.pause.clear()
            run.clock.resume()
        else:
            run.pause.set()
            run.clock.pause()
        self.redraw()

    def action_scale(self) -> None:
        """Toggle the gradient SD between a log10 and a linear scale."""
        self.log_scale = not self.log_scale
        self.redraw()

    def action_heatmap(self) -> None:
        """Switch between the layer rows and the gradient-flow heatmap."""
        self.heatmap_toggled = not self.heatmap_toggled
        self.redraw()

    def heatmap_shown(self) -> bool:
        """Whether the heatmap stands in for the layer rows: they do not fit, or ``h``."""
        height = self.size.height
        row_lines = 2 if height >= TALL_HEIGHT else 1
        needed = 1 + len(self.config.layer_names) * row_lines
        room = int((height - 4) * 0.6)  # header, verdict, status and footer; 60% of the rest
        return (needed > room) != self.heatmap_toggled

    def action_weights(self) -> None:
        """Switch the layer rows between the gradients and the weights (kernel mean, SD)."""
        self.weight_view = not self.weight_view
        self.redraw()

    def action_help(self) -> None:
        """Open the help screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Stop training and leave."""
        self.run_state.cancel()
        self.exit(0)

    # Drawing -------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw whatever part of the screen the history has changed, at its pace.

        The timer calls this REFRESH_HZ times a second. The layer rows are
        redrawn at most LAYERS_HZ and the chart at most CHART_HZ times a
        second while a run goes on, at once after a key press or when a run
        ends; the status line whenever its text changes.
        """
        run = self.run_state
        size = self.size
        if size.width < MIN_WIDTH or size.height < MIN_HEIGHT:
            if self._note_pacer.due(size, urgent=True):
                self.too_small.show(size.width, size.height, MIN_WIDTH, MIN_HEIGHT)
            return
        version = run.history.version
        heat = self.heatmap_shown()
        settings = (id(run), self.log_scale, self.weight_view, heat, size, run.pause.is_set())
        if (version, settings) == self._seen:
            if self.show_timing:
                self._show_status(run, self._last_view, urgent=False)
            return
        view = run.history.view()
        first_epoch = view.latest is not None and view.latest.epoch == 1
        urgent = (
            settings != self._seen[1]
            or view.state in ("done", "stopped", "failed")
            or first_epoch  # a new run's first numbers go on screen at once
        )
        self._seen = (version, settings)
        chart_key = (view.version, id(run), size)
        if self._chart_pacer.due(chart_key, urgent):
            self.loss_chart.show(
                view.epoch_x, view.epoch_loss, view.epoch_accuracy, run.config.epochs
            )
        layers_key = (view.version, settings)
        if self._layers_pacer.due(layers_key, urgent):
            self.layer_panel.display = not heat
            self.gradient_heatmap.display = heat
            if heat:
                self.gradient_heatmap.show(view, run.config.total_steps)
            else:
                complete = self.layer_panel.show(
                    view, run.config.total_steps, self.log_scale, weights=self.weight_view
                )
                if not complete:
                    self._layers_pacer.forget()  # not laid out yet: try again next tick
        verdict_key = (view.version, id(run))
        if self._verdict_pacer.due(verdict_key, urgent):
            self.verdict_badge.show(*diagnose(view))
        self.engine_seen = self.engine_seen or view.start is not None
        if view.start is not None and view.start.device != self.device:
            self.device = view.start.device
            self.header_line.show(self.config, self.device)
        run.clock.observe(view.steps_done)
        if view.state in ("done", "stopped", "failed"):
            run.clock.stop()
        self._last_view = view
        shown = self._show_status(run, view, urgent)
        drawn = (self._chart_pacer.key, self._layers_pacer.key, self._verdict_pacer.key)
        if not shown or drawn != (chart_key, layers_key, verdict_key):
            self._seen = (None, settings)  # something is behind: come back next tick

    def _show_status(self, run: Run, view: HistoryView, urgent: bool) -> bool:
        """Update the status line at its pace; return whether it is up to date."""
        status = self._status(run, view)
        if self._status_pacer.due(status, urgent) or self._status_pacer.key == status:
            self.status_line.show(status)
            return True
        return False

    def _status(self, run: Run, view: HistoryView) -> Status:
        """Return what the status line says about ``run``."""
        config = run.config
        state = view.state
        if state == "loading":
            state = "building" if self.engine_seen else "loading TensorFlow"
        elif state == "training" and view.latest is None:
            state = "compiling"
        if run.pause.is_set() and view.state in ("loading", "training"):
            state = "paused"
        diverged = _diverged_at(view)
        if diverged:
            state = diverged
        latest = view.latest
        detail = view.error if view.state == "failed" and view.error else ""
        done = view.summary is not None and view.state == "done"
        loss, accuracy = (latest.loss, latest.accuracy) if latest else (None, None)
        if diverged and view.summary is not None:
            # The diverged epoch was not evaluated: show the last finite one's.
            loss, accuracy = view.summary.final_loss, view.summary.accuracy_after
        return Status(
            state=state,
            epoch=latest.epoch if latest else 0,
            epochs=config.epochs,
            step=view.steps_done,
            steps=config.total_steps,
            rate=_rounded(run.clock.rate) if self.show_timing else None,
            elapsed=float(int(run.clock.elapsed)) if self.show_timing else None,
            accuracy=accuracy,
            accuracy_before=view.summary.accuracy_before if done and view.summary else None,
            loss=loss,
            detail=detail,
        )


def _diverged_at(view: HistoryView) -> str:
    """Return "diverged at step N (layer)" once the run has diverged, else ""."""
    latest = view.latest
    if latest is None or latest.diverged_step is None:
        return ""
    code = latest.diverged_layer
    names = view.start.layer_names if view.start else ()
    if code is None or code < 0:
        layer = "loss"
    elif code < len(names):
        layer = names[code]
    else:
        layer = f"layer {code + 1}"
    return f"diverged at step {latest.diverged_step} ({layer})"


def _rounded(rate: float | None) -> float | None:
    """Round a rate to two significant figures, so that it does not flicker."""
    if rate is None or rate <= 0:
        return rate
    return float(f"{rate:.2g}")


def make_app(
    config: RunConfig | None = None,
    run_factory: RunFactory | None = None,
    *,
    show_timing: bool = True,
) -> VgtuiApp:
    """Return the app for ``config`` (the tutorial's defaults when None)."""
    return VgtuiApp(config or RunConfig(), run_factory, show_timing=show_timing)


def run_app(config: RunConfig, *, exit_process: bool = True) -> int:
    """Run the monitor in this terminal until the user quits; return the exit status.

    SIGHUP and SIGTERM quit like ``q``. Log lines that libraries write to
    descriptor 2 meanwhile are discarded.

    Args:
        config: the first run's settings.
        exit_process: once the terminal is restored, end the process at once
            with the exit status instead of returning, skipping TensorFlow's
            interpreter teardown (about a second). Without it, a training
            thread that cannot stop promptly (it may be importing TensorFlow)
            still ends the process.

    """
    app = make_app(config)
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, app.exit, 128 + signum)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with screen_to_ourselves():
            app.run(loop=loop)
    except BaseException:
        app.stop_training()
        raise
    finally:
        sys.setswitchinterval(switch_interval)
    status = app.return_code or 0
    ended = app.stop_training()
    if exit_process or (ended is not None and not ended.wait(EXIT_GRACE)):
        _leave_now(status)
    with contextlib.suppress(Exception):
        loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    return status


def _leave_now(status: int) -> None:
    """End the process at once, without waiting for a thread that cannot be stopped."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
