"""The runs a sweep has still to make, one after another."""

from __future__ import annotations

from vgtui.config import RunConfig


class SweepQueue:
    """The configs of a sweep not yet started; empty and inactive when no sweep goes on."""

    def __init__(self) -> None:
        """Start with no sweep."""
        self.field: str | None = None
        self.pending: list[RunConfig] = []
        self.total = 0

    @property
    def active(self) -> bool:
        """Whether a sweep is under way."""
        return self.field is not None

    @property
    def position(self) -> int:
        """1-based number of the sweep's run now training (0 when none)."""
        return self.total - len(self.pending) if self.active else 0

    def begin(self, field: str, configs: list[RunConfig]) -> RunConfig:
        """Start a sweep of ``field`` over ``configs``; return the first config to run."""
        self.field = field
        self.pending = list(configs[1:])
        self.total = len(configs)
        return configs[0]

    def next(self) -> RunConfig | None:
        """The next config to run; None, and the sweep ends, when none is left."""
        if self.pending:
            return self.pending.pop(0)
        self.cancel()
        return None

    def cancel(self) -> bool:
        """End the sweep; return whether one was under way."""
        was = self.active
        self.field = None
        self.pending = []
        self.total = 0
        return was
