"""The gradient-flow heatmap: one line per layer, time along x, colour = log10 gradient SD.

The colour scale is the session's (the same value, the same colour, in every
run), shifted by whole decades with ``{`` and ``}``; it is viridis, dark where
the gradient vanishes. Values below the scale are marked ``·``, above ``+``.
The layer names stay at the left, the scale above and the step axis below;
the layer lines scroll when they do not fit.
"""

from __future__ import annotations

import functools

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.app import RenderResult as WidgetRenderResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from vgtui.display.colors import viridis
from vgtui.display.heatmap import ABOVE, BELOW, EMPTY, LEVELS, HeatmapFrame
from vgtui.display.names import fit_name
from vgtui.ui.widgets.scrolling import scroll_by_key

#: Cells taken by the layer names in front of each line.
LABEL = 9
#: Glyphs of the levels on a screen without colour, sparse to dense.
RAMP = " .:-=+*#%@"


@functools.lru_cache(maxsize=LEVELS + 1)
def level_color(level: int) -> Color:
    """Colour of one of LEVELS levels of the scale, from dark to bright."""
    return Color.from_rgb(*viridis(level / (LEVELS - 1)))


def cell(level: int, no_color: bool) -> Segment:
    """One cell of the map."""
    if level == EMPTY:
        return Segment(" ")
    if level == BELOW:
        return Segment("·", Style(color="grey50"))
    if level == ABOVE:
        return Segment("+", Style(color="white", bold=True))
    if no_color:
        return Segment(RAMP[min(len(RAMP) - 1, level * len(RAMP) // LEVELS)])
    return Segment("█", Style(color=level_color(level)))


class HeatmapRows:
    """Rich renderable: one labelled line per layer."""

    def __init__(self, grid: np.ndarray, names: tuple[str, ...], no_color: bool) -> None:
        """Keep the grid of levels and the layer names."""
        self.grid = grid
        self.names = names
        self.no_color = no_color

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield the lines: the layer's name, then one cell a column."""
        for i, row in enumerate(self.grid):
            name = self.names[i] if i < len(self.names) else ""
            yield Segment(f"{fit_name(name, LABEL - 1):<{LABEL}}")
            for level in row:
                yield cell(int(level), self.no_color)
            yield Segment.line()


class HeatmapBody(Widget):
    """The layer lines themselves, as tall as there are layers."""

    DEFAULT_CSS = """
    HeatmapBody {
        height: auto;
    }
    """

    grid: np.ndarray = np.zeros((0, 0), dtype=np.int64)
    names: tuple[str, ...] = ()

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """One line a layer."""
        return max(len(self.names), 1)

    def render(self) -> WidgetRenderResult:
        """Draw the grid."""
        return HeatmapRows(self.grid, self.names, self.app.no_color)


def legend_text(bounds: tuple[float, float], what: str, no_color: bool) -> list[Segment]:
    """The scale line: its decades, the ramp, and the marks of values off the scale."""
    low, high = bounds
    segments = [Segment(f"{'':<{LABEL}}log10 {what} SD  1e{low:+.0f} ")]
    segments += [cell(level, no_color) for level in range(0, LEVELS, 2)]
    segments.append(Segment(f" 1e{high:+.0f}   "))
    segments += [cell(BELOW, no_color), Segment(" below  "), cell(ABOVE, no_color)]
    segments.append(Segment(" above   { } shift"))
    return segments


def axis_text(total_steps: int, width: int) -> str:
    """The step axis under the map: 0 at the left, the run's length at the right."""
    end = f"{total_steps}"
    middle = f"{total_steps // 2}"
    line = [" "] * max(width, 0)
    for position, label in ((0, "0"), ((width - len(middle)) // 2, middle)):
        line[position : position + len(label)] = label
    line[max(0, width - len(end)) :] = end[:width]
    return f"{'step':<{LABEL}}" + "".join(line)[:width]


class GradientHeatmap(Vertical):
    """Gradient flow through every layer over the run, input side at the top."""

    DEFAULT_CSS = """
    GradientHeatmap {
        height: auto;
    }
    GradientHeatmap > #heat-rows {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    GradientHeatmap > .heat-line {
        height: 1;
        color: $text-muted;
    }
    """

    def __init__(self, layers: int, *, id: str | None = None) -> None:
        """Create the heatmap for a network of ``layers`` layers."""
        super().__init__(id=id)
        self.layer_count = layers
        self._grid = np.full((layers, 0), EMPTY, dtype=np.int64)
        self._shown: tuple[object, ...] | None = None
        self._frame: HeatmapFrame | None = None
        #: Lines the heatmap may take at most (the screen sets it); None: all it needs.
        self.room: int | None = None

    def set_layers(self, layers: int) -> None:
        """Draw a network of ``layers`` layers instead."""
        if layers != self.layer_count:
            self.layer_count = layers
            self._grid = np.full((layers, 0), EMPTY, dtype=np.int64)
            self._shown = None

    def compose(self) -> ComposeResult:
        """The scale line, the scrolling layer lines, the step axis."""
        yield Static("", classes="heat-line", id="heat-legend")
        with VerticalScroll(id="heat-rows", can_focus=False):
            yield HeatmapBody()
        yield Static("", classes="heat-line", id="heat-axis")

    @property
    def columns_wide(self) -> int:
        """Columns of the map itself, without the names and the scroll bar."""
        return max(self.size.width - LABEL - 1, 0)

    def scroll_lines(self, key: str) -> None:
        """Scroll the layer lines: ``up``, ``down``, ``pageup`` or ``pagedown``."""
        scroll_by_key(self.query_one("#heat-rows", VerticalScroll), key)

    def on_resize(self) -> None:
        """Draw the last frame again at the new width (the first layout gives the map one)."""
        if self._frame is not None:
            self.show(self._frame)

    def show(self, frame: HeatmapFrame) -> None:
        """Redraw ``frame`` at this map's width."""
        self._frame = frame
        grid = frame.grid(self.columns_wide)
        names = frame.names or tuple(f"{i + 1}" for i in range(self.layer_count))
        if len(grid) == 0:
            grid = np.full((len(names), self.columns_wide), EMPTY, dtype=np.int64)
        self._grid = grid
        self.styles.height = len(names) + 2 if self.room is None else min(len(names) + 2, self.room)
        bounds, what, total_steps = frame.bounds, frame.what, frame.total_steps
        key = (grid.tobytes(), grid.shape, names, bounds, what, total_steps, self.size)
        if key == self._shown:
            return
        self._shown = key
        no_color = self.app.no_color
        body = self.query_one(HeatmapBody)
        body.grid, body.names = grid, names
        body.refresh(layout=True)
        legend = legend_text(bounds, what, no_color)
        self.query_one("#heat-legend", Static).update(_text(legend))
        self.query_one("#heat-axis", Static).update(axis_text(total_steps, self.columns_wide))


def _text(segments: list[Segment]) -> Text:
    """Segments as a Rich Text."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for segment in segments:
        text.append(segment.text, style=segment.style)
    return text
