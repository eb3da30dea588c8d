"""The decision boundary view (``b``): the map of the boundary the monitor hands it.

The monitor feeds it a :class:`BoundaryFrame` (the run's settings and the
boundary of the epoch on screen, the latest or the time cursor's); the data
set is made here, by :mod:`vgtui.data.datasets` in a worker thread (the first call
imports scikit-learn, about a second), so it never holds up the screen. It
stands beside the loss chart, as wide as its square needs, while the chart
keeps MIN_CHART_WIDTH columns; on a narrower terminal it takes the chart's
place (:meth:`BoundaryView.place` says which).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from vgtui.config import RunConfig
from vgtui.data.datasets import Extent, make_dataset, plane_extent
from vgtui.records import Boundary
from vgtui.ui.widgets.boundary_map import BoundaryMap, square_cells

#: Beside the boundary, the loss chart keeps at least this many columns; else it gives way.
MIN_CHART_WIDTH = 40
#: Data sets kept drawn, the most recent.
KEPT_DATA = 4

DataKey = tuple[str, int, float, int]
Points = tuple[np.ndarray, np.ndarray, Extent]


@dataclass(frozen=True, eq=False)
class BoundaryFrame:
    """What the map draws.

    Attributes:
        config: the run's settings (None: a network other than the built-in one).
        boundary: the boundary of the epoch on screen (None: none yet).
        viewed: the run was read from a log, which holds no boundary.

    """

    config: RunConfig | None
    boundary: Boundary | None
    viewed: bool = False


def data_key(config: RunConfig) -> DataKey:
    """What fixes a run's data set."""
    return (config.dataset, config.samples, config.noise, config.seed)


def make_points(config: RunConfig) -> Points:
    """The data set of ``config`` and the plane around it (what the engine trains on)."""
    x, y = make_dataset(config)
    return x, y, plane_extent(x)


class BoundaryView(BoundaryMap):
    """The decision boundary and data of the frame it is given, while it is shown."""

    DEFAULT_CSS = """
    BoundaryView {
        display: none;
        height: 1fr;
        margin: 0 0 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        """Create an empty view."""
        super().__init__(id=id)
        self.beside = True
        self.frame = BoundaryFrame(None, None)
        self._points: OrderedDict[DataKey, Points] = OrderedDict()
        self._loading: DataKey | None = None

    def place(self, shown: bool, width: int, height: int, alone: bool = False) -> int | None:
        """Show or hide the map in a row ``width`` × ``height``; return the columns it leaves.

        None while the map is off (the row is the chart's); 0 where the map
        takes the whole row (``alone``, or beside it the chart would be too narrow).
        """
        self.display = shown
        if not shown:
            return None
        wanted = square_cells(height)
        self.beside = not alone and width - wanted - 1 >= MIN_CHART_WIDTH  # 1: the margin
        self.styles.width = wanted if self.beside else "1fr"
        self.draw()
        return width - wanted - 1 if self.beside else 0

    def on_resize(self) -> None:
        """Draw again at the new size: a picture is made for one size (none before layout)."""
        self.draw()

    def show_frame(self, frame: BoundaryFrame) -> None:
        """Draw ``frame`` (while shown)."""
        self.frame = frame
        self.draw()

    def draw(self) -> None:
        """Draw the frame's boundary and its data, if shown."""
        if not self.display:
            return
        config, boundary = self.frame.config, self.frame.boundary
        if config is None:
            self.show(None, None, None, "no decision boundary: not the built-in network")
            return
        key = data_key(config)
        points = self._points.get(key)
        if points is None:
            self._load(config, key)
        extent = boundary.extent if boundary is not None else points[2] if points else None
        note = "" if points is not None else "drawing the data…"
        data = (points[0], points[1]) if points is not None else None
        missing = "a run log holds no boundary" if self.frame.viewed else ""
        self.show(boundary, data, extent, note, missing)

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
        self.draw()
