"""What a run says before its first epoch ends: the engine source's phase before the first
record, and, for a network too large for one compiled call to take a whole epoch, its steps
as they are made (a StepBlock a call), so a step that takes seconds is seen at once."""

import threading

from vgtui.config import RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.history import History
from vgtui.records import EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.sources.engine import EngineSource

#: Batches of one example: 1000 steps an epoch, four calls of at most 256 steps.
SPLIT = RunConfig(activation="tanh", depth=1, width=3, samples=1000, batch_size=1, epochs=2)


def test_a_stop_inside_a_split_epoch_keeps_the_steps_handed_on():
    stop = threading.Event()
    records = []

    def emit(record):
        records.append(record)
        if isinstance(record, StepBlock) and record.first_step > 1:
            stop.set()  # after the second call

    trainer = Trainer(SPLIT)
    chunk = trainer.network.chunk_steps
    assert 2 * chunk < SPLIT.steps_per_epoch
    summary = trainer.run(emit, stop)
    assert [type(r) for r in records] == [RunStart, StepBlock, StepBlock, RunSummary]
    assert [(r.first_step, r.steps) for r in records[1:3]] == [(1, chunk), (chunk + 1, chunk)]
    assert summary.stopped and summary.epochs == 0 and summary.steps == 2 * chunk
    history = History()
    for record in records:
        history.record(record)
    view = history.view()
    assert view.steps_done == 2 * chunk  # what a progress line shows
    assert view.latest is None  # no epoch has ended


def test_split_epochs_end_with_their_loss_and_accuracy():
    records = []
    summary = Trainer(SPLIT).run(records.append, threading.Event())
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2]
    assert summary.final_loss == ends[-1].loss and summary.accuracy_after == ends[-1].accuracy
    steps = sum(r.steps for r in records if isinstance(r, StepBlock))
    assert steps == summary.steps == 2 * SPLIT.steps_per_epoch
    history = History()
    for record in records:
        history.record(record)
    assert list(history.view().epoch_x) == [1, 2]


def test_the_engine_source_says_what_it_does_until_the_run_starts():
    source = EngineSource(RunConfig(epochs=1))
    assert source.phase is None
    phases = []
    with source:
        source.start(lambda record: phases.append((type(record).__name__, source.phase)))
    # Built and compiled (the loss before training evaluated) when the run starts.
    assert phases[0] == ("RunStart", "compiling")
