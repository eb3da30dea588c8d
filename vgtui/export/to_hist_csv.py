"""Runs' histograms as CSV: one row per counted step, quantity, layer and slot that holds values.

Columns: ``run, step, quantity, layer, slot, low, high, count``. ``slot`` is
``bin`` (values in [low, high): the run's fixed bins, see
:mod:`vgtui.distributions.bins`), ``below`` (values under the first edge,
``low`` -inf), ``above`` (from the last edge up, ``high`` inf), ``zero``
(exact zeros, ``low`` and ``high`` 0: they are in no bin) or ``nan`` (NaNs,
``low`` and ``high`` empty). A slot that holds no value has no row: every
counted step's rows of a layer add up to the values it counted. Edges are
the float32 values the run compared against, written exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from vgtui.distributions.bins import QUANTITIES, BinSpec
from vgtui.history import histogram_layers
from vgtui.records import HistogramBlock
from vgtui.runlog import RunLogReader, start_from_header

COLUMNS = ("run", "step", "quantity", "layer", "slot", "low", "high", "count")


def _slot_table(spec: BinSpec) -> tuple[list[str], list[str], list[str]]:
    """For each slot of ``spec``: its name, low and high, as the CSV writes them."""
    edges = spec.edges.astype(np.float32).astype(str).tolist()
    names = ["below", *["bin"] * spec.bins, "above", "zero", "nan"]
    low = ["-inf", *edges[:-1], edges[-1], "0.0", ""]
    high = [edges[0], *edges[1:], "inf", "0.0", ""]
    return names, low, high


def block_rows(run: str, layers: Mapping[str, Sequence[str]], block: HistogramBlock) -> list[list]:
    """The rows of a block: each counted step's quantities, layers and slots that hold values."""
    rows: list[list] = []
    for q in (q for q in QUANTITIES if q in block.specs):
        names, low, high = _slot_table(block.specs[q])
        counts = np.asarray(block.counts[q])
        layer_names = list(layers.get(q, ()))
        for i, step in enumerate(np.asarray(block.steps).tolist()):
            for row, slot in zip(*np.nonzero(counts[i])):
                layer = layer_names[row] if row < len(layer_names) else f"layer {row + 1}"
                n = int(counts[i, row, slot])
                rows.append([run, step, q, layer, names[slot], low[slot], high[slot], n])
    return rows


def write_hist_csv(
    logs: Sequence[Path],
    out: BinaryIO,
    damaged: dict[Path, int] | None = None,
    ends: Mapping[Path, int] | None = None,
) -> tuple[int, int]:
    """Write the histogram CSV of ``logs`` to ``out``; return (rows, logs that had histograms).

    ``damaged`` gets, for each log a damaged frame cut short, where it did;
    ``ends`` gives, for a log, the byte at which to stop (an export's snapshot).
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = with_histograms = 0
    for path in logs:
        with RunLogReader(path, (ends or {}).get(path)) as reader:
            layers = histogram_layers(start_from_header(reader.header, path))
            had = False
            for frame in reader.frames():
                if isinstance(frame, HistogramBlock):
                    block = block_rows(path.name, layers, frame)
                    writer.writerows(block)
                    rows += len(block)
                    had = True
            with_histograms += had
            if damaged is not None and reader.damaged_at is not None:
                damaged[path] = reader.damaged_at
    text.flush()
    text.detach()
    return rows, with_histograms
