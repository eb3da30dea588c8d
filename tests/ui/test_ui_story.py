"""Pilot tests of the keys that make a run watchable: pace, time cursor, figure, heatmap scale."""

from __future__ import annotations

import numpy as np

from vgtui.config import RunConfig
from vgtui.records import STAT_INDEX
from vgtui.session.epoch_throttle import DEFAULT_PACE, PACES
from vgtui.ui.app import make_app
from vgtui.ui.widgets.gradient_figure import GradientFigure
from vgtui.ui.widgets.heatmap import GradientHeatmap
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.loss_chart import LossChart
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.verdict_badge import VerdictBadge


def status(app) -> str:
    return app.query_one(StatusLine).content.plain


async def test_pace_keys_slow_and_speed_a_live_run(streams, make_engine, wait_until) -> None:
    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False, pace=DEFAULT_PACE)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().steps_done > 0)
        app.monitor.redraw()
        assert "pace 7 ep/s" in status(app)
        await pilot.press("less_than_sign", "less_than_sign")
        assert app.controller.pace == PACES[0]
        assert app.controller.current.pace.rate == PACES[0], "the running run kept its pace"
        app.monitor.redraw()
        assert "pace 1 ep/s" in status(app)
        epochs = app.controller.current.history.view().latest.epoch
        await pilot.pause(0.5)
        later = app.controller.current.history.view().latest.epoch
        assert later - epochs <= 2, "1 epoch a second let more through"
        for _ in PACES:
            await pilot.press("greater_than_sign")
        assert app.controller.pace is None
        await wait_until(pilot, lambda: app.controller.current.history.view().ended)


async def test_the_time_cursor_shows_the_run_as_it_stood(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().ended)
        await pilot.press("left")
        assert app.monitor.options.cursor == 99
        await pilot.press("home")
        assert app.monitor.options.cursor == 1
        for _ in range(9):
            await pilot.press("right")
        assert app.monitor.options.cursor == 10
        app.monitor.redraw()
        assert "at step 320/3200" in status(app)
        assert "epoch 10/100" in status(app)
        view = app.controller.current.history.view()
        tenth = view.epoch_stats[9]  # the tenth epoch's layer means, independently
        panel = app.query_one(LayerPanel)
        sd_text = [str(label.content) for label in panel.query(".grad-sd-value")]
        expected = [f"{v:.1e}" for v in tenth[:, STAT_INDEX["grad_sd"]]]
        assert sd_text == expected
        loss_x = app.query_one(LossChart).plt._active.monitor.x  # plotted epochs end at 10
        assert max(max(x) for x in loss_x if x) <= 10
        assert "median over 320 steps" in app.query_one(VerdictBadge).found.reason
        await pilot.press("end")
        assert app.monitor.options.cursor is None
        app.monitor.redraw()
        assert "at step" not in status(app)
        assert "median over 3200 steps" in app.query_one(VerdictBadge).found.reason


async def test_a_cursor_key_pauses_a_live_run(streams, make_engine, wait_until) -> None:
    engine = make_engine(streams[("sigmoid", "normal")], delay=0.02)
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: (app.controller.current.history.view().latest or 0) != 0)
        await wait_until(pilot, lambda: app.controller.current.history.view().latest.epoch >= 3)
        await pilot.press("left")
        assert app.controller.current.paused
        at = app.monitor.options.cursor
        assert at is not None and at >= 2
        await pilot.press("p")  # resuming returns to live
        assert not app.controller.current.paused
        assert app.monitor.options.cursor is None


async def test_g_shows_each_layers_sd_beside_the_loss(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().ended)
        figure, chart = app.query_one(GradientFigure), app.query_one(LossChart)
        assert not figure.display
        await pilot.press("g")
        await pilot.pause()
        assert figure.display and chart.display  # side by side at 120 columns
        labels = figure.plt._active.monitor.signals  # one line a layer, named
        assert labels
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        app.monitor.redraw()
        await pilot.pause()
        assert figure.display and not chart.display  # instead of the loss at 80


async def test_heatmap_scale_shifts_and_deep_rows_scroll(deep_stream, make_engine, wait_until):
    app = make_app(deep_stream[0].config, make_engine(deep_stream), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().ended)
        await pilot.pause()
        app.monitor.redraw()
        heatmap = app.query_one(GradientHeatmap)
        assert heatmap.display
        legend = str(heatmap.query_one("#heat-legend").content)
        await pilot.press("left_curly_bracket")
        await pilot.pause()
        shifted = str(heatmap.query_one("#heat-legend").content)
        low = int(legend.split("1e")[1].split()[0])
        assert int(shifted.split("1e")[1].split()[0]) == low - 1
        rows = heatmap.query_one("#heat-rows")
        assert rows.max_scroll_y > 0, "33 layers fit in 24 lines?"
        await pilot.press("pagedown")
        await pilot.pause()
        assert rows.scroll_y > 0
        await pilot.press("w")  # the weight view has a heatmap too
        await pilot.pause()
        app.monitor.redraw()
        assert "weight SD" in str(heatmap.query_one("#heat-legend").content)
        assert (heatmap._grid != -1).any()


def test_figure_layers_are_the_first_the_last_and_some_between() -> None:
    from vgtui.ui.widgets.gradient_figure import shown_layers

    assert shown_layers(5) == [0, 1, 2, 3, 4]
    chosen = shown_layers(33)
    assert chosen[0] == 0 and chosen[-1] == 32 and len(chosen) == 8
    assert np.all(np.diff(chosen) > 0)


async def test_a_restart_clears_every_layer_value_at_once(streams, make_engine, wait_until):
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().ended)
        panel = app.query_one(LayerPanel)
        await wait_until(pilot, lambda: panel.columns_wide > 0)  # mounted after the first frame
        app.monitor.redraw()
        assert all(str(v.content) != "—" for v in panel.query(".grad-sd-value"))
        app.controller.source_factory = lambda config: make_engine()(config)  # never starts
        await pilot.press("a")
        await pilot.pause()
        values = [str(v.content) for v in panel.query(".grad-sd-value")]
        health = [str(v.content).strip() for v in panel.query(".layer-row .health")]
        assert values == ["—"] * 5, "the tanh run shows the sigmoid run's numbers"
        assert health == [""] * 5
        assert "after the first epoch" in app.query_one(VerdictBadge).content.plain
