"""Name the disease: a run's verdict, with its evidence, from its records alone.

The verdict reads the gradient SD of the first hidden layer against the
output layer's, in decades (log10 of their ratio), as a median over every
recorded step so far, the gradient norms over time, and the share of dead or
saturated units. Thresholds, chosen from runs of the tutorial's network
(seeds 1, 2, 3, 7 and 42), checked in order:

- *diverged*: the loss or a gradient became NaN or infinite.
- *vanishing*, at its most extreme: some layer's kernel gradient is exactly
  zero through the latest epoch (every unit of a layer dead, or saturated to
  the last bit); the reason names the layer. (relu with ``--lr 100``: every
  gradient is 0 from epoch 2 with dense_4 100% dead; the defaults at depth 48
  or more: the first layer's SD underflows to 0.)
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
  ``STUCK_ACCURACY``. A step whose first-layer gradient is exactly zero
  counts as infinitely far below. (sigmoid + normal measured -0.5 to -1.5
  decades and accuracy 0.62 to 0.74; tanh, relu and relu + he_normal +0.2 to
  +1.1.) ``STUCK_ACCURACY`` is for the built-in tasks, two balanced classes
  (chance 0.5): halfway from chance to perfect. Another model's accuracy is
  judged against its own task's chance the same way (see
  :func:`stuck_accuracy`): 1/k for k classes, or the commonest class's share
  of the data where it is known (a model file's data); a 3-class model is
  stuck under 0.67, not 0.75. Where chance cannot be told, the accuracy rule
  does not apply, and the reason quotes the chance it used.
- *healthy*: none of these; but where some hidden layer has at least
  ``DEGRADED_SHARE`` of its units dead or saturated over the latest epoch,
  the verdict says so ("healthy gradients · 41% dead units in dense_1"):
  relu + he_normal on the spiral measured 41%, 21% and 39% dead at accuracy
  0.76, while the tutorial's healthy runs stay under 12%.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np

from vgtui.data.tasks import n_classes
from vgtui.display.names import short_layer_name
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX, Diagnosis

#: Within this many decades of the output layer (a factor of 1.5), a layer is level with it.
LEVEL_DECADES = 0.18
#: A verdict holds once a fifth of the run's epochs have run (at least 5, at most 50 epochs).
EVIDENCE_SHARE = 0.2
MIN_EVIDENCE_EPOCHS = 5
MAX_EVIDENCE_EPOCHS = 50
VANISHING_DECADES = -1.0
WEAK_DECADES = -0.3
STUCK_ACCURACY = 0.75
#: Accuracy by chance on the built-in tasks: two classes of equal size.
BUILTIN_CHANCE = 0.5
#: Where STUCK_ACCURACY sits between chance and perfect accuracy (0.75: halfway from 0.5).
STUCK_SHARE = (STUCK_ACCURACY - BUILTIN_CHANCE) / (1 - BUILTIN_CHANCE)
EXPLODING_NORM = 10.0
EXPLODING_DECADES = 2.5
GROWTH_DECADES = 3.0
#: A hidden layer with this share of dead or saturated units qualifies a healthy verdict.
DEGRADED_SHARE = 0.3
#: A layer this dead or saturated blocks the gradient to every layer below it.
FULL_SHARE = 0.999

VERDICTS = ("healthy", "vanishing", "exploding", "diverged")
SD = STAT_INDEX["grad_sd"]


def decades_below_output(sd: np.ndarray) -> np.ndarray:
    """log10 of each layer's gradient SD over the output layer's, per row.

    Args:
        sd: gradient SDs, (rows, layers); the last layer is the output.

    Returns:
        (rows, layers) decades; -inf where a hidden layer's SD is exactly zero
        (its gradient vanished completely, whatever the output layer's), NaN
        where the output layer's SD is zero or a value is not finite.

    """
    sd = np.asarray(sd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(sd / sd[:, -1:])
    out[~np.isfinite(out)] = np.nan
    vanished = sd == 0
    vanished[:, -1] = False
    out[vanished] = -np.inf  # the gradient vanished entirely: the evidence, not a gap
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


def median_layer_sds(view: HistoryView) -> np.ndarray:
    """Each layer's gradient SD, median over every recorded step (NaN where a layer has none).

    The one definition of "a layer's gradient SD over the run": the comparison
    table's first-layer SD, the story's multiples and the JSON's read it.
    """
    sd = view.step_stats[:, :, SD] if view.step_stats.ndim == 3 else np.zeros((0, 0))
    if sd.size == 0:
        return np.full(sd.shape[1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a layer with no finite step: NaN
        return np.nanmedian(np.where(np.isfinite(sd), sd, np.nan), axis=0)


def first_layer_decades(view: HistoryView) -> Decades:
    """The first hidden layer's gradient SD against the output layer's, in decades.

    The one definition the badge, the layer rows, the comparison table and
    the JSON summary all use; NaN where there is nothing to compare yet.
    """
    median, latest = layer_decades(view)
    if len(median) == 0:
        return Decades(math.nan, math.nan)
    return Decades(float(median[0]), float(latest[0]))


def chance_of(view: HistoryView) -> float:
    """The accuracy a model gets by chance on the run's task; NaN when it cannot be told.

    The built-in network's tasks on the plane have two classes of equal size
    (0.5); Shapeset's nine are balanced too (1/9). A model's run says it in
    its start record's ``info["chance"]`` (the commonest class's share, or
    1/k for k output units); a log of an older monitor, by the output shape
    of its last layer in ``info["model"]``.
    """
    start = view.start
    if start is None:
        return math.nan
    if start.config is not None:
        classes = n_classes(start.config.dataset)
        return BUILTIN_CHANCE if classes == 2 else 1.0 / classes
    info = start.info or {}
    value = _fraction(info.get("chance"))
    if not math.isnan(value):
        return value
    model = info.get("model")
    layers = model.get("layers") if isinstance(model, dict) else None
    shape = layers[-1].get("output_shape") if layers and isinstance(layers[-1], dict) else None
    units = shape[-1] if isinstance(shape, list) and shape else None
    if isinstance(units, int) and units >= 1:
        return 0.5 if units == 1 else 1.0 / units
    return math.nan


def _fraction(value: object) -> float:
    """``value`` as a number strictly between 0 and 1, else NaN."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if 0.0 < number < 1.0 else math.nan


