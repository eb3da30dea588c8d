"""One number, one meaning: the monitor, the comparison and the JSON say the same of one run.

Each quantity is made by one function (the median over steps and the last
epoch's decades by :func:`vgtui.diagnosis.first_layer_decades`, a layer's SD
over the run by :func:`vgtui.diagnosis.median_layer_sds`); this test reads
what each place prints for one recorded run and checks that they agree to
the digits printed, and that each says which it is.
"""

from __future__ import annotations

import re

from textual.widgets import DataTable

from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.export.runfile import run_to_dict
from vgtui.ui.app import make_app
from vgtui.ui.screens.compare import CompareScreen
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.ui.widgets.story_panel import StoryPanel
from vgtui.ui.widgets.verdict_badge import VerdictBadge


def cell(table: DataTable, header: str, row: int = 0) -> str:
    column = [str(c.key.value) for c in table.ordered_columns].index(header)
    return str(table.get_cell_at((row, column)))


async def test_every_place_says_the_same_number_in_the_same_words(
    streams, make_engine, wait_until
) -> None:
    records = streams[("sigmoid", "normal")]
    app = make_app(RunConfig(), make_engine(records), show_timing=False)
    async with app.run_test(size=(200, 50)) as pilot:
        run = app.controller.current
        await wait_until(pilot, lambda: run.history.view().state == "done")
        await wait_until(pilot, lambda: len(app.controller.kept) == 1)
        await pilot.pause()
        app.monitor.redraw()
        await pilot.pause()
        badge = app.query_one(VerdictBadge).content.plain
        status = app.query_one(StatusLine).content.plain
        panel = app.query_one(LayerPanel)
        health = [str(label.content).strip() for label in panel.query(".layer-row .health")]
        title = str(panel.query_one("#health-title").content)
        story = "\n".join(line.plain for line in app.query_one(StoryPanel).lines(200))
        view = run.history.view()
        summary = app.controller.kept.runs[0].summary
        assert summary is not None
        exported = run_to_dict(run.config, view, summary)["summary"]
        await pilot.press("c")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert isinstance(app.screen, CompareScreen)

        # The first layer's decades from the output, median over the steps.
        median = exported["first_layer_decades_median"]
        assert f"{-median:.1f} decades" in badge and "median over" in badge
        assert cell(table, "dec median") == f"{median:+.1f}"
        # ... and over the last epoch.
        latest = exported["first_layer_decades_latest"]
        assert health[0].startswith(f"{latest:+.1f}d") and title.startswith("last ep")
        assert cell(table, "dec last") == f"{latest:+.1f}"
        last_epoch = whole_epochs(records)[-1]
        # Accuracy after training: the last epoch's, on all the data.
        accuracy = exported["accuracy_after"]
        assert accuracy == last_epoch.accuracy
        assert f"accuracy {accuracy:.2f}" in badge
        assert re.search(rf"→{accuracy:.3f}\b", status)
        assert cell(table, "acc after") == f"{accuracy:.3f}"
        assert f"acc {accuracy:.2f}" in story
        # The first layer's gradient SD over the run: the median of its steps.
        first_sd = app.controller.kept.runs[0].first_layer_sd
        assert exported["first_layer_sd_median"] == first_sd  # the JSON's, in the table's words
        assert cell(table, "1st SD median") == f"{first_sd:.1e}"
        assert f"{first_sd:.1e}" in story and "median" in story
