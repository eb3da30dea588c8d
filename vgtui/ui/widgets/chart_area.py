"""The chart area: the loss chart, and the decision boundary beside it (``b``) or instead of it.

The boundary map reads the current run's latest boundary on its own timer and
draws the data set from :mod:`vgtui.datasets`, made in a worker thread (the
first call imports scikit-learn, about a second), so it costs the monitor's
redraw nothing and never holds up the screen.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer

from vgtui.config import RunConfig
from vgtui.controller import RunController
from vgtui.datasets import Extent, make_dataset, plane_extent
from vgtui.ui.widgets.boundary_map import BoundaryMap, square_cells
from vgtui.ui.widgets.loss_chart import LossChart

#: Boundary checks a second while it is shown: each epoch's boundary is drawn as it comes,
#: up to this many epochs a second.
BOUNDARY_HZ = 10
#: Beside the boundary, the loss chart keeps at least this many columns; else it gives way.
MIN_CHART_WIDTH = 40
#: Data sets kept drawn, the most recent.
KEPT_DATA = 4

DataKey = tuple[str, int, float, int]
Points = tuple[np.ndarray, np.ndarray, Extent]


def data_key(config: RunConfig) -> DataKey:
    """What fixes a run's data set."""
    return (config.dataset, config.samples, config.noise, config.seed)


def make_points(config: RunConfig) -> Points:
    """The data set of ``config`` and the plane around it (what the engine trains on)."""
    x, y = make_dataset(config)
    return x, y, plane_extent(x)


class ChartArea(Horizontal):
    """The loss chart, and the decision boundary map when it is on.

    The map stands beside the chart, as wide as its square needs, while the
    chart keeps MIN_CHART_WIDTH columns; on a narrower terminal it takes the
    chart's place.
    """

    DEFAULT_CSS = """
    ChartArea {
        height: 1fr;
        min-height: 6;
    }
    ChartArea > LossChart {
        width: 1fr;
    }
    ChartArea > BoundaryMap {
        display: none;
        width: 1fr;
        margin: 0 0 0 1;
    }
    """

    def __init__(self, controller: RunController, **kwargs: object) -> None:
        """Show the current run of ``controller``."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.controller = controller
        self.boundary_on = False
        self.beside = True
        self._points: OrderedDict[DataKey, Points] = OrderedDict()
        self._loading: DataKey | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The loss chart, then the (hidden) boundary map."""
        yield LossChart(id="chart")
        yield BoundaryMap(id="boundary")

    def on_mount(self) -> None:
        """Check for a new boundary on a timer (cheap while the map is off)."""
        self._timer = self.set_interval(1 / BOUNDARY_HZ, self.refresh_boundary)

    def on_resize(self) -> None:
        """Place the map again for the new size."""
        self.place_boundary()

    def toggle_boundary(self) -> bool:
        """Show or hide the decision boundary; return whether it is now shown."""
        self.boundary_on = not self.boundary_on
        self.place_boundary()
        self.refresh_boundary()
        return self.boundary_on

    def place_boundary(self) -> None:
        """Put the map beside the chart, or in its place where the chart would be too narrow."""
        found = self.query(BoundaryMap)
        if not found:
            return
        boundary, chart = found.first(), self.query_one(LossChart)
        boundary.display = self.boundary_on
        wanted = square_cells(self.size.height) + 1  # and the margin
        self.beside = self.size.width - wanted >= MIN_CHART_WIDTH
        chart.display = not self.boundary_on or self.beside
        boundary.styles.width = wanted if self.beside else "1fr"

    def refresh_boundary(self) -> None:
        """Draw the current run's latest boundary and its data, if the map is on."""
        if not self.boundary_on:
            return
        found = self.query(BoundaryMap)
        if not found:
            return
        run = self.controller.current
        config = run.config
        if config is None:
            found.first().show(None, None, None, "no decision boundary: not the built-in network")
            return
        key = data_key(config)
        points = self._points.get(key)
        if points is None:
            self._load(config, key)
        boundary = run.history.latest_boundary()
        extent = boundary.extent if boundary is not None else points[2] if points else None
        note = "" if points is not None else "drawing the data…"
        data = (points[0], points[1]) if points is not None else None
        found.first().show(boundary, data, extent, note)

    def _load(self, config: RunConfig, key: DataKey) -> None:
        """Make the data set of ``config`` in a worker thread, once at a time."""
        if self._loading == key:
            return
        self._loading = key

        def load() -> None:
            points = make_points(config)
            self.app.call_from_thread(self._loaded, key, points)

        self.run_worker(load, thread=True, group="boundary-data", exit_on_error=False)

    def _loaded(self, key: DataKey, points: Points) -> None:
        """Keep a data set made by the worker, and draw it."""
        self._points[key] = points
        while len(self._points) > KEPT_DATA:
            self._points.popitem(last=False)
        if self._loading == key:
            self._loading = None
        self.refresh_boundary()
