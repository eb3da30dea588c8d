"""Pilot tests: real key presses, and what the next run is actually given."""

from __future__ import annotations

from vgtui.config import ACTIVATIONS, RunConfig, cycle
from vgtui.ui.app import make_app
from vgtui.ui.screens.help import HelpScreen
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.too_small import TooSmall


def status(app) -> str:
    return app.query_one(StatusLine).content.plain


def header(app) -> str:
    return app.query_one(RunHeader).content.plain


async def test_keys_choose_the_next_runs_settings(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.started == 1)
        assert (fake_engine.configs[0].activation, fake_engine.configs[0].init) == (
            "sigmoid",
            "normal",
        )
        expected = [
            ("a", "tanh", "normal"),
            ("a", "relu", "normal"),
            ("A", "tanh", "normal"),
            ("i", "tanh", "glorot_uniform"),
            ("I", "tanh", "normal"),
            ("I", "tanh", "small"),
            ("r", "tanh", "small"),
        ]
        for n, (key, activation, init) in enumerate(expected, start=2):
            await pilot.press(key)
            await wait_until(pilot, lambda n=n: fake_engine.started == n)
            used = fake_engine.configs[-1]
            assert (used.activation, used.init) == (activation, init), key
            await wait_until(pilot, lambda: fake_engine.running == 1)
            app.monitor.redraw()
            assert f"{activation} · {init}" in header(app)
        await wait_until(pilot, lambda: fake_engine.finished == len(expected))
        assert fake_engine.most_running == 1


async def test_pause_stops_steps_and_resume_continues(streams, make_engine, wait_until) -> None:
    engine = make_engine(streams[("sigmoid", "normal")], delay=0.01)
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:

        def steps() -> int:
            return app.controller.current.history.view().steps_done

        await wait_until(pilot, lambda: steps() >= 64)
        await pilot.press("p")
        await wait_until(pilot, lambda: "paused" in status(app))
        await pilot.pause(0.1)  # an epoch already under way may still land
        paused_at = steps()
        await pilot.pause(0.4)
        assert steps() == paused_at
        assert paused_at < 3200
        assert app.controller.current.history.view().state == "training"
        await pilot.press("space")
        await wait_until(pilot, lambda: steps() > paused_at)
        await wait_until(pilot, lambda: "paused" not in status(app))


async def test_fifty_switches_leave_one_run(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        for _ in range(50):
            await pilot.press("a")
        expected = RunConfig().activation
        for _ in range(50):
            expected = cycle(ACTIVATIONS, expected, 1)
        await wait_until(pilot, lambda: fake_engine.configs[-1].activation == expected)
        await wait_until(pilot, lambda: fake_engine.running == 1)
        assert fake_engine.most_running == 1
        assert app.controller.current.config.activation == expected
        assert len(app.workers) == 1


async def test_worker_failure_shows_failed_and_restart_works(
    streams, make_engine, wait_until
) -> None:
    engine = make_engine(streams[("relu", "normal")])
    engine.fail = RuntimeError("out of cheese")
    app = make_app(RunConfig(activation="relu"), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "failed")
        app.monitor.redraw()
        assert "failed" in status(app)
        assert "out of cheese" in status(app)
        assert any("out of cheese" in n.message for n in app._notifications)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        app.monitor.redraw()
        assert "done" in status(app)
        assert "epoch 100/100" in status(app)


async def test_l_toggles_log_and_linear(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        # The rows are mounted after the first frame: wait until they are laid out.
        await wait_until(pilot, lambda: app.query_one(LayerPanel).columns_wide > 0)
        app.monitor.redraw()
        title = str(app.query_one("#sd-title").content)
        assert "log" in title
        sd = app.query_one(LayerPanel).query(".grad-sd").first()
        log_data = sd.drawn()
        await pilot.press("l")
        title = str(app.query_one("#sd-title").content)
        assert "linear" in title
        assert sd.drawn() != log_data
        await pilot.press("l")
        assert "log" in str(app.query_one("#sd-title").content)


async def test_help_opens_and_closes(fake_engine) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_shrinking_shows_a_note_and_growing_recovers(
    streams, make_engine, wait_until
) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        for size in [(40, 12), (20, 5), (59, 30), (100, 15), (1, 1)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            app.monitor.redraw()
            await pilot.pause()
            note = app.query_one(TooSmall)
            assert note.display and note.region.width > 0
            assert "too small" in str(note.content)
            assert not app.query_one("#main").region.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        app.monitor.redraw()
        await pilot.pause()
        assert not app.query_one(TooSmall).region.width
        assert app.query_one("#main").region.height > 10
        assert "done" in status(app)


async def test_q_quits_and_stops_the_run(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        run = app.controller.current
        await pilot.press("q")
    assert run.source.stopped.is_set()
    assert app.return_code == 0


async def test_ctrl_c_quits(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        await pilot.press("ctrl+c")
    assert app.controller.current.source.stopped.is_set()
    assert app.return_code == 0
