"""A run's histograms over time: the counted steps a history keeps, and what a screen reads.

:class:`HistogramSeries` is the store (one per run, written by its
:class:`vgtui.history.History` under the history's lock): it keeps the
HistogramBlocks' steps one by one, bounded, thinning evenly and always
keeping the latest. :class:`Distributions` is what a
:class:`vgtui.history.HistoryView` hands out: an immutable snapshot of those
steps (references to arrays that are never changed, so a snapshot costs no
copy), with the plain questions a screen asks of it (see the API in
:mod:`vgtui.history`'s docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from vgtui.distributions.bins import QUANTITIES, BinSpec
from vgtui.distributions.summary import PERCENTILES, percentiles
from vgtui.records import HistogramBlock

#: The most counted steps a run's history keeps; past it, every other one goes (the
#: first, at initialization, and the latest always stay), so the whole run stays covered.
MAX_STEPS = 256
#: The most bytes of counts a run's history keeps: a deep, wide network's steps are
#: larger, and it keeps fewer of them (never fewer than MIN_STEPS).
MAX_BYTES = 16 << 20
#: A run kept for the comparison keeps at most this many counted steps ...
KEPT_STEPS = 32
#: ... and this many bytes of them.
KEPT_BYTES = 1 << 20
#: The fewest counted steps a store keeps, whatever their size.
MIN_STEPS = 2


def _compact(counts: np.ndarray) -> np.ndarray:
    """``counts`` in the smallest unsigned integer type that holds them (a copy)."""
    top = int(counts.max()) if counts.size else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return counts.astype(dtype)
    return counts.astype(np.uint64)


@dataclass(frozen=True, eq=False)
class CountedStep:
    """One counted step's histograms, never changed once made.

    Attributes:
        step: its 1-based global number.
        counts: each quantity's (rows, slots) counts.
        moments: each quantity's (rows, 4) min, max, sum and sum of squares.
        activation_mean: (hidden layers,) mean of each hidden layer's activations.
        activation_sd: (hidden layers,) their population SD.

    """

    step: int
    counts: Mapping[str, np.ndarray]
    moments: Mapping[str, np.ndarray]
    activation_mean: np.ndarray
    activation_sd: np.ndarray

    @cached_property
    def nbytes(self) -> int:
        """Bytes its arrays take."""
        arrays = [*self.counts.values(), *self.moments.values()]
        return sum(a.nbytes for a in arrays) + self.activation_mean.nbytes * 2


def split_block(block: HistogramBlock) -> list[CountedStep]:
    """A block's steps, each on its own (copied, so that no step keeps the block alive)."""
    out = []
    for i, step in enumerate(np.asarray(block.steps)):
        out.append(
            CountedStep(
                step=int(step),
                counts={q: _compact(np.asarray(c[i])) for q, c in block.counts.items()},
                moments={q: np.array(m[i], dtype=np.float64) for q, m in block.moments.items()},
                activation_mean=np.array(block.activation_mean[i], dtype=np.float64),
                activation_sd=np.array(block.activation_sd[i], dtype=np.float64),
            )
        )
    return out


