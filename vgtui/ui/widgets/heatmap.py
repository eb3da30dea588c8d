"""The gradient-flow heatmap: one row per layer, time along x, colour = log10 gradient SD.

Two layers share each line of the terminal: the upper one is the foreground
of a half block, the lower one its background; where even so the layers do not
fit, neighbouring layers are averaged. The scale is fixed, so a
vanishing network shows as a dark band spreading from the input side.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as WidgetRenderResult
from textual.widget import Widget

from vgtui.display.series import columns, log10_magnitude
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX

#: The fixed colour scale, in decades of the gradient SD.
LOW, HIGH = -8.0, 0.0
#: Colour stops from LOW to HIGH: dark (vanishing) to bright.
STOPS = ((0, 0, 0), (40, 20, 110), (150, 40, 120), (235, 110, 40), (250, 240, 120))
LEVELS = 32
#: Cells taken by the label in front of each line.
LABEL = 4
SD = STAT_INDEX["grad_sd"]


@functools.lru_cache(maxsize=LEVELS + 1)
def level_color(level: int) -> Color:
    """Colour of one of LEVELS levels of the scale, from dark to bright."""
    position = level / (LEVELS - 1) * (len(STOPS) - 1)
    i = min(int(position), len(STOPS) - 2)
    t = position - i
    rgb = (round(a + (b - a) * t) for a, b in zip(STOPS[i], STOPS[i + 1], strict=True))
    return Color.from_rgb(*rgb)


def levels(values: np.ndarray) -> np.ndarray:
    """Map log10 SDs onto 0..LEVELS-1 on the fixed scale; -1 where there is no data."""
    out = np.full(values.shape, -1, dtype=np.int64)
    finite = ~np.isnan(values)
    clipped = np.clip(values[finite], LOW, HIGH)  # -inf (a zero SD) sits on the floor
    out[finite] = np.round((clipped - LOW) / (HIGH - LOW) * (LEVELS - 1)).astype(np.int64)
    return out


class HeatmapLines:
    """Rich renderable of a (layers, columns) grid of levels, two layers a line."""

    def __init__(self, grid: np.ndarray, legend: bool = True) -> None:
        """Keep the grid; ``legend`` adds the scale's line at the bottom."""
        self.grid = grid
        self.legend = legend

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield the lines: a label, then one half block a column."""
        layers = len(self.grid)
        for top in range(0, layers, 2):
            label = "in" if top == 0 else ("out" if top + 2 >= layers else "")
            yield Segment(f"{label:<{LABEL}}")
            upper = self.grid[top]
            lower = self.grid[top + 1] if top + 1 < layers else None
            for col in range(len(upper)):
                yield _cell(int(upper[col]), None if lower is None else int(lower[col]))
            yield Segment.line()
        if self.legend:
            yield from legend_segments()


def _cell(upper: int, lower: int | None) -> Segment:
    """One cell: the upper layer's colour above, the lower layer's below."""
    fg = level_color(upper) if upper >= 0 else None
    bg = level_color(lower) if lower is not None and lower >= 0 else None
    if fg is None and bg is None:
        return Segment(" ")
    if fg is None:
        return Segment("▄", Style(color=bg))
    return Segment("▀", Style(color=fg, bgcolor=bg))


def legend_segments() -> list[Segment]:
    """The scale: log10 grad SD from LOW (dark, vanishing) to HIGH."""
    segments = [Segment(f"{'':<{LABEL}}log10 grad SD {LOW:+.0f} ")]
    segments += [Segment("█", Style(color=level_color(level))) for level in range(0, LEVELS, 2)]
    segments.append(Segment(f" {HIGH:+.0f}  dark = vanishing"))
    return segments


def heatmap_grid(
    view: HistoryView, total_steps: int, width: int, rows: int | None = None
) -> np.ndarray:
    """Resample the view's gradient SDs to (layers, width) levels on the fixed scale.

    Columns with no step of their own (a short run on a wide screen) repeat
    the column before them. With ``rows`` fewer than the layers, neighbouring
    layers are averaged (in decades) into ``rows`` rows.
    """
    if view.step_stats.ndim != 3 or width <= 0 or len(view.step_x) == 0:
        return np.full((0, max(width, 0)), -1, dtype=np.int64)
    sds = log10_magnitude(view.step_stats[:, :, SD])
    grid = np.stack(
        [columns(view.step_x, sds[:, i], total_steps, width) for i in range(sds.shape[1])]
    )
    last = int(np.flatnonzero(~np.isnan(grid).all(axis=0)).max(initial=-1))
    filled = np.where(~np.isnan(grid).all(axis=0), np.arange(width), 0)
    filled = np.maximum.accumulate(filled)
    grid[:, : last + 1] = grid[:, filled[: last + 1]]
    if rows is not None and 0 < rows < len(grid):
        groups = np.array_split(np.arange(len(grid)), rows)
        with np.errstate(invalid="ignore"):
            grid = np.stack([np.clip(grid[g], LOW, HIGH).mean(axis=0) for g in groups])
    return levels(grid)


class GradientHeatmap(Widget):
    """Gradient flow through every layer over the run, input side at the top."""

    DEFAULT_CSS = """
    GradientHeatmap {
        height: auto;
    }
    """

    def __init__(self, layers: int, **kwargs: object) -> None:
        """Create the heatmap for a network of ``layers`` Dense layers."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.layer_count = layers
        self._grid = np.full((layers, 0), -1, dtype=np.int64)

    def set_layers(self, layers: int) -> None:
        """Draw a network of ``layers`` Dense layers instead."""
        if layers != self.layer_count:
            self.layer_count = layers
            self._grid = np.full((layers, 0), -1, dtype=np.int64)
            self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """Two layers a line, and the legend."""
        return math.ceil(self.layer_count / 2) + 1

    @property
    def columns_wide(self) -> int:
        """Columns of the plot itself, without the labels."""
        return max(self.size.width - LABEL, 0)

    def show(self, view: HistoryView, total_steps: int) -> None:
        """Redraw from ``view``; the run is ``total_steps`` long."""
        lines = self.size.height - 1  # the legend takes one
        rows = 2 * lines if 0 < lines < math.ceil(self.layer_count / 2) else None
        grid = heatmap_grid(view, total_steps, self.columns_wide, rows)
        if len(grid) == 0:
            grid = np.full((rows or self.layer_count, self.columns_wide), -1, dtype=np.int64)
        if grid.shape == self._grid.shape and np.array_equal(grid, self._grid):
            return
        self._grid = grid
        self.refresh()

    def render(self) -> WidgetRenderResult:
        """Draw the grid and its legend."""
        return HeatmapLines(self._grid)
