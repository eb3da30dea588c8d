"""A huge network (seconds a step): the status line says what the source does before the
run starts, then counts the steps of the first epoch."""

from __future__ import annotations

from vgtui.config import RunConfig
from vgtui.records import Emit, RunStart, RunSummary, StepBlock
from vgtui.sources import EventSource
from vgtui.ui.app import make_app
from vgtui.ui.widgets.status_line import StatusLine


class FirstStepsOnly(EventSource):
    """Emits the run's start and the first 20 steps of its first epoch, then waits."""

    def __init__(self, records) -> None:
        super().__init__()
        self.records = records

    def start(self, emit: Emit) -> RunSummary | None:
        start = next(r for r in self.records if isinstance(r, RunStart))
        block = next(r for r in self.records if isinstance(r, StepBlock))
        emit(start)
        for first, last in ((0, 12), (12, 20)):
            emit(
                type(block)(
                    1,
                    first + 1,
                    block.step_loss[first:last],
                    block.step_accuracy[first:last],
                    block.step_stats[first:last],
                )
            )
        self.stopped.wait()
        return None


async def test_steps_of_an_unfinished_first_epoch_are_counted(streams, wait_until) -> None:
    records = streams[("sigmoid", "normal")]
    app = make_app(RunConfig(), lambda config: FirstStepsOnly(records), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:

        def status() -> str:
            return app.query_one(StatusLine).content.plain

        await wait_until(pilot, lambda: "step 20/3200" in status())
        assert "training" in status() and "compiling" not in status()
        assert "epoch 0/100" in status()


class Building(EventSource):
    """A source still building its network."""

    def start(self, emit: Emit) -> RunSummary | None:
        self.phase = "building"
        self.stopped.wait()
        return None


async def test_the_status_line_shows_the_sources_phase(wait_until) -> None:
    app = make_app(RunConfig(), lambda config: Building(), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.query_one(StatusLine)
        await wait_until(pilot, lambda: status.content.plain.startswith(" building "))
