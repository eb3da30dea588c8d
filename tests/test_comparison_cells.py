"""The comparison table's cells and headers say what they are and what tells rows apart."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tests.runlogs import stream
from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import STAT_INDEX, RunSummary, StepBlock
from vgtui.run_identity import ModelIdentity
from vgtui.session.comparison import (
    FIRST_SD,
    ComparisonRow,
    cells,
    columns,
    differing_settings,
    format_table,
    group_rows,
)
from vgtui.session.summary import finalize


def _summary(accuracy: float = 0.9) -> RunSummary:
    return RunSummary(0.5, accuracy, 0.1, 1.0, 10, 320, verdict="healthy")


def _info(
    activation: str = "sigmoid",
    init: str | None = "glorot_uniform",
    optimizer: str = "SGD",
    name: str = "digits_mlp",
    **more: object,
) -> dict[str, object]:
    """A GradientMonitor header's info: 2 hidden layers and a softmax output."""
    hidden = {"class": "Dense", "activation": activation}
    if init is not None:
        hidden["kernel_initializer"] = init
    output = {"class": "Dense", "activation": "softmax"}
    if init is not None:
        output["kernel_initializer"] = "glorot_uniform"
    return {
        "source": "keras",
        "title": "whatever the header said",
        "model": {"name": name, "layers": [hidden, dict(hidden), output]},
        "optimizer": {"class": optimizer, "config": {"learning_rate": 0.1}},
        "batch_size": 32,
        **more,
    }


def _model_row(number: int, info: dict[str, object], first_sd: float) -> ComparisonRow:
    model = ModelIdentity.from_info(info)
    return ComparisonRow(None, _summary(), "done", "title", first_sd, number, model)


def test_the_first_layer_sd_column_is_the_median_over_steps_and_the_json_key_says_so():
    records = stream("sigmoid_normal")
    history = History()
    for record in records:
        history.record(record)
    summary = finalize(history.view(), records[-1])
    # Independently: the median of the first layer's gradient SD over every step recorded.
    sd = np.concatenate([r.step_stats[:, 0, STAT_INDEX["grad_sd"]] for r in records
                         if isinstance(r, StepBlock)])  # fmt: skip
    assert summary.first_layer_sd_median == pytest.approx(float(np.median(sd)))
    assert summary.to_dict()["first_layer_sd_median"] == summary.first_layer_sd_median
    assert FIRST_SD == "1st SD median" and FIRST_SD in columns()
    row = ComparisonRow(RunConfig(), summary, "done", first_sd=summary.first_layer_sd_median)
    (group,) = group_rows([row])
    assert cells(group, group)[FIRST_SD].text == f"{float(np.median(sd)):.1e}"


def test_multiples_are_written_one_way_and_name_the_baseline_by_what_differs():
    base = RunConfig()
    rows = [
        ComparisonRow(base, _summary(), "done", first_sd=1e-3, number=1),
        ComparisonRow(base.replace(init="glorot_uniform"), _summary(), "done", first_sd=3e-3,
                      number=2),
        ComparisonRow(base.replace(init="he_normal"), _summary(), "done", first_sd=4.2e-2,
                      number=3),
        ComparisonRow(base.replace(depth=10), _summary(), "done", first_sd=1e-5, number=4),
    ]  # fmt: skip
    table = format_table(rows)
    lines = table.splitlines()
    # A sweep of initializers: every row is sigmoid, so the baseline is named by its init.
    assert "3× normal" in lines[3] and "42× normal" in lines[4]
    # A row that differs by depth alone: named by the setting that differs.
    assert "0.01× depth 4" in lines[5]
    assert not re.search(r"\d\s?x\b|\(\d+×\)", table), "a multiple written another way"


def test_two_runs_of_one_model_are_two_rows_named_by_their_layers():
    sigmoid = _model_row(1, _info(), 2e-6)
    relu = _model_row(2, _info("relu", "he_normal"), 0.16)
    again = _model_row(3, _info("relu", "he_normal"), 0.18)
    groups = group_rows([sigmoid, relu, again])
    assert [g.first.label for g in groups] == ["sigmoid/glorot_uniform", "relu/he_normal"]
    assert [len(g.rows) for g in groups] == [1, 2]
    assert differing_settings([sigmoid, relu, again]) == []  # the label says what differs
    vs = cells(groups[1], groups[0])["vs base"].text
    assert vs == "84853× sigmoid"  # geometric mean of 0.16 and 0.18 over 2e-6
    assert len(vs) <= 20


def test_a_model_runs_optimizer_model_and_title_tell_rows_apart():
    sgd = _model_row(1, _info(), 1e-3)
    adam = _model_row(2, _info(optimizer="Adam"), 2e-3)
    cnn = _model_row(3, _info(name="digits_cnn", optimizer="Adam"), 4e-3)
    rows = [sgd, adam, cnn]
    assert differing_settings(rows) == ["model", "optimizer"]
    lines = format_table(rows).splitlines()
    assert lines[0].split()[:3] == ["run", "model", "optimizer"]
    assert lines[2].split()[:3] == ["sigmoid/glorot_uniform", "digits_mlp", "sgd"]
    assert lines[4].split()[:3] == ["sigmoid/glorot_uniform", "digits_cnn", "adam"]
    groups = group_rows(rows)
    assert cells(groups[1], groups[0])["vs base"].text == "2× sgd"
    assert cells(groups[2], groups[1])["vs base"].text == "2× digits_mlp"
    titled = _model_row(4, _info(title="a very long title of my own run", title_given=True), 1)
    (group,) = group_rows([titled])
    assert group.first.label == "a very long title of my own run"
    vs = cells(group_rows([sgd])[0], group)["vs base"].text
    assert vs == "0.001× a very long tit…" and len(vs) <= 24


def test_an_older_models_log_is_named_by_what_it_recorded():
    # Written before vgtui recorded initializers, total epochs or whether a title was given.
    info = _info("tanh", init=None)
    identity = ModelIdentity.from_info(info)
    assert identity.label == "tanh" and identity.init == "" and identity.epochs == ""
    assert identity.description == "digits_mlp · tanh · sgd"
    assert ModelIdentity.from_info({}).label == ""
    row = ComparisonRow(None, _summary(), "done", "digits_mlp, 9 kernels, SGD", math.nan, 1)
    assert row.label == "digits_mlp, 9 kernels, SGD"  # no model description: its title


@pytest.mark.parametrize(
    "info",
    [
        {"model": {"layers": 5}},
        {"model": {"name": 3, "layers": [None, 7, {"activation": 2}]}, "optimizer": "sgd"},
        {"model": [], "optimizer": {"class": None, "config": {"learning_rate": "x"}}},
        {"title": None, "title_given": True, "epochs": "20", "batch_size": True},
    ],
)
def test_an_odd_header_reads_as_nothing_told(info):
    identity = ModelIdentity.from_info(info)
    assert identity.activation == "" and identity.init == "" and identity.lr == ""
    assert identity.epochs == "" and identity.batch_size == "" and identity.title == ""