def capacity_for(step_bytes: int, max_steps: int, max_bytes: int) -> int:
    """Counted steps of ``step_bytes`` each that fit in ``max_steps`` and ``max_bytes``."""
    return max(MIN_STEPS, min(max_steps, max_bytes // max(1, step_bytes)))


def thin_evenly(steps: Sequence[CountedStep], capacity: int) -> list[CountedStep]:
    """At most ``capacity`` of ``steps``: every k-th from the first, and always the last."""
    steps = list(steps)
    if len(steps) <= capacity:
        return steps
    capacity = max(MIN_STEPS, capacity)
    stride = -(-(len(steps) - 1) // (capacity - 1))
    kept = steps[:-1:stride]
    return [*kept[: capacity - 1], steps[-1]]


@dataclass(frozen=True)
class Histogram:
    """One layer's histogram of one quantity at one counted step.

    Attributes:
        quantity: "grad", "weight", "activation" or "backprop".
        layer: the layer's name.
        step: the counted step it is of.
        spec: its bins.
        edges: (bins + 1,) the bins' edges, increasing; bin i is [edges[i], edges[i+1]).
        counts: (bins,) the values in each bin (exact zeros are not in them: see ``zeros``).
        below: values below ``edges[0]``.
        above: values at or above ``edges[-1]``.
        zeros: exact zeros.
        nan: NaNs.

    """

    quantity: str
    layer: str
    step: int
    spec: BinSpec
    edges: np.ndarray
    counts: np.ndarray
    below: int
    above: int
    zeros: int
    nan: int

    @property
    def total(self) -> int:
        """Every value counted: the bins, below, above, zeros and NaNs."""
        return int(self.counts.sum()) + self.below + self.above + self.zeros + self.nan


@dataclass(frozen=True)
class Bands:
    """A layer's percentile bands of a quantity over the counted steps.

    Attributes:
        steps: (n,) the counted steps.
        percentiles: the percentiles, e.g. (2, 16, 50, 84, 98).
        values: (n, len(percentiles)) each step's percentiles (NaN where a step
            counted nothing but NaNs).

    """

    steps: np.ndarray
    percentiles: tuple[float, ...]
    values: np.ndarray


class Distributions:
    """A run's histograms as they stood at one moment: what a screen reads.

    Made by :meth:`HistogramSeries.snapshot`; never changes. Layers are named
    as ``layers(quantity)`` names them, or given by their index in that tuple.
    """

    def __init__(
        self,
        every: int,
        specs: Mapping[str, BinSpec],
        layers: Mapping[str, tuple[str, ...]],
        steps: Sequence[CountedStep],
        counted: int,
    ) -> None:
        """Hold ``steps`` (oldest first) of a run counting every ``every``-th step."""
        self.every = every
        self.specs = dict(specs)
        self._layers = dict(layers)
        self._steps = tuple(steps)
        #: Every step the run counted so far, also those thinned away.
        self.counted = counted

    def __len__(self) -> int:
        """Counted steps held."""
        return len(self._steps)

    @property
    def quantities(self) -> tuple[str, ...]:
        """The quantities counted, in QUANTITIES order."""
        return tuple(q for q in QUANTITIES if q in self.specs)

    @cached_property
    def steps(self) -> np.ndarray:
        """(n,) the counted steps held, oldest first."""
        return np.array([s.step for s in self._steps], dtype=np.int64)

    def layers(self, quantity: str) -> tuple[str, ...]:
        """The layers ``quantity`` has a row for, input side first."""
        return self._layers.get(quantity, ())

    def _row(self, quantity: str, layer: int | str) -> int:
        names = self.layers(quantity)
        if isinstance(layer, str):
            if layer not in names:
                raise KeyError(f"{quantity} has no layer {layer!r}; its layers: {names}")
            return names.index(layer)
        if not -len(names) <= layer < len(names):
            raise IndexError(f"{quantity} has {len(names)} layers, not {layer + 1}")
        return layer % len(names)

    def counts(self, quantity: str, layer: int | str) -> np.ndarray:
        """(n, slots) the layer's counts at each counted step, int64 (see :mod:`.bins`)."""
        row = self._row(quantity, layer)
        slots = self.specs[quantity].slots
        if not self._steps:
            return np.zeros((0, slots), dtype=np.int64)
        return np.stack([s.counts[quantity][row] for s in self._steps]).astype(np.int64)

    def bands(self, quantity: str, layer: int | str, q: tuple[float, ...] = PERCENTILES) -> Bands:
        """The layer's percentiles of ``quantity`` at every counted step held.

        Read from the counts (:func:`vgtui.distributions.percentiles`): as
        TensorBoard's distributions, the bands ±1 and ±2 SD of a normal and the
        median by default.
        """
        values = percentiles(self.counts(quantity, layer), self.specs[quantity], q)
        return Bands(self.steps, tuple(q), values.reshape(len(self._steps), len(q)))

    def index_at(self, step: int) -> int | None:
        """The index of the last counted step at or before ``step``; None if there is none."""
        i = int(np.searchsorted(self.steps, step, side="right")) - 1
        return i if i >= 0 else None

    def histogram_at(self, quantity: str, layer: int | str, step: int) -> Histogram | None:
        """The layer's histogram of ``quantity`` at the last counted step at or before ``step``.

        None when no step that early was counted (or kept).
        """
        i = self.index_at(step)
        if i is None:
            return None
        row = self._row(quantity, layer)
        spec = self.specs[quantity]
        c = self._steps[i].counts[quantity][row].astype(np.int64)
        return Histogram(
            quantity=quantity,
            layer=self.layers(quantity)[row],
            step=self._steps[i].step,
            spec=spec,
            edges=spec.edges,
            counts=c[1 : spec.bins + 1],
            below=int(c[spec.below]),
            above=int(c[spec.above]),
            zeros=int(c[spec.zero]),
            nan=int(c[spec.nan]),
        )

    def moments(self, quantity: str, layer: int | str) -> np.ndarray:
        """(n, 4) the layer's min, max, sum and sum of squares at each counted step."""
        row = self._row(quantity, layer)
        if not self._steps:
            return np.zeros((0, 4))
        return np.stack([s.moments[quantity][row] for s in self._steps])

    def activation_stats(self, layer: int | str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, mean, SD) of a hidden layer's activations at each counted step held."""
        row = self._row("activation", layer)
        if not self._steps:
            empty = np.zeros(0)
            return self.steps, empty, empty
        mean = np.array([s.activation_mean[row] for s in self._steps])
        sd = np.array([s.activation_sd[row] for s in self._steps])
        return self.steps, mean, sd

    def until(self, step: int) -> Distributions:
        """The distributions as they stood at ``step``: the counted steps up to it."""
        i = self.index_at(step)
        kept = self._steps[: i + 1] if i is not None else ()
        counted = min(self.counted, (step - 1) // max(1, self.every) + 1) if kept else 0
        return Distributions(self.every, self.specs, self._layers, kept, counted)

    def thinned(self, max_steps: int = KEPT_STEPS, max_bytes: int = KEPT_BYTES) -> Distributions:
        """A copy holding at most ``max_steps`` counted steps (and ``max_bytes``), spread evenly."""
        if not self._steps:
            return self
        capacity = capacity_for(self._steps[-1].nbytes, max_steps, max_bytes)
        kept = thin_evenly(self._steps, capacity)
        return Distributions(self.every, self.specs, self._layers, kept, self.counted)


def default_layers(layer_names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Rows of each quantity for the built-in network: every Dense layer, or the hidden ones."""
    names = tuple(layer_names)
    return {"grad": names, "weight": names, "activation": names[:-1], "backprop": names[:-1]}


class HistogramSeries:
    """The counted steps of a run, bounded: not thread-safe (its History locks around it).

    Keeps every ``stride``-th counted step, at most ``capacity`` of them
    (MAX_STEPS, or fewer where each is large: MAX_BYTES); when full, every
    other one is dropped and the stride doubles, so the steps kept stay
    evenly spread over the whole run, the first among them. The latest
    counted step is always kept besides.
    """

    def __init__(
        self,
        layers: Mapping[str, tuple[str, ...]],
        max_steps: int = MAX_STEPS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        """An empty series whose quantities have rows for ``layers``."""
        self.layers = dict(layers)
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self.every = 0
        self.specs: dict[str, BinSpec] = {}
        self._kept: list[CountedStep] = []
        self._latest: CountedStep | None = None
        self._stride = 1
        self._count = 0

    def add(self, block: HistogramBlock) -> None:
        """Take a block's counted steps."""
        if not self.specs:
            self.specs = dict(block.specs)
            self.every = int(block.every)
        for step in split_block(block):
            self._latest = step
            if self._count % self._stride == 0:
                self._kept.append(step)
                capacity = capacity_for(step.nbytes, self.max_steps, self.max_bytes)
                while len(self._kept) > capacity:
                    self._kept = self._kept[::2]
                    self._stride *= 2
            self._count += 1

    def snapshot(self) -> Distributions | None:
        """What a view holds: the steps kept and the latest; None before the first block."""
        if self._latest is None:
            return None
        steps = self._kept
        if steps[-1] is not self._latest:
            steps = [*steps, self._latest]
        return Distributions(self.every, self.specs, self.layers, steps, self._count)
