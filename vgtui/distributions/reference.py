"""Counting values into a spec's slots, and their moments, in plain numpy.

This is the reference: the engine counts on the device, and its tests expect
exactly these counts from the same values.
"""

from __future__ import annotations

import numpy as np

from vgtui.distributions.bins import BinSpec

#: What :func:`moments` returns, in order.
MOMENTS: tuple[str, ...] = ("min", "max", "sum", "sum_squares")


def slots_of(values: np.ndarray, spec: BinSpec) -> np.ndarray:
    """The slot (see :mod:`vgtui.distributions.bins`) of each value, compared in float32."""
    x = np.asarray(values, dtype=np.float32)
    slot = np.searchsorted(spec.edges, x, side="right")  # NaN sorts last: the "above" slot
    slot = np.where(x == 0, spec.zero, slot)
    return np.where(np.isnan(x), spec.nan, slot)


def count(values: np.ndarray, spec: BinSpec) -> np.ndarray:
    """Counts (spec.slots,) of all of ``values``; they add up to its size."""
    return np.bincount(slots_of(np.ravel(values), spec), minlength=spec.slots).astype(np.int64)


def count_rows(values: np.ndarray, spec: BinSpec) -> np.ndarray:
    """Counts (rows, spec.slots) of each row of ``values`` (rows, ...)."""
    values = np.asarray(values)
    return np.stack([count(row, spec) for row in values.reshape(len(values), -1)])


def moments(values: np.ndarray) -> np.ndarray:
    """Min, max, sum and sum of squares of the values, in float64 (4,); NaN if one is NaN."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        return np.array([np.inf, -np.inf, 0.0, 0.0])
    if np.isnan(x).any():
        return np.full(4, np.nan)
    return np.array([x.min(), x.max(), x.sum(), np.square(x).sum()])
