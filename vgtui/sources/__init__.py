"""Run sources: where a run's records come from, behind one protocol.

A source is made for one run, started once in the thread that will wait for
it, and closed when done (it is a context manager). ``start`` blocks until
the run ends or is stopped, handing every record to ``emit`` in order:
RunStart; for each epoch one or more StepBlocks, then its EpochEnd; RunSummary.
``stop`` and ``pause`` may be called from any thread and take effect at the
source's next check (between compiled calls, for the engine). The protocol
names every attribute the rest of the program reads of a source.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, runtime_checkable

from vgtui.config import RunConfig
from vgtui.records import Emit, RunSummary


@runtime_checkable
class RunSource(Protocol):
    """One run's records: started once, stoppable and pausable from any thread.

    Attributes:
        own_model: it trains a model of the user's own (a ``--model`` file),
            not the built-in network: its run has no RunConfig, and its
            RunStart describes the model instead.
        paced: its epochs may be held back to be shown one by one (a live
            run: yes; a log being read: no, it keeps its own time).
        phase: what it is doing before its first record, in words, for a
            screen to show ("loading TensorFlow", "building", "compiling");
            None when it has nothing to say. Set on the source's thread.
        coming: the configs of the runs that will follow this one, in order
            (a sweep's); a source may prepare for them while it runs (the
            engine compiles their networks ahead). Set before :meth:`start`.

    """

    own_model: bool
    paced: bool
    phase: str | None
    coming: tuple[RunConfig, ...]

    def start(self, emit: Emit) -> RunSummary | None:
        """Run to the end (or a stop) in this thread; return the summary, if the run made one."""
        ...

    def stop(self) -> None:
        """Ask the run to stop at its next check."""
        ...

    def pause(self, paused: bool) -> None:
        """Hold (True) or release (False) the run at its next check."""
        ...

    def close(self) -> None:
        """Release what the source holds; it cannot start after this."""
        ...

    def __enter__(self) -> RunSource:
        """Return the source itself."""
        ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the source."""
        ...


#: Makes the source of a run of the given config.
SourceFactory = Callable[[RunConfig], RunSource]


class EventSource:
    """The stop and pause events every source checks, and the context-manager protocol.

    Subclasses implement :meth:`start`, and :meth:`close` where they hold
    something (a compiled network, an open file); they set ``own_model`` and
    ``paced`` where they differ from these (see :class:`RunSource`).
    """

    own_model = False
    paced = True

    def __init__(self) -> None:
        """Create the events; nothing is stopped or paused."""
        self.stopped = threading.Event()
        self.paused = threading.Event()
        self.phase: str | None = None
        self.coming: tuple[RunConfig, ...] = ()

    def start(self, emit: Emit) -> RunSummary | None:
        """Run to the end (or a stop) in this thread."""
        raise NotImplementedError

    def stop(self) -> None:
        """Ask the run to stop; a pause is released so that the stop is seen."""
        self.stopped.set()
        self.paused.clear()

    def pause(self, paused: bool) -> None:
        """Hold or release the run at its next check."""
        if paused and not self.stopped.is_set():
            self.paused.set()
        else:
            self.paused.clear()

    def wait_while_paused(self, poll: float = 0.05) -> bool:
        """Block while paused; return whether the run should go on (not stopped)."""
        while self.paused.is_set() and not self.stopped.is_set():
            self.stopped.wait(poll)
        return not self.stopped.is_set()

    def close(self) -> None:
        """Release what the source holds (nothing, here)."""

    def __enter__(self) -> EventSource:
        """Return the source itself."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the source."""
        self.close()
