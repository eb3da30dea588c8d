"""Runs as CSV: one row per step per layer, every step of every log.

The columns up to ``batch_accuracy`` are those the CSV has always had, in
their places; statistics recorded since (``act_deriv_mean``) follow them, so
a reader that takes columns by position still reads the same numbers. A
statistic a log does not hold (an older log) is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vgtui.records import STAT_NAMES
from vgtui.runlog import RunLogReader, StepsFrame

#: The statistics of the CSV's first columns, as it has had them from the start.
LEADING_STATS = STAT_NAMES[: STAT_NAMES.index("dead") + 1]  # only ever appended to
#: Statistics recorded since, in columns after ``batch_accuracy``.
TRAILING_STATS = tuple(name for name in STAT_NAMES if name not in LEADING_STATS)

COLUMNS = (
    "run",
    "step",
    "epoch",
    "layer",
    *LEADING_STATS,
    "batch_loss",
    "batch_accuracy",
    *TRAILING_STATS,
)


def _text(values: np.ndarray) -> np.ndarray:
    """Each float32 as its shortest exact decimal; NaN as an empty cell."""
    out = values.astype(np.float32).astype(str)
    out[np.isnan(values)] = ""
    return out


def _stat_columns(
    block: StepsFrame, stat_names: Sequence[str], wanted: Sequence[str]
) -> np.ndarray:
    """The block's statistics named ``wanted``, (steps × layers, len(wanted)); NaN if missing."""
    n = block.steps * block.stats.shape[1]
    flat = block.stats.reshape(n, -1)
    out = np.full((n, len(wanted)), np.nan, dtype=np.float32)
    for k, name in enumerate(wanted):
        if name in stat_names and stat_names.index(name) < flat.shape[1]:
            out[:, k] = flat[:, stat_names.index(name)]
    return out


def block_rows(
    run: str,
    layers: Sequence[str],
    block: StepsFrame,
    stat_names: Sequence[str] = STAT_NAMES,
) -> list[list[str]]:
    """The rows of a block of steps: each step's layers in order.

    ``stat_names`` name the block's statistics, as the log's header gives them.
    """
    n, n_layers = block.steps, len(layers)
    names_in_log = list(stat_names)
    steps = np.repeat(np.arange(block.first_step, block.first_step + n), n_layers).astype(str)
    names = np.tile(np.asarray(layers, dtype=str), n)
    leading = _text(_stat_columns(block, names_in_log, LEADING_STATS))
    trailing = _text(_stat_columns(block, names_in_log, TRAILING_STATS))
    loss = np.repeat(_text(block.loss), n_layers)
    accuracy = np.repeat(_text(block.accuracy), n_layers)
    table = np.column_stack(
        [
            np.full(n * n_layers, run),
            steps,
            np.full(n * n_layers, str(block.epoch)),
            names,
            leading,
            loss,
            accuracy,
            trailing,
        ]
    )
    return table.tolist()


def write_csv(
    logs: Sequence[Path],
    out: BinaryIO,
    damaged: dict[Path, int] | None = None,
    ends: Mapping[Path, int] | None = None,
) -> int:
    """Write the CSV of every step of ``logs`` to ``out``; return the rows written.

    ``damaged`` gets, for each log a damaged frame cut short, where it did;
    ``ends`` gives, for a log, the byte at which to stop (an export's snapshot).
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for path in logs:
        with RunLogReader(path, (ends or {}).get(path)) as reader:
            layers = [str(n) for n in reader.header.get("layer_names", [])]  # type: ignore[union-attr]
            stat_names = [str(n) for n in reader.header.get("stat_names") or LEADING_STATS]  # type: ignore[union-attr]
            for frame in reader.frames():
                if isinstance(frame, StepsFrame):
                    block = block_rows(path.name, layers, frame, stat_names)
                    writer.writerows(block)
                    rows += len(block)
            if damaged is not None and reader.damaged_at is not None:
                damaged[path] = reader.damaged_at
    text.flush()
    text.detach()
    return rows
