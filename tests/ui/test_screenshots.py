"""The README's screenshots show what the app draws today."""

from __future__ import annotations

from tests.ui.make_screenshots import OUT, render_all
from tests.ui.svg_text import lines


async def test_committed_screenshots_match_the_current_rendering() -> None:
    shots = await render_all()
    assert set(shots) <= {p.name for p in OUT.glob("*.svg")}, "a screenshot was never committed"
    for name, svg in shots.items():
        committed = lines((OUT / name).read_text())
        assert committed == lines(svg), f"screenshots/{name} is out of date: run make_screenshots"
