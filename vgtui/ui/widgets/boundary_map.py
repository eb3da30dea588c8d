"""The decision boundary: the network's predicted probability over the plane, the data on top.

Each terminal cell holds two pixels, one above the other (a half block whose
foreground is the upper pixel and background the lower). A pixel is the
probability of class 1 where the boundary is known, on a scale that runs from
blue (class 0) through a dark neutral at 0.5 to orange (class 1), or a data
point, in the light tint of its class. Under ``NO_COLOR`` a cell is a glyph:
``o`` and ``x`` for the points of class 0 and 1, and a shade for the
probability (blank, ``·``, ``░``, ``▒`` from sure class 0 to sure class 1).
Blue and orange stay apart for the common kinds of colour blindness.
"""

from __future__ import annotations

import functools

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as WidgetRenderResult
from textual.widget import Widget

from vgtui.data.datasets import Extent
from vgtui.records import Boundary

#: Levels of the probability scale, from sure class 0 to sure class 1.
LEVELS = 11
#: The scale's colours at p = 0, 0.5 and 1: blue, a dark neutral, orange.
LOW_RGB, MID_RGB, HIGH_RGB = (40, 90, 170), (38, 38, 42), (200, 105, 30)
#: The data points' colours, light tints of the classes, so they stand out on either side.
POINT_RGB = ((150, 200, 255), (255, 205, 150))
#: Glyphs of the probability under NO_COLOR, from sure class 0 to sure class 1.
SHADES = (" ", "·", "░", "▒")
#: Glyphs of the data points under NO_COLOR.
POINT_GLYPHS = ("o", "x")
NO_DATA = -1
#: Points a pixel from which, over a boundary, points are drawn on every other pixel
#: (every other cell under NO_COLOR) only, a checkerboard, so the probability shows between.
DENSE_POINTS = 0.5


@functools.lru_cache(maxsize=LEVELS)
def level_color(level: int) -> Color:
    """The colour of a level of the probability scale."""
    t = level / (LEVELS - 1) * 2 - 1  # -1 (class 0) .. 1 (class 1)
    end = LOW_RGB if t < 0 else HIGH_RGB
    rgb = (round(m + (e - m) * abs(t)) for m, e in zip(MID_RGB, end, strict=True))
    return Color.from_rgb(*rgb)


@functools.lru_cache(maxsize=2)
def point_color(label: int) -> Color:
    """The colour of the data points of class ``label``."""
    return Color.from_rgb(*POINT_RGB[label])


def probability_pixels(boundary: Boundary, extent: Extent, size: int) -> np.ndarray:
    """The probability at each of size × size pixels over ``extent``, top row first.

    Each pixel takes the grid point nearest its centre; NaN outside the grid.
    """
    x0, x1, y0, y1 = extent
    centres = (np.arange(size) + 0.5) / size
    xs = x0 + centres * (x1 - x0)
    ys = y1 - centres * (y1 - y0)  # top row first
    bx0, bx1, by0, by1 = boundary.extent
    grid = boundary.probability
    rows, cols = grid.shape
    c = np.rint((xs - bx0) / (bx1 - bx0) * (cols - 1)) if bx1 > bx0 else np.zeros(size)
    r = np.rint((ys - by0) / (by1 - by0) * (rows - 1)) if by1 > by0 else np.zeros(size)
    inside_c, inside_r = (c >= 0) & (c < cols), (r >= 0) & (r < rows)
    out = np.full((size, size), np.nan)
    ci = np.clip(c, 0, cols - 1).astype(int)
    ri = np.clip(r, 0, rows - 1).astype(int)
    out[:] = grid[ri[:, None], ci[None, :]]
    out[~inside_r, :] = np.nan
    out[:, ~inside_c] = np.nan
    return out


