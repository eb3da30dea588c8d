"""The headless run when its run log's disk fills, or is full from the start, when a run
fails part way, and when --logdir and --json name one path (issue 20, items 2 and 9)."""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import subprocess
import sys
import types
from pathlib import Path

import pytest

import vgtui.runlog.writer as writer_module
from tests.epochs import epochs as whole_epochs
from tests.runlogs import epoch_records, stream
from vgtui.cli.headless import run_headless
from vgtui.cli.run import parse_args
from vgtui.config import RunConfig
from vgtui.records import EpochEnd
from vgtui.runlog import RunLogReader, read_run
from vgtui.sources.replay import ReplaySource

VGTUI = str(Path(sys.executable).parent / "vgtui")


def _vgtui_lines(err: str) -> list[str]:
    """What vgtui itself said on stderr (TensorFlow's own log lines left out)."""
    assert "Traceback" not in err, err
    return [line for line in err.splitlines() if line.startswith(("vgtui", "run failed"))]


def test_a_log_whose_disk_fills_mid_run_never_stops_it_and_the_json_has_every_epoch(tmp_path):
    logdir, out = tmp_path / "runs", tmp_path / "run.json"
    limit = 100_000  # bytes a file may grow to: about four epochs of this run's log

    def file_size_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    argv = ["--headless", "--epochs", "10", "--batch-size", "4", "--logdir", str(logdir)]
    result = subprocess.run(
        [VGTUI, *argv, "--json", str(out)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=file_size_limit,
    )
    assert result.returncode == 1, result.stderr
    (log,) = logdir.iterdir()
    (said,) = _vgtui_lines(result.stderr)
    assert said.startswith(f"vgtui: warning: {log}: writing the run log failed at epoch ")
    assert said.endswith(
        "(File too large); it keeps the records before, and the run goes on without it"
    )
    run = json.loads(out.read_text())
    assert [e["epoch"] for e in run["epochs"]] == list(range(1, 11))  # the run went on
    assert run["summary"]["stopped"] is False and run["summary"]["epochs"] == 10
    # The log holds whole records only, the run's own up to where the disk filled.
    with RunLogReader(log) as reader:
        list(reader.frames())
        assert reader.damaged_at is None and reader.offset == log.stat().st_size <= limit
    logged = whole_epochs(read_run(log))
    assert 0 < len(logged) < 10
    assert [r.loss for r in logged] == pytest.approx(
        [e["loss"] for e in run["epochs"][: len(logged)]]
    )


def test_a_log_whose_disk_is_full_from_the_start_leaves_no_file_and_the_run_goes_on(
    tmp_path, monkeypatch
):
    def no_space(fd: int, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    full = types.SimpleNamespace(**vars(os))
    full.write = no_space
    monkeypatch.setattr(writer_module, "os", full)  # the run log's writes alone
    records = stream("sigmoid_normal")
    logdir, path = tmp_path / "runs", tmp_path / "run.json"
    out, err = io.StringIO(), io.StringIO()
    status = run_headless(
        RunConfig(),
        path,
        out,
        source_factory=lambda c: ReplaySource(records),
        logdir=logdir,
        err=err,
    )
    assert status == 1
    assert list(logdir.iterdir()) == []  # no 0-byte log
    (said,) = err.getvalue().splitlines()
    assert (
        said.startswith(f"vgtui: warning: {logdir}/")
        and ".vglog: cannot write the run log: " in said
    )
    assert said.endswith("No space left on device; the run goes on without a log")
    assert len(json.loads(path.read_text())["epochs"]) == 100


class FailsAfter(ReplaySource):
    """Replays a recorded run and raises once ``epochs`` of it are stored."""

    def __init__(self, records, epochs: int) -> None:
        super().__init__(records)
        self.epochs = epochs

    def start(self, emit):
        def emit_then_fail(record) -> None:
            emit(record)
            if isinstance(record, EpochEnd) and record.epoch == self.epochs:
                raise RuntimeError("the GPU fell off the bus")

        return super().start(emit_then_fail)


def test_a_run_that_fails_keeps_its_complete_epochs_in_the_json(tmp_path):
    records = stream("tanh_normal")
    path = tmp_path / "run.json"
    out, err = io.StringIO(), io.StringIO()
    status = run_headless(
        RunConfig(activation="tanh"),
        path,
        out,
        source_factory=lambda c: FailsAfter(records, 3),
        err=err,
    )
    assert status == 1
    assert err.getvalue() == "run failed: RuntimeError: the GPU fell off the bus\n"
    run = json.loads(path.read_text())
    want = epoch_records(records)[:3]
    assert [e["epoch"] for e in run["epochs"]] == [1, 2, 3]
    assert [e["loss"] for e in run["epochs"]] == pytest.approx([r.loss for r in want])
    assert run["summary"]["stopped"] is True and run["summary"]["epochs"] == 3


def test_logdir_and_json_naming_one_path_are_refused_before_the_run(tmp_path, capsys):
    same = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", "--logdir", str(same), "--json", str(same), "--device", "cpu"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        f"vgtui: error: --json: {same} is a directory; give a file path\n"
    )
