"""`vgtui --model FILE` against files that misbehave (issue 20, items 1, 4, 9 and 10), and a
Ctrl+C while the first step is still being traced (its principle: every Ctrl+C honoured)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.pseudo_terminal import PseudoTerminal, stray_text, terminal_env
from vgtui.cli import main
from vgtui.diagnosis import diagnosis
from vgtui.history import History
from vgtui.keras.model_file import ModelFileError, load_model_file, train_model_file
from vgtui.records import EpochEnd, RunStart, StepBlock

VGTUI = str(Path(sys.executable).parent / "vgtui")

MODEL = """
import keras
import numpy as np

EPOCHS = 3
BATCH_SIZE = 8

def load_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")

def build_model(activation=None, kernel_initializer=None):
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(6, activation=activation or "tanh",
                           kernel_initializer=kernel_initializer or "glorot_uniform"),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


def _write(tmp_path: Path, source: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _replace(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new)


def _train(model_file, emit, stop=None, epochs=2, **kwargs):
    return train_model_file(
        model_file,
        None,
        None,
        epochs,
        8,
        emit,
        stop or threading.Event(),
        threading.Event(),
        **kwargs,
    )


# Item 1: a model file that exits ------------------------------------------------------------

EXITS_IN_LOAD_DATA = _replace(
    MODEL,
    "def load_data():\n",
    "def load_data():\n    import argparse\n    argparse.ArgumentParser().parse_args(['--nope'])\n",
)
EXITS_IN_BUILD = _replace(
    MODEL,
    "def build_model(activation=None, kernel_initializer=None):\n",
    "def build_model(activation=None, kernel_initializer=None):\n    import sys\n    sys.exit(0)\n",
)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (EXITS_IN_LOAD_DATA, "load_data() called sys.exit(2) (argparse does"),
        (EXITS_IN_BUILD, "build_model() called sys.exit(0) (argparse does"),
    ],
    ids=["load_data", "build_model"],
)
def test_a_model_file_that_exits_is_one_line_and_exit_2_headless(tmp_path, capsys, source, said):
    model = _write(tmp_path, source)
    out = tmp_path / "run.json"
    argv = ["--headless", "--model", str(model), "--epochs", "1", "--json", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("vgtui: error:"))
    assert line.startswith(f"vgtui: error: --model: model.py: {said}")
    assert line.endswith("a model file's functions must return, not exit")
    assert err.index(line) == err.index("vgtui: error:")  # the user's traceback follows it
    assert not out.exists()


def test_the_app_stays_up_when_a_model_file_exits_and_quits_on_q(tmp_path):
    model = _write(tmp_path, EXITS_IN_LOAD_DATA, "exits.py")
    with PseudoTerminal([VGTUI, "--model", str(model)], terminal_env(), rows=30, cols=120) as term:

        def said() -> bool:
            return "sys.exit(2)" in "".join(line.strip() for line in term.screen.display)

        assert term.wait_for(said, 300), term.screen.display
        assert term.poll() is None  # still up
        term.send("q")
        assert term.wait(120) == 0
        assert term.modes == term.modes_before  # the terminal is given back as it was
        assert stray_text(bytes(term.output)) == ""


# Item 4: an epoch cut short is no epoch -----------------------------------------------------


def test_a_stop_in_the_middle_of_an_epoch_keeps_its_steps_but_makes_no_epoch_of_them(tmp_path):
    model_file = load_model_file(_write(tmp_path, MODEL))  # 48 examples, batches of 8: 6 steps
    stop = threading.Event()
    records: list = []

    def emit(record) -> None:
        records.append(record)
        if isinstance(record, StepBlock) and record.last_step == 6 + 2:  # epoch 2, step 2 of 6
            stop.set()

    summary = _train(model_file, emit, stop=stop, epochs=5, every=1)
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.epoch for e in ends] == [1]
    assert sum(r.steps for r in records if isinstance(r, StepBlock)) == summary.steps == 8
    assert summary.stopped and summary.epochs == 1
    # The outcome is the last whole epoch's, never one batch's.
    assert summary.final_loss == ends[0].loss and summary.accuracy_after == ends[0].accuracy


