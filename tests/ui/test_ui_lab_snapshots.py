"""Snapshots of the lab: the settings screen and the decision boundary, from recorded runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.ui.map_drawn import map_drawn
from vgtui.config import RunConfig
from vgtui.sources.replay import load_stream
from vgtui.ui.app import make_app
from vgtui.ui.screens.settings import SettingsScreen, field_id

SIZES = [(80, 24), (120, 40)]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture(scope="module")
def boundary_stream() -> list:
    """A recorded tanh run with the decision boundary and the mean activation derivative."""
    return load_stream(FIXTURES / "tanh_boundary.npz")


async def boundary_shown(pilot) -> None:
    """Let the run end, show the boundary, and let the data set be made."""
    app = pilot.app
    for _ in range(1000):  # the run is launched after the first frame, then replayed
        if app.controller.current.history.view().ended and app.controller.training is None:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    await pilot.press("b")
    await map_drawn(pilot, boundary=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_boundary_at_the_end_of_a_tanh_run(snap_compare, make_engine, boundary_stream, size):
    app = make_app(boundary_stream[0].config, make_engine(boundary_stream), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=boundary_shown)
    assert app.controller.current.history.latest_boundary().epoch == 100


def test_boundary_without_color(snap_compare, make_engine, boundary_stream, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(boundary_stream[0].config, make_engine(boundary_stream), show_timing=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=boundary_shown)


def test_the_data_alone_before_the_first_epoch(snap_compare, fake_engine):
    async def data_shown(pilot) -> None:
        await pilot.press("b")
        await map_drawn(pilot, boundary=False)  # the run itself never ends

    app = make_app(RunConfig(), fake_engine, show_timing=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=data_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_settings_screen_with_a_refused_value(snap_compare, fake_engine, size):
    async def settings_shown(pilot) -> None:
        await map_drawn(pilot, boundary=False)  # the data set behind the settings
        await pilot.press("e")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, SettingsScreen)
        for field in screen.query(Input):
            field.cursor_blink = False
        screen.query_one(f"#{field_id('lr')}", Input).value = "2e6"
        screen.query_one(f"#{field_id('depth')}", Input).value = "6"
        await pilot.pause()

    app = make_app(RunConfig(), fake_engine, show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=settings_shown)
