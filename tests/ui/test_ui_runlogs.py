"""The app with --logdir: every run it starts writes its log, ended with the kept summary."""

from __future__ import annotations

from tests.epochs import epochs as whole_epochs
from tests.runlogs import assert_log_holds, epoch_records
from tests.test_runlog import assert_same_records
from vgtui.config import RunConfig
from vgtui.records import RunSummary
from vgtui.runlog import list_logs, read_run
from vgtui.ui.app import make_app


async def test_each_run_of_the_app_writes_its_log(
    tmp_path, streams, make_engine, wait_until
) -> None:
    records = streams[("sigmoid", "normal")]
    engine = make_engine(records)
    app = make_app(RunConfig(), engine, show_timing=False, logdir=tmp_path)
    kept = app.controller.kept
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(kept) == 1)
        (log,) = list_logs(tmp_path)
        assert_log_holds(log, records, kept.runs[0].summary)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(kept) == 2)
        logs = list_logs(tmp_path)
        assert len(logs) == 2 and logs[0] == log
        assert_log_holds(logs[1], records, kept.runs[1].summary)


async def test_a_run_switched_mid_way_ends_its_log_stopped(
    tmp_path, streams, make_engine, wait_until
) -> None:
    records = streams[("sigmoid", "normal")]
    engine = make_engine(records, delay=0.01)
    app = make_app(RunConfig(), engine, show_timing=False, logdir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().steps_done >= 96)
        await pilot.press("r")
        # The restarted run may end (and be kept) soon after: the stopped one is kept first.
        await wait_until(pilot, lambda: len(app.controller.kept) >= 1)
        first = app.controller.kept.runs[0]
        back = read_run(list_logs(tmp_path)[0])
        summary = back[-1]
        assert isinstance(summary, RunSummary) and summary.stopped
        assert summary == first.summary and summary.verdict
        epochs = whole_epochs(back)
        assert len(epochs) == summary.epochs >= 3
        assert_same_records(epoch_records(records)[: len(epochs)], epochs)
