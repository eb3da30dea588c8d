"""Shared fixtures of the UI tests: recorded streams and fake engines."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from vgtui.config import RunConfig
from vgtui.records import Emit, Record, RunSummary
from vgtui.sources import EventSource
from vgtui.sources.replay import ReplaySource, load_stream

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="session")
def streams() -> dict[tuple[str, str], list[Record]]:
    """The recorded runs, keyed by (activation, initializer)."""
    return {
        ("sigmoid", "normal"): load_stream(FIXTURES / "sigmoid_normal.npz"),
        ("tanh", "normal"): load_stream(FIXTURES / "tanh_normal.npz"),
        ("relu", "normal"): load_stream(FIXTURES / "relu_normal.npz"),
    }


class FakeEngine:
    """A source factory that notes every config it is given and how many runs overlap.

    Each run replays ``records`` (with ``delay`` before each epoch), or, when
    there are none, waits for its stop event. ``fail`` makes the next run raise.
    """

    def __init__(self, records: Sequence[Record] = (), delay: float = 0.0) -> None:
        self.records = list(records)
        self.delay = delay
        self.configs: list[RunConfig] = []
        self.fail: Exception | None = None
        self.running = 0
        self.started = 0
        self.most_running = 0
        self.finished = 0
        self._lock = threading.Lock()

    def __call__(self, config: RunConfig) -> FakeRun:
        self.configs.append(config)
        failure, self.fail = self.fail, None
        return FakeRun(self, failure)

    def enter(self) -> None:
        with self._lock:
            self.running += 1
            self.started += 1
            self.most_running = max(self.most_running, self.running)

    def leave(self) -> None:
        with self._lock:
            self.running -= 1
            self.finished += 1


class FakeRun(EventSource):
    """One run of a FakeEngine."""

    def __init__(self, engine: FakeEngine, failure: Exception | None) -> None:
        super().__init__()
        self.engine = engine
        self.failure = failure
        self.closed = False

    def start(self, emit: Emit) -> RunSummary:
        self.engine.enter()
        try:
            if self.failure is not None:
                raise self.failure
            if not self.engine.records:
                self.stopped.wait()
                summary = RunSummary(0.5, 0.5, 0.7, 1.0, 0, 0, stopped=True)
                emit(summary)
                return summary
            replay = ReplaySource(self.engine.records, delay=self.engine.delay)
            replay.stopped, replay.paused = self.stopped, self.paused
            return replay.start(emit)
        finally:
            self.engine.leave()

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def make_engine() -> type[FakeEngine]:
    """The FakeEngine class, to build one with recorded records."""
    return FakeEngine


@pytest.fixture
def fake_engine() -> FakeEngine:
    """A factory whose runs wait for their stop event."""
    return FakeEngine()


@pytest.fixture(scope="session")
def diverged_stream() -> list[Record]:
    """A recorded run forced to diverge: sgd, lr=100, relu, he_normal, depth 8, width 64."""
    return load_stream(FIXTURES / "relu_diverged.npz")


@pytest.fixture(scope="session")
def deep_stream() -> list[Record]:
    """A recorded sigmoid + normal run 32 hidden layers deep, four epochs."""
    return load_stream(FIXTURES / "sigmoid_deep32.npz")


Predicate = Callable[[], bool]


@pytest.fixture
def wait_until() -> Callable[..., object]:
    """Return an async helper that lets the app run until a condition holds."""

    async def wait(pilot: object, predicate: Predicate, limit: float = 90.0) -> None:
        waited = 0.0
        while not predicate():
            if waited >= limit:
                raise AssertionError("condition never held")
            await pilot.pause(0.02)  # type: ignore[attr-defined]
            waited += 0.02

    return wait
