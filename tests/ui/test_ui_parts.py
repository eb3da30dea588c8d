"""Unit tests of the UI's pure parts: screen columns, shared scales, the status line."""

from __future__ import annotations

import math

import numpy as np

from vgtui.display.series import columns, log10_magnitude, log_bounds, sci, symmetric_bounds
from vgtui.display.status import Status
from vgtui.ui.widgets.scaled_sparkline import FixedScaleBars
from vgtui.ui.widgets.status_line import status_text


def test_columns_average_by_position_and_leave_the_future_blank() -> None:
    x = np.arange(1, 7)  # steps 1..6 of a 12-step run, 4 columns of 3 steps
    values = np.array([1.0, 2.0, 3.0, 10.0, np.nan, 20.0])
    out = columns(x, values, total=12, width=4)
    assert out[0] == 2.0
    assert out[1] == 15.0  # the NaN is left out, not averaged in
    assert math.isnan(out[2]) and math.isnan(out[3])


def test_log_bounds_are_whole_decades_and_ignore_zeros() -> None:
    logs = log10_magnitude(np.array([3e-4, 2e-2, 0.0, np.nan]))
    assert logs[2] == -np.inf
    assert log_bounds(logs) == (-4.0, -1.0)
    assert log_bounds(np.array([-30.0, 0.5])) == (-7.0, 1.0)  # at most 8 decades


def test_symmetric_bounds_put_zero_in_the_middle() -> None:
    assert symmetric_bounds(np.array([-0.5, 0.2, np.nan])) == (-0.5, 0.5)
    assert symmetric_bounds(np.array([np.nan])) == (-1.0, 1.0)


def test_bars_share_the_given_bounds() -> None:
    bars = FixedScaleBars([0.0, 5.0, 10.0, np.nan, -np.inf], (0.0, 10.0), 6, 1, None, None)
    ratios = bars.ratios()
    assert ratios[:3] == [0.0, 0.5, 1.0]
    assert math.isnan(ratios[3])  # no data: blank
    assert ratios[4] == 0.0  # a zero SD on a log scale sits on the floor
    assert math.isnan(ratios[5])  # beyond the data


def test_status_line_drops_the_least_important_fields_to_fit() -> None:
    status = Status("training", 50, 100, 1600, 3200, 3800.0, 65.0, 0.567, None, 0.672)
    wide = status_text(status, 200).plain
    assert all(part in wide for part in ("epoch 50/100", "step 1600/3200", "loss", "steps/s"))
    narrow = status_text(status, 40).plain
    assert len(narrow) <= 40
    assert "training" in narrow and "epoch 50/100" in narrow
    assert "steps/s" not in narrow


def test_scientific_notation() -> None:
    assert sci(3.21e-4) == "3.2e-04"
    assert sci(-3.21e-4, signed=True) == "-3.2e-04"
    assert sci(float("nan")) == "nan"


def test_breakpoint_classes_are_chosen_as_textual_chooses_them() -> None:
    from textual.screen import Screen

    from vgtui.ui.breakpoints import breakpoint_classes
    from vgtui.ui.monitor.screen import MonitorScreen

    screen = Screen()
    for breakpoints in (MonitorScreen.HORIZONTAL_BREAKPOINTS, MonitorScreen.VERTICAL_BREAKPOINTS):
        assert breakpoints
        for size in range(0, 200):
            classes = breakpoint_classes(size, breakpoints)
            assert set(classes) == {name for _, name in breakpoints}
            chosen = {name for name, on in classes.items() if on}
            assert chosen == screen._get_breakpoint_classes(size, breakpoints)


async def test_the_monitor_starts_with_the_classes_textual_gives_it_at_its_size() -> None:
    from vgtui.config import RunConfig
    from vgtui.sources import EventSource
    from vgtui.ui.app import make_app

    class Idle(EventSource):
        def start(self, emit):
            self.stopped.wait()

    for size in ((80, 24), (130, 45), (70, 20)):
        app = make_app(RunConfig(), lambda config: Idle(), show_timing=False)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            textual_gives = {
                *app.monitor._get_breakpoint_classes(size[0], app.monitor.HORIZONTAL_BREAKPOINTS),
                *app.monitor._get_breakpoint_classes(size[1], app.monitor.VERTICAL_BREAKPOINTS),
            }
            names = {
                n for _, n in app.monitor.HORIZONTAL_BREAKPOINTS + app.monitor.VERTICAL_BREAKPOINTS
            }
            assert set(app.monitor.classes) & names == textual_gives
