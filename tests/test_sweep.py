"""The headless sweep against the real engine, and its JSON read back."""

import pytest

from vgtui.cli import main
from vgtui.cli.run import parse_args
from vgtui.config import ConfigError, RunConfig
from vgtui.export.runfile import read_json
from vgtui.records import RunSummary
from vgtui.session.comparison import ComparisonRow, format_table
from vgtui.session.sweep import sweep_configs


def test_sweep_configs_change_one_field_and_keep_seed_and_data():
    base = RunConfig(seed=9, dataset="moons", depth=3)
    configs = sweep_configs(base, "activation")
    assert [c.activation for c in configs] == ["sigmoid", "tanh", "relu"]
    assert all(c.replace(activation=base.activation) == base for c in configs)
    inits = sweep_configs(base, "init", ("small", "he_uniform"))
    assert [c.init for c in inits] == ["small", "he_uniform"]


def test_sweep_values_are_checked():
    with pytest.raises(ConfigError, match="--sweep-values: 'bogus'"):
        sweep_configs(RunConfig(), "init", ("normal", "bogus"))


def test_repeated_sweep_values_are_refused_in_one_line(capsys):
    with pytest.raises(ConfigError, match="sigmoid given more than once"):
        sweep_configs(RunConfig(), "activation", ("sigmoid", "sigmoid", "tanh"))
    with pytest.raises(SystemExit) as exit_info:
        parse_args(
            ["--headless", "--sweep", "init", "--sweep-values", "small, normal,small,normal"]
        )
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "vgtui: error: --sweep-values: small, normal given more than once; give each value once\n"
    )
    assert len(sweep_configs(RunConfig(), "activation", ("sigmoid", "tanh"))) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["--sweep", "activation"],  # not headless
        ["--headless", "--sweep", "activation", "--sweep-values", "tanh,tanh"],
        ["--headless", "--sweep", "depth"],
        ["--headless", "--sweep-values", "relu"],
        ["--headless", "--sweep", "activation", "--sweep-values", "relu,softplus"],
        ["--headless", "--sweep", "activation", "--sweep-values", ","],
    ],
)
def test_bad_sweeps_get_one_line_and_status_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vgtui: error: --sweep") or "argument --sweep" in err
    assert err.count("\n") == 1


