"""Name the disease: a run's verdict, with its evidence, from its records alone.

The verdict reads the gradient SD of the first hidden layer against the
output layer's, in decades (log10 of their ratio), as a median over every
recorded step so far, and the gradient norms over time. Thresholds, chosen
from runs of the tutorial's network (seeds 1, 2, 3, 7 and 42):

- *diverged*: the loss or a gradient became NaN or infinite.
- *exploding*: some layer's gradient norm, averaged over the latest epoch,
  is at least ``EXPLODING_NORM``; or the first hidden layer's gradient SD is
  at least ``EXPLODING_DECADES`` above the output layer's; or some layer's
  gradient norm grew by at least ``GROWTH_DECADES`` since the first epoch.
  (Healthy runs measured norms of 0.01 to 1, at most +2.0 decades late in
  training and +1.2 decades of growth; relu + normal at depth 10, width 32,
  norms of about 5e4.)
- *vanishing*: the first hidden layer's gradient SD is at least
  ``VANISHING_DECADES`` below the output layer's; or at least
  ``WEAK_DECADES`` below while accuracy on the data stays under
  ``STUCK_ACCURACY``. (sigmoid + normal measured -0.5 to -1.5 decades and
  accuracy 0.62 to 0.74; tanh, relu and relu + he_normal +0.2 to +1.1.)
- *healthy*: none of these.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX

VANISHING_DECADES = -1.0
WEAK_DECADES = -0.3
STUCK_ACCURACY = 0.75
EXPLODING_NORM = 10.0
EXPLODING_DECADES = 2.5
GROWTH_DECADES = 3.0

VERDICTS = ("healthy", "vanishing", "exploding", "diverged")
SD = STAT_INDEX["grad_sd"]


def decades_below_output(sd: np.ndarray) -> np.ndarray:
    """log10 of each layer's gradient SD over the output layer's, per row.

    Args:
        sd: gradient SDs, (rows, layers); the last layer is the output.

    Returns:
        (rows, layers) decades; -inf where a layer's SD is exactly zero (its
        gradient vanished completely), NaN where the output layer's SD is zero
        or a value is not finite.

    """
    sd = np.asarray(sd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(sd / sd[:, -1:])
    bad = ~np.isfinite(out) & ~((sd == 0) & (sd[:, -1:] > 0) & np.isfinite(sd[:, -1:]))
    out[bad] = np.nan
    return out


@dataclass(frozen=True)
class Decades:
    """How far a layer's gradient SD sits from the output layer's, in decades (log10).

    Attributes:
        median: median over every recorded step so far (the verdict reads this).
        latest: from the last recorded epoch's mean SDs (what the layer rows show).

    """

    median: float
    latest: float


def layer_decades(view: HistoryView) -> tuple[np.ndarray, np.ndarray]:
    """Each layer's gradient SD against the output layer's: (median over steps, latest epoch).

    Both are (layers,) arrays of decades, as :func:`decades_below_output`
    gives them (the output layer's own is 0); empty before the first step.
    The latest comes from the history's last epoch row, the mean SDs of the
    last epoch, so it can be recomputed from the JSON's own ``epochs``.
    """
    sd = view.step_stats[:, :, SD] if view.step_stats.ndim == 3 else np.zeros((0, 0))
    if sd.size == 0:
        return np.zeros(0), np.zeros(0)
    per_step = decades_below_output(sd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a layer with no finite step: NaN
        median = np.nanmedian(per_step, axis=0)
    if len(view.epoch_stats):
        latest = decades_below_output(view.epoch_stats[-1:, :, SD])[0]
    else:
        latest = np.full(per_step.shape[1], np.nan)
    return median, latest


def first_layer_decades(view: HistoryView) -> Decades:
    """The first hidden layer's gradient SD against the output layer's, in decades.

    The one definition the badge, the layer rows, the comparison table and
    the JSON summary all use; NaN where there is nothing to compare yet.
    """
    median, latest = layer_decades(view)
    if len(median) == 0:
        return Decades(math.nan, math.nan)
    return Decades(float(median[0]), float(latest[0]))


def diagnose(view: HistoryView) -> tuple[str, str]:
    """Return (verdict, one-sentence reason with the numbers); ("", "") before the first epoch."""
    latest = view.latest
    if latest is None:
        return "", ""
    if latest.diverged_step is not None:
        names = view.start.layer_names if view.start else ()
        layer = latest.diverged_where(names)
        where = "the loss" if layer in (None, "loss") else layer
        return (
            "diverged",
            f"NaN or Inf appeared at step {latest.diverged_step}, first in {where}.",
        )
    median = first_layer_decades(view).median
    if math.isnan(median):
        return "", ""
    growth = _norm_growth(view)
    accuracy = latest.accuracy
    latest_norms = view.epoch_stats[-1, :, STAT_INDEX["grad_norm"]]
    largest = float(np.nanmax(latest_norms)) if np.isfinite(latest_norms).any() else 0.0
    if largest >= EXPLODING_NORM:
        layer = int(np.nanargmax(latest_norms))
        name = view.start.layer_names[layer] if view.start else f"layer {layer + 1}"
        return (
            "exploding",
            f"{name}'s gradient norm is {largest:.3g} over the latest epoch "
            f"(healthy runs: 0.01 to 1).",
        )
    if median >= EXPLODING_DECADES:
        return (
            "exploding",
            f"The first layer's gradient SD is {median:+.1f} decades from the output layer's "
            f"(median over {view.steps_done} steps): gradients grow toward the input.",
        )
    if growth >= GROWTH_DECADES:
        return (
            "exploding",
            f"Gradient norms grew {growth:.1f} decades since the first epoch.",
        )
    if median <= VANISHING_DECADES or (median <= WEAK_DECADES and accuracy < STUCK_ACCURACY):
        return (
            "vanishing",
            f"The first layer's gradient SD is {-median:.1f} decades{_times(-median)} below "
            f"the output layer's (median over {view.steps_done} steps); accuracy {accuracy:.2f}.",
        )
    return (
        "healthy",
        f"The first layer's gradient SD is {median:+.1f} decades from the output layer's "
        f"(median over {view.steps_done} steps); accuracy {accuracy:.2f}.",
    )


def _times(decades: float) -> str:
    """Return " (NNx)" for a factor under 1000, else nothing: decades say it better."""
    return f" ({10**decades:.0f}x)" if decades < 3 else ""


def _norm_growth(view: HistoryView) -> float:
    """Largest growth, in decades, of a layer's gradient norm: first epoch to latest epoch."""
    norms = view.epoch_stats[:, :, STAT_INDEX["grad_norm"]]
    if len(norms) < 2:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.log10(norms[-1] / norms[0])
    growth = growth[np.isfinite(growth)]
    return float(growth.max()) if len(growth) else 0.0
