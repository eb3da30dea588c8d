"""The live monitor: header, verdict, layer rows or heatmap, loss chart, status line.

It reads the current run's bounded history on a timer and redraws each part
at its own pace; it never hears of single training steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer

from vgtui.controller import RunController
from vgtui.diagnosis import diagnose
from vgtui.display.pacing import Pacer
from vgtui.history import HistoryView
from vgtui.records import diverged_where
from vgtui.run import Run
from vgtui.ui.widgets.heatmap import GradientHeatmap
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import Status, StatusLine
from vgtui.ui.widgets.too_small import TooSmall
from vgtui.ui.widgets.verdict_badge import VerdictBadge

if TYPE_CHECKING:
    from vgtui.ui.app import VgtuiApp
    from vgtui.ui.widgets.loss_chart import LossChart

#: The smallest terminal the layout is drawn in; below it a note is shown.
MIN_WIDTH, MIN_HEIGHT = 60, 16
#: From this height on, layer rows are two lines tall.
TALL_HEIGHT = 40
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

SWEEP_GROUP = Binding.Group("sweep")
#: What ``s`` and ``S`` sweep, in words.
SWEEP_NAMES = {"activation": "activations", "init": "initializers"}


class MonitorScreen(Screen[None]):
    """The current run, drawn from its history; the keys that change runs and views."""

    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        # In order of importance: a narrow footer shows the first ones.
        Binding(
            "question_mark", "app.help", "help", tooltip="help: the keys, and how to read them"
        ),
        Binding("q", "app.quit", "quit", tooltip="quit"),
        Binding(
            "a",
            "cycle('activation', 1)",
            "activation",
            tooltip="next / previous activation, and restart",
            group=Binding.Group("activation"),
        ),
        Binding(
            "A",
            "cycle('activation', -1)",
            "activation",
            show=False,
            tooltip="previous activation, and restart",
            group=Binding.Group("activation"),
        ),
        Binding(
            "i",
            "cycle('init', 1)",
            "init",
            tooltip="next / previous weight initializer, and restart",
            group=Binding.Group("init"),
        ),
        Binding(
            "I",
            "cycle('init', -1)",
            "init",
            show=False,
            tooltip="previous weight initializer, and restart",
            group=Binding.Group("init"),
        ),
        Binding(
            "s",
            "sweep('activation')",
            "sweep",
            tooltip="sweep: train this network with sigmoid, tanh and relu / normal, "
            "glorot_uniform and he_normal in turn, same seed and data (a switch key cancels)",
            group=SWEEP_GROUP,
        ),
        Binding(
            "S",
            "sweep('init')",
            "sweep inits",
            show=False,
            tooltip="sweep initializers: normal, glorot_uniform, he_normal in turn",
            group=SWEEP_GROUP,
        ),
        Binding(
            "c",
            "app.compare",
            "compare",
            tooltip="compare the kept runs (every run is kept when it ends or is switched)",
        ),
        Binding("r", "restart", "restart", tooltip="restart with the same settings"),
        Binding("p,space", "pause", "pause", tooltip="pause / resume training"),
        Binding("l", "scale", "log/lin", tooltip="gradient SD on a log10 / linear scale"),
        Binding(
            "w",
            "weights",
            "grad/weights",
            tooltip="layer rows: gradients / weights (kernel mean and SD)",
        ),
        Binding(
            "h",
            "heatmap",
            "heatmap",
            tooltip="gradient-flow heatmap / layer rows; the heatmap comes on by itself when "
            "the rows do not fit. Dark = vanishing",
        ),
    ]

    def __init__(self, controller: RunController, *, show_timing: bool = True) -> None:
        """Watch the runs of ``controller``; ``show_timing`` off keeps clocks off screen."""
        super().__init__()
        self.controller = controller
        self.show_timing = show_timing
        self.log_scale = True
        self.weight_view = False
        self.heatmap_toggled = False
        self.device: str | None = None
        self.engine_seen = False
        self._seen: tuple[object, object] = (None, None)
        self._layers_pacer = Pacer(LAYERS_HZ)
        self._chart_pacer = Pacer(CHART_HZ)
        self._verdict_pacer = Pacer(VERDICT_HZ)
        self._status_pacer = Pacer(STATUS_HZ)
        self._note_pacer = Pacer(REFRESH_HZ)
        self._timer: Timer | None = None
        self._chart: LossChart | None = None  # mounted after the first frame
        self._last_view: HistoryView = controller.current.history.view()

    @property
    def vgtui(self) -> VgtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def run(self) -> Run:
        """The run on screen: the controller's current run."""
        return self.controller.current

    def compose(self) -> ComposeResult:
        """Header, verdict, layer rows (or heatmap) and chart, status line, footer."""
        names = self.controller.config.layer_names
        yield RunHeader(id="header")
        yield VerdictBadge(id="verdict")
        with Vertical(id="main"):
            yield LayerPanel(names, id="layers")
            yield GradientHeatmap(len(names), id="heatmap")
            yield Widget(id="chart")  # the loss chart's place; see _mount_chart
        yield StatusLine(id="status")
        yield TooSmall(id="too-small")
        yield Footer(id="footer", compact=True)

    def on_mount(self) -> None:
        """Draw the first frame and start the redraw timer; the chart comes after the frame."""
        self.redraw()
        self._timer = self.set_interval(1 / REFRESH_HZ, self.redraw)
        self.call_after_refresh(self._mount_chart)

    async def _mount_chart(self) -> None:
        """Put the loss chart in its place.

        Done after the first frame: plotext, which draws the chart, is the
        largest import the screen has, and an empty chart says nothing yet.
        """
        from vgtui.ui.widgets.loss_chart import LossChart

        await self.query_one("#chart").remove()
        self._chart = LossChart(id="chart")
        await self.query_one("#main", Vertical).mount(self._chart)
        self.call_after_refresh(self.redraw)

    # Keys ----------------------------------------------------------------

    def action_cycle(self, field: str, step: int) -> None:
        """Switch to the next (1) or previous (-1) activation or initializer, and restart."""
        self.controller.cycle(field, step)
        self.restarted()

    def action_restart(self) -> None:
        """Restart with the same settings."""
        self.controller.restart()
        self.restarted()

    def action_sweep(self, field: str) -> None:
        """Train the current network once with each default value of ``field``, in turn."""
        self.controller.start_sweep(field)
        configs = [self.controller.current.config, *self.controller.sweep.pending]
        values = ", ".join(str(getattr(c, field)) for c in configs)
        self.notify(f"Sweeping {SWEEP_NAMES[field]}: {values}.", title="sweep")
        self.restarted()

    def action_pause(self) -> None:
        """Pause or resume training."""
        self.controller.toggle_pause()
        self.redraw()

    def action_scale(self) -> None:
        """Toggle the gradient SD between a log10 and a linear scale."""
        self.log_scale = not self.log_scale
        self.redraw()

    def action_heatmap(self) -> None:
        """Switch between the layer rows and the gradient-flow heatmap."""
        self.heatmap_toggled = not self.heatmap_toggled
        self.redraw()

    def action_weights(self) -> None:
        """Switch the layer rows between the gradients and the weights (kernel mean, SD)."""
        self.weight_view = not self.weight_view
        self.redraw()

    def restarted(self) -> None:
        """A new current run: launch it when the engine is free, and show it at once."""
        self.vgtui.launch()
        self.redraw()

    # Drawing -------------------------------------------------------------

    def heatmap_shown(self) -> bool:
        """Whether the heatmap stands in for the layer rows: they do not fit, or ``h``."""
        height = self.size.height
        row_lines = 2 if height >= TALL_HEIGHT else 1
        needed = 1 + len(self.controller.config.layer_names) * row_lines
        room = int((height - 4) * 0.6)  # header, verdict, status and footer; 60% of the rest
        return (needed > room) != self.heatmap_toggled

    def redraw(self) -> None:
        """Redraw whatever part of the screen the history has changed, at its pace.

        The timer calls this REFRESH_HZ times a second. The layer rows are
        redrawn at most LAYERS_HZ and the chart at most CHART_HZ times a
        second while a run goes on, at once after a key press or when a run
        ends; the status line whenever its text changes.
        """
        run = self.run
        self.query_one(RunHeader).show(run.config, self.device)
        size = self.size
        if size.width < MIN_WIDTH or size.height < MIN_HEIGHT:
            if self._note_pacer.due(size, urgent=True):
                self.query_one(TooSmall).show(size.width, size.height, MIN_WIDTH, MIN_HEIGHT)
            return
        version = run.history.version
        heat = self.heatmap_shown()
        previous = self.controller.previous
        settings = (
            id(run),
            self.log_scale,
            self.weight_view,
            heat,
            size,
            run.paused,
            previous.number if previous else None,
        )
        if (version, settings) == self._seen:
            if self.show_timing:
                self._show_status(run, self._last_view, urgent=False)
            return
        view = run.history.view()
        first_epoch = view.latest is not None and view.latest.epoch == 1
        urgent = settings != self._seen[1] or view.ended or first_epoch
        self._seen = (version, settings)
        total_steps = run.config.total_steps if run.config else max(view.steps_done, 1)
        epochs = run.config.epochs if run.config else max(len(view.epoch_x), 1)
        chart_key = (view.version, id(run), size, settings[-1])
        chart = self._chart if self._chart is not None and self._chart.size.width else None
        if chart is not None and self._chart_pacer.due(chart_key, urgent):
            before = None
            if previous is not None:
                before = (previous.view.epoch_x, previous.view.epoch_loss)
            chart.show(view.epoch_x, view.epoch_loss, view.epoch_accuracy, epochs, before)
        layers_key = (view.version, settings)
        if self._layers_pacer.due(layers_key, urgent):
            self._draw_layers(view, total_steps, heat)
        verdict_key = (view.version, id(run))
        if self._verdict_pacer.due(verdict_key, urgent):
            self.query_one(VerdictBadge).show(*diagnose(view))
        self.engine_seen = self.engine_seen or view.start is not None
        if view.start is not None:
            self.device = view.start.device
        run.clock.observe(view.steps_done)
        if view.ended:
            run.clock.stop()
        self._last_view = view
        shown = self._show_status(run, view, urgent)
        drawn = (self._chart_pacer.key, self._layers_pacer.key, self._verdict_pacer.key)
        if not shown or drawn != (chart_key, layers_key, verdict_key):
            self._seen = (None, settings)  # something is behind: come back next tick

    def _draw_layers(self, view: HistoryView, total_steps: int, heat: bool) -> None:
        """Draw the layer rows or the heatmap."""
        panel = self.query_one(LayerPanel)
        heatmap = self.query_one(GradientHeatmap)
        panel.display = not heat
        heatmap.display = heat
        if heat:
            heatmap.show(view, total_steps)
            return
        previous = self.controller.previous
        means = None
        if previous is not None and len(previous.view.epoch_stats):
            means = previous.view.epoch_stats[-1]
        panel.set_previous(means, previous.label if previous else "")
        if not panel.show(view, total_steps, self.log_scale, weights=self.weight_view):
            self._layers_pacer.forget()  # not laid out yet: try again next tick

    def _show_status(self, run: Run, view: HistoryView, urgent: bool) -> bool:
        """Update the status line at its pace; return whether it is up to date."""
        status = self._status(run, view)
        if self._status_pacer.due(status, urgent) or self._status_pacer.key == status:
            self.query_one(StatusLine).show(status)
            return True
        return False

    def _status(self, run: Run, view: HistoryView) -> Status:
        """Return what the status line says about ``run``."""
        state = view.state
        if state == "loading":  # the source may say what it does before its first record
            default = "building" if self.engine_seen else "loading TensorFlow"
            state = getattr(run.source, "phase", None) or default
        if run.paused and not view.ended:
            state = "paused"
        latest = view.latest
        diverged = ""
        if latest is not None and latest.diverged_step is not None:
            where = diverged_where(latest.diverged_layer, view.layer_names)
            diverged = state = f"diverged at step {latest.diverged_step} ({where})"
        detail = view.error if view.state == "failed" and view.error else ""
        done = view.summary is not None and view.state == "done"
        loss, accuracy = (latest.loss, latest.accuracy) if latest else (None, None)
        if diverged and view.summary is not None:
            # The diverged epoch was not evaluated: show the last finite one's.
            loss, accuracy = view.summary.final_loss, view.summary.accuracy_after
        config = run.config
        return Status(
            state=state,
            epoch=latest.epoch if latest else 0,
            epochs=config.epochs if config else 0,
            step=view.steps_done,
            steps=config.total_steps if config else 0,
            rate=_rounded(run.clock.rate) if self.show_timing else None,
            elapsed=float(int(run.clock.elapsed)) if self.show_timing else None,
            accuracy=accuracy,
            accuracy_before=view.summary.accuracy_before if done and view.summary else None,
            loss=loss,
            detail=detail,
        )


def _rounded(rate: float | None) -> float | None:
    """Round a rate to two significant figures, so that it does not flicker."""
    if rate is None or rate <= 0:
        return rate
    return float(f"{rate:.2g}")
