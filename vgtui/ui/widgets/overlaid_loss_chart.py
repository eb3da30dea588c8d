"""Loss curves of several runs in one chart; the screen names them in its legend line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.curves import Curve
from vgtui.display.series import thin


class OverlaidLossChart(PlotextPlot):
    """Loss on all the data, by epoch, one line a run."""

    def show(
        self, curves: Sequence[Curve], epochs: int, glyphs: Sequence[str] | None = None
    ) -> None:
        """Draw ``curves`` (one a run) on an x axis ``epochs`` long.

        ``glyphs``, one a curve, draw each line with its run's glyph (for
        screens without colour); otherwise lines are drawn in braille.
        """
        plt = self.plt
        plt.clear_figure()
        plt.title("loss by epoch")
        plt.xlabel("epoch")
        points = max(2 * self.size.width, 16)
        top = 0.0
        for index, curve in enumerate(curves):
            finite = np.isfinite(curve.y)
            if not finite.any():
                continue
            x, y = thin(curve.x[finite], curve.y[finite], points if not glyphs else points // 4)
            marker = glyphs[index] if glyphs else "braille"
            plt.plot(x.tolist(), y.tolist(), marker=marker, color=curve.color)
            top = max(top, float(np.max(y)))
        plt.xlim(0, max(epochs, 1))
        plt.ylim(0, top * 1.05 if top > 0 else 1.0)
        self.refresh()
