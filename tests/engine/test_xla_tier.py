"""The XLA tier: a run that moves onto its network's XLA twin records what the plain graph does."""

from __future__ import annotations

import threading

import numpy as np

from vgtui.config import RunConfig
from vgtui.engine import xla_tier
from vgtui.engine.device import Placement
from vgtui.engine.trainer import CompiledNetwork, Trainer
from vgtui.engine.xla_tier import XlaTwin, eligible
from vgtui.records import EpochEnd, Record, RunSummary, StepBlock

#: Float32 rounding apart: XLA fuses and reorders the same arithmetic.
LOSS_TOLERANCE = 1e-5
STATS_RTOL = 1e-3


def run_plain(config: RunConfig) -> tuple[list[Record], np.ndarray]:
    """Train ``config`` on the plain graph; its records and final weights."""
    records: list[Record] = []
    with Trainer(config) as trainer:
        network = trainer.network
        assert network is not None and network.xla is None
        trainer.run(records.append, threading.Event())
        return records, network.model.params.numpy()


def run_tiered(config: RunConfig, ready_after: int) -> tuple[list[Record], np.ndarray]:
    """Train ``config``, its network's XLA twin ready once epoch ``ready_after`` is handed on.

    The twin is compiled first and held back until then; it is taken off the
    network afterwards, so that later runs of the shape stay on the plain graph.
    """
    records: list[Record] = []
    trainer = Trainer(config)
    network = trainer.network
    assert network is not None
    twin = XlaTwin(
        network,
        lambda: CompiledNetwork(
            network.config, network.diagnostics, network.placement, network.boundary
        ),
    )
    twin.build()
    assert twin.failure is None and twin.ready.is_set()
    compiled, twin.ready = twin.ready, threading.Event()

    def emit(record: Record) -> None:
        records.append(record)
        if isinstance(record, EpochEnd) and record.epoch == ready_after:
            twin.ready.set()

    network.xla = twin
    try:
        if ready_after == 0:
            twin.ready = compiled
        trainer.run(emit, threading.Event())
        return records, network.model.params.numpy()
    finally:
        network.xla = None


def of_kind(records: list[Record], kind: type) -> list:
    return [r for r in records if isinstance(r, kind)]


def assert_same_run(plain: list[Record], tiered: list[Record]) -> None:
    """The two runs' records agree, step by step and epoch by epoch."""
    for kind in (StepBlock, EpochEnd):
        assert len(of_kind(plain, kind)) == len(of_kind(tiered, kind)), kind
    for a, b in zip(of_kind(plain, StepBlock), of_kind(tiered, StepBlock), strict=True):
        assert (a.epoch, a.first_step) == (b.epoch, b.first_step)
        np.testing.assert_allclose(a.step_loss, b.step_loss, atol=LOSS_TOLERANCE, rtol=1e-5)
        np.testing.assert_allclose(a.step_accuracy, b.step_accuracy, atol=1 / 32 + 1e-9, rtol=0)
        np.testing.assert_allclose(a.step_stats, b.step_stats, rtol=STATS_RTOL, atol=1e-9)
    for a, b in zip(of_kind(plain, EpochEnd), of_kind(tiered, EpochEnd), strict=True):
        assert (a.epoch, a.diverged_layer, a.diverged_step) == (
            b.epoch,
            b.diverged_layer,
            b.diverged_step,
        )
        if a.diverged_layer is None:
            assert abs(a.loss - b.loss) < LOSS_TOLERANCE
        assert (a.boundary is None) == (b.boundary is None)
        if a.boundary is not None:
            np.testing.assert_allclose(a.boundary.probability, b.boundary.probability, atol=1e-4)


def test_a_run_that_moves_onto_xla_mid_run_is_the_same_run() -> None:
    """Same shuffles, same weights, same optimizer state: the swap is invisible in the records."""
    config = RunConfig(epochs=24)  # the tutorial's network: 8 epochs a call
    plain, plain_weights = run_plain(config)
    tiered, tiered_weights = run_tiered(config, ready_after=8)
    assert_same_run(plain, tiered)
    summary = of_kind(tiered, RunSummary)[0]
    assert summary.xla_from_epoch == 9  # the first call after the twin was ready
    # The header says so from the start: the run begins on the graph, its twin compiling.
    assert tiered[0].info["compiled"] == "graph, then XLA"
    assert "compiled" not in plain[0].info
    assert of_kind(plain, RunSummary)[0].xla_from_epoch is None
    assert summary.to_dict()["xla_from_epoch"] == 9
    # The run's state came back to the network: its weights are the run's last.
    np.testing.assert_allclose(plain_weights, tiered_weights, rtol=STATS_RTOL, atol=1e-6)


def test_a_run_that_diverges_on_xla_stops_at_the_same_step_and_layer() -> None:
    config = RunConfig(
        optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8, width=64, epochs=5
    )
    plain, _ = run_plain(config)
    tiered, _ = run_tiered(config, ready_after=0)
    assert of_kind(plain, RunSummary)[0].diverged_step is not None
    assert_same_run(plain, tiered)
    assert of_kind(tiered, RunSummary)[0].xla_from_epoch == 1
    assert tiered[0].info["compiled"] == "XLA"


def test_only_long_runs_of_small_networks_counting_no_histograms_ask_for_a_twin(
    monkeypatch,
) -> None:
    asked: list[object] = []
    monkeypatch.setattr(XlaTwin, "compile_in_background", lambda self: asked.append(self))
    tutorial = RunConfig(epochs=2)
    cases = [
        (tutorial, {}, 0),  # 64 steps: too short
        (tutorial, {"steps_after": xla_tier.MIN_STEPS}, 1),  # a sweep's runs of the shape follow
        (tutorial.replace(epochs=1300), {}, 1),  # 41,600 steps
        (tutorial.replace(epochs=1300), {"histograms": 100}, 0),  # histograms: plain graph
        (tutorial.replace(epochs=1300, depth=8, width=64), {}, 0),  # 29,377 parameters
    ]
    for config, options, expected in cases:
        before = len(asked)
        trainer = Trainer(config, **options)
        network = trainer.network
        assert network is not None
        try:
            trainer._ask_for_xla(network)
            assert len(asked) - before == expected, (config.describe(), options)
            assert (network.xla is not None) == bool(expected)
        finally:
            network.xla = None
            trainer.close()


def test_a_network_placed_on_a_gpu_stays_on_the_plain_graph() -> None:
    """No GPU was there to measure XLA against the graph on: the tier is the CPU's."""
    with Trainer(RunConfig()) as trainer:
        network = trainer.network
        assert network is not None and eligible(network)
        placement = network.placement
        try:
            network.placement = Placement("/device:GPU:0", "GPU 0")
            assert not eligible(network)
        finally:
            network.placement = placement
