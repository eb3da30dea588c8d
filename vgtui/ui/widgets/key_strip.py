"""The key strip: every key of the screen that fits, most important first, and where the rest are.

Textual's footer shows the keys marked ``show`` in one line and drops what
does not fit without a word. The strip shows the screen's keys in order of
importance (those marked for the footer first, then the others, which a
wide terminal has room for), each group once ("a activation" for a and A);
keys that do not apply now are dimmed; when some do not fit, it ends with
"more: ?", the help, which lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

#: What ends the strip when keys are left out.
MORE = "more: ?"


@dataclass(frozen=True)
class KeyEntry:
    """One key (or group of keys) of the strip.

    Attributes:
        keys: the keys as people write them, e.g. ``a`` or ``←``.
        description: what they do, in a word or two.
        enabled: whether they apply now (dimmed when not).
        shown: marked for the footer (shown before the others).

    """

    keys: str
    description: str
    enabled: bool = True
    shown: bool = True


def fitted(entries: list[KeyEntry], width: int) -> tuple[list[KeyEntry], bool]:
    """The entries that fit ``width`` cells, in order of importance; and whether any are left out.

    The footer's own keys come before the others; when not all fit, room is
    kept for the "more" marker.
    """
    ordered = [e for e in entries if e.shown] + [e for e in entries if not e.shown]
    chosen: list[KeyEntry] = []
    used = 1
    for index, entry in enumerate(ordered):
        need = len(entry.keys) + len(entry.description) + 3
        last = index == len(ordered) - 1
        room = width - used - (0 if last else len(MORE) + 1)
        if need > room:
            return chosen, True
        chosen.append(entry)
        used += need
    return chosen, False


class KeyStrip(Widget):
    """One line of keys: as many as fit, the rest behind "more: ?"."""

    DEFAULT_CSS = """
    KeyStrip {
        height: 1;
        background: $panel;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[KeyEntry] = []

    def show(self, entries: list[KeyEntry]) -> None:
        """Show ``entries`` (in order of importance); the same entries are not redrawn."""
        if entries != self.entries:
            self.entries = entries
            self.refresh()

    def render(self) -> RenderResult:
        """The keys that fit this width, then the marker if some do not."""
        chosen, more = fitted(self.entries, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" ")
        for entry in chosen:
            dim = "" if entry.enabled else " dim"
            text.append(entry.keys, style=f"bold reverse{dim}")
            text.append(f" {entry.description}  ", style="dim" if not entry.enabled else "")
        if more:
            text.append(MORE, style="italic")
        return text
