"""The run verdict on the networks the tutorial compares, and on forced failures."""

import threading

import pytest

from vgtui.config import RunConfig
from vgtui.diagnosis import diagnose
from vgtui.engine.trainer import Trainer
from vgtui.history import History


def _verdict(config: RunConfig) -> tuple[str, str]:
    history = History()
    Trainer(config).run(history.record, threading.Event())
    return diagnose(history.view())


#: Seed 11 was not among the runs the thresholds were chosen from.
@pytest.mark.parametrize("seed", [1, 42, 11])
def test_the_tutorials_sigmoid_network_reads_vanishing(seed):
    verdict, reason = _verdict(RunConfig(seed=seed))
    assert verdict == "vanishing", reason
    assert "decades" in reason and "below the output layer" in reason


@pytest.mark.parametrize(
    ("activation", "init"), [("tanh", "normal"), ("relu", "normal"), ("relu", "he_normal")]
)
@pytest.mark.parametrize("seed", [1, 42, 11])
def test_tanh_and_relu_read_healthy(activation, init, seed):
    verdict, reason = _verdict(RunConfig(activation=activation, init=init, seed=seed))
    assert verdict == "healthy", reason


def test_a_deep_wide_relu_network_with_unit_normal_weights_reads_exploding():
    verdict, reason = _verdict(RunConfig(activation="relu", depth=10, width=32, epochs=3))
    assert verdict == "exploding", reason


def test_a_forced_divergence_reads_diverged():
    config = RunConfig(
        optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8, width=64
    )
    verdict, reason = _verdict(config)
    assert verdict == "diverged"
    assert "step" in reason


def test_no_verdict_before_the_first_epoch():
    assert diagnose(History().view()) == ("", "")


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"depth": 48, "epochs": 3}, "exactly zero"),
        # seed 42: a run whose dense_4 dies whole (seed 6's loses 80% of dense_2 instead)
        (
            {"activation": "relu", "lr": 100.0, "epochs": 20, "seed": 42},
            "Every unit of dense_4 is dead",
        ),
        ({"activation": "elu", "lr": 10.0, "epochs": 20}, "exactly zero"),
    ],
)
def test_the_worst_cases_read_vanishing_and_say_where(changes, named):
    verdict, reason = _verdict(RunConfig(**changes))
    assert verdict == "vanishing", reason
    assert named in reason


def test_a_spiral_with_many_dead_relus_is_not_plainly_healthy():
    verdict, reason = _verdict(RunConfig(dataset="spiral", activation="relu", init="he_normal"))
    assert verdict == "healthy"
    assert "units are dead" in reason
