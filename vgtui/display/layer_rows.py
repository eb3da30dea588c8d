"""What the layer rows show, as plain data: one frame built from a run's history.

A :class:`LayerRowsFrame` holds every number the rows draw (the per-step
series, the latest values, each layer's decades from the output layer, its
saturated or dead share, f', the last finished run's SDs) and the scale they
share; :meth:`LayerRowsFrame.drawn` turns the series into as many columns as a
row has room for. The panel widget only draws what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vgtui.diagnosis import decades_below_output, layer_decades
from vgtui.display.series import (
    ColumnSeries,
    SessionScale,
    log10_magnitude,
    log_bounds,
    symmetric_bounds,
    zero_bounds,
)
from vgtui.display.view_options import ViewOptions
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX

MEAN = STAT_INDEX["grad_mean"]
SD = STAT_INDEX["grad_sd"]
WEIGHT_MEAN = STAT_INDEX["weight_mean"]
WEIGHT_SD = STAT_INDEX["weight_sd"]
SATURATION = STAT_INDEX["saturation"]
DEAD = STAT_INDEX["dead"]
DERIV = STAT_INDEX["act_deriv_mean"]
#: Decades the means' signed-log scale reaches below the SDs' floor.
MEAN_DECADES_BELOW = 2


@dataclass(frozen=True)
class PreviousRun:
    """The last finished run's latest statistics, shown dimmed beside the rows.

    Attributes:
        stats: (layers, statistics) of its last epoch.
        label: its name in the column's title, e.g. ``#1 relu``.

    """

    stats: np.ndarray
    label: str


@dataclass(frozen=True, eq=False)
class LayerRowsFrame:
    """Every number the layer rows show, and the scale they share.

    Attributes:
        names: the layers, input side first.
        step_x: the step of each row of ``means`` and ``sds``.
        means: (steps, layers) means, of the gradient or of the kernel.
        sds: (steps, layers) SDs, raw (log10 is taken by :meth:`drawn`).
        total_steps: the run's length, the x axis.
        weights: the rows show the kernels, not their gradients.
        log_scale: the SDs on a log10 scale.
        sd_bounds: the session's log scale (log scale only; None: the run's own).
        latest: (layers, statistics) of the latest epoch; None before the first.
        decades: each layer's SD (of what the rows show) against the output layer's, latest epoch.
        previous: the last finished run's statistics, or None.

    """

    names: tuple[str, ...]
    step_x: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    total_steps: int
    weights: bool
    log_scale: bool
    sd_bounds: tuple[float, float] | None
    latest: np.ndarray | None
    decades: np.ndarray
    previous: PreviousRun | None

    @property
    def layers(self) -> int:
        """Layers with recorded statistics (0 before the first step)."""
        return self.means.shape[1] if self.means.ndim == 2 else 0

    @property
    def what(self) -> str:
        """``grad`` or ``weight``: what the rows show."""
        return "weight" if self.weights else "grad"

    def latest_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Each layer's latest mean and SD (NaN before the first epoch)."""
        if self.latest is None:
            empty = np.full(len(self.names), np.nan)
            return empty, empty
        mean_index, sd_index = (WEIGHT_MEAN, WEIGHT_SD) if self.weights else (MEAN, SD)
        return self.latest[:, mean_index], self.latest[:, sd_index]

    def health(self) -> tuple[np.ndarray, np.ndarray, str]:
        """Each layer's decades from the output (NaN for the output's own), its share, the kind.

        The share is saturated (sigmoid, tanh) or dead (relu family) units of
        the latest epoch; the kind says which ("sat", "dead" or "").
        """
        count = len(self.names)
        if self.latest is None or len(self.decades) != count:
            return np.full(count, np.nan), np.full(count, np.nan), ""
        saturation, dead = self.latest[:, SATURATION], self.latest[:, DEAD]
        fraction = np.where(np.isfinite(saturation), saturation, dead)
        kind = "sat" if np.isfinite(saturation).any() else "dead" if np.isfinite(dead).any() else ""
        decades = np.array(self.decades, dtype=np.float64)
        decades[-1] = np.nan  # the output layer against itself says nothing
        return decades, fraction, kind

    def derivatives(self) -> np.ndarray:
        """Each layer's mean activation derivative f' over the latest epoch (NaN: none)."""
        if self.latest is None:
            return np.full(len(self.names), np.nan)
        return self.latest[:, DERIV]

    def previous_sds(self) -> np.ndarray | None:
        """The last finished run's latest SD of each layer (None: no such run of this shape)."""
        if self.previous is None or len(self.previous.stats) != len(self.names):
            return None
        return self.previous.stats[:, WEIGHT_SD if self.weights else SD]

    def drawn(self) -> RowsDrawing:
        """Each row's two series, ready to be drawn at any width, and their shared bounds."""
        layers = self.layers
        means, sds = self.means, self.sds
        if self.log_scale:
            sds = log10_magnitude(sds)
        if not self.log_scale:
            sd_bounds = zero_bounds(sds)
        elif self.sd_bounds is not None:
            sd_bounds = self.sd_bounds
        else:
            sd_bounds = log_bounds(sds)
        floor = None
        if self.log_scale:
            # Means run a decade or two under the SDs: their floor sits lower.
            floor = (sd_bounds[0] - MEAN_DECADES_BELOW, sd_bounds[1])
            mean_bounds = (-1.0, 1.0)
        else:
            mean_bounds = symmetric_bounds(means)
        x, total = self.step_x, self.total_steps
        return RowsDrawing(
            [ColumnSeries(x, means[:, i], total, floor) for i in range(layers)],
            mean_bounds,
            [ColumnSeries(x, sds[:, i], total) for i in range(layers)],
            sd_bounds,
        )


