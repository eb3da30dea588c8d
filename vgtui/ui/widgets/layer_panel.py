"""The per-layer panel: a title line and one LayerRow per Dense layer.

It draws a :class:`~vgtui.display.layer_rows.LayerRowsFrame`: the kernel
gradient's mean and SD (or, the weight view, the kernel's own), and each
layer's health: its gradient SD against the output layer's, in decades, and
the share of saturated (sigmoid, tanh) or dead (relu family) units, each from
the latest epoch.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import AwaitMount
from textual.widgets import Label

from vgtui.display.layer_rows import LayerRowsFrame
from vgtui.ui.widgets.layer_row import LayerRow
from vgtui.ui.widgets.scrolling import scroll_by_key


class LayerPanel(VerticalScroll, can_focus=False):
    """Gradient mean and SD of every layer over the run, on scales the rows share."""

    def __init__(
        self, layer_names: tuple[str, ...], *, id: str | None = None, classes: str | None = None
    ) -> None:
        """Create the panel with a row for each of ``layer_names``, input side first (or none)."""
        super().__init__(id=id, classes=classes)
        self.layer_names = layer_names
        self.weights = False

    def set_layers(self, names: tuple[str, ...]) -> AwaitMount:
        """Show a row for each of ``names`` instead (a run of another network).

        Returns:
            What to await for the new rows to be mounted.

        """
        if names == self.layer_names:
            return AwaitMount(self, [])
        self.layer_names = names
        self._show_previous_title("")
        self.query(LayerRow).remove()
        return self.mount_all([LayerRow(name, classes="layer-row") for name in names])

    def compose(self) -> ComposeResult:
        """Yield the title line, then the rows."""
        with Horizontal(id="layer-titles"):
            yield Label("layer", classes="layer-name")
            yield Label("grad mean", id="mean-title", classes="title")
            yield Label("last ep", classes="value")
            yield Label("grad SD", id="sd-title", classes="title")
            yield Label("last ep", classes="value")
            yield Label("f'", id="deriv-title", classes="act-deriv")
            yield Label("before", id="previous-title", classes="previous-sd")
            yield Label("last ep vs out", id="health-title", classes="health")
        for name in self.layer_names:
            yield LayerRow(name, classes="layer-row")

    def scroll_lines(self, key: str) -> None:
        """Scroll the rows: ``up``, ``down``, ``pageup`` or ``pagedown``."""
        scroll_by_key(self, key)

    @property
    def columns_wide(self) -> int:
        """Columns each row's sparklines have now (0 before they are laid out)."""
        rows = self.query(LayerRow)
        return rows.first(LayerRow).columns_wide if rows else 0

    def show(self, frame: LayerRowsFrame) -> bool:
        """Redraw every row from ``frame``.

        Returns False where the rows could not be drawn yet (not composed, not
        laid out, or the rows of another network), so that the caller tries again.
        """
        self.weights = frame.weights
        rows = list(self.query(LayerRow))
        if not rows or not self.query("#health-title"):
            return False
        if [row.layer_name for row in rows] != list(self.layer_names):
            return False  # rows of another network are being replaced
        width = rows[0].columns_wide
        previous = frame.previous_sds()
        self._show_previous_title(frame.previous.label if previous is not None else "")
        if frame.layers != len(rows) or width <= 0:
            for row in rows:
                row.show(None, (0, 1), None, (0, 1), None, None)
                row.show_health(np.nan, np.nan)  # nothing stale from the run before
            self._titles(None, None, frame.log_scale)
            self._derivs(rows, np.full(len(rows), np.nan))
            return width > 0 and frame.layers == 0  # else the rows are not the run's yet
        drawing = frame.drawn()
        means, sds = frame.latest_values()
        for i, row in enumerate(rows):
            row.show(
                drawing.means[i],
                drawing.mean_bounds,
                drawing.sds[i],
                drawing.sd_bounds,
                None if frame.latest is None else float(means[i]),
                None if frame.latest is None else float(sds[i]),
            )
        self._health(rows, frame)
        self._derivs(rows, frame.derivatives())
        for i, row in enumerate(rows):
            row.show_previous(None if previous is None else float(previous[i]))
        self._titles(
            None if frame.log_scale else drawing.mean_bounds, drawing.sd_bounds, frame.log_scale
        )
        return True

    def _show_previous_title(self, label: str) -> None:
        """Title the dimmed column with the last finished run's name (once shown, it stays)."""
        if label:  # once shown, the column stays, so the rows never jump
            self.add_class("-with-previous")
        found = self.query("#previous-title")
        if found:
            title = found.first(Label)
            text = label[:10] or "before"
            if str(title.content) != text:
                title.update(text, layout=False)

    def _derivs(self, rows: list[LayerRow], derivs: np.ndarray) -> None:
        """Show each layer's mean activation derivative (f') of the last epoch, where recorded.

        The column is there (on wide terminals) only for runs that record it.
        """
        self.set_class(bool(np.isfinite(derivs).any()), "-with-deriv")
        for row, value in zip(rows, derivs, strict=True):
            row.show_deriv(float(value))

    def _health(self, rows: list[LayerRow], frame: LayerRowsFrame) -> None:
        """Show each layer's decades from the output layer (last epoch) and its sat/dead share."""
        decades, fraction, kind = frame.health()
        for i, row in enumerate(rows):
            row.show_health(decades[i], fraction[i])
        if frame.latest is None or len(frame.decades) != len(rows):
            return
        title = f"last ep vs out {kind}".rstrip()  # the last epoch's decades
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
