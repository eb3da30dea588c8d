"""Pacing redraws: a part of the screen is redrawn when it changed, but not too often."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Pacer:
    """Says when a part of the screen is due for a redraw.

    A part is due when the key of what it shows differs from the key last
    drawn, and either ``1 / hz`` seconds have passed since it was last drawn
    or the change is urgent (a new run, a key press, a finished run).
    """

    def __init__(self, hz: float, now: Callable[[], float] = time.monotonic) -> None:
        """Allow at most ``hz`` non-urgent redraws a second."""
        self.period = 1 / hz
        self._now = now
        self._key: Hashable = object()
        self._time = float("-inf")

    @property
    def key(self) -> Hashable:
        """The key drawn last."""
        return self._key

    def forget(self) -> None:
        """Forget what was drawn, so that the next call with any key is due."""
        self._key = object()
        self._time = float("-inf")

    def due(self, key: Hashable, urgent: bool = False) -> bool:
        """Return whether to draw ``key`` now; if so, note it as drawn."""
        if key == self._key:
            return False
        now = self._now()
        if not urgent and now - self._time < self.period:
            return False
        self._key, self._time = key, now
        return True
