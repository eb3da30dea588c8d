"""The per-layer panel: a title line and one LayerRow per Dense layer."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label

from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX
from vgtui.ui.series import columns, log10_magnitude, log_bounds, symmetric_bounds, zero_bounds
from vgtui.ui.widgets.layer_row import LayerRow

MEAN = STAT_INDEX["grad_mean"]
SD = STAT_INDEX["grad_sd"]


class LayerPanel(VerticalScroll, can_focus=False):
    """Gradient mean and SD of every layer over the run, on scales the rows share."""

    def __init__(self, layer_names: tuple[str, ...], **kwargs: object) -> None:
        """Create the panel with a row for each of ``layer_names``, input side first."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.layer_names = layer_names

    def compose(self) -> ComposeResult:
        """Yield the title line, then the rows."""
        with Horizontal(id="layer-titles"):
            yield Label("layer", classes="layer-name")
            yield Label("grad mean", id="mean-title", classes="title")
            yield Label("", classes="value")
            yield Label("grad SD", id="sd-title", classes="title")
            yield Label("", classes="value")
        for name in self.layer_names:
            yield LayerRow(name, classes="layer-row")

    def show(self, view: HistoryView, total_steps: int, log_scale: bool) -> None:
        """Redraw every row from ``view``; the run is ``total_steps`` long."""
        rows = list(self.query(LayerRow))
        if not rows:
            return
        width = rows[0].columns_wide
        layers = view.step_stats.shape[1] if view.step_stats.ndim == 3 else 0
        latest = view.latest.layer_means() if view.latest is not None else None
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
            self._titles(None, None, log_scale)
            return
        means = view.step_stats[:, :, MEAN]
        sds = view.step_stats[:, :, SD]
        if log_scale:
            sds = log10_magnitude(sds)
        mean_cols = [columns(view.step_x, means[:, i], total_steps, width) for i in range(layers)]
        sd_cols = [columns(view.step_x, sds[:, i], total_steps, width) for i in range(layers)]
        mean_bounds = symmetric_bounds(np.concatenate(mean_cols))
        sd_all = np.concatenate(sd_cols)
        sd_bounds = log_bounds(sd_all) if log_scale else zero_bounds(sd_all)
        for i, row in enumerate(rows):
            row.show(
                mean_cols[i],
                mean_bounds,
                sd_cols[i],
                sd_bounds,
                None if latest is None else float(latest[i, MEAN]),
                None if latest is None else float(latest[i, SD]),
            )
        self._titles(mean_bounds, sd_bounds, log_scale)

    def _titles(
        self,
        mean_bounds: tuple[float, float] | None,
        sd_bounds: tuple[float, float] | None,
        log_scale: bool,
    ) -> None:
        """Name the shared scale of each column in the title line."""
        mean = "grad mean"
        if mean_bounds is not None:
            mean += f"  ±{mean_bounds[1]:.0e}"
        scale = "log" if log_scale else "linear"
        sd = f"grad SD ({scale})"
        if sd_bounds is not None:
            if log_scale:
                sd += f"  1e{sd_bounds[0]:+.0f}…1e{sd_bounds[1]:+.0f}"
            else:
                sd += f"  0…{sd_bounds[1]:.0e}"
        self.query_one("#mean-title", Label).update(mean, layout=False)
        self.query_one("#sd-title", Label).update(sd, layout=False)
