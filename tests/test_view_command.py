"""`vgtui view PATH`: what a path is taken for, and every bad input in one line with exit 2."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runlogs import log_through_controller, started_at, stream, write_partial
from vgtui.cli import main
from vgtui.cli.headless import run_headless
from vgtui.config import RunConfig
from vgtui.runlog import FORMAT_VERSION
from vgtui.sources.replay import replay_factory
from vgtui.view.target import ViewError, resolve


def test_a_log_a_directory_and_a_json_file_are_told_apart(tmp_path: Path) -> None:
    first, _ = log_through_controller(tmp_path / "logs", started_at(stream("tanh_normal"), 2e9))
    older, _ = log_through_controller(tmp_path / "logs", started_at(stream("relu_normal"), 1e9))
    target = resolve(first)
    assert target.logs == [first] and target.directory is None and not target.json_runs
    target = resolve(tmp_path / "logs")
    assert target.logs == [older, first]  # oldest first: the last is shown
    assert target.directory == tmp_path / "logs"
    streams = {("sigmoid", "normal"): stream("sigmoid_normal")}
    run_headless(
        RunConfig(), tmp_path / "r.json", io.StringIO(), source_factory=replay_factory(streams)
    )
    target = resolve(tmp_path / "r.json", stale_after=3.0)
    assert len(target.json_runs) == 1 and not target.logs and target.stale_after == 3.0


def test_a_directory_leaves_out_a_log_it_cannot_read_and_says_so(tmp_path: Path) -> None:
    good, _ = log_through_controller(tmp_path, stream("tanh_normal"))
    bad = tmp_path / "newer.vglog"
    bad.write_bytes(_newer(good))
    target = resolve(tmp_path)
    assert target.logs == [good]
    assert target.skipped == [
        f"{bad} was written by a newer vgtui (format 2); this one reads up to 1"
    ]


def _newer(log: Path) -> bytes:
    data = bytearray(log.read_bytes())
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    return bytes(data)


def bad_inputs(tmp_path: Path) -> list[tuple[list[str], str]]:
    """(arguments, what the one line must say) for each bad input."""
    good, _ = log_through_controller(tmp_path / "good", stream("tanh_normal"))
    newer = tmp_path / "newer.vglog"
    newer.write_bytes(_newer(good))
    text = tmp_path / "notes.txt"
    text.write_text("epoch,loss\n1,0.5\n")
    json_file = tmp_path / "other.json"
    json_file.write_text('{"name": "not a run"}')
    empty = tmp_path / "empty"
    empty.mkdir()
    only_text = tmp_path / "only-text"
    only_text.mkdir()
    (only_text / "a.vglog").write_text("hello")
    started = tmp_path / "started.vglog"
    started.write_bytes(b"\x89VGL\r\n\x1a\n\x01\x00\x00\x00")
    return [
        ([str(tmp_path / "missing")], "missing: no such file or directory"),
        ([str(text)], "is not a vgtui run log or --json file"),
        ([str(newer)], "written by a newer vgtui (format 2); this one reads up to 1"),
        ([str(empty)], "empty holds no vgtui run logs"),
        ([str(only_text)], "only-text holds no vgtui run logs"),
        ([str(json_file)], "is not a run as vgtui --json writes it"),
        ([str(started)], "header is not complete"),
        ([], "the following arguments are required: PATH"),
        ([str(good), "--stale-after", "-1"], "'-1' is not a number of seconds > 0"),
        ([str(good), "--stale-after", "nan"], "'nan' is not a number of seconds > 0"),
    ]


def test_every_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    for argv, says in bad_inputs(tmp_path):
        with pytest.raises(SystemExit) as exit_info:
            main(["view", *argv])
        assert exit_info.value.code == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("vgtui view: error: ") and err.count("\n") == 1, err
        assert says in err, err


def test_bad_input_from_the_installed_command_has_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vgtui", "view", str(tmp_path / "nothing.vglog")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == f"vgtui view: error: {tmp_path / 'nothing.vglog'}: no such file or directory\n"
    )
    assert result.stdout == ""


def test_resolving_raises_view_errors_only(tmp_path: Path) -> None:
    writer = write_partial(tmp_path, stream("sigmoid_normal"), 1)
    writer.close()
    assert resolve(writer.path).logs == [writer.path]  # a log without a summary is fine
    with pytest.raises(ViewError):
        resolve(tmp_path / "nope")
