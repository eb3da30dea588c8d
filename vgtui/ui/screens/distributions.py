"""The distribution screen (``v``): each layer's values as distributions over the run.

For one quantity at a time (activations first; ``tab`` goes to the gradient
that reaches them, the kernel's gradient, the kernel), one small chart a
layer of its percentile bands over the counted steps (TensorBoard's
distributions), and below them every layer's histogram at the step the
cursor stands on (the paper's figures: one curve a layer, on one axis);
``←`` / ``→`` move the cursor over the counted steps, ``End`` back to the
latest. A line names a layer whose distribution shows a problem the summary
statistics miss.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Static

from vgtui.display.colors import layer_color
from vgtui.display.distributions import (
    FIRST_QUANTITY,
    DistributionsFrame,
    axis_ticks,
    distributions_frame,
    quantities_of,
)
from vgtui.session.controller import RunController
from vgtui.ui.widgets.distribution_charts import BandsChart, HistogramChart

#: Redraw checks a second, so that a live run's counted steps appear as they come.
REFRESH_HZ = 2
#: The most layers drawn as small charts; a deeper network shows some spread over it.
MAX_BAND_CHARTS = 6


def shown_layers(count: int, most: int = MAX_BAND_CHARTS) -> list[int]:
    """Which of ``count`` layers get a chart: all, or ``most`` spread from first to last."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


class DistributionsScreen(Screen[None]):
    """The current run's distributions: bands over time and histograms at the cursor's step."""

    DEFAULT_CSS = """
    DistributionsScreen {
        layout: vertical;
    }
    #dist-title, #dist-note {
        height: auto;
        padding: 0 1;
    }
    #dist-note {
        color: $warning;
    }
    #dist-bands {
        height: 2fr;
        min-height: 7;
    }
    #dist-bands BandsChart {
        width: 1fr;
    }
    #dist-histogram {
        height: 3fr;
        min-height: 8;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v,q", "close", "close", tooltip="back to the live monitor"),
        Binding(
            "tab",
            "quantity(1)",
            "next values",
            tooltip="the next quantity: activations, "
            "the gradient that reaches them, the kernel's gradient, the kernel",
        ),
        Binding("shift+tab", "quantity(-1)", "previous", show=False, tooltip="the previous one"),
        Binding("left", "move(-1)", "step", tooltip="the histograms a counted step back / on"),
        Binding("right", "move(1)", "step", show=False, tooltip="a counted step on"),
        Binding("end", "latest", "latest", tooltip="the histograms of the latest counted step"),
        Binding(
            "m",
            "toggle_moments",
            "mean±SD",
            tooltip="the activations' bands as their mean and mean ± SD (the paper's Fig. 2) / "
            "as percentiles",
        ),
        Binding("question_mark", "app.open('help')", "help", tooltip="help"),
    ]

    #: The quantity shown.
    quantity: var[str] = var(FIRST_QUANTITY)
    #: The counted step the histograms are of (None: the latest).
    cursor: var[int | None] = var(None)
    #: The activations' bands are their mean and mean ± SD (else percentiles).
    moments: var[bool] = var(False)

    def __init__(self, controller: RunController) -> None:
        super().__init__()
        self.controller = controller
        self.frame: DistributionsFrame | None = None
        self._drawn: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        """Title, the layers' bands, the histograms, the note, the keys."""
        yield Static("", id="dist-title")
        yield Horizontal(id="dist-bands")
        yield HistogramChart(id="dist-histogram")
        yield Static("", id="dist-note")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        """Draw, and keep drawing while the run goes on."""
        self.refresh_frame()
        self.set_interval(1 / REFRESH_HZ, self.refresh_frame)

    def _changed(self) -> None:
        """A key changed what is shown: draw it at once."""
        if self.is_mounted:
            self.refresh_frame(force=True)

    watch_quantity = watch_cursor = watch_moments = _changed

    def on_resize(self) -> None:
        """Draw the charts for the new size."""
        self.refresh_frame(force=True)

    def refresh_frame(self, force: bool = False) -> None:
        """Read the current run's histograms and draw them, if anything changed."""
        run = self.controller.current
        key = (id(run), run.history.version, self.quantity, self.cursor, self.moments, self.size)
        if key == self._drawn and not force:
            return
        self._drawn = key
        view = run.history.view()
        quantities = quantities_of(view)
        if quantities and self.quantity not in quantities:
            self.quantity = quantities[0]
            return
        total = run.config.total_steps if run.config else max(view.steps_done, 1)
        frame = distributions_frame(view, self.quantity, self.cursor, total, self.moments)
        self.frame = frame
        self._draw(frame, quantities)

    def _draw(self, frame: DistributionsFrame, quantities: tuple[str, ...]) -> None:
        """Put the frame on screen."""
        title = self.query_one("#dist-title", Static)
        note = self.query_one("#dist-note", Static)
        row = self.query_one("#dist-bands", Horizontal)
        histogram = self.query_one(HistogramChart)
        if frame.missing or frame.spec is None:
            title.update(f"[b]distributions[/b] · {frame.missing}")
            note.update("")
            row.display = histogram.display = False
            return
        row.display = histogram.display = True
        others = " · ".join(q for q in quantities if q != frame.quantity)
        shown = (
            "mean and mean ± SD"
            if self.moments and frame.quantity == "activation"
            else ("percentiles 2/16/50/84/98")
        )
        title.update(
            f"[b]{frame.title}[/b] of each layer, every {frame.every}th step: {shown} over "
            f"the run, then the histograms at step {frame.step}"
            + (f" · tab: {others}" if others else "")
        )
        note.update(frame.note)
        ticks = axis_ticks(frame.spec)
        picks = shown_layers(len(frame.bands))
        charts = list(row.query(BandsChart))
        if len(charts) != len(picks):
            row.remove_children()
            charts = [BandsChart() for _ in picks]
            row.mount_all(charts)
        no_color = self.app.no_color
        for chart, index in zip(charts, picks, strict=True):
            color = layer_color(picks.index(index), len(picks), no_color)
            chart.show(frame.bands[index], ticks, frame.total_steps, color, frame.step)
        histogram.show(frame.histograms, ticks, f"{frame.title} at step {frame.step}")

    # Actions -----------------------------------------------------------------

    def action_close(self) -> None:
        """Back to the live monitor."""
        self.dismiss()

    def action_quantity(self, step: int) -> None:
        """Show the next (1) or previous (-1) quantity the run counts."""
        quantities = quantities_of(self.controller.current.history.view())
        if self.quantity in quantities:
            index = quantities.index(self.quantity)
            self.quantity = quantities[(index + step) % len(quantities)]

    def action_move(self, step: int) -> None:
        """Move the cursor a counted step back (-1) or on (1)."""
        histograms = self.controller.current.history.view().histograms
        if histograms is None or len(histograms) == 0:
            return
        steps = [int(s) for s in histograms.steps]
        at = steps.index(self.frame.step) if self.frame and self.frame.step in steps else len(steps)
        index = max(0, min(len(steps) - 1, at + step))
        self.cursor = None if index == len(steps) - 1 else steps[index]

    def action_toggle_moments(self) -> None:
        """The activations' bands as mean and mean ± SD, or as percentiles."""
        self.moments = not self.moments

    def action_latest(self) -> None:
        """Back to the latest counted step."""
        self.cursor = None
