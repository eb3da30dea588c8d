"""The theory beside the measurement: the product of the activations' derivatives.

Back-propagation carries the gradient from the output layer down to the
first hidden layer through every hidden layer, multiplying at each by the
derivative of its activation (f') and by its weights. The product of the
hidden layers' mean f' is what the derivatives alone take off the first
layer's gradient; the gradient SD's drop from the output layer to the first,
measured, is that times what the weights do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vgtui.diagnosis import layer_decades
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX

DERIV = STAT_INDEX["act_deriv_mean"]
#: The largest derivative of the sigmoid, s'(0) = 1/4: the tutorial's bound.
SIGMOID_MAX_DERIVATIVE = 0.25


@dataclass(frozen=True)
class DerivativeChain:
    """A run's mean activation derivatives against its gradients' drop, over its last epoch.

    Attributes:
        derivatives: each hidden layer's mean f', input side first.
        product: their product.
        measured_decades: log10 of the first hidden layer's gradient SD over
            the output layer's.

    """

    derivatives: np.ndarray
    product: float
    measured_decades: float

    @property
    def product_decades(self) -> float:
        """log10 of the product (-inf for a product of 0)."""
        return math.log10(self.product) if self.product > 0 else -math.inf

    @property
    def weight_decades(self) -> float:
        """What the rest (the weights) adds to the drop, in decades: measured minus product."""
        return self.measured_decades - self.product_decades


def derivative_chain(view: HistoryView) -> DerivativeChain | None:
    """The chain of ``view``'s last epoch; None where the run does not record f' (yet)."""
    if len(view.epoch_stats) == 0:
        return None
    derivatives = view.epoch_stats[-1, :-1, DERIV]
    if len(derivatives) == 0 or not np.isfinite(derivatives).all():
        return None
    latest = layer_decades(view)[1]
    measured = float(latest[0]) if len(latest) else math.nan
    return DerivativeChain(derivatives.copy(), float(np.prod(derivatives)), measured)


def sigmoid_bound(depth: int) -> float:
    """The most ``depth`` sigmoid layers' derivatives can leave of a gradient: 0.25 ** depth."""
    return SIGMOID_MAX_DERIVATIVE**depth


def chain_text(chain: DerivativeChain | None, activation: str | None = None) -> str:
    """One paragraph on a run's chain, for the help screen."""
    if chain is None:
        return "This run has no mean activation derivatives (f') recorded yet."
    depth = len(chain.derivatives)
    values = " × ".join(f"{d:.2f}" for d in chain.derivatives)
    text = (
        f"This run, last epoch: the hidden layers' f' multiply to {values} = "
        f"{chain.product:.1e} ({chain.product_decades:+.1f} decades)"
    )
    if activation == "sigmoid":
        text += f", within sigmoid's bound 0.25^{depth} = {sigmoid_bound(depth):.1e}"
    if math.isfinite(chain.measured_decades):
        text += (
            f"; the first layer's gradient SD is {chain.measured_decades:+.1f} decades from "
            f"the output layer's: the weights and the layers' inputs make the other "
            f"{chain.weight_decades:+.1f}."
        )
    else:
        text += "."
    return text