def stuck_accuracy(chance: float) -> float:
    """Accuracy under which a run counts as stuck: STUCK_SHARE of the way from chance to 1.

    0.75 for the built-in tasks (chance 0.5); 0.67 for three balanced
    classes; NaN (no accuracy is stuck) when chance is not known.
    """
    return chance + (1.0 - chance) * STUCK_SHARE


def _accuracy_said(accuracy: float, chance: float, builtin: bool) -> str:
    """``accuracy 0.62``; for a model's run, with the chance it is judged against."""
    said = f"accuracy {accuracy:.2f}"
    if builtin:
        return said
    if math.isnan(chance):
        return f"{said} (chance not known)"
    return f"{said} (chance {chance:.2f})"


def diagnose(view: HistoryView) -> tuple[str, str]:
    """Return (verdict, one-sentence reason); see :func:`diagnosis`."""
    found = diagnosis(view)
    return found.verdict, found.reason


def diagnosis(view: HistoryView) -> Diagnosis:
    """Diagnose the run in ``view``; no verdict before its first epoch has ended."""
    latest = view.latest
    names = view.layer_names or tuple(f"layer {i + 1}" for i in range(view.epoch_stats.shape[1]))
    if latest is None:
        if view.ended:
            return Diagnosis("", "No epoch ended, so there is no verdict.", "no epoch ended")
        return Diagnosis("", "", "")
    accuracy = latest.accuracy
    acc = f"acc {accuracy:.2f}"
    chance = chance_of(view)
    builtin = view.start is not None and view.start.config is not None
    accuracy_said = _accuracy_said(accuracy, chance, builtin or view.start is None)
    if latest.diverged_step is not None:
        layer = latest.diverged_where(names)
        where = "the loss" if layer in (None, "loss") else layer
        return Diagnosis(
            "diverged",
            f"NaN or Inf appeared at step {latest.diverged_step}, first in {where}.",
            f"NaN at step {latest.diverged_step} ({where})",
        )
    silent = _silent(view, names)
    if silent is not None:
        return silent
    median = first_layer_decades(view).median
    if math.isnan(median):
        return Diagnosis("", "The output layer's gradient is zero: nothing to compare.", "")
    steps = f"median over {view.steps_done} steps"
    first, last = _ends(names)
    latest_norms = view.epoch_stats[-1, :, STAT_INDEX["grad_norm"]]
    largest = float(np.nanmax(latest_norms)) if np.isfinite(latest_norms).any() else 0.0
    if largest >= EXPLODING_NORM:
        name = names[int(np.nanargmax(latest_norms))]
        return Diagnosis(
            "exploding",
            f"{name}'s gradient norm is {largest:.3g} over the latest epoch "
            f"(healthy runs: 0.01 to 1).",
            f"{name} grad norm {largest:.1e} · {acc}",
        )
    if median >= EXPLODING_DECADES:
        return Diagnosis(
            "exploding",
            f"{first} gradient SD is {median:+.1f} decades from {last} "
            f"({steps}): gradients grow toward the input.",
            f"{_against(short_layer_name(names[0]), median, _short_last(names))}, median · {acc}",
        )
    growth = _norm_growth(view)
    if growth >= GROWTH_DECADES:
        return Diagnosis(
            "exploding",
            f"Gradient norms grew {growth:.1f} decades since the first epoch.",
            f"grad norms grew {growth:.1f} decades · {acc}",
        )
    stuck = stuck_accuracy(chance if view.start is not None else BUILTIN_CHANCE)
    if median <= VANISHING_DECADES or (median <= WEAK_DECADES and accuracy < stuck):
        if median == -math.inf:
            reason = f"{first} gradient is exactly zero in most steps ({steps}); {accuracy_said}."
            short = f"{short_layer_name(names[0])} gradient zero · {acc}"
            return Diagnosis("vanishing", reason, short)
        return Diagnosis(
            "vanishing",
            f"{first} gradient SD is {-median:.1f} decades{_times(-median)} below "
            f"{last} ({steps}); {accuracy_said}.",
            f"{_against(short_layer_name(names[0]), median, _short_last(names))}, median · {acc}",
        )
    reason = f"{first} gradient SD is {median:+.1f} decades from {last} ({steps}); {accuracy_said}."
    short = f"{_against(short_layer_name(names[0]), median, _short_last(names))}, median · {acc}"
    degraded = _degraded(view, names)
    if degraded is not None:
        share, kind, name = degraded
        note = f"{share:.0%} {kind} units in {name}"
        return Diagnosis(
            "healthy",
            f"Healthy gradients, but {share:.0%} of {name}'s units are {kind} over the latest "
            f"epoch. {reason}",
            f"but {note} · {acc}",
        )
    return Diagnosis("healthy", reason, short)


