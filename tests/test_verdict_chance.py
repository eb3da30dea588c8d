"""The verdict judges accuracy against chance for the run's own task (issue 20, item 10).

The built-in tasks keep their threshold (tests/test_verdict_edges.py checks it from both
sides); a model's run is stuck below the point as far from its own chance to perfect.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.epochs import Epoch
from vgtui import diagnosis as d
from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import STAT_INDEX, STAT_NAMES, RunStart

STEPS = 4
#: The first layer's gradient SD half a decade below the output layer's: under WEAK_DECADES,
#: above VANISHING_DECADES, so accuracy alone decides between vanishing and healthy.
SD = [10**-0.5, 1.0]


def _view(accuracy: float, info: dict | None, config: RunConfig | None = None):
    names = config.layer_names if config is not None else ("dense/kernel", "dense_1/kernel")
    history = History()
    history.record(RunStart(config, "CPU", names, 0.3, 1.1, info=info or {}))
    stats = np.full((STEPS, len(names), len(STAT_NAMES)), np.nan)
    stats[:, :, STAT_INDEX["grad_sd"]] = SD
    stats[:, :, STAT_INDEX["grad_norm"]] = 0.1
    epoch = Epoch(
        epoch=1,
        first_step=1,
        step_loss=np.full(STEPS, 0.9),
        step_accuracy=np.full(STEPS, accuracy),
        step_stats=stats,
        loss=0.9,
        accuracy=accuracy,
    )
    for record in epoch.records():
        history.record(record)
    return history.view()


def test_the_stuck_accuracy_is_halfway_from_chance_and_075_for_the_built_in_tasks():
    assert d.stuck_accuracy(d.BUILTIN_CHANCE) == d.STUCK_ACCURACY == 0.75
    assert d.stuck_accuracy(1 / 3) == pytest.approx(2 / 3)
    assert d.stuck_accuracy(0.1) == pytest.approx(0.55)
    assert math.isnan(d.stuck_accuracy(math.nan))


@pytest.mark.parametrize(
    ("accuracy", "verdict"),
    [(2 / 3 + 0.01, "healthy"), (2 / 3 - 0.01, "vanishing")],
)
def test_a_three_class_models_run_is_judged_against_a_third(accuracy, verdict):
    found = d.diagnosis(_view(accuracy, {"chance": 1 / 3}))
    assert found.verdict == verdict
    assert f"accuracy {accuracy:.2f} (chance 0.33)." in found.reason


def test_the_built_in_network_keeps_its_075_and_its_words():
    config = RunConfig(depth=1, width=4)
    found = d.diagnosis(_view(0.70, None, config))
    assert found.verdict == "vanishing"  # 0.70 < 0.75: what 3 classes would call healthy
    assert found.reason.endswith("; accuracy 0.70.")  # no chance quoted: as it always read


def test_chance_comes_from_the_majority_share_or_the_output_units_of_an_older_log():
    assert d.chance_of(_view(0.5, {"chance": 0.6})) == 0.6
    model = {"layers": [{"output_shape": [None, 8]}, {"output_shape": [None, 10]}]}
    view = _view(0.6, {"model": model})  # a log written before "chance" was
    assert d.chance_of(view) == pytest.approx(0.1)
    assert d.diagnosis(view).verdict == "healthy"  # 0.6 is above 0.55 for ten classes
    binary = {"model": {"layers": [{"output_shape": [None, 1]}]}}
    assert d.chance_of(_view(0.6, binary)) == 0.5


def test_where_chance_cannot_be_told_accuracy_does_not_make_a_run_vanishing():
    found = d.diagnosis(_view(0.2, {"title": "a model"}))
    assert found.verdict == "healthy"
    assert "accuracy 0.20 (chance not known)." in found.reason
