"""Waiting for the decision boundary map, whose data set is made in a worker."""

from __future__ import annotations

from vgtui.ui.widgets.boundary_map import BoundaryMap


async def map_drawn(pilot, boundary: bool) -> None:
    """Wait until the map shows the data (made in a worker), and the boundary if ``boundary``."""
    for _ in range(4000):
        found = pilot.app.query(BoundaryMap)  # mounted after the first frame
        picture = found.first()._picture if found else None
        data = picture is not None and (picture.points >= 0).any()
        if data and (not boundary or (picture.levels >= 0).any()):
            break
        await pilot.pause(0.02)
    for _ in range(3):  # then let the rows and charts settle around it
        pilot.app.monitor.redraw()
        await pilot.pause()
