"""The headless run under SIGTERM, SIGHUP and Ctrl+C, a JSON that cannot be written, and
the closing lines of a run that diverged."""

from __future__ import annotations

import errno
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vgtui.cli.headless import format_summary, run_headless
from vgtui.cli.stop_signals import StopSignal, StopSignals
from vgtui.config import RunConfig
from vgtui.records import Emit, EpochEnd, RunSummary
from vgtui.sources import EventSource
from vgtui.sources.replay import ReplaySource, load_stream

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SIGMOID = load_stream(FIXTURES / "sigmoid_normal.npz")
STEPS_PER_EPOCH = RunConfig().steps_per_epoch
#: The installed command, beside this interpreter (not looked up on PATH).
VGTUI = str(Path(sys.executable).parent / "vgtui")


class SignalAfter(ReplaySource):
    """Replays the sigmoid run; sends this process ``signum`` once ``epochs`` are stored."""

    def __init__(self, signum: int, epochs: int) -> None:
        super().__init__(SIGMOID)
        self.signum = signum
        self.epochs = epochs

    def start(self, emit: Emit) -> RunSummary:
        def emit_then_signal(record) -> None:
            emit(record)
            if isinstance(record, EpochEnd) and record.epoch == self.epochs:
                os.kill(os.getpid(), self.signum)

        return super().start(emit_then_signal)


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_a_stop_signal_keeps_every_complete_epoch_and_exits_128_plus_it(tmp_path, signum, status):
    path = tmp_path / "run.json"
    out = io.StringIO()
    before = signal.getsignal(signum)
    result = run_headless(RunConfig(), path, out, source_factory=lambda c: SignalAfter(signum, 3))
    assert result == status
    assert signal.getsignal(signum) is before  # the handler was put back
    assert "interrupted after" in out.getvalue()
    data = json.loads(path.read_text())
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3]  # the stop came before epoch 4
    assert data["summary"]["stopped"] is True
    assert data["summary"]["epochs"] == 3
    # Stopped between records, never inside one: the steps are those of whole epochs.
    assert data["summary"]["steps"] == 3 * STEPS_PER_EPOCH


class SignalBeforeStart(EventSource):
    """A run that is still loading (it has emitted nothing) when SIGTERM comes."""

    def __init__(self) -> None:
        super().__init__()
        self.cut_short = False

    def start(self, emit: Emit) -> RunSummary | None:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            self.stopped.wait(60)  # as an import would take its time
        except StopSignal:
            self.cut_short = True
            raise
        return None


def test_a_signal_before_the_first_record_stops_the_loading_at_once(tmp_path):
    source = SignalBeforeStart()
    out = io.StringIO()
    path = tmp_path / "run.json"
    assert run_headless(RunConfig(), path, out, source_factory=lambda c: source) == 143
    assert source.cut_short  # raised where it was waiting, not after the wait
    assert "interrupted before the first step" in out.getvalue()
    assert not path.exists()  # nothing to write


def test_a_signal_between_runs_stops_the_next_run_as_it_starts():
    stops = []
    with StopSignals() as signals:
        os.kill(os.getpid(), signal.SIGTERM)  # no run trains: only noted
        assert signals.received == signal.SIGTERM
        with signals.training(lambda: stops.append("stop")):
            pass
    assert stops == ["stop"]
    assert signals.exit_status == 143


def test_an_ignored_sighup_stays_ignored_as_under_nohup():
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with StopSignals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, old)


def test_a_json_that_cannot_be_written_at_the_end_is_one_line_and_exit_1(tmp_path, monkeypatch):
    import vgtui.output_path

    def disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(vgtui.output_path, "_write_all", disk_full)
    path = tmp_path / "run.json"
    path.write_text("the older run\n")
    out, err = io.StringIO(), io.StringIO()
    replay = lambda c: ReplaySource(SIGMOID)  # noqa: E731
    status = run_headless(RunConfig(), path, out, source_factory=replay, err=err)
    assert status == 1  # a fault (the path was fine when the run began)
    assert err.getvalue() == f"vgtui: error: --json: cannot write {path}: No space left on device\n"
    assert path.read_text() == "the older run\n"
    assert sorted(tmp_path.iterdir()) == [path]  # no temporary file left
    assert "epoch 100/100" in out.getvalue()  # the run itself was printed


