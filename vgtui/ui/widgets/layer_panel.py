"""The per-layer panel: a title line and one LayerRow per Dense layer.

The rows show the kernel gradient's mean and SD, or (the weight view) the
kernel's own mean and SD, and each layer's health: its gradient SD against the
output layer's, in decades, and the share of saturated (sigmoid, tanh) or dead
(relu family) units, each from the latest epoch.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label

from vgtui.diagnosis import layer_decades
from vgtui.display.series import (
    SessionScale,
    columns,
    log10_magnitude,
    log_bounds,
    signed_log,
    symmetric_bounds,
    zero_bounds,
)
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX
from vgtui.ui.widgets.layer_row import LayerRow

MEAN = STAT_INDEX["grad_mean"]
SD = STAT_INDEX["grad_sd"]
WEIGHT_MEAN = STAT_INDEX["weight_mean"]
WEIGHT_SD = STAT_INDEX["weight_sd"]
SATURATION = STAT_INDEX["saturation"]
DEAD = STAT_INDEX["dead"]
DERIV = STAT_INDEX["act_deriv_mean"]
#: Decades the means' signed-log scale reaches below the SDs' floor.
MEAN_DECADES_BELOW = 2


class LayerPanel(VerticalScroll, can_focus=False):
    """Gradient mean and SD of every layer over the run, on scales the rows share."""

    def __init__(self, layer_names: tuple[str, ...], **kwargs: object) -> None:
        """Create the panel with a row for each of ``layer_names``, input side first."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.layer_names = layer_names
        self.weights = False
        self.previous: np.ndarray | None = None
        self.previous_label = ""

    def set_layers(self, names: tuple[str, ...]) -> None:
        """Show a row for each of ``names`` instead (a run of another network)."""
        if names == self.layer_names:
            return
        self.layer_names = names
        self.set_previous(None)
        self.query(LayerRow).remove()
        self.mount_all([LayerRow(name, classes="layer-row") for name in names])

    def set_previous(self, means: np.ndarray | None, label: str = "") -> None:
        """Keep another run's last-epoch statistics, (layers, stats), to show dimmed.

        ``label`` names that run in the column's title. A run with another
        number of layers is not shown.
        """
        if means is not None and len(means) != len(self.layer_names):
            means = None
        self.previous = means
        self.previous_label = label if means is not None else ""
        if means is not None:  # once shown, the column stays, so the rows never jump
            self.add_class("-with-previous")
        found = self.query("#previous-title")
        if found:
            title = found.first(Label)
            text = label[:11] if means is not None else ""
            if str(title.content) != (text or "before"):
                title.update(text or "before", layout=False)

    def compose(self) -> ComposeResult:
        """Yield the title line, then the rows."""
        with Horizontal(id="layer-titles"):
            yield Label("layer", classes="layer-name")
            yield Label("grad mean", id="mean-title", classes="title")
            yield Label("", classes="value")
            yield Label("grad SD", id="sd-title", classes="title")
            yield Label("", classes="value")
            yield Label("f'", id="deriv-title", classes="act-deriv")
            yield Label("before", id="previous-title", classes="previous-sd")
            yield Label("ep vs out", id="health-title", classes="health")
        for name in self.layer_names:
            yield LayerRow(name, classes="layer-row")

    def show(
        self,
        view: HistoryView,
        total_steps: int,
        log_scale: bool,
        weights: bool = False,
        scale: SessionScale | None = None,
    ) -> bool:
        """Redraw every row from ``view``; the run is ``total_steps`` long.

        Returns False where the rows could not be drawn yet (not composed or
        not laid out), so that the caller tries again.

        Args:
            view: the run's records.
            total_steps: the run's length, the width of the x axis.
            log_scale: draw the SD on a log10 scale.
            weights: draw the kernel's mean and SD instead of its gradient's.
            scale: the session's log scale, widened to hold this run (log scale
                only); None gives the run a scale of its own. The means use it
                too, signed.

        """
        self.weights = weights
        rows = list(self.query(LayerRow))
        if not rows or not self.query("#health-title"):
            return False
        width = rows[0].columns_wide
        layers = view.step_stats.shape[1] if view.step_stats.ndim == 3 else 0
        latest = view.latest.layer_means() if view.latest is not None else None
        if [row.layer_name for row in rows] != list(self.layer_names):
            return False  # rows of another network are being replaced
        if layers != len(rows) or width <= 0:
            for row in rows:
                row.show(
                    np.full(max(width, 0), np.nan),
                    (0, 1),
                    np.full(max(width, 0), np.nan),
                    (0, 1),
                    None,
                    None,
                )
                row.show_health(np.nan, np.nan)  # nothing stale from the run before
            self._titles(None, None, log_scale)
            self._derivs(rows, None)
            return width > 0 and layers == 0  # else the rows are not the run's yet
        mean_index, sd_index = (WEIGHT_MEAN, WEIGHT_SD) if weights else (MEAN, SD)
        means = view.step_stats[:, :, mean_index]
        sds = view.step_stats[:, :, sd_index]
        if log_scale:
            sds = log10_magnitude(sds)
        mean_cols = [columns(view.step_x, means[:, i], total_steps, width) for i in range(layers)]
        sd_cols = [columns(view.step_x, sds[:, i], total_steps, width) for i in range(layers)]
        sd_all = np.concatenate(sd_cols)
        if not log_scale:
            sd_bounds = zero_bounds(sd_all)
        elif scale is not None:
            # Widened from every step's own value, not the columns' means: the columns of a
            # run half drawn differ from the whole run's, the steps themselves do not, so the
            # scale does not depend on which moments happened to be drawn.
            sd_bounds = scale.widen(log10_magnitude(view.step_stats[:, :, sd_index]))
        else:
            sd_bounds = log_bounds(sd_all)
        if log_scale:
            # Means run a decade or two under the SDs: their floor sits lower.
            floor = (sd_bounds[0] - MEAN_DECADES_BELOW, sd_bounds[1])
            mean_cols = [signed_log(cols, floor) for cols in mean_cols]
            mean_bounds = (-1.0, 1.0)
        else:
            mean_bounds = symmetric_bounds(np.concatenate(mean_cols))
        for i, row in enumerate(rows):
            row.show(
                mean_cols[i],
                mean_bounds,
                sd_cols[i],
                sd_bounds,
                None if latest is None else float(latest[i, mean_index]),
                None if latest is None else float(latest[i, sd_index]),
            )
        self._health(rows, latest, layer_decades(view)[1])
        self._derivs(rows, latest)
        for i, row in enumerate(rows):
            row.show_previous(None if self.previous is None else float(self.previous[i, sd_index]))
        self._titles(None if log_scale else mean_bounds, sd_bounds, log_scale)
        return True

    def _derivs(self, rows: list[LayerRow], latest: np.ndarray | None) -> None:
        """Show each layer's mean activation derivative (f') of the last epoch, where recorded.

        The column is there (on wide terminals) only for runs that record it.
        """
        derivs = latest[:, DERIV] if latest is not None else np.full(len(rows), np.nan)
        self.set_class(bool(np.isfinite(derivs).any()), "-with-deriv")
        for row, value in zip(rows, derivs, strict=True):
            row.show_deriv(float(value))

    def _health(self, rows: list[LayerRow], latest: np.ndarray | None, decades: np.ndarray) -> None:
        """Show each layer's decades from the output layer (last epoch) and its sat/dead share."""
        if latest is None or len(decades) != len(rows):
            for row in rows:
                row.show_health(np.nan, np.nan)
            return
        saturation, dead = latest[:, SATURATION], latest[:, DEAD]
        fraction = np.where(np.isfinite(saturation), saturation, dead)
        kind = "sat" if np.isfinite(saturation).any() else "dead" if np.isfinite(dead).any() else ""
        for i, row in enumerate(rows):
            row.show_health(np.nan if i == len(rows) - 1 else decades[i], fraction[i])
        title = f"ep vs out {kind}".rstrip()  # the last epoch's decades
        label = self.query_one("#health-title", Label)
        if str(label.content) != title:
            label.update(title, layout=False)

    def _titles(
        self,
        mean_bounds: tuple[float, float] | None,
        sd_bounds: tuple[float, float] | None,
        log_scale: bool,
    ) -> None:
        """Name the shared scale of each column in the title line."""
        what = "weight" if self.weights else "grad"
        mean = f"{what} mean"
        if mean_bounds is not None:
            mean += f"  ±{mean_bounds[1]:.0e}"
        elif log_scale and sd_bounds is not None:
            mean += " (±log)"
        scale = "log" if log_scale else "linear"
        sd = f"{what} SD ({scale})"
        short = f"SD {scale}"
        if sd_bounds is not None:
            if log_scale:
                bounds = f"1e{sd_bounds[0]:+.0f}…1e{sd_bounds[1]:+.0f}"
            else:
                bounds = f"0…{sd_bounds[1]:.0e}"
            sd += f"  {bounds}"
            short += f" {bounds}"
        sd_found, mean_found = self.query("#sd-title"), self.query("#mean-title")
        if not sd_found or not mean_found:
            return  # the title line is not composed yet
        sd_label = sd_found.first(Label)
        if 0 < sd_label.size.width < len(sd):  # narrow: keep the scale, drop the words
            sd = short
        mean_found.first(Label).update(mean, layout=False)
        sd_label.update(sd, layout=False)
