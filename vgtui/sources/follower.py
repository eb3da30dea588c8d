"""Following a run log: its records, read as its writer appends them, as a run source.

A :class:`LogFollower` reads whatever complete records a log holds beyond
what it has read, and knows when the log has stopped growing; a
:class:`FollowerSource` is a run source that catches up on a log at once
(a chunk at a time, so memory stays bounded however long the log) and then
looks for new records every ``poll`` seconds until the log's summary comes.

States a follower reports (``on_state``, e.g. ``History.set_state``):
"reading" while it catches up, "following" once it has read all there is
and waits for more, "writer stopped" when the log has not grown for
``stale_after`` seconds and has no summary (its writer was killed, or is
stuck), "damaged at byte N" when a complete frame there fails its checksum
and more of the log follows it (everything before it is shown, nothing
after; a damaged frame at the very end may be a killed writer's torn last
write, and counts as such), "failed" (with the error)
when the log says its run failed. A log that grows again goes back to
"following".

Plain Python: never imports TensorFlow or Textual.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from vgtui.records import Emit, RunStart, RunSummary
from vgtui.runlog import EventFrame, RunLogReader, frame_record, start_from_header
from vgtui.sources import EventSource

#: Seconds between looks at a followed log: new steps are on screen well within a second.
POLL = 0.2
#: Seconds a log without a summary may go without growing before its writer counts as
#: stopped. A training step is milliseconds and the engine writes every compiled call
#: (a few hundred steps); even the slowest network here (3.5 s a step) writes more often.
STALE_AFTER = 10.0
#: Bytes of frames read at a time: bounds the memory a long log takes while it is read.
CHUNK = 4 << 20

#: Told of a follower's state, and of an error for "failed".
StateListener = Callable[..., None]


class LogFollower:
    """Reads one run log's records as they are appended, and tells when it stopped growing.

    Args:
        path: the log.
        stale_after: seconds without growth after which a log with no summary is stale.
        clock: monotonic seconds (for tests).

    Raises:
        RunLogError: the log cannot be read (see :class:`vgtui.runlog.RunLogReader`).

    """

    def __init__(
        self,
        path: Path | str,
        stale_after: float = STALE_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Open the log and read its header."""
        self.path = Path(path)
        self.reader = RunLogReader(self.path)
        try:
            self.start: RunStart = start_from_header(self.reader.header, self.path)
        except BaseException:
            self.reader.close()
            raise
        self.stale_after = stale_after
        self.summary: RunSummary | None = None
        #: The error a log that ends in failure gives, if it does.
        self.failure: str | None = None
        self._clock = clock
        self._size = self._file_size()
        # A log last written long ago is stale from the start.
        age = max(0.0, time.time() - self._mtime())
        self._grew_at = clock() - age

    def _file_size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return -1

    def _mtime(self) -> float:
        try:
            return os.stat(self.path).st_mtime
        except OSError:
            return time.time()

    @property
    def finished(self) -> bool:
        """Whether the log's summary has been read: nothing follows it."""
        return self.summary is not None

    def read(self, emit: Emit, max_bytes: int = CHUNK) -> int:
        """Emit the records appended since the last call (about ``max_bytes`` of them at most).

        Returns how many frames were read; 0 means the reader is at the end
        of what is complete in the log now.
        """
        frames = self.reader.read_new(max_bytes)
        for frame in frames:
            if isinstance(frame, EventFrame):
                if frame.event.get("event") == "failed":
                    self.failure = str(frame.event.get("error") or "failed")
                continue
            record = frame_record(frame)
            if record is None:
                continue
            emit(record)  # type: ignore[arg-type]
            if isinstance(record, RunSummary):
                self.summary = record
        size = self._file_size()
        if size != self._size:  # grown since the last look (reading what was there is not)
            self._size = size
            self._grew_at = self._clock()
        return len(frames)

    def read_all(self, emit: Emit, max_bytes: int = CHUNK) -> None:
        """Emit every complete record the log holds now."""
        while self.read(emit, max_bytes):
            pass

    def damaged_inside(self) -> bool:
        """Whether a damaged frame stops the reading with more of the log after it.

        A damaged frame that is the log's last bytes may be the torn end of a
        write its writer was killed in; one followed by more is damage.
        """
        end = self.reader.damaged_end
        return self.reader.damaged_at is not None and end is not None and self._file_size() > end

    def stale(self) -> bool:
        """Whether the log has no summary and has not grown for ``stale_after`` seconds."""
        return not self.finished and self._clock() - self._grew_at >= self.stale_after

    def close(self) -> None:
        """Close the log."""
        self.reader.close()


class FollowerSource(EventSource):
    """A run read from its log: caught up at once, then followed until its summary.

    ``start`` emits the RunStart of the log's header, then StepBlocks,
    EpochEnds and the RunSummary as the log holds them; it returns the
    summary, or None when stopped first. The log is opened (and checked)
    when the source is made.

    Args:
        path: the run log.
        poll: seconds between looks for new records once caught up.
        stale_after: seconds without growth after which the writer counts as stopped.
        on_state: told of the follower's state (see the module), with an error
            for "failed"; ``History.set_state`` fits.

    Raises:
        RunLogError: the log cannot be read.

    """

    #: A log keeps its own time: its epochs are shown as they are read.
    paced = False

    def __init__(
        self,
        path: Path | str,
        *,
        poll: float = POLL,
        stale_after: float = STALE_AFTER,
        on_state: StateListener | None = None,
    ) -> None:
        """Open the log; nothing is emitted until :meth:`start`."""
        super().__init__()
        self.follower = LogFollower(path, stale_after)
        self.poll = poll
        self.on_state = on_state
        self.state = ""

    @property
    def path(self) -> Path:
        """The log followed."""
        return self.follower.path

    @property
    def run_start(self) -> RunStart:
        """The RunStart the log's header describes."""
        return self.follower.start

    def _tell(self, state: str, error: str | None = None) -> None:
        if state != self.state:
            self.state = state
            if self.on_state is not None:
                self.on_state(state, error)

    def start(self, emit: Emit) -> RunSummary | None:
        """Emit the log's records, then those appended, until its summary or a stop."""
        follower = self.follower
        emit(follower.start)
        self._tell("reading")
        while self.wait_while_paused():
            if follower.read(emit):
                continue  # more may be there already: read on before waiting
            if follower.finished:
                if follower.failure is not None:
                    self._tell("failed", follower.failure)
                return follower.summary
            if follower.damaged_inside():  # nothing past a damaged frame is ever read
                self._tell(f"damaged at byte {follower.reader.damaged_at:,}")
            else:
                self._tell("writer stopped" if follower.stale() else "following")
            self.stopped.wait(self.poll)
        return None

    def close(self) -> None:
        """Close the log."""
        self.follower.close()
