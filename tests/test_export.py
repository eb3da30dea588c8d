"""``vgtui export``: each format read back and compared with the log's own numbers; bad input."""

from __future__ import annotations

import csv
import dataclasses
import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.cli import main
from vgtui.diagnosis import diagnose, first_layer_decades, median_layer_sds
from vgtui.export.runfile import run_to_dict
from vgtui.export.runs import load_run
from vgtui.history import History
from vgtui.records import STAT_INDEX, STAT_NAMES, RunStart, RunSummary
from vgtui.runlog import FORMAT_VERSION, RunLogWriter, header_from_start
from vgtui.sources.replay import load_stream

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "run,step,epoch,layer,grad_mean,grad_sd,grad_norm,weight_mean,weight_sd,"
    "saturation,dead,batch_loss,batch_accuracy,act_deriv_mean,val_loss,val_accuracy"
)


def _write_log(logdir: Path, records: list, started: float) -> Path:
    start = records[0]
    header = {**header_from_start(start), "started": started}
    with RunLogWriter.create(logdir, header) as writer:
        for record in records:
            writer.write_record(record)
    return writer.path


@pytest.fixture(scope="module")
def streams() -> dict[str, list]:
    return {n: load_stream(FIXTURES / f"{n}.npz") for n in ("sigmoid_normal", "relu_diverged")}


@pytest.fixture
def logs(tmp_path: Path, streams) -> tuple[Path, list[Path]]:
    """A directory with a sigmoid run, a diverged relu run, and a tanh run cut mid-epoch."""
    logdir = tmp_path / "logs"
    paths = [
        _write_log(logdir, streams["sigmoid_normal"], 1.8e9),
        _write_log(logdir, streams["relu_diverged"], 1.8e9 + 1),
    ]
    tanh = load_stream(FIXTURES / "tanh_normal.npz")
    with RunLogWriter.create(logdir, {**header_from_start(tanh[0]), "started": 1.8e9 + 2}) as w:
        for record in tanh[1:7]:  # three epochs, each a StepBlock and an EpochEnd
            w.write_record(record)
        cut = tanh[7]  # the fourth epoch's steps
        w.steps(cut.epoch, cut.first_step, cut.step_loss[:10], cut.step_accuracy[:10],
                cut.step_stats[:10])  # fmt: skip
    paths.append(w.path)
    return logdir, paths


def _steps(records: list) -> tuple[np.ndarray, ...]:
    """Every step's number, epoch, loss, accuracy and stats, straight from the records."""
    epochs = whole_epochs(records)
    number = np.concatenate([np.arange(e.first_step, e.last_step + 1) for e in epochs])
    epoch = np.concatenate([np.full(e.steps, e.epoch) for e in epochs])
    loss = np.concatenate([e.step_loss for e in epochs])
    acc = np.concatenate([e.step_accuracy for e in epochs])
    stats = np.concatenate([e.step_stats for e in epochs])
    return number, epoch, loss, acc, stats


def _cell(value: float) -> str:
    return "" if np.isnan(value) else value


