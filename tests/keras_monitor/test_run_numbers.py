"""Runs of your own model say what they are: names, accuracy before, validation, epochs, config.

Each test fits a tiny model for a few epochs with the GradientMonitor and
checks what reaches the run log, the history, the comparison, the status
line and the exports against what Keras itself reports (its History, an
``evaluate`` before training) or against the model as it was built.
"""

from __future__ import annotations

import csv
import json
import math

import keras
import numpy as np
import pytest

from vgtui.cli import main
from vgtui.display.status import RunFacts, run_status
from vgtui.history import History
from vgtui.keras import GradientMonitor
from vgtui.records import STAT_INDEX, EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.runlog import list_logs, read_run
from vgtui.session.comparison import ComparisonRow, cells, format_table, group_rows
from vgtui.session.kept import KeptRun
from vgtui.session.summary import finalize
from vgtui.sources.jsonfile import read_json_runs
from vgtui.ui.widgets.status_line import status_text

N, BATCH, CLASSES = 96, 16, 3


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, 8)).astype("float32")
    return x, rng.integers(0, CLASSES, N)


def _model(activation: str = "sigmoid", init: str = "glorot_uniform", **compile_kw) -> keras.Model:
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(6, activation=activation, kernel_initializer=init),
            keras.layers.Dense(6, activation=activation, kernel_initializer=init),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ],
        name="tiny",
    )
    model.compile(
        keras.optimizers.SGD(0.1),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        **compile_kw,
    )
    return model


def _kept(path, number: int) -> KeptRun:
    """A run log as the session keeps it (what the comparison and the monitor read)."""
    records = read_run(path)
    history = History()
    for record in records:
        history.record(record)
    view = history.view()
    summary = next(r for r in records if isinstance(r, RunSummary))
    return KeptRun.from_view(number, None, view, finalize(view, summary))


def _row(kept: KeptRun) -> ComparisonRow:
    return ComparisonRow(
        kept.config, kept.summary, kept.state, kept.name, kept.first_layer_sd, kept.number,
        kept.model,
    )  # fmt: skip


def test_two_runs_of_one_model_are_named_by_what_differs(tmp_path) -> None:
    x, y = _data()
    logdir = tmp_path / "runs"
    for activation, init in (("sigmoid", "glorot_uniform"), ("relu", "he_normal")):
        model = _model(activation, init)
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                  callbacks=[GradientMonitor(str(logdir))])  # fmt: skip
    first, second = list_logs(logdir)
    # Log names: start time, then the model, its hidden layers' activation and init, optimizer.
    assert first.name.endswith("Z-tiny-sigmoid-glorot_uniform-sgd.vglog")
    assert second.name.endswith("Z-tiny-relu-he_normal-sgd.vglog")
    assert sorted([first.name, second.name]) == [first.name, second.name]
    runs = [_kept(first, 1), _kept(second, 2)]
    assert [run.view.start.title for run in runs] == [
        "tiny · sigmoid · glorot_uniform · sgd",
        "tiny · relu · he_normal · sgd",
    ]
    table = format_table([_row(run) for run in runs]).splitlines()
    header = table[0].split()
    assert header[:2] == ["run", "acc"], "a column told nothing apart"  # no model/optimizer column
    assert table[2].startswith("sigmoid/glorot_uniform ")
    assert table[3].startswith("relu/he_normal ")
    # The multiple names the baseline by what sets it apart, in a short cell.
    multiple = runs[1].first_layer_sd / runs[0].first_layer_sd
    shown = f"{multiple:.0f}×" if multiple >= 10 else f"{multiple:.2g}×"
    assert f"{shown} sigmoid " in table[3]
    groups = group_rows([_row(run) for run in runs])
    cell = cells(groups[1], groups[0])["vs base"].text
    assert cell == f"{shown} sigmoid" and len(cell) <= 20, "the cell pushes columns out"


def test_title_names_the_run_its_log_and_its_row(tmp_path) -> None:
    x, y = _data()
    monitor = GradientMonitor(str(tmp_path), title="SGD baseline, seed 1")
    _model().fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[monitor])
    (log,) = list_logs(tmp_path)
    assert log.name.endswith("Z-sgd-baseline-seed-1.vglog")
    kept = _kept(log, 1)
    assert kept.view.start.title == "SGD baseline, seed 1"
    assert format_table([_row(kept)]).splitlines()[2].startswith("SGD baseline, seed 1 ")


def test_accuracy_before_is_the_first_batchs_before_its_update(tmp_path) -> None:
    x, y = _data()
    model = _model()
    # Independently: the untrained model on the first batch fit will take (no shuffling).
    expected = model.evaluate(x[:BATCH], y[:BATCH], batch_size=BATCH, verbose=0, return_dict=True)
    records = []
    monitor = GradientMonitor(emit=records.append)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[monitor])
    summary = records[-1]
    assert isinstance(summary, RunSummary)
    assert summary.accuracy_before == pytest.approx(expected["accuracy"])
    assert summary.accuracy_before * BATCH == pytest.approx(round(summary.accuracy_before * BATCH))


def test_accuracy_before_not_told_is_a_dash_never_nan() -> None:
    x, y = _data()
    records = []
    model = _model(steps_per_execution=2)  # its first callback ends the second batch
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
              callbacks=[GradientMonitor(emit=records.append)])  # fmt: skip
    history = History()
    for record in records:
        history.record(record)
    view = history.view()
    assert math.isnan(view.summary.accuracy_before)
    status = run_status(RunFacts(config=None), view, engine_seen=True, cursor_of=None)
    line = status_text(status).plain
    assert f"acc –→{view.latest.accuracy:.3f}" in line and "nan" not in line


