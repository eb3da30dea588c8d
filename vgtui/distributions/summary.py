"""What counts say: totals, percentiles, the share of values in a range.

Percentiles are read from the counts alone: the values of a bin are taken to
be spread evenly over it (in log-magnitude for ``signed_log`` bins, linearly
over the one bin that straddles zero and over ``linear`` bins), the zeros sit
at 0, and the values outside the bins at the edge they passed (their value
is not known beyond that). NaNs are left out.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from vgtui.distributions.bins import BinSpec

#: The percentiles the paper's figures and TensorBoard's distributions draw:
#: ±2 SD and ±1 SD of a normal, and the median.
PERCENTILES: tuple[float, ...] = (2.0, 16.0, 50.0, 84.0, 98.0)


def totals(counts: np.ndarray) -> np.ndarray:
    """The number of values each count holds (NaNs included): the sum of its slots."""
    return np.asarray(counts).sum(axis=-1)


@lru_cache(maxsize=64)
def _segments(spec: BinSpec) -> tuple[np.ndarray, ...]:
    """The ordered pieces of the line the counts' mass sits on.

    Returns arrays over the pieces: low end, high end, the slot whose count
    it takes, the share of that count, and whether to interpolate in log-magnitude.
    """
    edges = spec.edges.astype(np.float64)
    lo, hi, slot, share, log = [], [], [], [], []

    def piece(a: float, b: float, s: int, f: float = 1.0, g: bool = False) -> None:
        for column, value in zip((lo, hi, slot, share, log), (a, b, s, f, g)):
            column.append(value)

    zero_placed = False
    if edges[0] > 0.0:
        piece(0.0, 0.0, spec.zero)
        zero_placed = True
    piece(edges[0], edges[0], spec.below)
    for i in range(spec.bins):
        a, b = edges[i], edges[i + 1]
        if not zero_placed and a == 0.0:
            piece(0.0, 0.0, spec.zero)
            zero_placed = True
        if not zero_placed and a < 0.0 < b:
            below_zero = 0.5 if spec.logarithmic else -a / (b - a)
            piece(a, 0.0, i + 1, below_zero)
            piece(0.0, 0.0, spec.zero)
            piece(0.0, b, i + 1, 1.0 - below_zero)
            zero_placed = True
            continue
        piece(a, b, i + 1, 1.0, spec.logarithmic and a * b > 0)
    piece(edges[-1], edges[-1], spec.above)
    if not zero_placed:
        piece(0.0, 0.0, spec.zero)
    return tuple(np.array(v) for v in (lo, hi, slot, share, log))


def percentiles(
    counts: np.ndarray, spec: BinSpec, q: tuple[float, ...] = PERCENTILES
) -> np.ndarray:
    """The ``q`` percentiles of the values ``counts`` (..., spec.slots) holds: (..., len(q)).

    NaN where a count holds no value but NaNs.
    """
    lo, hi, slot, share, log = _segments(spec)
    mass = np.asarray(counts, dtype=np.float64)[..., slot] * share  # (..., pieces)
    cum = np.cumsum(mass, axis=-1)
    total = cum[..., -1:]
    out = []
    for p in q:
        target = p / 100.0 * total
        k = np.argmax(cum >= target, axis=-1)[..., None]  # the first piece that reaches it
        before = np.take_along_axis(cum - mass, k, -1)
        here = np.take_along_axis(mass, k, -1)
        f = np.clip(np.divide(target - before, here, out=np.ones_like(here), where=here > 0), 0, 1)
        a, b, g = lo[k], hi[k], log[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            geometric = np.sign(a) * np.abs(a) ** (1 - f) * np.abs(b) ** f
        value = np.where(g, geometric, a + f * (b - a))
        out.append(np.where(total > 0, value, np.nan)[..., 0])
    return np.stack(out, axis=-1)


def share_between(counts: np.ndarray, spec: BinSpec, low: float, high: float) -> np.ndarray:
    """The share of the non-NaN values counted in bins wholly inside [low, high], zeros too.

    Exact where ``low`` and ``high`` are edges (e.g. sigmoid's [0, 0.01]).
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = spec.edges.astype(np.float64)
    slack = 1e-6 * max(1.0, abs(low), abs(high))  # edges are float32: 0.01 is 0.0099999998
    inside = (edges[:-1] >= low - slack) & (edges[1:] <= high + slack)
    n = counts[..., 1 : spec.bins + 1] @ inside.astype(np.float64)
    if low <= 0.0 <= high:
        n = n + counts[..., spec.zero]
    valid = totals(counts) - counts[..., spec.nan]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid > 0, n / valid, np.nan)
