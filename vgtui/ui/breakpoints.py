"""Textual's breakpoint classes, chosen as Textual chooses them, for a size known in advance."""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen


def breakpoint_classes(size: int, breakpoints: list[tuple[int, str]]) -> dict[str, bool]:
    """Each breakpoint's class: True for the one ``size`` cells fall in, False for the others.

    As ``textual.screen.Screen`` does on a resize: the highest breakpoint not
    above ``size`` wins.
    """
    chosen = next((name for low, name in sorted(breakpoints, reverse=True) if size >= low), None)
    return {name: name == chosen for _, name in breakpoints}


def size_classes(app: App[object], screen: Screen[object]) -> dict[str, bool]:
    """The breakpoint classes ``screen`` of ``app`` takes at the terminal's size now.

    Given to the first screen before it is mounted, they spare Textual's
    restyling of every widget when it adds them at the first resize.
    """
    width, height = app.size
    horizontal = screen.HORIZONTAL_BREAKPOINTS
    vertical = screen.VERTICAL_BREAKPOINTS
    return {
        **breakpoint_classes(
            width, app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal
        ),
        **breakpoint_classes(height, app.VERTICAL_BREAKPOINTS if vertical is None else vertical),
    }
