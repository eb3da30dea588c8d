"""Threads that compile networks in the background, and leaving the process while one works.

A network compiled ahead (:mod:`vgtui.engine.prepare`) or an XLA tier
compiled beside a run (:mod:`vgtui.engine.xla_tier`) runs in a daemon
thread, so that a user who quits never waits for it. But TensorFlow aborts
the process ("terminate called", status 134) if the interpreter finalizes
while such a thread is inside TensorFlow: :func:`leave` ends the process
without finalizing when one still works, after everything else is done
(output flushed, exit handlers run), so that the exit status is the
program's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Callable

#: The names of the threads this module starts begin with this.
PREFIX = "vgtui-compile"


def start(target: Callable[[], object], name: str) -> threading.Thread:
    """Run ``target`` in a daemon thread called ``vgtui-compile-<name>``; return the thread."""
    thread = threading.Thread(target=target, name=f"{PREFIX}-{name}", daemon=True)
    thread.start()
    return thread


def working() -> list[threading.Thread]:
    """The threads started by :func:`start` that have not returned."""
    return [t for t in threading.enumerate() if t.name.startswith(PREFIX) and t.is_alive()]


def leave(status: int) -> int:
    """Return ``status``, or, if a compiling thread still works, end the process with it now.

    Exit handlers run and standard output and error are flushed first; the
    process then ends without finalizing the interpreter (which would abort
    in the thread's TensorFlow call).
    """
    if not working():
        return status
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or its reader went away
            stream.flush()
    os._exit(status)
