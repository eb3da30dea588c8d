"""Scrolling a container by the name of the key that asks for it."""

from __future__ import annotations

from textual.containers import ScrollableContainer

#: The keys that scroll, and what each does.
SCROLL_KEYS = ("up", "down", "pageup", "pagedown")


def scroll_by_key(container: ScrollableContainer, key: str) -> None:
    """Scroll ``container`` a line (``up``, ``down``) or a page (``pageup``, ``pagedown``)."""
    moves = {
        "up": container.scroll_up,
        "down": container.scroll_down,
        "pageup": container.scroll_page_up,
        "pagedown": container.scroll_page_down,
    }
    moves[key](animate=False)
