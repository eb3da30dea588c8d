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
    """log10 of each layer's gradient SD against the step, on one shared axis.

    Layers are coloured along viridis, the input side darkest, as the title
    says; without colour each layer has its own glyph, named in the title.
    """

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
        plt.xlabel("step")
        points = max(2 * self.size.width, 16)
        logs = log10_magnitude(sd) if len(sd) else np.zeros((0, len(names)))
        low, high = bounds
        layers = shown_layers(len(names))
        no_color = self.app.no_color
        seen: list[float] = []
        for rank, layer in enumerate(layers):
            values = logs[:, layer] if len(logs) else np.zeros(0)
            keep = np.isfinite(values)
            x, y = thin(step_x[keep], np.clip(values[keep], low, high), points)
            if len(x) == 0:
                continue
            seen += [float(y.min()), float(y.max())]
            color = layer_color(rank, len(layers), no_color)
            marker = layer_marker(rank) if no_color else "braille"
            plt.plot(x.tolist(), y.tolist(), marker=marker, color=color)
        if no_color:
            key = "  ".join(f"{layer_marker(r)} {names[i]}" for r, i in enumerate(layers))
        else:
            key = f"dark {names[layers[0]]} … bright {names[layers[-1]]}" if layers else ""
        plt.title(f"{what} by layer (log)   {key}")
        plt.xlim(0, max(total_steps, 1))
        bottom = math.floor(min(seen)) if seen else low
        top = math.ceil(max(seen)) if seen else high
        top = max(top, bottom + 1)
        decades = list(range(bottom, top + 1))
        plt.yticks(decades, [f"1e{d}" for d in decades])
        plt.ylim(bottom, top)
        self.refresh()
