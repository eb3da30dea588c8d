"""The history's histograms: bounded, thinned evenly, and the plain API a screen reads."""

from __future__ import annotations

import numpy as np
import pytest

from tests.epochs import Epoch
from tests.histograms import block_of, normal_values
from vgtui.config import RunConfig
from vgtui.distributions import PERCENTILES, count, percentiles, specs_for
from vgtui.distributions.over_time import KEPT_STEPS, MAX_STEPS, thin_evenly
from vgtui.history import History
from vgtui.records import RunStart

CONFIG = RunConfig(depth=2, width=4, samples=32, batch_size=8)  # 4 steps an epoch
LAYERS = len(CONFIG.layer_names)


def _epoch(number: int) -> Epoch:
    steps = CONFIG.steps_per_epoch
    return Epoch(
        epoch=number,
        first_step=(number - 1) * steps + 1,
        step_loss=np.ones(steps),
        step_accuracy=np.ones(steps),
        step_stats=np.zeros((steps, LAYERS, 8)),
        loss=1.0,
        accuracy=0.5,
    )


def _history(info: dict | None = None) -> History:
    history = History()
    history.record(RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7, info=info or {}))
    return history


def test_a_run_without_histograms_has_none():
    history = _history()
    for record in _epoch(1).records():
        history.record(record)
    assert history.view().histograms is None


def test_bands_histograms_and_activation_statistics_are_the_counts():
    values = normal_values(LAYERS)
    history = _history()
    for epoch in (1, 2):
        for record in _epoch(epoch).records():
            history.record(record)
    history.record(block_of([1, 3, 5], values, every=2))
    h = history.view().histograms
    specs = specs_for("sigmoid")
    assert h.every == 2 and h.counted == 3 and h.steps.tolist() == [1, 3, 5]
    assert h.quantities == ("grad", "weight", "activation", "backprop")
    assert h.layers("grad") == ("dense_1", "dense_2", "output")
    assert h.layers("activation") == ("dense_1", "dense_2")
    # Bands: the percentiles of each counted step's counts.
    bands = h.bands("backprop", "dense_2")
    assert bands.percentiles == PERCENTILES and bands.steps.tolist() == [1, 3, 5]
    spec = specs["backprop"]
    want = [percentiles(count(np.float32(values(s, "backprop")[1]), spec), spec) for s in (1, 3, 5)]
    np.testing.assert_array_equal(bands.values, want)
    assert bands.values[0, 0] < bands.values[0, 2] < bands.values[0, 4]
    # The histogram at or before a step; none before the first counted one.
    assert h.histogram_at("grad", 0, 0) is None
    at = h.histogram_at("grad", "dense_1", 4)
    assert at.step == 3 and at.layer == "dense_1"
    full = count(np.float32(values(3, "grad")[0]), specs["grad"])
    np.testing.assert_array_equal(at.counts, full[1 : specs["grad"].bins + 1])
    assert at.total == 200 and len(at.edges) == len(at.counts) + 1
    assert h.histogram_at("weight", -1, 99).step == 5  # the output layer, the latest step
    # The activations' mean and SD over time (the paper's Fig. 2).
    steps, mean, sd = h.activation_stats("dense_2")
    np.testing.assert_allclose(mean, [np.float32(values(s, "activation")[1]).mean() for s in steps])
    np.testing.assert_allclose(sd, [np.float32(values(s, "activation")[1]).std() for s in steps])
    with pytest.raises(KeyError):
        h.bands("activation", "output")  # the output layer has no activation row


def test_a_long_run_keeps_a_bounded_number_spread_evenly_the_first_and_the_latest():
    values = normal_values(LAYERS, size=20)
    history = _history()
    counted = 3 * MAX_STEPS + 5
    for start in range(0, counted, 10):  # blocks of 10 counted steps, every 100th step
        steps = [1 + 100 * i for i in range(start, min(start + 10, counted))]
        history.record(block_of(steps, values))
    h = history.view().histograms
    assert h.counted == counted and len(h) <= MAX_STEPS + 1
    steps = h.steps
    assert steps[0] == 1 and steps[-1] == 1 + 100 * (counted - 1)
    gaps = np.diff(steps[:-1])
    assert (gaps == gaps[0]).all()  # evenly spread, the latest besides
    # A run kept for the comparison keeps fewer, evenly, the latest still among them.
    kept = history.view().thinned(512).histograms
    assert len(kept) <= KEPT_STEPS and kept.steps[-1] == steps[-1] and kept.steps[0] == 1


def test_the_time_cursor_sees_the_histograms_up_to_its_epoch():
    history = _history()
    for epoch in (1, 2, 3):
        for record in _epoch(epoch).records():
            history.record(record)
        first = (epoch - 1) * 4 + 1
        history.record(block_of([first, first + 2], normal_values(LAYERS), every=2))
    view = history.view()
    assert view.until_epoch(2).histograms.steps.tolist() == [1, 3, 5, 7]
    assert view.until_epoch(2).histograms.counted == 4
    assert view.until_epoch(0).histograms.steps.tolist() == []
    assert view.until_epoch(0).histograms.histogram_at("grad", 0, 5) is None


def test_a_models_start_record_names_the_rows_of_each_quantity():
    info = {"histogram_layers": {"activation": ["conv", "pool", "flat"]}}
    history = _history(info)
    values = normal_values(4)  # 4 kernels' rows; 3 activation rows
    history.record(block_of([1], values, every=1))
    h = history.view().histograms
    assert h.layers("activation") == ("conv", "pool", "flat")
    assert h.histogram_at("activation", "pool", 1).total == 200


def test_thin_evenly_keeps_the_ends():
    assert thin_evenly(list(range(10)), 4) == [0, 3, 6, 9]
    assert thin_evenly(list(range(3)), 4) == [0, 1, 2]
