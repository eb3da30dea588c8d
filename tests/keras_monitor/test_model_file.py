"""Model files: every problem named in one line, and training one with fit, stop and pause."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from vgtui.keras.model_file import ModelFileError, load_model_file, train_model_file
from vgtui.records import EpochEnd, RunStart, RunSummary, StepBlock

GOOD = """
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


def _write(tmp_path, source: str, name: str = "model.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _replace(source: str, old: str, new: str) -> str:
    assert old in source
    return source.replace(old, new)


def _error(call) -> ModelFileError:
    with pytest.raises(ModelFileError) as caught:
        call()
    assert "\n" not in str(caught.value)
    return caught.value


def _train(model_file, emit, stop=None, pause=None, **kwargs):
    return train_model_file(
        model_file,
        kwargs.pop("activation", None),
        kwargs.pop("init", None),
        kwargs.pop("epochs", 2),
        kwargs.pop("batch_size", 8),
        emit,
        stop or threading.Event(),
        pause or threading.Event(),
        **kwargs,
    )


def test_a_missing_file_or_a_directory_is_named(tmp_path):
    assert "no such file" in str(_error(lambda: load_model_file(tmp_path / "nope.py")))
    assert "not a file" in str(_error(lambda: load_model_file(tmp_path)))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import keras\n", "defines no build_model(activation=None, kernel_initializer=None)"),
        ("def build_model():\n    pass\n", "defines no load_data()"),
        ("def build_model(:\n", "importing it raised SyntaxError"),
        ("raise RuntimeError('no GPU here')\n", "importing it raised RuntimeError: no GPU here"),
    ],
)
def test_a_file_that_cannot_serve_is_named_with_its_problem(tmp_path, source, expected):
    error = _error(lambda: load_model_file(_write(tmp_path, source)))
    assert expected in str(error)


def test_the_users_traceback_is_kept_in_details(tmp_path):
    source = _replace(
        GOOD, "    model = keras.Sequential([", "    1 / 0\n    model = keras.Sequential(["
    )
    model_file = load_model_file(_write(tmp_path, source))
    error = _error(lambda: model_file.build(activation="relu"))
    assert str(error) == (
        "model.py: build_model(activation='relu') raised ZeroDivisionError: division by zero"
    )
    assert error.details.startswith("Traceback (most recent call last):")
    assert str(tmp_path / "model.py") in error.details and "1 / 0" in error.details


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    return model\n", "    return 'a model'\n", "returned str, not a Keras model"),
        (
            '    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])\n',
            "",
            "not compiled; call model.compile(optimizer=..., loss=...) in it",
        ),
        (
            "def build_model(activation=None, kernel_initializer=None):",
            "def build_model(kernel_initializer=None):\n    activation = None",
            "build_model() takes no activation= argument",
        ),
    ],
)
def test_a_build_model_that_does_not_return_a_usable_model_is_named(tmp_path, old, new, expected):
    model_file = load_model_file(_write(tmp_path, _replace(GOOD, old, new)))
    assert expected in str(_error(lambda: model_file.build(activation="relu")))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("    return x, x[:, 0], x", "returned 3 values; it must return (x, y) or"),
        ("    return x, x[:40, 0]", "x has 48 rows but y has 40"),
        (
            "    return x, x[:, 0], x[:, :2], x[:, 0]",
            "x_val has shape (2,) per example, x has (4,)",
        ),
        ("    return {'x': x}", "returned dict; it must return (x, y)"),
        (
            "    return x[:, :3], x[:, 0] > 0",
            "x has shape (3,) per example, but the model's input is (4,)",
        ),
    ],
)
def test_data_of_the_wrong_shape_is_named_before_training(tmp_path, new, expected):
    source = _replace(GOOD, '    return x, (x[:, 0] > 0).astype("int64")', new)
    model_file = load_model_file(_write(tmp_path, source))
    records = []
    error = _error(lambda: _train(model_file, records.append))
    assert expected in str(error)
    assert records == []


def test_labels_the_model_cannot_take_are_named_before_training(tmp_path):
    source = _replace(GOOD, '(x[:, 0] > 0).astype("int64")', "np.full(48, 7)")  # 2 classes
    model_file = load_model_file(_write(tmp_path, source))
    error = _error(lambda: _train(model_file, lambda record: None))
    assert str(error).startswith("model.py: evaluating the model raised InvalidArgumentError")
    assert len(str(error)) < 300 and error.details.startswith("Traceback")


