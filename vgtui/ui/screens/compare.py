"""The comparison screen: a sortable table of the kept runs and their charts overlaid."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from vgtui.comparison import COLUMNS, ComparisonRow, differing_settings, settings_cell
from vgtui.display.colors import run_color
from vgtui.display.curves import Curve
from vgtui.kept import KeptRun, KeptRuns, sort_key
from vgtui.ui.widgets.layer_sd_chart import LayerSdChart
from vgtui.ui.widgets.overlaid_loss_chart import OverlaidLossChart

#: The table's columns after "plot" and "1st SD", in order: what a comparison
#: is read for first, so that it fits 80 columns; the rest scroll.
SHOWN: tuple[str, ...] = (
    "activation",
    "init",
    "acc after",
    "verdict",
    "dec median",
    "dec last",
    "acc before",
    "SD first/out",
    "final loss",
    "state",
    "network",
    "optimizer",
    "lr",
    "seed",
)
ORDER = tuple(COLUMNS.index(name) for name in SHOWN)
#: Redraw checks a second, so that runs of a sweep appear as they end.
REFRESH_HZ = 4


def row_of(run: KeptRun) -> ComparisonRow:
    """A kept run as a row of the comparison table."""
    return ComparisonRow(run.config, run.summary, run.state, run.name)


def len_in_epochs(run: KeptRun) -> int:
    """The length of a run's x axis: its configured epochs, or the epochs it recorded."""
    if run.config is not None:
        return run.config.epochs
    return int(run.view.epoch_x[-1]) if len(run.view.epoch_x) else 1


