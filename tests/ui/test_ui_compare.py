"""Pilot tests of kept runs, the comparison screen and sweeps, with recorded engines."""

from __future__ import annotations

import io
import math

from rich.console import Console
from textual.widgets import DataTable

from vgtui.config import RunConfig
from vgtui.records import RunSummary
from vgtui.session.sweep import SWEEP_DEFAULTS, sweep_configs
from vgtui.sources.replay import replay_factory
from vgtui.ui.app import make_app
from vgtui.ui.key_tables import monitor_bindings
from vgtui.ui.keys import key_rows, plain_keys
from vgtui.ui.screens.compare import CompareScreen


class ReplayEngine:
    """Replays the recorded stream of each config's (activation, init), noting the configs."""

    def __init__(self, streams, delay: float = 0.0, slow: str = "") -> None:
        self.configs: list[RunConfig] = []
        self._factory = replay_factory(streams, delay=delay)
        self._slow = replay_factory(streams, delay=0.05)
        self.slow = slow

    def __call__(self, config: RunConfig):
        self.configs.append(config)
        return (self._slow if config.activation == self.slow else self._factory)(config)


def column(table: DataTable, name: str) -> list[str]:
    """The cells of the column headed ``name`` (sort marks aside), top to bottom."""
    keys = [str(c.key.value) for c in table.ordered_columns]
    index = keys.index(name)
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def names(table: DataTable) -> list[str]:
    """The activation of each row, from its run cell (glyph, number, activation/init)."""
    return [cell.split()[2].split("/")[0] for cell in column(table, "run")]


def recorded_summary(streams, activation: str) -> RunSummary:
    return next(r for r in streams[(activation, "normal")] if isinstance(r, RunSummary))


async def test_ended_and_switched_runs_are_kept(streams, wait_until) -> None:
    engine = ReplayEngine(streams, slow="tanh")
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(app.controller.kept) == 1)
        sigmoid = app.controller.kept.runs[0]
        assert (sigmoid.config.activation, sigmoid.state) == ("sigmoid", "done")
        assert sigmoid.summary.accuracy_after == recorded_summary(streams, "sigmoid").accuracy_after
        assert sigmoid.summary.verdict == "vanishing"
        assert app.controller.previous is None  # the current run is no "before"
        await pilot.press("a")  # tanh
        await wait_until(pilot, lambda: app.controller.current.history.view().steps_done > 0)
        await pilot.press("a")  # relu; tanh is interrupted
        await wait_until(pilot, lambda: len(app.controller.kept) == 3)
        kept = [(r.config.activation, r.state) for r in app.controller.kept.runs]
        assert kept == [("sigmoid", "done"), ("tanh", "stopped"), ("relu", "done")]
        tanh = app.controller.kept.runs[1]
        assert 0 < tanh.summary.epochs < 100
        assert app.controller.previous is sigmoid  # relu is current; tanh was stopped


async def three_runs(app, pilot, wait_until) -> None:
    for n, key in enumerate(["", "a", "a"], start=1):
        if key:
            await pilot.press(key)
        await wait_until(pilot, lambda n=n: len(app.controller.kept) == n)


