"""A run's clock: elapsed time that stops while paused, and a smoothed step rate."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

#: Seconds of history the steps-per-second figure is averaged over.
RATE_WINDOW = 2.0


class RunClock:
    """Elapsed running time and steps per second for the run on screen."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        """Start counting now."""
        self._now = now
        self._started = now()
        self._stopped_at: float | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._samples: deque[tuple[float, int]] = deque()

    def pause(self) -> None:
        """Stop the elapsed time until :meth:`resume`."""
        if self._paused_at is None and self._stopped_at is None:
            self._paused_at = self._now()
            self._samples.clear()

    def resume(self) -> None:
        """Count time again after :meth:`pause`."""
        if self._paused_at is not None:
            self._paused_total += self._now() - self._paused_at
            self._paused_at = None

    def stop(self) -> None:
        """Freeze the clock for good (the run has ended)."""
        if self._stopped_at is None:
            self.resume()
            self._stopped_at = self._now()

    @property
    def elapsed(self) -> float:
        """Seconds the run has been running, pauses excluded."""
        end = self._stopped_at or self._paused_at or self._now()
        return max(0.0, end - self._started - self._paused_total)

    def observe(self, steps: int) -> None:
        """Note that ``steps`` steps have been done by now."""
        now = self._now()
        if self._samples and self._samples[-1][1] == steps:
            return
        self._samples.append((now, steps))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW:
            self._samples.popleft()

    @property
    def rate(self) -> float | None:
        """Steps per second over the last few seconds, None while unknown."""
        if self._stopped_at is not None or self._paused_at is not None:
            return None
        if len(self._samples) < 2:
            return None
        (t0, s0), (t1, s1) = self._samples[0], self._samples[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else None


class TrainingSpeed:
    """How fast a source trains: steps over the time it spent making them, waits left out.

    A paced run's source trains a call ahead and then waits for its turn to be
    shown; the time between handing one record over and the next is its
    work. The first call's time (building and compiling) is left out.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic, window: int = 8) -> None:
        self._now = now
        self._ready: float | None = None
        self._calls: deque[tuple[int, float]] = deque(maxlen=window)
        self._first = True

    def handed_over(self) -> None:
        """The source has handed a record over: its work on the next one starts now."""
        self._ready = self._now()

    def made(self, steps: int) -> None:
        """The source has made ``steps`` steps since it last handed a record over."""
        now = self._now()
        if self._ready is not None and steps > 0:
            if not self._first:
                self._calls.append((steps, now - self._ready))
            self._first = False
        self._ready = now

    @property
    def rate(self) -> float | None:
        """Steps a second over the last few calls (None while unknown)."""
        steps = sum(s for s, _ in self._calls)
        seconds = sum(t for _, t in self._calls)
        return steps / seconds if steps and seconds > 0 else None


def format_elapsed(seconds: float) -> str:
    """Format seconds as ``m:ss`` or ``h:mm:ss``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
