"""Ctrl+C, SIGTERM and SIGHUP, for a run that trains in the main thread: one way to stop.

By default Ctrl+C raises :class:`KeyboardInterrupt` wherever the main thread
is, and SIGTERM (a ``kill``, a service manager, a job scheduler) and SIGHUP
(the terminal or the SSH session went away) end the process with nothing
written. Inside a :class:`StopSignals` block the three are handled alike:

- the first asks the run to stop at its next check, between compiled calls,
  so that every record stored is whole and the run ends with a stopped
  summary; but while the run has not recorded a step (importing TensorFlow,
  building, tracing and compiling its first step: possibly many seconds for
  a deep model file), there is nothing to keep and :class:`StopSignal` (a
  KeyboardInterrupt) is raised at once, where Python next runs (TensorFlow's
  own C++ work, such as optimizing a traced graph, cannot be interrupted:
  the stop comes as soon as it returns);
- a second signal during training raises at once, wherever it lands;
- the exit status is 128 + the first signal's number (130, 143, 129).

A signal that was ignored when the block was entered (``nohup`` ignores
SIGHUP) stays ignored.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType

#: The signals handled: SIGINT and SIGTERM everywhere, SIGHUP where it exists.
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def exit_status(signum: int) -> int:
    """The exit status a shell reports for a process ended by ``signum``: 128 + its number."""
    return 128 + signum


class StopSignal(KeyboardInterrupt):
    """A stop signal arrived where training had to be cut short at once."""

    def __init__(self, signum: int) -> None:
        """Name the signal."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
        return exit_status(self.signum)


class StopSignals:
    """Handles the stop signals while in its ``with`` block; the old handlers come back after.

    Only the main thread can set signal handlers; in any other thread the
    block installs nothing.
    """

    def __init__(self) -> None:
        """Handle nothing until the block is entered."""
        self.received: int | None = None
        self._stop: Callable[[], object] | None = None
        self._urgent = False
        self._saved: dict[int, object] = {}

    @property
    def exit_status(self) -> int | None:
        """The exit status of the first signal received, None while none has been."""
        return None if self.received is None else exit_status(self.received)

    def __enter__(self) -> StopSignals:
        """Install the handlers (in the main thread; not over a signal that is ignored)."""
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Put the old handlers back."""
        saved, self._saved = self._saved, {}
        for signum, handler in saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def training(self, stop: Callable[[], object]) -> Iterator[None]:
        """Meanwhile a run trains in this thread; ``stop`` asks it to stop at its next check.

        Until :meth:`started`, a signal raises :class:`StopSignal` at once. A
        signal received before the block calls ``stop`` on entering it.
        """
        if self.received is not None:
            stop()
        self._stop = stop
        self._urgent = True
        try:
            yield
        finally:
            self._stop = None

    def started(self) -> None:
        """The run has recorded steps: a first signal stops it between compiled calls."""
        self._urgent = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        """The handler: stop the run at its next check, or at once (see the module)."""
        first = self.received is None
        if first:
            self.received = signum
        stop = self._stop
        if stop is None:
            return  # not training: the caller sees ``received``
        if first:
            stop()
        if self._urgent or not first:
            self._stop = None
            raise StopSignal(self.received or signum)
