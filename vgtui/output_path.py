"""Every path the program writes: checked up front, written without destroying what is there.

The rules, for every output file:

- A path that exists and is not a regular file (a character device such as
  ``/dev/null``, a FIFO, ``/dev/stdout`` leading to a terminal or a pipe) is
  written in place, as a shell redirect would; so is a regular file that is
  this process's own standard output or error (``--json /dev/stdout > out``),
  appended to after what was printed.
- A regular file (through any symlinks: the target is replaced, not the link),
  or no file, gets a temporary file in the same directory, ``fsync``, then
  ``os.replace``: a reader sees the old file or the new one, never a torn one.
  A replaced file keeps its permission bits (and its owner, where the process
  may set it); a new one gets ``0o666 & ~umask``, as ``open()`` gives it.
- Refused with one line: a directory, a path ending in ``/`` (never a file
  called ``newdir``), a missing or unwritable parent directory, a read-only file
  (no write permission for this process, or no write bit at all: even root
  does not silently replace a file someone marked read-only, as ``rm`` asks
  root before removing one), a name too long for the file system, a block
  device or a socket (a shell could write onto a disk; nobody means to).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PathArg = str | os.PathLike[str]

#: How much of the target's name the temporary file's name repeats.
_TMP_NAME_PREFIX = 32


class OutputPathError(ValueError):
    """A path that cannot be written as asked; the message is one line naming it."""


def _show(path: PathArg) -> str:
    """The path as a message shows it: quoted only when it holds control characters."""
    text = os.fspath(path)
    return repr(text) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text


def _names_a_directory(raw: str) -> bool:
    """Whether the path as typed ends in a separator or a ``.``/``..`` component."""
    seps = (os.sep, os.altsep) if os.altsep else (os.sep,)
    if raw.endswith(seps):
        return True
    last = raw
    for sep in seps:
        last = last.rsplit(sep, 1)[-1]
    return last in ("", ".", "..")


def _oserror(err: OSError, path: PathArg) -> OutputPathError:
    """Turn an OSError met while looking at or writing ``path`` into one line."""
    shown = _show(path)
    if err.errno == errno.ENAMETOOLONG:
        return OutputPathError(f"{shown}: file name too long for the file system")
    if err.errno == errno.ELOOP:
        return OutputPathError(f"{shown}: too many levels of symbolic links")
    if err.errno == errno.ENOTDIR:
        return OutputPathError(f"{shown}: a part of the path is not a directory")
    if err.errno in (errno.EACCES, errno.EPERM):
        return OutputPathError(f"{shown}: permission denied")
    return OutputPathError(f"cannot write {shown}: {err.strerror or err}")


def _stat(path: PathArg) -> os.stat_result | None:
    """``os.stat`` following links; None when nothing is there (or a link dangles)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _oserror(err, path) from None


