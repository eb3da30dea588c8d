"""A real engine run written to a run log reads back exactly, at under 125 bytes a step."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.test_runlog import assert_same_records
from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import RunStart, StepBlock
from vgtui.runlog import RunLogWriter, header_from_start, read_run


def test_an_engine_run_reads_back_exactly(tmp_path: Path) -> None:
    records: list = []
    writers: list[RunLogWriter] = []

    def emit(record: object) -> None:
        records.append(record)
        if isinstance(record, RunStart):
            writers.append(RunLogWriter.create(tmp_path, header_from_start(record)))
        writers[0].write_record(record)

    Trainer(RunConfig(epochs=20)).run(emit, threading.Event())
    writers[0].close()
    assert_same_records(records, read_run(writers[0].path))
    steps = sum(r.steps for r in records if isinstance(r, StepBlock))
    assert steps == 20 * 32
    assert writers[0].path.stat().st_size / steps <= 125
