"""Loss curves of several runs in one chart, with a legend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.curves import Curve
from vgtui.display.series import thin


class OverlaidLossChart(PlotextPlot):
    """Loss on all the data, by epoch, one line a run."""

    def show(self, curves: Sequence[Curve], epochs: int) -> None:
        """Draw ``curves`` (one a run) on an x axis ``epochs`` long."""
        plt = self.plt
        plt.clear_figure()
        plt.title("loss by epoch")
        plt.xlabel("epoch")
        points = max(2 * self.size.width, 16)
        top, labelled = 0.0, 0
        for curve in curves:
            finite = np.isfinite(curve.y)
            if not finite.any():
                continue
            x, y = thin(curve.x[finite], curve.y[finite], points)
            plt.plot(x.tolist(), y.tolist(), marker="braille", color=curve.color, label=curve.label)
            top = max(top, float(np.max(y)))
            labelled += 1
        plt.xlim(0, max(epochs, 1))
        # Room above the curves for the legend, which plotext draws top left.
        rows = max(self.size.height - 5, 3)
        headroom = min(rows / max(rows - labelled - 1, 1), 2.0)
        plt.ylim(0, top * headroom if top > 0 else 1.0)
        self.refresh()