# Item 9: values and models vgtui cannot use --------------------------------------------------


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("EPOCHS = '10'", "EPOCHS = '10' (str); it must be a whole number from 1 to 1000000"),
        ("EPOCHS = 0", "EPOCHS = 0 (int); it must be a whole number from 1 to 1000000"),
        ("EPOCHS = 2.5", "EPOCHS = 2.5 (float); it must be a whole number"),
        ("BATCH_SIZE = True", "BATCH_SIZE = True (bool); it must be a whole number"),
        ("BATCH_SIZE = -8", "BATCH_SIZE = -8 (int); it must be a whole number from 1 to"),
    ],
)
def test_a_bad_epochs_or_batch_size_is_a_one_line_error(tmp_path, line, said):
    name = line.split(" ")[0]
    source = _replace(MODEL, f"{name} = {3 if name == 'EPOCHS' else 8}", line)
    path = _write(tmp_path, source)
    with pytest.raises(ModelFileError) as caught:
        load_model_file(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: {said}")
    assert f"as --{'epochs' if name == 'EPOCHS' else 'batch-size'} takes" in message


TWO_OUTPUTS = """
import keras
import numpy as np

def load_data():
    x = np.zeros((16, 4), "float32")
    return x, np.zeros(16, "int64")

def build_model(activation=None, kernel_initializer=None):
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(6)(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(2)(hidden), keras.layers.Dense(1)(hidden)])
    model.compile("sgd", ["mse", "mse"])
    return model
"""


def test_a_multi_output_model_or_its_data_is_refused_in_one_line(tmp_path):
    model_file = load_model_file(_write(tmp_path, TWO_OUTPUTS))
    with pytest.raises(ModelFileError) as caught:
        _train(model_file, lambda record: None)
    assert str(caught.value) == (
        "model.py: build_model() returned a model with 2 outputs; "
        "vgtui trains models with one output only"
    )
    data = _replace(
        TWO_OUTPUTS, 'return x, np.zeros(16, "int64")', "return x, [x[:, :2], x[:, :1]]"
    )
    with pytest.raises(ModelFileError) as caught:
        load_model_file(_write(tmp_path, data, "data.py")).data()
    assert str(caught.value) == (
        "data.py: load_data()'s y is a list of 2 arrays; vgtui trains models with one input "
        "and one output only: give one array"
    )


# Item 10: accuracy against chance for a model's own task ------------------------------------

THREE_CLASSES = """
import keras
import numpy as np

def load_data():
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1, 2], [36, 15, 9])  # 60% of one class
    x = (rng.standard_normal((60, 4)) + y[:, None]).astype("float32")
    return x, y

def build_model(activation=None, kernel_initializer=None):
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation=activation or "relu",
                           kernel_initializer=kernel_initializer or "he_normal"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


def test_a_models_run_is_judged_against_its_tasks_chance(tmp_path):
    model_file = load_model_file(_write(tmp_path, THREE_CLASSES))
    records: list = []
    _train(model_file, records.append, epochs=3)
    start = records[0]
    assert isinstance(start, RunStart)
    y = model_file.data().y
    assert start.info["chance"] == pytest.approx(np.bincount(y).max() / len(y)) == 0.6
    history = History()
    for record in records:
        history.record(record)
    found = diagnosis(history.view())
    accuracy = history.view().latest.accuracy
    assert f"accuracy {accuracy:.2f} (chance 0.60)" in found.reason


# Ctrl+C while the first step is traced ------------------------------------------------------

SLOW_TO_TRACE = _replace(
    MODEL,
    "def build_model(",
    """import time
import tensorflow as tf


class SlowToTrace(keras.layers.Layer):
    def call(self, x, training=None):
        if training and not tf.executing_eagerly():
            print("tracing the training step", flush=True)
            time.sleep(600)  # as long as a very deep model's first step takes to trace
        return x


def build_model(""",
)
SLOW_TO_TRACE = _replace(
    SLOW_TO_TRACE,
    "        keras.layers.Dense(2,",
    "        SlowToTrace(),\n        keras.layers.Dense(2,",
)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # whatever the test runner's was


def test_ctrl_c_while_the_first_step_is_traced_stops_at_once_and_exits_130(tmp_path):
    model = _write(tmp_path, SLOW_TO_TRACE, "slow.py")
    out = tmp_path / "run.json"
    child = subprocess.Popen(
        [VGTUI, "--headless", "--model", str(model), "--epochs", "2", "--json", str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        assert child.stdout is not None
        lines = []
        for line in child.stdout:
            lines.append(line)
            if line.startswith("tracing the training step"):
                break
        else:
            raise AssertionError(f"never traced: {lines}")
        child.send_signal(signal.SIGINT)
        rest, err = child.communicate(timeout=300)  # far less than the 600 s it would sleep
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted after 0 steps" in rest
    run = json.loads(out.read_text())
    assert run["summary"]["stopped"] is True and run["epochs"] == []
