"""GradientMonitor when things go wrong (issue 20, item 3): an exception or Ctrl+C in fit,
two monitors in one fit, a full disk, and a fit that starts at initial_epoch.

The independent count of steps is the optimizer's own ``iterations``.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import vgtui.runlog.writer as writer_module
from vgtui.keras import GradientMonitor
from vgtui.keras.hook import HOOK_ATTRIBUTE
from vgtui.keras.monitor import SAYS
from vgtui.records import EpochEnd, RunSummary, StepBlock
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame, SummaryFrame

BATCH = 4
N = 64  # 16 steps an epoch
STEPS_PER_EPOCH = N // BATCH


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, 6)).astype("float32")
    return x, rng.integers(0, 3, N)


def _model(*extra: keras.layers.Layer) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="tanh"),
            *extra,
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def _frames(path: Path) -> list:
    with RunLogReader(path) as reader:
        frames = list(reader.frames())
        assert reader.damaged_at is None
    return frames


def _steps_in(frames: list) -> list[int]:
    """Every step number the log's step blocks hold, in order."""
    return [f.first_step + i for f in frames if isinstance(f, StepsFrame) for i in range(f.steps)]


class FailAt(keras.layers.Layer):
    """Passes its input on; its training step fails once the optimizer has taken ``at`` steps."""

    def __init__(self, optimizer: keras.optimizers.Optimizer, at: int) -> None:
        super().__init__()
        self.iterations = lambda: optimizer.iterations  # a function: not tracked as a weight
        self.at = at

    def call(self, x, training=None):
        if training:
            count = tf.convert_to_tensor(self.iterations())
            tf.debugging.assert_less(count, tf.cast(self.at, count.dtype))
        return x


