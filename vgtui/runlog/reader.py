"""Reading a run log, whole or while it is being written.

:class:`RunLogReader` returns the complete frames appended since its last
call and stops, without error, at a frame that is not all there yet (or
whose checksum does not match): that frame is tried again on the next call,
so the reader can follow a log its writer is still appending to. Nothing is
ever read from a frame that is not complete and intact.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from vgtui.input_path import InputPathError, open_regular
from vgtui.records import HistogramBlock
from vgtui.runlog.errors import (
    IncompleteLogError,
    NewerFormatError,
    NotARunLogError,
    RunLogError,
)
from vgtui.runlog.format import (
    EPOCH_END,
    EVENT,
    FORMAT_VERSION,
    FRAME_HEAD,
    HEADER,
    HISTOGRAMS,
    MAGIC,
    MAX_FRAME,
    PREFIX,
    STEPS,
    SUMMARY,
    StepsFrame,
    decode_histograms,
    decode_steps,
    read_json,
)

#: Bytes read at a time while following a log.
READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class EpochEndFrame:
    """The end of an epoch: loss and accuracy on all the data, any divergence, validation."""

    epoch: int
    loss: float
    accuracy: float
    diverged_layer: int | None = None
    diverged_step: int | None = None
    time: float = 0.0
    val_loss: float = math.nan
    val_accuracy: float = math.nan


@dataclass(frozen=True)
class SummaryFrame:
    """The run's summary, as the fields of a RunSummary (plus the time it was written)."""

    summary: dict[str, object]


@dataclass(frozen=True)
class EventFrame:
    """A free-form event: ``{"event": name, "time": t, ...}``."""

    event: dict[str, object] = field(default_factory=dict)


#: A frame as read: a HistogramBlock frame is the record itself.
Frame = StepsFrame | EpochEndFrame | SummaryFrame | EventFrame | HistogramBlock


