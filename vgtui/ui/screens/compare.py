"""The comparison screen: the kept runs as a sortable table, their curves overlaid.

Runs of the same settings share a row (a count, or a mean ± spread over
seeds); a baseline row (the first, or the one pinned with ``b``) anchors the
``vs base`` column; every run has its own colour and glyph, named in the
legend line above both charts.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from vgtui.display.colors import run_color, run_glyph
from vgtui.display.curves import Curve
from vgtui.session.comparison import (
    Cell,
    ComparisonRow,
    Group,
    cells,
    columns,
    differing_settings,
    group_rows,
    sort_key,
)
from vgtui.session.kept import KeptRun, KeptRuns
from vgtui.ui.widgets.layer_sd_chart import LayerSdChart
from vgtui.ui.widgets.overlaid_loss_chart import OverlaidLossChart

#: Redraw checks a second, so that runs of a sweep appear as they end.
REFRESH_HZ = 4
#: Columns always shown, whatever the width: the ones the comparison is for.
ESSENTIAL = ("run", "n", "acc after", "vs base", "verdict")


def row_of(run: KeptRun) -> ComparisonRow:
    """A kept run as a row of the comparison table."""
    return ComparisonRow(
        run.config, run.summary, run.state, run.name, run.first_layer_sd, run.number, run.model
    )


def len_in_epochs(run: KeptRun) -> int:
    """The length of a run's x axis: its configured epochs, or the epochs it recorded."""
    if run.config is not None:
        return run.config.epochs
    return int(run.view.epoch_x[-1]) if len(run.view.epoch_x) else 1


def rgb(color: tuple[int, int, int]) -> str:
    """A Rich colour of an RGB triple."""
    return f"rgb({color[0]},{color[1]},{color[2]})"


def fitting(headers: list[str], widths: dict[str, int], room: int) -> list[str]:
    """The headers that fit in ``room`` cells, essential ones first, in table order."""
    chosen: list[str] = []
    used = 0
    for header in sorted(headers, key=lambda h: (h not in ESSENTIAL, headers.index(h))):
        need = widths[header] + 2
        if used + need <= room or header in ESSENTIAL:
            chosen.append(header)
            used += need
    return [h for h in headers if h in chosen]


