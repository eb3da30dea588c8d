"""`vgtui view` in the app: a log shown whole or followed, a directory, keys that would train."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from textual.css.query import NoMatches
from textual.widgets import DataTable

from tests.runlogs import (
    epoch_records,
    log_through_controller,
    started_at,
    stream,
    write_epoch,
    write_partial,
)
from vgtui.cli.headless import run_headless
from vgtui.config import RunConfig
from vgtui.records import STAT_NAMES, RunSummary
from vgtui.runlog import RunLogWriter, read_run
from vgtui.sources.replay import replay_factory
from vgtui.ui.app import make_app
from vgtui.ui.screens.compare import CompareScreen
from vgtui.ui.widgets.layer_row import LayerRow
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.verdict_badge import VerdictBadge
from vgtui.view.target import resolve


def status(app) -> str:
    """The status line, drawn now (empty before the monitor is composed)."""
    try:
        app.monitor.redraw()
        return app.monitor.query_one(StatusLine).content.plain
    except NoMatches:
        return ""


def header(app) -> str:
    return app.query_one(RunHeader).content.plain


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def steps(app) -> int:
    return app.controller.current.history.view().steps_done


def viewing(path: Path, engine=None, **options):
    """The app on ``path``, as `vgtui view` opens it; ``engine`` trains a retrained run."""
    return make_app(source_factory=engine, show_timing=False, view=resolve(path, **options))


async def test_a_finished_log_is_shown_whole(tmp_path, fake_engine, wait_until) -> None:
    path, ended = log_through_controller(tmp_path, stream("sigmoid_normal"))
    app = viewing(path, fake_engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "done" in status(app))
        assert steps(app) == 3200
        assert "epoch 100/100" in status(app) and "step 3200/3200" in status(app)
        assert header(app).startswith(" vgtui view  sigmoid · normal · 4×5")
        badge = app.query_one(VerdictBadge).content.plain
        assert ended.summary.verdict.upper() in badge
        assert app.controller.current.summary == ended.summary
        assert fake_engine.started == 0  # nothing was trained


async def test_a_growing_log_is_followed(tmp_path, wait_until) -> None:
    records = stream("tanh_normal")
    epochs = epoch_records(records)
    writer = write_partial(tmp_path, records, 2)
    app = viewing(writer.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "following" in status(app))
        assert steps(app) == 64 and "step 64/3200" in status(app)
        for k in (2, 3):
            write_epoch(writer, epochs[k])
            await wait_until(pilot, lambda k=k: f"step {epochs[k].last_step}/3200" in status(app))
            assert "following" in status(app)
        assert app.controller.current.history.view().latest.epoch == 4
        summary = next(r for r in records if isinstance(r, RunSummary))
        writer.write_record(summary)
        writer.close()
        await wait_until(pilot, lambda: "done" in status(app))
        await wait_until(pilot, lambda: app.controller.training is None)
        assert len(app.controller.kept) == 1


async def test_a_log_that_stops_growing_says_writer_stopped(tmp_path, wait_until) -> None:
    records = stream("sigmoid_normal")
    writer = write_partial(tmp_path, records, 3)
    app = viewing(writer.path, stale_after=0.3)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "writer stopped" in status(app))
        assert steps(app) == 96
        write_epoch(writer, epoch_records(records)[3])
        await wait_until(pilot, lambda: "following" in status(app))
        await wait_until(pilot, lambda: steps(app) == 128)
        writer.close()


async def test_a_directory_shows_the_newest_and_keeps_the_others(tmp_path, wait_until) -> None:
    for name, started in (("sigmoid_normal", 1e9), ("tanh_normal", 1.5e9), ("relu_normal", 2e9)):
        log_through_controller(tmp_path, started_at(stream(name), started))
    app = viewing(tmp_path)
    kept = app.controller.kept
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: len(kept) == 3)
        assert header(app).startswith(" vgtui view  relu · normal")
        # The others in order of their start, then the current one once read whole.
        assert [(r.number, r.config.activation) for r in kept.runs] == [
            (1, "sigmoid"),
            (2, "tanh"),
            (3, "relu"),
        ]
        assert app.controller.previous.config.activation == "tanh"
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        await pilot.press("escape")
        # A newer log becomes the current run; an older one is kept.
        newer, _ = log_through_controller(tmp_path, started_at(stream("tanh_normal"), 3e9))
        await wait_until(pilot, lambda: app.view_session.current_path == newer)
        await wait_until(pilot, lambda: "done" in status(app))
        assert header(app).startswith(" vgtui view  tanh · normal")
        log_through_controller(tmp_path, started_at(stream("sigmoid_normal"), 5e8))
        await wait_until(pilot, lambda: len(kept) == 5)
        assert app.view_session.current_path == newer
        assert sorted(r.config.activation for r in kept.runs) == [
            "relu",
            "sigmoid",
            "sigmoid",
            "tanh",
            "tanh",
        ]


async def test_training_keys_are_refused_and_a_second_r_retrains(
    tmp_path, streams, make_engine, wait_until
) -> None:
    path, _ = log_through_controller(tmp_path, stream("sigmoid_normal"))
    engine = make_engine(streams[("sigmoid", "normal")])
    app = viewing(path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "done" in status(app))
        for key in ("a", "A", "i", "I", "s", "S"):
            await pilot.press(key)
            await pilot.pause()
            assert "A viewed run cannot be retrained." in notes(app)[-1], key
            assert "Press r to train its config (sigmoid · normal" in notes(app)[-1]
        assert engine.started == 0 and app.controller.current.viewed
        await pilot.press("r")  # offered: r trains the config anew
        await wait_until(pilot, lambda: engine.started == 1)
        assert "anew with the built-in engine" in notes(app)[-1]
        assert engine.configs[-1] == read_run(path)[0].config
        assert not app.controller.current.viewed
        await wait_until(pilot, lambda: header(app).startswith(" vgtui  sigmoid"))
        await pilot.press("a")  # a trained run: the keys train again
        await wait_until(pilot, lambda: engine.started == 2)
        assert engine.configs[-1].activation == "tanh"


async def test_the_first_r_explains_the_second_retrains(
    tmp_path, streams, make_engine, wait_until
) -> None:
    path, _ = log_through_controller(tmp_path, stream("sigmoid_normal"))
    engine = make_engine(streams[("sigmoid", "normal")])
    app = viewing(path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "done" in status(app))
        await pilot.press("r")
        await pilot.pause()
        assert "Press r to train its config" in notes(app)[-1] and engine.started == 0
        await pilot.press("r")
        await wait_until(pilot, lambda: engine.started == 1)


def keras_log(directory: Path) -> Path:
    """A log of a model that is not the built-in network: no config, a title, its own layers."""
    names = ["conv2d", "dense_a", "logits"]
    header = {"config": None, "layer_names": names, "info": {"title": "digits CNN"}}
    rng = np.random.default_rng(1)
    with RunLogWriter.create(directory, header) as writer:
        for epoch in (1, 2):
            stats = np.abs(rng.standard_normal((10, 3, len(STAT_NAMES)))) * 1e-2
            writer.steps(epoch, 10 * epoch - 9, rng.random(10), rng.random(10), stats)
            writer.epoch_end(epoch, 0.5, 0.8)
    return writer.path


async def test_a_run_of_another_model_is_shown_with_its_names(
    tmp_path, fake_engine, wait_until
) -> None:
    app = viewing(keras_log(tmp_path), fake_engine, stale_after=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "writer stopped" in status(app))
        await wait_until(pilot, lambda: header(app).startswith(" vgtui view  digits CNN"))
        await wait_until(
            pilot,
            lambda: [r.layer_name for r in app.query(LayerRow)] == ["conv2d", "dense_a", "logits"],
        )
        assert "epoch 2 " in status(app) + " " and "step 20" in status(app)
        await pilot.press("a")
        await pilot.pause()
        assert "digits CNN is not one of the built-in networks" in notes(app)[-1]
        await pilot.press("r")
        await pilot.press("r")
        await pilot.pause()
        assert fake_engine.started == 0 and app.controller.current.viewed


async def test_a_json_file_is_shown(tmp_path, streams, wait_until) -> None:
    run_headless(
        RunConfig(activation="relu"),
        tmp_path / "run.json",
        io.StringIO(),
        source_factory=replay_factory(streams),
    )
    app = viewing(tmp_path / "run.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "done" in status(app))
        assert "epoch 100/100" in status(app)
        assert header(app).startswith(" vgtui view  relu · normal")
        assert len(app.controller.current.history.view().epoch_x) == 100


async def finished_view(pilot) -> None:
    """Let the viewed log be read whole, and draw it (as test_ui_snapshots.finished does)."""
    app = pilot.app
    while app.controller.training is not None or not app.controller.current.history.view().ended:
        await pilot.pause(0.05)
    for _ in range(3):  # until a column that appeared has settled
        await pilot.pause()
        app.monitor.redraw()
    await pilot.pause()


def test_a_viewed_finished_run(snap_compare, tmp_path) -> None:
    path, _ = log_through_controller(tmp_path, started_at(stream("sigmoid_normal"), 1.7e9))
    app = viewing(path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=finished_view)
