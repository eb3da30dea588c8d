"""The row that holds the charts (the loss chart, the figure, the boundary map)."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.message import Message


class ChartsRow(Horizontal):
    """A row of charts that says when its size changes (the map fits itself to it)."""

    class Resized(Message):
        """The row has a new size, laid out."""

    def on_resize(self) -> None:
        """Tell the screen: what the row holds is fitted to its size."""
        self.post_message(self.Resized())
