"""--logdir: every run the controller trains writes one log, ended with the final summary."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.core.synthetic import SyntheticSource
from tests.runlogs import assert_log_holds, epoch_records, log_through_controller, stream
from tests.test_runlog import assert_same_records
from vgtui.cli.headless import EXIT_FAILED, run_headless
from vgtui.cli.run import parse_args
from vgtui.config import RunConfig
from vgtui.records import EpochEnd, RunStart, RunSummary
from vgtui.runlog import RunLogReader, RunLogWriter, SummaryFrame, list_logs, read_run
from vgtui.runlog.reader import EventFrame
from vgtui.session.controller import RunController
from vgtui.session.summary import finalize
from vgtui.sources.follower import FollowerSource
from vgtui.sources.replay import ReplaySource, replay_factory


def wait_for(condition, limit: float = 30.0) -> None:
    """Wait until ``condition()`` holds; fail after ``limit`` seconds (generous: no timing test)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


NAME = re.compile(r"^\d{8}-\d{6}\.\d{3}Z-(\w+)-(\w+)(-\d+)?\.vglog$")
STREAMS = {
    ("sigmoid", "normal"): stream("sigmoid_normal"),
    ("tanh", "normal"): stream("tanh_normal"),
    ("relu", "normal"): stream("relu_normal"),
}


def test_a_headless_run_writes_one_log_that_reads_back_as_its_records(tmp_path: Path) -> None:
    out = io.StringIO()
    status = run_headless(
        RunConfig(),
        tmp_path / "run.json",
        out=out,
        source_factory=replay_factory(STREAMS),
        logdir=tmp_path / "logs",
    )
    assert status == 0
    (log,) = (tmp_path / "logs").iterdir()
    assert NAME.match(log.name).groups()[:2] == ("sigmoid", "normal")
    assert f"run log {log}" in out.getvalue()
    back = read_run(log)
    assert_same_records(
        [r for r in STREAMS[("sigmoid", "normal")] if not isinstance(r, RunSummary)], back[:-1]
    )
    # The log ends with the summary --json holds: the final one, with the verdict.
    summary = json.loads((tmp_path / "run.json").read_text())["summary"]
    assert back[-1].verdict == summary["verdict"] != ""
    assert back[-1].to_dict() == pytest.approx(summary)


def test_a_sweep_writes_a_log_per_run_in_start_order(tmp_path: Path) -> None:
    status = run_headless(
        RunConfig(),
        None,
        out=io.StringIO(),
        sweep="activation",
        source_factory=replay_factory(STREAMS),
        logdir=tmp_path,
    )
    assert status == 0
    logs = list_logs(tmp_path)
    assert [NAME.match(p.name).group(1) for p in logs] == ["sigmoid", "tanh", "relu"]
    for log, activation in zip(logs, ["sigmoid", "tanh", "relu"], strict=True):
        back = read_run(log)
        records = STREAMS[(activation, "normal")]
        assert_same_records([r for r in records if not isinstance(r, RunSummary)], back[:-1])
        assert back[-1].verdict and not back[-1].stopped


def test_the_controller_logs_a_run_and_ends_it_with_the_kept_summary(tmp_path: Path) -> None:
    records = STREAMS[("tanh", "normal")]
    path, ended = log_through_controller(tmp_path, records)
    assert ended.kept is not None and ended.summary is not None
    assert_log_holds(path, records, ended.summary)
    assert ended.summary == ended.kept.summary


def test_without_a_logdir_nothing_is_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    run_headless(RunConfig(), None, out=io.StringIO(), source_factory=replay_factory(STREAMS))
    assert list(tmp_path.iterdir()) == []


def test_a_stopped_run_ends_its_log_with_a_stopped_summary(tmp_path: Path) -> None:
    config = RunConfig(epochs=5, samples=64, batch_size=32)
    sources: list[SyntheticSource] = []

    def factory(cfg: RunConfig) -> SyntheticSource:
        sources.append(SyntheticSource(cfg, np.full(5, 1e-2), hold_after=2))
        return sources[-1]

    controller = RunController(config, factory, logdir=tmp_path)
    run = controller.claim()
    thread = threading.Thread(target=controller.train, args=(run,))
    thread.start()
    wait_for(lambda: (latest := run.history.view().latest) is not None and latest.epoch == 2)
    # The driver goes away (the app quit): the run is stopped and its log ended.
    assert controller.stop_and_finish(30)
    thread.join(30)
    back = read_run(run.log.path)
    assert [r.epoch for r in back if isinstance(r, EpochEnd)] == [1, 2]
    assert back[-1].stopped and back[-1].epochs == 2 and back[-1].verdict