def test_training_that_fails_is_named_and_leaves_the_optimizer_unhooked(tmp_path):
    boom = """
class Boom(keras.layers.Layer):
    def call(self, x, training=None):
        if training:
            raise RuntimeError("no training here")
        return x

"""
    source = _replace(GOOD, "def build_model(", boom + "def build_model(")
    source = _replace(
        source, "        keras.layers.Dense(2,", "        Boom(),\n        keras.layers.Dense(2,"
    )
    model_file = load_model_file(_write(tmp_path, source))
    built = []
    original = model_file.module.build_model
    model_file.module.build_model = lambda **kw: built.append(original(**kw)) or built[-1]
    records = []
    error = _error(lambda: _train(model_file, records.append, logdir=tmp_path / "runs"))
    assert str(error).startswith("model.py: training raised RuntimeError: ")
    assert "no training here" in str(error) and "\x1b" not in str(error)
    assert 'raise RuntimeError("no training here")' in error.details
    (model,) = built
    assert not {"apply", "_distributed_tf_update_step"} & set(vars(model.optimizer))
    # The step raised: the monitor ended the run as stopped, with the steps it had (none).
    (summary,) = [r for r in records if isinstance(r, RunSummary)]
    assert summary.stopped and summary.steps == 0 and records[-1] is summary


def test_training_a_model_file_emits_a_whole_run(tmp_path):
    model_file = load_model_file(_write(tmp_path, GOOD))
    assert (model_file.epochs, model_file.batch_size, model_file.name) == (3, 8, "model")
    records = []
    summary = _train(
        model_file, records.append, activation="relu", init="he_normal", logdir=tmp_path / "runs"
    )
    start = records[0]
    assert isinstance(start, RunStart)
    assert start.layer_names == ("dense/kernel", "dense_1/kernel")  # each run a fresh session
    # Named by what tells it apart: the model's name, its hidden layers' activation and
    # initializer (the output layer's are its own), and the optimizer.
    assert start.info["title"] == "sequential · relu · he_normal · sgd"
    assert start.info["title_given"] is False and start.info["epochs"] == 2
    assert start.info["batch_size"] == 8
    assert start.info["model"]["layers"][0]["activation"] == "relu"
    assert start.info["model"]["layers"][0]["kernel_initializer"] == "he_normal"
    assert start.info["model"]["layers"][1]["kernel_initializer"] == "glorot_uniform"
    assert 0.0 <= start.accuracy_before <= 1.0 and math.isfinite(start.loss_before)
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2]
    assert records[-1] is summary and isinstance(summary, RunSummary)
    assert summary.steps == 2 * 48 // 8 and summary.epochs == 2 and not summary.stopped
    assert summary.accuracy_before == start.accuracy_before
    (log,) = (tmp_path / "runs").iterdir()
    assert log.name.endswith("Z-sequential-relu-he_normal-sgd.vglog")


def test_the_vgtui_initializer_names_reach_build_model(tmp_path):
    source = _replace(
        GOOD, "    return model\n", "    KINDS.append(kernel_initializer)\n    return model\n"
    )
    model_file = load_model_file(_write(tmp_path, "KINDS = []\n" + source))
    model = model_file.build(kernel_initializer=None)
    _train(model_file, lambda r: None, init="normal", epochs=1)
    init = model_file.module.KINDS[-1]
    assert type(init).__name__ == "RandomNormal" and init.stddev == 1.0
    assert model.layers[0].kernel.shape == (4, 6)


def test_stop_ends_the_run_between_steps(tmp_path):
    model_file = load_model_file(_write(tmp_path, GOOD))
    stop = threading.Event()
    records = []

    def emit(record):
        records.append(record)
        if isinstance(record, StepBlock):
            stop.set()

    summary = _train(model_file, emit, stop=stop, epochs=5, every=1)
    assert summary.stopped
    assert summary.steps == 1  # the step whose block set the stop was the last
    # One step of an epoch of several is no epoch: its step is kept (with its histograms, the
    # first step's), no end is made up for it.
    kinds = ["RunStart", "StepBlock", "HistogramBlock", "RunSummary"]
    assert [type(r).__name__ for r in records] == kinds
    assert summary.epochs == 0


def test_pause_holds_training_between_steps_until_cleared(tmp_path):
    model_file = load_model_file(_write(tmp_path, GOOD))
    pause = threading.Event()
    pause.set()
    first_block = threading.Event()
    blocks = []

    def emit(record):
        if isinstance(record, StepBlock):
            blocks.append(record)
            first_block.set()

    result = []
    worker = threading.Thread(
        target=lambda: result.append(_train(model_file, emit, pause=pause, every=1))
    )
    worker.start()
    try:
        assert first_block.wait(60)
        worker.join(0.5)  # paused: it stays after its first step
        assert worker.is_alive() and len(blocks) == 1
    finally:
        pause.clear()
        worker.join(60)
    assert not worker.is_alive()
    assert result[0].steps == 12 and len(blocks) == 12 and not result[0].stopped
    np.testing.assert_array_equal([b.first_step for b in blocks], np.arange(1, 13))


def test_the_path_check_imports_no_tensorflow(tmp_path):
    code = (
        "import sys\n"
        "from vgtui.model_path import ModelFileError, check_model_path\n"
        "try:\n"
        f"    check_model_path({str(tmp_path / 'missing.py')!r})\n"
        "except ModelFileError as error:\n"
        "    print(error)\n"
        "print('tensorflow' in sys.modules, 'textual' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    assert out == [f"{tmp_path / 'missing.py'}: no such file", "False False"]
