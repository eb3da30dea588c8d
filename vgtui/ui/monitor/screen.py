"""The live monitor: header, verdict, layer rows or heatmap, loss chart, status line.

Its view state (which chart, which scale, the time cursor) is held in
reactive variables: a key changes the state, and the drawing follows. The
numbers are read from the current run's bounded history on timers, each part
of the screen at its own pace; the screen never hears of single training
steps. Every key passes one gate (:class:`~vgtui.ui.monitor.gate.ActionGate`),
which decides what applies; the screen asks the app for what it cannot do
itself (train the run, open another screen) by posting a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widget import AwaitMount

from vgtui.config import TYPICAL_SEED, ConfigError, RunConfig
from vgtui.diagnosis import diagnosis, epochs_for_verdict, with_evidence
from vgtui.display.heatmap import heatmap_frame
from vgtui.display.intro import intro_text, tensorflow_progress
from vgtui.display.layer_rows import PreviousRun, layer_rows_frame
from vgtui.display.series import SessionScale
from vgtui.display.status import RunFacts, run_status
from vgtui.display.story import DEEP_DEPTH, StoryFrame, StoryRun, same_network, story_frame
from vgtui.display.view_options import ViewOptions, cursor_step, moved_cursor
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX
from vgtui.session.controller import RunController
from vgtui.session.epoch_throttle import next_pace, pace_label
from vgtui.session.run import Run
from vgtui.session.sweep import format_seeds
from vgtui.ui.keys import grouped, key_name
from vgtui.ui.messages import OpenScreen, TrainCurrent
from vgtui.ui.monitor.gate import ActionGate
from vgtui.ui.monitor.keys import MONITOR_BINDINGS
from vgtui.ui.widgets.charts_row import ChartsRow
from vgtui.ui.widgets.heatmap import GradientHeatmap
from vgtui.ui.widgets.key_strip import KeyEntry, KeyStrip
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.run_header import RunHeader, device_text
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.story_panel import StoryPanel
from vgtui.ui.widgets.too_small import TooSmall
from vgtui.ui.widgets.verdict_badge import VerdictBadge

if TYPE_CHECKING:
    from vgtui.ui.monitor.commands import SettingsCommands
    from vgtui.ui.screens.settings import LabSettings
    from vgtui.ui.widgets.boundary_view import BoundaryView
    from vgtui.ui.widgets.gradient_figure import GradientFigure
    from vgtui.ui.widgets.loss_chart import LossChart

#: The smallest terminal the layout is drawn in; below it a note is shown.
MIN_WIDTH, MIN_HEIGHT = 60, 16
#: From this width, the layer rows also show the last finished run's gradient SD.
WIDE_WIDTH = 120
#: From this height on, layer rows are two lines tall.
TALL_HEIGHT = 40
#: Checks a second for a new run, a run's end or its first epoch (drawn at once).
REFRESH_HZ = 10
#: Redraws a second, at most, of each part of the screen while a run goes on.
PART_HZ: dict[str, float] = {"numbers": 2, "clock": 5, "charts": 1, "boundary": 10}
#: From this width, the figure stands beside the loss chart rather than instead of it.
SIDE_BY_SIDE_WIDTH = 120

#: What ``s`` and ``S`` sweep, in words.
SWEEP_NAMES = {"activation": "activations", "init": "initializers"}


def settings_commands() -> type[SettingsCommands]:
    """The command palette's settings, imported when the palette first opens."""
    from vgtui.ui.monitor.commands import SettingsCommands

    return SettingsCommands


@dataclass(frozen=True)
class Charts:
    """The charts below the layer rows, mounted after the first frame.

    Attributes:
        loss: the loss (and accuracy) chart.
        figure: the per-layer SD figure.
        boundary: the decision boundary map.

    """

    loss: LossChart
    figure: GradientFigure
    boundary: BoundaryView


