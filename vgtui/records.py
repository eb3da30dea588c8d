"""What a run reports: plain dataclasses, free of TensorFlow and Textual.

A run source hands the rest of the program these records, in order: one
:class:`RunStart`; then, for every epoch, one or more :class:`StepBlock`
(its steps, as they are made) followed by one :class:`EpochEnd` (its loss
and accuracy on the whole data, and its decision boundary); then one
:class:`RunSummary`. Every source emits this one shape, whether it trains
several epochs in a compiled call or reads a log every K steps. Step
statistics travel as arrays, one block per compiled call (at most an
epoch), never one object per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from vgtui.config import RunConfig

if TYPE_CHECKING:
    from vgtui.distributions.bins import BinSpec

#: The per-layer statistics recorded at every step, in the order of the last
#: axis of :attr:`StepBlock.step_stats`. ``saturation`` and ``dead`` are
#: fractions in [0, 1], NaN where they do not apply to the layer's activation.
#: ``act_deriv_mean`` is the mean of the activation's derivative over the
#: batch and the layer's units (at most 0.25 for sigmoid), NaN for the output
#: layer and where it is not measured. New statistics are only ever appended:
#: a record of an older vgtui holds a prefix of these (see :func:`conform_stats`).
STAT_NAMES: tuple[str, ...] = (
    "grad_mean",
    "grad_sd",
    "grad_norm",
    "weight_mean",
    "weight_sd",
    "saturation",
    "dead",
    "act_deriv_mean",
)
STAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(STAT_NAMES)}


def conform_stats(stats: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Return ``stats`` (..., k) as (..., len(STAT_NAMES)) in STAT_NAMES order.

    ``names`` name the last axis of ``stats`` (a run log's header says them);
    without them, the k statistics are taken to be the first k of STAT_NAMES,
    as an older vgtui wrote them. Statistics missing are NaN; statistics
    this vgtui does not know are dropped. Returns ``stats`` itself when it
    already conforms.
    """
    stats = np.asarray(stats)
    k = stats.shape[-1]
    if names is None:
        names = STAT_NAMES[:k]
    names = tuple(names)
    if names == STAT_NAMES:
        return stats
    dtype = stats.dtype if np.issubdtype(stats.dtype, np.floating) else np.float64
    out = np.full((*stats.shape[:-1], len(STAT_NAMES)), np.nan, dtype=dtype)
    for j, name in enumerate(names[:k]):
        if name in STAT_INDEX:
            out[..., STAT_INDEX[name]] = stats[..., j]
    return out


@dataclass(frozen=True, eq=False)
class Boundary:
    """The network's predicted probability of class 1 over a square grid on the input plane.

    Attributes:
        probability: (rows, columns) probabilities; row 0 is the lowest y,
            column 0 the lowest x (see :func:`vgtui.data.datasets.grid_points`).
        extent: (x_min, x_max, y_min, y_max) of the grid's outer points.
        epoch: the epoch after which it was evaluated (0: unknown).

    """

    probability: np.ndarray
    extent: tuple[float, float, float, float]
    epoch: int = 0


@dataclass(frozen=True)
class RunStart:
    """A run has been built and is about to take its first step.

    Attributes:
        config: the built-in network's settings; None for a run of another
            model (a user's Keras model), which ``info`` describes.
        device: where it trains, in words.
        layer_names: the recorded layers (kernels), input side first.
        accuracy_before: accuracy on the data before training (NaN: unknown).
        loss_before: loss on the data before training (NaN: unknown).
        started: when the run started, seconds since the epoch (0: unknown).
        info: free-form, JSON-ready facts about the run (its model, optimizer…).

    """

    config: RunConfig | None
    device: str
    layer_names: tuple[str, ...]
    accuracy_before: float
    loss_before: float
    started: float = 0.0
    info: Mapping[str, object] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """A one-line name of what is trained."""
        if self.config is not None:
            return self.config.describe()
        return str(self.info.get("title", "model"))

    @property
    def epochs(self) -> int:
        """The epochs the run was asked for: its config's, or ``info["epochs"]``; 0 if not told.

        A Keras run's is ``fit``'s ``epochs`` (the last epoch's number, whatever
        its ``initial_epoch``).
        """
        if self.config is not None:
            return self.config.epochs
        value = self.info.get("epochs")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return 0
        return int(value) if math.isfinite(value) and value > 0 else 0


@dataclass(frozen=True)
class StepBlock:
    """Consecutive steps of one epoch: all of them, or those since the last block.

    Attributes:
        epoch: 1-based epoch the steps belong to.
        first_step: 1-based global number of the first step.
        step_loss: batch loss at each step, (steps,).
        step_accuracy: batch accuracy at each step, (steps,); NaN where unknown.
        step_stats: per-layer statistics at each step, (steps, layers, len(STAT_NAMES)).

    """

    epoch: int
    first_step: int
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray

    @property
    def steps(self) -> int:
        """Number of steps recorded."""
        return len(self.step_loss)

    @property
    def last_step(self) -> int:
        """1-based global number of the last step recorded."""
        return self.first_step + self.steps - 1