def test_an_error_in_a_step_ends_the_run_at_once_with_every_step_taken(tmp_path):
    x, y = _data()
    optimizer = keras.optimizers.SGD(0.05)
    at = STEPS_PER_EPOCH + 5  # five steps into the second epoch
    fail = FailAt(optimizer, at)
    model = _model(fail)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    monitor = GradientMonitor(str(tmp_path), every=3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        model.fit(x, y, batch_size=BATCH, epochs=4, verbose=0, callbacks=[monitor])
    taken = int(optimizer.iterations.numpy())  # the failing step's update may have run too
    assert taken in (at, at + 1)
    # At once, not at exit: the hook is out and the log closed.
    assert HOOK_ATTRIBUTE not in vars(optimizer)
    assert not {"apply", "_distributed_tf_update_step"} & set(vars(optimizer))
    assert monitor._run_log is None and monitor.summary is not None
    (log,) = tmp_path.iterdir()
    frames = _frames(log)
    assert _steps_in(frames) == list(range(1, taken + 1))  # the unfinished epoch's steps too
    assert [f.epoch for f in frames if isinstance(f, EpochEndFrame)] == [1]
    assert isinstance(frames[-1], SummaryFrame)
    summary = frames[-1].summary
    assert summary["stopped"] is True and summary["steps"] == taken and summary["epochs"] == 1
    # A later plain fit trains untouched.
    fail.at = 10**9
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    assert int(optimizer.iterations.numpy()) == taken + STEPS_PER_EPOCH


CTRL_C = """
import os, signal, sys
import keras, numpy as np
from vgtui.keras import GradientMonitor

signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever this process inherited
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="tanh"),
                          keras.layers.Dense(3, activation="softmax")])
model.compile(keras.optimizers.SGD(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
x, y = rng.standard_normal((64, 6)).astype("float32"), rng.integers(0, 3, 64)


class CtrlC(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == 16 + 11:  # epoch 2, step 11 of 16
            os.kill(os.getpid(), signal.SIGINT)


try:
    model.fit(x, y, batch_size=4, epochs=5, verbose=0,
              callbacks=[GradientMonitor(sys.argv[1], every=5), CtrlC()])
except KeyboardInterrupt:
    print("taken", int(model.optimizer.iterations.numpy()), flush=True)
    sys.exit(130)
"""


def test_ctrl_c_in_fit_keeps_every_step_and_ends_the_log(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(CTRL_C))
    logdir = tmp_path / "runs"
    result = subprocess.run(
        [sys.executable, str(script), str(logdir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 130, result.stderr
    taken = int(result.stdout.split()[-1])
    assert taken == 16 + 11
    (log,) = logdir.iterdir()
    frames = _frames(log)
    assert _steps_in(frames) == list(range(1, taken + 1))  # 26 steps done: 26 in the log
    assert [f.epoch for f in frames if isinstance(f, EpochEndFrame)] == [1]
    summary = frames[-1].summary
    assert summary["stopped"] is True and summary["steps"] == taken and summary["epochs"] == 1


def test_a_second_monitor_in_one_fit_stands_down_and_says_so(tmp_path, capfd):
    x, y = _data()
    model = _model()
    first, second = (
        GradientMonitor(str(tmp_path / "a"), every=4),
        GradientMonitor(str(tmp_path / "b"), every=4),
    )
    model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[first, second])
    (log,) = (tmp_path / "a").iterdir()
    assert _steps_in(_frames(log)) == list(range(1, int(model.optimizer.iterations) + 1))
    assert not (tmp_path / "b").exists()  # no empty log
    said = [line for line in capfd.readouterr().err.splitlines() if line.startswith(SAYS)]
    assert said == [
        f"{SAYS}: another GradientMonitor in this fit already records this optimizer into "
        f"{log}; this one records nothing"
    ]
    assert second.summary is None and first.summary is not None and not first.summary.stopped


@pytest.mark.parametrize("room", [None, 1500], ids=["full-at-start", "fills-during-fit"])
def test_a_full_disk_never_stops_fit(tmp_path, monkeypatch, capfd, room):
    """``room``: bytes the disk takes after the log's header (None: not even the header)."""
    written = {"bytes": 0, "calls": 0, "header": 0}

    def disk_fills(fd: int, data) -> int:
        past_header = written["bytes"] - written["header"] + len(data)
        if room is None or (written["calls"] and past_header > room):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if not written["calls"]:
            written["header"] = len(data)
        written["calls"] += 1
        written["bytes"] += len(data)
        return os.write(fd, data)

    filling = types.SimpleNamespace(**vars(os))
    filling.write = disk_fills
    monkeypatch.setattr(writer_module, "os", filling)  # the run log's writes alone
    x, y = _data()
    model = _model()
    records: list = []
    monitor = GradientMonitor(str(tmp_path), every=4, emit=records.append)
    model.fit(x, y, batch_size=BATCH, epochs=3, verbose=0, callbacks=[monitor])
    monkeypatch.undo()
    assert len(model.history.history["loss"]) == 3  # fit went on to its end
    # Every step still reached the other sink.
    steps = sum(r.steps for r in records if isinstance(r, StepBlock))
    assert steps == int(model.optimizer.iterations) == 3 * STEPS_PER_EPOCH
    assert [r.epoch for r in records if isinstance(r, EpochEnd)] == [1, 2, 3]
    assert isinstance(records[-1], RunSummary) and not records[-1].stopped
    said = [line for line in capfd.readouterr().err.splitlines() if line.startswith(SAYS)]
    assert len(said) == 1 and "No space left on device" in said[0]
    logs = list(tmp_path.iterdir())
    if room is None:
        assert logs == []  # no empty log left behind
        assert said[0].startswith(f"{SAYS}: {tmp_path}/") and "without a run log" in said[0]
    else:
        (log,) = logs
        assert said[0].startswith(f"{SAYS}: {log}: writing the run log failed")
        frames = _frames(log)  # whole frames only: the log ends where its last record did
        assert log.stat().st_size == written["bytes"]
        assert 0 < len(_steps_in(frames)) < steps


def test_a_fit_from_initial_epoch_to_its_end_is_not_stopped():
    x, y = _data()
    model = _model()
    records: list = []
    monitor = GradientMonitor(every=4, emit=records.append)
    model.fit(x, y, batch_size=BATCH, initial_epoch=3, epochs=5, verbose=0, callbacks=[monitor])
    assert [r.epoch for r in records if isinstance(r, EpochEnd)] == [4, 5]
    assert not records[-1].stopped
