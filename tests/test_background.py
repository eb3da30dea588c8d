"""Leaving the process while a background compile works: the status kept, nothing lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import atexit, sys, threading
    from vgtui import background

    atexit.register(lambda: print("exit handlers ran", flush=True))
    hold = threading.Event()
    if sys.argv[1] == "working":
        background.start(hold.wait, "test")
    print("output", end="")  # unflushed: leave() must flush it
    status = background.leave(int(sys.argv[2]))
    print(" returned", status)
    sys.exit(status)
    """
)


def run(mode: str, status: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(status)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_with_a_compile_working_the_process_ends_with_the_status_after_its_exit_handlers():
    done = run("working", 143)
    assert done.returncode == 143
    assert done.stdout == "outputexit handlers ran\n"  # flushed, handlers run, never returned
    assert done.stderr == ""


def test_with_none_working_leave_returns_and_the_program_ends_as_usual():
    done = run("idle", 3)
    assert done.returncode == 3
    assert done.stdout == "output returned 3\nexit handlers ran\n"