def test_a_failed_run_still_leaves_a_complete_log(tmp_path: Path) -> None:
    config = RunConfig(epochs=3, samples=64, batch_size=32)
    failing = SyntheticSource(config, np.full(5, 1e-2), fail=RuntimeError("out of cheese"))
    controller = RunController(config, lambda cfg: failing, logdir=tmp_path)
    run = controller.claim()
    with pytest.raises(RuntimeError):
        controller.train(run)
    ended = controller.finish(run)
    with RunLogReader(run.log.path) as reader:
        frames = reader.read_new()
    events = [f.event for f in frames if isinstance(f, EventFrame)]
    assert events[0]["event"] == "failed" and "out of cheese" in events[0]["error"]
    assert isinstance(frames[-1], SummaryFrame)
    assert read_run(run.log.path)[-1] == ended.summary
    # A viewer says the run failed, and why.
    states: list[tuple[str, str | None]] = []
    with FollowerSource(run.log.path, on_state=lambda s, e=None: states.append((s, e))) as source:
        source.start(lambda record: None)
    assert states[-1] == ("failed", "RuntimeError: out of cheese")


def test_a_headless_run_whose_log_fails_trains_on_and_exits_1(tmp_path, monkeypatch, capsys):
    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RunLogWriter, "steps", disk_full)
    out = io.StringIO()
    status = run_headless(
        RunConfig(), None, out=out, source_factory=replay_factory(STREAMS), logdir=tmp_path
    )
    assert status == EXIT_FAILED
    err = capsys.readouterr().err
    (log,) = tmp_path.iterdir()
    assert err.count("\n") == 1 and "writing the run log failed" in err
    assert "No space left on device" in err and str(log) in err
    assert "epoch 100/100" in out.getvalue()  # the log's failure did not stop the run
    back = read_run(log)
    assert len(back) == 1 and isinstance(back[0], RunStart)  # what was written before it


def test_a_log_never_replaces_an_existing_file(tmp_path: Path) -> None:
    records = STREAMS[("sigmoid", "normal")]
    start = records[0]
    fixed = [RunStart(**{**start.__dict__, "started": 1_700_000_000.0}), *records[1:]]
    taken = tmp_path / "20231114-221320.000Z-sigmoid-normal.vglog"
    taken.write_text("precious")
    controller = RunController(start.config, lambda c: ReplaySource(fixed), logdir=tmp_path)
    run = controller.claim()
    controller.train(run)
    ended = controller.finish(run)
    assert taken.read_text() == "precious"
    assert run.log.path == tmp_path / "20231114-221320.000Z-sigmoid-normal-2.vglog"
    assert_log_holds(run.log.path, fixed, ended.summary)


def test_viewed_runs_are_never_logged(tmp_path: Path) -> None:
    records = STREAMS[("relu", "normal")]
    source_log, _ = log_through_controller(tmp_path / "first", records)
    controller = RunController(RunConfig(), replay_factory(STREAMS), logdir=tmp_path / "again")
    run = controller.watch(FollowerSource(source_log), records[0].config)
    assert controller.claim() is run
    controller.train(run)
    controller.finish(run)
    assert run.log is None and not (tmp_path / "again").exists()


def test_finalize_keeps_a_summary_read_back_with_its_verdict(tmp_path: Path) -> None:
    records = STREAMS[("sigmoid", "normal")]
    path, ended = log_through_controller(tmp_path, records)
    controller = RunController(RunConfig(), replay_factory(STREAMS))
    run = controller.watch(FollowerSource(path), records[0].config)
    controller.claim()
    controller.train(run)
    again = controller.finish(run)
    assert again.summary == ended.summary
    assert finalize(run.history.view(), again.summary) is again.summary
    assert [e.epoch for e in epoch_records(records)][-1] == again.summary.epochs


def test_logdir_is_checked_when_the_command_line_is_read(tmp_path: Path, capsys) -> None:
    made = tmp_path / "new" / "logs"
    args, _ = parse_args(["--headless", "--logdir", str(made)])
    assert args.logdir == made and made.is_dir()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for bad, reason in ((a_file, "exists and is not a directory"), ("/proc", "cannot write in")):
        with pytest.raises(SystemExit) as exit_info:
            parse_args(["--headless", "--logdir", str(bad)])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("vgtui: error: --logdir: ") and err.count("\n") == 1
        assert reason in err
