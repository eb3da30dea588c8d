"""What the gradient-flow heatmap shows, as plain data: levels of log10 SD per layer and column.

A :class:`HeatmapFrame` holds the per-step SDs (log10) of every layer and the
scale they are coloured on (the session's, shifted by whole decades);
:meth:`HeatmapFrame.grid` resamples them to the columns the map has room for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vgtui.display.series import SessionScale, columns, log10_magnitude
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX

LEVELS = 32
#: Level codes of cells outside the scale, and of cells with no data.
BELOW, ABOVE, EMPTY = -2, -3, -1
#: The decades the map is drawn on before any run has widened the session's scale.
DEFAULT_BOUNDS = (-8.0, 0.0)


def levels(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Map decades onto 0..LEVELS-1 within ``bounds``; BELOW, ABOVE and EMPTY outside."""
    low, high = bounds
    out = np.full(values.shape, EMPTY, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        below = values < low  # -inf, a zero SD, is below any scale
        above = values > high
        inside = ~np.isnan(values) & ~below & ~above
    out[inside] = np.round((values[inside] - low) / (high - low or 1.0) * (LEVELS - 1))
    out[below] = BELOW
    out[above] = ABOVE
    return out


@dataclass(frozen=True, eq=False)
class HeatmapFrame:
    """The heatmap's series and scale.

    Attributes:
        step_x: the step of each row of ``logs``.
        logs: (steps, layers) log10 of each layer's SD.
        names: the layers, input side first.
        total_steps: the run's length, the x axis.
        bounds: the decades the colours span (shift applied).
        what: ``grad`` or ``weight``.

    """

    step_x: np.ndarray
    logs: np.ndarray
    names: tuple[str, ...]
    total_steps: int
    bounds: tuple[float, float]
    what: str

    def grid(self, width: int) -> np.ndarray:
        """The SDs as (layers, ``width``) levels.

        Cells below the scale (a zero SD among them) are BELOW, above it
        ABOVE; columns with no step of their own repeat the column before
        them; EMPTY where the run has not been yet.
        """
        layers = self.logs.shape[1] if self.logs.ndim == 2 else 0
        if width <= 0 or len(self.step_x) == 0 or layers == 0:
            return np.full((len(self.names), max(width, 0)), EMPTY, dtype=np.int64)
        x, total = self.step_x, self.total_steps
        grid = np.stack([columns(x, self.logs[:, i], total, width) for i in range(layers)])
        filled = ~np.isnan(grid).all(axis=0)
        last = int(np.flatnonzero(filled).max(initial=-1))
        source = np.maximum.accumulate(np.where(filled, np.arange(width), 0))
        grid[:, : last + 1] = grid[:, source[: last + 1]]
        return levels(grid, self.bounds)


def heatmap_frame(
    view: HistoryView,
    names: tuple[str, ...],
    total_steps: int,
    scale: SessionScale,
    shift: int = 0,
    what: str = "grad",
) -> HeatmapFrame:
    """The heatmap of ``view`` on the session's ``scale``, widened to hold it.

    ``shift`` moves the scale down by whole decades (negative: up).
    """
    stats = view.step_stats
    if stats.ndim == 3 and len(view.step_x):
        logs = log10_magnitude(stats[:, :, STAT_INDEX[f"{what}_sd"]])
        scale.widen(logs)
        step_x = view.step_x
    else:
        logs, step_x = np.zeros((0, 0)), np.zeros(0)
    low, high = scale.bounds or DEFAULT_BOUNDS
    return HeatmapFrame(step_x, logs, names, total_steps, (low - shift, high - shift), what)
