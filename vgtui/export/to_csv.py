"""Runs as CSV: one row per step per layer, every step of every log."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vgtui.records import STAT_NAMES
from vgtui.runlog import RunLogReader, StepsFrame

COLUMNS = (
    "run",
    "step",
    "epoch",
    "layer",
    *STAT_NAMES,
    "batch_loss",
    "batch_accuracy",
)


def _text(values: np.ndarray) -> np.ndarray:
    """Each float32 as its shortest exact decimal; NaN as an empty cell."""
    out = values.astype(np.float32).astype(str)
    out[np.isnan(values)] = ""
    return out


def block_rows(run: str, layers: Sequence[str], block: StepsFrame) -> list[list[str]]:
    """The rows of a block of steps: each step's layers in order."""
    n, n_layers = block.steps, len(layers)
    steps = np.repeat(np.arange(block.first_step, block.first_step + n), n_layers).astype(str)
    names = np.tile(np.asarray(layers, dtype=str), n)
    stats = _text(block.stats.reshape(n * n_layers, -1))
    loss = np.repeat(_text(block.loss), n_layers)
    accuracy = np.repeat(_text(block.accuracy), n_layers)
    table = np.column_stack(
        [
            np.full(n * n_layers, run),
            steps,
            np.full(n * n_layers, str(block.epoch)),
            names,
            stats,
            loss,
            accuracy,
        ]
    )
    return table.tolist()


def write_csv(logs: Sequence[Path], out: BinaryIO, damaged: dict[Path, int] | None = None) -> int:
    """Write the CSV of every step of ``logs`` to ``out``; return the rows written.

    ``damaged`` gets, for each log a damaged frame cut short, where it did.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for path in logs:
        with RunLogReader(path) as reader:
            layers = [str(n) for n in reader.header.get("layer_names", [])]  # type: ignore[union-attr]
            for frame in reader.frames():
                if isinstance(frame, StepsFrame):
                    block = block_rows(path.name, layers, frame)
                    writer.writerows(block)
                    rows += len(block)
            if damaged is not None and reader.damaged_at is not None:
                damaged[path] = reader.damaged_at
    text.flush()
    text.detach()
    return rows
