"""The follower source and the --json source: what they emit, and the follower's states."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import Epoch
from tests.epochs import epochs as epochs_of
from tests.runlogs import (
    epoch_records,
    log_through_controller,
    same_summary,
    stream,
    write_epoch,
    write_partial,
)
from vgtui.cli.headless import run_headless
from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.runlog import RunLogReader
from vgtui.sources.follower import FollowerSource
from vgtui.sources.jsonfile import JsonRunError, read_json_runs
from vgtui.sources.replay import replay_factory


def wait_for(condition, limit: float = 30.0) -> None:
    """Wait until ``condition()`` holds; fail after ``limit`` seconds (generous: no timing test)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


class Following:
    """A FollowerSource run in a thread, with what it emitted and the states it told."""

    def __init__(self, path: Path, **options: float) -> None:
        self.records: list = []
        self.states: list[str] = []
        self.source = FollowerSource(path, on_state=self._state, **options)
        self.result: list = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _state(self, state: str, error: str | None = None) -> None:
        self.states.append(state)

    def _run(self) -> None:
        self.result.append(self.source.start(self.records.append))

    @property
    def steps(self) -> int:
        return sum(r.steps for r in self.records if isinstance(r, StepBlock))

    def stop(self) -> object:
        self.source.stop()
        self.thread.join(30)
        self.source.close()
        return self.result[0]


def assert_epochs_equal(got: list[Epoch], want: list[Epoch]) -> None:
    assert [e.epoch for e in got] == [e.epoch for e in want]
    for a, b in zip(got, want, strict=True):
        assert a.first_step == b.first_step
        ends = np.array([[a.loss, a.accuracy], [b.loss, b.accuracy]])
        assert np.array_equal(ends[0], ends[1], equal_nan=True)
        for name in ("step_stats", "step_loss", "step_accuracy"):
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
        assert (a.diverged_layer, a.diverged_step) == (b.diverged_layer, b.diverged_step)


@pytest.mark.parametrize("name", ["sigmoid_normal", "relu_diverged"])
def test_a_finished_log_is_read_whole(tmp_path: Path, name: str) -> None:
    records = stream(name)
    path, ended = log_through_controller(tmp_path, records)
    emitted: list = []
    states: list[str] = []
    with FollowerSource(path, on_state=lambda s, e=None: states.append(s)) as source:
        summary = source.start(emitted.append)
    assert isinstance(emitted[0], RunStart) and emitted[0].config == records[0].config
    assert_epochs_equal(epochs_of(emitted), epoch_records(records))
    assert emitted[-1] is summary and same_summary(summary, ended.summary)
    assert states == ["reading"]  # never "following": the summary says it is over


def test_a_growing_log_is_followed_and_its_summary_ends_it(tmp_path: Path) -> None:
    records = stream("tanh_normal")
    epochs = epoch_records(records)
    writer = write_partial(tmp_path, records, 2)
    following = Following(writer.path, poll=0.01, stale_after=1000)
    wait_for(lambda: following.states[-1:] == ["following"])
    assert following.steps == epochs[1].last_step
    for k in range(2, 5):
        write_epoch(writer, epochs[k])
        wait_for(lambda k=k: following.steps == epochs[k].last_step)
        wait_for(lambda k=k: following.records[-1] == EpochEnd(*end_fields(epochs[k])))
    writer.write_record(records[-1])
    writer.close()
    following.thread.join(30)
    assert not following.thread.is_alive()
    assert same_summary(following.result[0], records[-1])
    assert_epochs_equal(epochs_of(following.records), epochs[:5])
    following.source.close()


def end_fields(epoch: Epoch) -> tuple:
    return epoch.epoch, epoch.loss, epoch.accuracy, epoch.diverged_layer, epoch.diverged_step


