"""A sparkline drawn against fixed bounds, so that several rows share one scale."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence

from rich.color import Color as RichColor
from rich.color import blend_rgb
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as WidgetRenderResult
from textual.reactive import reactive
from textual.widgets import Sparkline

from vgtui.display.colors import OKABE_ITO, viridis
from vgtui.display.series import ColumnSeries

BARS = "▁▂▃▄▅▆▇█"


class FixedScaleBars:
    """Rich renderable: one column a value, heights relative to fixed bounds.

    NaN leaves a column blank (no data there); values beyond the bounds,
    infinities included, are drawn at the floor or the top.
    """

    def __init__(
        self,
        data: Sequence[float],
        bounds: tuple[float, float],
        width: int,
        height: int,
        min_color: RichColor,
        max_color: RichColor,
        sequential: bool = False,
        signed: bool = False,
        no_color: bool = False,
    ) -> None:
        """Keep what to draw; ``data`` has at most ``width`` values.

        A ``signed`` sparkline takes values in [-1, 1]: the bar's height is
        the magnitude, its colour the sign (orange +, blue −); without colour
        (``no_color``), a negative value's bar hangs from the top.
        """
        self.signed = signed
        self.no_color = no_color
        self.data = data
        self.bounds = bounds
        self.width = width
        self.height = max(1, height)
        self.sequential = sequential
        self.min_color = min_color
        self.max_color = max_color

    def ratios(self) -> list[float]:
        """Each column's height as a fraction of the bounds, NaN where blank."""
        low, high = self.bounds
        extent = high - low or 1.0
        out = []
        for value in list(self.data)[: self.width]:
            if math.isnan(value):
                out.append(math.nan)
            elif self.signed:
                out.append(min(1.0, abs(value)))
            else:
                out.append(min(1.0, max(0.0, (value - low) / extent)))
        return out + [math.nan] * (self.width - len(out))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield the bars, top line first, one segment per run of equal cells."""
        if self.signed and self.no_color:
            yield from self._hanging()
            return
        levels = len(BARS) * self.height
        if self.signed:
            palette = _signed_palette(levels)
        elif self.sequential:
            palette = _viridis_palette(levels)
        else:
            palette = _palette(self.min_color, self.max_color, levels)
        heights = [-1 if math.isnan(r) else min(levels - 1, int(r * levels)) for r in self.ratios()]
        if self.signed:  # negative values take the second half of the palette
            values = [*list(self.data)[: self.width], *[math.nan] * self.width][: self.width]
            shift = [levels if v < 0 else 0 for v in values]
        for line in reversed(range(self.height)):
            low = line * len(BARS)
            cells: list[tuple[str, int]] = []
            for column, level in enumerate(heights):
                style = level + shift[column] if self.signed and level >= 0 else level
                if level < low:
                    cells.append((" ", -1))
                elif level >= low + len(BARS):
                    cells.append(("█", style))
                else:
                    cells.append((BARS[level - low], style))
            yield from _runs(cells, palette)
            if line > 0:
                yield Segment.line()

    def _hanging(self) -> RenderResult:
        """Without colour, a signed sparkline: positive bars stand, negative bars hang.

        A bar hanging from the top is drawn in reverse video: the cell's
        glyph is the part left empty.
        """
        levels = len(BARS) * self.height
        heights = [-1 if math.isnan(r) else min(levels - 1, int(r * levels)) for r in self.ratios()]
        values = [*list(self.data)[: self.width], *[math.nan] * self.width][: self.width]
        plain_and_reverse = (Style(), Style(reverse=True))
        for line in reversed(range(self.height)):
            low = line * len(BARS)
            top = (self.height - 1 - line) * len(BARS)
            cells: list[tuple[str, int]] = []
            for level, value in zip(heights, values, strict=True):
                if level < 0:
                    cells.append((" ", -1))
                elif value >= 0:
                    below = level < low
                    full = level >= low + len(BARS)
                    cells.append((" " if below else "█" if full else BARS[level - low], 0))
                elif level < top:
                    cells.append((" ", -1))
                elif level >= top + len(BARS) - 1:
                    cells.append(("█", 0))
                else:
                    filled = level - top + 1  # eighths filled from the top
                    cells.append((BARS[len(BARS) - 1 - filled], 1))
            yield from _runs(cells, plain_and_reverse)
            if line > 0:
                yield Segment.line()


@functools.lru_cache(maxsize=64)
def _palette(min_color: RichColor, max_color: RichColor, levels: int) -> tuple[Style, ...]:
    """One style per bar level, blended from ``min_color`` to ``max_color``."""
    low, high = min_color.get_truecolor(), max_color.get_truecolor()
    return tuple(
        Style.from_color(RichColor.from_triplet(blend_rgb(low, high, i / max(levels - 1, 1))))
        for i in range(levels)
    )


@functools.lru_cache(maxsize=16)
def _signed_palette(levels: int) -> tuple[Style, ...]:
    """Styles of positive bars (orange), then of negative bars (blue), one per level."""
    positive = Style(color=RichColor.from_rgb(*OKABE_ITO[0]))
    negative = Style(color=RichColor.from_rgb(*OKABE_ITO[1]))
    return (positive,) * levels + (negative,) * levels


@functools.lru_cache(maxsize=16)
def _viridis_palette(levels: int) -> tuple[Style, ...]:
    """One style per bar level along viridis (from its second quarter: dark bars vanish)."""
    return tuple(
        Style(color=RichColor.from_rgb(*viridis(0.25 + 0.75 * i / max(levels - 1, 1))))
        for i in range(levels)
    )


def _runs(cells: list[tuple[str, int]], palette: tuple[Style, ...]) -> Iterator[Segment]:
    """Join neighbouring cells of one style into one segment each."""
    start = 0
    for i in range(1, len(cells) + 1):
        if i == len(cells) or cells[i][1] != cells[start][1]:
            text = "".join(char for char, _ in cells[start:i])
            level = cells[start][1]
            yield Segment(text, palette[level] if level >= 0 else None)
            start = i


class ScaledSparkline(Sparkline):
    """Textual's Sparkline, drawn against ``bounds`` instead of its data's own range.

    ``data`` is one value a column, or :meth:`show` gives a series that is
    averaged into as many columns as the sparkline is wide when it is drawn;
    NaN leaves a column blank. A ``sequential`` sparkline colours its bars
    along viridis (a magnitude: dark is small); otherwise between its CSS min
    and max colours.
    """

    bounds: reactive[tuple[float, float]] = reactive((0.0, 1.0))
    series: reactive[ColumnSeries | None] = reactive(None)

    def __init__(
        self,
        data: Sequence[float] | None = None,
        *,
        sequential: bool = False,
        signed: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the sparkline of ``data``, one value a column (see Textual's Sparkline)."""
        super().__init__(data, id=id, classes=classes)
        self.sequential = sequential
        self.signed = signed

    def show(self, series: ColumnSeries, bounds: tuple[float, float]) -> None:
        """Draw ``series`` against ``bounds``, at whatever width the sparkline has."""
        self.bounds = bounds
        self.series = series

    def drawn(self) -> list[float]:
        """The values drawn now, one a column: the series at this width, or the data."""
        if self.series is not None:
            return self.series.at_width(self.size.width).tolist()
        return list(self.data or [])

    def render(self) -> WidgetRenderResult:
        """Draw the bars against the shared bounds."""
        data = self.drawn()
        _, base = self.background_colors
        min_color = base + self.get_component_styles("sparkline--min-color").color
        max_color = base + self.get_component_styles("sparkline--max-color").color
        return FixedScaleBars(
            data,
            self.bounds,
            width=self.size.width,
            height=self.size.height,
            min_color=min_color.rich_color,
            max_color=max_color.rich_color,
            sequential=self.sequential and not self.app.no_color,
            signed=self.signed and self.bounds == (-1.0, 1.0),
            no_color=self.app.no_color,
        )
