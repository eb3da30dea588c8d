"""A thread-safe, bounded store of one run's records, read by the UI and the CLI.

The trainer's thread writes; any other thread reads a consistent
:class:`HistoryView`. Memory stays bounded however long the run: each series
keeps at most ``capacity`` rows, and when it fills up, neighbouring rows are
averaged in pairs, so the whole run stays viewable at a coarser resolution.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import numpy as np

from vgtui.records import STAT_NAMES, EpochRecord, RunStart, RunSummary

DEFAULT_CAPACITY = 4096
#: Rows a series allocates at first; short runs never need more.
INITIAL_ROWS = 256


class DownsampledSeries:
    """A growing series of equally shaped rows, kept to a fixed number of rows.

    Each stored row is the mean of ``stride`` consecutive raw rows, and its
    ``x`` is the position of the last of them. When the store is full, pairs
    of rows are merged and the stride doubles.
    """

    def __init__(self, row_shape: tuple[int, ...], capacity: int = DEFAULT_CAPACITY) -> None:
        """Create an empty series whose rows have ``row_shape``."""
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.stride = 1
        start = min(capacity, INITIAL_ROWS)  # grown by doubling, up to capacity
        self._rows = np.zeros((start, *row_shape))
        self._x = np.zeros(start, dtype=np.int64)
        self._count = 0
        self._pending_sum = np.zeros(row_shape)
        self._pending_n = 0
        self.raw_count = 0
        self._last_x = 0

    def __len__(self) -> int:
        """Number of stored rows."""
        return self._count

    def extend(self, rows: np.ndarray, first_x: int) -> None:
        """Append raw rows whose positions are first_x, first_x + 1, and so on."""
        rows = np.asarray(rows, dtype=np.float64)
        i, n = 0, len(rows)
        while i < n:
            if self._pending_n == 0 and n - i >= self.stride:
                groups = min((n - i) // self.stride, self.capacity - self._count)
                if groups == 0:
                    self._halve()
                    continue
                take = groups * self.stride
                block = rows[i : i + take].reshape(groups, self.stride, *rows.shape[1:])
                xs = first_x + i + self.stride - 1 + self.stride * np.arange(groups)
                self._push(block.mean(axis=1), xs)
                i += take
                continue
            take = min(self.stride - self._pending_n, n - i)
            self._pending_sum += rows[i : i + take].sum(axis=0)
            self._pending_n += take
            i += take
            if self._pending_n == self.stride:
                if self._count == self.capacity:
                    self._halve()
                    continue  # the pending group now has room to grow
                self._push((self._pending_sum / self.stride)[None], np.array([first_x + i - 1]))
                self._pending_sum[...] = 0.0
                self._pending_n = 0
        self.raw_count += n
        self._last_x = first_x + n - 1

    def _push(self, block: np.ndarray, xs: np.ndarray) -> None:
        """Store complete rows; the caller guarantees room."""
        k = len(block)
        if self._count + k > len(self._rows):
            size = min(self.capacity, max(2 * len(self._rows), self._count + k))
            self._rows = np.resize(self._rows, (size, *self._rows.shape[1:]))
            self._x = np.resize(self._x, size)
        self._rows[self._count : self._count + k] = block
        self._x[self._count : self._count + k] = xs
        self._count += k

    def _halve(self) -> None:
        """Merge stored rows in pairs and double the stride."""
        half = self._count // 2
        merged = (self._rows[0 : 2 * half : 2] + self._rows[1 : 2 * half : 2]) / 2
        xs = self._x[1 : 2 * half : 2].copy()
        leftover = self._count - 2 * half
        if leftover:  # an odd row joins the pending group, weighted by its stride
            self._pending_sum += self._rows[self._count - 1] * self.stride
            self._pending_n += self.stride
        self._rows[:half] = merged
        self._x[:half] = xs
        self._count = half
        self.stride *= 2

    def rows(self) -> np.ndarray:
        """Copy of the stored rows, plus the partial group if there is one."""
        out = self._rows[: self._count]
        if self._pending_n:
            out = np.concatenate([out, (self._pending_sum / self._pending_n)[None]])
        return out.copy()

    def xs(self) -> np.ndarray:
        """Copy of the positions of the rows returned by :meth:`rows`."""
        out = self._x[: self._count]
        if self._pending_n:
            out = np.append(out, self._last_x)
        return out.copy()


@dataclass(frozen=True)
class HistoryView:
    """A consistent copy of a history at one moment.

    Step series are indexed by step (``step_x``), epoch series by epoch
    (``epoch_x``); ``step_stats`` has shape (rows, layers, stats).
    """

    version: int
    state: str
    start: RunStart | None
    summary: RunSummary | None
    latest: EpochRecord | None
    error: str | None
    step_x: np.ndarray
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray
    epoch_x: np.ndarray
    epoch_loss: np.ndarray
    epoch_accuracy: np.ndarray
    epoch_stats: np.ndarray

    @property
    def steps_done(self) -> int:
        """Global number of the last recorded step, 0 before the first."""
        return self.latest.last_step if self.latest else 0

    def thinned(self, max_rows: int) -> HistoryView:
        """A copy whose series hold at most ``max_rows`` rows, neighbours averaged.

        For keeping many ended runs: the shape of the run stays, the memory
        it takes is bounded.
        """
        step = _thin(self.step_x, (self.step_loss, self.step_accuracy, self.step_stats), max_rows)
        epoch = _thin(
            self.epoch_x, (self.epoch_loss, self.epoch_accuracy, self.epoch_stats), max_rows
        )
        return dataclasses.replace(
            self,
            step_x=step[0],
            step_loss=step[1],
            step_accuracy=step[2],
            step_stats=step[3],
            epoch_x=epoch[0],
            epoch_loss=epoch[1],
            epoch_accuracy=epoch[2],
            epoch_stats=epoch[3],
        )


def _thin(xs: np.ndarray, series: tuple[np.ndarray, ...], max_rows: int) -> tuple[np.ndarray, ...]:
    """Average consecutive rows in groups so at most ``max_rows`` remain; x is each group's last."""
    n = len(xs)
    if n <= max_rows:
        return (xs, *series)
    group = -(-n // max_rows)
    starts = np.arange(0, n, group)
    ends = np.minimum(starts + group, n)
    counts = ends - starts
    out = [xs[ends - 1]]
    for values in series:
        sums = np.add.reduceat(values, starts, axis=0)
        out.append(sums / counts.reshape(-1, *([1] * (values.ndim - 1))))
    return tuple(out)


class History:
    """The records of the current run, safe to write from one thread and read from others."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        """Create an empty history holding at most ``capacity`` rows a series."""
        self.capacity = capacity
        self._lock = threading.Lock()
        self._version = 0
        self._reset(None)

    def _reset(self, start: RunStart | None) -> None:
        self._start = start
        self._summary: RunSummary | None = None
        self._latest: EpochRecord | None = None
        self._error: str | None = None
        self._state = "loading" if start is None else "training"
        self._steps: DownsampledSeries | None = None
        self._epochs: DownsampledSeries | None = None
        self._version += 1

    @property
    def version(self) -> int:
        """A number that changes whenever the history does."""
        return self._version

    def clear(self) -> None:
        """Forget everything; the state returns to "loading"."""
        with self._lock:
            self._reset(None)

    def begin(self, start: RunStart) -> None:
        """Start recording a new run."""
        with self._lock:
            self._reset(start)

    def add(self, record: EpochRecord) -> None:
        """Append one epoch's records."""
        n_stats = record.step_stats.shape[1] * record.step_stats.shape[2]
        step_rows = np.concatenate(
            [
                record.step_loss[:, None],
                record.step_accuracy[:, None],
                record.step_stats.reshape(record.steps, n_stats),
            ],
            axis=1,
        )
        epoch_row = np.concatenate(
            [[record.loss, record.accuracy], record.layer_means().reshape(n_stats)]
        )[None]
        with self._lock:
            if self._steps is None or self._epochs is None:
                self._steps = DownsampledSeries((2 + n_stats,), self.capacity)
                self._epochs = DownsampledSeries((2 + n_stats,), self.capacity)
            self._steps.extend(step_rows, record.first_step)
            self._epochs.extend(epoch_row, record.epoch)
            self._latest = record
            self._version += 1

    def record(self, record: RunStart | EpochRecord | RunSummary) -> None:
        """Store any record a trainer emits: a trainer's ``emit`` can be this method."""
        if isinstance(record, RunStart):
            self.begin(record)
        elif isinstance(record, EpochRecord):
            self.add(record)
        else:
            self.finish(record, "stopped" if record.stopped else "done")

    def finish(self, summary: RunSummary, state: str = "done") -> None:
        """Record the run's outcome and final state."""
        with self._lock:
            self._summary = summary
            self._state = state
            self._version += 1

    def set_state(self, state: str, error: str | None = None) -> None:
        """Set the run's state ("training", "paused", "failed", …) and any error."""
        with self._lock:
            self._state = state
            if error is not None:
                self._error = error
            self._version += 1

    def view(self) -> HistoryView:
        """Return a consistent copy of everything recorded so far."""
        with self._lock:
            layers = len(self._start.layer_names) if self._start else 0
            width = 2 + layers * len(STAT_NAMES)
            empty = np.zeros((0, width))
            steps, epochs = self._steps, self._epochs
            s_rows = steps.rows() if steps else empty
            e_rows = epochs.rows() if epochs else empty
            no_x = np.zeros(0, dtype=np.int64)
            return HistoryView(
                version=self._version,
                state=self._state,
                start=self._start,
                summary=self._summary,
                latest=self._latest,
                error=self._error,
                step_x=steps.xs() if steps else no_x,
                step_loss=s_rows[:, 0],
                step_accuracy=s_rows[:, 1],
                step_stats=s_rows[:, 2:].reshape(len(s_rows), layers, len(STAT_NAMES)),
                epoch_x=epochs.xs() if epochs else no_x,
                epoch_loss=e_rows[:, 0],
                epoch_accuracy=e_rows[:, 1],
                epoch_stats=e_rows[:, 2:].reshape(len(e_rows), layers, len(STAT_NAMES)),
            )
