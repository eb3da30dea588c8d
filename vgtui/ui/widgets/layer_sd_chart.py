"""Each row's gradient SD by layer (median over steps), on a log scale, one line a row."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.curves import Curve


class LayerSdChart(PlotextPlot):
    """Each layer's gradient SD, median over the steps (the table's own), input side on the left."""

    def show(self, curves: Sequence[Curve], glyphs: Sequence[str] | None = None) -> None:
        """Draw one line a run: ``y`` holds its layers' SDs, input side first.

        ``glyphs``, one a curve, mark each run's points (default ●).
        """
        plt = self.plt
        plt.clear_figure()
        plt.title("grad SD by layer, median over steps (log)")
        plt.xlabel("layer")
        low, high, layers = math.inf, -math.inf, 0
        for index, curve in enumerate(curves):
            sd = np.asarray(curve.y, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log10(sd)
            keep = np.isfinite(logs)
            if not keep.any():
                continue
            x = np.arange(1, len(sd) + 1)[keep]
            plt.plot(x.tolist(), logs[keep].tolist(), marker="braille", color=curve.color)
            glyph = glyphs[index] if glyphs else "●"
            plt.scatter(x.tolist(), logs[keep].tolist(), marker=glyph, color=curve.color)
            low = min(low, float(logs[keep].min()))
            high = max(high, float(logs[keep].max()))
            layers = max(layers, len(sd))
        if layers:
            names = [str(i) for i in range(1, layers)] + ["out"]
            plt.xticks(list(range(1, layers + 1)), names)
            plt.xlim(0.5, layers + 0.5)
            bottom, top = math.floor(low), math.ceil(high)
            if top == bottom:
                top += 1
            decades = list(range(bottom, top + 1))
            plt.yticks(decades, [f"1e{d}" for d in decades])
            plt.ylim(bottom, top)
        self.refresh()
