"""Snapshot tests: the app fed recorded runs, at fixed sizes, with no clocks on screen."""

from __future__ import annotations

import pytest

from tests.ui.map_drawn import map_drawn
from vgtui.config import RunConfig
from vgtui.sources.replay import replay_factory
from vgtui.ui.app import make_app

SIZES = [(80, 24), (120, 40)]


async def finished(pilot) -> None:
    """Let the replay run to its end and draw it, until a column that appeared has settled."""
    app = pilot.app
    await app.workers.wait_for_complete()
    for _ in range(1000):  # the run's worker may start after the first look
        if app.controller.current.history.view().ended and app.controller.training is None:
            break
        await pilot.pause(0.02)
    for _ in range(3):
        await pilot.pause()
        pilot.app.monitor.redraw()
    await pilot.pause()


async def drawn(pilot) -> None:
    """Draw the state the app is in now."""
    await pilot.pause()
    pilot.app.monitor.redraw()
    await pilot.pause()


def still_clocks() -> dict[str, object]:
    """The introduction's clocks, fixed: opened at 0 s, 7 s since; TensorFlow's import 40% done."""
    readings = iter([0.0])
    return {"clock": lambda: next(readings, 7.0), "load_progress": lambda: 0.4}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_loading(snap_compare, fake_engine, size) -> None:
    """The first screen while TensorFlow loads: the data, the network, what to expect."""
    app = make_app(
        RunConfig(), fake_engine, show_timing=False, tour=True, monitor_options=still_clocks()
    )

    async def introduced(pilot) -> None:
        await map_drawn(pilot, boundary=False)  # the data set, once the charts are mounted

    assert snap_compare(app, terminal_size=size, run_before=introduced)
    assert fake_engine.configs, "the run was never started"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_tutorials_three_runs_at_end(snap_compare, streams, size) -> None:
    """The first screen once the default session has run: sigmoid, tanh and relu compared."""
    app = make_app(RunConfig(), replay_factory(streams), show_timing=False, tour=True)

    async def toured(pilot) -> None:
        for _ in range(600):
            if len(pilot.app.controller.kept) == 3 and pilot.app.controller.training is None:
                break
            await pilot.pause(0.05)
        await finished(pilot)
        pilot.app.clear_notifications()  # the tour's toast: gone after a few seconds anyway
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=toured)
    assert [r.config.activation for r in app.controller.kept.runs] == ["sigmoid", "tanh", "relu"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sigmoid_run_at_end(snap_compare, streams, make_engine, size) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=finished)
    assert app.controller.current.history.view().state == "done"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_relu_run_at_end(snap_compare, streams, make_engine, size) -> None:
    engine = make_engine(streams[("relu", "normal")])
    app = make_app(RunConfig(activation="relu"), engine, show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=finished)
    assert app.controller.current.history.view().state == "done"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, streams, make_engine, size) -> None:
    async def help_over_finished_run(pilot) -> None:
        await finished(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=help_over_finished_run)


@pytest.mark.parametrize("size", [(40, 12), (59, 40), (120, 15)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_too_small_note(snap_compare, streams, make_engine, size) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=finished)


def test_sigmoid_run_without_color(snap_compare, streams, make_engine, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=finished)


def test_diverged_run(snap_compare, diverged_stream, make_engine) -> None:
    config = RunConfig(
        optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8, width=64
    )
    app = make_app(config, make_engine(diverged_stream), show_timing=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=finished)
    assert app.controller.current.history.view().summary.diverged_step == 3


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_weight_view(snap_compare, streams, make_engine, size) -> None:
    async def weights_of_finished_run(pilot) -> None:
        await finished(pilot)
        await pilot.press("w")
        await drawn(pilot)

    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=weights_of_finished_run)
    assert app.monitor.weight_view


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_heatmap_at_depth_32(snap_compare, deep_stream, make_engine, size) -> None:
    shown: list[bool] = []

    async def finished_heatmap(pilot) -> None:
        await finished(pilot)
        shown.append(pilot.app.monitor.heatmap_shown())

    app = make_app(deep_stream[0].config, make_engine(deep_stream), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=finished_heatmap)
    assert shown == [True], "33 layer rows fit?"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cursor_moved_back(snap_compare, streams, make_engine, size) -> None:
    async def back_to_epoch_30(pilot) -> None:
        await finished(pilot)
        await pilot.press("home")
        for _ in range(29):
            await pilot.press("right")
        await drawn(pilot)

    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=back_to_epoch_30)
    assert app.monitor.options.cursor == 30


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_figure_view(snap_compare, streams, make_engine, size) -> None:
    async def figure(pilot) -> None:
        await finished(pilot)
        await pilot.press("g")
        await drawn(pilot)

    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=figure)


def test_previous_run_beside_the_current(snap_compare, streams) -> None:
    from vgtui.sources.replay import replay_factory

    async def sigmoid_then_tanh(pilot) -> None:
        await finished(pilot)
        await pilot.press("a")
        await finished(pilot)
        assert pilot.app.controller.previous.number == 1

    app = make_app(RunConfig(), replay_factory(streams), show_timing=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=sigmoid_then_tanh)
