"""Every path a run is read from (``vgtui view``, ``vgtui export``): checked, opened safely.

A run log is read more than once (its header first, then its frames; an
export reads it for every format asked for) and followed while it grows, so
it must be a regular file. Anything else is refused in one line before it
is opened, and opening never waits:

- a FIFO (``mkfifo``), a pipe (``<(cat run.vglog)``, ``/dev/stdin`` from a
  pipe), a terminal or another device, a socket: refused (``open`` of a FIFO
  with no writer would wait forever, and none of them can be read twice);
- a path too long for the file system, a part of it that is not a
  directory, a path this user may not read: refused, naming the path.

Files are opened with ``O_NONBLOCK`` and checked with ``fstat`` on the
descriptor itself, so a regular file swapped for a FIFO between the check
and the open is refused too, never waited on. Plain Python.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

PathArg = str | os.PathLike[str]


class InputPathError(ValueError):
    """A path that cannot be read as a run (or a directory of runs); one line naming it."""


def _show(path: PathArg) -> str:
    """The path as a message shows it: quoted only when it holds control characters."""
    text = os.fspath(path)
    return repr(text) if any(ord(c) < 32 or ord(c) == 127 for c in text) else text


def kind_of(mode: int) -> str | None:
    """What a file of ``mode`` is, in words, when it is neither a regular file nor a directory."""
    if stat.S_ISFIFO(mode):
        return "a FIFO or pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "not a regular file"


def _not_regular(path: PathArg, what: str) -> InputPathError:
    return InputPathError(
        f"{_show(path)} is {what}, not a file: a run log or --json file is read more than "
        "once, so give a regular file (copy it to one first, e.g. cat > run.vglog)"
    )


def _oserror(err: OSError, path: PathArg) -> InputPathError:
    """Turn an OSError met while looking at or opening ``path`` into one line."""
    shown = _show(path)
    if err.errno == errno.ENOENT:
        return InputPathError(f"{shown}: no such file or directory")
    if err.errno == errno.ENAMETOOLONG:
        return InputPathError(f"{shown[:80]}…: file name too long for the file system")
    if err.errno == errno.ENOTDIR:
        return InputPathError(f"{shown}: a part of the path is not a directory")
    if err.errno == errno.ELOOP:
        return InputPathError(f"{shown}: too many levels of symbolic links")
    if err.errno in (errno.EACCES, errno.EPERM):
        return InputPathError(f"{shown}: permission denied")
    return InputPathError(f"cannot read {shown}: {err.strerror or err}")


def check_input(path: PathArg) -> str:
    """Return "dir" or "file" for a path that can be read; raise InputPathError otherwise."""
    if not os.fspath(path):
        raise InputPathError("the path is empty; give a run log, a directory or a --json file")
    try:
        st = os.stat(path)
    except OSError as err:
        raise _oserror(err, path) from None
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    what = kind_of(st.st_mode)
    if what is not None:
        raise _not_regular(path, what)
    return "file"


def open_regular(path: PathArg) -> BinaryIO:
    """Open ``path`` for reading in binary, without ever waiting; only a regular file.

    Raises:
        InputPathError: the path is missing, unreadable, a directory, or not a
            regular file (a FIFO, a pipe, a device, a socket).

    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.EISDIR:
            raise InputPathError(f"{_show(path)} is a directory, not a run log") from None
        raise _oserror(err, path) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputPathError(f"{_show(path)} is a directory, not a run log")
        what = kind_of(st.st_mode)
        if what is not None:
            raise _not_regular(path, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def is_regular_file(path: PathArg) -> bool:
    """Whether ``path`` is a regular file (following links); False for anything else or nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
