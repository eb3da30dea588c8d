"""The colour each kept run is drawn in, the same in every comparison chart."""

from __future__ import annotations

PALETTE: tuple[str, ...] = ("red+", "cyan+", "green+", "yellow+", "magenta+", "blue+", "orange")


def run_color(number: int) -> str:
    """The plotext colour of the run numbered ``number`` (1-based)."""
    return PALETTE[(number - 1) % len(PALETTE)]
