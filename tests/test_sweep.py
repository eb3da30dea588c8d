"""The headless sweep against the real engine, and its JSON read back."""

import math

import pytest

from vgtui.cli import main, parse_args
from vgtui.comparison import ComparisonRow, format_table
from vgtui.config import ConfigError, RunConfig
from vgtui.records import RunSummary
from vgtui.runfile import read_json
from vgtui.sweep import sweep_configs


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
    table = out[out.rindex("activation  init") :]
    lines = table.splitlines()
    assert [line.split()[0] for line in lines[2:5]] == ["sigmoid", "tanh", "relu"]
    data = read_json(path)
    assert data["sweep"] == "activation"
    runs = data["runs"]
    assert [r["config"]["activation"] for r in runs] == ["sigmoid", "tanh", "relu"]
    assert {r["config"]["seed"] for r in runs} == {42}
    for run in runs:
        assert [e["epoch"] for e in run["epochs"]] == [1, 2]
        assert run["summary"]["verdict"] in ("vanishing", "healthy", "exploding", "diverged")
        acc = f"{run['summary']['accuracy_after']:.3f}"
        row = next(line for line in lines if line.startswith(run["config"]["activation"]))
        assert acc in row.split()


def test_comparison_table_shows_dashes_for_runs_without_a_summary():
    summary = RunSummary(
        0.5,
        0.99,
        0.02,
        10.0,
        100,
        3200,
        verdict="healthy",
        first_layer_decades_median=0.54,
        first_layer_decades_latest=1.0,
    )
    vanished = RunSummary(
        0.5, 0.5, 0.69, 0.0, 100, 3200, verdict="vanishing", first_layer_decades_median=-math.inf
    )
    rows = [
        ComparisonRow(RunConfig(activation="relu"), summary, "done"),
        ComparisonRow(RunConfig(), None, "training"),
        ComparisonRow(RunConfig(depth=48), vanished, "done"),
    ]
    table = format_table(rows).splitlines()
    assert table[2].split()[-6:] == ["0.0200", "1.00e+01", "+0.5", "+1.0", "healthy", "done"]
    assert table[3].split()[-3:] == ["–", "–", "training"]
    assert table[4].split()[-4:] == ["zero", "–", "vanishing", "done"]
