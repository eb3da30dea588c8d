"""A thread-safe, bounded store of one run's records, read by the UI and the CLI.

The trainer's thread writes; any other thread reads a consistent
:class:`HistoryView`. Memory stays bounded however long the run: each series
keeps at most ``capacity`` rows, and when it fills up, neighbouring rows are
averaged in pairs, so the whole run stays viewable at a coarser resolution.

Histograms (a run that counts them emits :class:`~vgtui.records.HistogramBlock`
records: the engine every 100th step, the Keras monitor every K-th) are kept
as counted steps, at most 256 of them (fewer where a step's counts are large:
16 MB in all), thinned evenly when full (every other one dropped, the first,
at initialization, always among those kept) and the latest always kept. A
view hands them out as ``view.histograms``, a
:class:`~vgtui.distributions.over_time.Distributions` (None when the run
counts none), which never changes once made; this is all a screen needs of it:

- ``h.every``: the run counts every ``every``-th step (1, 1 + every, ...);
  ``h.counted``: steps counted so far (some may have been thinned away).
- ``h.quantities``: those counted, of "grad" (the kernel's gradient),
  "weight" (the kernel as the step used it), "activation" (a layer's
  outputs over the step's batch) and "backprop" (the loss's gradient with
  respect to those outputs); ``h.specs[quantity]``: its bins, a
  :class:`~vgtui.distributions.bins.BinSpec`, the same for the whole run.
- ``h.layers(quantity)``: the layers it has a row for, input side first
  (the built-in network: every Dense layer for "grad" and "weight", the
  hidden ones for "activation" and "backprop"). A layer is given to the
  calls below by that name or by its index in that tuple.
- ``h.steps``: (n,) the counted steps held, oldest first.
- ``h.bands(quantity, layer)``: a ``Bands`` of ``steps`` (n,), ``percentiles``
  (2, 16, 50, 84, 98) and ``values`` (n, 5), read from the counts
  (TensorBoard's distributions; NaN where a step counted only NaNs).
- ``h.histogram_at(quantity, layer, step)``: a ``Histogram`` at the last
  counted step at or before ``step`` (None if there is none): its ``step``,
  ``edges`` (bins + 1,), ``counts`` (bins,), and the values outside the
  bins, ``below``, ``above``, ``zeros`` (exact zeros, in no bin) and ``nan``.
- ``h.activation_stats(layer)``: (steps, mean, SD) of a hidden layer's
  activations at each counted step (the paper's Fig. 2).
- ``h.counts(quantity, layer)`` (n, slots) and ``h.moments(quantity, layer)``
  (n, 4: min, max, sum, sum of squares) for anything else.

``view.until_epoch(epoch)`` cuts them to the steps up to that epoch's end, as
it does every series, so the time cursor's histogram is ``histogram_at``
the cursor's step.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from dataclasses import dataclass

import numpy as np

from vgtui.distributions.over_time import Distributions, HistogramSeries, default_layers
from vgtui.records import (
    STAT_NAMES,
    Boundary,
    EpochEnd,
    HistogramBlock,
    Record,
    RunStart,
    RunSummary,
    StepBlock,
    conform_stats,
    diverged_where,
)

DEFAULT_CAPACITY = 4096
#: Decision boundaries a history keeps for the time cursor (about 9 kB each at 48 × 48):
#: past this, every other older one is dropped, so the whole run stays covered, coarser.
MAX_BOUNDARIES = 256
#: Rows a series allocates at first; short runs never need more.
INITIAL_ROWS = 256
#: Columns of an epoch's row before its layers' statistics: loss, accuracy, last step,
#: validation loss, validation accuracy.
EPOCH_HEAD = 5


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
class LatestEpoch:
    """The last epoch that ended: its numbers, and its steps' per-layer means.

    Attributes:
        epoch: 1-based epoch number.
        first_step: global number of its first step.
        last_step: global number of its last step.
        loss: loss on the whole data after it (NaN if not evaluated).
        accuracy: accuracy on the whole data after it.
        means: per-layer statistics averaged over its steps, (layers, stats).
        diverged_layer: as in :class:`vgtui.records.EpochEnd`.
        diverged_step: the step that stopped being finite, if one did.
        val_loss: loss on the validation data after it (NaN: none).
        val_accuracy: accuracy on the validation data after it (NaN: none).

    """

    epoch: int
    first_step: int
    last_step: int
    loss: float
    accuracy: float
    means: np.ndarray
    diverged_layer: int | None = None
    diverged_step: int | None = None
    val_loss: float = math.nan
    val_accuracy: float = math.nan

    @property
    def steps(self) -> int:
        """Number of steps in the epoch."""
        return self.last_step - self.first_step + 1

    def layer_means(self) -> np.ndarray:
        """Per-layer statistics averaged over the epoch's steps, (layers, stats)."""
        return self.means

    def diverged_where(self, names: tuple[str, ...]) -> str | None:
        """Name the layer where the run diverged ("loss" for the loss alone); None if finite."""
        return diverged_where(self.diverged_layer, names)