def point_pixels(x: np.ndarray, y: np.ndarray, extent: Extent, size: int) -> np.ndarray:
    """Which class of data point each pixel shows (NO_DATA: none), the majority where they mix."""
    x0, x1, y0, y1 = extent
    j = np.floor((x[:, 0] - x0) / (x1 - x0) * size).astype(np.int64)
    i = np.floor((y1 - x[:, 1]) / (y1 - y0) * size).astype(np.int64)
    keep = (i >= 0) & (i < size) & (j >= 0) & (j < size)
    flat = i[keep] * size + j[keep]
    labels = y[keep] > 0.5
    ones = np.bincount(flat[labels], minlength=size * size)
    zeros = np.bincount(flat[~labels], minlength=size * size)
    out = np.where(ones > zeros, 1, 0)
    out[(ones + zeros) == 0] = NO_DATA
    return out.reshape(size, size)


def probability_levels(probability: np.ndarray) -> np.ndarray:
    """Probabilities as levels 0..LEVELS-1; NO_DATA where NaN."""
    out = np.full(probability.shape, NO_DATA, dtype=np.int64)
    finite = np.isfinite(probability)
    out[finite] = np.rint(np.clip(probability[finite], 0, 1) * (LEVELS - 1)).astype(np.int64)
    return out


Legend = list[tuple[str, Style | None]]


class BoundaryPicture:
    """Rich renderable of the pixels: half blocks in colour, glyphs under NO_COLOR."""

    def __init__(
        self, levels: np.ndarray, points: np.ndarray, offset: int, legend: Legend, plain: bool
    ) -> None:
        """Keep (pixels, pixels) level and point arrays, drawn ``offset`` cells from the left."""
        self.levels = levels
        self.points = points
        self.offset = offset
        self.legend = legend
        self.plain = plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield a line of cells for every two rows of pixels, then the legend."""
        rows = len(self.levels)
        pad = Segment(" " * self.offset)
        for top in range(0, rows - 1, 2):
            yield pad
            cells = zip(
                self.levels[top], self.levels[top + 1], self.points[top], self.points[top + 1]
            )
            for upper, lower, p_upper, p_lower in cells:
                if self.plain:
                    yield _glyph(upper, lower, p_upper, p_lower)
                else:
                    yield _half_block(_color(upper, p_upper), _color(lower, p_lower))
            yield Segment.line()
        for text, style in self.legend:
            yield Segment(text, style)


def _color(level: int, point: int) -> Color | None:
    """A pixel's colour: its data point's, else its probability's, else none."""
    if point != NO_DATA:
        return point_color(point)
    return level_color(level) if level != NO_DATA else None


def _half_block(upper: Color | None, lower: Color | None) -> Segment:
    """One cell, its upper pixel over its lower one."""
    if upper is None and lower is None:
        return Segment(" ")
    if upper is None:
        return Segment("▄", Style(color=lower))
    return Segment("▀", Style(color=upper, bgcolor=lower))


def _glyph(upper: int, lower: int, p_upper: int, p_lower: int) -> Segment:
    """One cell under NO_COLOR: a data point's glyph, else a shade of the probability."""
    points = [p for p in (p_upper, p_lower) if p != NO_DATA]
    if points:
        return Segment(POINT_GLYPHS[max(points)], Style(bold=True))
    levels = [v for v in (upper, lower) if v != NO_DATA]
    if not levels:
        return Segment(" ")
    p = sum(levels) / len(levels) / (LEVELS - 1)
    return Segment(SHADES[min(int(p * len(SHADES)), len(SHADES) - 1)])


def _swatch(color: Color) -> tuple[str, Style]:
    return ("■", Style(color=color))


