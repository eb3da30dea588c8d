"""Pilot tests of the diagnostics on screen: the verdict badge and a diverging run."""

from __future__ import annotations

import numpy as np

from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.records import STAT_INDEX
from vgtui.ui.app import make_app
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.verdict_badge import VerdictBadge

SD = STAT_INDEX["grad_sd"]
DIVERGING = RunConfig(
    optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8, width=64
)


def status(app) -> str:
    return app.query_one(StatusLine).content.plain


def badge(app) -> str:
    return app.query_one(VerdictBadge).content.plain


async def test_sigmoid_run_reads_vanishing(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        assert badge(app).startswith(" VANISHING ")
        # From the records themselves: the median over the steps of log10(first SD / output SD).
        records = streams[("sigmoid", "normal")]
        sd = np.concatenate([e.step_stats[:, :, SD] for e in whole_epochs(records)])
        decades = float(np.median(np.log10(sd[:, 0] / sd[:, -1])))
        accuracy = whole_epochs(records)[-1].accuracy
        # 80 columns: the short form, which fits (the full reason is in the JSON and at 120).
        times = f"{10**-decades:.0f}×"
        assert f"dense_1 {times} below output, median · acc {accuracy:.2f}" in badge(app)
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert f"{-decades:.1f} decades ({times}) below the output layer's" in badge(app)


async def test_relu_run_reads_healthy(streams, make_engine, wait_until) -> None:
    app = make_app(
        RunConfig(activation="relu"), make_engine(streams[("relu", "normal")]), show_timing=False
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        assert badge(app).startswith(" HEALTHY ")


async def test_diverged_run_names_step_and_layer_and_keys_still_work(
    diverged_stream, make_engine, wait_until
) -> None:
    engine = make_engine(diverged_stream)
    app = make_app(DIVERGING, engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        last = diverged_stream[-1]
        assert f"diverged at step {last.diverged_step} ({last.diverged_layer})" in status(app)
        assert badge(app).startswith(" DIVERGED ")
        view = app.controller.current.history.view()
        assert view.steps_done == 3, "the recorded steps were dropped"
        panel = app.query_one(LayerPanel)
        assert "1e" in str(panel.query_one("#sd-title").content), "the rows were cleared"
        await pilot.press("r")
        await wait_until(pilot, lambda: len(engine.configs) == 2)
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.press("a")
        await wait_until(pilot, lambda: len(engine.configs) == 3)
        assert engine.configs[-1].activation != "relu"
        assert engine.most_running == 1


async def test_real_engine_diverges_and_the_app_says_so(wait_until) -> None:
    app = make_app(DIVERGING, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot, lambda: app.controller.current.history.view().state == "done", limit=120
        )
        await pilot.pause()
        app.monitor.redraw()
        assert "diverged at step" in status(app)
        assert badge(app).startswith(" DIVERGED ")
        summary = app.controller.current.history.view().summary
        assert summary is not None and summary.diverged_step is not None
        assert f"({summary.diverged_layer})" in status(app)


def test_fixture_really_diverges(diverged_stream) -> None:
    assert diverged_stream[-1].diverged_step is not None
    assert diverged_stream[-1].diverged_layer.startswith("dense_")


async def test_w_switches_rows_to_weights_and_back(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        panel = app.query_one(LayerPanel)

        def titles() -> str:
            return str(panel.query_one("#mean-title").content)

        def first_value() -> str:
            return str(panel.query(".grad-mean-value").first().content)

        latest = app.controller.current.history.view().latest.layer_means()
        assert titles().startswith("grad mean")
        assert first_value() == f"{latest[0, 0]:+.1e}"
        await pilot.press("w")
        await pilot.pause()
        assert titles().startswith("weight mean")
        assert first_value() == f"{latest[0, 3]:+.1e}"
        await pilot.press("w")
        await pilot.pause()
        assert titles().startswith("grad mean")


async def test_rows_show_decades_and_dead_share(streams, make_engine, wait_until) -> None:
    engine = make_engine(streams[("relu", "normal")])
    app = make_app(RunConfig(activation="relu"), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        panel = app.query_one(LayerPanel)
        health = [str(label.content).strip() for label in panel.query(".layer-row .health")]
        last = whole_epochs(streams[("relu", "normal")])[-1]
        means = last.step_stats.mean(axis=0)  # the last epoch's mean of each statistic
        decades = np.log10(means[1, SD] / means[-1, SD])
        dead = means[1, STAT_INDEX["dead"]]
        assert health[1] == f"{decades:+.1f}d {dead:4.0%}"  # dense_2 at the end
        assert health[-1] == ""  # the output layer is the reference
        assert str(panel.query_one("#health-title").content) == "last ep vs out dead"


async def test_h_switches_between_rows_and_heatmap(streams, make_engine, wait_until) -> None:
    from vgtui.ui.widgets.heatmap import GradientHeatmap

    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause()
        app.monitor.redraw()
        heatmap, panel = app.query_one(GradientHeatmap), app.query_one(LayerPanel)
        assert panel.display and not heatmap.display  # five rows fit at 80x24
        await pilot.press("h")
        await pilot.pause()
        assert heatmap.display and not panel.display
        assert (heatmap._grid >= 0).all(), "a finished run leaves no blank cell"
        await pilot.press("h")
        await pilot.pause()
        assert panel.display and not heatmap.display
