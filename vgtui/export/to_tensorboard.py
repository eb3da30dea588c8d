"""Runs as TensorBoard event files, one subfolder a run, written without TensorFlow.

Events are TensorBoard's own protocol buffers, framed by its own
``RecordWriter`` (the event-file writer TensorBoard ships, which needs no
TensorFlow). Every step becomes one event holding all of that step's
scalars; each epoch one event with ``loss`` and ``accuracy`` (and ``val_loss``
and ``val_accuracy`` where the run had validation data); each counted step of
a run that counts histograms one event with a ``HistogramProto`` a quantity
and layer, tagged ``hist_grad/LAYER``, ``hist_weight/LAYER``,
``hist_activation/LAYER`` and ``hist_backprop/LAYER`` (see :func:`histogram_proto`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from vgtui.distributions.bins import QUANTITIES, BinSpec
from vgtui.history import histogram_layers
from vgtui.output_path import OutputPathError, ensure_output_dir
from vgtui.records import STAT_INDEX, HistogramBlock
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame, start_from_header

#: Per-layer statistics written at every step, as ``STAT/LAYER`` tags.
STEP_STATS = ("grad_sd", "grad_mean", "grad_norm", "weight_sd")
INSTALL_HINT = 'TensorBoard export needs the tensorboard package: pip install "vgtui[export]"'
#: The largest double: the upper limit of TensorBoard's last bucket, as TensorFlow writes it.
DBL_MAX = float(np.finfo(np.float64).max)


def histogram_buckets(counts: np.ndarray, spec: BinSpec) -> tuple[list[float], list[float]]:
    """Bucket limits and counts of TensorBoard's form from one count's slots.

    A bucket holds the values up to its limit from the previous one's: the
    values below the first edge, then each bin (up to its upper edge), then
    those above the last edge (up to DBL_MAX). Exact zeros join the bin that
    0 falls in; NaNs are left out (TensorBoard has no place for them). A
    bucket holding nothing is left out where the next holds nothing either
    (its range is then the next one's), as TensorFlow's own writer does.
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = spec.edges.astype(np.float64)
    limits = [*edges.tolist(), DBL_MAX]
    buckets = counts[: spec.bins + 2].copy()  # below, the bins, above
    buckets[int(np.searchsorted(edges, 0.0, side="right"))] += counts[spec.zero]
    keep = [
        i for i in range(len(buckets)) if buckets[i] or (i + 1 < len(buckets) and buckets[i + 1])
    ]
    if not keep or keep[-1] != len(buckets) - 1:
        keep.append(len(buckets) - 1)
    return [limits[i] for i in keep], [float(buckets[i]) for i in keep]


def histogram_proto(counts: np.ndarray, moments: np.ndarray, spec: BinSpec):
    """A TensorBoard ``HistogramProto`` of one count and its moments (min, max, sum, sum²).

    ``num`` is every value counted but the NaNs, exactly; ``sum`` and
    ``sum_squares`` are the run's float64 sums of the values, ``min`` and
    ``max`` their extremes (all NaN where a value was NaN).
    """
    from tensorboard.compat.proto import summary_pb2

    limits, buckets = histogram_buckets(counts, spec)
    low, high, total, squares = (float(m) for m in moments)
    return summary_pb2.HistogramProto(
        min=low,
        max=high,
        num=float(np.sum(counts) - counts[spec.nan]),
        sum=total,
        sum_squares=squares,
        bucket_limit=limits,
        bucket=buckets,
    )


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
        hist_layers = histogram_layers(start_from_header(header, log))
        started = float(header.get("started") or time.time())  # type: ignore[arg-type]
        columns = [STAT_INDEX[s] for s in STEP_STATS]
        tags = [f"{stat}/{layer}" for stat in STEP_STATS for layer in layers] + ["batch_loss"]
        value = summary_pb2.Summary.Value
        steps = 0
        wall = started
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
                    wall = frame.time or started  # a block of histograms follows its steps
                    for i, row in enumerate(rows):
                        summary = summary_pb2.Summary(
                            value=[value(tag=t, simple_value=v) for t, v in zip(tags, row)]
                        )
                        event = event_pb2.Event(
                            wall_time=wall, step=frame.first_step + i, summary=summary
                        )
                        writer.write(event.SerializeToString())
                    steps += frame.steps
                elif isinstance(frame, HistogramBlock):
                    for event in _histogram_events(frame, hist_layers, wall):
                        writer.write(event.SerializeToString())
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


def _histogram_events(block: HistogramBlock, layers: Mapping[str, Sequence[str]], wall: float):
    """One event a counted step of ``block``, with a histogram a quantity and layer."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    value = summary_pb2.Summary.Value
    quantities = [q for q in QUANTITIES if q in block.specs]
    for i, step in enumerate(np.asarray(block.steps).tolist()):
        values = []
        for q in quantities:
            spec, names = block.specs[q], list(layers.get(q, ()))
            for row in range(block.counts[q].shape[1]):
                name = names[row] if row < len(names) else f"layer_{row + 1}"
                proto = histogram_proto(block.counts[q][i, row], block.moments[q][i, row], spec)
                values.append(value(tag=f"hist_{q}/{name}", histo=proto))
        summary = summary_pb2.Summary(value=values)
        yield event_pb2.Event(wall_time=wall, step=int(step), summary=summary)


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