@dataclass(frozen=True)
class EpochEnd:
    """The end of an epoch, after its StepBlocks: its loss and accuracy on the whole data.

    Attributes:
        epoch: 1-based epoch number.
        loss: loss on the whole data set after the epoch (NaN if not evaluated).
        accuracy: accuracy on the whole data set after the epoch.
        diverged_layer: index of the first layer whose gradient held NaN or
            Inf, -1 for the loss alone, None while the run is finite.
        diverged_step: the step that stopped being finite, if one did.
        boundary: the decision boundary after the epoch, where the source
            measured it (the built-in network does; None otherwise).
        val_loss: loss on the validation data after the epoch (NaN: none;
            Keras's ``val_loss`` where ``fit`` has validation data).
        val_accuracy: accuracy on the validation data after the epoch (NaN: none).

    """

    epoch: int
    loss: float
    accuracy: float
    diverged_layer: int | None = None
    diverged_step: int | None = None
    boundary: Boundary | None = None
    val_loss: float = math.nan
    val_accuracy: float = math.nan


def diverged_where(layer: int | None, names: tuple[str, ...]) -> str | None:
    """Name a divergence code's layer: "loss" for the loss alone, None while finite."""
    if layer is None:
        return None
    if layer < 0:
        return "loss"
    return names[layer] if layer < len(names) else f"layer {layer + 1}"


@dataclass(frozen=True)
class RunSummary:
    """The outcome of a run.

    ``grad_sd_ratio`` is the first hidden layer's gradient SD divided by the
    output layer's, each averaged over the last epoch's steps;
    ``first_layer_decades_latest`` is its log10, and
    ``first_layer_decades_median`` the median of that log10 over every
    recorded step (see :func:`vgtui.diagnosis.first_layer_decades`).
    ``first_layer_sd_median`` is the first hidden layer's gradient SD, its
    median over every recorded step (the comparison's ``1st SD median``;
    :func:`vgtui.diagnosis.median_layer_sds`). ``xla_from_epoch`` is the first
    epoch the engine trained with XLA (see :mod:`vgtui.engine.xla_tier`; None:
    the whole run on the plain graph, or not the engine).
    """

    accuracy_before: float
    accuracy_after: float
    final_loss: float
    grad_sd_ratio: float
    epochs: int
    steps: int
    stopped: bool = False
    verdict: str = ""
    verdict_reason: str = ""
    diverged_step: int | None = None
    diverged_layer: str | None = None
    first_layer_decades_median: float = math.nan
    first_layer_decades_latest: float = math.nan
    first_layer_sd_median: float = math.nan
    xla_from_epoch: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form of the summary."""
        out: dict[str, object] = {
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
            "final_loss": self.final_loss,
            "grad_sd_ratio": self.grad_sd_ratio,
            "first_layer_decades_median": self.first_layer_decades_median,
            "first_layer_decades_latest": self.first_layer_decades_latest,
            "first_layer_sd_median": self.first_layer_sd_median,
            "epochs": self.epochs,
            "steps": self.steps,
            "stopped": self.stopped,
        }
        if self.verdict:
            out["verdict"] = self.verdict
            out["verdict_reason"] = self.verdict_reason
        if self.diverged_step is not None:
            out["diverged_step"] = self.diverged_step
            out["diverged_layer"] = self.diverged_layer
        if self.xla_from_epoch is not None:
            out["xla_from_epoch"] = self.xla_from_epoch
        return out


#: Any record a run source emits.
Record = RunStart | StepBlock | EpochEnd | RunSummary
#: Where a run source hands its records.
Emit = Callable[[Record], None]


@dataclass(frozen=True)
class Diagnosis:
    """A verdict with its evidence.

    Attributes:
        verdict: healthy, vanishing, exploding, diverged; "" when none can be given.
        reason: one sentence with the numbers (or why there is no verdict).
        short: the gist in a few words, for narrow screens.
        provisional: the run has not yet run the epochs the verdict needs to hold
            (see :func:`vgtui.diagnosis.epochs_for_verdict`); it may still change.

    """

    verdict: str
    reason: str
    short: str
    provisional: bool = False


@dataclass(frozen=True, eq=False)
class HistogramBlock:
    """Per-layer histograms of some recorded steps: every ``every``-th step of a run.

    The bins (``specs``, one per quantity, see :mod:`vgtui.distributions`) are
    the same for the whole run. Each count has ``spec.slots`` slots (below the
    bins, each bin, above them, exact zeros, NaN) that add up to the number of
    values counted. A source emits a block after the step records that cover
    its steps; sources that do not count histograms emit none.

    Attributes:
        steps: (n,) 1-based global numbers of the steps recorded.
        every: the run records every ``every``-th step (steps 1, 1 + every, …).
        specs: the bins of each quantity: "grad", "weight", "activation", "backprop".
        counts: each quantity's counts, (n, layers, slots), int64. "grad" (the
            kernel's gradient) and "weight" (the kernel, as the step's forward
            pass used it, before the step's update) have a row for every Dense
            layer, the output layer last; "activation" (each hidden layer's
            outputs over the step's batch) and "backprop" (the loss's gradient
            with respect to those outputs, dL/da) a row for every hidden layer.
        moments: each quantity's (n, layers, 4) min, max, sum and sum of squares
            of its values, float64 (for exact totals in an export); NaN where a
            value is NaN.
        activation_mean: (n, hidden layers) mean of each hidden layer's activations.
        activation_sd: (n, hidden layers) their population SD.

    """

    steps: np.ndarray
    every: int
    specs: Mapping[str, BinSpec]
    counts: Mapping[str, np.ndarray]
    moments: Mapping[str, np.ndarray]
    activation_mean: np.ndarray
    activation_sd: np.ndarray

    def __len__(self) -> int:
        """Number of steps recorded."""
        return len(self.steps)