class MonitorScreen(Screen[None]):
    """The current run, drawn from its history; the keys that change runs and views.

    Args:
        controller: the runs.
        gate: what applies now.
        show_timing: show speed and elapsed time (off: no clocks on screen, for snapshots).
        tour: the session begins with the tutorial's three runs (the introduction says so).
        clock: seconds, for the introduction's count while TensorFlow loads (None: the
            monotonic clock, or none at all without ``show_timing``).
        load_progress: how far TensorFlow's import has come, 0 to 1 (None: read from the
            modules imported, or not shown without ``show_timing``).

    """

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
    COMMANDS: ClassVar[set[type[SettingsCommands] | Callable[[], type[SettingsCommands]]]] = {
        settings_commands
    }

    # The view's switches: each watcher redraws the screen. init=False, so that
    # the first frame is drawn once by on_mount, not again as each is first read.

    #: The gradient (or weight) SD on a log10 scale, else linear.
    log_scale: var[bool] = var(True, init=False)
    #: The layer rows show the kernels, not their gradients.
    weights: var[bool] = var(False, init=False)
    #: The heatmap toggled (it also comes on by itself when the rows do not fit).
    heatmap: var[bool] = var(False, init=False)
    #: The per-layer SD figure beside (or instead of) the loss chart.
    figure: var[bool] = var(False, init=False)
    #: The decision boundary beside (or instead of) the loss chart.
    boundary: var[bool] = var(False, init=False)
    #: Decades the heatmap's scale is shifted down (negative: up).
    heat_shift: var[int] = var(0, init=False)
    #: The epoch the time cursor is at; None follows the run live.
    cursor: var[int | None] = var(None, init=False)
    #: The log scales fit each run anew (else they hold every run of the session).
    scale_fit: var[bool] = var(True, init=False)

    def __init__(
        self,
        controller: RunController,
        gate: ActionGate,
        *,
        show_timing: bool = True,
        tour: bool = False,
        clock: Callable[[], float] | None = None,
        load_progress: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.gate = gate
        self.show_timing = show_timing
        self.tour = tour
        self.deep_tried = False
        # Without timing (snapshots), the introduction's clocks are drawn only when given.
        self._clock = clock or (time.monotonic if show_timing else None)
        self._load_progress = load_progress or (tensorflow_progress if show_timing else None)
        self._opened = self._clock() if self._clock else 0.0
        self.scales = {"grad": SessionScale(), "weight": SessionScale()}
        self.device: str | None = None
        self.engine_seen = False
        self._seen: tuple[int, int] | None = None
        self._drawn: dict[str, object] = {}
        self._view_key: tuple[object, ...] | None = None
        self._view: HistoryView = controller.current.history.view()
        self._live: HistoryView = self._view
        self._charts: Charts | None = None  # once mounted and laid out
        self._first_frame_drawn = False
        self._numbers_view = self._view
        self._numbers_run: Run | None = None

    @property
    def run(self) -> Run:
        """The run on screen: the controller's current run."""
        return self.controller.current

    @property
    def options(self) -> ViewOptions:
        """The view's switches and the time cursor, as one plain value."""
        return ViewOptions(
            log_scale=self.log_scale,
            weights=self.weights,
            heatmap=self.heatmap,
            figure=self.figure,
            boundary=self.boundary,
            heat_shift=self.heat_shift,
            cursor=self.cursor,
        )

    @property
    def weight_view(self) -> bool:
        """Whether the layer rows show the kernels."""
        return self.weights

    @property
    def lab_config(self) -> RunConfig:
        """The settings the next run starts from (for the command palette)."""
        return self.controller.config

    def compose(self) -> ComposeResult:
        """Header, verdict, layer rows (or heatmap), charts, status line, footer.

        The layer rows are given their layers after the first frame, which
        does without their widgets: until the first run starts, the
        introduction stands in their place.
        """
        names = self.controller.config.layer_names
        yield RunHeader(id="header")
        yield VerdictBadge(id="verdict")
        with Vertical(id="main"):
            yield LayerPanel((), id="layers")
            yield GradientHeatmap(len(names), id="heatmap")
            yield StoryPanel(id="story")
            yield ChartsRow(id="charts")  # the charts come after the first frame
        yield StatusLine(id="status")
        yield TooSmall(id="too-small")
        yield KeyStrip(id="footer")

    def on_mount(self) -> None:
        """Draw the first frame and start the timers; rows and charts come after the frame."""
        self.redraw()
        self.set_interval(1 / REFRESH_HZ, self._tick)
        for part, hz in PART_HZ.items():
            self.set_interval(1 / hz, lambda part=part: self._draw_if_new(part))
        self.call_after_refresh(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        """Mount what the first frame does without: the layer rows, then the charts."""
        self._first_frame_drawn = True
        self._fit_layers(self.run)
        await self._mount_charts()

    async def _mount_charts(self) -> None:
        """Put the loss chart, the per-layer SD figure and the boundary map in their place.

        Done after the first frame, and their modules imported only then:
        plotext, which draws the charts, is the largest import the screen
        has, and an empty chart says nothing yet.
        """
        from vgtui.ui.widgets.boundary_view import BoundaryView
        from vgtui.ui.widgets.gradient_figure import GradientFigure
        from vgtui.ui.widgets.loss_chart import LossChart

        charts = Charts(
            LossChart(id="chart"), GradientFigure(id="figure"), BoundaryView(id="boundary")
        )
        await self.query_one(ChartsRow).mount_all((charts.loss, charts.figure, charts.boundary))
        self.call_after_refresh(self._charts_mounted, charts)

    def _charts_mounted(self, charts: Charts) -> None:
        """Draw on the charts from now on: they are laid out, so they know their size."""
        self._charts = charts
        self.redraw()

    # The gate ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether ``action`` applies now: None dims its key (see :class:`ActionGate`)."""
        return None if self.gate.refusal(action, parameters) else True

    def applies(self, action: str) -> bool:
        """Whether the action string ``action`` (e.g. ``lr(0.5)``) applies now."""
        _, name, parameters = parse(action)
        return self.gate.refusal(name, parameters) is None

    async def attempt(self, action: str) -> None:
        """Run ``action`` as its key would, or say why it does not apply."""
        _, name, parameters = parse(action)
        if not self._say_refusal(name, parameters):
            await self.run_action(action)

    def on_key(self, event: events.Key) -> None:
        """A key whose action does not apply says why."""
        active = self.app.active_bindings.get(event.key)
        if active is None or active.enabled or active.node is not self:
            return
        _, name, parameters = parse(active.binding.action)
        if self._say_refusal(name, parameters):
            event.stop()

    def _say_refusal(self, action: str, parameters: tuple[object, ...]) -> bool:
        """Notify why ``action`` does not apply; return whether it does not."""
        note = self.gate.explain(action, parameters)
        if note is None:
            return False
        self.notify(note, title="not here", timeout=10)
        return True

    # Keys that change the run ------------------------------------------------

    def action_cycle(self, field: str, step: int) -> None:
        """Switch to the next (1) or previous (-1) activation or initializer, and restart."""
        self.controller.cycle(field, step)
        self.restarted()

    def action_restart(self) -> None:
        """Restart with the same settings; a viewed run offers to train its config anew."""
        answer = self.gate.restart()
        if answer is not None:
            self.notify(answer.message, title="viewing a run", timeout=10)
            if answer.retrain is None:
                return
            self.controller.restart(answer.retrain)
        else:
            self.controller.restart()
        self.restarted()

    def action_sweep(self, field: str) -> None:
        """Train the current network once with each default value of ``field``, in turn."""
        self.controller.start_sweep(field)
        configs = [self.controller.current.config, *self.controller.sweep.pending]
        values = ", ".join(dict.fromkeys(str(getattr(c, field)) for c in configs))
        seeds = self.controller.sweep_seeds
        each = f", each with seeds {format_seeds(seeds)}" if seeds else ""
        self.notify(f"Sweeping {SWEEP_NAMES[field]}: {values}{each}.", title="sweep")
        self.restarted()

    def action_deep(self) -> None:
        """The deep version: the same network with DEEP_DEPTH sigmoid layers."""
        self.deep_tried = True
        self.change_settings(activation="sigmoid", depth=DEEP_DEPTH)

    def action_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` and restart."""
        self.change_settings(lr=self.controller.config.lr * factor)

    def action_depth(self, step: int) -> None:
        """Add (1) or remove (-1) a hidden layer and restart."""
        self.change_settings(depth=self.controller.config.depth + step)

    def change_settings(self, **fields: object) -> bool:
        """Restart with some settings changed; refuse, with a notification, what is not valid."""
        if self._say_refusal("change_settings", ()):
            return False
        try:
            self.controller.config.replace(**fields)
        except ConfigError as err:
            self.notify(str(err), title="not changed", severity="warning")
            return False
        self.controller.change(**fields)
        self.restarted()
        return True

    def apply_settings(self, settings: LabSettings | None) -> None:
        """Take the settings screen's seeds, and restart if its config differs; None: no change."""
        if settings is None:
            return
        seeds_changed = settings.sweep_seeds != self.controller.sweep_seeds
        self.controller.sweep_seeds = settings.sweep_seeds
        if settings.config != self.controller.config:
            self.controller.restart(settings.config)
            self.restarted()
        elif seeds_changed:
            from vgtui.ui.screens.settings import seeds_said  # loaded when the screen opened

            said = seeds_said(settings.sweep_seeds)
            self.notify(f"Sweeps now train each value with {said}.", title="seeds")

    def action_pause(self) -> None:
        """Pause or resume training; resuming returns the cursor to live."""
        if not self.controller.toggle_pause():
            self.cursor = None
        self.redraw()

    def action_pace(self, step: int) -> None:
        """Show a live run's epochs slower (-1) or faster (1)."""
        self.controller.set_pace(next_pace(self.controller.pace, step))
        self.notify(f"Epochs are shown at {pace_label(self.controller.pace)}.", title="pace")
        self.redraw()

    def action_open(self, name: str, argument: str | None = None) -> None:
        """Ask the app to open the screen ``name`` (see :mod:`vgtui.ui.screen_table`)."""
        self.post_message(OpenScreen(name, argument))

    def restarted(self) -> None:
        """A new current run: ask the app to train it when the engine is free, and show it."""
        self.cursor = None
        self.post_message(TrainCurrent())
        self.redraw()

    # Keys that change the view -----------------------------------------------

    def action_toggle(self, name: str) -> None:
        """Flip one of the view's switches (``log_scale``, ``weights``, ``heatmap``, …)."""
        setattr(self, name, not getattr(self, name))

    def action_move_cursor(self, direction: int) -> None:
        """Move the time cursor an arrow's step; a live run is paused first."""
        view = self.run.history.view()
        latest = view.latest.epoch if view.latest else 0
        if latest < 1:
            return
        if not view.ended and not self.run.paused:
            self.controller.toggle_pause()
        epochs = self.run.config.epochs if self.run.config else latest
        self.cursor = moved_cursor(self.cursor, latest, direction * cursor_step(epochs))

    def action_cursor_to_start(self) -> None:
        """Move the time cursor to the first epoch."""
        self.action_move_cursor(-(10**9))

    def action_live(self) -> None:
        """Return the cursor to the run's latest moment."""
        self.cursor = None

    def action_fit_scale(self) -> None:
        """Fit the log scales to what is on screen now."""
        self._fit_scales()
        self.redraw()
        self.notify("The scale fits what is on screen now.", title="scale", timeout=3)

    def action_toggle_scale(self) -> None:
        """Switch between a scale fitted to each run and one held for the whole session."""
        self.scale_fit = not self.scale_fit
        if self.scale_fit:
            self._fit_scales()
        said = "fits each run anew" if self.scale_fit else "holds every run of the session"
        self.notify(f"The scale {said}.", title="scale", timeout=3)

    def action_shift_heatmap(self, decades: int) -> None:
        """Shift the heatmap's colour scale by whole decades."""
        self.heat_shift += decades

    def action_scroll_rows(self, key: str) -> None:
        """Scroll the layer rows, or the heatmap, a line or a page."""
        if self.heatmap_shown():
            self.query_one(GradientHeatmap).scroll_lines(key)
        else:
            self.query_one(LayerPanel).scroll_lines(key)

    def _view_changed(self) -> None:
        """A switch or the cursor moved: draw everything again at once."""
        self.redraw()

    watch_log_scale = watch_weights = watch_heatmap = watch_figure = _view_changed
    watch_boundary = watch_heat_shift = watch_cursor = watch_scale_fit = _view_changed

    def on_resize(self) -> None:
        """Draw everything for the new size (the parts laid out anew redraw themselves too)."""
        self.redraw()

    def on_charts_row_resized(self, _: ChartsRow.Resized) -> None:
        """The charts' row has its new size: fit the boundary map and the charts to it."""
        self._draw_charts()

    # Drawing -------------------------------------------------------------

    def heatmap_shown(self) -> bool:
        """Whether the heatmap stands in for the layer rows: they do not fit, or ``h``."""
        height = self.size.height
        row_lines = 2 if height >= TALL_HEIGHT else 1
        needed = 1 + len(self._layer_names(self.run)) * row_lines
        room = int((height - 4) * 0.6)  # header, verdict, status and footer; 60% of the rest
        return (needed > room) != self.heatmap

    def redraw(self) -> None:
        """Draw every part of the screen now, from the current run's history."""
        if not self.query("#layers"):
            return  # not composed yet, or being taken down as the app quits
        self._tick(force=True)
        for part in PART_HZ:
            self._draw_part(part)

    def _tick(self, force: bool = False) -> None:
        """Follow the run: its layers, header and clock; draw all at once when it starts or ends.

        A new run, a run's first epoch and its end are drawn at once; other
        changes wait for each part's own timer. In the fitted scale's mode, a
        new run's scale starts afresh.
        """
        if not self.query("#layers"):
            return
        run = self.run
        self._fit_layers(run)
        self.query_one(RunHeader).show(run.config, self.device, run.history.start, run.viewed)
        self._show_keys()
        seen = (id(run), run.history.version)
        if seen == self._seen and not force:
            return
        fresh = self._seen is None or seen[0] != self._seen[0]
        self._seen = seen
        if fresh and self.scale_fit:
            self._fit_scales()
        live = self._current_view()[1]
        self.engine_seen = self.engine_seen or live.start is not None
        if live.start is not None:
            self.device = device_text(live.start)
        run.clock.observe(live.steps_done)
        if live.ended:
            run.clock.stop()
        first_epoch = live.latest is not None and live.latest.epoch == 1
        if not force and (fresh or live.ended or first_epoch):
            self.redraw()

    def _fit_scales(self) -> None:
        """Start the log scales afresh: they widen again to hold what is drawn next."""
        self.scales = {"grad": SessionScale(), "weight": SessionScale()}

    def _current_view(self) -> tuple[HistoryView, HistoryView]:
        """The run's records as shown (up to the cursor), and as they stand; read once a version."""
        run = self.run
        key = (id(run), run.history.version, self.cursor)
        if key != self._view_key:
            live = run.history.view()
            self._live = live
            self._view = live if self.cursor is None else live.until_epoch(self.cursor)
            self._view_key = key
        return self._view, self._live

    def _draw_if_new(self, part: str) -> None:
        """Draw ``part`` if the run has changed since it was drawn (the clock: always)."""
        run = self.run
        key = (id(run), run.history.version)
        if part == "clock" or self._drawn.get(part) != key:
            self._draw_part(part)

    def _draw_part(self, part: str) -> None:
        """Draw one part of the screen; note what it drew.

        ``numbers`` are the layer rows, the verdict, the story and the status
        line, drawn together from one reading of the history, so that no two
        of them show a number of different moments; ``clock`` moves the
        status line's clock (and the introduction's) between them.
        """
        if not self.query("#layers"):
            return
        size = self.size
        if size.width < MIN_WIDTH or size.height < MIN_HEIGHT:
            self.query_one(TooSmall).show(size.width, size.height, MIN_WIDTH, MIN_HEIGHT)
            return
        run = self.run
        view, live = self._current_view()
        key = (id(run), run.history.version)
        if part == "clock":
            self._draw_status(run, self._numbers_view if self._numbers_run is run else view)
            if self._loading():
                self._draw_story(run, view)
            return
        if part == "numbers":
            self._numbers_view, self._numbers_run = view, run
            self._draw_status(run, view)
            if live.state == "reading":
                return  # a log read whole: its numbers are drawn once in, the step count meanwhile
            drawn = self._draw_layers(view)
            self._draw_verdict(run, view)
            self._draw_story(run, view)
            if not drawn:
                return  # not laid out yet: try again next time
        elif live.state == "reading":
            return
        elif part == "charts":
            self._draw_charts()
        elif part == "boundary":
            self._draw_boundary(run, view)
        self._drawn[part] = key

    def _draw_verdict(self, run: Run, view: HistoryView) -> None:
        """The verdict of the moment on screen, provisional while the run lacks the epochs."""
        found = diagnosis(view)
        epochs = run.config.epochs if run.config else 0
        epoch = view.latest.epoch if view.latest is not None else 0
        found = with_evidence(found, epoch, epochs, self._current_view()[1].ended)
        until = epochs_for_verdict(epochs) if found.provisional and epochs else 0
        self.query_one(VerdictBadge).show(found, until)

    def _show_keys(self) -> None:
        """The key strip: the monitor's keys by importance, dimmed where they do not apply."""
        entries = []
        for row in grouped([*self.BINDINGS, *self.app.BINDINGS]):
            first = row[0]
            if first.key in ("up", "pageup"):
                continue  # scrolling keys: the help lists them
            _, name, parameters = parse(first.action)
            enabled = first.action.startswith("app.") or self.gate.refusal(name, parameters) is None
            keys = key_name(first.key.split(",")[0])
            entries.append(KeyEntry(keys, first.description, enabled, first.show))
        self.query_one(KeyStrip).show(entries)

    @staticmethod
    def _layer_names(run: Run) -> tuple[str, ...]:
        """The names of ``run``'s layers, input side first, once known (else none)."""
        start = run.history.start
        return start.layer_names if start else run.config.layer_names if run.config else ()

    def _fit_layers(self, run: Run) -> None:
        """Give the layer rows and the heatmap the current run's layers (runs may differ).

        Not before the first frame is drawn: the rows are hidden while TensorFlow loads.
        """
        names = self._layer_names(run)
        panel = self.query_one(LayerPanel)
        if names and names != panel.layer_names and self._first_frame_drawn:
            self.call_later(self._rows_mounted, panel.set_layers(names))
            self.query_one(GradientHeatmap).set_layers(len(names))

    async def _rows_mounted(self, mounting: AwaitMount) -> None:
        """Draw the new rows once they are mounted and laid out."""
        await mounting
        self.call_after_refresh(self.redraw)

    def _total_steps(self, live: HistoryView) -> int:
        """The run's length in steps (the x axis of the rows, the heatmap and the figure)."""
        config = self.run.config
        return config.total_steps if config else max(live.steps_done, 1)

    def _draw_charts(self) -> None:
        """Draw the loss chart and, when they are on, the per-layer SD figure and the map."""
        if self._charts is None:
            return
        view, live = self._current_view()
        chart, figure, boundary = self._charts.loss, self._charts.figure, self._charts.boundary
        row = self.query_one(ChartsRow)
        loading = self._loading() and self.run.config is not None  # the data alone, meanwhile
        room = boundary.place(self.boundary or loading, *row.size, alone=loading)
        width = self.size.width if room is None else room  # what the map leaves
        shown = self.figure and width > 0
        figure.display = shown
        chart.display = width > 0 and (not shown or width >= SIDE_BY_SIDE_WIDTH)
        config = self.run.config
        if chart.display:
            epochs = config.epochs if config else max(len(live.epoch_x), 1)
            previous = self.controller.previous
            before = None
            if previous is not None:
                before = (previous.view.epoch_x, previous.view.epoch_loss)
            chart.show(view.epoch_x, view.epoch_loss, view.epoch_accuracy, epochs, before)
        if shown:
            what = "weight" if self.weights else "grad"
            index = STAT_INDEX[f"{what}_sd"]
            sd = view.step_stats[:, :, index] if view.step_stats.ndim == 3 else view.step_stats
            bounds = self.scales[what].bounds or (-4.0, 0.0)
            names = view.layer_names or self.controller.config.layer_names
            figure.show(view.step_x, sd, names, self._total_steps(live), bounds, f"{what} SD")

    def _draw_layers(self, view: HistoryView) -> bool:
        """Draw the layer rows or the heatmap; return whether they could be drawn.

        While TensorFlow loads there is nothing to draw: the introduction has their room.
        """
        panel = self.query_one(LayerPanel)
        heatmap = self.query_one(GradientHeatmap)
        heat = self.heatmap_shown()
        loading = self._loading() and self.run.config is not None
        panel.display = not heat and not loading
        heatmap.display = heat and not loading
        if loading:
            return True  # nothing to draw until the run starts, and nothing to try again
        what = "weight" if self.weights else "grad"
        scale = self.scales[what]
        total = self._total_steps(self._current_view()[1])
        if heat:
            heatmap.room = max(int((self.size.height - 4) * 0.6), 5)
            frame = heatmap_frame(view, view.layer_names, total, scale, self.heat_shift, what)
            heatmap.show(frame)
            return True
        previous = self.controller.previous
        before = None
        if previous is not None and len(previous.view.epoch_stats):
            name = previous.config.activation if previous.config else previous.name
            before = PreviousRun(previous.view.epoch_stats[-1], f"#{previous.number} {name}")
        frame = layer_rows_frame(view, panel.layer_names, total, self.options, scale, before)
        return panel.show(frame)

    def _draw_boundary(self, run: Run, view: HistoryView) -> None:
        """Hand the boundary map the boundary of the epoch on screen (when it is shown)."""
        if self._charts is None or not (self.boundary or self._loading()):
            return
        from vgtui.ui.widgets.boundary_view import BoundaryFrame  # loaded with the charts

        history = run.history
        epoch = self.cursor
        found = history.latest_boundary() if epoch is None else history.boundary_at(epoch)
        self._charts.boundary.show_frame(BoundaryFrame(run.config, found, run.viewed))

    def _loading(self) -> bool:
        """Whether the session still waits for its first run to start (TensorFlow loads)."""
        return (
            not self.engine_seen and self._current_view()[1].start is None and not self.run.viewed
        )

    def _draw_story(self, run: Run, view: HistoryView) -> None:
        """Compare the activations run on this network; before the first run, the introduction."""
        panel = self.query_one(StoryPanel)
        config = run.config
        if config is None:
            panel.display = False
            return
        bounds = self.scales["grad"].bounds or (-4.0, 0.0)
        tutorial = same_network(config, RunConfig(activation=config.activation))
        typical = TYPICAL_SEED.said() if tutorial else ""
        if self._loading():
            elapsed = self._clock() - self._opened if self._clock else None
            progress = self._load_progress() if self._load_progress else None
            waiting = intro_text(config, self.tour, elapsed, progress, typical)
            panel.show(StoryFrame((), "", "", "", waiting), bounds)
            return
        runs = [
            StoryRun(kept.config, kept.view, kept.summary.verdict if kept.summary else "")
            for kept in self.controller.kept.runs
            if kept.config is not None
        ]
        verdict = diagnosis(view).verdict if view.latest is not None else ""
        runs.append(StoryRun(config, view, verdict, live=not view.ended))
        frame = story_frame(runs, config, self.deep_tried)
        hint = "" if self.gate.refusal("deep") else frame.next_step  # a viewed run trains nothing
        panel.show(replace(frame, typical=typical, next_step=hint), bounds)

    def _draw_status(self, run: Run, view: HistoryView) -> None:
        """Say what the run is doing."""
        timing = self.show_timing
        facts = RunFacts(
            config=run.config,
            viewed=run.viewed,
            paused=run.paused,
            phase=run.source.phase,
            rate=run.speed.rate if timing else None,
            elapsed=run.clock.elapsed if timing else None,
            pace=pace_label(self.controller.pace) if run.pace is not None else "",
        )
        cursor_of = None if self.cursor is None else self._current_view()[1].steps_done
        status = run_status(facts, view, engine_seen=self.engine_seen, cursor_of=cursor_of)
        self.query_one(StatusLine).show(status)
