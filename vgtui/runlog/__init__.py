"""The on-disk run log: a writer, a reader that can follow a log being written, records.

Reading imports neither TensorFlow nor Textual. See :mod:`vgtui.runlog.format`
for the bytes.
"""

from __future__ import annotations

from vgtui.runlog.errors import (
    IncompleteLogError,
    NewerFormatError,
    NotARunLogError,
    RunLogError,
)
from vgtui.runlog.format import FORMAT_VERSION, MAGIC, StepsFrame
from vgtui.runlog.reader import (
    EpochEndFrame,
    EventFrame,
    Frame,
    RunLogReader,
    SummaryFrame,
    is_run_log,
    list_logs,
)
from vgtui.runlog.records import (
    RecordAssembler,
    frame_record,
    iter_records,
    read_run,
    start_from_header,
    summary_from_frame,
)
from vgtui.runlog.writer import SUFFIX, RunLogWriter, header_from_start, log_stem

__all__ = [
    "FORMAT_VERSION",
    "MAGIC",
    "SUFFIX",
    "EpochEndFrame",
    "EventFrame",
    "Frame",
    "IncompleteLogError",
    "NewerFormatError",
    "NotARunLogError",
    "RecordAssembler",
    "RunLogError",
    "RunLogReader",
    "RunLogWriter",
    "StepsFrame",
    "SummaryFrame",
    "frame_record",
    "header_from_start",
    "is_run_log",
    "iter_records",
    "list_logs",
    "log_stem",
    "read_run",
    "start_from_header",
    "summary_from_frame",
]
