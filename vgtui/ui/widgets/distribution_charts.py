"""The distribution screen's charts: a layer's bands over time, and every layer's histogram."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.colors import layer_color, layer_marker
from vgtui.display.distributions import LayerBands, LayerHistogram


class BandsChart(PlotextPlot):
    """One layer's percentile bands over the run: the median, ±1 SD and ±2 SD of a normal's."""

    def show(
        self,
        bands: LayerBands,
        ticks: tuple[list[float], list[str]],
        total_steps: int,
        color: tuple[int, int, int] | str,
        cursor: int = 0,
    ) -> None:
        """Draw ``bands`` on an x axis of ``total_steps``; ``cursor`` marks the step shown below."""
        plt = self.plt
        plt.clear_figure()
        plt.title(bands.name)
        no_color = self.app.no_color
        lines = ((0, "dot"), (1, "braille"), (2, "braille"), (3, "braille"), (4, "dot"))
        for column, marker in lines:
            keep = np.isfinite(bands.values[:, column])
            x = bands.steps[keep].astype(float).tolist()
            y = bands.values[keep, column].tolist()
            if not y:
                continue
            shade = color if column == 2 or no_color else "gray"
            plt.plot(x, y, marker=marker if column != 2 or not no_color else "●", color=shade)
        if cursor:
            plt.vline(cursor, "white")
        plt.xlim(0, max(total_steps, 1))
        plt.xticks([0, max(total_steps, 1)], ["0", f"{total_steps}"])
        positions, labels = ticks
        plt.yticks(positions[:: max(1, len(positions) // 3)], labels[:: max(1, len(labels) // 3)])
        self.refresh()


class HistogramChart(PlotextPlot):
    """Every layer's histogram at one step, one curve a layer on one axis (input side darkest)."""

    def show(
        self,
        curves: Sequence[LayerHistogram],
        ticks: tuple[list[float], list[str]],
        title: str,
    ) -> None:
        """Draw ``curves`` (the share of a layer's values in each bin) under ``title``."""
        plt = self.plt
        plt.clear_figure()
        no_color = self.app.no_color
        for rank, curve in enumerate(curves):
            color = layer_color(rank, len(curves), no_color)
            marker = layer_marker(rank) if no_color else "braille"
            plt.plot(curve.x.tolist(), curve.share.tolist(), marker=marker, color=color)
        if no_color:
            key = "  ".join(f"{layer_marker(r)} {c.name}" for r, c in enumerate(curves))
        else:
            key = f"dark {curves[0].name} … bright {curves[-1].name}" if curves else ""
        plt.title(f"{title}   {key}")
        positions, labels = ticks
        plt.xticks(positions, labels)
        plt.ylabel("share")
        self.refresh()
