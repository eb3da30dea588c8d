"""Compiling ahead: the networks one key away are built and pooled while a run trains."""

from __future__ import annotations

import threading

from vgtui.config import RunConfig
from vgtui.engine import trainer as trainer_module
from vgtui.engine.device import choose_device
from vgtui.engine.prepare import neighbours, prepare
from vgtui.engine.trainer import Trainer, pooled, shape_key
from vgtui.records import StepBlock
from vgtui.sources.engine import EngineSource


def key(config: RunConfig) -> tuple[object, ...]:
    return shape_key(config, True, choose_device(config).device)


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
    assert built == []


def test_the_app_source_prepares_the_next_runs_once_its_own_trains() -> None:
    config = RunConfig(activation="elu", width=2, epochs=1, samples=64)
    source = EngineSource(config, prepare_next=True)
    blocks = []
    source.start(lambda r: blocks.append(r) if isinstance(r, StepBlock) else None)
    assert blocks
    threads = [t for t in threading.enumerate() if t.name == "vgtui-prepare"]
    for thread in threads:
        thread.join(120)
    assert all(pooled(key(c)) for c in neighbours(config))
