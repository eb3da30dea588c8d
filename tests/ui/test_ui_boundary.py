"""The decision boundary view (``b``): the data alone, then the boundary, each epoch as it comes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from rich.console import Console

from vgtui.config import RunConfig
from vgtui.data.datasets import make_dataset, plane_extent
from vgtui.records import Boundary, Emit, EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.sources import EventSource
from vgtui.ui.app import make_app
from vgtui.ui.widgets.boundary_map import (
    LEVELS,
    NO_DATA,
    BoundaryMap,
    BoundaryPicture,
    legend,
    point_pixels,
    probability_levels,
    probability_pixels,
)
from vgtui.ui.widgets.boundary_view import BoundaryView
from vgtui.ui.widgets.loss_chart import LossChart

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


EMPTY = BoundaryPicture(np.zeros((0, 0), int), np.zeros((0, 0), int), 0, [], plain=False)


def picture(app) -> BoundaryPicture:
    """What the map draws now (nothing before its first draw, or before it is mounted)."""
    found = app.query(BoundaryMap)
    return (found.first()._picture if found else None) or EMPTY


def legend_of(app) -> str:
    return "".join(text for text, _ in picture(app).legend)


def pixel_centres(size: int, extent) -> tuple[np.ndarray, np.ndarray]:
    """Data coordinates of each pixel's centre, top row first."""
    x0, x1, y0, y1 = extent
    c = (np.arange(size) + 0.5) / size
    return np.meshgrid(x0 + c * (x1 - x0), y1 - c * (y1 - y0))


