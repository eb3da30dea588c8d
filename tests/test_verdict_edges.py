"""Every threshold of the verdict, from just inside and just outside, on synthetic histories.

Each history is built from per-step statistics chosen so that the measured
quantity lands a hair on either side of a threshold of vgtui/diagnosis.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.epochs import Epoch
from vgtui import diagnosis as d
from vgtui.config import RunConfig
from vgtui.diagnosis import diagnosis
from vgtui.history import History
from vgtui.records import STAT_INDEX, STAT_NAMES, RunStart, RunSummary

CONFIG = RunConfig(depth=2, width=4, samples=32, batch_size=8)  # 4 steps an epoch
STEPS = CONFIG.steps_per_epoch
EPS = 0.01


def epoch(
    number: int,
    sd: list[float],
    norm: list[float] | None = None,
    accuracy: float = 0.9,
    dead: list[float] | None = None,
    saturation: list[float] | None = None,
) -> Epoch:
    """One epoch whose every step has these per-layer statistics (hidden layers, then output)."""
    layers = len(sd)
    stats = np.full((STEPS, layers, len(STAT_NAMES)), np.nan)
    stats[:, :, STAT_INDEX["grad_mean"]] = 0.0
    stats[:, :, STAT_INDEX["grad_sd"]] = sd
    stats[:, :, STAT_INDEX["grad_norm"]] = norm if norm is not None else [0.1] * layers
    stats[:, :, STAT_INDEX["weight_mean"]] = 0.0
    stats[:, :, STAT_INDEX["weight_sd"]] = 1.0
    if dead is not None:
        stats[:, :-1, STAT_INDEX["dead"]] = dead
    if saturation is not None:
        stats[:, :-1, STAT_INDEX["saturation"]] = saturation
    return Epoch(
        epoch=number,
        first_step=(number - 1) * STEPS + 1,
        step_loss=np.full(STEPS, 0.5),
        step_accuracy=np.full(STEPS, accuracy),
        step_stats=stats,
        loss=0.5,
        accuracy=accuracy,
    )


def verdict_of(*epochs: Epoch, ended: bool = False) -> d.Diagnosis:
    history = History()
    history.record(RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7))
    for epoch in epochs:
        for record in epoch.records():
            history.record(record)
    if ended:
        history.record(RunSummary(0.5, 0.5, 0.7, math.nan, 0, 0, stopped=True))
    return diagnosis(history.view())


def ratio(decades: float) -> list[float]:
    """Gradient SDs with the first hidden layer ``decades`` from the output layer."""
    return [1e-2 * 10**decades, 1e-2, 1e-2]


@pytest.mark.parametrize(
    ("decades", "accuracy", "expected"),
    [
        (d.VANISHING_DECADES - EPS, 0.99, "vanishing"),
        (d.VANISHING_DECADES + EPS, 0.99, "healthy"),
        (d.WEAK_DECADES - EPS, d.STUCK_ACCURACY - EPS, "vanishing"),
        (d.WEAK_DECADES - EPS, d.STUCK_ACCURACY + EPS, "healthy"),
        (d.WEAK_DECADES + EPS, d.STUCK_ACCURACY - EPS, "healthy"),
        (d.EXPLODING_DECADES + EPS, 0.99, "exploding"),
        (d.EXPLODING_DECADES - EPS, 0.99, "healthy"),
    ],
)
def test_decade_thresholds(decades: float, accuracy: float, expected: str) -> None:
    found = verdict_of(epoch(1, ratio(decades), accuracy=accuracy))
    assert found.verdict == expected, found.reason
    assert f"{abs(decades):.1f} decades" in found.reason


@pytest.mark.parametrize(
    ("largest", "expected"),
    [(d.EXPLODING_NORM * (1 + EPS), "exploding"), (d.EXPLODING_NORM * (1 - EPS), "healthy")],
)
def test_norm_threshold(largest: float, expected: str) -> None:
    found = verdict_of(epoch(1, ratio(0.0), norm=[0.1, largest, 0.1]))
    assert found.verdict == expected, found.reason
    if expected == "exploding":
        assert "dense_2's gradient norm" in found.reason


@pytest.mark.parametrize(
    ("growth", "expected"),
    [(d.GROWTH_DECADES + EPS, "exploding"), (d.GROWTH_DECADES - EPS, "healthy")],
)
def test_growth_threshold(growth: float, expected: str) -> None:
    start = 1e-4
    found = verdict_of(
        epoch(1, ratio(0.0), norm=[start] * 3),
        epoch(2, ratio(0.0), norm=[start * 10**growth] * 3),
    )
    assert found.verdict == expected, found.reason


@pytest.mark.parametrize(
    ("share", "kind", "expected_note"),
    [
        (d.DEGRADED_SHARE + EPS, "dead", True),
        (d.DEGRADED_SHARE - EPS, "dead", False),
        (d.DEGRADED_SHARE + EPS, "saturation", True),
    ],
)
def test_a_healthy_run_with_many_dead_or_saturated_units_is_qualified(
    share: float, kind: str, expected_note: bool
) -> None:
    shares = {kind: [0.0, share]}
    found = verdict_of(epoch(1, ratio(0.2), **shares))
    assert found.verdict == "healthy"
    word = "dead" if kind == "dead" else "saturated"
    assert (f"of dense_2's units are {word}" in found.reason) == expected_note
    assert (f"{share:.0%} {word} units in dense_2" in found.short) == expected_note


def test_a_gradient_exactly_zero_reads_vanishing_and_names_the_layers() -> None:
    found = verdict_of(epoch(1, [0.0, 1e-3, 1e-2]))
    assert found.verdict == "vanishing"
    assert "gradient of dense_1 is exactly zero" in found.reason


def test_a_dead_layer_is_named_and_beats_a_healthy_history() -> None:
    healthy = epoch(1, ratio(0.3))
    dead = epoch(2, [0.0, 0.0, 0.0], dead=[0.2, 1.0])
    found = verdict_of(*[healthy] * 1, dead)
    assert found.verdict == "vanishing", found.reason
    assert "Every unit of dense_2 is dead" in found.reason
    assert "dense_1 to output" in found.reason


def test_zero_steps_count_in_the_median() -> None:
    # Three epochs at -0.5 decades with high accuracy would be healthy; four more epochs
    # whose first-layer gradient is exactly zero (but not the latest) pull the median down.
    epochs = [epoch(i, ratio(-0.5)) for i in range(1, 4)]
    epochs += [epoch(i, [0.0, 1e-2, 1e-2]) for i in range(4, 8)]
    epochs.append(epoch(8, ratio(-0.5)))
    found = verdict_of(*epochs)
    assert found.verdict == "vanishing"
    assert "exactly zero in most steps" in found.reason


def test_diverged() -> None:
    record = epoch(1, ratio(0.0))
    diverged = Epoch(**{**record.__dict__, "diverged_layer": 1, "diverged_step": 3})
    found = verdict_of(diverged)
    assert found.verdict == "diverged"
    assert "step 3, first in dense_2" in found.reason


def test_no_verdict_before_the_first_epoch_and_a_reason_once_ended() -> None:
    assert verdict_of() == d.Diagnosis("", "", "")
    ended = verdict_of(ended=True)
    assert ended.verdict == "" and "No epoch ended" in ended.reason