def summary(**fields) -> RunSummary:
    base = {
        "accuracy_before": 0.5,
        "accuracy_after": 0.62,
        "final_loss": 0.6543,
        "grad_sd_ratio": 0.1,
        "epochs": 3,
        "steps": 96,
    }
    return RunSummary(**{**base, **fields})


def test_a_run_that_diverged_in_its_first_epoch_labels_the_loss_before_training():
    stream = load_stream(FIXTURES / "relu_diverged.npz")
    out = io.StringIO()
    source = lambda c: ReplaySource(stream)  # noqa: E731
    assert run_headless(stream[0].config, None, out, source_factory=source) == 3
    loss_before = stream[0].loss_before
    text = out.getvalue()
    assert f"loss before training {loss_before:.4f} (no epoch ended with finite numbers)" in text
    assert "final loss" not in text


def test_the_closing_lines_name_the_epoch_the_final_loss_is_from():
    diverged = format_summary(summary(diverged_step=100, diverged_layer="dense_2"))[0]
    assert diverged.endswith("final loss 0.6543 (epoch 3, the last that ended with finite numbers)")
    assert format_summary(summary())[0] == ("accuracy before 0.500, after 0.620; final loss 0.6543")
    stopped = format_summary(summary(epochs=0, final_loss=0.7, stopped=True))[0]
    assert stopped == "accuracy before 0.500; loss before training 0.7000 (no epoch ended)"


def _start_headless(path: Path) -> subprocess.Popen[str]:
    """Start the installed command on a long run writing ``path``."""
    return subprocess.Popen(
        [VGTUI, "--headless", "--epochs", "2000", "--json", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_epochs(child: subprocess.Popen[str]) -> None:
    """Read the child's output until it says an epoch is done."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("epoch "):  # training, with epochs done
            return
    raise AssertionError(f"no epoch line; stderr: {child.stderr.read() if child.stderr else ''}")


def test_the_installed_command_keeps_its_epochs_on_sigterm_and_sighup(tmp_path):
    """Two installed commands at once, one stopped by each signal, each with its own status."""
    signals = {"term": (signal.SIGTERM, 143), "hup": (signal.SIGHUP, 129)}
    paths = {name: tmp_path / f"{name}.json" for name in signals}
    children = {name: (_start_headless(path), path) for name, path in paths.items()}
    for name, (child, _) in children.items():
        _wait_for_epochs(child)
        child.send_signal(signals[name][0])
    for name, (child, path) in children.items():
        out, err = child.communicate(timeout=120)
        assert child.returncode == signals[name][1], (name, err)
        assert "Traceback" not in err
        data = json.loads(path.read_text())
        epochs = [e["epoch"] for e in data["epochs"]]
        assert epochs == list(range(1, len(epochs) + 1)) and 0 < len(epochs) < 2000
        assert data["summary"]["stopped"] is True and data["summary"]["epochs"] == len(epochs)
        assert data["summary"]["steps"] == len(epochs) * STEPS_PER_EPOCH
        assert out.rstrip().endswith(f"wrote {path}")


def test_the_installed_command_keeps_its_epochs_when_the_terminal_hangs_up(tmp_path):
    path = tmp_path / "run.json"
    argv = [VGTUI, "--headless", "--epochs", "2000", "--json", str(path)]
    pid, terminal = pty.fork()  # the child's controlling terminal: closing it hangs up
    if pid == 0:
        os.execv(argv[0], argv)
    seen = b""
    deadline = time.monotonic() + 120
    while b"\nepoch " not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1.0)
        if ready:
            seen += os.read(terminal, 4096)
    os.close(terminal)  # the kernel sends the child SIGHUP; every print now fails
    _, wait_status = os.waitpid(pid, 0)
    assert b"\nepoch " in seen
    assert os.waitstatus_to_exitcode(wait_status) == 129
    data = json.loads(path.read_text())
    assert data["summary"]["stopped"] is True and data["epochs"]


def test_the_closing_lines_say_when_xla_trained_the_run():
    assert not any("XLA" in line for line in format_summary(summary()))
    assert format_summary(summary(xla_from_epoch=9))[-1] == (
        "compiled with XLA from epoch 9 (TensorFlow's graph before it, while XLA compiled)"
    )
    assert format_summary(summary(xla_from_epoch=1))[-1].startswith("compiled with XLA throughout")