async def test_before_the_first_epoch_the_data_set_alone(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await wait_until(pilot, lambda: "the data" in legend_of(app) and picture(app).levels.size)
        shown = picture(app)
        assert (shown.levels == NO_DATA).all()  # no probability yet
        points = shown.points
        size = len(points)
        x, _ = make_dataset(RunConfig())
        px, py = pixel_centres(size, plane_extent(x))
        radius = np.hypot(px, py)
        # make_circles: class 1 on the inner circle (radius 0.5), class 0 on the outer (1.0).
        inner = points[(radius > 0.35) & (radius < 0.65) & (points != NO_DATA)]
        outer = points[(radius > 0.85) & (radius < 1.15) & (points != NO_DATA)]
        assert len(inner) > 20 and (inner == 1).mean() > 0.9
        assert len(outer) > 20 and (outer == 0).mean() > 0.9
        assert (points[radius > 1.5] == NO_DATA).all()


async def test_the_boundary_of_a_finished_run_separates_its_data(make_engine, wait_until) -> None:
    from vgtui.sources.replay import load_stream

    stream = load_stream(FIXTURES / "tanh_boundary.npz")
    app = make_app(stream[0].config, make_engine(stream), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await wait_until(pilot, lambda: (picture(app).points >= 0).any())  # the data, made
        await wait_until(pilot, lambda: "epoch 100 " in legend_of(app))  # the run, to its end
        shown = picture(app)
        assert (shown.levels != NO_DATA).all()
        size = len(shown.levels)
        boundary = app.controller.current.history.latest_boundary()
        px, py = pixel_centres(size, boundary.extent)
        centre = shown.levels[np.hypot(px, py) < 0.2]
        far = shown.levels[np.hypot(px, py) > 1.4]
        assert (centre > LEVELS // 2).all() and (far < LEVELS // 2).all()
        # The picture's classes agree with the points drawn on it (accuracy 0.99).
        where = shown.points != NO_DATA
        agree = (shown.levels[where] > LEVELS // 2) == (shown.points[where] == 1)
        assert agree.mean() > 0.9


class EpochByEpoch(EventSource):
    """A run whose epochs come one at a time, when the test releases them; each has a boundary."""

    def __init__(self, config: RunConfig) -> None:
        super().__init__()
        self.config = config
        self.release = threading.Semaphore(0)

    def start(self, emit: Emit) -> RunSummary:
        config = self.config
        emit(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
        x, _ = make_dataset(config)
        layers = len(config.layer_names)
        for epoch in range(1, config.epochs + 1):
            while not self.release.acquire(timeout=0.05):
                if self.stopped.is_set():
                    summary = RunSummary(0.5, 0.5, 0.7, 1.0, epoch - 1, 0, stopped=True)
                    emit(summary)
                    return summary
            grid = np.full((48, 48), epoch / (config.epochs + 1), dtype=np.float32)
            emit(
                StepBlock(
                    epoch, epoch, np.full(1, 0.5), np.full(1, 0.5), np.full((1, layers, 8), 0.1)
                )
            )
            emit(EpochEnd(epoch, 0.5, 0.5, boundary=Boundary(grid, plane_extent(x), epoch)))
        summary = RunSummary(0.5, 0.5, 0.5, 1.0, config.epochs, config.epochs)
        emit(summary)
        return summary


async def test_each_epochs_boundary_is_drawn_as_it_comes(wait_until) -> None:
    sources: list[EpochByEpoch] = []

    def factory(config: RunConfig) -> EpochByEpoch:
        sources.append(EpochByEpoch(config))
        return sources[-1]

    config = RunConfig(epochs=6)
    app = make_app(config, factory, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await wait_until(pilot, lambda: bool(sources) and "the data" in legend_of(app))
        for epoch in range(1, 7):
            sources[0].release.release()
            await wait_until(pilot, lambda e=epoch: f"epoch {e}" in legend_of(app))
            levels = picture(app).levels
            expected = round(epoch / 7 * (LEVELS - 1))  # the epoch's own probability
            assert (levels == expected).all(), epoch
        # The time cursor: the boundary as it stood at the cursor's epoch, End back to live.
        for key, epoch in (("left", 5), ("left", 4), ("home", 1), ("end", 6)):
            await pilot.press(key)
            await wait_until(pilot, lambda e=epoch: f"epoch {e}" in legend_of(app))
            assert (picture(app).levels == round(epoch / 7 * (LEVELS - 1))).all(), key
        # A restart shows the new run's data alone at once: nothing stale.
        await pilot.press("r")
        await wait_until(pilot, lambda: len(sources) == 2 and "the data" in legend_of(app))
        assert (picture(app).levels == NO_DATA).all()


async def test_the_map_stands_beside_the_chart_or_instead_of_it(
    streams, make_engine, wait_until
) -> None:
    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(app.query(BoundaryView)))  # after the first frame
        # Once a run has started: before, the map shows the data beside the introduction.
        await wait_until(pilot, lambda: app.controller.current.history.start is not None)
        chart, shown = app.query_one(LossChart), app.query_one(BoundaryView)

        async def drawn() -> None:
            await pilot.pause()
            app.monitor.redraw()
            await pilot.pause()

        await drawn()
        assert not shown.display and chart.display
        await pilot.press("b")
        await drawn()
        assert shown.display and chart.display and shown.beside
        assert chart.region.width >= 40 and shown.region.width < 40
        assert shown.region.x > chart.region.x
        await pilot.resize_terminal(60, 40)
        await drawn()
        assert shown.display and not chart.display and not shown.beside  # too narrow: instead
        await pilot.resize_terminal(160, 48)
        await drawn()
        assert shown.display and chart.display and shown.beside
        # A square of pixels, once the row the map sizes itself from is laid
        # out anew (the monitor's own timer redraws it; no redraw called here).
        await wait_until(pilot, lambda: shown.region.width == 2 * (shown.region.height - 1), 5)
        await pilot.press("g")  # the figure too, before any epoch: in what the map leaves
        await drawn()
        assert app.query_one("#figure").display and shown.display
        assert not chart.display  # the 111 columns left are too few for chart and figure both
        await pilot.press("b")
        await drawn()
        assert not shown.display and chart.display


def test_pixels_put_high_y_at_the_top_and_take_the_nearest_grid_point() -> None:
    grid = np.zeros((3, 3), np.float32)
    grid[2, 0] = 1.0  # row 2 is the highest y; column 0 the lowest x: the top left
    boundary = Boundary(grid, (0.0, 1.0, 0.0, 1.0))
    pixels = probability_pixels(boundary, (0.0, 1.0, 0.0, 1.0), 6)
    assert pixels[0, 0] == 1.0 and pixels[:2, :2].min() == 1.0
    assert pixels[5, 5] == 0.0 and pixels.sum() == 4.0
    wider = probability_pixels(boundary, (-1.0, 1.0, 0.0, 1.0), 4)  # left half off the grid
    assert np.isnan(wider[:, 0]).all() and not np.isnan(wider[:, 3]).any()
    assert list(probability_levels(np.array([0.0, 0.5, 1.0, np.nan]))) == [0, 5, 10, NO_DATA]


def test_point_pixels_take_the_majority_class() -> None:
    x = np.array([[0.1, 0.9], [0.12, 0.88], [0.13, 0.91], [0.9, 0.1], [5.0, 5.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0])
    pixels = point_pixels(x, y, (0.0, 1.0, 0.0, 1.0), 2)
    assert pixels.tolist() == [[1, NO_DATA], [NO_DATA, 0]]  # the far point is off the plane


def _plain_lines(picture: BoundaryPicture, width: int) -> list[str]:
    console = Console(width=width, no_color=True, record=True)
    console.print(picture)
    return console.export_text().splitlines()


def test_without_colour_glyphs_tell_classes_and_probability_apart() -> None:
    levels = np.array([[0, 0, 10, 10], [0, 0, 10, 10]])
    points = np.full((2, 4), NO_DATA)
    points[0, 0], points[1, 3] = 1, 0
    lines = _plain_lines(BoundaryPicture(levels, points, 0, [("k", None)], plain=True), 10)
    assert lines[0] == "x ▒o"  # a point of class 1, sure class 0, sure class 1, a point of class 0
    assert lines[1] == "k"


def test_the_legend_fits_the_width_and_says_what_is_shown() -> None:
    boundary = Boundary(np.zeros((2, 2)), (0, 1, 0, 1), epoch=37)
    for width in (9, 20, 30, 80):
        for plain in (True, False):
            for b in (None, boundary):
                text = "".join(t for t, _ in legend(b, width, plain))
                assert len(text) <= width
                assert ("epoch 37" in text) == (b is not None) or width < 9
    assert "".join(t for t, _ in legend(boundary, 80, True)).startswith("boundary after epoch 37")
    assert "".join(t for t, _ in legend(None, 80, False)).startswith("the data, no boundary yet")
    viewed = legend(None, 80, True, missing="a run log holds no boundary")
    assert "".join(t for t, _ in viewed).startswith("the data, a run log holds no boundary")


def test_the_app_imports_no_scikit_learn_before_the_map_needs_the_data() -> None:
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from vgtui.ui.app import make_app\n"
        "make_app()\n"
        "print(json.dumps('sklearn' in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False
