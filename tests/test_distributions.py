"""Bins, counts and percentiles (vgtui.distributions): plain numpy, no TensorFlow."""

import numpy as np
import pytest

from vgtui.config import ACTIVATIONS
from vgtui.distributions import PERCENTILES, QUANTITIES, BinSpec, count, percentiles, specs_for
from vgtui.distributions.bins import GRADIENT_BINS, linear, signed_log
from vgtui.distributions.reference import count_rows, moments
from vgtui.distributions.summary import share_between, totals

SPECS = sorted({spec for a in ACTIVATIONS for spec in specs_for(a).values()}, key=str)


def _awkward(rng, spec: BinSpec, n: int = 20_000) -> np.ndarray:
    """Values all over a spec: inside, on every edge, outside, zeros, ±0, ±inf, NaN."""
    e = spec.edges.astype(np.float64)
    span = max(abs(e[0]), abs(e[-1]))
    x = np.concatenate(
        [
            rng.uniform(e[0], e[-1], n),
            np.sign(rng.normal(size=n)) * 10 ** rng.uniform(-20, 6, n),
            e,
            np.nextafter(spec.edges, np.float32(np.inf)),
            [0.0, -0.0, np.inf, -np.inf, np.nan, np.nan, 2 * span, -2 * span],
        ]
    )
    return x.astype(np.float32)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_counts_add_up_to_the_number_of_values(spec):
    x = _awkward(np.random.default_rng(1), spec)
    c = count(x, spec)
    assert c.shape == (spec.slots,) and c.sum() == x.size
    assert c[spec.nan] == 2 and c[spec.zero] == np.count_nonzero(x == 0)
    rows = count_rows(x[: 3 * 1000].reshape(3, 10, 100), spec)
    assert rows.shape == (3, spec.slots) and (totals(rows) == 1000).all()


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_each_value_lands_in_the_bin_whose_edges_hold_it(spec):
    x = _awkward(np.random.default_rng(2), spec)
    c = count(x, spec)
    e = spec.edges
    finite = x[np.isfinite(x) & (x != 0)]
    assert c[spec.below] == np.count_nonzero(finite < e[0]) + 1  # and -inf
    assert c[spec.above] == np.count_nonzero(finite >= e[-1]) + 1  # and +inf
    for i in range(spec.bins):
        assert c[i + 1] == np.count_nonzero((finite >= e[i]) & (finite < e[i + 1]))


def test_edges_are_float32_increasing_and_the_bounded_ranges_include_their_ends():
    for spec in SPECS:
        assert spec.edges.dtype == np.float32 and (np.diff(spec.edges) > 0).all()
    sigmoid = specs_for("sigmoid")["activation"]
    c = count(np.array([0.0, 1e-30, 0.005, 0.01, 0.999, 1.0], np.float32), sigmoid)
    assert c[sigmoid.zero] == 1 and c[1] == 2 and c[2] == 1 and c[sigmoid.bins] == 2
    assert c[sigmoid.above] == 0
    tanh = specs_for("tanh")["activation"]
    c = count(np.array([-1.0, 1.0], np.float32), tanh)
    assert c[1] == 1 and c[tanh.bins] == 1
    assert GRADIENT_BINS.bins == 2 * 14 * 4 + 1  # 14 decades a side, and the bin around 0


def test_each_quantity_has_its_spec_and_bounded_activations_their_range():
    for activation in (*ACTIVATIONS, "softsign"):
        specs = specs_for(activation)
        assert tuple(specs) == QUANTITIES
    assert specs_for("sigmoid")["activation"] == linear(0, 1, 100)
    assert specs_for("softsign")["activation"] == linear(-1, 1, 200)
    assert specs_for("relu")["activation"].kind == "signed_log"
    assert specs_for("relu")["backprop"] == specs_for("relu")["grad"] == signed_log(-12, 2, 4)


def test_a_spec_survives_json():
    for spec in SPECS:
        again = BinSpec.from_json(spec.to_json())
        assert again == spec and np.array_equal(again.edges, spec.edges)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_percentiles_from_counts_fall_within_a_bin_of_the_values(activation):
    rng = np.random.default_rng(3)
    spec = specs_for(activation)["activation"]
    if activation == "sigmoid":
        x = 1 / (1 + np.exp(-rng.normal(0, 2, 50_000)))
    elif activation == "tanh":
        x = np.tanh(rng.normal(0, 1, 50_000))
    else:
        x = np.maximum(rng.normal(0, 3, 50_000), 0)  # half exact zeros
    x = x.astype(np.float32)
    got = percentiles(count(x, spec), spec)
    want = np.percentile(x, PERCENTILES)
    if spec.kind == "linear":
        np.testing.assert_allclose(got, want, atol=(spec.high - spec.low) / spec.per)
    else:
        ratio = 10 ** (1 / spec.per)
        for g, w in zip(got, want):
            assert g == w == 0 or w / ratio <= g <= w * ratio


def test_percentiles_of_signed_gradients_within_a_bin_and_of_nothing_nan():
    rng = np.random.default_rng(4)
    g = (rng.standard_normal(50_000) * 1e-4).astype(np.float32)
    got = percentiles(count(g, GRADIENT_BINS), GRADIENT_BINS)
    want = np.percentile(g, PERCENTILES)
    ratio = 10 ** (1 / GRADIENT_BINS.per)
    assert np.all(np.sign(got) == np.sign(want))
    assert np.all((np.abs(got) >= np.abs(want) / ratio) & (np.abs(got) <= np.abs(want) * ratio))
    assert np.isnan(percentiles(np.zeros(GRADIENT_BINS.slots), GRADIENT_BINS)).all()
    zeros = count(np.zeros(10, np.float32), GRADIENT_BINS)
    np.testing.assert_array_equal(percentiles(zeros, GRADIENT_BINS), 0.0)
    # Counts of many layers and steps at once: (steps, layers, slots) -> (steps, layers, 5).
    stacked = np.stack([count(g, GRADIENT_BINS), zeros])[None].repeat(3, axis=0)
    assert percentiles(stacked, GRADIENT_BINS).shape == (3, 2, len(PERCENTILES))


def test_the_share_near_zero_of_saturated_sigmoid_units():
    spec = specs_for("sigmoid")["activation"]
    x = np.concatenate([np.full(93, 0.004), np.full(7, 0.5), [np.nan]]).astype(np.float32)
    assert share_between(count(x, spec), spec, 0.0, 0.01) == pytest.approx(0.93)


def test_moments_are_of_all_the_values_in_float64():
    x = np.array([1.0, -2.0, 0.1, 3.0], np.float32)
    np.testing.assert_allclose(moments(x), [-2.0, 3.0, 2.1, 14.01], rtol=1e-7)
    assert moments(x).dtype == np.float64
    assert np.isnan(moments(np.array([1.0, np.nan]))).all()
    np.testing.assert_array_equal(moments(np.array([1.0, np.inf])), [1.0, np.inf, np.inf, np.inf])
