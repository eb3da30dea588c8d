"""One Dense layer's row: its name, mean and SD sparklines, latest values, health."""

from __future__ import annotations

import math

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from vgtui.display.names import fit_name
from vgtui.display.series import ColumnSeries, sci
from vgtui.ui.widgets.scaled_sparkline import ScaledSparkline

#: Cells of the layer's name (the CSS gives the column one more, for a margin).
NAME_WIDTH = 7


class LayerRow(Horizontal):
    """A row of the layer panel for one Dense layer."""

    def __init__(self, layer: str, *, classes: str | None = None) -> None:
        """Create the row for the layer called ``layer``."""
        super().__init__(classes=classes)
        self.layer_name = layer

    def compose(self) -> ComposeResult:
        """Name, mean sparkline, latest mean, SD sparkline, latest SD, previous run's SD."""
        yield Label(fit_name(self.layer_name, NAME_WIDTH), classes="layer-name")
        yield ScaledSparkline([], classes="grad-mean", signed=True)
        yield Label("—", classes="value grad-mean-value")
        yield ScaledSparkline([], classes="grad-sd", sequential=True)
        yield Label("—", classes="value grad-sd-value")
        yield Label("", classes="act-deriv")
        yield Label("", classes="previous-sd")
        yield Label("", classes="health")

    @property
    def columns_wide(self) -> int:
        """How many columns each sparkline has on screen now (0 before they exist)."""
        found = self.query(".grad-mean")
        return found.first(ScaledSparkline).size.width if found else 0

    def show(
        self,
        mean: ColumnSeries | None,
        mean_bounds: tuple[float, float],
        sd: ColumnSeries | None,
        sd_bounds: tuple[float, float],
        latest_mean: float | None,
        latest_sd: float | None,
    ) -> None:
        """Draw the mean and SD series on shared bounds (None: blank), and the latest values."""
        if not self.query(".grad-mean"):
            return
        blank = ColumnSeries(np.zeros(0), np.zeros(0), 1)
        self.query_one(".grad-mean", ScaledSparkline).show(mean or blank, mean_bounds)
        self.query_one(".grad-sd", ScaledSparkline).show(sd or blank, sd_bounds)
        mean_text = "—" if latest_mean is None else sci(latest_mean, signed=True)
        sd_text = "—" if latest_sd is None else sci(latest_sd)
        for selector, text in ((".grad-mean-value", mean_text), (".grad-sd-value", sd_text)):
            label = self.query_one(selector, Label)
            if str(label.content) != text:
                label.update(text, layout=False)

    def show_previous(self, sd: float | None) -> None:
        """Show the previous run's latest SD of this layer, dimmed (nothing if None)."""
        if not self.query(".previous-sd"):
            return
        text = "" if sd is None or not math.isfinite(sd) else sci(sd)
        label = self.query_one(".previous-sd", Label)
        if str(label.content) != text:
            label.update(text, layout=False)

    def show_deriv(self, value: float) -> None:
        """Show the layer's mean activation derivative over the last epoch (blank if NaN)."""
        if not self.query(".act-deriv"):
            return
        text = deriv_text(value)
        label = self.query_one(".act-deriv", Label)
        if str(label.content) != text:
            label.update(text, layout=False)

    def show_health(self, decades: float, fraction: float) -> None:
        """Show the gradient SD against the output layer's and the saturated or dead share.

        Args:
            decades: log10 of this layer's gradient SD over the output layer's; NaN: none.
            fraction: saturated or dead fraction of the layer's units; NaN: not applicable.

        """
        if not self.query(".health"):
            return
        text = health_text(decades, fraction)
        label = self.query_one(".health", Label)
        if str(label.content) != text:
            label.update(text, layout=False)


def deriv_text(value: float) -> str:
    """A mean activation derivative: ``0.21``; ``3.1e-03`` below 0.01; blank if NaN."""
    if not math.isfinite(value):
        return ""
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.1e}"


def health_text(decades: float, fraction: float) -> str:
    """Return e.g. ``-1.6d  12%``: decades from the output layer's SD, then the fraction."""
    left = f"{decades:+.1f}d" if math.isfinite(decades) else ""
    if decades == -math.inf:
        left = "zero"  # the gradient vanished entirely
    right = f"{fraction:4.0%}" if math.isfinite(fraction) else ""
    return f"{left:>8} {right:>4}".rstrip()
