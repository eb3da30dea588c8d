"""The screen agrees with itself: provisional verdicts, the fitted scale, the key strip, speed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.color import Color, ColorSystem
from rich.console import Console

from vgtui.config import RunConfig
from vgtui.diagnosis import epochs_for_verdict, with_evidence
from vgtui.display.colors import run_color
from vgtui.display.layer_rows import layer_rows_frame
from vgtui.display.series import SessionScale
from vgtui.display.view_options import ViewOptions
from vgtui.history import History
from vgtui.records import STAT_INDEX, Diagnosis
from vgtui.session.clock import TrainingSpeed
from vgtui.ui.app import make_app
from vgtui.ui.widgets.key_strip import MORE, KeyEntry, KeyStrip, fitted
from vgtui.ui.widgets.scaled_sparkline import FixedScaleBars
from vgtui.ui.widgets.verdict_badge import VerdictBadge, verdict_text


def test_a_verdict_before_a_fifth_of_the_run_is_provisional() -> None:
    assert epochs_for_verdict(100) == 20
    assert epochs_for_verdict(10) == 5  # at least 5
    assert epochs_for_verdict(10_000) == 50  # at most 50
    found = Diagnosis("vanishing", "why", "short")
    assert with_evidence(found, 4, 100, ended=False).provisional
    assert not with_evidence(found, 20, 100, ended=False).provisional
    assert not with_evidence(found, 4, 100, ended=True).provisional  # stopped: final
    assert not with_evidence(Diagnosis("diverged", "", ""), 1, 100, False).provisional
    text = verdict_text(with_evidence(found, 4, 100, False), 200, until=20).plain
    assert text.startswith(" VANISHING? ") and "epoch 20" in text


async def test_the_badge_marks_a_young_verdict_provisional(streams, make_engine, wait_until):
    engine = make_engine(streams[("tanh", "normal")], delay=0.05)
    app = make_app(RunConfig(activation="tanh"), engine, show_timing=False)
    async with app.run_test(size=(120, 30)) as pilot:
        run = app.controller.current
        await wait_until(pilot, lambda: run.history.view().latest is not None)
        app.monitor.redraw()
        if run.history.view().latest.epoch < 20:
            assert "?" in app.query_one(VerdictBadge).content.plain.split()[0]
        await wait_until(pilot, lambda: run.history.view().state == "done")
        app.monitor.redraw()
        assert "?" not in app.query_one(VerdictBadge).content.plain.split()[0]


def test_the_weight_view_measures_the_kernels_against_the_output() -> None:
    from tests.epochs import Epoch

    config = RunConfig(depth=1)
    names = config.layer_names
    history = History()
    from vgtui.records import STAT_NAMES, RunStart

    history.record(RunStart(config, "CPU", names, 0.5, 0.7))
    stats = np.ones((4, 2, len(STAT_NAMES)))
    stats[:, 0, STAT_INDEX["grad_sd"]], stats[:, 1, STAT_INDEX["grad_sd"]] = 0.01, 1.0
    stats[:, 0, STAT_INDEX["weight_sd"]], stats[:, 1, STAT_INDEX["weight_sd"]] = 10.0, 1.0
    for record in Epoch(1, 1, np.ones(4), np.ones(4), stats, 0.5, 0.5).records():
        history.record(record)
    view = history.view()
    grads = layer_rows_frame(view, names, 4, ViewOptions(), SessionScale(), None)
    weights = layer_rows_frame(view, names, 4, ViewOptions(weights=True), SessionScale(), None)
    assert grads.health()[0][0] == pytest.approx(-2.0)  # the gradient: 100 times smaller
    assert weights.health()[0][0] == pytest.approx(1.0)  # the kernel: 10 times larger


def test_the_training_speed_leaves_the_waits_out() -> None:
    now = [0.0]
    speed = TrainingSpeed(now=lambda: now[0])
    speed.handed_over()
    now[0] = 5.0
    speed.made(100)  # the first call: building and compiling, left out
    speed.handed_over()
    for _ in range(3):
        now[0] += 0.1  # a call of 100 steps takes 0.1 s...
        speed.made(100)
        now[0] += 2.0  # ...then waits 2 s for its turn to be shown
        speed.handed_over()
    assert speed.rate == pytest.approx(1000.0)  # 100 steps in 0.1 s, not in 2.1 s


def test_the_key_strip_shows_what_fits_and_says_there_is_more() -> None:
    entries = [KeyEntry(k, f"does {k}", True, i < 3) for i, k in enumerate("abcdefgh")]
    chosen, more = fitted(entries, 40)
    assert more and [e.keys for e in chosen] == ["a", "b", "c"][: len(chosen)]
    assert sum(len(e.keys) + len(e.description) + 3 for e in chosen) + len(MORE) < 40
    chosen, more = fitted(entries, 400)
    assert not more and [e.keys for e in chosen] == list("abcdefgh")


async def test_the_strip_lists_every_key_on_a_wide_terminal_and_dims_what_does_not_apply(
    fake_engine,
) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(300, 40)) as pilot:
        await pilot.pause()
        strip = app.query_one(KeyStrip)
        text = strip.render().plain
        for words in ("? help", "g figure", "e settings", "b boundary", "d deep"):
            assert words in text
        assert MORE not in text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.query_one(KeyStrip).render().plain.rstrip().endswith(MORE)


def test_without_colour_a_negative_mean_hangs_from_the_top() -> None:
    console = Console(width=10, color_system=None, force_terminal=True, record=True)
    bars = FixedScaleBars([0.3, -0.3], (-1.0, 1.0), 2, 1, None, None, signed=True, no_color=True)
    segments = list(bars.__rich_console__(console, console.options))
    up, down = segments[0], segments[1]
    assert up.text == "▃" and not (up.style and up.style.reverse)
    assert down.style is not None and down.style.reverse  # the glyph is the empty part


def test_the_first_runs_colours_stay_apart_in_256_colours() -> None:
    eight_bit = [
        Color.from_rgb(*run_color(n)).downgrade(ColorSystem.EIGHT_BIT).number for n in range(1, 7)
    ]
    assert len(set(eight_bit)) == 6, eight_bit


async def test_the_scale_fits_each_run_and_f_fits_it_again(streams, make_engine, wait_until):
    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        app.monitor.redraw()
        fitted_bounds = app.monitor.scales["grad"].bounds
        app.monitor.scales["grad"].widen(np.array([-12.0, 3.0]))  # a wide run, shown before
        assert app.monitor.scales["grad"].bounds != fitted_bounds
        await pilot.press("f")
        app.monitor.redraw()
        assert app.monitor.scales["grad"].bounds == fitted_bounds
        await pilot.press("F")  # the session's scale: held from now on
        assert not app.monitor.scale_fit


async def test_a_pace_key_says_the_new_pace(fake_engine) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False, pace=7.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("greater_than_sign")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("20 ep/s" in m for m in said), said
        assert math.isclose(app.controller.pace, 20.0)


def test_a_factor_of_about_one_reads_level_and_every_multiple_reads_times() -> None:
    from vgtui.diagnosis import _against, _times

    assert _against("dense_1", 0.05, "output") == "dense_1 level with output"  # not "1× below"
    assert _against("dense_1", -1.1, "output") == "dense_1 13× below output"
    assert _against("dense_1", 0.5, "output") == "dense_1 3× above output"
    assert _times(0.5) == " (3×)"  # the same sign as the badge's, never "3x"


async def test_the_last_runs_column_title_never_runs_into_the_next(
    streams, make_engine, wait_until
):
    """At 120 columns the dimmed column's title (a long name) leaves a space before the next."""
    from vgtui.ui.widgets.layer_panel import LayerPanel

    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.controller.current.history.view().state == "done")
        panel = app.query_one(LayerPanel)
        panel._show_previous_title("#1 digits_mlp_with_a_long_name")
        await pilot.pause()
        titles = panel.query_one("#layer-titles")
        previous, health = titles.query_one("#previous-title"), titles.query_one("#health-title")
        shown = str(previous.content)
        assert len(shown) < previous.size.width  # a space is left before "last ep vs out"
        assert previous.region.right <= health.region.x
