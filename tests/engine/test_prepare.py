"""Compiling ahead: the networks one key away are built and pooled while a run trains."""

from __future__ import annotations

from vgtui import background
from vgtui.config import RunConfig
from vgtui.engine import trainer as trainer_module
from vgtui.engine.device import choose_device
from vgtui.engine.prepare import ahead_of, neighbours, prepare
from vgtui.engine.trainer import HISTOGRAM_EVERY, Trainer, pooled, shape_key
from vgtui.engine.xla_tier import MIN_STEPS
from vgtui.records import HistogramBlock, RunStart, StepBlock
from vgtui.session.controller import RunController
from vgtui.sources.engine import EngineSource, app_engine_source


def key(config: RunConfig, histograms: int = 0) -> tuple[object, ...]:
    return shape_key(config, True, choose_device(config).device, True, histograms)


def test_the_neighbours_are_the_next_and_previous_activation_and_the_tutorials() -> None:
    names = [c.activation for c in neighbours(RunConfig(activation="relu"))]
    assert names == ["leaky_relu", "tanh", "sigmoid"]
    assert all(c.width == 5 and c.seed == RunConfig().seed for c in neighbours(RunConfig()))
    assert "sigmoid" not in [c.activation for c in neighbours(RunConfig())]


def test_a_prepared_network_is_the_one_the_next_run_takes(monkeypatch) -> None:
    config = RunConfig(activation="tanh", width=3, epochs=1, samples=64)
    assert not pooled(key(config))
    assert prepare([config]) == 1
    assert pooled(key(config))
    assert prepare([config]) == 0  # once is enough
    built = []
    monkeypatch.setattr(
        trainer_module.CompiledNetwork, "__init__", lambda *a, **k: built.append(a)
    )  # a run that had to build a network would fail here
    with Trainer(config) as trainer:
        assert trainer.network is not None
        assert trainer.network.xla is None  # no sweep of this shape to come: no XLA twin
    assert built == []


def test_the_shape_a_sweep_trains_long_gets_its_xla_twin_compiled_ahead() -> None:
    config = RunConfig(activation="softsign", width=2, samples=96, epochs=1)  # a shape of its own
    long = config.replace(epochs=-(-MIN_STEPS // config.steps_per_epoch), seed=2)
    short = config.replace(activation="selu")
    assert prepare([config, short], coming=[long, short]) == 2
    for each, has_twin in ((config, True), (short, False)):
        with Trainer(each) as trainer:  # takes the network prepared for it
            network = trainer.network
            assert network is not None
            try:
                assert (network.xla is not None) is has_twin
                if has_twin:
                    assert network.xla.ready.is_set() and network.xla.failure is None
            finally:
                network.xla = None  # later tests of the shape stay on the graph


def test_the_app_source_prepares_the_next_runs_once_its_own_trains(monkeypatch) -> None:
    """The app's runs count histograms, so the networks compiled ahead count them too."""
    config = RunConfig(activation="elu", width=2, epochs=1, samples=64)
    source = app_engine_source(config)
    records = []
    source.start(records.append)
    assert any(isinstance(r, StepBlock) for r in records)
    start = records[0]
    assert isinstance(start, RunStart) and start.info["histogram_every"] == HISTOGRAM_EVERY
    assert [r.steps.tolist() for r in records if isinstance(r, HistogramBlock)] == [[1]]
    for thread in background.working():
        thread.join(120)
    assert all(pooled(key(c, HISTOGRAM_EVERY)) for c in neighbours(config))
    assert not any(pooled(key(c)) for c in neighbours(config) if c.activation == "selu")
    built = []
    monkeypatch.setattr(
        trainer_module.CompiledNetwork, "__init__", lambda *a, **k: built.append(a)
    )  # the next run of the app takes a prepared network: it builds none
    with Trainer(neighbours(config)[0], histograms=True) as trainer:
        assert trainer.network is not None
    assert built == []


def test_what_is_prepared_is_one_config_of_each_shape_to_come_not_the_runs_own() -> None:
    config = RunConfig(activation="tanh")
    coming = [
        config.replace(seed=2),  # the run's own shape: its network comes back when it ends
        config.replace(activation="relu"),
        config.replace(activation="relu", seed=2),  # a shape listed already
        config.replace(activation="elu", seed=3),
    ]
    assert [(c.activation, c.seed) for c in ahead_of(config, coming, near=False)] == [
        ("relu", config.seed),
        ("elu", 3),
    ]
    near = [c.activation for c in ahead_of(config, coming, near=True)]
    assert near == ["relu", "elu", "sigmoid"]  # the sweep's, then one key away (relu known)


def test_a_sweep_tells_each_run_the_runs_after_it_and_the_engine_compiles_them() -> None:
    config = RunConfig(width=2, epochs=1, samples=64)
    sources: list[EngineSource] = []

    def factory(run_config: RunConfig) -> EngineSource:
        sources.append(EngineSource(run_config))
        return sources[-1]

    controller = RunController(config, factory)
    controller.start_sweep("activation", ("selu", "softsign"), (1, 2))
    first = sources[-1]
    assert [(c.activation, c.seed) for c in first.coming] == [
        ("selu", 2),
        ("softsign", 1),
        ("softsign", 2),
    ]
    softsign = first.coming[1]
    assert not pooled(key(softsign))
    run = controller.claim()
    controller.train(run)
    for thread in background.working():
        thread.join(120)
    assert pooled(key(softsign))  # compiled while the first run trained
    controller.finish(run)
    assert [(c.activation, c.seed) for c in sources[-1].coming] == [
        ("softsign", 1),
        ("softsign", 2),
    ]
