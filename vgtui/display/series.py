"""Turning recorded series into screen columns and shared scales."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

#: The most decades a log-scale sparkline spans; smaller values sit on the floor.
MAX_DECADES = 8


def columns(x: np.ndarray, values: np.ndarray, total: int, width: int) -> np.ndarray:
    """Average ``values`` into ``width`` columns that cover positions 1..``total``.

    Args:
        x: 1-based positions of the values (steps or epochs), ascending.
        values: one value a position; NaN is ignored, ±inf is kept.
        total: the position the last column ends at (the run's length).
        width: number of columns.

    Returns:
        ``width`` column means; NaN where a column holds no finite-or-infinite value.

    """
    out = np.full(max(width, 0), np.nan)
    if width <= 0 or len(x) == 0:
        return out
    total = max(int(total), int(x[-1]), 1)
    cols = np.clip(((np.asarray(x) - 1) * width) // total, 0, width - 1).astype(np.int64)
    vals = np.asarray(values, dtype=np.float64)
    keep = ~np.isnan(vals)
    cols, vals = cols[keep], vals[keep]
    if len(vals) == 0:
        return out
    with np.errstate(invalid="ignore"):
        sums = np.bincount(cols, weights=vals, minlength=width)
    counts = np.bincount(cols, minlength=width)
    filled = counts > 0
    out[filled] = sums[filled] / counts[filled]
    return out


def log10_magnitude(values: np.ndarray) -> np.ndarray:
    """Return log10 of |values|; zero maps to -inf, NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.abs(np.asarray(values, dtype=np.float64)))


def log_bounds(values: np.ndarray) -> tuple[float, float]:
    """Whole decades that hold every finite log10 value, at most MAX_DECADES apart."""
    finite = np.asarray(values)[np.isfinite(values)]
    if len(finite) == 0:
        return (-3.0, 0.0)
    high = math.ceil(float(finite.max()))
    low = math.floor(float(finite.min()))
    low = max(low, high - MAX_DECADES)
    if low >= high:
        low = high - 1
    return (float(low), float(high))


def symmetric_bounds(values: np.ndarray) -> tuple[float, float]:
    """Bounds ±max|value| over the finite values, so that zero sits in the middle."""
    finite = np.abs(np.asarray(values)[np.isfinite(values)])
    top = float(finite.max()) if len(finite) else 0.0
    top = top or 1.0
    return (-top, top)


def zero_bounds(values: np.ndarray) -> tuple[float, float]:
    """Bounds from zero to the largest finite value."""
    finite = np.asarray(values)[np.isfinite(values)]
    top = float(finite.max()) if len(finite) else 0.0
    return (0.0, top if top > 0 else 1.0)


def sci(value: float, signed: bool = False) -> str:
    """Format a value in short scientific notation, e.g. ``3.2e-04``; NaN as ``nan``."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
    return f"{value:+.1e}" if signed else f"{value:.1e}"


def thin(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Average a series down to at most ``points`` points for plotting."""
    if len(x) <= points or points <= 0:
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    edges = np.linspace(0, len(x), points + 1).astype(np.int64)
    spans = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
    xs = np.array([x[a:b].mean() for a, b in spans])
    ys = np.array([y[a:b].mean() for a, b in spans])
    return xs, ys


#: The most decades a session-wide scale spans; smaller values sit on its floor.
SESSION_DECADES = 10


class SessionScale:
    """A log10 scale that widens to hold every run shown and never narrows.

    So the same value draws the same height in every run of the session.
    """

    def __init__(self) -> None:
        """Start with no bounds; the first run sets them."""
        self.bounds: tuple[float, float] | None = None

    def widen(self, logs: np.ndarray) -> tuple[float, float]:
        """Widen to hold the finite log10 values ``logs``; return the bounds."""
        finite = np.asarray(logs)[np.isfinite(logs)]
        if len(finite) == 0:
            return self.bounds or (-3.0, 0.0)
        high = math.ceil(float(finite.max()))
        low = min(math.floor(float(finite.min())), high - 1)
        if self.bounds is not None:
            low, high = min(low, self.bounds[0]), max(high, self.bounds[1])
        low = max(low, high - SESSION_DECADES)
        self.bounds = (low, high)
        return self.bounds


def signed_log(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Map values to [-1, 1]: the sign, times how far |value| rises from 10**low to 10**high.

    Means of a few 1e-4 against SDs of 1e-2 stay visible, and their sign too;
    zero (and anything below 10**low) maps to 0, NaN stays NaN.
    """
    low, high = bounds
    logs = log10_magnitude(values)
    with np.errstate(invalid="ignore"):
        height = np.clip((logs - low) / (high - low or 1.0), 0.0, 1.0)
    out = np.sign(values) * height
    out[np.isnan(values)] = np.nan
    return out


@dataclass(frozen=True, eq=False)
class ColumnSeries:
    """A series to be drawn as columns, at whatever width the drawing has.

    Attributes:
        x: 1-based positions of the values (steps or epochs), ascending.
        values: one value a position.
        total: the position the last column ends at (the run's length).
        signed_floor: after averaging into columns, map them with
            :func:`signed_log` on these decades (None: draw the means as they are).

    """

    x: np.ndarray
    values: np.ndarray
    total: int
    signed_floor: tuple[float, float] | None = None

    def at_width(self, width: int) -> np.ndarray:
        """The series as ``width`` columns (see :func:`columns`)."""
        cols = columns(self.x, self.values, self.total, width)
        if self.signed_floor is not None:
            cols = signed_log(cols, self.signed_floor)
        return cols