async def test_compare_screen_answers_with_the_baseline(streams, wait_until) -> None:
    app = make_app(RunConfig(), ReplayEngine(streams), show_timing=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await three_runs(app, pilot, wait_until)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one(DataTable)
        assert names(table) == ["sigmoid", "tanh", "relu"]
        kept = app.controller.kept.runs
        ratios = [run.first_layer_sd / kept[0].first_layer_sd for run in kept]
        expected = ["base"] + [f"{r:.0f}× sigmoid" for r in ratios[1:]]
        assert column(table, "vs base") == expected
        assert ratios[2] > 10, "relu's first layer is not far ahead of sigmoid's"
        expected_dec = {
            a: math.log10(recorded_summary(streams, a).grad_sd_ratio)
            for a in ("sigmoid", "tanh", "relu")
        }
        assert [float(v) for v in column(table, "dec last")] == [
            round(expected_dec[a], 1) for a in ("sigmoid", "tanh", "relu")
        ]
        # Sort by "vs base" with o, then reverse.
        keys = [str(c.key.value) for c in table.ordered_columns]
        for _ in range(keys.index("vs base") + 1):
            await pilot.press("o")
        assert screen.sort_column == "vs base"
        by_ratio = [a for _, a in sorted(zip(ratios, ["sigmoid", "tanh", "relu"]))]
        assert names(table) == by_ratio
        await pilot.press("O")
        assert names(table) == by_ratio[::-1]
        # Pin relu as the baseline.
        table.move_cursor(row=names(table).index("relu"))
        await pilot.press("b")
        sigmoid_vs_relu = column(table, "vs base")[names(table).index("sigmoid")]
        assert sigmoid_vs_relu == f"{1 / ratios[2]:.2g}× relu"
        assert column(table, "vs base")[names(table).index("relu")] == "base"


async def test_a_click_on_a_header_sorts_by_it(streams, wait_until) -> None:
    app = make_app(RunConfig(), ReplayEngine(streams), show_timing=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await three_runs(app, pilot, wait_until)
        await pilot.press("c")
        table = app.screen.query_one(DataTable)
        keys = [str(c.key.value) for c in table.ordered_columns]
        x = 1 + sum(
            c.get_render_width(table) for c in table.ordered_columns[: keys.index("1st SD median")]
        )
        await pilot.click(DataTable, offset=(x + 2, 1))
        assert app.screen.sort_column == "1st SD median"
        firsts = [float(v) for v in column(table, "1st SD median")]
        assert firsts == sorted(firsts)


async def test_compare_filters_removes_undoes_and_clears(streams, wait_until) -> None:
    app = make_app(RunConfig(), ReplayEngine(streams), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await three_runs(app, pilot, wait_until)
        await pilot.press("c")
        screen = app.screen
        table = screen.query_one(DataTable)
        await pilot.press("slash", "t", "a", "n", "h")
        assert names(table) == ["tanh"]
        await pilot.press("escape")  # clears the filter, stays on the screen
        assert isinstance(app.screen, CompareScreen)
        assert names(table) == ["sigmoid", "tanh", "relu"]
        assert names(table)[table.cursor_row] == "tanh", "the cursor left its run"
        await pilot.press("up")
        await pilot.press("space")  # hide sigmoid's curves
        assert [run.config.activation for _, run in screen.plotted()] == ["tanh", "relu"]
        await pilot.press("d")  # remove the top row
        assert names(table) == ["tanh", "relu"]
        await pilot.press("u")
        assert names(table) == ["sigmoid", "tanh", "relu"]
        await pilot.press("x")
        assert "again" in str(screen.query_one("#compare-note").content)
        await pilot.press("x")
        assert len(app.controller.kept) == 0 and table.row_count == 0
        await pilot.press("u")
        assert len(app.controller.kept) == 3
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
        await pilot.press("c")
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("q")  # q closes the screen, it does not quit
        assert not isinstance(app.screen, CompareScreen)
        assert app.is_running


async def test_identical_runs_share_a_row_with_a_count(streams, make_engine, wait_until) -> None:
    app = make_app(RunConfig(), make_engine(streams[("sigmoid", "normal")]), show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.controller.kept) == 1)
        await pilot.press("r")
        await wait_until(pilot, lambda: len(app.controller.kept) == 2)
        await pilot.press("c")
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert column(table, "n") == ["2"]
        assert column(table, "seeds") == [f"{RunConfig().seed} ×2"]
        accuracy = recorded_summary(streams, "sigmoid").accuracy_after
        assert column(table, "acc after") == [f"{accuracy:.3f}±0.000"]


async def test_s_sweeps_activations_with_the_same_seed_and_data(streams, wait_until) -> None:
    engine = ReplayEngine(streams)
    base = RunConfig(seed=7, samples=500, noise=0.2, depth=4)
    app = make_app(base, engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(app.controller.kept) == 1)
        await pilot.press("s")
        await wait_until(
            pilot, lambda: len(app.controller.kept) == 4 and not app.controller.sweep.active
        )
        assert engine.configs[1:] == sweep_configs(base, "activation")
        assert [c.activation for c in engine.configs[1:]] == list(SWEEP_DEFAULTS["activation"])
        assert {(c.seed, c.samples, c.noise) for c in engine.configs} == {(7, 500, 0.2)}
        kept = [(r.config.activation, r.state) for r in app.controller.kept.runs[1:]]
        assert kept == [(a, "done") for a in SWEEP_DEFAULTS["activation"]]
        await pilot.pause(0.2)
        assert len(engine.configs) == 4  # the sweep starts nothing after its last run


async def test_S_sweeps_initializers(streams, make_engine, wait_until) -> None:
    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: len(app.controller.kept) == 1)
        await pilot.press("S")
        await wait_until(
            pilot, lambda: len(app.controller.kept) == 4 and not app.controller.sweep.active
        )
        assert [c.init for c in engine.configs[1:]] == list(SWEEP_DEFAULTS["init"])
        assert {c.activation for c in engine.configs} == {"sigmoid"}
        assert engine.most_running == 1


async def test_a_switch_key_cancels_a_sweep(streams, wait_until) -> None:
    engine = ReplayEngine(
        {**streams, ("sigmoid", "glorot_uniform"): streams[("sigmoid", "normal")]}, delay=0.01
    )
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: app.controller.current.config.activation == "tanh")
        await wait_until(pilot, lambda: app.controller.current.history.view().steps_done > 0)
        await pilot.press("i")  # cancels the sweep: back to sigmoid, then the next init
        assert not app.controller.sweep.active
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        await pilot.pause(0.2)
        last = engine.configs[-1]
        assert (last.activation, last.init) == ("sigmoid", "glorot_uniform")
        assert "relu" not in [c.activation for c in engine.configs]
        states = {(r.config.activation, r.config.init): r.state for r in app.controller.kept.runs}
        assert states[("tanh", "normal")] == "stopped"
        assert states[("sigmoid", "glorot_uniform")] == "done"