class CompareScreen(Screen[None]):
    """Kept runs side by side: a row per setting, loss curves and layer SDs overlaid.

    Args:
        store: the kept runs; the screen removes, restores and clears runs in it.

    """

    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#runs"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,q", "close", "close", tooltip="back to the live monitor"),
        Binding("o", "sort", "sort", tooltip="sort by the next column (or click its header)"),
        Binding("O", "reverse", "reverse", tooltip="reverse the order"),
        Binding("b", "baseline", "baseline", tooltip="make the highlighted row the baseline"),
        Binding("slash", "filter", "filter", tooltip="show only rows whose text matches"),
        Binding("space", "toggle", "plot on/off", tooltip="draw / hide the row's curves"),
        Binding("d", "remove", "remove", tooltip="remove the row's runs"),
        Binding("u", "undo", "undo", tooltip="put back what was removed last"),
        Binding("x", "clear", "clear all", tooltip="clear every kept run (press twice)"),
        Binding("question_mark", "app.open('help')", "help", tooltip="help"),
    ]

    #: The column the rows are sorted by (None: the order they were kept in).
    sort_column: var[str | None] = var(None)
    #: The sort's order reversed.
    sort_reverse: var[bool] = var(False)
    #: Numbers of the runs whose curves are hidden.
    hidden: var[frozenset[int]] = var(frozenset())
    #: The first run of the row pinned as the baseline (None: the first row).
    baseline_number: var[int | None] = var(None)
    #: Only rows whose text holds this are shown.
    filter_text: var[str] = var("")
    #: A first ``x`` asked to clear every kept run; a second does it.
    clear_asked: var[bool] = var(False)

    def __init__(self, store: KeptRuns) -> None:
        """Show the runs of ``store``."""
        super().__init__()
        self.store = store
        self.removed: list[list[KeptRun]] = []
        self._drawn_for: tuple[int, int] | None = None
        self._shown_headers: list[str] = []

    def compose(self) -> ComposeResult:
        """The table, the filter box, the note, the legend, then the two charts."""
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="filter rows (escape clears)", id="filter")
        yield Static("", id="compare-note")
        yield Static("", id="legend")
        with Horizontal(id="compare-charts"):
            yield OverlaidLossChart(id="compare-loss")
            yield LayerSdChart(id="compare-sd")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        """Draw the runs and keep the screen up to date while a sweep goes on."""
        self.query_one("#runs", DataTable).border_title = "kept runs"
        self.query_one("#filter", Input).display = False
        self.refresh_runs()
        self.set_interval(1 / REFRESH_HZ, self._refresh_if_new)

    def _refresh_if_new(self) -> None:
        """Draw the runs again if the kept runs or the width changed (a sweep's runs appear)."""
        if (self.store.version, self.size.width) != self._drawn_for:
            self.refresh_runs()

    def _state_changed(self) -> None:
        """The order, the selection or the filter changed: draw the runs again."""
        if self.is_mounted:
            self.refresh_runs()

    watch_sort_column = watch_sort_reverse = watch_hidden = _state_changed
    watch_baseline_number = watch_filter_text = watch_clear_asked = _state_changed

    # What is shown -----------------------------------------------------------

    def groups(self) -> list[Group]:
        """The kept runs grouped by their settings, in the table's order, filtered."""
        runs = self.store.runs
        rows = [row_of(run) for run in runs]
        groups = group_rows(rows)
        baseline = self.baseline(groups)
        settings = differing_settings(rows)
        if self.filter_text:
            needle = self.filter_text.lower()
            groups = [
                g
                for g in groups
                if needle in " ".join(c.text for c in cells(g, baseline, settings).values()).lower()
            ]
        if self.sort_column is not None:
            column = self.sort_column
            groups.sort(
                key=lambda g: sort_key(cells(g, baseline, settings).get(column, Cell("–"))),
                reverse=self.sort_reverse,
            )
        return groups

    def baseline(self, groups: list[Group]) -> Group | None:
        """The pinned group, or the first."""
        for group in groups:
            if self.baseline_number in group.numbers:
                return group
        return groups[0] if groups else None

    def plotted(self) -> list[tuple[Group, KeptRun]]:
        """The rows whose curves are drawn, in the table's order, each with the run it draws.

        A row of several runs (the same settings, or seeds) is drawn once: by
        its latest run, in the row's own colour and glyph.
        """
        by_number = {run.number: run for run in self.store.runs}
        out = []
        for group in self.groups():
            numbers = [n for n in group.numbers if n in by_number]
            if numbers and not all(n in self.hidden for n in group.numbers):
                out.append((group, by_number[numbers[-1]]))
        return out

    def refresh_runs(self) -> None:
        """Rebuild the table and charts from the kept runs, in the order and selection chosen."""
        self._drawn_for = (self.store.version, self.size.width)
        table = self.query_one("#runs", DataTable)
        current = self._highlighted()
        runs = self.store.runs
        rows = [row_of(run) for run in runs]
        settings = differing_settings(rows)
        groups = self.groups()
        baseline = self.baseline(group_rows(rows))
        headers = columns(settings, counts=any(len(g.rows) > 1 for g in groups))
        found = [cells(g, baseline, settings) for g in groups]
        widths = {h: max([len(h) + 2, *(len(f[h].text) for f in found)]) for h in headers}
        labels = [len(self._run_label(g)) for g in groups]
        widths["run"] = max(widths["run"], *labels) if labels else widths["run"]
        shown = fitting(headers, widths, max(self.size.width - 4, 40))
        self._shown_headers = shown
        table.clear(columns=True)
        for header in shown:
            mark = ""
            if self.sort_column == header:
                mark = " ▼" if self.sort_reverse else " ▲"
            table.add_column(header + mark, key=header)
        for group, group_cells in zip(groups, found):
            texts = [self._run_label(group) if h == "run" else group_cells[h].text for h in shown]
            table.add_row(*texts, key=str(group.first.number))
        if current is not None:
            for index, group in enumerate(groups):
                if current in group.numbers:
                    table.move_cursor(row=index)
        self._note(groups, len(headers) - len(shown))
        self._draw_charts()

    def _run_label(self, group: Group) -> Text:
        """The run cell: the group's glyph in its colour, its number and name."""
        number = group.first.number
        text = Text()
        hidden = all(n in self.hidden for n in group.numbers)
        glyph = "·" if hidden else run_glyph(number)
        text.append(f"{glyph} ", style="" if hidden else rgb(run_color(number)))
        text.append(f"#{number} {group.first.label}")
        return text

    def _draw_charts(self) -> None:
        """Each row's loss curve and its layers' gradient SD (median over steps), one legend."""
        plotted = self.plotted()
        no_color = self.app.no_color
        marks = [(group.first.number, run) for group, run in plotted]
        losses = [
            Curve(run.label, run_color(number), run.view.epoch_x, run.view.epoch_loss)
            for number, run in marks
        ]
        epochs = max((len_in_epochs(run) for _, run in marks), default=1)
        glyphs = [run_glyph(number) for number, _ in marks]
        self.query_one(OverlaidLossChart).show(losses, epochs, glyphs if no_color else None)
        sds = [
            Curve(run.label, run_color(number), np.arange(1, 1 + len(run.layer_sds)), run.layer_sds)
            for number, run in marks
        ]
        self.query_one(LayerSdChart).show(sds, glyphs)
        legend = Text(no_wrap=False)
        for group, _ in plotted:
            number = group.first.number
            legend.append(f"{run_glyph(number)} ", style=rgb(run_color(number)))
            legend.append(f"#{number} {group.first.label}  ")
        self.query_one("#legend", Static).update(legend)

    def _note(self, groups: list[Group], hidden_columns: int) -> None:
        """Say what the screen shows, or what to do when it shows nothing."""
        note = self.query_one("#compare-note", Static)
        if self.clear_asked:
            note.update(f"Press [b]x[/b] again to clear all {len(self.store)} kept runs.")
            return
        if not groups:
            if self.filter_text:
                note.update(f"No row matches “{self.filter_text}”; escape in the filter clears it.")
                return
            note.update(
                "No runs kept yet. A run is kept when it ends or is switched; "
                "[b]s[/b] / [b]S[/b] sweep activations / initializers."
            )
            return
        sort = "kept order" if self.sort_column is None else self.sort_column
        rows = f"{len(groups)} row{'s' if len(groups) != 1 else ''} by {sort}."
        said = [rows, "vs base: first layer's median gradient SD ÷ the baseline's (b pins one);"]
        shown = set(self._shown_headers)
        if shown & {"dec median", "dec last"}:
            said.append("dec: log10 of first ÷ output SD, median over steps / last epoch;")
        said.append("± over seeds.")
        if hidden_columns:
            said.append(f"{hidden_columns} more columns on a wider terminal.")
        note.update(" ".join(said))

    def _highlighted(self) -> int | None:
        """Number of the first run of the row under the cursor, None if the table is empty."""
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value) if row_key.value is not None else None

    def _highlighted_group(self) -> Group | None:
        """The row under the cursor, as its group."""
        number = self._highlighted()
        return next((g for g in self.groups() if number in g.numbers), None)

    # Actions -----------------------------------------------------------------

    def action_close(self) -> None:
        """Return to the live monitor."""
        self.dismiss()

    def action_sort(self) -> None:
        """Sort by the next column shown (kept order after the last)."""
        self._withdraw_clear()
        shown = self._shown_headers
        if self.sort_column is None or self.sort_column not in shown:
            self.sort_column = shown[0] if shown else None
        elif shown.index(self.sort_column) + 1 < len(shown):
            self.sort_column = shown[shown.index(self.sort_column) + 1]
        else:
            self.sort_column = None

    @on(DataTable.HeaderSelected)
    def _sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it; clicking it again reverses."""
        header = str(event.column_key.value)
        if self.sort_column == header:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = header, False

    def action_reverse(self) -> None:
        """Reverse the order of the sort."""
        self._withdraw_clear()
        self.sort_reverse = not self.sort_reverse

    def action_baseline(self) -> None:
        """Make the highlighted row the baseline of the ``vs base`` column."""
        group = self._highlighted_group()
        if group is not None:
            self.baseline_number = group.first.number

    def action_filter(self) -> None:
        """Open the filter box."""
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Filter the rows as the text is typed."""
        self.filter_text = event.value.strip()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        """Back to the table, the filter kept."""
        self.query_one("#runs", DataTable).focus()

    def on_key(self, event: events.Key) -> None:
        """Escape in the filter box clears the filter instead of closing the screen."""
        box = self.query_one("#filter", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.query_one("#runs", DataTable).focus()
            event.stop()
            event.prevent_default()

    def action_toggle(self) -> None:
        """Draw or hide the highlighted row's curves."""
        self._withdraw_clear()
        group = self._highlighted_group()
        if group is not None:
            numbers = set(group.numbers)
            self.hidden = self.hidden - numbers if numbers <= self.hidden else self.hidden | numbers

    def action_remove(self) -> None:
        """Remove the highlighted row's runs (u puts them back)."""
        self._withdraw_clear()
        group = self._highlighted_group()
        if group is None:
            return
        removed = [run for n in group.numbers if (run := self.store.remove(n)) is not None]
        if removed:
            self.removed.append(removed)
        self.refresh_runs()

    def action_undo(self) -> None:
        """Put back the runs removed last."""
        if not self.removed:
            self.notify("Nothing to undo.", title="compare")
            return
        for run in self.removed.pop():
            self.store.restore(run)
        self.refresh_runs()

    def action_clear(self) -> None:
        """Ask to clear every kept run; a second ``x`` does it (u puts them back)."""
        if not self.store.runs:
            return
        if self.clear_asked:
            self.clear_asked = False
            self.removed.append(self.store.runs)
            self.hidden = frozenset()
            self.store.clear()
            self.refresh_runs()
            return
        self.clear_asked = True

    def _withdraw_clear(self) -> None:
        """Another action withdraws a pending request to clear."""
        self.clear_asked = False