@dataclass(frozen=True)
class HistoryView:
    """A consistent copy of a history at one moment.

    Step series are indexed by step (``step_x``), epoch series by epoch
    (``epoch_x``); ``step_stats`` has shape (rows, layers, stats).
    ``epoch_val_loss`` and ``epoch_val_accuracy`` are on the validation data
    (NaN where a run has none).
    ``steps_done`` counts every step recorded, also those of an epoch that
    has not ended yet; ``latest`` is the last epoch that ended. The decision
    boundaries are not part of a view: :meth:`History.latest_boundary` and
    :meth:`History.boundary_at` hand them out.
    """

    version: int
    state: str
    start: RunStart | None
    summary: RunSummary | None
    latest: LatestEpoch | None
    error: str | None
    steps_done: int
    step_x: np.ndarray
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray
    epoch_x: np.ndarray
    epoch_loss: np.ndarray
    epoch_accuracy: np.ndarray
    epoch_stats: np.ndarray
    epoch_last_step: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    epoch_val_loss: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    epoch_val_accuracy: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    histograms: Distributions | None = None

    @property
    def validated(self) -> bool:
        """Whether any epoch has a validation loss or accuracy (``fit`` had validation data)."""
        return bool(
            np.isfinite(self.epoch_val_loss).any() or np.isfinite(self.epoch_val_accuracy).any()
        )

    @property
    def layer_names(self) -> tuple[str, ...]:
        """The run's layer names, () before it has started."""
        return self.start.layer_names if self.start else ()

    @property
    def ended(self) -> bool:
        """Whether the run has ended, one way or another."""
        return self.state in ("done", "stopped", "failed")

    def until_epoch(self, epoch: int) -> HistoryView:
        """The run as it stood when epoch ``epoch`` ended: the rows up to it, no summary.

        For the time cursor: every number, the verdict and the charts of the
        returned view are those of that moment.
        """
        keep = self.epoch_x <= epoch
        if not keep.any():
            return dataclasses.replace(
                self,
                latest=None,
                summary=None,
                steps_done=0,
                histograms=_histograms_until(self.histograms, 0),
                **_rows(self, 0, keep),
            )
        last = int(np.flatnonzero(keep)[-1])
        last_step = int(self.epoch_last_step[last] + 0.5)
        first_step = int(self.epoch_last_step[last - 1] + 0.5) + 1 if last else 1
        latest = self.latest
        if latest is None or int(self.epoch_x[last]) != latest.epoch:
            latest = LatestEpoch(
                epoch=int(self.epoch_x[last]),
                first_step=first_step,
                last_step=last_step,
                loss=float(self.epoch_loss[last]),
                accuracy=float(self.epoch_accuracy[last]),
                means=self.epoch_stats[last],
                val_loss=_at(self.epoch_val_loss, last),
                val_accuracy=_at(self.epoch_val_accuracy, last),
            )
        return dataclasses.replace(
            self,
            latest=latest,
            summary=None,
            steps_done=last_step,
            histograms=_histograms_until(self.histograms, last_step),
            **_rows(self, last_step, keep),
        )

    def thinned(self, max_rows: int) -> HistoryView:
        """A copy whose series hold at most ``max_rows`` rows, neighbours averaged.

        For keeping many ended runs: the shape of the run stays, the memory
        it takes is bounded (its histograms too: at most
        :data:`~vgtui.distributions.over_time.KEPT_STEPS` counted steps, spread evenly).
        """
        step = _thin(self.step_x, (self.step_loss, self.step_accuracy, self.step_stats), max_rows)
        epoch = _thin(
            self.epoch_x,
            (
                self.epoch_loss,
                self.epoch_accuracy,
                self.epoch_stats,
                self.epoch_last_step,
                _column(self.epoch_val_loss, len(self.epoch_x)),
                _column(self.epoch_val_accuracy, len(self.epoch_x)),
            ),
            max_rows,
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
            epoch_last_step=epoch[4],
            epoch_val_loss=epoch[5],
            epoch_val_accuracy=epoch[6],
            histograms=self.histograms.thinned() if self.histograms is not None else None,
        )


def _histograms_until(histograms: Distributions | None, step: int) -> Distributions | None:
    """The histograms counted up to ``step``; None if the run counts none."""
    return histograms.until(step) if histograms is not None else None


