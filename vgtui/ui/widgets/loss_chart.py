"""The loss and accuracy chart over the whole run (textual-plotext)."""

from __future__ import annotations

import numpy as np
from textual_plotext import PlotextPlot

from vgtui.display.series import thin


def epoch_ticks(epochs: int, most: int = 5) -> list[int]:
    """Whole-epoch ticks from 0 to ``epochs``, never a fraction of one.

    Its quarters where they are whole (0 25 50 75 100), else steps of 1, 2
    or 5 × 10^k, at most ``most`` + 1 ticks (0 5 10 15).
    """
    epochs = max(int(epochs), 1)
    if epochs % 4 == 0:
        return [epochs * q // 4 for q in range(5)]
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if epochs // step <= most:
                return list(range(0, epochs + 1, step))
        magnitude *= 10


class LossChart(PlotextPlot):
    """Loss (left axis) and accuracy (right axis, 0–1) on all the data, by epoch."""

    def show(
        self,
        epoch_x: np.ndarray,
        loss: np.ndarray,
        accuracy: np.ndarray,
        epochs: int,
        previous: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Plot the epochs recorded so far on an x axis as long as the run.

        ``previous`` is another run's (epochs, loss), drawn dimmed behind.
        """
        plt = self.plt
        plt.clear_figure()
        plt.xlim(0, max(epochs, 1))
        plt.xticks(epoch_ticks(epochs))
        plt.ylim(0, 1, yside="right")
        plt.xlabel("epoch")
        plt.ylabel("⠤⠤ loss", yside="left")
        plt.ylabel("accuracy ••", yside="right")
        points = max(2 * self.size.width, 16)
        top = self._show_previous(previous, points)
        finite = np.isfinite(loss)
        if finite.any():
            x, y = thin(epoch_x[finite], loss[finite], points)
            plt.plot(x.tolist(), y.tolist(), marker="braille", color=self._color("red+"))
            top = max(top, float(np.max(y)))
            plt.ylim(0, top * 1.05 if top > 0 else 1.0, yside="left")
        elif top > 0:
            plt.ylim(0, top * 1.05, yside="left")
        else:
            plt.ylim(0, 1, yside="left")
        finite = np.isfinite(accuracy)
        if finite.any():
            x, y = thin(epoch_x[finite], accuracy[finite], points)
            plt.plot(
                x.tolist(),
                y.tolist(),
                marker="dot",
                color=self._color("cyan+"),
                yside="right",
            )
        self.refresh()

    def _color(self, color: str) -> str:
        """The colour of a current series: white, the brightest grey, without colour."""
        return "white" if self.app.no_color else color

    def _show_previous(self, previous: tuple[np.ndarray, np.ndarray] | None, points: int) -> float:
        """Draw the previous run's loss, dimmed; return its highest point (0 if none)."""
        if previous is None:
            return 0.0
        epoch_x, epoch_loss = previous
        finite = np.isfinite(epoch_loss)
        if not finite.any():
            return 0.0
        x, y = thin(epoch_x[finite], epoch_loss[finite], points)
        # Dimmed with colour; without, a sparse glyph tells it from the current run's braille.
        marker = "·" if self.app.no_color else "braille"
        self.plt.plot(x.tolist(), y.tolist(), marker=marker, color="gray")
        return float(np.max(y))
