"""A command run in a pseudo-terminal of its own, its screen read back through a terminal emulator.

The child gets the terminal as its controlling terminal (so a resize sends it
a real SIGWINCH, and closing the terminal hangs it up); the test keeps the
terminal's own end open, so that its modes can be read after the child is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyte

#: Enter and leave the alternate screen, as full-screen programs do.
ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
#: Control sequences (CSI, OSC, two-byte escapes) and control characters.
_CONTROL = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b.|[\x00-\x1f]")


def installed(command: str) -> str:
    """The path of an installed console script of this environment."""
    path = Path(sys.executable).parent / command
    return str(path) if path.exists() else command


def terminal_env(**overrides: str) -> dict[str, str]:
    """This process's environment, as a capable UTF-8 terminal would give it.

    COLUMNS and LINES are left out (pytest-xdist's workers set them): Textual
    would take them for the terminal's size instead of asking the terminal.
    """
    dropped = ("LC_ALL", "LC_CTYPE", "COLUMNS", "LINES")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", COLORTERM="truecolor")
    env.update(overrides)
    return env


def stray_text(output: bytes) -> str:
    """What a program printed outside its alternate screen, control sequences removed."""
    first = output.find(ALT_SCREEN_ON)
    last = output.rfind(ALT_SCREEN_OFF)
    outside = output if first < 0 else output[:first]
    if first >= 0 and last > first:
        outside += output[last + len(ALT_SCREEN_OFF) :]
    return _CONTROL.sub(b"", outside).decode("utf-8", "replace").strip()


class PseudoTerminal:
    """Runs ``argv`` in a new pseudo-terminal of ``rows`` x ``cols``; a context manager."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], rows: int = 24, cols: int = 80
    ) -> None:
        self.master, self.slave = os.openpty()
        self._set_size(rows, cols)
        self.modes_before = termios.tcgetattr(self.slave)
        self.screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self.status: int | None = None
        self.pid = os.fork()
        if self.pid == 0:  # the child: a new session whose controlling terminal is ours
            try:
                os.close(self.master)
                os.setsid()
                fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(self.slave, fd)
                os.close(self.slave)
                os.execve(argv[0], list(argv), dict(env))
            finally:
                os._exit(127)

    def __enter__(self) -> PseudoTerminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _set_size(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    @property
    def modes(self) -> list[object]:
        """The terminal's modes (termios attributes) now."""
        return termios.tcgetattr(self.slave)

    def line(self, row: int) -> str:
        """The text on ``row`` of the screen as the emulator shows it."""
        return self.screen.display[row]

    def pump(self, timeout: float = 0.1) -> None:
        """Read what the child has written, if anything, within ``timeout`` seconds."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            data = os.read(self.master, 65536)
            self.output += data
            self._stream.feed(data)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 120) -> bool:
        """Read on until ``condition()`` holds; False if it does not within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline or self.poll() is not None:
                return condition()
            self.pump()
        return True

    def send(self, text: str) -> None:
        """Type ``text``."""
        os.write(self.master, text.encode())

    def resize(self, rows: int, cols: int) -> None:
        """Resize the terminal: the kernel sends the child SIGWINCH."""
        self.screen.resize(rows, cols)
        self._set_size(rows, cols)

    def kill(self, signum: int) -> None:
        """Send the child ``signum``."""
        os.kill(self.pid, signum)

    def poll(self) -> int | None:
        """The child's exit status (-N for signal N) once it has ended, else None."""
        if self.status is None:
            pid, wait_status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(wait_status)
        return self.status

    def wait(self, timeout: float = 120) -> int | None:
        """Wait for the child to end, reading its output meanwhile; its status, None if not."""
        deadline = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < deadline:
            self.pump()
        with contextlib.suppress(OSError):
            while select.select([self.master], [], [], 0.05)[0]:
                before = len(self.output)
                self.pump(0)
                if len(self.output) == before:
                    break
        return self.status

    def close(self) -> None:
        """End the child if it is still running, and close the terminal."""
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