def legend(
    boundary: Boundary | None, width: int, plain: bool, note: str = "", missing: str = ""
) -> Legend:
    """The line under the picture, the longest form that fits ``width``.

    What it shows (the data alone while there is no boundary, and why:
    ``missing``, by default "no boundary yet"; else the boundary after which
    epoch), the points' classes, and the probability's scale. ``note``
    replaces it all.
    """
    if note:
        return [(note[:width], None)]
    if boundary is None:
        what, short = f"the data, {missing or 'no boundary yet'}", "the data"
    else:
        what = f"boundary after epoch {boundary.epoch}" if boundary.epoch else "boundary"
        short = f"epoch {boundary.epoch}" if boundary.epoch else "boundary"
    if plain:
        keys: Legend = [(" · o class 0 · x class 1", None)]
        brief: Legend = [(" · o 0 · x 1", None)]
        if boundary is not None:
            keys.append((" · ░▒ p(1) > 0.5", None))
            brief.append((" · ░▒ p>.5", None))
    else:
        keys = [(" · points ", None), _swatch(point_color(0)), (" 0 ", None)]
        keys += [_swatch(point_color(1)), (" 1", None)]
        brief = [(" · ", None), _swatch(point_color(0)), ("0 ", None)]
        brief += [_swatch(point_color(1)), ("1", None)]
        if boundary is not None:
            scale = [("█", Style(color=level_color(level))) for level in range(LEVELS)]
            keys += [(" · p(1) 0 ", None), *scale, (" 1", None)]
    forms = [[(what, None), *keys], [(short, None), *keys], [(short, None), *brief]]
    for form in forms:
        if sum(len(text) for text, _ in form) <= width:
            return form
    return [(short[:width], None)]


class BoundaryMap(Widget):
    """The decision boundary over the plane around the data, with the data on top.

    Fed plain data by :meth:`show`: the latest boundary (None before the
    first epoch), the data points and the plane's extent.
    """

    DEFAULT_CSS = """
    BoundaryMap {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        """Create an empty map."""
        super().__init__(id=id, classes=classes)
        self._shown: tuple[object, ...] | None = None
        self._picture: BoundaryPicture | None = None

    @property
    def plain(self) -> bool:
        """Whether colour is off (NO_COLOR): glyphs tell the classes apart."""
        return bool(getattr(self.app, "no_color", False))

    def show(
        self,
        boundary: Boundary | None,
        points: tuple[np.ndarray, np.ndarray] | None,
        extent: Extent | None,
        note: str = "",
        missing: str = "",
    ) -> None:
        """Draw ``boundary`` and ``points`` over ``extent``; ``note`` replaces the legend.

        ``missing`` says why there is no boundary, where there is none (see :func:`legend`).
        """
        width, height = self.size.width, self.size.height
        key = (id(boundary), id(points), extent, note, missing, width, height, self.plain)
        if key == self._shown:
            return
        self._shown = key
        pixels = min(width, 2 * (height - 1))
        pixels -= pixels % 2
        line = legend(boundary, width, self.plain, note, missing)
        if pixels <= 0 or extent is None:
            self._picture = BoundaryPicture(
                np.zeros((0, 0), np.int64), np.zeros((0, 0), np.int64), 0, line, self.plain
            )
            self.refresh()
            return
        if boundary is not None:
            levels = probability_levels(probability_pixels(boundary, extent, pixels))
        else:
            levels = np.full((pixels, pixels), NO_DATA, dtype=np.int64)
        if points is not None:
            dots = point_pixels(points[0], points[1], extent, pixels)
            if boundary is not None and len(points[0]) > DENSE_POINTS * pixels**2:
                rows = (
                    np.arange(pixels) // 2 if self.plain else np.arange(pixels)
                )  # cells, or pixels
                dots[np.add.outer(rows, np.arange(pixels)) % 2 == 1] = NO_DATA
        else:
            dots = np.full((pixels, pixels), NO_DATA, dtype=np.int64)
        offset = (width - pixels) // 2
        self._picture = BoundaryPicture(levels, dots, offset, line, self.plain)
        self.refresh()

    def render(self) -> WidgetRenderResult:
        """Draw the picture (nothing before the first :meth:`show`)."""
        return self._picture if self._picture is not None else ""


def square_cells(height: int) -> int:
    """Columns a map ``height`` lines tall needs to draw its plane square (legend included)."""
    return max(2 * (height - 1), 0)