def _optional_number(value: object) -> float:
    """A number an epoch's end may hold (written since validation metrics were); NaN if not."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def _decode(kind: int, payload: memoryview) -> Frame | None:
    """The frame a payload of ``kind`` holds; None for a kind this version does not know."""
    if kind == STEPS:
        return decode_steps(payload)
    if kind == EPOCH_END:
        data = read_json(payload)
        return EpochEndFrame(
            epoch=int(data["epoch"]),
            loss=float(data["loss"]),
            accuracy=float(data["accuracy"]),
            diverged_layer=data.get("diverged_layer"),
            diverged_step=data.get("diverged_step"),
            time=float(data.get("time", 0.0)),
            val_loss=_optional_number(data.get("val_loss")),
            val_accuracy=_optional_number(data.get("val_accuracy")),
        )
    if kind == SUMMARY:
        return SummaryFrame(read_json(payload))
    if kind == EVENT:
        return EventFrame(read_json(payload))
    if kind == HISTOGRAMS:
        return decode_histograms(payload)
    return None


class RunLogReader:
    """Reads a run log's header at once and its frames as they come; see the module."""

    def __init__(self, path: Path | str, end: int | None = None) -> None:
        """Open the log at ``path`` and read its header.

        ``end``, if given, is where the log ends for this reader: nothing at
        or past that byte offset is read, however the file grows (a snapshot
        of a live log, read alike by every reader given the same ``end``).

        Raises:
            RunLogError: the path cannot be read (missing, a directory, not a
                regular file: a FIFO or a pipe is refused, never waited on).
            NotARunLogError: the file is not a run log.
            NewerFormatError: the log's format is newer than this vgtui reads.
            IncompleteLogError: the header is not all there (yet).

        """
        self.path = Path(path)
        self.end = end
        try:
            self._file = open_regular(self.path)
        except InputPathError as err:
            raise RunLogError(str(err)) from None
        try:
            self.version = _check_prefix(self.path, self._file.read(PREFIX.size))
        except RunLogError:
            self._file.close()
            raise
        self._offset = PREFIX.size
        self.finished = False
        #: Byte offset of a complete frame whose checksum did not match, if one was met.
        self.damaged_at: int | None = None
        #: Where that frame ends by its own length; None if its length is not plausible.
        self.damaged_end: int | None = None
        head = next(self._scan(1), None)
        if head is None:
            self._file.close()
            if self.damaged_at is not None:
                raise NotARunLogError(f"{self.path}: the run log's header is damaged")
            raise IncompleteLogError(
                f"{self.path}: the run log's header is not complete "
                "(its writer has just started, or stopped before writing it)"
            )
        kind, payload, self._offset = head
        if kind != HEADER:
            self._file.close()
            raise NotARunLogError(f"{self.path}: the run log has no header")
        try:
            self.header: dict[str, object] = read_json(payload)
        except (ValueError, UnicodeDecodeError):
            self._file.close()
            raise NotARunLogError(f"{self.path}: the run log's header is not valid") from None

    def fileno(self) -> int:
        """The descriptor of the open log."""
        return self._file.fileno()

    @property
    def offset(self) -> int:
        """Bytes of the file read so far (the end of the last complete frame)."""
        return self._offset

    def _scan(self, limit: int | None) -> Iterator[tuple[int, memoryview, int]]:
        """Kind, payload and end offset of each complete, intact frame from the offset on.

        Reads the file a chunk at a time; stops at a frame that is not all
        there, or whose length or checksum is wrong (setting ``damaged_at``),
        or once about ``limit`` bytes of frames have been yielded. Does not
        move the offset: the caller does, past each frame it has understood.
        """
        chunk_at = self._offset
        taken = 0
        while limit is None or taken < limit:
            self._file.seek(chunk_at)
            buf = self._file.read(self._room(chunk_at, READ_CHUNK))
            view = memoryview(buf)
            at = 0
            while at + FRAME_HEAD.size <= len(buf):
                kind, length, crc = FRAME_HEAD.unpack_from(buf, at)
                if length > MAX_FRAME:
                    self.damaged_at, self.damaged_end = chunk_at + at, None
                    return
                end = at + FRAME_HEAD.size + length
                if end > len(buf):
                    if at > 0:
                        break  # read on from this frame's start
                    more = self._room(chunk_at + len(buf), end - len(buf))
                    buf += self._file.read(more)  # a frame longer than a chunk
                    view = memoryview(buf)
                    if end > len(buf):
                        return  # not all there yet
                payload = view[at + FRAME_HEAD.size : end]
                if zlib.crc32(payload, zlib.crc32(view[at : at + 5])) != crc:
                    self.damaged_at, self.damaged_end = chunk_at + at, chunk_at + end
                    return
                self.damaged_at = self.damaged_end = None
                yield kind, payload, chunk_at + end
                taken += end - at
                at = end
                if limit is not None and taken >= limit:
                    return
            if at == 0:
                return  # no whole frame in what is there
            chunk_at += at

    def _room(self, at: int, wanted: int) -> int:
        """Bytes to read from offset ``at``: ``wanted``, but never past :attr:`end`."""
        return wanted if self.end is None else max(0, min(wanted, self.end - at))

    def read_new(self, max_bytes: int | None = None) -> list[Frame]:
        """The frames appended since the last call, up to a torn or incomplete tail.

        With ``max_bytes``, stops after about that many bytes of frames; call
        again until it returns nothing to catch up on a long log.
        """
        frames: list[Frame] = []
        for kind, payload, end in self._scan(max_bytes):
            try:
                decoded = _decode(kind, payload)
            except (
                ValueError,
                KeyError,
                TypeError,
                OverflowError,
                struct.error,
                zlib.error,
                MemoryError,
            ):
                # Intact but not understood (a crafted head): never misread it.
                self.damaged_at, self.damaged_end = self._offset, end
                break
            self._offset = end
            if isinstance(decoded, SummaryFrame):
                self.finished = True
            if decoded is not None:
                frames.append(decoded)
        return frames

    def frames(self, chunk_bytes: int = READ_CHUNK) -> Iterator[Frame]:
        """Every complete frame from here to the current end, read a chunk at a time."""
        while batch := self.read_new(chunk_bytes):
            yield from batch

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> RunLogReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _check_prefix(path: Path, head: bytes) -> int:
    """The format version in a log's first bytes; raises if they are not a log's."""
    if not head:
        raise IncompleteLogError(f"{path} is empty: not a vgtui run log (or not yet)")
    if len(head) < PREFIX.size:
        if MAGIC.startswith(head[: len(MAGIC)]):
            raise IncompleteLogError(f"{path}: the run log's header is not complete")
        raise NotARunLogError(f"{path} is not a vgtui run log")
    magic, version, _ = PREFIX.unpack(head)
    if magic != MAGIC or version == 0:
        raise NotARunLogError(f"{path} is not a vgtui run log")
    if version > FORMAT_VERSION:
        raise NewerFormatError(
            f"{path} was written by a newer vgtui (format {version}); "
            f"this one reads up to {FORMAT_VERSION}"
        )
    return version


def is_run_log(path: Path | str) -> bool:
    """Whether ``path`` is a regular file that starts as a run log does (a FIFO is not)."""
    try:
        with open_regular(path) as f:
            return f.read(len(MAGIC)) == MAGIC
    except (OSError, InputPathError):
        return False


def _started(path: Path) -> float:
    """The start time in a log's header, else the file's modification time."""
    try:
        with RunLogReader(path) as reader:
            return float(reader.header.get("started") or 0.0)
    except (RunLogError, TypeError, ValueError):
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0


def list_logs(directory: Path | str) -> list[Path]:
    """The run logs in ``directory`` (not its subdirectories), oldest first.

    Sorted by the start time in each header (then by name); a log whose
    header is not complete yet counts from its modification time.
    """
    directory = Path(directory)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []
    paths = [Path(e.path) for e in entries if e.is_file() and is_run_log(e.path)]
    return sorted(paths, key=lambda p: (_started(p), p.name))
