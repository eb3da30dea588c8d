"""The examples: each is a valid model file, one runs end to end, the MLP shows what it claims."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.keras.model_file import check_fits, load_model_file, train_model_file
from vgtui.records import STAT_INDEX, StepBlock
from vgtui.runlog import list_logs, read_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("name", "kernels"),
    [
        ("digits_mlp", 9),
        ("digits_cnn", 3),
        ("digits_rnn", 3),
    ],
)
def test_each_example_is_a_model_file_vgtui_can_train(name, kernels):
    model_file = load_model_file(EXAMPLES / f"{name}.py")
    data = model_file.data()
    model = model_file.build(activation="relu", kernel_initializer="he_normal")
    check_fits(model_file.path.name, model, data)
    assert data.validation is not None and len(data.x) + len(data.x_val) == 1797
    assert sum(len(v.shape) >= 2 for v in model.trainable_variables) == kernels
    assert model_file.epochs and model_file.batch_size


def test_an_example_run_as_a_script_writes_a_run_log_and_never_imports_textual(tmp_path):
    # as `python examples/digits_rnn.py --epochs 1`, then list the modules it imported
    script = str(EXAMPLES / "digits_rnn.py")
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{script!r}, '--epochs', '1']\n"
        f"runpy.run_path({script!r}, run_name='__main__')\n"
        "print(' '.join(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout.split()
    assert "vgtui.keras.monitor" in out and "tensorflow" in out
    assert not [m for m in out if m == "textual" or m.startswith("textual.")]
    (log,) = list_logs(tmp_path / "runs")
    start, block, end, histograms, summary = read_run(log)
    (epoch,) = whole_epochs([block, end])
    assert start.layer_names == ("lstm/kernel", "lstm/recurrent_kernel", "dense/kernel")
    assert start.info["histogram_layers"]["activation"] == ["lstm", "dense"]
    assert histograms.steps.tolist() == [1]  # every 100th step of 45
    assert start.info["model"]["name"] == "digits_rnn"
    assert epoch.steps == summary.steps == 45  # 1437 training digits in batches of 32
    assert np.isfinite(epoch.step_stats[:, :, :5]).all()


def _decades(records) -> float:
    """Median log10 of the first kernel's gradient SD over the last kernel's."""
    sd = np.concatenate([r.step_stats for r in records if isinstance(r, StepBlock)])
    sd = sd[:, :, STAT_INDEX["grad_sd"]]
    return float(np.median(np.log10(sd[:, 0] / sd[:, -1])))


def test_the_mlp_vanishes_with_sigmoid_and_not_with_relu_and_he():
    model_file = load_model_file(EXAMPLES / "digits_mlp.py")
    decades = {}
    for activation, init in (("sigmoid", None), ("relu", "he_normal")):
        records = []
        train_model_file(
            model_file,
            activation,
            init,
            1,
            32,
            records.append,
            threading.Event(),
            threading.Event(),
            seed=0,
        )
        decades[activation] = _decades(records)
    assert decades["sigmoid"] < -3  # measured -5.2 (seeds 0 and 1)
    assert abs(decades["relu"]) < 1  # measured -0.1