def _is_own_stream(st: os.stat_result) -> bool:
    """Whether ``st`` is the file this process's standard output or error goes to."""
    for fd in (1, 2):
        try:
            other = os.fstat(fd)
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def _plan(path: PathArg) -> tuple[str, Path, os.stat_result | None]:
    """Classify ``path``; return ("in_place", path, stat) or ("replace", target, stat or None).

    Raises:
        OutputPathError: the path must not or cannot be written.

    """
    raw = os.fspath(path)
    shown = _show(raw)
    if not raw:
        raise OutputPathError("the path is empty; give a file path")
    if _names_a_directory(raw):
        raise OutputPathError(f"{shown} names a directory; give a file path")
    st = _stat(raw)
    if st is not None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise OutputPathError(f"{shown} is a directory; give a file path")
        if stat.S_ISBLK(mode):
            raise OutputPathError(f"{shown} is a block device; give a file path")
        if stat.S_ISSOCK(mode):
            raise OutputPathError(f"{shown} is a socket; give a file path")
        if not os.access(raw, os.W_OK):
            raise OutputPathError(f"{shown} is read-only for this user; give another path")
        if not stat.S_ISREG(mode) or _is_own_stream(st):
            return "in_place", Path(raw), st
        if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise OutputPathError(f"{shown} is read-only; make it writable or give another path")
        target = Path(os.path.realpath(raw))
        same = _stat(target)
        if same is None or (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
            # Reached through a link with no name (a deleted file behind /proc/PID/fd/N).
            return "in_place", Path(raw), st
        return "replace", target, st
    # Nothing there, or a dangling symlink: the file is created where the link points.
    target = Path(os.path.realpath(raw))
    parent = target.parent
    parent_st = _stat(parent)
    if parent_st is None:
        raise OutputPathError(f"directory {_show(parent)} does not exist")
    if not stat.S_ISDIR(parent_st.st_mode):
        raise OutputPathError(f"{_show(parent)} is not a directory")
    return "replace", target, None


def _tmp_name(target: Path) -> str:
    """A hidden, short, unpredictable name for a temporary file beside ``target``."""
    return f".{target.name[:_TMP_NAME_PREFIX]}.{os.urandom(4).hex()}.tmp"


def _cannot_write_in(directory: Path, err: OSError) -> OutputPathError:
    """The one line for a directory in which no file can be created."""
    return OutputPathError(f"cannot write in {_show(directory)}: {err.strerror or err}")


def _probe(directory: Path) -> None:
    """Create and remove a file in ``directory``: the real answer to "may I write here"."""
    try:
        fd, tmp = _create_tmp(directory / "probe")
    except OSError as err:
        raise _cannot_write_in(directory, err) from None
    os.close(fd)
    os.unlink(tmp)


def _create_tmp(target: Path) -> tuple[int, Path]:
    """Create a new temporary file beside ``target``, mode 0o666 less the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = target.parent / _tmp_name(target)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (pipes and terminals may take part of it)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def check_output_file(path: PathArg) -> None:
    """Check that ``path`` can be written as an output file, before any work is done.

    Raises:
        OutputPathError: why not, in one line naming the path.

    """
    how, target, _ = _plan(path)
    if how == "replace":
        name_max = _name_max(target.parent)
        if name_max and len(os.fsencode(target.name)) > name_max:
            raise OutputPathError(f"{_show(path)}: file name too long for the file system")
        _probe(target.parent)


def _name_max(directory: Path) -> int | None:
    """The longest file name the file system of ``directory`` allows, if it says."""
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None


def write_output(path: PathArg, data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` by the rules of this module.

    On any failure the file that was at ``path`` is intact and no temporary
    file is left behind.

    Raises:
        OutputPathError: the path must not be written, or writing it failed.

    """
    payload = data.encode() if isinstance(data, str) else bytes(data)
    how, target, st = _plan(path)
    if how == "in_place":
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0)
        try:
            fd = os.open(target, flags | getattr(os, "O_CLOEXEC", 0))
            try:
                _write_all(fd, payload)
            finally:
                os.close(fd)
        except OSError as err:
            raise _oserror(err, path) from None
        return
    try:
        fd, tmp = _create_tmp(target)
    except OSError as err:
        raise _cannot_write_in(target.parent, err) from None
    try:
        try:
            if st is not None:
                _keep_owner(fd, st)  # before the mode: a chown clears set-id bits
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _oserror(err, path) from None
        raise
    _fsync_directory(target.parent)


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group where the process may."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (st.st_uid, st.st_gid):
        return
    with contextlib.suppress(OSError):
        os.fchown(fd, st.st_uid, st.st_gid)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; some file systems cannot, which is not an error."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def ensure_output_dir(path: PathArg) -> Path:
    """Create the directory ``path`` (and its parents) unless it exists; return it.

    Raises:
        OutputPathError: something that is not a directory is in the way, or
            the directory cannot be created or written in.

    """
    directory = Path(path)
    st = _stat(directory)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutputPathError(f"{_show(path)} exists and is not a directory")
    if st is None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputPathError(
                f"{_show(path)}: a part of the path exists and is not a directory"
            ) from None
        except OSError as err:
            raise _oserror(err, path) from None
    _probe(directory)
    return directory


@contextlib.contextmanager
def open_output(path: PathArg) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, by this module's rules, for output too big to hold.

    Use as ``with open_output(path) as f: f.write(...)``. A regular file (or
    none) is written to a temporary file that replaces ``path`` only when
    the block ends without an exception; otherwise the temporary file is
    removed and whatever was at ``path`` is intact. A device or FIFO is
    written in place.

    Raises:
        OutputPathError: the path must not be written, or writing it failed.

    """
    how, target, st = _plan(path)
    if how == "in_place":
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0)
        try:
            fd = os.open(target, flags | getattr(os, "O_CLOEXEC", 0))
        except OSError as err:
            raise _oserror(err, path) from None
        try:
            with os.fdopen(fd, "wb") as f:
                yield f
        except OSError as err:  # writing failed (/dev/full, a closed pipe): one line
            raise _oserror(err, path) from None
        return
    try:
        fd, tmp = _create_tmp(target)
    except OSError as err:
        raise _cannot_write_in(target.parent, err) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if st is not None:
                _keep_owner(fd, st)
                os.fchmod(fd, stat.S_IMODE(st.st_mode))
            yield f
            f.flush()
            os.fsync(fd)
        os.replace(tmp, target)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _oserror(err, path) from None
        raise
    _fsync_directory(target.parent)
