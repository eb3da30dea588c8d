"""The command line: every bad value gets one line, exit status 2, no traceback."""

import json
import subprocess
import sys

import numpy as np
import pytest

from vgtui.cli import main
from vgtui.cli.run import parse_args
from vgtui.config import NO_GPU, TYPICAL_SEED, RunConfig

BAD = [
    (["--activation", "softmax"], "--activation"),
    (["--init", "zeros"], "--init"),
    (["--optimizer", "lbfgs"], "--optimizer"),
    (["--dataset", "mnist"], "--dataset"),
    (["--epochs", "0"], "--epochs"),
    (["--epochs", "-3"], "--epochs"),
    (["--epochs", "ten"], "--epochs"),
    (["--epochs", "2.5"], "--epochs"),
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "x"], "--batch-size"),
    (["--depth", "0"], "--depth"),
    (["--depth", "65"], "--depth"),
    (["--width", "0"], "--width"),
    (["--width", "1025"], "--width"),
    (["--width", "wide"], "--width"),
    (["--samples", "0"], "--samples"),
    (["--samples", "-10"], "--samples"),
    (["--samples", "many"], "--samples"),
    (["--seed", "-1"], "--seed"),
    (["--lr", "0"], "--lr"),
    (["--lr", "-0.1"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--lr", "inf"], "--lr"),
    (["--lr", "fast"], "--lr"),
    (["--noise", "-0.1"], "--noise"),
    (["--noise", "nan"], "--noise"),
    (["--lr", "1e39"], "--lr"),  # not a float32
    (["--lr", "1e7"], "--lr"),
    (["--lr", "1e-40"], "--lr"),  # a float32 subnormal: 0 to TensorFlow on the CPU
    (["--noise", "1e300"], "--noise"),
    (["--noise", "1e37"], "--noise"),
    (["--noise", "inf"], "--noise"),
    (["--device", "tpu"], "--device"),
]


@pytest.mark.parametrize(("argv", "flag"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_values_get_one_line_naming_the_flag(argv, flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vgtui: error: ")
    assert flag in err
    assert "allowed" in err or "choose one of" in err or "use a" in err or "not a number" in err


def test_out_of_range_numbers_say_the_allowed_range(capsys):
    for argv, expected in (
        (["--lr", "1e39"], "--lr: 1e+39 is out of range; allowed: 1.18e-38..1e+06"),
        (["--noise", "1e300"], "--noise: 1e+300 is out of range; allowed: 0..1e+36"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            parse_args(["--headless", *argv])
        assert exit_info.value.code == 2
        assert capsys.readouterr().err == f"vgtui: error: {expected}\n"


def test_the_range_edges_are_accepted_and_give_finite_float32_data():
    from vgtui.data.datasets import make_dataset

    for text in ("1.18e-38", "1e6"):
        _, config = parse_args(["--headless", "--lr", text])
        as_float32 = np.float32(config.lr)
        assert np.isfinite(as_float32) and as_float32 >= np.finfo(np.float32).tiny
    for dataset in ("circles", "moons", "xor", "spiral"):
        _, config = parse_args(
            ["--headless", "--noise", "1e36", "--samples", "1000000", "--dataset", dataset]
        )
        x, _ = make_dataset(config)
        assert np.isfinite(x).all() and np.abs(x).max() > 1e36  # noisy, and finite


def test_device_gpu_without_a_gpu_is_refused_without_tensorflow_in_this_process():
    code = (
        "import sys\n"
        "from vgtui.cli.run import parse_args\n"
        "try:\n"
        "    parse_args(['--headless', '--device', 'gpu'])\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert result.stdout == "2 False\n"  # exit 2; TensorFlow asked in a child only
    assert result.stderr == f"vgtui: error: {NO_GPU}\n"


def test_device_gpu_is_accepted_where_a_gpu_is_seen(monkeypatch):
    import vgtui.cli.gpu_check

    monkeypatch.setattr(vgtui.cli.gpu_check, "visible_gpus", lambda: ["NVIDIA Fake"])
    _, config = parse_args(["--headless", "--device", "gpu"])
    assert config.device == "gpu"
    _, config = parse_args(["--headless"])
    assert config.device == "auto"


def test_json_in_a_missing_directory(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", "--json", str(tmp_path / "nope" / "run.json")])
    assert exit_info.value.code == 2
    assert "--json: directory" in capsys.readouterr().err


def test_json_path_that_cannot_be_written(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    for path in (tmp_path, blocker / "run.json", "/proc/run.json"):
        with pytest.raises(SystemExit) as exit_info:
            parse_args(["--headless", "--json", str(path)])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("vgtui: error: --json: ") and err.count("\n") == 1


def test_defaults_are_the_tutorials():
    _, config = parse_args(["--headless"])
    assert config == RunConfig()
    assert (config.activation, config.init, config.depth, config.width) == (
        "sigmoid",
        "normal",
        4,
        5,
    )
    assert (config.optimizer, config.lr, config.batch_size, config.epochs) == (
        "rmsprop",
        1e-3,
        32,
        100,
    )
    assert (config.dataset, config.samples, config.noise) == ("circles", 1000, 0.1)
    assert config.seed == TYPICAL_SEED.seed == 6  # the median case of seeds 0-29, not the mildest


def test_help_lists_every_flag_with_choices_and_defaults(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--activation",
        "--init",
        "--depth",
        "--width",
        "--epochs",
        "--batch-size",
        "--lr",
        "--optimizer",
        "--dataset",
        "--samples",
        "--noise",
        "--seed",
        "--json",
    ):
        assert flag in out
    for choice in ("leaky_relu", "he_uniform", "lecun_normal", "spiral", "adam"):
        assert choice in out
    assert "default: sigmoid" in out


def test_the_installed_command_prints_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "vgtui", "--headless", "--depth", "100"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "vgtui: error: --depth: 100 is out of range; allowed: 1..64\n"


def test_headless_run_prints_epochs_and_writes_json(tmp_path, capsys):
    path = tmp_path / "run.json"
    status = main(["--headless", "--epochs", "3", "--activation", "relu", "--json", str(path)])
    assert status == 0
    out = capsys.readouterr().out
    assert out.count("\nepoch ") == 3 and "accuracy before" in out and "dense_4" in out
    data = json.loads(path.read_text())
    assert data["config"] == RunConfig(epochs=3, activation="relu").to_dict()
    assert set(data["summary"]) >= {
        "accuracy_before",
        "accuracy_after",
        "final_loss",
        "grad_sd_ratio",
    }
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3]
    layers = data["epochs"][-1]["layers"]
    assert [lay["name"] for lay in layers] == list(RunConfig().layer_names)
    assert set(layers[0]) >= {
        "name",
        "grad_mean",
        "grad_sd",
        "grad_norm",
        "weight_mean",
        "weight_sd",
    }
    assert data["epochs"][-1]["loss"] == pytest.approx(data["summary"]["final_loss"])
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed away


def test_headless_divergence_exits_3_and_says_so(tmp_path, capsys):
    path = tmp_path / "run.json"
    argv = [
        "--headless",
        "--optimizer",
        "sgd",
        "--lr",
        "100",
        "--activation",
        "relu",
        "--init",
        "he_normal",
        "--depth",
        "8",
        "--width",
        "64",
        "--json",
        str(path),
    ]
    assert main(argv) == 3
    out = capsys.readouterr().out
    assert "diverged at step" in out
    data = json.loads(path.read_text())
    assert data["summary"]["diverged_step"] >= 1
    assert data["summary"]["diverged_layer"] in (*RunConfig(depth=8).layer_names, "loss")


def test_ctrl_c_keeps_every_complete_epoch_in_the_json(tmp_path, capsys, monkeypatch):
    from vgtui.engine.trainer import Trainer

    real = Trainer._train_epochs
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_train_epochs", interrupted)
    path = tmp_path / "run.json"
    assert main(["--headless", "--epochs", "40", "--json", str(path)]) == 130
    assert "interrupted after" in capsys.readouterr().out
    data = json.loads(path.read_text())
    epochs = [e["epoch"] for e in data["epochs"]]
    assert epochs == list(range(1, len(epochs) + 1)) and 0 < len(epochs) < 40
    assert data["summary"]["stopped"] is True
    assert data["summary"]["epochs"] == len(epochs)


def test_a_preset_gives_its_settings_and_the_flags_beside_it_override_them(monkeypatch):
    from vgtui.cli.run import histograms_asked, starts_with_tour
    from vgtui.data.presets import glorot2010

    monkeypatch.setattr("vgtui.cli.run.terminal_problem", lambda: None)
    args, config = parse_args(["--preset", "glorot2010"])
    assert config == glorot2010() and not starts_with_tour(args)  # the preset's run, at once
    assert histograms_asked(args) is True
    argv = ["--preset", "glorot2010", "--activation", "tanh", "--init=glorot_uniform"]
    args, config = parse_args(["--headless", *argv, "--epochs", "3"])
    assert config == glorot2010("tanh", "glorot_uniform").replace(epochs=3)
    assert histograms_asked(args) is True  # headless too: the paper's figures need them
    assert starts_with_tour(parse_args([])[0])


@pytest.mark.parametrize(
    ("argv", "asked"),
    [
        ([], True),  # the app: for its distribution screen
        (["--headless"], False),
        (["--headless", "--logdir", "LOGS"], True),
        (["--headless", "--histograms", "7"], 7),
        (["--histograms", "0"], 0),
    ],
)
def test_which_runs_count_histograms(argv, asked, tmp_path, monkeypatch):
    from vgtui.cli.run import histograms_asked

    monkeypatch.setattr("vgtui.cli.run.terminal_problem", lambda: None)
    argv = [str(tmp_path / a) if a == "LOGS" else a for a in argv]
    assert histograms_asked(parse_args(argv)[0]) == asked


@pytest.mark.parametrize("value", ["-1", "x", "1000001"])
def test_bad_histogram_strides_and_a_preset_with_a_model_are_refused(value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", "--histograms", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vgtui: error: --histograms: ") and "allowed: 0..1000000" in err
    with pytest.raises(SystemExit):
        parse_args(["--headless", "--preset", "glorot2010", "--model", "examples/digits_mlp.py"])
    assert "--preset: not with --model" in capsys.readouterr().err


def test_a_headless_preset_run_logs_its_histograms(tmp_path, capsys):
    """The preset's data, optimizer and batches, made tiny; its log holds every 100th step's."""
    from vgtui.records import HistogramBlock
    from vgtui.runlog import list_logs, read_run

    argv = ["--headless", "--preset", "glorot2010", "--depth", "2", "--width", "8"]
    status = main([*argv, "--samples", "40", "--epochs", "26", "--logdir", str(tmp_path)])
    assert status == 0
    out = capsys.readouterr().out
    assert "histograms every 100th step" in out and "sigmoid · standard · 2×8 · sgd" in out
    records = read_run(list_logs(tmp_path)[0])
    assert records[0].info["histogram_every"] == 100
    assert records[0].config.dataset == "shapeset" and records[0].config.batch_size == 10
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    assert [int(s) for b in blocks for s in b.steps] == [1, 101]  # 104 steps


def test_the_headless_epoch_line_says_the_validation_and_an_unknown_accuracy_is_a_dash():
    import math

    from vgtui.cli.headless import format_epoch, format_summary
    from vgtui.history import LatestEpoch
    from vgtui.records import STAT_NAMES, RunSummary

    means = np.full((2, len(STAT_NAMES)), 1e-3)
    epoch = LatestEpoch(3, 65, 96, 0.5, 0.75, means, val_loss=0.625, val_accuracy=0.7)
    line = format_epoch(epoch, ("dense", "dense_1"), 20)
    assert line.startswith("epoch  3/20  loss 0.5000  acc 0.750  val_loss 0.6250  val_acc 0.700  ")
    plain = LatestEpoch(3, 65, 96, 0.5, 0.75, means)  # no validation data: nothing said
    assert "val_" not in format_epoch(plain, ("dense", "dense_1"), 20)
    summary = RunSummary(math.nan, 0.75, 0.5, 1.0, 3, 96)
    assert format_summary(summary)[0].startswith("accuracy before –, after 0.750;")
