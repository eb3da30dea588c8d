"""Textual's breakpoint classes, chosen as Textual chooses them, for a size known in advance."""

from __future__ import annotations


def breakpoint_classes(size: int, breakpoints: list[tuple[int, str]]) -> dict[str, bool]:
    """Each breakpoint's class: True for the one ``size`` cells fall in, False for the others.

    As ``textual.screen.Screen`` does on a resize: the highest breakpoint not
    above ``size`` wins.
    """
    chosen = next((name for low, name in sorted(breakpoints, reverse=True) if size >= low), None)
    return {name: name == chosen for _, name in breakpoints}
