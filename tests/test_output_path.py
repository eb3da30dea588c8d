"""Output paths: nothing at a path is destroyed, torn, or turned into something else."""

import errno
import os
import pty
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from vgtui.cli.run import parse_args
from vgtui.export.runfile import read_json, write_json
from vgtui.output_path import (
    OutputPathError,
    check_output_file,
    ensure_output_dir,
    write_output,
)

IS_ROOT = os.geteuid() == 0


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def umask():
    """Set the umask for one test; restore it after."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


# --- regular files and no file: temporary file and rename -------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "run.json"
    write_output(path, "hello\n")
    assert path.read_text() == "hello\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert _leftovers(tmp_path) == []


def test_a_replaced_file_keeps_its_mode_and_is_a_new_inode(tmp_path, umask):
    umask(0o077)
    path = tmp_path / "run.json"
    path.write_text("old")
    path.chmod(0o640)
    before = path.stat().st_ino
    write_output(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != before  # renamed over, not rewritten in place
    assert _leftovers(tmp_path) == []


def test_a_symlink_to_a_regular_file_replaces_the_target_not_the_link(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "run.json"
    target.write_text("old")
    target.chmod(0o604)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_output(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert _leftovers(real_dir) == [] and _leftovers(tmp_path) == []


def test_a_dangling_symlink_creates_its_target(tmp_path):
    target = tmp_path / "made.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    check_output_file(link)
    write_output(link, "x")
    assert link.is_symlink() and target.read_text() == "x"


def test_json_is_written_and_read_back(tmp_path):
    path = tmp_path / "run.json"
    write_json(path, {"a": [1, 2.5, None]})
    assert read_json(path) == {"a": [1, 2.5, None]}
    assert path.read_text().endswith("\n")


def test_a_long_but_legal_name_is_written(tmp_path):
    path = tmp_path / ("n" * 250)  # the temporary file's name must not be longer than 255
    check_output_file(path)
    write_output(path, "ok")
    assert path.read_text() == "ok" and _leftovers(tmp_path) == []


# --- failures leave the old file and no temporary file -----------------------------------


def test_a_write_failing_halfway_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    path.write_text('{"old": true}\n')
    real_write = os.write
    calls = []

    def half_then_disk_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_disk_full)
    with pytest.raises(OutputPathError, match="No space left on device") as info:
        write_json(path, {"new": list(range(1000))})
    monkeypatch.undo()
    assert len(calls) == 2  # half was written before the failure
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    assert path.read_text() == '{"old": true}\n'
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_failure_at_the_end_or_an_interrupt_leaves_the_old_file(tmp_path, monkeypatch, where):
    path = tmp_path / "run.json"
    path.write_text("old")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, where, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert _leftovers(tmp_path) == []


# --- refused paths ----------------------------------------------------------------------


def _refused(path, match: str) -> str:
    with pytest.raises(OutputPathError, match=match) as info:
        check_output_file(path)
    message = str(info.value)
    assert "\n" not in message
    with pytest.raises(OutputPathError, match=match):
        write_output(path, "x")
    return message


def test_a_directory_is_refused(tmp_path):
    assert _refused(tmp_path, "is a directory") == f"{tmp_path} is a directory; give a file path"


@pytest.mark.parametrize("suffix", ["/", "//", "/.", "/.."])
def test_a_trailing_slash_never_creates_a_file(tmp_path, suffix):
    raw = str(tmp_path / "newdir") + suffix
    _refused(raw, "names a directory")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_parent_is_refused(tmp_path):
    message = _refused(tmp_path / "nope" / "run.json", "does not exist")
    assert message == f"directory {tmp_path / 'nope'} does not exist"
    assert not (tmp_path / "nope").exists()


def test_a_file_as_parent_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    _refused(tmp_path / "file" / "run.json", "not a directory")
    assert (tmp_path / "file").read_text() == ""


def test_a_name_too_long_for_the_file_system_is_refused(tmp_path):
    path = tmp_path / ("x" * 300)
    assert _refused(path, "file name too long").endswith("file name too long for the file system")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_file_is_refused_and_kept(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("precious")
    path.chmod(0o444)
    message = _refused(path, "read-only")
    assert str(path) in message
    assert path.read_text() == "precious" and _leftovers(tmp_path) == []


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        _refused(path, "is a socket")
        assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    _refused(tmp_path / "a", "symbolic links")


def test_the_check_leaves_nothing_behind(tmp_path):
    check_output_file(tmp_path / "run.json")
    assert list(tmp_path.iterdir()) == []


# --- paths written in place, as a shell redirect would ----------------------------------


def test_dev_null_stays_a_device():
    write_output("/dev/null", "discarded\n")
    write_json(Path("/dev/null"), {"a": 1})
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not os.path.islink("/dev/null")


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []

    def read():
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read)
    reader.start()
    check_output_file(fifo)
    write_output(fifo, "through the pipe\n" * 10_000)  # more than a pipe's buffer
    reader.join(timeout=30)
    assert got == [b"through the pipe\n" * 10_000]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert _leftovers(tmp_path) == []


_WRITE_STDOUT = textwrap.dedent(
    """
    import sys
    from vgtui.output_path import check_output_file, write_output
    print("printed first")
    check_output_file("/dev/stdout")
    write_output("/dev/stdout", "the json\\n")
    """
)


def test_dev_stdout_to_a_pipe():
    result = subprocess.run(
        [sys.executable, "-c", _WRITE_STDOUT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "printed first\nthe json\n"


def test_dev_stdout_to_a_terminal():
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITE_STDOUT], stdout=follower, stderr=subprocess.PIPE
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 1024)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        proc.stderr.close()
    finally:
        os.close(leader)
    assert b"".join(chunks).replace(b"\r\n", b"\n") == b"printed first\nthe json\n"


def test_dev_stdout_to_a_regular_file_keeps_what_was_printed(tmp_path):
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        result = subprocess.run(
            [sys.executable, "-c", _WRITE_STDOUT], stdout=f, stderr=subprocess.PIPE, timeout=60
        )
    assert result.returncode == 0, result.stderr
    assert out.read_text() == "printed first\nthe json\n"


# --- as an ordinary user ----------------------------------------------------------------


@pytest.fixture
def shared_dir():
    """A directory an unprivileged user may enter (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="vgtui-out-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def _as_ordinary_user(job) -> list[str]:
    """Run ``job()`` (returning lines) in a forked child that is nobody when this is root.

    Forked rather than started afresh: root's Python is not readable by nobody.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_end)
            if IS_ROOT:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            with os.fdopen(write_end, "w") as out:
                out.write("\n".join(job()))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        text = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return text.splitlines()


def test_as_an_ordinary_user(shared_dir):
    theirs = shared_dir / "theirs.json"
    theirs.write_text("not yours")
    theirs.chmod(0o644)
    locked = shared_dir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if not IS_ROOT:
        theirs.chmod(0o444)

    def job() -> list[str]:
        lines = []
        write_output("/dev/null", "ok")
        check_output_file("/dev/null")
        for path in (theirs, locked / "run.json"):
            for attempt in (check_output_file, lambda p: write_output(p, "x")):
                try:
                    attempt(path)
                    lines.append("no error")
                except OutputPathError as err:
                    lines.append(str(err))
        return lines

    lines = _as_ordinary_user(job)
    assert lines[0] == lines[1] and lines[0].startswith(f"{theirs} is read-only")
    assert lines[2] == lines[3] == f"cannot write in {locked}: Permission denied"
    assert len(lines) == 4
    assert theirs.read_text() == "not yours"
    assert list(locked.iterdir()) == []
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --- directories ------------------------------------------------------------------------


def test_ensure_output_dir_creates_parents_and_accepts_an_existing_one(tmp_path):
    made = ensure_output_dir(tmp_path / "a" / "b" / "c")
    assert made == tmp_path / "a" / "b" / "c" and made.is_dir()
    assert ensure_output_dir(made) == made
    assert ensure_output_dir(str(made) + "/") == made
    assert list(made.iterdir()) == []


def test_ensure_output_dir_refuses_what_is_not_a_directory(tmp_path):
    file = tmp_path / "file"
    file.write_text("keep")
    with pytest.raises(OutputPathError, match="exists and is not a directory"):
        ensure_output_dir(file)
    with pytest.raises(OutputPathError, match="not a directory"):
        ensure_output_dir(file / "sub")
    with pytest.raises(OutputPathError, match="exists and is not a directory"):
        ensure_output_dir("/dev/null")
    assert file.read_text() == "keep"


# --- the command line -------------------------------------------------------------------


def _cli_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as info:
        parse_args(["--headless", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vgtui: error: --json: ") and err.count("\n") == 1
    return err


def test_cli_json_refusals_are_one_line_exit_2(tmp_path, capsys):
    assert "names a directory" in _cli_error(["--json", f"{tmp_path}/newdir/"], capsys)
    assert "too long" in _cli_error(["--json", str(tmp_path / ("y" * 300))], capsys)
    ro = tmp_path / "ro.json"
    ro.write_text("")
    ro.chmod(0o444)
    assert f"{ro} is read-only" in _cli_error(["--json", str(ro)], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.json"]


def test_cli_json_accepts_a_device_and_gives_a_path(capsys):
    args, _ = parse_args(["--headless", "--json", "/dev/null"])
    assert args.json == Path("/dev/null")
