"""Stopping, pausing and divergence of a run."""

import math
import threading
import time

import numpy as np

from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import EpochEnd, RunStart, RunSummary, StepBlock

DIVERGING = RunConfig(
    optimizer="sgd", lr=100.0, activation="relu", init="he_normal", depth=8, width=64, epochs=5
)


def test_stop_ends_the_run_between_calls_and_keeps_complete_epochs():
    stop = threading.Event()
    records = []

    def emit(record):
        records.append(record)
        if isinstance(record, EpochEnd) and record.epoch == 2:
            stop.set()

    trainer = Trainer(RunConfig(epochs=50))
    per_call = trainer.network.chunk_steps // 32  # epochs one compiled call trains
    summary = trainer.run(emit, stop)
    assert summary.stopped
    epochs = [r.epoch for r in records if isinstance(r, EpochEnd)]
    # The call that was under way when the stop came finishes and is kept, whole.
    assert epochs == list(range(1, max(2, per_call) + 1))
    assert summary.steps == 32 * len(epochs) and summary.epochs == len(epochs)
    assert isinstance(records[0], RunStart) and records[-1] is summary


def test_pause_holds_the_run_until_released():
    pause, stop = threading.Event(), threading.Event()
    epochs = []
    seen_while_paused = []

    def emit(record):
        if isinstance(record, EpochEnd):
            epochs.append(record.epoch)
            if record.epoch == 1:
                pause.set()
                threading.Thread(target=watch).start()

    def watch():
        time.sleep(0.3)
        seen_while_paused.append(len(epochs))
        time.sleep(0.3)
        seen_while_paused.append(len(epochs))
        pause.clear()

    Trainer(RunConfig(epochs=40)).run(emit, stop, pause)
    assert seen_while_paused[0] == seen_while_paused[1] < 40  # nothing advanced while paused
    assert epochs == list(range(1, 41))


def test_divergence_stops_the_run_and_names_the_step_and_layer():
    records = []
    summary = Trainer(DIVERGING).run(records.append, threading.Event())
    assert isinstance(summary, RunSummary)
    epochs = whole_epochs(records)
    bad = epochs[-1]
    assert bad.diverged_step == summary.diverged_step
    assert summary.diverged_layer in (*DIVERGING.layer_names, "loss")
    # Everything before the bad step is finite and kept; the bad step is recorded last.
    assert bad.last_step == summary.diverged_step
    before = np.concatenate([e.step_loss for e in epochs])[:-1]
    assert np.isfinite(before).all()
    last_grads = bad.step_stats[-1, :, 1]
    assert not np.isfinite(bad.step_loss[-1]) or not np.isfinite(last_grads).all()
    assert math.isfinite(summary.final_loss)


def test_restarting_many_times_compiles_once_a_shape(monkeypatch):
    from vgtui.engine import trainer as trainer_module

    traces = []
    real = trainer_module.CompiledNetwork._train_chunk

    def counted(self, *args):
        traces.append(1)  # Python runs the body only when TensorFlow traces it
        return real(self, *args)

    monkeypatch.setattr(trainer_module.CompiledNetwork, "_train_chunk", counted)
    config = RunConfig(epochs=1, activation="elu", depth=3, width=7, samples=96)
    key = trainer_module.shape_key(config, True)
    assert key not in trainer_module._POOL  # a shape no other test compiled
    changes = [{"seed": s} for s in range(4)] + [{"lr": 0.01, "init": "he_uniform", "noise": 0.3}]
    for change in changes:
        records = []
        Trainer(config.replace(**change)).run(records.append, threading.Event())
        assert [type(r) for r in records] == [RunStart, StepBlock, EpochEnd, RunSummary]
    assert len(traces) == 1
    assert len(trainer_module._POOL[key]) == 1  # given back after each run
