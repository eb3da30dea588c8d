"""Training throughput with the live app drawing, against the engine alone.

Run from the repository root: ``python tests/ui/throughput.py``. It trains the
same run alternately with no screen and inside the app (Textual's headless
driver, so the app composes and renders every frame but writes no terminal),
and prints ms/step for each and their ratio. :func:`app_ms_per_step` and
:func:`engine_ms_per_step` are what the benchmark script calls.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable

from vgtui.config import RunConfig
from vgtui.records import EpochEnd, Record, RunSummary, StepBlock
from vgtui.sources.engine import EngineSource


class _Stamps:
    """When each epoch ended, and its last step."""

    def __init__(self) -> None:
        self.times: list[tuple[float, int]] = []
        self.last_step = 0

    def wrap(self, emit: Callable[[Record], None]) -> Callable[[Record], None]:
        def stamped(record: Record) -> None:
            if isinstance(record, StepBlock):
                self.last_step = record.last_step
            elif isinstance(record, EpochEnd):
                self.times.append((time.perf_counter(), self.last_step))
            emit(record)

        return stamped

    def ms_per_step(self) -> float:
        """Mean time a step, from the end of the first epoch (compiling) to the last."""
        (t0, s0), (t1, s1) = self.times[0], self.times[-1]
        return (t1 - t0) / (s1 - s0) * 1000


class _StampedSource(EngineSource):
    """The real engine, with its records time-stamped on the way out."""

    def __init__(self, config: RunConfig, stamps: _Stamps) -> None:
        super().__init__(config)
        self.stamps = stamps

    def start(self, emit: Callable[[Record], None]) -> RunSummary | None:
        return super().start(self.stamps.wrap(emit))


def engine_ms_per_step(config: RunConfig) -> float:
    """Train ``config`` with nothing drawn; return ms/step."""
    stamps = _Stamps()
    with _StampedSource(config, stamps) as source:
        source.start(lambda record: None)
    return stamps.ms_per_step()


def app_ms_per_step(config: RunConfig, size: tuple[int, int] = (160, 48)) -> float:
    """Train ``config`` inside the app at ``size``, redrawing as usual; return ms/step.

    The thread switch interval is set as :func:`vgtui.ui.session.run_app` sets it.
    """
    from vgtui.ui.app import make_app
    from vgtui.ui.session import SWITCH_INTERVAL

    stamps = _Stamps()

    async def main() -> None:
        app = make_app(config, lambda c: _StampedSource(c, stamps))
        async with app.run_test(size=size) as pilot:
            while not app.controller.current.ended.is_set():
                await pilot.pause(0.25)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        asyncio.run(main())
    finally:
        sys.setswitchinterval(switch_interval)
    return stamps.ms_per_step()


def main() -> None:
    """Alternate engine-only and in-app runs; print the medians and their ratio."""
    config = RunConfig(epochs=400)
    engine_ms_per_step(config.replace(epochs=3))  # import and warm up TensorFlow
    alone, in_app = [], []
    for _ in range(3):
        alone.append(engine_ms_per_step(config))
        in_app.append(app_ms_per_step(config))
    a, b = statistics.median(alone), statistics.median(in_app)
    print(f"engine alone: {a:.4f} ms/step ({1000 / a:.0f} steps/s)")
    print(f"in the app:   {b:.4f} ms/step ({1000 / b:.0f} steps/s)")
    print(f"throughput with the app open: {a / b:.2f}x the engine alone")


if __name__ == "__main__":
    main()
