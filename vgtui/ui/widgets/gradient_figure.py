"""The tutorial's figure in the app: each layer's gradient SD over the run, one line a layer."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.colors import layer_color, layer_marker
from vgtui.display.series import log10_magnitude, thin

#: The most layers drawn; a deeper network shows the first, the last and some between.
MAX_LINES = 8


def shown_layers(count: int, most: int = MAX_LINES) -> list[int]:
    """Which of ``count`` layers to draw: all, or ``most`` spread from first to last."""
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


class GradientFigure(PlotextPlot):
    """log10 of each layer's gradient SD against the step, on one shared axis, with a legend."""

    def show(
        self,
        step_x: np.ndarray,
        sd: np.ndarray,
        names: Sequence[str],
        total_steps: int,
        bounds: tuple[float, float],
        what: str = "grad SD",
    ) -> None:
        """Draw ``sd`` (rows, layers) at ``step_x`` on the decades ``bounds``."""
        plt = self.plt
        plt.clear_figure()
        plt.title(f"{what} by layer (log)")
        plt.xlabel("step")
        points = max(2 * self.size.width, 16)
        logs = log10_magnitude(sd) if len(sd) else np.zeros((0, len(names)))
        low, high = bounds
        layers = shown_layers(len(names))
        for rank, layer in enumerate(layers):
            values = logs[:, layer] if len(logs) else np.zeros(0)
            keep = np.isfinite(values)
            x, y = thin(step_x[keep], np.clip(values[keep], low, high), points)
            color = layer_color(rank, len(layers), self.app.no_color)
            marker = layer_marker(rank) if self.app.no_color else "braille"
            plt.plot(
                x.tolist() or [0],
                y.tolist() or [math.nan],
                marker=marker,
                color=color,
                label=names[layer],
            )
        plt.xlim(0, max(total_steps, 1))
        decades = list(range(math.floor(low), math.ceil(high) + 1))
        plt.yticks(decades, [f"1e{d}" for d in decades])
        # Headroom above for the legend, which plotext draws top left.
        rows = max(self.size.height - 5, 3)
        room = (high - low) * min(rows / max(rows - len(layers) - 1, 1), 2.0)
        plt.ylim(low, low + room)
        self.refresh()
