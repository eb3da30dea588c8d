"""The story on the monitor: the activations compared, why, and where next, from recorded runs."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.display.story import DEEP_DEPTH, StoryRun, same_network, story_frame
from vgtui.history import History, HistoryView
from vgtui.records import STAT_INDEX, RunStart
from vgtui.sources.replay import load_stream

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def views() -> dict[str, tuple[RunConfig, HistoryView, list]]:
    out = {}
    for activation in ("sigmoid", "tanh", "relu"):
        records = load_stream(FIXTURES / f"{activation}_normal.npz")
        history = History()
        for record in records:
            history.record(record)
        out[activation] = (records[0].config, history.view(), records)
    return out


def first_layer_median(records: list) -> float:
    """The first hidden layer's gradient SD over every step, median: from the raw records."""
    sds = np.concatenate([e.step_stats[:, 0, STAT_INDEX["grad_sd"]] for e in whole_epochs(records)])
    return float(np.median(sds))


def test_the_rows_compare_each_activation_with_sigmoid(views) -> None:
    runs = [StoryRun(views[a][0], views[a][1], "x") for a in ("relu", "sigmoid", "tanh")]
    current = views["relu"][0]
    frame = story_frame(runs, current, deep_tried=False)
    assert [r.activation for r in frame.rows] == ["sigmoid", "tanh", "relu"]
    assert frame.baseline == "sigmoid"
    base = first_layer_median(views["sigmoid"][2])
    for row in frame.rows:
        expected = first_layer_median(views[row.activation][2])
        assert row.first_sd == pytest.approx(expected, rel=1e-5)
        if row.activation == "sigmoid":
            assert row.multiple is None
        else:
            assert row.multiple == pytest.approx(expected / base, rel=1e-5)
            assert row.multiple > 10  # the tutorial's story: an order of magnitude or more
        last = whole_epochs(views[row.activation][2])[-1]
        assert row.accuracy == pytest.approx(last.accuracy)
        assert len(row.layer_sds) == 5


def test_only_runs_of_the_same_network_are_compared_the_latest_of_each(views) -> None:
    sigmoid_config, sigmoid_view, _ = views["sigmoid"]
    other_seed = replace(sigmoid_config, seed=7)
    deeper = replace(views["tanh"][0], depth=5)
    runs = [
        StoryRun(other_seed, views["relu"][1]),  # another seed: another network's run
        StoryRun(deeper, views["tanh"][1]),  # another depth
        StoryRun(sigmoid_config, views["relu"][1]),  # an older sigmoid run...
        StoryRun(sigmoid_config, sigmoid_view, live=True),  # ...and the latest
    ]
    frame = story_frame(runs, sigmoid_config, deep_tried=False)
    assert [r.activation for r in frame.rows] == ["sigmoid"]
    assert frame.rows[0].live
    assert frame.rows[0].first_sd == pytest.approx(first_layer_median(views["sigmoid"][2]))
    assert same_network(sigmoid_config, replace(sigmoid_config, activation="relu"))
    assert not same_network(sigmoid_config, other_seed)


def test_why_gives_the_sigmoid_runs_own_product_of_derivatives(views) -> None:
    config, view, _ = views["sigmoid"]
    frame = story_frame([StoryRun(config, view)], config, deep_tried=False)
    derivatives = view.epoch_stats[-1, :-1, STAT_INDEX["act_deriv_mean"]]
    if not np.isfinite(derivatives).all():
        pytest.skip("this recording predates f'")
    assert f"{float(np.prod(derivatives)):.1e}" in frame.why
    assert "≤ 1/4" in frame.why


def test_the_next_step_is_shown_until_tried_and_not_on_a_deep_network(views) -> None:
    config, view, _ = views["sigmoid"]
    assert "d " in story_frame([StoryRun(config, view)], config, deep_tried=False).next_step
    after = story_frame([StoryRun(config, view)], config, deep_tried=True).next_step
    assert not after.startswith("next: d")
    deep = replace(config, depth=DEEP_DEPTH)
    alone = story_frame([StoryRun(deep, view)], deep, deep_tried=True).next_step
    assert alone.startswith("next: s")  # one activation on the deep network: sweep them
    compared = [StoryRun(replace(deep, activation=a), view) for a in ("sigmoid", "relu")]
    assert story_frame(compared, deep, deep_tried=True).next_step == ""


def test_a_run_without_steps_has_no_numbers_yet() -> None:
    config = RunConfig()
    history = History()
    history.record(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    frame = story_frame([StoryRun(config, history.view(), live=True)], config, False)
    (row,) = frame.rows
    assert math.isnan(row.first_sd) and row.accuracy is None and row.multiple is None
