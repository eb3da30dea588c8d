"""The note shown instead of the layout when the terminal is too small."""

from __future__ import annotations

from textual.widgets import Static


def too_small_text(width: int, height: int, min_width: int, min_height: int) -> str:
    """Return the note for a ``width``×``height`` terminal."""
    return (
        f"Terminal too small ({width}×{height}).\n"
        f"vgtui needs {min_width}×{min_height}.\n"
        "Enlarge it, or press q to quit."
    )


class TooSmall(Static):
    """A short note asking for a larger terminal; training goes on meanwhile."""

    def show(self, width: int, height: int, min_width: int, min_height: int) -> None:
        """Describe the current and the needed size."""
        self.update(too_small_text(width, height, min_width, min_height))
