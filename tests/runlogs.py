"""Run logs for tests: recorded runs written through the controller, and checks of a log."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

from tests.epochs import Epoch, epochs
from tests.test_runlog import assert_same_records
from vgtui.config import RunConfig
from vgtui.records import Record, RunStart, RunSummary
from vgtui.runlog import RunLogWriter, header_from_start, read_run
from vgtui.session.controller import Ended, RunController
from vgtui.sources.replay import ReplaySource, load_stream

FIXTURES = Path(__file__).parent / "fixtures"


def stream(name: str) -> list[Record]:
    """A recorded run: ``sigmoid_normal``, ``tanh_normal``, ``relu_normal``, ..."""
    return load_stream(FIXTURES / f"{name}.npz")


def started_at(records: Sequence[Record], started: float) -> list[Record]:
    """The records with the RunStart's start time set (a log's name and order come from it)."""
    start = records[0]
    assert isinstance(start, RunStart)
    return [dataclasses.replace(start, started=started), *records[1:]]


def log_through_controller(logdir: Path, records: Sequence[Record]) -> tuple[Path, Ended]:
    """Play ``records`` as a run of the controller with ``logdir``; the log and how it ended."""
    start = records[0]
    assert isinstance(start, RunStart) and start.config is not None
    controller = RunController(start.config, lambda config: ReplaySource(records), logdir=logdir)
    run = controller.claim()
    assert run is not None
    controller.train(run)
    ended = controller.finish(run)
    assert run.log is not None and run.log.closed
    return run.log.path, ended


def write_partial(logdir: Path, records: Sequence[Record], epochs: int) -> RunLogWriter:
    """An open log holding the start and the first ``epochs`` epochs of ``records``."""
    start = records[0]
    assert isinstance(start, RunStart)
    writer = RunLogWriter.create(logdir, header_from_start(start))
    for epoch in epoch_records(records)[:epochs]:
        write_epoch(writer, epoch)
    return writer


def write_epoch(writer: RunLogWriter, epoch: Epoch) -> None:
    """Append an epoch to a log as a run emits it: its steps, then its end."""
    for record in epoch.records():
        writer.write_record(record)


def epoch_records(records: Sequence[Record]) -> list[Epoch]:
    """The epochs of a stream, whole."""
    return epochs(records)


def same_summary(a: RunSummary, b: RunSummary) -> bool:
    """Field-by-field equality, NaN equal to NaN."""
    for f in dataclasses.fields(RunSummary):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def assert_log_holds(path: Path, records: Sequence[Record], summary: RunSummary) -> None:
    """The log reads back as the run's start and epochs, exactly, then ``summary``."""
    back = read_run(path)
    assert isinstance(back[-1], RunSummary), "the log does not end with a summary"
    assert same_summary(back[-1], summary)
    expected = [r for r in records if not isinstance(r, RunSummary)]
    assert_same_records(expected, back[:-1])


def default_config(records: Sequence[Record]) -> RunConfig:
    """The config a recorded stream was made with."""
    start = records[0]
    assert isinstance(start, RunStart) and start.config is not None
    return start.config