async def test_help_names_the_comparison_keys(fake_engine) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        keys = {key for key, b in app.active_bindings.items() if b.binding.show}
        assert {"s", "c"} <= keys  # in the footer
        await pilot.press("question_mark")
        console = Console(width=78, file=io.StringIO())
        console.print(app.screen.query_one("#help-keys").content)
        shown = console.file.getvalue()
        rows = key_rows(monitor_bindings())
        listed = {key for alternatives, _ in rows for keys in alternatives for key in keys}
        assert {"c", "s", "S", "a", "A", "?", "q"} <= listed
        for alternatives, what in rows:  # every key, with the start of what it does
            assert plain_keys(alternatives) in shown
            assert what.split()[0] in shown


def test_the_run_store_is_bounded_and_thins_what_it_keeps(streams) -> None:
    from vgtui.history import History
    from vgtui.session.kept import KEPT_ROWS, MAX_KEPT_RUNS, KeptRun, KeptRuns

    history = History()
    for record in streams[("sigmoid", "normal")]:
        history.record(record)
    store = KeptRuns()
    for _ in range(MAX_KEPT_RUNS + 5):
        view = history.view()
        store.keep(KeptRun.from_view(store.next_number(), RunConfig(), view, view.summary))
    assert len(store) == MAX_KEPT_RUNS
    assert [run.number for run in store.runs][:2] == [6, 7]  # the oldest went first
    kept = store.runs[-1].view
    assert len(kept.step_x) <= KEPT_ROWS < len(history.view().step_x)
    assert kept.step_x[-1] == history.view().step_x[-1]