@dataclass(frozen=True, eq=False)
class RowsDrawing:
    """Each row's mean and SD series, and the bounds each kind is drawn against."""

    means: list[ColumnSeries]
    mean_bounds: tuple[float, float]
    sds: list[ColumnSeries]
    sd_bounds: tuple[float, float]


def _latest_decades(view: HistoryView, sd_index: int) -> np.ndarray:
    """Each layer's SD against the output layer's over the latest epoch, in decades.

    The gradients' are :func:`vgtui.diagnosis.layer_decades`'s, the verdict's
    own; the weights' are taken the same way from the kernels' SDs.
    """
    if sd_index == SD:
        return layer_decades(view)[1]
    if len(view.epoch_stats) == 0:
        return np.full(view.epoch_stats.shape[1], np.nan)
    return decades_below_output(view.epoch_stats[-1:, :, sd_index])[0]


def layer_rows_frame(
    view: HistoryView,
    names: tuple[str, ...],
    total_steps: int,
    options: ViewOptions,
    scale: SessionScale,
    previous: PreviousRun | None,
) -> LayerRowsFrame:
    """The frame of the layer rows for ``view``, drawn with ``options``.

    The session's ``scale`` is widened from every step's own value (not the
    columns' means): a run half drawn has other columns than the whole run,
    but the same steps, so the scale does not depend on which moments were drawn.
    """
    weights = options.weights
    mean_index, sd_index = (WEIGHT_MEAN, WEIGHT_SD) if weights else (MEAN, SD)
    stats = view.step_stats
    recorded = stats.ndim == 3 and stats.shape[1] == len(names)
    if recorded:
        means, sds = stats[:, :, mean_index], stats[:, :, sd_index]
    else:
        means = sds = np.zeros((0, 0))
    bounds = None
    if recorded and options.log_scale:
        bounds = scale.widen(log10_magnitude(sds))
    latest = view.latest.layer_means() if view.latest is not None and recorded else None
    return LayerRowsFrame(
        names=names,
        step_x=view.step_x if recorded else np.zeros(0),
        means=means,
        sds=sds,
        total_steps=total_steps,
        weights=weights,
        log_scale=options.log_scale,
        sd_bounds=bounds,
        latest=latest,
        decades=_latest_decades(view, sd_index) if recorded else np.zeros(0),
        previous=previous,
    )
