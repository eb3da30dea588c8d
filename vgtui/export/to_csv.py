"""Runs as CSV: one row per step per layer, every step of every log.

The columns up to ``batch_accuracy`` are those the CSV has always had, in
their places; statistics recorded since (``act_deriv_mean``) follow them,
then the epoch's validation (``val_loss``, ``val_accuracy``), so a reader
that takes columns by position still reads the same numbers. A statistic a
log does not hold (an older log) is an empty cell. The validation is an
epoch's, measured after its last step: it is on the rows of that step, and
empty on every other row (and for a run without validation data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vgtui.records import STAT_NAMES
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame

#: The statistics of the CSV's first columns, as it has had them from the start.
LEADING_STATS = STAT_NAMES[: STAT_NAMES.index("dead") + 1]  # only ever appended to
#: Statistics recorded since, in columns after ``batch_accuracy``.
TRAILING_STATS = tuple(name for name in STAT_NAMES if name not in LEADING_STATS)
#: An epoch's validation, on the rows of its last step.
VALIDATION = ("val_loss", "val_accuracy")

COLUMNS = (
    "run",
    "step",
    "epoch",
    "layer",
    *LEADING_STATS,
    "batch_loss",
    "batch_accuracy",
    *TRAILING_STATS,
    *VALIDATION,
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
            np.full((n * n_layers, len(VALIDATION)), ""),
        ]
    )
    return table.tolist()


def _with_validation(rows: list[list[str]], layers: int, end: EpochEndFrame) -> list[list[str]]:
    """``rows`` (a block's) with the epoch's validation on its last step's rows, if it has one."""
    values = [_text(np.array([v]))[0] for v in (end.val_loss, end.val_accuracy)]
    if any(values):
        for row in rows[len(rows) - layers :]:
            row[-len(VALIDATION) :] = values
    return rows


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
            held: tuple[int, list[list[str]]] | None = None  # the last block, until its epoch ends
            for frame in reader.frames():
                if isinstance(frame, StepsFrame):
                    if held is not None:
                        writer.writerows(held[1])
                    held = (frame.epoch, block_rows(path.name, layers, frame, stat_names))
                    rows += len(held[1])
                elif isinstance(frame, EpochEndFrame) and held is not None:
                    if held[0] == frame.epoch:
                        writer.writerows(_with_validation(held[1], len(layers), frame))
                    else:
                        writer.writerows(held[1])
                    held = None
            if held is not None:
                writer.writerows(held[1])
            if damaged is not None and reader.damaged_at is not None:
                damaged[path] = reader.damaged_at
    text.flush()
    text.detach()
    return rows
