"""`vgtui --model FILE`: the command line, the headless run and the app's handling of a bad file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from vgtui.cli import main
from vgtui.cli.run import parse_args
from vgtui.config import RunConfig
from vgtui.session.controller import RunController
from vgtui.sources.keras_model import KerasModelSource, model_source_factory

TINY = """
import numpy as np
import keras

EPOCHS = 50


def build_model(activation=None, kernel_initializer=None):
    layers = [keras.Input((4,))]
    for _ in range(3):
        layers.append(
            keras.layers.Dense(
                6,
                activation=activation or "sigmoid",
                kernel_initializer=kernel_initializer or "glorot_uniform",
            )
        )
    layers.append(keras.layers.Dense(2, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def load_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")
"""


def test_a_missing_model_file_is_one_line_and_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--model", "no/such/model.py"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "vgtui: error: --model: no/such/model.py: no such file\n"


def test_the_first_run_keeps_the_models_own_choices_until_the_user_switches() -> None:
    first = RunConfig()
    factory = model_source_factory(__import__("pathlib").Path("m.py"), first, frozenset())
    controller = RunController(first, factory)
    source = controller.current.source
    assert isinstance(source, KerasModelSource)
    assert (source.activation, source.init, source.epochs) == (None, None, None)
    assert controller.current.config is None, "a model's run claimed the built-in config"
    controller.cycle("activation", 1)
    assert controller.current.source.activation == "tanh"
    assert controller.current.source.init is None
    named = model_source_factory(__import__("pathlib").Path("m.py"), first, frozenset({"init"}))
    assert named(first).init == "normal"


def test_headless_model_run_trains_and_writes_json(tmp_path) -> None:
    model = tmp_path / "tiny.py"
    model.write_text(TINY)
    path = tmp_path / "run.json"
    argv = [
        sys.executable,
        "-m",
        "vgtui.cli.run",
        "--headless",
        "--model",
        str(model),
        "--epochs",
        "2",
        "--json",
        str(path),
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    run = json.loads(path.read_text())
    # What is known of the model, as the file built it: not the built-in network's config.
    assert run["config"] == {
        "model": "sequential",
        "title": "sequential · sigmoid · glorot_uniform · sgd",
        "activation": "sigmoid",
        "init": "glorot_uniform",
        "optimizer": "sgd",
        "lr": 0.01,  # Keras's SGD default
        "batch_size": 32,
        "epochs": 2,
    }
    assert [e["epoch"] for e in run["epochs"]] == [1, 2], "--epochs did not beat EPOCHS = 50"
    names = [layer["name"] for layer in run["epochs"][0]["layers"]]
    assert names == ["dense/kernel", "dense_1/kernel", "dense_2/kernel", "dense_3/kernel"]
    assert run["summary"]["verdict"] in ("vanishing", "healthy", "exploding")
    # The data is at hand: accuracy before training is measured (64 points, two classes).
    assert run["summary"]["accuracy_before"] * 64 == pytest.approx(
        round(run["summary"]["accuracy_before"] * 64)
    )
    assert "epoch 1/2" in out.stdout and "epoch 2/2" in out.stdout
    assert "nan" not in out.stdout


def test_headless_model_whose_build_fails_is_exit_2_with_its_traceback(tmp_path, capsys) -> None:
    model = tmp_path / "broken.py"
    model.write_text(
        textwrap.dedent(
            """
            def build_model(activation=None, kernel_initializer=None):
                raise RuntimeError("no GPU in this lab")

            def load_data():
                import numpy as np
                return np.zeros((4, 2), "float32"), np.zeros(4)
            """
        )
    )
    assert main(["--headless", "--model", str(model), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    first, *rest = err.splitlines()
    assert first.startswith("vgtui: error: --model: broken.py")
    assert "no GPU in this lab" in first
    assert any("raise RuntimeError" in line for line in rest), "the user's traceback is missing"