def test_headless_sweep_prints_one_table_and_its_json_loads_back(tmp_path, capsys):
    path = tmp_path / "sweep.json"
    argv = ["--headless", "--sweep", "activation", "--epochs", "2", "--json", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    table = out[out.rindex("run ") :]
    lines = table.splitlines()
    assert [line.split()[0] for line in lines[2:5]] == [
        "sigmoid/normal",
        "tanh/normal",
        "relu/normal",
    ]
    data = read_json(path)
    assert data["sweep"] == "activation"
    runs = data["runs"]
    assert [r["config"]["activation"] for r in runs] == ["sigmoid", "tanh", "relu"]
    assert {r["config"]["seed"] for r in runs} == {RunConfig().seed}
    for run in runs:
        assert [e["epoch"] for e in run["epochs"]] == [1, 2]
        assert run["summary"]["verdict"] in ("vanishing", "healthy", "exploding", "diverged")
        acc = f"{run['summary']['accuracy_after']:.3f}"
        row = next(line for line in lines if line.startswith(run["config"]["activation"] + "/"))
        assert acc in row.split()


def test_comparison_table_groups_seeds_with_mean_and_spread_and_a_baseline():
    def summary(accuracy: float, median: float) -> RunSummary:
        return RunSummary(
            0.5,
            accuracy,
            0.1,
            1.0,
            100,
            3200,
            verdict="healthy",
            first_layer_decades_median=median,
            first_layer_decades_latest=median,
        )

    sigmoid = RunConfig()
    relu = RunConfig(activation="relu")
    rows = [
        ComparisonRow(sigmoid.replace(seed=1), summary(0.60, -1.0), "done", first_sd=1e-3),
        ComparisonRow(sigmoid.replace(seed=2), summary(0.64, -1.2), "done", first_sd=4e-3),
        ComparisonRow(relu.replace(seed=1), summary(0.98, 0.5), "done", first_sd=4e-2),
        ComparisonRow(relu.replace(seed=2), summary(0.96, 0.7), "done", first_sd=1e-1),
        ComparisonRow(RunConfig(depth=48), None, "stopped"),
    ]
    lines = format_table(rows).splitlines()
    header = lines[0].split()
    assert header[:4] == ["run", "depth", "n", "seeds"], "depth differs between runs: shown"
    sigmoid_row, relu_row, deep_row = (line.split() for line in lines[2:5])
    assert sigmoid_row[:4] == ["sigmoid/normal", "4", "2", "1,2"]
    assert sigmoid_row[4] == "0.620±0.020"  # accuracy: mean ± population SD over the seeds
    assert sigmoid_row[5] == "base"
    # The geometric means of the first SDs: 2e-3 and 6.3e-2, a ratio of 32.
    assert relu_row[5:7] == ["32×", "sigmoid"]
    assert "-1.1±0.1" in sigmoid_row and "+0.6±0.1" in relu_row
    assert deep_row[-1] == "stopped" and "–" in deep_row


def test_repeated_seeds_are_one_line_errors(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", "--seeds", "1,2,1"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "vgtui: error: --seeds: 1 given more than once; give each seed once\n"
    )
    with pytest.raises(SystemExit):
        parse_args(["--headless", "--seeds", "1,x"])
    assert "--seeds: 'x' is not a whole number" in capsys.readouterr().err


def test_headless_seeds_repeat_each_sweep_value(tmp_path, capsys):
    path = tmp_path / "seeds.json"
    argv = [
        "--headless",
        "--sweep",
        "activation",
        "--sweep-values",
        "sigmoid,relu",
        "--seeds",
        "1,2",
        "--epochs",
        "2",
        "--json",
        str(path),
    ]
    assert main(argv) == 0
    runs = read_json(path)["runs"]
    assert [(r["config"]["activation"], r["config"]["seed"]) for r in runs] == [
        ("sigmoid", 1),
        ("sigmoid", 2),
        ("relu", 1),
        ("relu", 2),
    ]
    out = capsys.readouterr().out
    table = out[out.rindex("run ") :].splitlines()
    assert [line.split()[:3] for line in table[2:4]] == [
        ["sigmoid/normal", "2", "1,2"],
        ["relu/normal", "2", "1,2"],
    ]


def test_headless_init_sweep_with_a_diverging_run_exits_3(tmp_path, capsys):
    path = tmp_path / "init.json"
    argv = [
        "--headless",
        "--sweep",
        "init",
        "--sweep-values",
        "he_normal,normal",
        "--optimizer",
        "sgd",
        "--lr",
        "100",
        "--activation",
        "relu",
        "--depth",
        "8",
        "--width",
        "64",
        "--epochs",
        "2",
        "--json",
        str(path),
    ]
    assert main(argv) == 3
    runs = read_json(path)["runs"]
    assert [r["config"]["init"] for r in runs] == ["he_normal", "normal"]
    assert any(r["summary"].get("diverged_step") for r in runs)
    assert "diverged" in capsys.readouterr().out


def test_a_run_longer_than_the_history_holds_epoch_means_in_strides(tmp_path):
    path = tmp_path / "long.json"
    argv = [
        "--headless",
        "--epochs",
        "5000",
        "--samples",
        "8",
        "--batch-size",
        "8",
        "--depth",
        "1",
        "--width",
        "2",
        "--json",
        str(path),
    ]
    assert main(argv) == 0
    run = read_json(path)
    stride = run["epoch_stride"]
    assert stride > 1
    epochs = [e["epoch"] for e in run["epochs"]]
    assert epochs[1] - epochs[0] == stride
    assert epochs[-1] == 5000 and len(epochs) <= 4096
    assert run["summary"]["epochs"] == 5000
