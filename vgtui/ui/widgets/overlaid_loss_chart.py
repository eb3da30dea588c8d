"""Loss curves of several kept runs in one chart, with a legend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.ui.run_store import KeptRun
from vgtui.ui.series import thin
from vgtui.ui.widgets.run_colors import run_color


class OverlaidLossChart(PlotextPlot):
    """Loss on all the data, by epoch, one line a run."""

    def show(self, runs: Sequence[KeptRun]) -> None:
        """Draw the loss curves of ``runs``."""
        plt = self.plt
        plt.clear_figure()
        plt.title("loss by epoch")
        plt.xlabel("epoch")
        points = max(2 * self.size.width, 16)
        top, last, labelled = 0.0, 1, 0
        for run in runs:
            view = run.view
            finite = np.isfinite(view.epoch_loss)
            if not finite.any():
                continue
            x, y = thin(view.epoch_x[finite], view.epoch_loss[finite], points)
            plt.plot(
                x.tolist(),
                y.tolist(),
                marker="braille",
                color=run_color(run.number),
                label=run.label,
            )
            top = max(top, float(np.max(y)))
            last = max(last, run.config.epochs)
            labelled += 1
        plt.xlim(0, last)
        # Room above the curves for the legend, which plotext draws top left.
        rows = max(self.size.height - 5, 3)
        headroom = min(rows / max(rows - labelled - 1, 1), 2.0)
        plt.ylim(0, top * headroom if top > 0 else 1.0)
        self.refresh()
