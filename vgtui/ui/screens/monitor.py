"""The live monitor: header, verdict, layer rows or heatmap, loss chart, status line.

It reads the current run's bounded history on a timer and redraws each part
at its own pace; it never hears of single training steps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from vgtui.diagnosis import diagnosis
from vgtui.display.pacing import Pacer
from vgtui.display.series import SessionScale
from vgtui.display.view_options import ViewOptions, cursor_step, moved_cursor
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX, diverged_where
from vgtui.session.controller import RunController
from vgtui.session.epoch_gate import next_pace, pace_label
from vgtui.session.kept import KeptRun
from vgtui.session.run import Run
from vgtui.session.sweep import format_seeds
from vgtui.ui.lab import LabActions
from vgtui.ui.screens.monitor_keys import MONITOR_BINDINGS
from vgtui.ui.viewing import refuse_training
from vgtui.ui.widgets.boundary_view import BoundaryView
from vgtui.ui.widgets.heatmap import GradientHeatmap
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.layer_row import LayerRow
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import Status, StatusLine
from vgtui.ui.widgets.too_small import TooSmall
from vgtui.ui.widgets.verdict_badge import VerdictBadge

if TYPE_CHECKING:
    from vgtui.ui.app import VgtuiApp
    from vgtui.ui.widgets.gradient_figure import GradientFigure
    from vgtui.ui.widgets.loss_chart import LossChart

#: The smallest terminal the layout is drawn in; below it a note is shown.
MIN_WIDTH, MIN_HEIGHT = 60, 16
#: From this width, the layer rows also show the last finished run's gradient SD.
WIDE_WIDTH = 120
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
#: From this width, the figure stands beside the loss chart rather than instead of it.
SIDE_BY_SIDE_WIDTH = 120

#: What ``s`` and ``S`` sweep, in words.
SWEEP_NAMES = {"activation": "activations", "init": "initializers"}


class MonitorScreen(LabActions, Screen[None]):
    """The current run, drawn from its history; the keys that change runs and views."""

    AUTO_FOCUS = None
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
    BINDINGS: ClassVar[list[BindingType]] = MONITOR_BINDINGS

    def __init__(self, controller: RunController, *, show_timing: bool = True) -> None:
        """Watch the runs of ``controller``; ``show_timing`` off keeps clocks off screen."""
        super().__init__()
        self.controller = controller
        self.show_timing = show_timing
        self.options = ViewOptions()
        self.scales = {"grad": SessionScale(), "weight": SessionScale()}
        self.device: str | None = None
        self.engine_seen = False
        self._seen: tuple[object, object] = (None, None)
        self._layers_pacer = Pacer(LAYERS_HZ)
        self._chart_pacer = Pacer(CHART_HZ)
        self._verdict_pacer = Pacer(VERDICT_HZ)
        self._status_pacer = Pacer(STATUS_HZ)
        self._note_pacer = Pacer(REFRESH_HZ)
        self._timer: Timer | None = None
        self._charts: tuple[LossChart, GradientFigure] | None = None  # after the first frame
        self._last_view: HistoryView = controller.current.history.view()

    @property
    def vgtui(self) -> VgtuiApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def run(self) -> Run:
        """The run on screen: the controller's current run."""
        return self.controller.current

    # Compatibility with the switches' old names, which tests and tools read.
    @property
    def weight_view(self) -> bool:
        """Whether the layer rows show the kernels."""
        return self.options.weights

    @property
    def log_scale(self) -> bool:
        """Whether the gradient SD is drawn on a log scale."""
        return self.options.log_scale

    def compose(self) -> ComposeResult:
        """Header, verdict, layer rows (or heatmap), charts, status line, footer."""
        names = self.controller.config.layer_names
        yield RunHeader(id="header")
        yield VerdictBadge(id="verdict")
        with Vertical(id="main"):
            yield LayerPanel(names, id="layers")
            yield GradientHeatmap(len(names), id="heatmap")
            yield Horizontal(id="charts")  # the charts come after the first frame
        yield StatusLine(id="status")
        yield TooSmall(id="too-small")
        yield Footer(id="footer", compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Draw the first frame and start the redraw timer; the chart comes after the frame."""
        self.redraw()
        self._timer = self.set_interval(1 / REFRESH_HZ, self.redraw)
        self.call_after_refresh(self._mount_charts)

    async def _mount_charts(self) -> None:
        """Put the loss chart and the per-layer SD figure in their place.

        Done after the first frame: plotext, which draws both, is the largest
        import the screen has, and an empty chart says nothing yet.
        """
        from vgtui.ui.widgets.gradient_figure import GradientFigure
        from vgtui.ui.widgets.loss_chart import LossChart

        charts = (LossChart(id="chart"), GradientFigure(id="figure"))
        boundary = BoundaryView(self.controller, id="boundary")
        await self.query_one("#charts", Horizontal).mount_all([*charts, boundary])
        self.call_after_refresh(self._charts_mounted, charts)

    def _charts_mounted(self, charts: tuple[LossChart, GradientFigure]) -> None:
        """Draw on the charts from now on: they are laid out, so they know their size."""
        self._charts = charts
        self.redraw()

    # Keys that change the run ------------------------------------------------

    def action_cycle(self, field: str, step: int) -> None:
        """Switch to the next (1) or previous (-1) activation or initializer, and restart."""
        if refuse_training(self):
            return
        self.controller.cycle(field, step)
        self.restarted()

    def action_restart(self) -> None:
        """Restart with the same settings (a viewed run: see vgtui.ui.viewing)."""
        if refuse_training(self, restart=True):
            return
        self.controller.restart()
        self.restarted()

    def action_sweep(self, field: str) -> None:
        """Train the current network once with each default value of ``field``, in turn."""
        if refuse_training(self):
            return
        self.controller.start_sweep(field)
        configs = [self.controller.current.config, *self.controller.sweep.pending]
        values = ", ".join(dict.fromkeys(str(getattr(c, field)) for c in configs))
        seeds = self.controller.sweep_seeds
        each = f", each with seeds {format_seeds(seeds)}" if seeds else ""
        self.notify(f"Sweeping {SWEEP_NAMES[field]}: {values}{each}.", title="sweep")
        self.restarted()

    def action_pause(self) -> None:
        """Pause or resume training; resuming returns the cursor to live."""
        if not self.controller.toggle_pause():
            self.options = replace(self.options, cursor=None)
        self.redraw()

    def action_pace(self, step: int) -> None:
        """Show a live run's epochs slower (-1) or faster (1)."""
        self.controller.set_pace(next_pace(self.controller.pace, step))
        self.redraw()

    def restarted(self) -> None:
        """A new current run: launch it when the engine is free, and show it at once."""
        self.options = replace(self.options, cursor=None)
        self.vgtui.launch()
        self.redraw()

    # Keys that change the view -----------------------------------------------

    def action_toggle(self, name: str) -> None:
        """Flip one of the view's switches (see :class:`ViewOptions`)."""
        self.options = self.options.toggled(name)
        self.redraw()

    def action_move_cursor(self, direction: int) -> None:
        """Move the time cursor an arrow's step; a live run is paused first."""
        view = self.run.history.view()
        latest = view.latest.epoch if view.latest else 0
        if latest < 1:
            return
        if not view.ended and not self.run.paused:
            self.controller.toggle_pause()
        epochs = self.run.config.epochs if self.run.config else latest
        step = direction * cursor_step(epochs)
        self.options = replace(self.options, cursor=moved_cursor(self.options.cursor, latest, step))
        self.redraw()

    def action_cursor_to_start(self) -> None:
        """Move the time cursor to the first epoch."""
        self.action_move_cursor(-(10**9))

    def action_live(self) -> None:
        """Return the cursor to the run's latest moment."""
        self.options = replace(self.options, cursor=None)
        self.redraw()

    def action_shift_heatmap(self, decades: int) -> None:
        """Shift the heatmap's colour scale by whole decades."""
        self.options = replace(self.options, heat_shift=self.options.heat_shift + decades)
        self.redraw()

    def action_scroll_rows(self, key: str) -> None:
        """Scroll the layer rows, or the heatmap, a line or a page."""
        target = self._scrolled()
        moves = {
            "up": target.scroll_up,
            "down": target.scroll_down,
            "pageup": target.scroll_page_up,
            "pagedown": target.scroll_page_down,
        }
        moves[key](animate=False)

    def _row_width(self) -> int:
        """Columns the rows' sparklines, or the heatmap, have now (0 before they are laid out).

        The heatmap is drawn to its width too: shown for the first time, it has
        none until the next layout, and must be drawn again once it has.
        """
        if self.heatmap_shown():
            return self.query_one(GradientHeatmap).columns_wide
        rows = self.query(LayerRow)
        return rows.first(LayerRow).columns_wide if rows else 0

    def _scrolled(self) -> LayerPanel | GradientHeatmap:
        """Whichever of the rows and the heatmap is on screen."""
        if self.heatmap_shown():
            return self.query_one(GradientHeatmap)
        return self.query_one(LayerPanel)

    # Drawing -------------------------------------------------------------

    def heatmap_shown(self) -> bool:
        """Whether the heatmap stands in for the layer rows: they do not fit, or ``h``."""
        height = self.size.height
        row_lines = 2 if height >= TALL_HEIGHT else 1
        needed = 1 + len(self.query_one(LayerPanel).layer_names) * row_lines
        room = int((height - 4) * 0.6)  # header, verdict, status and footer; 60% of the rest
        return (needed > room) != self.options.heatmap

    def redraw(self) -> None:
        """Redraw whatever part of the screen the history has changed, at its pace.

        The timer calls this REFRESH_HZ times a second. The layer rows are
        redrawn at most LAYERS_HZ and the chart at most CHART_HZ times a
        second while a run goes on, at once after a key press or when a run
        ends; the status line whenever its text changes.
        """
        if not self.query("#layers"):
            return  # not composed yet, or being taken down as the app quits
        run = self.run
        self._fit_layers(run)
        self.query_one(RunHeader).show(run.config, self.device, run.history.start, run.viewed)
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
            self.options,
            heat,
            size,
            run.paused,
            self.controller.pace,
            previous.number if previous else None,
            # A column that appears (the last run's SDs) narrows the sparklines
            # after they were drawn, and a heatmap just shown has no width yet:
            # the width is part of what was drawn.
            self._row_width(),
            # The boundary map sizes itself from the charts' row, laid out
            # after a resize reaches the screen: that row's size too.
            self.query_one("#charts").size,
        )
        if (version, settings) == self._seen:
            if self.show_timing:
                self._show_status(run, self._last_view, urgent=False)
            return
        live = run.history.view()
        if live.state == "reading":
            # A log read whole: its numbers are drawn once in, the step count meanwhile.
            self._show_status(run, live, urgent=False)
            return
        view = live if self.options.cursor is None else live.until_epoch(self.options.cursor)
        first_epoch = live.latest is not None and live.latest.epoch == 1
        urgent = settings != self._seen[1] or live.ended or first_epoch
        self._seen = (version, settings)
        total_steps = run.config.total_steps if run.config else max(live.steps_done, 1)
        epochs = run.config.epochs if run.config else max(len(live.epoch_x), 1)
        chart_key = (view.version, settings)
        if self._charts is not None and self._chart_pacer.due(chart_key, urgent):
            self._draw_charts(view, previous, epochs, total_steps)
        layers_key = (view.version, settings)
        if self._layers_pacer.due(layers_key, urgent):
            self._draw_layers(view, total_steps, heat)
        verdict_key = (view.version, id(run), self.options.cursor)
        if self._verdict_pacer.due(verdict_key, urgent):
            self.query_one(VerdictBadge).show(diagnosis(view))
        self.engine_seen = self.engine_seen or live.start is not None
        if live.start is not None:
            self.device = live.start.device
        run.clock.observe(live.steps_done)
        if live.ended:
            run.clock.stop()
        self._last_view = view
        shown = self._show_status(run, view, urgent)
        drawn = (self._chart_pacer.key, self._layers_pacer.key, self._verdict_pacer.key)
        if not shown or drawn != (chart_key, layers_key, verdict_key):
            self._seen = (None, settings)  # something is behind: come back next tick

    def _fit_layers(self, run: Run) -> None:
        """Give the layer rows and the heatmap the current run's layers (runs may differ)."""
        start = run.history.start
        names = start.layer_names if start else run.config.layer_names if run.config else ()
        panel = self.query_one(LayerPanel)
        if names and names != panel.layer_names:
            panel.set_layers(names)
            self.query_one(GradientHeatmap).set_layers(len(names))

    def _draw_charts(
        self, view: HistoryView, previous: KeptRun | None, epochs: int, total_steps: int
    ) -> None:
        """Draw the loss chart and, when it is on, the per-layer SD figure."""
        assert self._charts is not None
        chart, figure = self._charts
        charts = self.query_one("#charts")
        room = self.query_one(BoundaryView).place(
            self.options.boundary, charts.size.width, charts.size.height
        )
        width = self.size.width if room is None else room  # what the map leaves
        shown = self.options.figure and width > 0
        figure.display = shown
        chart.display = width > 0 and (not shown or width >= SIDE_BY_SIDE_WIDTH)
        if chart.display:
            before = None
            if previous is not None:
                before = (previous.view.epoch_x, previous.view.epoch_loss)
            chart.show(view.epoch_x, view.epoch_loss, view.epoch_accuracy, epochs, before)
        if shown:
            what = "weight" if self.options.weights else "grad"
            index = STAT_INDEX[f"{what}_sd"]
            sd = view.step_stats[:, :, index] if view.step_stats.ndim == 3 else view.step_stats
            bounds = self.scales[what].bounds or (-4.0, 0.0)
            names = view.layer_names or self.controller.config.layer_names
            figure.show(view.step_x, sd, names, total_steps, bounds, f"{what} SD")

    def _draw_layers(self, view: HistoryView, total_steps: int, heat: bool) -> None:
        """Draw the layer rows or the heatmap."""
        panel = self.query_one(LayerPanel)
        heatmap = self.query_one(GradientHeatmap)
        panel.display = not heat
        heatmap.display = heat
        what = "weight" if self.options.weights else "grad"
        scale = self.scales[what]
        if heat:
            heatmap.room = max(int((self.size.height - 4) * 0.6), 5)
            heatmap.show(view, total_steps, scale, self.options.heat_shift, what)
            return
        previous = self.controller.previous
        means = None
        if previous is not None and len(previous.view.epoch_stats):
            means = previous.view.epoch_stats[-1]
        label = ""
        if previous is not None:
            what = previous.config.activation if previous.config else previous.name
            label = f"#{previous.number} {what}"
        panel.set_previous(means, label)
        drawn = panel.show(
            view, total_steps, self.options.log_scale, weights=self.options.weights, scale=scale
        )
        if not drawn:
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
        if run.viewed and state in ("loading", "training"):
            state = "reading"  # a log or a file: nothing is built or compiled
        elif state == "loading":  # the source may say what it does before its first record
            default = "building" if self.engine_seen else "loading TensorFlow"
            state = run.source.phase or default
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
        timing = self.show_timing and not run.viewed  # a viewed run's pace is the reading's
        steps = config.total_steps if config else 0
        cursor = ""
        if self.options.cursor is not None:
            cursor = f"at step {view.steps_done}/{steps or self._last_view.steps_done}"
        live = run.pace is not None and not view.ended
        return Status(
            state=state,
            epoch=latest.epoch if latest else 0,
            epochs=config.epochs if config else 0,
            step=view.steps_done,
            steps=steps,
            rate=_rounded(run.clock.rate) if timing else None,
            elapsed=float(int(run.clock.elapsed)) if timing else None,
            accuracy=accuracy,
            accuracy_before=view.summary.accuracy_before if done and view.summary else None,
            loss=loss,
            detail=detail,
            pace=pace_label(self.controller.pace) if live else "",
            cursor=cursor,
        )


def _rounded(rate: float | None) -> float | None:
    """Round a rate to two significant figures, so that it does not flicker."""
    if rate is None or rate <= 0:
        return rate
    return float(f"{rate:.2g}")
