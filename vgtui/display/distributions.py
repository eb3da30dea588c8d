"""What the distribution screen draws, as plain data: bands over time and histograms at a step.

For one quantity (a layer's activations, the gradient that reaches them, its
kernel's gradient, or its kernel), :func:`distributions_frame` gathers from a
run's counted histograms (:attr:`vgtui.history.HistoryView.histograms`):

- per layer, the percentile bands over the counted steps (2, 16, 50, 84 and
  98: TensorBoard's distributions);
- per layer, the histogram at the step the cursor stands on, as the share of
  the layer's values in each bin (the paper's figures: one curve a layer, on
  one axis);
- the distribution note (:func:`vgtui.diagnosis.distribution_note`).

Gradients are binned on a signed log scale; such values are drawn on the
axis ``sign(v) · (log10|v| − low + 1)`` (0 for the bin around zero), whose
ticks :func:`axis_ticks` labels with the values themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vgtui.diagnosis import distribution_note
from vgtui.distributions.bins import QUANTITIES, QUANTITY_NAMES, BinSpec
from vgtui.history import HistoryView

#: The quantity shown first: what the paper's figures show first.
FIRST_QUANTITY = "activation"
#: The most bins a histogram is drawn with: neighbouring bins are summed to fewer (a batch
#: of a few hundred values in a hundred bins is mostly noise).
DRAWN_BINS = 40


def grouped(
    counts: np.ndarray, middles: np.ndarray, most: int = DRAWN_BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Counts summed over runs of neighbouring bins, at most ``most`` of them, and their middles."""
    size = max(1, -(-len(counts) // most))
    ends = np.arange(0, len(counts), size)
    summed = np.add.reduceat(counts, ends) if len(counts) else counts
    centres = np.array([middles[i : i + size].mean() for i in ends])
    return summed, centres


def to_axis(values: np.ndarray, spec: BinSpec) -> np.ndarray:
    """Values on the axis the spec's bins are drawn on (signed log, or as they are)."""
    values = np.asarray(values, dtype=np.float64)
    if not spec.logarithmic:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.log10(np.abs(values)) - spec.low + 1.0
    out = np.sign(values) * np.maximum(magnitude, 0.0)
    out[np.isnan(values)] = np.nan
    return out


def axis_ticks(spec: BinSpec, count: int = 5) -> tuple[list[float], list[str]]:
    """About ``count`` ticks across the spec's range, on the drawing axis, and their labels."""
    if not spec.logarithmic:
        ticks = np.linspace(spec.low, spec.high, count)
        return [float(t) for t in ticks], [f"{t:g}" for t in ticks]
    decades = list(range(math.ceil(spec.low), math.floor(spec.high) + 1))
    step = max(1, len(decades) // max(1, count // 2))
    shown = decades[::step]
    values = [-(10.0**d) for d in reversed(shown)] + [0.0] + [10.0**d for d in shown]
    axis = to_axis(np.array(values), spec)
    labels = [f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e") if v else "0" for v in values]
    return [float(a) for a in axis], labels


@dataclass(frozen=True, eq=False)
class LayerBands:
    """One layer's percentile bands over the counted steps, on the drawing axis.

    Attributes:
        name: the layer.
        steps: (n,) the counted steps.
        values: (n, 5) its 2nd, 16th, 50th, 84th and 98th percentiles.

    """

    name: str
    steps: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class LayerHistogram:
    """One layer's histogram at one step: the share of its values in each bin.

    Attributes:
        name: the layer.
        x: (bins,) the bins' middles on the drawing axis.
        share: (bins,) the share of the layer's values in each bin.
        outside: the share below, above and exactly zero (not in a bin), in words.

    """

    name: str
    x: np.ndarray
    share: np.ndarray
    outside: str


@dataclass(frozen=True, eq=False)
class DistributionsFrame:
    """Everything the distribution screen draws for one quantity.

    Attributes:
        quantity: which values: "activation", "backprop", "grad" or "weight".
        title: what they are, in words.
        spec: their bins, the same for the whole run.
        bands: per layer, input side first.
        histograms: per layer, at ``step``.
        step: the counted step the histograms are of (0: none yet).
        every: the run counts every ``every``-th step.
        total_steps: the run's length, the bands' x axis.
        note: a layer with a distribution problem, in a sentence ("" when none).
        missing: why there is nothing to draw ("" when there is).

    """

    quantity: str
    title: str
    spec: BinSpec | None
    bands: tuple[LayerBands, ...]
    histograms: tuple[LayerHistogram, ...]
    step: int
    every: int
    total_steps: int
    note: str = ""
    missing: str = ""


def quantities_of(view: HistoryView) -> tuple[str, ...]:
    """The quantities the run counts, the activations first (none: the run counts none)."""
    found = view.histograms.quantities if view.histograms is not None else ()
    order = (FIRST_QUANTITY, "backprop", "grad", "weight")
    return tuple(q for q in order if q in found) + tuple(
        q for q in QUANTITIES if q in found and q not in order
    )


def distributions_frame(
    view: HistoryView,
    quantity: str,
    step: int | None,
    total_steps: int,
    moments: bool = False,
) -> DistributionsFrame:
    """The frame of ``quantity`` in ``view``, its histograms at ``step`` (None: the latest).

    With ``moments``, the activations' bands are their mean and the mean ± SD
    (the paper's Fig. 2) rather than percentiles; the 2nd and 98th are then NaN.
    """
    title = QUANTITY_NAMES.get(quantity, quantity)
    histograms = view.histograms
    if histograms is None or len(histograms) == 0 or quantity not in histograms.quantities:
        missing = (
            "no histograms yet: the first is counted at the first step"
            if histograms is not None
            else "this run counts no histograms (a run of the app or --histograms does)"
        )
        return DistributionsFrame(quantity, title, None, (), (), 0, 0, total_steps, "", missing)
    spec = histograms.specs[quantity]
    edges = spec.edges.astype(np.float64)
    middles = to_axis((edges[:-1] + edges[1:]) / 2, spec)
    at = int(histograms.steps[-1]) if step is None else step
    bands, curves = [], []
    shown_step = 0
    for layer in histograms.layers(quantity):
        if moments and quantity == "activation":
            steps, mean, sd = histograms.activation_stats(layer)
            nan = np.full(len(steps), np.nan)
            values = np.stack([nan, mean - sd, mean, mean + sd, nan], axis=1)
            bands.append(LayerBands(layer, steps, values))
        else:
            band = histograms.bands(quantity, layer)
            bands.append(LayerBands(layer, band.steps, to_axis(band.values, spec)))
        found = histograms.histogram_at(quantity, layer, at)
        if found is None:
            continue
        shown_step = found.step
        total = found.counts.sum() + found.below + found.above + found.zeros + found.nan
        counts, x = grouped(found.counts.astype(np.float64), middles)
        share = counts / max(total, 1)
        outside = []
        for count, words in (
            (found.zeros, "exactly 0"),
            (found.below, "below"),
            (found.above, "above"),
            (found.nan, "NaN"),
        ):
            if count:
                outside.append(f"{count / max(total, 1):.0%} {words}")
        curves.append(LayerHistogram(layer, x, share, ", ".join(outside)))
    note = distribution_note(view) or ""
    return DistributionsFrame(
        quantity,
        title,
        spec,
        tuple(bands),
        tuple(curves),
        shown_step,
        histograms.every,
        total_steps,
        note,
    )
