"""`vgtui view` and `vgtui export` against hostile inputs and outputs (issue 20).

A FIFO, a pipe, a path too long, a crafted frame, /dev/full, a file size limit,
no terminal, a damaged or newer log in a directory, a log still being
written, a log without a summary, a run longer than the history's rows:
each is one line naming the path with exit 2 (bad input) or 1 (a fault),
never a traceback, never a wait on a special file, never a lost record.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import resource
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import Epoch
from tests.pseudo_terminal import ALT_SCREEN_ON, PseudoTerminal, terminal_env
from tests.runlogs import epoch_records, log_through_controller, started_at, stream
from vgtui.cli import main
from vgtui.diagnosis import first_layer_decades
from vgtui.export.runfile import run_to_dict
from vgtui.history import History
from vgtui.records import STAT_INDEX, STAT_NAMES, RunStart, RunSummary
from vgtui.runlog import FORMAT_VERSION, RunLogWriter, header_from_start, read_run
from vgtui.runlog.format import FRAME_HEAD, PREFIX, STEPS, STEPS_HEAD, frame
from vgtui.session.kept import MAX_KEPT_RUNS
from vgtui.sources.follower import FollowerSource
from vgtui.view.target import resolve

#: The installed command of this environment, never one found on PATH.
VGTUI = str(Path(sys.executable).parent / "vgtui")
#: Generous: a command that waits on a FIFO would never end; one that works ends in seconds.
LIMIT = 120


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    """Run the installed vgtui; its stdin is /dev/null unless given."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [VGTUI, *argv], capture_output=True, text=True, timeout=LIMIT, check=False, **kwargs
    )


def _one_line(err: str) -> str:
    """The single line of an error output; fails if there are more, or a traceback."""
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    return err.rstrip("\n")


@pytest.fixture(scope="module")
def sigmoid() -> list:
    return stream("sigmoid_normal")


@pytest.fixture
def log(tmp_path: Path, sigmoid) -> Path:
    """A finished run's log (100 epochs of 32 steps)."""
    path, _ = log_through_controller(tmp_path / "logs", sigmoid)
    return path


def _frames(path: Path) -> list[tuple[int, int, int]]:
    """(offset, kind, length) of every frame of a log, walked by hand from its prefix."""
    data = path.read_bytes()
    at, out = PREFIX.size, []
    while at + FRAME_HEAD.size <= len(data):
        kind, length, _ = FRAME_HEAD.unpack_from(data, at)
        out.append((at, kind, length))
        at += FRAME_HEAD.size + length
    return out


# A FIFO, a pipe, a path too long (items 6 and 7) ---------------------------------------


def test_view_and_export_refuse_a_fifo_at_once_and_skip_one_in_a_directory(tmp_path, log):
    fifo = tmp_path / "run.vglog"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it to read would wait forever
    for argv in (["view", str(fifo)], ["export", str(fifo), "--csv", str(tmp_path / "o.csv")]):
        result = _run(argv)
        assert result.returncode == 2, result.stderr
        line = _one_line(result.stderr)
        assert line.startswith(f"vgtui {argv[0]}: error: {fifo} is a FIFO or pipe, not a file")
    # A FIFO among the logs of a directory is no log: the others export.
    os.mkfifo(log.parent / "stray.vglog")
    result = _run(["export", str(log.parent), "--csv", str(tmp_path / "d.csv")])
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "d.csv", newline="") as f:
        assert {row["run"] for row in csv.DictReader(f)} == {log.name}


def test_a_pipe_as_export_input_is_refused_in_one_line(tmp_path, log):
    # `vgtui export /dev/stdin < <(cat log)`: a pipe cannot be read twice (header, then frames).
    result = subprocess.run(
        [VGTUI, "export", "/dev/stdin", "--json", str(tmp_path / "o.json")],
        input=log.read_bytes(),
        capture_output=True,
        timeout=LIMIT,
        check=False,
    )
    assert result.returncode == 2
    line = _one_line(result.stderr.decode())
    assert line.startswith("vgtui export: error: /dev/stdin is a FIFO or pipe, not a file")
    assert not (tmp_path / "o.json").exists()


