"""The story panel: the activations compared on one scale, why, and where to go next.

It draws a :class:`~vgtui.display.story.StoryFrame`: a line an activation
with its first hidden layer's median gradient SD as a bar on a log scale,
the value, every layer's SD in a small sparkline (input side first), the
multiple of sigmoid's, the accuracy and the verdict; then the reason and
the next step.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from rich.color import Color
from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from vgtui.display.colors import viridis
from vgtui.display.series import sci
from vgtui.display.story import StoryFrame, StoryRow

#: Eighths of a cell, for the bars.
EIGHTHS = " ▏▎▍▌▋▊▉"
#: Heights of the per-layer sparkline.
BARS = "▁▂▃▄▅▆▇█"
#: Cells the activation's name takes.
NAME = 9
#: Fewest cells a bar takes.
MIN_BAR = 8
#: The most layers the per-layer sparkline shows (a deeper network shows them spread).
MAX_LAYERS = 12
#: From this terminal height, the story also says how typical the seed is.
TALL_ENOUGH = 32
#: Style of each verdict's word.
VERDICT_STYLES = {"vanishing": "bold cyan", "healthy": "green", "exploding": "bold red"}


class StoryPanel(Widget):
    """The activations of the network on screen compared, with the reason and the next step."""

    DEFAULT_CSS = """
    StoryPanel {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.frame: StoryFrame | None = None
        self.bounds: tuple[float, float] = (-4.0, 0.0)

    def show(self, frame: StoryFrame, bounds: tuple[float, float]) -> None:
        """Draw ``frame``, its bars on the log10 ``bounds`` (the session's scale)."""
        self.frame = frame
        self.bounds = bounds
        self.refresh(layout=True)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        """As many lines as the story has."""
        return len(self.lines(width))

    def render(self) -> RenderResult:
        """The story's lines, fitted to the panel's width: one line each, never wrapped."""
        return Group(*self.lines(self.content_region.width or self.size.width))

    def lines(self, width: int) -> list[Text]:
        """Every line of the story at ``width`` cells."""
        frame = self.frame
        if frame is None:
            return []
        if frame.waiting and not frame.rows:
            return [
                Text(part, no_wrap=True, overflow="ellipsis")
                for line in frame.waiting.split("\n")
                for part in textwrap.wrap(line, max(width, 20), subsequent_indent="  ")
            ]
        out = [self._title(frame, width)]
        layers = max((len(r.layer_sds) for r in frame.rows), default=0)
        fixed = NAME + 9 + min(layers, MAX_LAYERS) + 2 + 16 + 9 + 10
        bar = max(MIN_BAR, width - fixed)
        out += [self._row(row, frame.baseline, bar) for row in frame.rows]
        if frame.why:
            why = textwrap.wrap(frame.why, max(width, 20), subsequent_indent="  ")
            out += [Text(line, no_wrap=True, overflow="ellipsis") for line in why[:2]]
        if frame.typical and self.app.size.height >= TALL_ENOUGH:
            typical = textwrap.wrap(frame.typical, max(width, 20), subsequent_indent="  ")
            out += [Text(line, style="dim", no_wrap=True, overflow="ellipsis") for line in typical]
        if frame.next_step:
            hint = Text(no_wrap=True, overflow="ellipsis")
            hint.append("next: ", style="bold")
            key, _, rest = frame.next_step.removeprefix("next: ").partition("  ")
            hint.append(f" {key} ", style="bold reverse")
            hint.append(f" {rest}")
            out.append(hint)
        return out

    def _title(self, frame: StoryFrame, width: int) -> Text:
        """The title line: what the bars are, and their scale."""
        low, high = self.bounds
        scale = f"log 1e{low:+.0f}…1e{high:+.0f}"
        title = f"activations compared · first layer's gradient SD, median over steps · {scale}"
        if len(title) > width:
            title = f"1st layer's grad SD (median) · {scale}"
        return Text(title, style="bold", no_wrap=True, overflow="ellipsis")

    def _row(self, row: StoryRow, baseline: str, bar: int) -> Text:
        """One activation's line."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{row.activation:<{NAME}}"[:NAME], style="bold")
        text.append_text(self._bar(row.first_sd, bar))
        text.append(f" {sci(row.first_sd) if math.isfinite(row.first_sd) else '–':>8}")
        text.append(" ")
        text.append_text(self._layers(row.layer_sds))
        if row.activation == baseline:
            multiple = "base"
        elif row.multiple is None:
            multiple = "–"
        else:
            multiple = f"{_times(row.multiple)} {baseline}'s"
        text.append(f"  {multiple:<16}"[:18])
        accuracy = "acc –" if row.accuracy is None else f"acc {row.accuracy:.2f}"
        text.append(f"{accuracy:<9}")
        if row.live:
            text.append(f"ep {row.epoch}/{row.epochs}", style="italic")
        else:
            text.append(row.verdict, style=VERDICT_STYLES.get(row.verdict, ""))
        return text

    def _level(self, value: float) -> float:
        """Where ``value`` sits on the scale, 0 (its floor) to 1 (its top); NaN: none."""
        if not math.isfinite(value) or value <= 0:
            return math.nan if not math.isfinite(value) else 0.0
        low, high = self.bounds
        return min(1.0, max(0.0, (math.log10(value) - low) / (high - low or 1.0)))

    def _bar(self, value: float, cells: int) -> Text:
        """A horizontal bar of ``cells`` for ``value`` on the log scale."""
        level = self._level(value)
        text = Text()
        if math.isnan(level):
            return text.append(" " * cells)
        eighths = round(level * cells * 8)
        full, part = divmod(eighths, 8)
        body = "█" * full + (EIGHTHS[part] if part and full < cells else "")
        style = self._style(level)
        text.append(body, style=style)
        text.append("·" * (cells - len(body)), style="grey35")
        return text

    def _layers(self, sds: np.ndarray) -> Text:
        """Every layer's SD as a bar's height on the scale, input side first."""
        text = Text()
        shown = sds
        if len(sds) > MAX_LAYERS:
            picks = np.linspace(0, len(sds) - 1, MAX_LAYERS).round().astype(int)
            shown = sds[picks]
        for value in shown:
            level = self._level(float(value))
            if math.isnan(level):
                text.append(" ")
            else:
                text.append(BARS[min(len(BARS) - 1, int(level * len(BARS)))], self._style(level))
        return text

    def _style(self, level: float) -> Style:
        """The colour of a magnitude: viridis, dark where it vanishes (plain without colour)."""
        if self.app.no_color:
            return Style()
        return Style(color=Color.from_rgb(*viridis(0.25 + 0.75 * level)))


def _times(multiple: float) -> str:
    """A multiple as people read it: ``41×``, ``2.5×``, ``0.4×``."""
    if multiple >= 10:
        return f"{multiple:.0f}×"
    return f"{multiple:.2g}×"
