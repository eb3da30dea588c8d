"""Runs as TensorBoard event files, one subfolder a run, written without TensorFlow.

Events are TensorBoard's own protocol buffers, framed by its own
``RecordWriter`` (the event-file writer TensorBoard ships, which needs no
TensorFlow). Every step becomes one event holding all of that step's
scalars; each epoch one event with ``loss`` and ``accuracy`` (and ``val_loss``
and ``val_accuracy`` where the run had validation data).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from vgtui.output_path import OutputPathError, ensure_output_dir
from vgtui.records import STAT_INDEX
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame

#: Per-layer statistics written at every step, as ``STAT/LAYER`` tags.
STEP_STATS = ("grad_sd", "grad_mean", "grad_norm", "weight_sd")
INSTALL_HINT = 'TensorBoard export needs the tensorboard package: pip install "vgtui[export]"'


def tensorboard_missing() -> str | None:
    """One line saying how to install what the export needs, or None if it is there."""
    try:
        import tensorboard.compat.proto.event_pb2
        import tensorboard.summary.writer.record_writer  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def event_dir(root: Path, log: Path) -> Path:
    """The subfolder of ``root`` that holds the events of ``log``."""
    return root / log.stem


def holds_events(directory: Path) -> bool:
    """Whether ``directory`` already holds TensorBoard event files."""
    try:
        return any("tfevents" in entry.name for entry in os.scandir(directory))
    except OSError:
        return False


def _new_event_file(directory: Path, started: float) -> tuple[int, Path]:
    """Create a new event file in ``directory`` (never replacing one); its descriptor and path."""
    host = socket.gethostname().replace("/", "_") or "host"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for n in range(1000):
        name = f"events.out.tfevents.{int(started):010d}.{host}.{os.getpid()}.{n}.vgtui"
        try:
            return os.open(directory / name, flags, 0o666), directory / name
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory}: no free event file name")


def write_run_events(log: Path, directory: Path, end: int | None = None) -> tuple[int, int | None]:
    """Write the events of ``log`` (up to byte ``end``, if given) into ``directory``.

    ``directory`` is made if missing. Returns the steps written and where a
    damaged frame cut the log short, if one did.

    Raises:
        OutputPathError: the event file could not be written (a full disk, a
            file size limit): it is removed, and so is ``directory`` if it
            was made here, so that the export can simply be run again.

    """
    existed = directory.exists()
    ensure_output_dir(directory)
    made: list[Path] = []
    try:
        return _write_events(log, directory, end, made)
    except OSError as err:
        where = made[0] if made else directory
        for path in made:
            path.unlink(missing_ok=True)
        if not existed:
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise OutputPathError(f"cannot write {where}: {err.strerror or err}") from None


def _write_events(
    log: Path, directory: Path, end: int | None, made: list[Path]
) -> tuple[int, int | None]:
    """Write the event file of :func:`write_run_events`; its path goes into ``made`` at once."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    with RunLogReader(log, end) as reader:
        header = reader.header
        layers = [str(n) for n in header.get("layer_names", [])]  # type: ignore[union-attr]
        started = float(header.get("started") or time.time())  # type: ignore[arg-type]
        columns = [STAT_INDEX[s] for s in STEP_STATS]
        tags = [f"{stat}/{layer}" for stat in STEP_STATS for layer in layers] + ["batch_loss"]
        value = summary_pb2.Summary.Value
        steps = 0
        fd, path = _new_event_file(directory, started)
        made.append(path)
        with os.fdopen(fd, "wb") as f:
            writer = RecordWriter(f)
            first = event_pb2.Event(wall_time=started, file_version="brain.Event:2")
            writer.write(first.SerializeToString())
            for frame in reader.frames():
                if isinstance(frame, StepsFrame):
                    # (steps, stats, layers) → one row of every tag's value a step
                    block = frame.stats[:, :, columns].transpose(0, 2, 1).reshape(frame.steps, -1)
                    rows = np.column_stack([block, frame.loss]).tolist()
                    wall = frame.time or started
                    for i, row in enumerate(rows):
                        summary = summary_pb2.Summary(
                            value=[value(tag=t, simple_value=v) for t, v in zip(tags, row)]
                        )
                        event = event_pb2.Event(
                            wall_time=wall, step=frame.first_step + i, summary=summary
                        )
                        writer.write(event.SerializeToString())
                    steps += frame.steps
                elif isinstance(frame, EpochEndFrame):
                    epoch_values = [("loss", frame.loss), ("accuracy", frame.accuracy)]
                    validation = [
                        ("val_loss", frame.val_loss),
                        ("val_accuracy", frame.val_accuracy),
                    ]
                    epoch_values += [(tag, v) for tag, v in validation if np.isfinite(v)]
                    summary = summary_pb2.Summary(
                        value=[value(tag=tag, simple_value=v) for tag, v in epoch_values]
                    )
                    event = event_pb2.Event(
                        wall_time=frame.time or started, step=frame.epoch, summary=summary
                    )
                    writer.write(event.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        return steps, reader.damaged_at


def write_tensorboard(
    logs: Sequence[Path],
    root: Path,
    damaged: dict[Path, int] | None = None,
    ends: Mapping[Path, int] | None = None,
) -> list[Path]:
    """Write each log's events into its own subfolder of ``root``; return the subfolders.

    ``damaged`` gets, for each log a damaged frame cut short, where it did;
    ``ends`` gives, for a log, the byte at which to stop (an export's snapshot).
    """
    out = []
    for log in logs:
        directory = event_dir(root, log)
        _, damaged_at = write_run_events(log, directory, (ends or {}).get(log))
        if damaged is not None and damaged_at is not None:
            damaged[log] = damaged_at
        out.append(directory)
    return out