def _ends(names: tuple[str, ...]) -> tuple[str, str]:
    """How the reason names the first and the last layer: the built-in network's, or a model's."""
    if names and names[-1] == "output":
        return "The first layer's", "the output layer's"
    if not names:
        return "The first layer's", "the last layer's"
    return f"{names[0]}'s", f"{names[-1]}'s"


def _short_last(names: tuple[str, ...]) -> str:
    """The last layer as the short form names it."""
    return short_layer_name(names[-1]) if names else "output"


def _factor(decades: float) -> str:
    """A ratio in decades as people read it: ``3×`` under a thousand, else ``4.2 decades``."""
    return f"{10**decades:.0f}×" if decades < 3 else f"{decades:.1f} decades"


def _against(name: str, decades: float, last: str) -> str:
    """``dense_1 12× below output``, or ``dense_1 level with output`` within a factor of 1.5."""
    if abs(decades) < LEVEL_DECADES:
        return f"{name} level with {last}"
    side = "above" if decades > 0 else "below"
    return f"{name} {_factor(abs(decades))} {side} {last}"


def epochs_for_verdict(epochs: int) -> int:
    """Epochs a run of ``epochs`` must have run before its verdict holds.

    A fifth of the run, at least MIN_EVIDENCE_EPOCHS and at most
    MAX_EVIDENCE_EPOCHS: early epochs move fast (the tutorial's tanh reads
    vanishing for its epochs 4 to 11, at accuracy 0.51 to 0.70, then healthy),
    and a verdict shown before then is marked provisional.
    """
    return min(max(MIN_EVIDENCE_EPOCHS, math.ceil(epochs * EVIDENCE_SHARE)), MAX_EVIDENCE_EPOCHS)


