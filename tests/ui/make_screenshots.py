"""Make the SVG screenshots in screenshots/ from the recorded runs.

Run from the repository root: ``python tests/ui/make_screenshots.py``. First
the first screen of a session with no setting given (the tutorial's three
runs compared); then in one session, as a user would: relu, then sigmoid,
then relu again, so both are drawn on the session's one scale with the
other's values beside them; the
figure view, the comparison (relu twice, sigmoid, tanh) and the help; then,
in a session of its own, the decision boundary at the end of a tanh run.
``tests/ui/test_screenshots.py`` checks the committed files against these.
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


async def settle(pilot) -> None:
    """Let the current run end and the screen catch up."""
    app = pilot.app
    await app.workers.wait_for_complete()
    for _ in range(200):
        if app.controller.current.history.view().ended and app.controller.training is None:
            break
        await pilot.pause(0.02)
    for _ in range(3):  # a column that appears reflows the rows: draw until it has settled
        await pilot.pause()
        app.monitor.redraw()
    await pilot.pause()


async def render_all() -> dict[str, str]:
    """The screenshots, by file name, as SVG text."""
    streams = {
        (a, "normal"): load_stream(FIXTURES / f"{a}_normal.npz")
        for a in ("sigmoid", "tanh", "relu")
    }
    shots: dict[str, str] = {}

    async def switch(pilot, activation: str) -> None:
        pilot.app.controller.change(activation=activation)  # as a, A would, in fewer steps
        pilot.app.launch()
        await settle(pilot)

    app = make_app(RunConfig(), replay_factory(streams), show_timing=False, tour=True)
    async with app.run_test(size=SIZE) as pilot:  # the first screen, no key pressed
        for _ in range(600):
            if len(app.controller.kept) == 3 and app.controller.training is None:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()
        shots["tour.svg"] = app.export_screenshot(title="vgtui: the first screen, no key pressed")
    app = make_app(RunConfig(activation="relu"), replay_factory(streams), show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await switch(pilot, "sigmoid")  # on the scale relu widened, relu's SDs beside
        shots["sigmoid-normal.svg"] = app.export_screenshot(title="vgtui: sigmoid, after relu")
        await switch(pilot, "relu")
        shots["relu-normal.svg"] = app.export_screenshot(title="vgtui: relu, after sigmoid")
        await pilot.press("g")
        await settle(pilot)
        shots["figure.svg"] = app.export_screenshot(title="vgtui: the figure view")
        await pilot.press("g")
        await switch(pilot, "tanh")
        await pilot.press("c")
        await pilot.pause()
        shots["compare.svg"] = app.export_screenshot(title="vgtui: comparison")
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        shots["help.svg"] = app.export_screenshot(title="vgtui: help")
    tanh = load_stream(FIXTURES / "tanh_boundary.npz")  # recorded with the boundary
    app = make_app(tanh[0].config, replay_factory({("tanh", "normal"): tanh}), show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)  # the data set is made in a worker
        shots["boundary-tanh.svg"] = app.export_screenshot(title="vgtui: the decision boundary")
    return shots


async def main() -> None:
    """Write every screenshot."""
    OUT.mkdir(exist_ok=True)
    for name, svg in (await render_all()).items():
        (OUT / name).write_text(svg)
        print(OUT / name)


if __name__ == "__main__":
    asyncio.run(main())
