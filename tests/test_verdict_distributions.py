"""The distribution note's thresholds, from just inside and just outside, on chosen histograms.

Each history holds one counted step whose activations are chosen so that the
share the note reads lands a hair on either side of a threshold of
vgtui/diagnosis.py (1000 values a layer: a share moves by 0.001 a value).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.histograms import block_of
from tests.test_verdict_edges import epoch
from vgtui import diagnosis as d
from vgtui.config import RunConfig
from vgtui.diagnosis import distribution_note
from vgtui.history import History
from vgtui.records import RunStart

N = 1000
EPS = 0.01


def _layer(share: float, at: float, rest: float = 0.5, other: float | None = None) -> np.ndarray:
    """N activations: ``share`` at ``at`` (half at ``other`` if given), the rest at ``rest``."""
    k = round(share * N)
    near = np.full(k, at)
    if other is not None:
        near[: k // 2] = other
    return np.concatenate([near, np.full(N - k, rest)])


def note_of(
    activation: str,
    top: np.ndarray,
    saturation: float | None = None,
    dead: float | None = None,
) -> str | None:
    """The note of a two-hidden-layer run whose top hidden layer's activations are ``top``."""
    config = RunConfig(activation=activation, depth=2, width=4, samples=32, batch_size=8)
    history = History()
    history.record(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    sat = None if saturation is None else [0.0, saturation]
    dead_shares = None if dead is None else [0.0, dead]
    for record in epoch(1, [1e-2] * 3, saturation=sat, dead=dead_shares).records():
        history.record(record)
    lower = _layer(0.0, 0.0, rest=0.5 if activation == "sigmoid" else 0.3)

    def values(step: int, quantity: str) -> list[np.ndarray]:
        if quantity == "activation":
            return [lower, top]
        rows = 3 if quantity in ("grad", "weight") else 2
        return [np.full(10, 1e-3)] * rows

    history.record(block_of([1], values, activation=activation))
    return distribution_note(history.view())


@pytest.mark.parametrize(
    ("share", "at", "expected"),
    [
        (d.NEAR_BOUND_SHARE + EPS, 0.005, "dense_2: 91% of activations within 0.01 of 0"),
        (d.NEAR_BOUND_SHARE - EPS, 0.005, None),
        (d.NEAR_BOUND_SHARE + EPS, 0.05, "dense_2: 91% of activations within 0.1 of 0"),
        (d.NEAR_BOUND_SHARE - EPS, 0.05, None),
        (d.NEAR_BOUND_SHARE + EPS, 0.995, "dense_2: 91% of activations within 0.01 of 1"),
        (1.0, d.LOOSE + EPS, None),  # every value, but just beyond "near"
    ],
)
def test_sigmoid_pushed_to_a_bound(share, at, expected):
    assert note_of("sigmoid", _layer(share, at)) == expected


@pytest.mark.parametrize("activation", ["tanh", "softsign"])
@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (d.NEAR_BOUND_SHARE + EPS, "dense_2: 91% of activations within 0.01 of ±1"),
        (d.NEAR_BOUND_SHARE - EPS, None),
    ],
)
def test_tanh_and_softsign_saturated_at_both_bounds(activation, share, expected):
    top = _layer(share, 0.995, rest=0.2, other=-0.995)  # half at each bound: neither alone
    assert note_of(activation, top) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (d.ZERO_SHARE + EPS, "dense_2: 96% of activations exactly 0"),
        (d.ZERO_SHARE - EPS, None),
    ],
)
def test_relu_units_idle_for_nearly_every_example(share, expected):
    assert note_of("relu", _layer(share, 0.0, rest=1.5), dead=0.1) == expected


@pytest.mark.parametrize(
    ("share", "named"),
    [(d.DEGRADED_SHARE - EPS, True), (d.DEGRADED_SHARE + EPS, False)],
)
def test_a_layer_the_summary_already_names_is_left_to_the_verdict(share, named):
    saturated = note_of("sigmoid", _layer(1.0, 0.005), saturation=share)
    assert (saturated == "dense_2: 100% of activations within 0.01 of 0") is named
    assert named or saturated is None
    idle = note_of("relu", _layer(1.0, 0.0, rest=1.5), dead=share)
    assert (idle == "dense_2: 100% of activations exactly 0") is named
    assert named or idle is None


def test_a_run_without_histograms_has_no_note():
    config = RunConfig(depth=2, width=4, samples=32, batch_size=8)
    history = History()
    history.record(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    for record in epoch(1, [1e-2] * 3).records():
        history.record(record)
    assert distribution_note(history.view()) is None