def with_evidence(found: Diagnosis, epoch: int, epochs: int, ended: bool) -> Diagnosis:
    """``found``, marked provisional while a run at ``epoch`` of ``epochs`` lacks the evidence.

    A run that ended (done, stopped or diverged) has all it will have: its
    verdict is final. So is a diverged one's, and one with no verdict.
    """
    needed = epochs_for_verdict(epochs) if epochs > 0 else MIN_EVIDENCE_EPOCHS
    early = not ended and epoch < needed and found.verdict not in ("", "diverged")
    return dataclasses.replace(found, provisional=early)


def _silent(view: HistoryView, names: tuple[str, ...]) -> Diagnosis | None:
    """Vanishing at its most extreme: a gradient exactly zero all through the latest epoch."""
    sd = view.epoch_stats[-1, :, SD]
    zero = np.flatnonzero(sd == 0)
    if len(zero) == 0:
        return None
    accuracy = view.latest.accuracy if view.latest else math.nan
    means = view.epoch_stats[-1]
    dead = np.nan_to_num(means[:-1, STAT_INDEX["dead"]], nan=0.0)
    saturated = np.nan_to_num(means[:-1, STAT_INDEX["saturation"]], nan=0.0)
    blocked = np.flatnonzero(np.maximum(dead, saturated) >= FULL_SHARE)
    zeros = _span(names, zero)
    if len(blocked):
        layer = int(blocked.max())  # the one nearest the output blocks everything below it
        kind = "dead" if dead[layer] >= saturated[layer] else "saturated"
        reason = (
            f"Every unit of {names[layer]} is {kind}: the gradient of {zeros} is exactly zero "
            f"through the latest epoch; accuracy {accuracy:.2f}."
        )
        short = f"{names[layer]} all {kind} · gradient zero · acc {accuracy:.2f}"
    else:
        degraded = _degraded(view, names)
        detail = ""
        if degraded is not None:
            share, kind, name = degraded
            detail = f" ({share:.0%} of {name}'s units are {kind})"
        reason = (
            f"The gradient of {zeros} is exactly zero through the latest epoch{detail}; "
            f"accuracy {accuracy:.2f}."
        )
        short = f"{names[int(zero[0])]} gradient zero · acc {accuracy:.2f}"
    return Diagnosis("vanishing", reason, short)


def _span(names: tuple[str, ...], layers: np.ndarray) -> str:
    """Name a set of layers: ``dense_1``, ``dense_1 and dense_2``, ``dense_1 to dense_4``."""
    first, last = names[int(layers[0])], names[int(layers[-1])]
    if len(layers) == 1:
        return first
    if len(layers) == 2:
        return f"{first} and {last}"
    contiguous = int(layers[-1]) - int(layers[0]) + 1 == len(layers)
    return f"{first} to {last}" if contiguous else f"{len(layers)} layers ({first} to {last})"


def _degraded(view: HistoryView, names: tuple[str, ...]) -> tuple[float, str, str] | None:
    """The hidden layer most dead or saturated, if DEGRADED_SHARE or more of it is."""
    means = view.epoch_stats[-1]
    shares = []
    for index, kind in ((STAT_INDEX["dead"], "dead"), (STAT_INDEX["saturation"], "saturated")):
        column = means[:-1, index]
        if np.isfinite(column).any():
            layer = int(np.nanargmax(column))
            shares.append((float(column[layer]), kind, names[layer]))
    if not shares:
        return None
    worst = max(shares)
    return worst if worst[0] >= DEGRADED_SHARE else None


def _times(decades: float) -> str:
    """Return " (NN×)" for a factor under 1000, else nothing: decades say it better."""
    return f" ({10**decades:.0f}×)" if decades < 3 else ""


def _norm_growth(view: HistoryView) -> float:
    """Largest growth, in decades, of a layer's gradient norm: first epoch to latest epoch."""
    norms = view.epoch_stats[:, :, STAT_INDEX["grad_norm"]]
    if len(norms) < 2:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.log10(norms[-1] / norms[0])
    growth = growth[np.isfinite(growth)]
    return float(growth.max()) if len(growth) else 0.0
