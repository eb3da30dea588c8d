"""Keeping the screen the app's own while it runs.

TensorFlow and its libraries write log lines straight to file descriptor 2,
bypassing Python; on the terminal they would land in the middle of the
drawing, and a library that points descriptor 2 elsewhere for a while would
take the app's own output with it. So, while the app runs, descriptor 2 goes
to /dev/null and Python's ``sys.stderr`` (which Textual draws through) goes
to a private copy of the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def screen_to_ourselves() -> Iterator[None]:
    """Send descriptor 2 to /dev/null and ``sys.stderr`` to the terminal, meanwhile.

    Does nothing where descriptor 2 is not a terminal.
    """
    try:
        is_tty = os.isatty(2)
    except OSError:
        is_tty = False
    if not is_tty:
        yield
        return
    sys.stderr.flush()
    saved_fd = os.dup(2)
    terminal = io.TextIOWrapper(
        io.FileIO(os.dup(saved_fd), "w"),
        encoding="utf-8",
        errors="replace",
        line_buffering=True,
    )
    saved = sys.stderr, sys.__stderr__
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = sys.__stderr__ = terminal
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            terminal.flush()
        sys.stderr, sys.__stderr__ = saved
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        with contextlib.suppress(OSError, ValueError):
            terminal.close()
