"""The bounded history: downsampling keeps the whole run, at a coarser grain."""

import threading

import numpy as np
import pytest

from tests.epochs import Epoch
from vgtui.config import RunConfig
from vgtui.history import DownsampledSeries, History
from vgtui.records import STAT_NAMES, RunStart


@pytest.mark.parametrize("block", [1, 7, 32, 1000])
def test_every_row_is_the_mean_of_its_raw_rows(block):
    raw = np.random.default_rng(1).normal(size=(10_000, 3))
    series = DownsampledSeries((3,), capacity=64)
    for start in range(0, len(raw), block):
        series.extend(raw[start : start + block], first_x=start + 1)
    rows, xs = series.rows(), series.xs()
    assert len(rows) <= 65  # capacity plus one partial group
    assert xs[-1] == len(raw)
    bounds = np.concatenate([[0], xs])
    for row, lo, hi in zip(rows, bounds[:-1], bounds[1:]):
        np.testing.assert_allclose(row, raw[lo:hi].mean(axis=0), rtol=1e-9, atol=1e-12)


def _record(epoch, steps, layers, value):
    stats = np.full((steps, layers, len(STAT_NAMES)), float(value))
    return Epoch(
        epoch=epoch,
        first_step=(epoch - 1) * steps + 1,
        step_loss=np.full(steps, float(value)),
        step_accuracy=np.full(steps, 0.5),
        step_stats=stats,
        loss=float(value),
        accuracy=0.5,
    )


def _add(history, epoch):
    for record in epoch.records():
        history.record(record)


def test_a_million_steps_keep_a_bounded_number_of_rows():
    config = RunConfig()
    history = History(capacity=4096)
    history.begin(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    for epoch in range(1, 31_251):  # 31,250 epochs of 32 steps: 1,000,000 steps
        _add(history, _record(epoch, 32, 5, epoch))
    view = history.view()
    assert len(view.step_x) <= 4097 and len(view.epoch_x) <= 4097
    assert view.step_x[-1] == 1_000_000 and view.steps_done == 1_000_000
    # The whole run is there: the first row averages the first epochs, the last the last.
    assert view.step_loss[0] < 10 and view.step_loss[-1] > 31_000
    assert view.step_stats.shape[1:] == (5, len(STAT_NAMES))


def test_readers_see_consistent_views_while_a_writer_adds():
    config = RunConfig()
    history = History(capacity=64)
    history.begin(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    halfway = threading.Event()
    read_halfway = threading.Event()
    done = threading.Event()

    def write():
        for epoch in range(1, 2000):
            _add(history, _record(epoch, 32, 5, epoch))
            if epoch == 1000:  # let the reader look in the middle of the writing
                halfway.set()
                read_halfway.wait(timeout=60)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    views = 0
    mid_run = 0
    while not done.is_set() or views == 0:
        writer_waits = halfway.is_set()  # then this view is taken with 1000 epochs written
        view = history.view()
        assert len(view.step_x) == len(view.step_loss) == len(view.step_stats)
        assert len(view.step_x) == 0 or view.step_x[-1] == view.steps_done
        views += 1
        if 0 < view.steps_done < 1999 * 32:
            mid_run += 1
        if writer_waits:
            read_halfway.set()
    writer.join()
    assert views > 0 and mid_run > 0  # the reader did read, and during the writing
    assert history.view().steps_done == 1999 * 32


def test_clear_and_states():
    history = History()
    assert history.view().state == "loading"
    config = RunConfig()
    history.begin(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    assert history.view().state == "training"
    v = history.version
    history.set_state("failed", "boom")
    assert history.version > v
    assert (history.view().state, history.view().error) == ("failed", "boom")
    history.clear()
    assert history.view().start is None and len(history.view().step_x) == 0


def test_a_thinned_view_averages_neighbours_and_keeps_the_ends():
    config = RunConfig()
    history = History()
    history.begin(RunStart(config, "CPU", config.layer_names, 0.5, 0.7))
    for epoch in range(1, 101):
        _add(history, _record(epoch, 32, 5, epoch))
    view = history.view()
    thin = view.thinned(300)
    assert len(thin.step_x) == len(thin.step_loss) == len(thin.step_stats) <= 300
    assert thin.step_x[-1] == view.step_x[-1] == 3200
    # Groups of 11 rows: the first averages steps 1..11, all of epoch 1.
    assert thin.step_loss[0] == 1.0 and thin.step_stats[0, 0, 0] == 1.0
    np.testing.assert_allclose(thin.step_loss.mean(), view.step_loss.mean(), rtol=0.01)
    assert thin.epoch_x.tolist() == view.epoch_x.tolist()  # 100 rows: untouched
    assert view.thinned(5000).step_x is view.step_x


def test_record_stores_each_kind_of_record():
    config = RunConfig()
    history = History()
    start = RunStart(config, "CPU", config.layer_names, 0.5, 0.7)
    history.record(start)
    for record in _record(1, 32, 5, 1.0).records():  # a StepBlock and an EpochEnd
        history.record(record)
    from vgtui.records import RunSummary

    history.record(RunSummary(0.5, 0.6, 0.6, 0.1, 1, 32, stopped=True))
    view = history.view()
    assert view.start is start and view.steps_done == 32
    assert view.state == "stopped" and view.summary.stopped