def test_an_input_path_too_long_is_one_line_and_exit_2(tmp_path, capsys):
    long = tmp_path / ("x" * 300 + ".vglog")  # longer than any file system's NAME_MAX
    for argv in (["view", str(long)], ["export", str(long), "--csv", str(tmp_path / "o.csv")]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        line = _one_line(capsys.readouterr().err)
        assert line.startswith(f"vgtui {argv[0]}: error: {str(long)[:80]}")
        assert line.endswith("file name too long for the file system")


# Faults while writing (item 6) ------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_csv_to_dev_full_is_one_line_naming_it_and_exit_1(log, capsys):
    assert main(["export", str(log), "--csv", "/dev/full"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line == "vgtui export: error: cannot write /dev/full: No space left on device"


def _file_size_limit(limit: int):
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def test_tensorboard_export_over_a_file_size_limit_leaves_nothing_and_can_be_rerun(tmp_path, log):
    pytest.importorskip("tensorboard")
    tb = tmp_path / "tb"
    # 4 KB a file, as a nearly full disk would allow: the event file of 3,200 steps is far larger.
    result = _run(["export", str(log), "--tensorboard", str(tb)], preexec_fn=_file_size_limit(4096))
    assert result.returncode == 1, result.stderr
    line = _one_line(result.stderr)
    assert line.startswith(f"vgtui export: error: cannot write {tb / log.stem}/events.out.tfevents")
    assert line.endswith("File too large")
    assert not (tb / log.stem).exists()  # no partial event file to block a rerun
    again = _run(["export", str(log), "--tensorboard", str(tb)])
    assert again.returncode == 0, again.stderr
    (events,) = (tb / log.stem).iterdir()
    assert events.name.startswith("events.out.tfevents") and events.stat().st_size > 4096


# A crafted frame; a damaged log viewed (items 6 and 9) ------------------------------------


def _crafted_steps_frame(steps: int) -> bytes:
    """A steps frame with a valid checksum whose head claims ``steps`` steps in a few bytes."""
    head = STEPS_HEAD.pack(101, 3201, 0.0, steps, 5, len(STAT_NAMES), 2)
    columns = 2 + 5 * len(STAT_NAMES)
    mask = b"\xff" * ((columns + 7) // 8)
    return frame(STEPS, head + mask + zlib.compress(b"\x00" * 64))


def test_a_crafted_frame_claiming_2_31_steps_is_damage_read_up_to_not_a_memory_error(
    tmp_path, log, capsys
):
    size = log.stat().st_size
    with open(log, "ab") as f:
        f.write(_crafted_steps_frame(2**31))
    out = tmp_path / "o.csv"
    assert main(["export", str(log), "--csv", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"note: {log} is damaged at byte {size}: exported only what comes before it" in err
    with open(out, newline="") as f:
        steps = {int(row["step"]) for row in csv.DictReader(f)}
    assert steps == set(range(1, 3201))  # every step the log held before the crafted frame


def test_a_viewed_log_with_a_damaged_frame_says_where_not_writer_stopped(tmp_path, log):
    frames = _frames(log)
    at, _, length = frames[len(frames) // 2]
    data = bytearray(log.read_bytes())
    data[at + FRAME_HEAD.size + length // 2] ^= 0xFF  # inside that frame's payload
    damaged = tmp_path / "damaged.vglog"
    damaged.write_bytes(bytes(data))
    states: list[str] = []
    told = threading.Event()

    def tell(state: str, error: str | None = None) -> None:
        states.append(state)
        if state.startswith("damaged"):
            told.set()

    source = FollowerSource(damaged, poll=0.01, stale_after=0.01, on_state=tell)
    thread = threading.Thread(target=source.start, args=(lambda record: None,))
    thread.start()
    try:
        assert told.wait(LIMIT), states
    finally:
        source.stop()
        thread.join(LIMIT)
    assert states[-1] == f"damaged at byte {at:,}"
    assert "writer stopped" not in states  # though it has not grown for longer than stale_after


# No terminal (item 5) ----------------------------------------------------------------------


def test_view_without_a_terminal_is_one_line_and_exit_2(tmp_path, log):
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        result = subprocess.run(
            [VGTUI, "view", str(log)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            timeout=LIMIT,
            check=False,
        )
    assert result.returncode == 2
    line = _one_line(err.read_text())
    assert line.startswith(
        "vgtui view: error: the app needs a terminal on stdin, stdout and stderr"
    )
    assert "vgtui export" in line
    assert out.read_bytes() == b""  # no escape codes written into a file


def test_view_on_a_dumb_terminal_is_one_line_and_exit_2(log):
    with PseudoTerminal([VGTUI, "view", str(log)], terminal_env(TERM="dumb")) as term:
        assert term.wait(LIMIT) == 2
        output = bytes(term.output)
    assert ALT_SCREEN_ON not in output
    text = output.decode().strip()
    assert text.startswith("vgtui view: error: TERM=dumb: the app needs a capable terminal")


# A directory of logs (item 9) --------------------------------------------------------------


def _newer(data: bytes) -> bytes:
    data = bytearray(data)
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    return bytes(data)


def test_a_damaged_or_newer_log_in_a_directory_is_left_out_of_an_export_with_a_note(
    tmp_path, log, capsys
):
    logdir = log.parent
    newer = logdir / "newer.vglog"
    newer.write_bytes(_newer(log.read_bytes()))
    broken = logdir / "broken.vglog"
    data = bytearray(log.read_bytes())
    data[PREFIX.size + FRAME_HEAD.size + 5] ^= 0xFF  # inside the header frame
    broken.write_bytes(bytes(data))
    out, table = tmp_path / "o.json", tmp_path / "o.csv"
    assert main(["export", str(logdir), "--json", str(out), "--csv", str(table)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"vgtui export: note: left out: {broken}: the run log's header is damaged" in err
    assert any(
        line.startswith(f"vgtui export: note: left out: {newer} was written by a newer")
        for line in err
    )
    assert json.loads(out.read_text())["log"] == log.name  # the one readable run, whole
    with open(table, newline="") as f:
        assert {row["run"] for row in csv.DictReader(f)} == {log.name}
    # Named on its own, the same log is bad input.
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(broken), "--json", str(out)])
    assert exit_info.value.code == 2


def test_view_of_a_directory_of_more_logs_than_the_comparison_keeps_says_so(tmp_path, sigmoid):
    logdir = tmp_path / "many"
    total = MAX_KEPT_RUNS + 3
    start = started_at(sigmoid, 1.7e9)[0]
    summary = dataclasses.asdict(RunSummary(0.5, 0.6, 0.6, 0.1, epochs=0, steps=0))
    for n in range(total):
        header = {**header_from_start(start), "started": 1.7e9 + n}
        with RunLogWriter.create(logdir, header) as writer:
            writer.summary(summary)
    target = resolve(logdir)
    every = sorted(logdir.iterdir())  # named by start time: oldest first
    assert target.logs == every[2:] and target.left_out == every[:2]
    assert len(target.logs) == MAX_KEPT_RUNS + 1  # the run shown, and those kept beside it
    assert target.skipped == [
        f"the 2 oldest of the {total} logs in {logdir}: the newest is shown and the comparison "
        f"keeps the {MAX_KEPT_RUNS} before it (vgtui export reads them all)"
    ]


# What an export writes (item 8) --------------------------------------------------------------


def test_one_export_reads_a_live_log_once_for_every_format(tmp_path, sigmoid, monkeypatch):
    import vgtui.cli.export as command

    epochs = epoch_records(sigmoid)
    writer = RunLogWriter.create(tmp_path / "live", header_from_start(sigmoid[0]))
    for epoch in epochs[:40]:
        for record in epoch.records():
            writer.write_record(record)
    loaded = command.load_run

    def load_then_the_writer_goes_on(path, end=None):
        run = loaded(path, end)
        for epoch in epochs[40:60]:  # the run trains on while the export works
            for record in epoch.records():
                writer.write_record(record)
        return run

    monkeypatch.setattr(command, "load_run", load_then_the_writer_goes_on)
    out, table = tmp_path / "o.json", tmp_path / "o.csv"
    assert main(["export", str(writer.path), "--json", str(out), "--csv", str(table)]) == 0
    writer.close()
    got = json.loads(out.read_text())
    with open(table, newline="") as f:
        steps = {int(row["step"]) for row in csv.DictReader(f)}
    assert [e["epoch"] for e in got["epochs"]] == list(range(1, 41))
    assert got["summary"]["steps"] == 40 * 32 and steps == set(range(1, 40 * 32 + 1))
    assert len(epoch_records(read_run(writer.path))) == 60  # the log did grow meanwhile


def test_decades_of_a_log_without_a_summary_come_from_its_records(tmp_path, sigmoid, capsys):
    writer = RunLogWriter.create(tmp_path, header_from_start(sigmoid[0]))
    history = History()
    history.record(sigmoid[0])
    for epoch in epoch_records(sigmoid)[:30]:
        for record in epoch.records():
            writer.write_record(record)
            history.record(record)
    writer.close()  # no summary: its writer was killed
    out = tmp_path / "o.json"
    assert main(["export", str(writer.path), "--json", str(out)]) == 0
    summary = json.loads(out.read_text())["summary"]
    decades = first_layer_decades(history.view())
    assert summary["first_layer_decades_median"] == pytest.approx(decades.median)
    assert summary["first_layer_decades_latest"] == pytest.approx(decades.latest)
    assert summary["stopped"] is True and summary["epochs"] == 30
    assert not np.isnan(decades.median) and not np.isnan(decades.latest)


def test_json_rows_of_a_run_longer_than_the_history_name_the_epochs_they_average():
    names = ("dense_1", "output")
    start = RunStart(None, "CPU", names, 0.5, 0.7)
    history = History()
    history.record(start)
    rng = np.random.default_rng(0)
    losses = rng.uniform(0.1, 1.0, 5001)
    for epoch, loss in enumerate(losses, start=1):
        stats = np.full((1, 2, len(STAT_NAMES)), 0.1)
        stats[0, :, STAT_INDEX["grad_sd"]] = loss  # a number of its own each epoch
        epoch_records = Epoch(
            epoch=epoch,
            first_step=epoch,
            step_loss=np.array([loss]),
            step_accuracy=np.array([0.5]),
            step_stats=stats,
            loss=float(loss),
            accuracy=0.5,
        ).records()
        for record in epoch_records:
            history.record(record)
    view = history.view()
    summary = RunSummary(0.5, 0.5, float(losses[-1]), 1.0, epochs=5001, steps=5001)
    rows = run_to_dict(None, view, summary)["epochs"]
    assert len(rows) <= 4096 and rows[-1]["epoch"] == 5001
    covered = [e for row in rows for e in range(row["first_epoch"], row["epoch"] + 1)]
    assert covered == list(range(1, 5002))  # every epoch in exactly one row, in order
    for row in rows:
        own = losses[row["first_epoch"] - 1 : row["epoch"]]  # the epochs the row names
        assert row["loss"] == pytest.approx(own.mean())
        assert row["layers"][0]["grad_sd"] == pytest.approx(own.mean())
    assert rows[-1]["first_epoch"] == rows[-1]["epoch"] == 5001  # the odd one out, alone
    assert rows[-2]["epoch"] - rows[-2]["first_epoch"] + 1 == 2  # the stride the file gives
