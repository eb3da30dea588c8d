"""Records, logs and fixtures from before ``act_deriv_mean``: 7 statistics still load."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.cli import main
from vgtui.history import History
from vgtui.records import STAT_INDEX, STAT_NAMES, RunStart, StepBlock, conform_stats
from vgtui.runlog import RunLogWriter, header_from_start
from vgtui.sources.replay import load_stream

FIXTURES = Path(__file__).parent / "fixtures"
OLD_NAMES = STAT_NAMES[:7]
DERIV = STAT_INDEX["act_deriv_mean"]


def test_act_deriv_mean_is_appended_after_the_seven_older_statistics() -> None:
    assert STAT_NAMES[:7] == (
        "grad_mean", "grad_sd", "grad_norm", "weight_mean", "weight_sd", "saturation", "dead",
    )  # fmt: skip
    assert STAT_NAMES[7] == "act_deriv_mean"


def test_conform_stats_pads_a_prefix_and_maps_by_name() -> None:
    old = np.arange(2 * 3 * 7, dtype=np.float64).reshape(2, 3, 7)
    padded = conform_stats(old)
    assert padded.shape == (2, 3, len(STAT_NAMES))
    assert np.array_equal(padded[..., :7], old) and np.isnan(padded[..., 7:]).all()
    # By name: another order, and a statistic this vgtui does not know, dropped.
    named = conform_stats(old[..., [1, 0, 2]], ["grad_sd", "grad_mean", "future_stat"])
    assert np.array_equal(named[..., STAT_INDEX["grad_sd"]], old[..., 1])
    assert np.array_equal(named[..., STAT_INDEX["grad_mean"]], old[..., 0])
    assert np.isnan(np.delete(named, [0, 1], axis=-1)).all()
    full = np.zeros((1, 1, len(STAT_NAMES)))
    assert conform_stats(full) is full


def test_a_recording_of_seven_statistics_loads_with_nan_derivatives(tmp_path) -> None:
    """A stream recorded before act_deriv_mean (seven statistics a layer) loads with it NaN."""
    with np.load(FIXTURES / "sigmoid_normal.npz") as data:
        arrays = {key: data[key] for key in data.files}
    assert arrays["step_stats"].shape[-1] == len(STAT_NAMES)
    arrays["step_stats"] = arrays["step_stats"][..., :7]  # as an older vgtui recorded it
    older = tmp_path / "older.npz"
    np.savez(older, **arrays)
    raw = arrays["step_stats"].astype(np.float64)
    records = load_stream(older)
    stats = np.concatenate([r.step_stats for r in records if isinstance(r, StepBlock)])
    assert stats.shape[-1] == len(STAT_NAMES)
    assert np.array_equal(stats[..., :7], raw, equal_nan=True)
    assert np.isnan(stats[..., DERIV]).all()


def test_a_history_takes_steps_of_seven_statistics() -> None:
    history = History()
    history.record(RunStart(None, "CPU", ("a", "b"), 0.5, 0.7))
    stats = np.full((4, 2, 7), 0.25)
    history.record(StepBlock(1, 1, np.ones(4), np.ones(4), stats))
    view = history.view()
    assert view.step_stats.shape == (4, 2, len(STAT_NAMES))
    assert (view.step_stats[..., :7] == 0.25).all() and np.isnan(view.step_stats[..., 7]).all()


def _old_log(logdir: Path) -> tuple[Path, list]:
    """A run log as the vgtui before act_deriv_mean wrote it: 7 statistics named in its header."""
    stream = load_stream(FIXTURES / "tanh_normal.npz")
    records = [stream[0], *whole_epochs(stream)[:3]]  # start and three epochs
    header = {**header_from_start(records[0]), "stat_names": list(OLD_NAMES), "started": 1.8e9}
    with RunLogWriter.create(logdir, header) as writer:
        for epoch in records[1:]:
            writer.steps(epoch.epoch, epoch.first_step, epoch.step_loss, epoch.step_accuracy,
                         epoch.step_stats[..., :7])  # fmt: skip
            writer.epoch_end(epoch.epoch, epoch.loss, epoch.accuracy)
    return writer.path, records


def test_an_older_log_exports_with_empty_act_deriv_mean(tmp_path: Path) -> None:
    path, records = _old_log(tmp_path / "logs")
    out_csv, out_json = tmp_path / "old.csv", tmp_path / "old.json"
    assert main(["export", str(path), "--csv", str(out_csv), "--json", str(out_json)]) == 0
    with open(out_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    names = records[0].layer_names
    assert len(rows) == 3 * 32 * len(names)
    assert {r["act_deriv_mean"] for r in rows} == {""}
    first = records[1].step_stats[0]
    for j, row in enumerate(rows[: len(names)]):
        assert np.float32(row["grad_sd"]) == np.float32(first[j, STAT_INDEX["grad_sd"]])
    got = json.loads(out_json.read_text())
    layers = got["epochs"][0]["layers"]
    assert all(layer["act_deriv_mean"] is None for layer in layers)
    assert layers[0]["grad_sd"] == pytest.approx(records[1].layer_means()[0, 1], rel=1e-6)