def test_csv_holds_every_step_of_every_layer(tmp_path: Path, logs, streams, capsys) -> None:
    _, paths = logs
    out = tmp_path / "steps.csv"
    assert main(["export", str(paths[0]), str(paths[1]), "--csv", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with open(out, newline="") as f:
        lines = list(csv.reader(f))
    assert ",".join(lines[0]) == HEADER
    rows = lines[1:]
    expected = []
    for path, name in zip(paths, ("sigmoid_normal", "relu_diverged")):
        records = streams[name]
        names = records[0].layer_names
        for number, epoch, loss, acc, stats in zip(*_steps(records)):
            for j, layer in enumerate(names):
                values = [*stats[j][:7], loss, acc, *stats[j][7:], np.nan, np.nan]
                expected.append((path.name, int(number), int(epoch), layer, values))
    assert len(rows) == len(expected)
    for row, (run, number, epoch, layer, values) in zip(rows, expected):
        assert row[:4] == [run, str(number), str(epoch), layer]
        assert len(row) == 4 + len(values)
        for cell, value in zip(row[4:], values):
            if np.isnan(value):
                assert cell == ""
            else:  # the float32 the engine emitted, exactly
                assert np.float32(cell) == np.float32(value)


def test_csv_of_a_log_cut_mid_epoch_holds_its_last_steps(tmp_path: Path, logs) -> None:
    _, paths = logs
    out = tmp_path / "cut.csv"
    assert main(["export", str(paths[2]), "--csv", str(out)]) == 0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    steps = sorted({int(r["step"]) for r in rows})
    assert steps == list(range(1, 3 * 32 + 10 + 1))
    assert {r["epoch"] for r in rows if int(r["step"]) > 96} == {"4"}


def test_json_is_the_headless_form(tmp_path: Path, logs, streams) -> None:
    _, paths = logs
    out = tmp_path / "run.json"
    assert main(["export", str(paths[0]), "--json", str(out)]) == 0
    got = json.loads(out.read_text())
    # The same run as --headless --json makes it, from the recorded stream itself.
    history = History()
    for record in streams["sigmoid_normal"]:
        history.record(record)
    view = history.view()
    verdict, reason = diagnose(view)
    decades = first_layer_decades(view)  # the fixture's summary lacks them: from the records
    summary = dataclasses.replace(
        streams["sigmoid_normal"][-1],
        verdict=verdict,
        verdict_reason=reason,
        first_layer_decades_median=decades.median,
        first_layer_decades_latest=decades.latest,
        first_layer_sd_median=float(median_layer_sds(view)[0]),
    )
    want = json.loads(json.dumps(run_to_dict(view.start.config, view, summary), allow_nan=False))
    assert got.pop("log") == paths[0].name
    assert got == want


def test_json_of_several_runs_and_of_an_unfinished_one(tmp_path: Path, logs, capsys) -> None:
    logdir, paths = logs
    out = tmp_path / "runs.json"
    assert main(["export", str(logdir), "--json", str(out)]) == 0
    assert f"note: {paths[2]} has no summary" in capsys.readouterr().err
    got = json.loads(out.read_text())
    assert got["sweep"] is None
    assert [r["log"] for r in got["runs"]] == [p.name for p in paths]
    sigmoid, relu, tanh = got["runs"]
    assert sigmoid["summary"]["verdict"] == "vanishing"
    assert relu["summary"]["verdict"] == "diverged"
    assert tanh["summary"]["stopped"] is True and tanh["summary"]["epochs"] == 3
    assert [e["epoch"] for e in tanh["epochs"]] == [1, 2, 3]


def _accumulate(directory: Path):
    from tensorboard.backend.event_processing.event_accumulator import (
        SCALARS,
        EventAccumulator,
    )

    acc = EventAccumulator(str(directory), size_guidance={SCALARS: 0})
    acc.Reload()
    return acc


def test_tensorboard_reads_back_the_logs_numbers(tmp_path: Path, logs, streams) -> None:
    _, paths = logs
    root = tmp_path / "tb"
    assert main(["export", str(paths[0]), "--tensorboard", str(root)]) == 0
    assert [p.name for p in root.iterdir()] == [paths[0].stem]
    acc = _accumulate(root / paths[0].stem)
    records = streams["sigmoid_normal"]
    names = records[0].layer_names
    number, _, loss, _, stats = _steps(records)
    tags = {f"{s}/{n}" for s in ("grad_sd", "grad_mean", "grad_norm", "weight_sd") for n in names}
    assert set(acc.Tags()["scalars"]) == tags | {"batch_loss", "loss", "accuracy"}
    for stat in ("grad_sd", "grad_mean", "grad_norm", "weight_sd"):
        for j, name in enumerate(names):
            events = acc.Scalars(f"{stat}/{name}")
            assert [e.step for e in events] == number.tolist()
            want = stats[:, j, STAT_INDEX[stat]].astype(np.float32)
            assert np.array_equal(np.array([e.value for e in events], np.float32), want)
    batch = acc.Scalars("batch_loss")
    assert np.array_equal(np.array([e.value for e in batch], np.float32), loss.astype(np.float32))
    epochs = whole_epochs(records)
    assert [e.step for e in acc.Scalars("loss")] == [e.epoch for e in epochs]
    assert [e.value for e in acc.Scalars("loss")] == [np.float32(e.loss) for e in epochs]
    assert [e.value for e in acc.Scalars("accuracy")] == [np.float32(e.accuracy) for e in epochs]


def test_tensorboard_will_not_mix_runs_into_old_events(tmp_path: Path, logs, capsys) -> None:
    _, paths = logs
    root = tmp_path / "tb"
    assert main(["export", str(paths[1]), "--tensorboard", str(root)]) == 0
    before = sorted(p.read_bytes() for p in root.rglob("*tfevents*"))
    with pytest.raises(SystemExit) as exit_:
        main(["export", str(paths[1]), "--tensorboard", str(root)])
    assert exit_.value.code == 2
    assert "already holds event files" in capsys.readouterr().err
    assert sorted(p.read_bytes() for p in root.rglob("*tfevents*")) == before


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_figure_is_the_tutorials_three_panels(tmp_path: Path, logs, streams) -> None:
    from vgtui.export.figure import LINE_POINTS, run_figure

    _, paths = logs
    run = load_run(paths[0])
    fig = run_figure(run)
    mean_ax, sd_ax, loss_ax = fig.axes
    assert sd_ax.get_yscale() == "log" and mean_ax.get_yscale() == "linear"
    assert mean_ax.get_shared_x_axes().joined(mean_ax, loss_ax)
    names = list(streams["sigmoid_normal"][0].layer_names)
    assert [t.get_text() for t in mean_ax.get_legend().get_texts()] == names
    assert "sigmoid · normal" in fig.get_suptitle() and "VANISHING" in fig.get_suptitle()
    # Each layer's SD line: the recorded SDs averaged over groups of 16 steps (3200 → 200).
    _, _, _, _, stats = _steps(streams["sigmoid_normal"])
    group = len(stats) // LINE_POINTS
    for j, line in enumerate(sd_ax.get_lines()[: len(names)]):
        want = stats[:, j, STAT_INDEX["grad_sd"]].reshape(LINE_POINTS, group).mean(axis=1)
        assert np.allclose(line.get_ydata(), want, rtol=1e-12)
        assert line.get_xdata().tolist() == list(range(group, len(stats) + 1, group))


def test_png_and_svg_files(tmp_path: Path, logs, capsys) -> None:
    _, paths = logs
    png, svg = tmp_path / "fig.png", tmp_path / "fig.svg"
    assert main(["export", str(paths[0]), "--png", str(png), "--svg", str(svg)]) == 0
    width, height = _png_size(png.read_bytes())
    assert width > 1000 and height > 1000
    text = "".join(ET.parse(svg).getroot().itertext())
    assert "VANISHING" in text and "gradient SD (log)" in text and "dense_1" in text


def test_the_figure_of_one_run_is_the_file_named(tmp_path: Path, logs, capsys) -> None:
    _, paths = logs
    alone = tmp_path / "alone"  # a directory of one run, as a GradientMonitor leaves it
    alone.mkdir()
    (alone / paths[0].name).write_bytes(paths[0].read_bytes())
    out = tmp_path / "figures"
    out.mkdir()
    for given in (alone, alone / paths[0].name):
        assert main(["export", str(given), "--png", str(out / "fig.png")]) == 0
        assert capsys.readouterr().out == f"wrote {out / 'fig.png'}\n"
        assert sorted(p.name for p in out.iterdir()) == ["fig.png"]
    # Two runs: one file each, the log's name after the name given.
    assert main(["export", str(paths[0]), str(paths[1]), "--png", str(out / "two.png")]) == 0
    made = sorted(p.name for p in out.glob("two*"))
    assert made == sorted(f"two-{p.stem}.png" for p in paths[:2])


def test_a_figure_per_run_or_one_to_compare(tmp_path: Path, logs) -> None:
    logdir, paths = logs
    assert main(["export", str(logdir), "--png", str(tmp_path / "fig.png")]) == 0
    made = sorted(p.name for p in tmp_path.glob("fig-*.png"))
    assert made == sorted(f"fig-{p.stem}.png" for p in paths)
    assert main(["export", str(logdir), "--svg", str(tmp_path / "all.svg"), "--compare"]) == 0
    root = ET.parse(tmp_path / "all.svg").getroot()
    text = "".join(root.itertext())
    assert text.count("gradient SD by layer") == 1
    for words in ("sigmoid · normal", "relu · he_normal", "tanh · normal", "DIVERGED"):
        assert words in text
    from vgtui.export.figure import compare_figure

    fig = compare_figure([load_run(p) for p in paths])
    assert len(fig.axes) == 3 and all(ax.get_yscale() == "log" for ax in fig.axes)


def _bad(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vgtui export: error: ") and err.count("\n") == 1, err
    return err


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, logs, capsys) -> None:
    logdir, paths = logs
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    newer = tmp_path / "newer.vglog"
    data = bytearray(paths[0].read_bytes())
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    newer.write_bytes(bytes(data))
    empty = tmp_path / "empty"
    empty.mkdir()
    out = str(tmp_path / "out.csv")
    assert "no such file" in _bad(["export", str(tmp_path / "missing"), "--csv", out], capsys)
    assert "not a vgtui run log" in _bad(["export", str(text), "--csv", out], capsys)
    assert "newer vgtui" in _bad(["export", str(newer), "--csv", out], capsys)
    assert "holds no vgtui run logs" in _bad(["export", str(empty), "--csv", out], capsys)
    assert "say what to write" in _bad(["export", str(logdir)], capsys)
    assert "--compare" in _bad(["export", str(logdir), "--csv", out, "--compare"], capsys)
    assert "is a directory" in _bad(["export", str(logdir), "--csv", str(empty)], capsys)
    missing_dir = str(tmp_path / "nowhere" / "x.csv")
    assert "does not exist" in _bad(["export", str(logdir), "--json", missing_dir], capsys)
    assert "not a directory" in _bad(["export", str(logdir), "--tensorboard", str(text)], capsys)
    read_only = tmp_path / "ro.png"
    read_only.write_bytes(b"keep")
    read_only.chmod(0o444)
    assert "read-only" in _bad(["export", str(paths[0]), "--png", str(read_only)], capsys)
    assert read_only.read_bytes() == b"keep"
    assert not (tmp_path / "out.csv").exists()
    assert "usage" not in _bad(["export", "--csv", out], capsys).lower()


BLOCKED = """
import sys
sys.modules[{module!r}] = None  # as if the package were not installed
from vgtui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("flag", "module", "hint"),
    [
        ("--png", "matplotlib", 'pip install "vgtui[plots]"'),
        ("--tensorboard", "tensorboard", 'pip install "vgtui[export]"'),
    ],
)
def test_a_missing_optional_package_says_how_to_install_it(
    tmp_path: Path, logs, flag, module, hint
) -> None:
    _, paths = logs
    target = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKED.format(module=module), "export", str(paths[0]), flag,
         str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and hint in proc.stderr
    assert not target.exists()


EXPORT_WITHOUT_TF = """
import json, sys
from vgtui.cli import main
status = main(sys.argv[1:])
names = ("tensorflow", "keras", "textual")
print(json.dumps({"status": status, **{n: n in sys.modules for n in names}}))
"""


def test_exporting_imports_neither_tensorflow_nor_textual(tmp_path: Path, logs) -> None:
    _, paths = logs
    argv = ["export", str(paths[0]), "--json", str(tmp_path / "a.json")]
    argv += ["--csv", str(tmp_path / "a.csv"), "--tensorboard", str(tmp_path / "tb")]
    argv += ["--png", str(tmp_path / "a.png")]
    proc = subprocess.run(
        [sys.executable, "-c", EXPORT_WITHOUT_TF, *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"status": 0, "tensorflow": False, "keras": False, "textual": False}


def test_a_keras_log_without_config_exports(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    header = {
        "config": None,
        "layer_names": ["conv", "dense"],
        "info": {"source": "keras", "title": "Sequential CNN", "lr": float("nan")},
        "loss_before": 0.7,
        "accuracy_before": 0.5,
    }
    stats = rng.random((40, 2, len(STAT_NAMES))).astype(np.float32)
    stats[:, :, 5:] = np.nan
    with RunLogWriter.create(tmp_path, header) as writer:
        for epoch in (1, 2):
            part = slice((epoch - 1) * 20, epoch * 20)
            writer.steps(epoch, 1 + (epoch - 1) * 20, rng.random(20), rng.random(20), stats[part])
            writer.epoch_end(epoch, 0.6 / epoch, 0.6 + 0.1 * epoch)
        writer.summary(dataclasses.asdict(RunSummary(0.5, 0.8, 0.3, 2.0, epochs=2, steps=40)))
    out = tmp_path / "k.json"
    png = tmp_path / "k.png"
    assert main(["export", str(writer.path), "--json", str(out), "--png", str(png)]) == 0
    got = json.loads(out.read_text())
    assert got["info"]["lr"] is None
    # What is known of the model: its title; nothing else was recorded in this header.
    assert got["config"] == {
        "model": None,
        "title": "Sequential CNN",
        "activation": None,
        "init": None,
        "optimizer": None,
        "lr": None,
        "batch_size": None,
        "epochs": None,
    }
    assert [layer["name"] for layer in got["epochs"][0]["layers"]] == ["conv", "dense"]
    assert got["epochs"][0]["layers"][0]["saturation"] is None
    assert _png_size(png.read_bytes())[0] > 1000
    assert isinstance(load_run(writer.path).start, RunStart)


def test_a_damaged_log_exports_what_comes_before_and_says_so(tmp_path: Path, logs, capsys) -> None:
    _, paths = logs
    data = bytearray(paths[0].read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside some frame in the middle of the run
    damaged = tmp_path / "damaged.vglog"
    damaged.write_bytes(bytes(data))
    out = tmp_path / "d.csv"
    assert (
        main(["export", str(damaged), "--csv", str(out), "--json", str(tmp_path / "d.json")]) == 0
    )
    err = capsys.readouterr().err
    assert f"note: {damaged} is damaged at byte " in err
    with open(out, newline="") as f:
        steps = sorted({int(r["step"]) for r in csv.DictReader(f)})
    assert 0 < len(steps) < 3200 and steps == list(range(1, len(steps) + 1))
    epochs = json.loads((tmp_path / "d.json").read_text())["epochs"]
    assert 0 < len(epochs) < 100