class CompareScreen(Screen[None]):
    """Kept runs side by side: one table row each; loss curves and layer SDs overlaid.

    Args:
        store: the kept runs; the screen removes and clears runs in it.

    """

    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#runs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,q", "close", "close", tooltip="back to the live monitor"),
        Binding("o", "sort", "sort column", tooltip="sort by the next column"),
        Binding("O", "reverse", "reverse", tooltip="reverse the order"),
        Binding("space", "toggle", "plot on/off", tooltip="draw / hide the run's curves"),
        Binding("d", "remove", "remove", tooltip="remove the run"),
        Binding("x", "clear", "clear all", tooltip="clear every kept run (press twice)"),
        Binding("question_mark", "app.help", "help", tooltip="help"),
    ]

    def __init__(self, store: KeptRuns) -> None:
        """Show the runs of ``store``."""
        super().__init__()
        self.store = store
        self.sort_column: int | None = None
        self.sort_reverse = False
        self.hidden: set[int] = set()
        self._drawn: tuple[object, ...] | None = None
        self._clear_asked = False

    def compose(self) -> ComposeResult:
        """The table, the note line, then the two charts side by side."""
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="compare-note")
        with Horizontal(id="compare-charts"):
            yield OverlaidLossChart(id="compare-loss")
            yield LayerSdChart(id="compare-sd")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        """Draw the runs and keep the screen up to date while a sweep goes on."""
        self.query_one("#runs", DataTable).border_title = "kept runs"
        self.refresh_runs()
        self.set_interval(1 / REFRESH_HZ, self.refresh_runs)

    # Drawing ---------------------------------------------------------------

    def ordered(self) -> list[KeptRun]:
        """The kept runs in the table's order."""
        runs = list(self.store.runs)
        if self.sort_column is not None:
            index = ORDER[self.sort_column]
            runs.sort(
                key=lambda run: sort_key(row_of(run).cells()[index]), reverse=self.sort_reverse
            )
        return runs

    def plotted(self) -> list[KeptRun]:
        """The runs whose curves are drawn, in the table's order."""
        return [run for run in self.ordered() if run.number not in self.hidden]

    def refresh_runs(self, force: bool = False) -> None:
        """Rebuild the table and charts if the runs, their order or selection changed."""
        key = (
            self.store.version,
            self.sort_column,
            self.sort_reverse,
            frozenset(self.hidden),
            self._clear_asked,
        )
        if key == self._drawn and not force:
            return
        self._drawn = key
        table = self.query_one("#runs", DataTable)
        current = self._highlighted()
        table.clear(columns=True)
        table.add_column("plot", key="plot")
        table.add_column("1st SD", key="first-sd")
        runs = self.ordered()
        # The settings that tell the kept runs apart, past the activation and initializer columns.
        varied = [f for f in differing_settings(r.config for r in runs) if f not in SHOWN[:2]]
        if varied:
            table.add_column("differs", key="differs")
        for i, name in enumerate(SHOWN):
            mark = ""
            if self.sort_column == i:
                mark = " ▲" if not self.sort_reverse else " ▼"
            table.add_column(name + mark, key=name)
        for run in runs:
            cells = row_of(run).cells()
            plot = "·" if run.number in self.hidden else f"#{run.number}"
            first = run.first_layer_sd
            first_text = f"{first:.1e}" if math.isfinite(first) else "–"
            differs = [settings_cell(run.config, varied)] if varied else []
            table.add_row(
                plot, first_text, *differs, *(cells[i] for i in ORDER), key=str(run.number)
            )
        if current is not None:
            for row, run in enumerate(runs):
                if run.number == current:
                    table.move_cursor(row=row)
        self._note(runs)
        plotted = self.plotted()
        losses = [
            Curve(run.label, run_color(run.number), run.view.epoch_x, run.view.epoch_loss)
            for run in plotted
        ]
        epochs = max((len_in_epochs(run) for run in plotted), default=1)
        self.query_one(OverlaidLossChart).show(losses, epochs)
        sds = [
            Curve(run.label, run_color(run.number), np.arange(1, 1 + len(sd)), sd)
            for run in plotted
            for sd in [run.final_grad_sd]
        ]
        self.query_one(LayerSdChart).show(sds)

    def _note(self, runs: list[KeptRun]) -> None:
        """Say what the screen shows, or what to do when it shows nothing."""
        note = self.query_one("#compare-note", Static)
        if self._clear_asked:
            note.update(f"Press [b]x[/b] again to clear all {len(runs)} kept runs.")
        elif not runs:
            note.update(
                "No runs kept yet. A run is kept when it ends or is switched; "
                "[b]s[/b] / [b]S[/b] sweep activations / initializers."
            )
        else:
            sort = "kept order" if self.sort_column is None else SHOWN[self.sort_column]
            note.update(
                f"{len(runs)} runs, by {sort}. 1st SD: first layer's median gradient SD; "
                "dec: log10 of it over the output layer's, median over steps / last epoch."
            )

    def _highlighted(self) -> int | None:
        """Number of the run under the table's cursor, None if the table is empty."""
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    # Actions -----------------------------------------------------------------

    def action_close(self) -> None:
        """Return to the live monitor."""
        self.dismiss()

    def action_sort(self) -> None:
        """Sort by the next column (kept order after the last)."""
        self._withdraw_clear()
        if self.sort_column is None:
            self.sort_column = 0
        elif self.sort_column + 1 < len(SHOWN):
            self.sort_column += 1
        else:
            self.sort_column = None
        self.refresh_runs()

    def action_reverse(self) -> None:
        """Reverse the order of the sort."""
        self._withdraw_clear()
        self.sort_reverse = not self.sort_reverse
        self.refresh_runs()

    def action_toggle(self) -> None:
        """Draw or hide the highlighted run's curves."""
        self._withdraw_clear()
        number = self._highlighted()
        if number is not None:
            self.hidden ^= {number}
            self.refresh_runs()

    def action_remove(self) -> None:
        """Remove the highlighted run from the kept runs."""
        self._withdraw_clear()
        number = self._highlighted()
        if number is not None:
            self.hidden.discard(number)
            self.store.remove(number)
            self.refresh_runs()

    def action_clear(self) -> None:
        """Ask to clear every kept run; a second ``x`` does it."""
        if not self.store.runs:
            return
        if self._clear_asked:
            self._clear_asked = False
            self.hidden.clear()
            self.store.clear()
            self.refresh_runs()
            return
        self._clear_asked = True
        self.refresh_runs()

    def _withdraw_clear(self) -> None:
        """Another action withdraws a pending request to clear."""
        self._clear_asked = False
