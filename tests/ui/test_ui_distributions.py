"""The distribution screen: bands over time and histograms at a step, from counted histograms."""

from __future__ import annotations

import numpy as np
import pytest

from vgtui.config import RunConfig
from vgtui.display.distributions import DRAWN_BINS, distributions_frame, to_axis
from vgtui.distributions import count, moments, specs_for
from vgtui.history import History
from vgtui.records import HistogramBlock, RunStart, RunSummary
from vgtui.sources import EventSource
from vgtui.ui.app import make_app
from vgtui.ui.screens.distributions import DistributionsScreen

CONFIG = RunConfig(epochs=2)
STEPS = (1, 11, 21)


def values_at(step: int, layer: int, size: int = 400) -> np.ndarray:
    """A hidden layer's sigmoid activations at a counted step: drifting toward 0 with depth."""
    rng = np.random.default_rng(step * 10 + layer)
    centre = 0.5 - 0.1 * layer * step / STEPS[-1]
    return np.clip(rng.normal(centre, 0.1, size), 0.0, 1.0)


def block() -> HistogramBlock:
    """Counted histograms of every quantity at STEPS, counted by the numpy reference."""
    specs = specs_for("sigmoid")
    names = CONFIG.layer_names
    counts, moms = {}, {}
    for quantity, spec in specs.items():
        rows = names[:-1] if quantity in ("activation", "backprop") else names
        per_step_counts, per_step_moments = [], []
        for step in STEPS:
            layer_values = [
                values_at(step, i) if quantity == "activation" else values_at(step, i) - 0.5
                for i in range(len(rows))
            ]
            per_step_counts.append([count(v, spec) for v in layer_values])
            per_step_moments.append([moments(v) for v in layer_values])
        counts[quantity] = np.array(per_step_counts, dtype=np.int64)
        moms[quantity] = np.array(per_step_moments)
    act = [[values_at(s, i) for i in range(len(names) - 1)] for s in STEPS]
    return HistogramBlock(
        steps=np.array(STEPS),
        every=10,
        specs=specs,
        counts=counts,
        moments=moms,
        activation_mean=np.array([[v.mean() for v in row] for row in act]),
        activation_sd=np.array([[v.std() for v in row] for row in act]),
    )


def history() -> History:
    h = History()
    h.record(RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7))
    h.record(block())
    return h


def test_the_histogram_drawn_is_the_share_of_the_values_in_each_bin() -> None:
    frame = distributions_frame(history().view(), "activation", 11, CONFIG.total_steps)
    assert frame.step == 11 and frame.every == 10
    spec = frame.spec
    assert spec is not None and len(frame.histograms) == len(CONFIG.layer_names) - 1
    for layer, curve in enumerate(frame.histograms):
        values = values_at(11, layer)
        size = -(-spec.bins // DRAWN_BINS)
        edges = spec.edges.astype(np.float64)[::size]
        edges = np.append(edges, spec.edges[-1]) if len(edges) <= len(curve.share) else edges
        expected, _ = np.histogram(values.astype(np.float32), bins=edges[: len(curve.share) + 1])
        assert len(curve.share) <= DRAWN_BINS
        assert curve.share.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(curve.share * len(values), expected, atol=1)


def test_the_bands_are_the_percentiles_of_the_values_over_the_counted_steps() -> None:
    frame = distributions_frame(history().view(), "activation", None, CONFIG.total_steps)
    assert frame.step == STEPS[-1]
    for layer, bands in enumerate(frame.bands):
        assert list(bands.steps) == list(STEPS)
        for i, step in enumerate(STEPS):
            median = np.percentile(values_at(step, layer), 50)
            assert bands.values[i, 2] == pytest.approx(median, abs=0.011)  # a bin is 0.01 wide


def test_gradients_are_drawn_on_a_signed_log_axis() -> None:
    spec = specs_for("sigmoid")["grad"]
    axis = to_axis(np.array([-(10.0**spec.high), -1e-3, 0.0, 1e-3, 10.0**spec.high]), spec)
    assert axis[2] == 0 and axis[1] == -axis[3] and axis[0] < axis[1] < 0 < axis[3] < axis[4]


def test_a_run_without_histograms_says_so() -> None:
    h = History()
    h.record(RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7))
    frame = distributions_frame(h.view(), "activation", None, CONFIG.total_steps)
    assert frame.missing and not frame.bands


async def counted(pilot) -> None:
    """Wait until the run has ended, its histograms stored."""
    for _ in range(400):
        view = pilot.app.controller.current.history.view()
        if view.ended and view.histograms is not None and pilot.app.controller.training is None:
            return
        await pilot.pause(0.05)
    raise AssertionError("the run never ended")


class Counted(EventSource):
    """A run that counts histograms, then ends."""

    def start(self, emit):
        emit(RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7))
        emit(block())
        return RunSummary(0.5, 0.5, 0.7, 1.0, 0, 0)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_distribution_screen(snap_compare, size) -> None:
    app = make_app(CONFIG, lambda config: Counted(), show_timing=False)

    async def opened(pilot) -> None:
        await counted(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DistributionsScreen)
        await pilot.press("left")  # the histograms a counted step back
        await pilot.pause()
        assert pilot.app.screen.frame.step == STEPS[1]

    assert snap_compare(app, terminal_size=size, run_before=opened)


async def test_tab_goes_through_the_quantities_and_escape_back(wait_until) -> None:
    app = make_app(CONFIG, lambda config: Counted(), show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await counted(pilot)
        await pilot.press("v")
        screen = app.screen
        assert isinstance(screen, DistributionsScreen) and screen.quantity == "activation"
        await pilot.press("tab")
        assert screen.quantity == "backprop"
        await pilot.press("end", "left", "left")
        assert screen.frame is not None and screen.frame.step == STEPS[0]
        await pilot.press("escape")
        assert not isinstance(app.screen, DistributionsScreen)


def test_the_activations_mean_and_sd_over_time_are_the_papers_fig_2() -> None:
    frame = distributions_frame(history().view(), "activation", None, 64, moments=True)
    for layer, bands in enumerate(frame.bands):
        for i, step in enumerate(STEPS):
            values = values_at(step, layer)
            assert bands.values[i, 2] == pytest.approx(values.mean())
            assert bands.values[i, 3] - bands.values[i, 2] == pytest.approx(values.std())
