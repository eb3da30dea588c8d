"""Snapshots of the comparison screen: three recorded runs kept by real key presses."""

from __future__ import annotations

import pytest

from vgtui.config import RunConfig
from vgtui.sources.replay import replay_factory
from vgtui.ui.app import make_app
from vgtui.ui.screens.compare import CompareScreen

SIZES = [(80, 24), (120, 40)]


async def three_runs_compared(pilot) -> None:
    """Let sigmoid, then tanh, then relu run to their ends, and open the comparison."""
    app = pilot.app
    for n, key in enumerate(["", "a", "a"], start=1):
        if key:
            await pilot.press(key)
        for _ in range(1000):
            if len(app.controller.kept) == n:
                break
            await pilot.pause(0.01)
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CompareScreen)
    assert [r.config.activation for r in app.controller.kept.runs] == ["sigmoid", "tanh", "relu"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_comparison_of_three_runs(snap_compare, streams, size) -> None:
    app = make_app(RunConfig(), replay_factory(streams), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=three_runs_compared)


async def baseline_and_duplicates(pilot) -> None:
    """sigmoid twice, tanh, relu; the comparison with relu pinned as the baseline."""
    app = pilot.app
    for n, key in enumerate(["", "r", "a", "a"], start=1):
        if key:
            await pilot.press(key)
        for _ in range(1000):
            if len(app.controller.kept) == n:
                break
            await pilot.pause(0.01)
    await pilot.press("c")
    await pilot.pause()
    await pilot.press("down", "down", "b")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_comparison_with_a_baseline_and_a_repeated_run(snap_compare, streams, size) -> None:
    app = make_app(RunConfig(), replay_factory(streams), show_timing=False)
    assert snap_compare(app, terminal_size=size, run_before=baseline_and_duplicates)


def test_comparison_without_color(snap_compare, streams, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(RunConfig(), replay_factory(streams), show_timing=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=three_runs_compared)
