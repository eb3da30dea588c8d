"""Make the SVG screenshots in screenshots/ from the recorded runs.

Run from the repository root: ``python tests/ui/make_screenshots.py``.
It writes the end of a sigmoid run and of a relu run (normal initializer),
and the help screen, at 120×40.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from vgtui.config import RunConfig
from vgtui.sources.replay import load_stream, replay_factory
from vgtui.ui.app import make_app

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
OUT = ROOT / "screenshots"
SIZE = (120, 40)


async def shoot(activation: str, name: str, keys: tuple[str, ...] = ()) -> Path:
    """Replay the recorded run of ``activation`` to its end, press ``keys``, save an SVG."""
    streams = {
        (a, "normal"): load_stream(FIXTURES / f"{a}_normal.npz") for a in ("sigmoid", "relu")
    }
    app = make_app(RunConfig(activation=activation), replay_factory(streams), show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.monitor.redraw()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()
        path = OUT / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(OUT))
    return path


async def main() -> None:
    """Write every screenshot."""
    OUT.mkdir(exist_ok=True)
    for activation, name, keys in [
        ("sigmoid", "sigmoid-normal", ()),
        ("relu", "relu-normal", ()),
        ("sigmoid", "help", ("question_mark",)),
    ]:
        print(await shoot(activation, name, keys))


if __name__ == "__main__":
    asyncio.run(main())