def test_a_log_that_stops_growing_reads_writer_stopped_until_it_grows(tmp_path: Path) -> None:
    records = stream("sigmoid_normal")
    epochs = epoch_records(records)
    writer = write_partial(tmp_path, records, 1)
    following = Following(writer.path, poll=0.01, stale_after=0.3)
    wait_for(lambda: following.states[-1:] == ["writer stopped"])
    assert "following" in following.states  # it was fresh when the follower opened it
    write_epoch(writer, epochs[1])
    wait_for(lambda: following.states[-1:] == ["following"])
    wait_for(lambda: following.steps == epochs[1].last_step)
    assert following.stop() is None  # stopped before a summary came
    writer.close()


def test_a_log_last_written_long_ago_is_stale_at_once(tmp_path: Path) -> None:
    writer = write_partial(tmp_path, stream("sigmoid_normal"), 3)
    writer.close()
    long_ago = time.time() - 3600
    os.utime(writer.path, (long_ago, long_ago))
    following = Following(writer.path, poll=0.01, stale_after=60)
    wait_for(lambda: following.states[-1:] == ["writer stopped"])
    assert "following" not in following.states
    following.stop()


def test_a_log_cut_mid_record_is_read_up_to_its_last_complete_record(tmp_path: Path) -> None:
    records = stream("relu_normal")
    path, _ = log_through_controller(tmp_path, records)
    data = path.read_bytes()
    cut = tmp_path / "cut" / path.name
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with RunLogReader(cut) as reader:  # what is complete, by the reader alone
        complete = reader.read_new()
    emitted: list = []
    source = FollowerSource(cut, poll=0.01, stale_after=0.05)
    source.on_state = lambda state, error=None: source.stop() if state != "reading" else None
    with source:
        assert source.start(emitted.append) is None
    assert len(emitted) == 1 + len(complete)
    history = History()
    for record in emitted:
        history.record(record)
    steps = sum(f.steps for f in complete if hasattr(f, "steps"))
    assert history.view().steps_done == steps > 0


def test_a_stop_ends_the_following(tmp_path: Path) -> None:
    writer = write_partial(tmp_path, stream("sigmoid_normal"), 1)
    following = Following(writer.path, poll=0.01, stale_after=1000)
    wait_for(lambda: following.states[-1:] == ["following"])
    assert following.stop() is None
    writer.close()


def test_a_json_file_gives_its_epochs_exactly(tmp_path: Path) -> None:
    streams = {("sigmoid", "normal"): stream("sigmoid_normal")}
    run_headless(
        RunConfig(),
        tmp_path / "run.json",
        out=io.StringIO(),
        source_factory=replay_factory(streams),
    )
    data = json.loads((tmp_path / "run.json").read_text())
    (records,) = read_json_runs(tmp_path / "run.json")
    start, *middle, summary = records
    epochs = epochs_of(middle)
    assert start.config == RunConfig() and start.device == data["device"]
    assert len(epochs) == len(data["epochs"]) == 100
    for got, want in zip(epochs, data["epochs"], strict=True):
        assert (got.epoch, got.loss, got.accuracy) == (
            want["epoch"],
            want["loss"],
            want["accuracy"],
        )
        for i, layer in enumerate(want["layers"]):
            assert got.step_stats[0, i, 1] == layer["grad_sd"]
            assert got.step_stats[0, i, 0] == layer["grad_mean"]
        assert got.last_step == got.epoch * RunConfig().steps_per_epoch
    assert summary.to_dict() == pytest.approx(data["summary"], nan_ok=True)


def test_a_sweeps_json_gives_each_run(tmp_path: Path) -> None:
    streams = {(a, "normal"): stream(f"{a}_normal") for a in ("sigmoid", "tanh", "relu")}
    run_headless(
        RunConfig(),
        tmp_path / "sweep.json",
        out=io.StringIO(),
        sweep="activation",
        source_factory=replay_factory(streams),
    )
    runs = read_json_runs(tmp_path / "sweep.json")
    assert [r[0].config.activation for r in runs] == ["sigmoid", "tanh", "relu"]
    assert all(isinstance(r[-1], RunSummary) and r[-1].verdict for r in runs)


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"epochs": 3}', '{"runs": []}', '{"config": {"depth": -1}, "epochs": []}'],
)
def test_a_json_file_that_is_not_a_run_is_refused_in_one_line(tmp_path, content) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(JsonRunError) as error:
        read_json_runs(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)
