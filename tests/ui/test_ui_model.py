"""The app with a user's model file that cannot be built: a notification, the traceback on L."""

from __future__ import annotations

from vgtui.config import RunConfig
from vgtui.model_path import ModelFileError
from vgtui.records import Emit
from vgtui.sources import EventSource


class FailingModel(EventSource):
    """A model source whose file cannot be built."""

    own_model = True

    def start(self, emit: Emit) -> None:
        raise ModelFileError("m.py: build_model raised ValueError: bad units", "Traceback...\nline")


async def test_the_app_stays_up_on_a_bad_model_and_shows_its_traceback(wait_until) -> None:
    from vgtui.ui.app import make_app
    from vgtui.ui.screens.error import ErrorScreen

    app = make_app(RunConfig(), lambda config: FailingModel(), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.last_error is not None)
        assert "build_model raised ValueError" in app.last_error[0]
        assert any("L shows the traceback" in n.message for n in app._notifications)
        await pilot.press("L")
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorScreen)
        await pilot.press("a")  # the app is still up and takes keys
        assert app.is_running


class DeepModel(EventSource):
    """A recorded-looking run of a model with 52 kernels whose early layers vanish."""

    own_model = True

    def start(self, emit: Emit) -> None:
        import numpy as np

        from vgtui.records import STAT_INDEX, STAT_NAMES, EpochEnd, RunStart, RunSummary, StepBlock

        names = (*(f"block_{i // 2}/conv_{i % 2}/kernel" for i in range(51)), "head/kernel")
        emit(RunStart(None, "CPU", names, 0.1, 2.3, info={"title": "resnet-ish · sigmoid"}))
        steps = 20
        for epoch in range(1, 4):
            stats = np.full((steps, len(names), len(STAT_NAMES)), np.nan)
            sd = 10.0 ** np.linspace(-9, -2, len(names))  # the input side starved
            stats[:, :, STAT_INDEX["grad_sd"]] = sd
            stats[:, :, STAT_INDEX["grad_mean"]] = sd / 10
            stats[:, :, STAT_INDEX["grad_norm"]] = sd * 30
            stats[:, :, STAT_INDEX["weight_mean"]] = 0.0
            stats[:, :, STAT_INDEX["weight_sd"]] = 0.05
            first = (epoch - 1) * steps + 1
            loss = np.full(steps, 2.3)
            emit(StepBlock(epoch, first, loss, np.full(steps, np.nan), stats))
            emit(EpochEnd(epoch, 2.3, 0.11))
        summary = RunSummary(0.1, 0.11, 2.3, 1e-7, 3, 3 * steps)
        emit(summary)
        return summary


def test_a_model_of_52_kernels_at_80x24(snap_compare) -> None:
    from vgtui.ui.app import make_app

    async def done(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
            pilot.app.monitor.redraw()
        await pilot.pause()

    app = make_app(RunConfig(), lambda config: DeepModel(), show_timing=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=done)
