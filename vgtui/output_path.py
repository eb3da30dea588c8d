"""Every path vgtui writes goes through here: checked first, written without harm.

Rules: a regular file (or no file) is replaced atomically (a temporary file
beside it, then a rename) and keeps its permission bits, a new file gets the
usual mode from the umask; what exists and is not a regular file (a device, a
FIFO, ``/dev/stdout``) is written in place, as a shell redirect would; a
directory, a read-only file, a missing parent or a name the file system
refuses is an :class:`OutputPathError` with a one-line message.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

#: Mode a new file is opened with; the umask takes off what it takes off.
NEW_FILE_MODE = 0o666


class OutputPathError(ValueError):
    """A path that cannot be written; the message says why, in one line."""


def _why(err: OSError) -> str:
    """A short reason for an OS error, without the errno number."""
    if err.errno == errno.ENAMETOOLONG:
        return "the name is too long for the file system"
    return err.strerror or str(err)


def check_output_file(path: Path) -> None:
    """Raise OutputPathError if ``path`` cannot be written as a file."""
    text = str(path)
    if text.endswith(os.sep):
        raise OutputPathError(f"{text}: ends with '{os.sep}'; give a file path, not a directory")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise OutputPathError(f"{path}: {_why(err)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputPathError(f"{path} is a directory; give a file path")
    if st is not None and not os.access(path, os.W_OK):
        raise OutputPathError(f"{path} is not writable (read-only); not replacing it")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return  # a device or a FIFO: written in place
    parent = path.parent
    if not parent.exists():
        raise OutputPathError(f"{path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise OutputPathError(f"{path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: cannot write in {parent} (permission denied)")
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise OutputPathError(f"{path}: the name is too long for the file system")


def _replace_target(path: Path) -> Path | None:
    """The regular file to replace atomically for ``path``, or None to write in place."""
    try:
        lst = os.lstat(path)
    except FileNotFoundError:
        return path
    if stat.S_ISREG(lst.st_mode):
        return path
    if stat.S_ISLNK(lst.st_mode):
        real = Path(os.path.realpath(path))
        try:
            if stat.S_ISREG(os.lstat(real).st_mode):
                return real
        except OSError:
            return None
    return None


def write_output(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` by the rules of this module.

    Raises:
        OutputPathError: the path cannot be written.

    """
    check_output_file(path)
    payload = data.encode() if isinstance(data, str) else data
    target = _replace_target(path)
    try:
        if target is None:
            with open(path, "wb") as f:  # a device, a FIFO: in place, as `>` would
                f.write(payload)
            return
        _write_atomically(target, payload)
    except OSError as err:
        raise OutputPathError(f"{path}: {_why(err)}") from None


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write a temporary file beside ``path``, keep its mode, then rename it over ``path``."""
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    for n in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{n}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
            break
        except FileExistsError:
            continue
    else:
        raise OSError(errno.EEXIST, f"no free temporary name beside {path}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def ensure_output_dir(path: Path) -> Path:
    """Make directory ``path`` (and its parents) if missing; return it.

    Raises:
        OutputPathError: it exists and is not a directory, or cannot be made.

    """
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputPathError(f"{path}: a part of it exists and is not a directory") from None
    except NotADirectoryError:
        raise OutputPathError(f"{path}: a part of it is not a directory") from None
    except OSError as err:
        raise OutputPathError(f"{path}: cannot make the directory: {_why(err)}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: cannot write in this directory (permission denied)")
    return path