def _column(values: np.ndarray, rows: int) -> np.ndarray:
    """An epoch series ``rows`` long: ``values``, or NaN where a view was made without it."""
    return values if len(values) == rows else np.full(rows, np.nan)


def _at(values: np.ndarray, index: int) -> float:
    """``values[index]`` as a float; NaN where the series is not there."""
    return float(values[index]) if index < len(values) else math.nan


def _rows(view: HistoryView, last_step: int, epochs: np.ndarray) -> dict[str, np.ndarray]:
    """The view's series cut to steps up to ``last_step`` and the epochs ``epochs`` marks."""
    steps = view.step_x <= last_step
    return {
        "step_x": view.step_x[steps],
        "step_loss": view.step_loss[steps],
        "step_accuracy": view.step_accuracy[steps],
        "step_stats": view.step_stats[steps],
        "epoch_x": view.epoch_x[epochs],
        "epoch_loss": view.epoch_loss[epochs],
        "epoch_accuracy": view.epoch_accuracy[epochs],
        "epoch_stats": view.epoch_stats[epochs],
        "epoch_last_step": view.epoch_last_step[epochs],
        "epoch_val_loss": _column(view.epoch_val_loss, len(view.epoch_x))[epochs],
        "epoch_val_accuracy": _column(view.epoch_val_accuracy, len(view.epoch_x))[epochs],
    }


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
    """The records of one run, safe to write from one thread and read from others."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        """Create an empty history holding at most ``capacity`` rows a series."""
        self.capacity = capacity
        self._lock = threading.Lock()
        self._version = 0
        self._reset(None)

    def _reset(self, start: RunStart | None) -> None:
        self._start = start
        self._summary: RunSummary | None = None
        self._latest: LatestEpoch | None = None
        # Every ``_boundary_stride``-th boundary, by epoch, at most MAX_BOUNDARIES; and the latest.
        self._boundaries: list[Boundary] = []
        self._boundary_stride = 1
        self._boundary_count = 0
        self._latest_boundary: Boundary | None = None
        self._histograms: HistogramSeries | None = None
        self._error: str | None = None
        self._state = "loading" if start is None else "training"
        self._steps: DownsampledSeries | None = None
        self._epochs: DownsampledSeries | None = None
        self._steps_done = 0
        self._epoch_sum: np.ndarray | None = None  # the open epoch's step rows, summed
        self._epoch_count = 0
        self._epoch_first = 0
        self._version += 1

    @property
    def version(self) -> int:
        """A number that changes whenever the history does."""
        return self._version

    @property
    def start(self) -> RunStart | None:
        """The run's start record, None before it has started."""
        return self._start

    @property
    def latest(self) -> LatestEpoch | None:
        """The last epoch that ended, as a view's ``latest`` (without copying the series)."""
        with self._lock:
            return self._latest

    def latest_boundary(self) -> Boundary | None:
        """The latest decision boundary recorded (None before the first, or if none is)."""
        with self._lock:
            return self._latest_boundary

    def boundary_at(self, epoch: int) -> Boundary | None:
        """The decision boundary as it stood when epoch ``epoch`` ended (the time cursor's).

        The latest recorded at or before that epoch; None if there is none.
        """
        with self._lock:
            found = None
            for boundary in [*self._boundaries, self._latest_boundary]:
                if boundary is None or boundary.epoch > epoch:
                    break
                found = boundary
            return found

    def clear(self) -> None:
        """Forget everything; the state returns to "loading"."""
        with self._lock:
            self._reset(None)

    def begin(self, start: RunStart) -> None:
        """Start recording a new run."""
        with self._lock:
            self._reset(start)

    def add_steps(self, block: StepBlock) -> None:
        """Append steps of the epoch under way.

        Statistics of an older source (fewer than STAT_NAMES) are padded with NaN.
        """
        stats = conform_stats(block.step_stats)
        n_stats = stats.shape[1] * stats.shape[2]
        step_rows = np.concatenate(
            [
                np.asarray(block.step_loss, np.float64)[:, None],
                np.asarray(block.step_accuracy, np.float64)[:, None],
                np.asarray(stats, np.float64).reshape(block.steps, n_stats),
            ],
            axis=1,
        )
        with self._lock:
            if self._steps is None or self._epochs is None:
                self._steps = DownsampledSeries((2 + n_stats,), self.capacity)
                self._epochs = DownsampledSeries((EPOCH_HEAD + n_stats,), self.capacity)
            if block.steps == 0:
                return
            self._steps.extend(step_rows, block.first_step)
            if self._epoch_count == 0:
                self._epoch_sum = np.zeros(2 + n_stats)
                self._epoch_first = block.first_step
            self._epoch_sum = self._epoch_sum + step_rows.sum(axis=0)
            self._epoch_count += block.steps
            self._steps_done = block.last_step
            self._version += 1

    def _keep_boundary(self, boundary: Boundary) -> None:
        """Keep an epoch's boundary: the latest always, and every stride-th one.

        When MAX_BOUNDARIES are kept, every other one goes and the stride
        doubles, so the whole run stays covered, evenly, at a coarser grain.
        The caller holds the lock.
        """
        self._latest_boundary = boundary
        if self._boundary_count % self._boundary_stride == 0:
            self._boundaries.append(boundary)
            if len(self._boundaries) > MAX_BOUNDARIES:
                self._boundaries = self._boundaries[::2]
                self._boundary_stride *= 2
        self._boundary_count += 1

    def end_epoch(self, end: EpochEnd) -> None:
        """Close the epoch under way with its loss and accuracy on the whole data."""
        with self._lock:
            if self._epochs is None or self._epoch_sum is None or self._epoch_count == 0:
                return  # an epoch without steps: nothing to average
            means = self._epoch_sum[2:] / self._epoch_count
            layers = len(means) // len(STAT_NAMES)
            head = [end.loss, end.accuracy, self._steps_done, end.val_loss, end.val_accuracy]
            row = np.concatenate([head, means])[None]
            self._epochs.extend(row, end.epoch)
            self._latest = LatestEpoch(
                epoch=end.epoch,
                first_step=self._epoch_first,
                last_step=self._steps_done,
                loss=float(end.loss),
                accuracy=float(end.accuracy),
                means=means.reshape(layers, len(STAT_NAMES)),
                diverged_layer=end.diverged_layer,
                diverged_step=end.diverged_step,
                val_loss=float(end.val_loss),
                val_accuracy=float(end.val_accuracy),
            )
            if end.boundary is not None:
                self._keep_boundary(end.boundary)
            self._epoch_sum = None
            self._epoch_count = 0
            self._version += 1

    def record(self, record: Record) -> None:
        """Store any record a run source emits: a source's ``emit`` can be this method."""
        if isinstance(record, RunStart):
            self.begin(record)
        elif isinstance(record, StepBlock):
            self.add_steps(record)
        elif isinstance(record, EpochEnd):
            self.end_epoch(record)
        elif isinstance(record, RunSummary):
            self.finish(record, "stopped" if record.stopped else "done")
        elif isinstance(record, HistogramBlock):
            self.add_histograms(record)

    def add_histograms(self, block: HistogramBlock) -> None:
        """Keep a block's counted steps (bounded: see :class:`HistogramSeries`).

        The rows of each quantity are named by the run's start record:
        ``info["histogram_layers"]`` where it gives them (a Keras model's
        layers), else the built-in network's (every Dense layer for "grad"
        and "weight", the hidden ones for "activation" and "backprop").
        A block before the run's start is dropped.
        """
        with self._lock:
            if self._start is None or len(block) == 0:
                return
            if self._histograms is None:
                self._histograms = HistogramSeries(histogram_layers(self._start))
            self._histograms.add(block)
            self._version += 1

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
            steps, epochs = self._steps, self._epochs
            s_rows = steps.rows() if steps else np.zeros((0, width))
            e_rows = epochs.rows() if epochs else np.zeros((0, width + EPOCH_HEAD - 2))
            no_x = np.zeros(0, dtype=np.int64)
            return HistoryView(
                version=self._version,
                state=self._state,
                start=self._start,
                summary=self._summary,
                latest=self._latest,
                error=self._error,
                steps_done=self._steps_done,
                step_x=steps.xs() if steps else no_x,
                step_loss=s_rows[:, 0],
                step_accuracy=s_rows[:, 1],
                step_stats=s_rows[:, 2:].reshape(len(s_rows), layers, len(STAT_NAMES)),
                epoch_x=epochs.xs() if epochs else no_x,
                epoch_loss=e_rows[:, 0],
                epoch_accuracy=e_rows[:, 1],
                epoch_last_step=e_rows[:, 2],
                epoch_val_loss=e_rows[:, 3],
                epoch_val_accuracy=e_rows[:, 4],
                epoch_stats=e_rows[:, EPOCH_HEAD:].reshape(len(e_rows), layers, len(STAT_NAMES)),
                histograms=self._histograms.snapshot() if self._histograms else None,
            )


def histogram_layers(start: RunStart) -> dict[str, tuple[str, ...]]:
    """The layers each quantity's histograms have a row for, as ``start`` says them."""
    layers = default_layers(start.layer_names)
    given = (start.info or {}).get("histogram_layers")
    if isinstance(given, dict):
        for quantity, names in given.items():
            if isinstance(names, (list, tuple)):
                layers[str(quantity)] = tuple(str(n) for n in names)
    return layers
