"""What a training run reports: plain dataclasses, free of TensorFlow and Textual.

The trainer hands the rest of the program three kinds of record, in order:
one :class:`RunStart`, then one :class:`EpochRecord` per epoch (each carrying
the per-step statistics of that epoch as arrays), then one :class:`RunSummary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from vgtui.config import RunConfig

#: The per-layer statistics recorded at every step, in the order of the last
#: axis of :attr:`EpochRecord.step_stats`. ``saturation`` and ``dead`` are
#: fractions in [0, 1], NaN where they do not apply to the layer's activation.
STAT_NAMES: tuple[str, ...] = (
    "grad_mean",
    "grad_sd",
    "grad_norm",
    "weight_mean",
    "weight_sd",
    "saturation",
    "dead",
)
STAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(STAT_NAMES)}


@dataclass(frozen=True)
class RunStart:
    """A run has been built and is about to take its first step.

    ``config`` is None for a run that is not the built-in network (a user's
    Keras model); ``info`` is free-form JSON-able metadata about such a run.
    """

    config: RunConfig | None
    device: str
    layer_names: tuple[str, ...]
    accuracy_before: float
    loss_before: float
    started: float = 0.0
    info: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: every step's statistics, then loss and accuracy on all the data.

    Attributes:
        epoch: 1-based epoch number.
        first_step: 1-based global number of the epoch's first step.
        step_loss: batch loss at each step, shape (steps,).
        step_accuracy: batch accuracy at each step, shape (steps,).
        step_stats: per-layer statistics at each step, shape
            (steps, layers, len(STAT_NAMES)).
        loss: loss on the whole data set after the epoch.
        accuracy: accuracy on the whole data set after the epoch.
        diverged_layer: index of the first layer whose gradient held NaN or
            Inf, -1 for the loss alone, None while the run is finite.

    """

    epoch: int
    first_step: int
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray
    loss: float
    accuracy: float
    diverged_layer: int | None = None
    diverged_step: int | None = None

    @property
    def steps(self) -> int:
        """Number of steps recorded in this epoch."""
        return len(self.step_loss)

    @property
    def last_step(self) -> int:
        """1-based global number of the epoch's last step."""
        return self.first_step + self.steps - 1

    def layer_means(self) -> np.ndarray:
        """Per-layer statistics averaged over the epoch's steps, (layers, stats)."""
        return self.step_stats.mean(axis=0)

    def diverged_where(self, names: tuple[str, ...]) -> str | None:
        """Name the first layer whose gradient held NaN or Inf ("loss" for the loss alone).

        None while the epoch is finite. ``names`` are the run's layer names.
        """
        if self.diverged_layer is None:
            return None
        return "loss" if self.diverged_layer < 0 else names[self.diverged_layer]


@dataclass(frozen=True)
class StepBlock:
    """Steps of an epoch that has not ended yet, as a source that reads every K steps emits them.

    The arrays are shaped as in :class:`EpochRecord`.
    """

    epoch: int
    first_step: int
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray

    @property
    def steps(self) -> int:
        """Number of steps in the block."""
        return len(self.step_loss)


@dataclass(frozen=True)
class EpochEnd:
    """The end of an epoch whose steps came as :class:`StepBlock` records."""

    epoch: int
    loss: float
    accuracy: float
    diverged_layer: int | None = None
    diverged_step: int | None = None


@dataclass(frozen=True)
class RunSummary:
    """The outcome of a run.

    ``grad_sd_ratio`` is the first hidden layer's gradient SD divided by the
    output layer's, each averaged over the last epoch's steps.
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

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form of the summary."""
        out: dict[str, object] = {
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
            "final_loss": self.final_loss,
            "grad_sd_ratio": self.grad_sd_ratio,
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
        return out
