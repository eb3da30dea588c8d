"""The run controller without Textual or TensorFlow: one trainer, sweeps, kept runs, finalize."""

from __future__ import annotations

import math
import subprocess
import sys
import threading

import numpy as np
import pytest

from tests.core.synthetic import SyntheticSource
from vgtui.config import RunConfig
from vgtui.session.controller import RunController

#: Four hidden layers and the output: the first hidden layer's SD is 100x smaller.
VANISHING_SD = np.array([1e-4, 1e-3, 3e-3, 5e-3, 1e-2])
CONFIG = RunConfig(epochs=3, samples=64, batch_size=32)


class Sources:
    """A source factory that keeps every source it makes."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.made: list[SyntheticSource] = []
        self.gate = gate

    def __call__(self, config: RunConfig) -> SyntheticSource:
        source = SyntheticSource(config, VANISHING_SD, gate=self.gate)
        self.made.append(source)
        return source


def train_in_thread(controller: RunController):
    run = controller.claim()
    assert run is not None
    thread = threading.Thread(target=controller.train, args=(run,))
    thread.start()
    return run, thread


def test_finalize_gives_the_verdict_and_both_decades() -> None:
    controller = RunController(CONFIG, Sources())
    run = controller.claim()
    controller.train(run)
    ended = controller.finish(run)
    assert ended.summary.verdict == "vanishing"
    # log10(1e-4 / 1e-2) = -2 at every step: the median and the last epoch agree.
    assert ended.summary.first_layer_decades_median == pytest.approx(-2.0)
    assert ended.summary.first_layer_decades_latest == pytest.approx(-2.0)
    assert ended.summary.grad_sd_ratio == pytest.approx(1e-2)
    assert "2.0 decades" in ended.summary.verdict_reason
    assert ended.kept is not None and ended.kept.summary == ended.summary
    assert controller.kept.runs == [ended.kept]


def test_at_most_one_run_trains_and_a_restart_waits_for_it() -> None:
    gate = threading.Event()
    sources = Sources(gate)
    controller = RunController(CONFIG, sources)
    first, thread = train_in_thread(controller)
    assert sources.made[0].started.wait(5)
    second = controller.restart(CONFIG.replace(activation="tanh"))
    assert controller.claim() is None, "a second run claimed while the first trains"
    assert sources.made[0].stopped.is_set()
    thread.join(5)
    assert not thread.is_alive()
    assert first.ended.is_set() and sources.made[0].closed, "the source was not closed"
    controller.finish(first)
    assert controller.claim() is second
    assert controller.claim() is None, "the same run claimed twice"


def test_a_stopped_run_is_kept_as_stopped_and_summarized_from_its_records() -> None:
    def holding(config: RunConfig) -> SyntheticSource:
        return SyntheticSource(config, VANISHING_SD, hold_after=2)

    controller = RunController(CONFIG.replace(epochs=5), holding)
    run, thread = train_in_thread(controller)
    while run.history.view().latest is None or run.history.view().latest.epoch < 2:
        thread.join(0.01)
    controller.restart()
    thread.join(5)
    ended = controller.finish(run)
    assert ended.kept.state == "stopped"
    assert ended.summary.stopped
    assert (ended.summary.epochs, ended.summary.steps) == (2, 4)
    assert ended.summary.verdict == "vanishing"


def test_a_failed_source_is_closed_and_its_run_kept_as_failed() -> None:
    def failing(config: RunConfig) -> SyntheticSource:
        return SyntheticSource(config, VANISHING_SD, fail=RuntimeError("out of cheese"))

    controller = RunController(CONFIG, failing)
    run = controller.claim()
    with pytest.raises(RuntimeError):
        controller.train(run)
    assert run.source.closed
    ended = controller.finish(run)
    assert ended.view.state == "failed"
    assert "out of cheese" in ended.view.error
    assert ended.kept.state == "failed"


def test_a_sweep_runs_each_value_then_ends_and_a_cancel_restores_the_settings() -> None:
    sources = Sources()
    base = CONFIG.replace(seed=7)
    controller = RunController(base, sources)
    controller.start_sweep("activation")
    done = []
    while (run := controller.claim()) is not None:
        controller.train(run)
        done.append(controller.finish(run))
    assert [e.run.config.activation for e in done] == ["sigmoid", "tanh", "relu"]
    assert [e.sweep_done for e in done] == [False, False, True]
    assert {e.run.config.seed for e in done} == {7}
    assert not controller.sweep.active

    controller.start_sweep("init")
    assert controller.current.config.init == "normal"
    run = controller.claim()
    controller.train(run)
    controller.finish(run)  # the sweep moves on to glorot_uniform
    assert controller.current.config.init == "glorot_uniform"
    controller.cycle("activation", 1)  # a switch cancels the sweep...
    assert not controller.sweep.active
    # ...and applies to the settings from before it (relu, normal): the next activation.
    assert (controller.config.activation, controller.config.init) == ("leaky_relu", "normal")


def test_previous_is_the_last_finished_run_other_than_the_current() -> None:
    controller = RunController(CONFIG, Sources())
    assert controller.previous is None
    run = controller.claim()
    controller.train(run)
    first = controller.finish(run).kept
    assert controller.previous is None, "the current run is its own 'before'"
    controller.restart()
    assert controller.previous is first
    run = controller.claim()
    controller.train(run)
    second = controller.finish(run).kept
    assert controller.previous is first
    controller.restart()
    assert controller.previous is second


def test_pause_holds_the_source() -> None:
    gate = threading.Event()
    controller = RunController(CONFIG, Sources(gate))
    run, thread = train_in_thread(controller)
    assert controller.toggle_pause()
    assert run.source.paused.is_set() and run.paused
    gate.set()
    thread.join(0.2)
    assert thread.is_alive(), "a paused run went on"
    assert not controller.toggle_pause()
    thread.join(5)
    assert not thread.is_alive()
    assert math.isfinite(controller.finish(run).summary.accuracy_after)


@pytest.mark.parametrize(
    "module",
    [
        "vgtui.session.controller",
        "vgtui.sources",
        "vgtui.sources.engine",
        "vgtui.sources.replay",
        "vgtui.session.kept",
        "vgtui.session.summary",
        "vgtui.cli.headless",
        "vgtui.display.series",
        "vgtui.display.story",
        "vgtui.display.intro",
        "vgtui.session.epoch_throttle",
    ],
)
def test_core_modules_import_neither_textual_nor_tensorflow(module: str) -> None:
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        ).stdout.split()
    )
    assert module in loaded
    assert "tensorflow" not in loaded and "textual" not in loaded
