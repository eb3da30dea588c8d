"""The loss and accuracy chart over the whole run (textual-plotext)."""

from __future__ import annotations

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.ui.series import thin


class LossChart(PlotextPlot):
    """Loss (left axis) and accuracy (right axis, 0–1) on all the data, by epoch."""

    def show(
        self,
        epoch_x: np.ndarray,
        loss: np.ndarray,
        accuracy: np.ndarray,
        epochs: int,
    ) -> None:
        """Plot the epochs recorded so far on an x axis as long as the run."""
        plt = self.plt
        plt.clear_figure()
        plt.xlim(0, max(epochs, 1))
        plt.ylim(0, 1, yside="right")
        plt.xlabel("epoch")
        plt.ylabel("⠤⠤ loss", yside="left")
        plt.ylabel("accuracy ••", yside="right")
        points = max(2 * self.size.width, 16)
        finite = np.isfinite(loss)
        if finite.any():
            x, y = thin(epoch_x[finite], loss[finite], points)
            plt.plot(x.tolist(), y.tolist(), marker="braille", color="red+")
            top = float(np.max(y))
            plt.ylim(0, top * 1.05 if top > 0 else 1.0, yside="left")
        else:
            plt.ylim(0, 1, yside="left")
        finite = np.isfinite(accuracy)
        if finite.any():
            x, y = thin(epoch_x[finite], accuracy[finite], points)
            plt.plot(
                x.tolist(),
                y.tolist(),
                marker="dot",
                color="cyan+",
                yside="right",
            )
        self.refresh()
