"""The throttle that lets a live run's epochs through at the pace chosen, so that it can be watched.

The pace is epochs a second (``<`` and ``>`` step it). The engine trains as
fast as it goes, several epochs to a compiled call; a run's throttle holds
each epoch back on the training thread until its turn, so the screen shows
them one by one. At the fastest pace nothing waits, and the throughput is
the engine's own. The headless run is never paced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Epochs a second, slowest first; None is as fast as the engine goes.
PACES: tuple[float | None, ...] = (1.0, 3.0, 7.0, 20.0, 60.0, None)
#: The app's pace: the tutorial's 100 epochs take about 15 s on screen.
DEFAULT_PACE = 7.0


def pace_label(rate: float | None) -> str:
    """The pace in words, e.g. ``7 ep/s`` or ``max``."""
    return "max" if rate is None else f"{rate:g} ep/s"


def next_pace(rate: float | None, step: int) -> float | None:
    """The pace ``step`` places faster (1) or slower (-1), stopping at the ends."""
    index = PACES.index(rate) if rate in PACES else PACES.index(DEFAULT_PACE)
    return PACES[max(0, min(len(PACES) - 1, index + step))]


class EpochThrottle:
    """Lets at most ``rate`` epochs a second through; safe to change from another thread."""

    def __init__(self, rate: float | None, now: Callable[[], float] = time.monotonic) -> None:
        """Start at ``rate`` epochs a second (None: no waiting)."""
        self._rate = rate
        self._now = now
        self._last: float | None = None
        self._changed = threading.Event()

    @property
    def rate(self) -> float | None:
        """Epochs a second; None when nothing waits."""
        return self._rate

    def set_rate(self, rate: float | None) -> None:
        """Change the pace; an epoch waiting now is re-timed at once."""
        self._rate = rate
        self._changed.set()

    def wait_turn(self, stop: threading.Event, held: Callable[[], bool]) -> None:
        """Block until the next epoch may be shown, while ``held()``, or until ``stop`` is set."""
        while not stop.is_set():
            rate = self._rate
            if held():
                stop.wait(0.05)
                continue
            if rate is None or self._last is None:
                break
            delay = self._last + 1 / rate - self._now()
            if delay <= 0:
                break
            self._changed.clear()
            if self._changed.wait(min(delay, 0.1)) or stop.wait(0):
                continue
        self._last = self._now()
