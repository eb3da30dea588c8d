"""Writing a run log: a new file, appended to one whole frame at a time.

Each frame goes to the file in one ``write`` on a descriptor opened with
``O_APPEND`` (no buffer in between), so a reader in another process sees it
as soon as the call returns, and a writer killed at any moment leaves at
most one torn frame at the end, which readers ignore. The file is created
with ``O_EXCL``: a log never replaces anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import numpy as np

from vgtui.output_path import OutputPathError, ensure_output_dir
from vgtui.records import STAT_NAMES, EpochEnd, HistogramBlock, RunStart, RunSummary, StepBlock
from vgtui.run_identity import ModelIdentity
from vgtui.runlog.format import (
    EPOCH_END,
    EVENT,
    FORMAT_VERSION,
    HEADER,
    HISTOGRAMS,
    MAX_BLOCK_STEPS,
    MAX_BLOCK_VALUES,
    STEPS,
    SUMMARY,
    encode_histograms,
    encode_steps,
    frame,
    json_payload,
    prefix,
)

#: The suffix of a run log's file name.
SUFFIX = ".vglog"
#: Mode a new log is opened with; the umask takes off what it takes off.
NEW_FILE_MODE = 0o666
#: The longest name part taken from what a model's run is.
TITLE_CHARS = 48


def header_from_start(start: RunStart) -> dict[str, object]:
    """The header of a log for the run ``start`` begins."""
    config = start.config
    started = float(getattr(start, "started", 0.0) or 0.0)
    return {
        "config": config.to_dict() if config is not None else None,
        "device": start.device,
        "started": started or time.time(),
        "layer_names": list(start.layer_names),
        "stat_names": list(STAT_NAMES),
        "accuracy_before": start.accuracy_before,
        "loss_before": start.loss_before,
        "info": dict(getattr(start, "info", {}) or {}),
    }


def complete_header(header: Mapping[str, object]) -> dict[str, object]:
    """``header`` with the format version and defaults filled in; checks its layer names."""
    names = header.get("layer_names")
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ValueError("a run log header needs 'layer_names', a list of strings")
    full: dict[str, object] = {
        "format": FORMAT_VERSION,
        "config": None,
        "device": "",
        "started": time.time(),
        "stat_names": list(STAT_NAMES),
        "accuracy_before": float("nan"),
        "loss_before": float("nan"),
        "info": {},
    }
    full.update(header)
    full["layer_names"] = list(names)
    full["format"] = FORMAT_VERSION
    return full


def _slug(text: str) -> str:
    """Lower-case letters, digits, '_' and '-' only, at most TITLE_CHARS."""
    slug = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
    return slug[:TITLE_CHARS].rstrip("-")


def log_stem(header: Mapping[str, object]) -> str:
    """The file name of a log without suffix: UTC start time, then what the run is.

    ``20261127-153012.345Z-sigmoid-normal`` for a built-in network; for
    another model what tells its runs apart (:class:`ModelIdentity`):
    the title the user gave, else the model's name, its hidden layers'
    activation and initializer and the optimizer
    (``...-digits_mlp-relu-he_normal-sgd``); a header without them, its
    ``info["title"]``, else ``model``. The
    time is UTC, to the millisecond, so that ``ls`` sorts logs by start time
    wherever they were made, runs started within one second included.
    """
    started = header.get("started")
    moment = float(started) if started else time.time()
    millis = int(moment * 1000)  # truncated, as the seconds of a clock are
    seconds, fraction = divmod(millis, 1000)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(seconds)) + f".{fraction:03d}Z"
    config = header.get("config")
    if isinstance(config, Mapping) and config.get("activation") and config.get("init"):
        what = f"{_slug(str(config['activation']))}-{_slug(str(config['init']))}"
    else:
        info = header.get("info")
        info = info if isinstance(info, Mapping) else {}
        words = ModelIdentity.from_info(info).name_words
        if not words and info.get("title"):
            words = [str(info["title"])]
        what = _slug("-".join(words))
    return f"{stamp}-{what or 'model'}"


class RunLogWriter:
    """Appends one run's frames to a new log file; see :meth:`create`."""

    def __init__(self, fd: int, path: Path) -> None:
        """Take over ``fd``, a descriptor of the new log at ``path`` opened for appending."""
        self.path = path
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._failed: str | None = None
        self.bytes_written = 0
        self.steps_written = 0

    @classmethod
    def create(cls, logdir: Path, header: Mapping[str, object]) -> RunLogWriter:
        """Create a new log in ``logdir`` (made if missing) and write its header.

        Args:
            logdir: directory of the logs.
            header: what the run is: "config" (RunConfig.to_dict() or None),
                "device", "started" (Unix time), "layer_names", "stat_names",
                "accuracy_before", "loss_before", "info" (free-form); see
                :func:`header_from_start`.

        Raises:
            OutputPathError: ``logdir`` is not a directory or cannot be written,
                or the header cannot be written (the disk is full): no file is left.
            ValueError: the header has no layer names.

        """
        full = complete_header(header)
        first = prefix() + frame(HEADER, json_payload(full))
        logdir = ensure_output_dir(Path(logdir))
        stem = log_stem(full)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        for n in range(1, 10_000):
            path = logdir / (f"{stem}{SUFFIX}" if n == 1 else f"{stem}-{n}{SUFFIX}")
            try:
                fd = os.open(path, flags, NEW_FILE_MODE)
            except FileExistsError:
                continue
            except OSError as err:
                reason = err.strerror or str(err)
                raise OutputPathError(f"{logdir}: cannot create a run log: {reason}") from None
            break
        else:
            raise OutputPathError(f"{logdir}: no free name for a run log {stem}{SUFFIX}")
        writer = cls(fd, path)
        try:
            writer._write(first)
        except OSError as err:  # a full disk, a file size limit: leave no empty log behind
            writer.close()
            path.unlink(missing_ok=True)
            reason = err.strerror or str(err)
            raise OutputPathError(f"{path}: cannot write the run log: {reason}") from None
        return writer

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._fd is None

    def _write(self, data: bytes) -> None:
        """Append ``data`` whole, in one write call (more only if the OS takes part of it)."""
        with self._lock:
            if self._fd is None:
                raise ValueError(f"{self.path}: the run log is closed")
            if self._failed:
                raise OSError(
                    f"{self.path}: writing stopped after an earlier error: {self._failed}"
                )
            view = memoryview(data)
            try:
                while view:
                    done = os.write(self._fd, view)
                    view = view[done:]
            except OSError as err:
                self._failed = err.strerror or str(err)
                with contextlib.suppress(OSError):  # leave no torn frame at the end
                    os.ftruncate(self._fd, self.bytes_written)
                raise
            self.bytes_written += len(data)

    def steps(
        self,
        epoch: int,
        first_step: int,
        loss: np.ndarray,
        accuracy: np.ndarray,
        stats: np.ndarray,
    ) -> None:
        """Append a block of consecutive steps of ``epoch``, first numbered ``first_step``.

        ``loss`` and ``accuracy`` have shape (n,), ``stats`` (n, layers, stats);
        every value is stored as its float32. An empty block writes nothing.
        """
        stats, loss, accuracy = np.asarray(stats), np.asarray(loss), np.asarray(accuracy)
        if stats.ndim != 3 or len(loss) != len(stats) or len(accuracy) != len(stats):
            raise ValueError("steps: loss (n,), accuracy (n,) and stats (n, layers, stats)")
        if len(stats) == 0:
            return
        columns = 2 + stats.shape[1] * stats.shape[2]
        rows = max(1, min(MAX_BLOCK_STEPS, MAX_BLOCK_VALUES // columns))
        for at in range(0, len(stats), rows):  # one frame, unless readers would refuse it
            part = slice(at, at + rows)
            payload = encode_steps(
                epoch, first_step + at, time.time(), loss[part], accuracy[part], stats[part]
            )
            self._write(frame(STEPS, payload))
            self.steps_written += len(stats[part])

    def histograms(self, block: HistogramBlock) -> None:
        """Append a block of per-layer histograms of counted steps; an empty one writes nothing."""
        if len(block) == 0:
            return
        self._write(frame(HISTOGRAMS, encode_histograms(block)))

    def epoch_end(
        self,
        epoch: int,
        loss: float,
        accuracy: float,
        diverged_layer: int | None = None,
        diverged_step: int | None = None,
        val_loss: float = math.nan,
        val_accuracy: float = math.nan,
    ) -> None:
        """Append the end of ``epoch``: loss and accuracy on all the data, any divergence.

        ``val_loss`` and ``val_accuracy`` (on validation data) are written
        where they are numbers; a reader of an older vgtui ignores them.
        """
        data: dict[str, object] = {
            "epoch": int(epoch),
            "loss": float(loss),
            "accuracy": float(accuracy),
            "time": time.time(),
        }
        if diverged_layer is not None:
            data["diverged_layer"] = int(diverged_layer)
        if diverged_step is not None:
            data["diverged_step"] = int(diverged_step)
        for key, value in (("val_loss", val_loss), ("val_accuracy", val_accuracy)):
            if math.isfinite(float(value)):
                data[key] = float(value)
        self._write(frame(EPOCH_END, json_payload(data)))

    def summary(self, summary: Mapping[str, object]) -> None:
        """Append the run's summary (RunSummary's fields); readers then call the log finished."""
        data = dict(summary)
        data.setdefault("time", time.time())
        self._write(frame(SUMMARY, json_payload(data)))

    def event(self, name: str, **data: object) -> None:
        """Append a free-form event, e.g. ``event("paused")``; readers may ignore it."""
        self._write(frame(EVENT, json_payload({"event": name, "time": time.time(), **data})))

    def write_record(self, record: object) -> None:
        """Append any record a run emits.

        RunStart writes nothing (the header was given to :meth:`create`); a
        StepBlock is steps, an EpochEnd an epoch's end, a HistogramBlock
        histograms; a RunSummary the summary.
        """
        if isinstance(record, RunStart):
            return
        if isinstance(record, StepBlock):
            self.steps(
                record.epoch,
                record.first_step,
                record.step_loss,
                record.step_accuracy,
                record.step_stats,
            )
        elif isinstance(record, EpochEnd):
            self.epoch_end(
                record.epoch,
                record.loss,
                record.accuracy,
                record.diverged_layer,
                record.diverged_step,
                record.val_loss,
                record.val_accuracy,
            )
        elif isinstance(record, HistogramBlock):
            self.histograms(record)
        elif isinstance(record, RunSummary):
            self.summary(dataclasses.asdict(record))
        else:
            raise TypeError(f"not a run record: {type(record).__name__}")

    def close(self) -> None:
        """Flush the log to disk and close it; calling again does nothing."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # a file system without fsync: the data is in the file all the same
        finally:
            os.close(fd)

    def __enter__(self) -> RunLogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
