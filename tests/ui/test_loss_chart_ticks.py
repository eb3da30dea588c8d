"""The loss chart's x axis counts whole epochs: never 3.8 or 11.2 of a 15-epoch run."""

from __future__ import annotations

import re

import numpy as np
import pytest
from textual.app import App, ComposeResult

from tests.ui.svg_text import lines
from vgtui.ui.widgets.loss_chart import LossChart, epoch_ticks


@pytest.mark.parametrize(
    ("epochs", "ticks"),
    [
        (15, [0, 5, 10, 15]),
        (20, [0, 5, 10, 15, 20]),
        (100, [0, 25, 50, 75, 100]),  # quarters where they are whole, as before
        (7, [0, 2, 4, 6]),
        (3, [0, 1, 2, 3]),
        (1, [0, 1]),
        (1000001, [0, 200000, 400000, 600000, 800000, 1000000]),
    ],
)
def test_ticks_are_whole_epochs(epochs: int, ticks: list[int]) -> None:
    assert epoch_ticks(epochs) == ticks


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LossChart()


async def test_a_15_epoch_run_is_drawn_with_whole_epoch_ticks() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 16)) as pilot:
        x = np.arange(1, 16)
        app.query_one(LossChart).show(x, 1.0 / x, 1 - 0.5 / x, epochs=15)
        await pilot.pause()
        text = lines(app.export_screenshot())
    axis = next(i for i, line in enumerate(text) if "└" in line)
    labels = text[axis + 1].split()
    assert labels == ["0", "5", "10", "15"], text[axis + 1]
    assert not any(re.search(r"\d\.\d", line) for line in text[axis + 1 : axis + 2])