def test_validation_is_recorded_logged_and_exported(tmp_path) -> None:
    x, y = _data()
    x_val, y_val = _data(seed=1)
    records = []
    monitor = GradientMonitor(str(tmp_path / "runs"), emit=records.append)
    fitted = _model().fit(
        x, y, batch_size=BATCH, epochs=3, validation_data=(x_val[:48], y_val[:48]), verbose=0,
        callbacks=[monitor],
    )  # fmt: skip
    # Independently: Keras's own History of the fit.
    want_loss, want_acc = fitted.history["val_loss"], fitted.history["val_accuracy"]
    ends = [r for r in records if isinstance(r, EpochEnd)]
    assert [e.val_loss for e in ends] == pytest.approx(want_loss)
    assert [e.val_accuracy for e in ends] == pytest.approx(want_acc)
    # The run log carries them, and the history read from it exposes them.
    (log,) = list_logs(tmp_path / "runs")
    history = History()
    for record in read_run(log):
        history.record(record)
    view = history.view()
    assert view.validated
    assert view.epoch_val_loss.tolist() == pytest.approx(want_loss)
    assert view.epoch_val_accuracy.tolist() == pytest.approx(want_acc)
    assert view.latest.val_accuracy == pytest.approx(want_acc[-1])
    # The JSON export, per epoch; read back as vgtui view reads a --json file.
    out = tmp_path / "run.json"
    assert main(["export", str(log), "--json", str(out), "--csv", str(tmp_path / "s.csv")]) == 0
    epochs = json.loads(out.read_text())["epochs"]
    assert [e["val_loss"] for e in epochs] == pytest.approx(want_loss)
    assert [e["val_accuracy"] for e in epochs] == pytest.approx(want_acc)
    (back,) = read_json_runs(out)
    again = [r.val_accuracy for r in back if isinstance(r, EpochEnd)]
    assert again == pytest.approx(want_acc)
    # The CSV: on the rows of each epoch's last step, empty on the others.
    with open(tmp_path / "s.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    filled = [r for r in rows if r["val_loss"]]
    steps = N // BATCH
    assert sorted({int(r["step"]) for r in filled}) == [steps, 2 * steps, 3 * steps]
    assert len(filled) == 3 * len(view.layer_names)
    by_epoch = {int(r["epoch"]): float(r["val_accuracy"]) for r in filled}
    assert [by_epoch[e] for e in (1, 2, 3)] == pytest.approx(want_acc, abs=1e-6)


def test_a_run_without_validation_has_none(tmp_path) -> None:
    x, y = _data()
    records = []
    _model().fit(x, y, batch_size=BATCH, epochs=1, verbose=0,
                 callbacks=[GradientMonitor(str(tmp_path), emit=records.append)])  # fmt: skip
    (end,) = [r for r in records if isinstance(r, EpochEnd)]
    assert math.isnan(end.val_loss) and math.isnan(end.val_accuracy)
    out = tmp_path / "run.json"
    assert main(["export", str(list_logs(tmp_path)[0]), "--json", str(out)]) == 0
    assert "val_loss" not in json.loads(out.read_text())["epochs"][0]


def test_the_total_epochs_reach_the_status_line_and_the_export(tmp_path) -> None:
    x, y = _data()
    records = []
    monitor = GradientMonitor(str(tmp_path), emit=records.append, batch_size=BATCH)
    _model().fit(x, y, batch_size=BATCH, epochs=3, initial_epoch=1, verbose=0,
                 callbacks=[monitor])  # fmt: skip
    start = records[0]
    assert isinstance(start, RunStart) and start.info["epochs"] == 3 and start.epochs == 3
    history = History()
    for record in records:
        history.record(record)
    view = history.view()
    status = run_status(RunFacts(config=None), view, engine_seen=True, cursor_of=None)
    assert "epoch 3/3" in status_text(status).plain
    # The export's config says what is known of the model, and its decades are filled.
    (log,) = list_logs(tmp_path)
    out = tmp_path / "run.json"
    assert main(["export", str(log), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["config"] == {
        "model": "tiny",
        "title": "tiny · sigmoid · glorot_uniform · sgd",
        "activation": "sigmoid",
        "init": "glorot_uniform",
        "optimizer": "sgd",
        "lr": 0.1,
        "batch_size": BATCH,
        "epochs": 3,
    }
    sd = np.concatenate([r.step_stats for r in records if isinstance(r, StepBlock)])
    sd = sd[:, :, STAT_INDEX["grad_sd"]].astype(np.float32)  # as the log stores them
    ratio = np.log10(sd[:, 0].astype(np.float64) / sd[:, -1])
    summary = data["summary"]
    assert summary["first_layer_decades_median"] == pytest.approx(float(np.median(ratio)))
    last = slice(-(N // BATCH), None)  # the last epoch's steps: the mean SD of each layer
    latest = math.log10(sd[last, 0].astype(np.float64).mean() / sd[last, -1].mean())
    assert summary["first_layer_decades_latest"] == pytest.approx(latest)
    assert summary["first_layer_sd_median"] == pytest.approx(float(np.median(sd[:, 0])))
