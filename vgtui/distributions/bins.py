"""Bin specifications: where a value is counted, the same for every step of a run.

A spec has finite, increasing float32 edges e_0 < … < e_m; bin i holds the
values in [e_i, e_(i+1)). Each count has m + 4 slots, in this order:

=========  =====================================================
slot       holds
=========  =====================================================
0          values below e_0 (−inf too)
1 … m      bin 0 … bin m−1
m + 1      values from e_m up (+inf too)
m + 2      exact zeros (+0.0 and −0.0), whichever bin 0 falls in
m + 3      NaN
=========  =====================================================

so the slots of a count add up to the number of values counted. The slot of
a value below e_m is the number of edges at or below it (``searchsorted`` on
the right, TensorFlow's ``Bucketize``), compared in float32.

Two kinds:

- ``linear``: ``per`` equal bins over [low, high]; ``high`` itself falls in the
  last bin (the top edge is the next float32 above it), so a sigmoid unit at
  exactly 1.0 is counted in range.
- ``signed_log``: magnitudes from 10^low to 10^high, ``per`` bins a decade, on
  both sides of zero, with one bin (−10^low, 10^low) between them for the
  nonzero values smaller than 10^low.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

#: The quantities counted for each layer, in the order records keep them.
QUANTITIES: tuple[str, ...] = ("grad", "weight", "activation", "backprop")
#: What each quantity is, in a few words.
QUANTITY_NAMES: dict[str, str] = {
    "grad": "kernel gradient",
    "weight": "kernel",
    "activation": "activation",
    "backprop": "back-propagated gradient",
}


@dataclass(frozen=True)
class BinSpec:
    """Fixed bins over the real line, with exact counts of what falls outside them.

    Attributes:
        kind: ``linear`` or ``signed_log``.
        low: the range's lower end (``linear``), or the exponent of the smallest
            magnitude binned (``signed_log``).
        high: the range's upper end, or the exponent of the largest magnitude.
        per: bins over the range (``linear``), or bins a decade (``signed_log``).

    """

    kind: str
    low: float
    high: float
    per: int

    def __post_init__(self) -> None:
        """Refuse a spec that makes no bins."""
        if self.kind not in ("linear", "signed_log"):
            raise ValueError(f"unknown kind of bins {self.kind!r}")
        if not (self.high > self.low and self.per >= 1):
            raise ValueError(f"empty bins: {self}")

    @cached_property
    def edges(self) -> np.ndarray:
        """The m + 1 edges, float32, increasing."""
        if self.kind == "linear":
            edges = np.linspace(self.low, self.high, self.per + 1).astype(np.float32)
            edges[-1] = np.nextafter(np.float32(self.high), np.float32(np.inf))
            return edges
        decades = round((self.high - self.low) * self.per)
        magnitudes = (10.0 ** (self.low + np.arange(decades + 1) / self.per)).astype(np.float32)
        return np.concatenate([-magnitudes[::-1], magnitudes])

    @property
    def bins(self) -> int:
        """m, the number of bins."""
        return len(self.edges) - 1

    @property
    def slots(self) -> int:
        """Slots of a count: below, the bins, above, zeros, NaN."""
        return self.bins + 4

    @property
    def below(self) -> int:
        """Slot of the values below the first edge."""
        return 0

    @property
    def above(self) -> int:
        """Slot of the values at or above the last edge."""
        return self.bins + 1

    @property
    def zero(self) -> int:
        """Slot of the exact zeros."""
        return self.bins + 2

    @property
    def nan(self) -> int:
        """Slot of the NaNs."""
        return self.bins + 3

    @property
    def logarithmic(self) -> bool:
        """Whether values spread evenly in log-magnitude within a bin (for interpolation)."""
        return self.kind == "signed_log"

    def to_json(self) -> dict[str, object]:
        """The spec as JSON-ready data; :meth:`from_json` reads it back."""
        return {"kind": self.kind, "low": self.low, "high": self.high, "per": self.per}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> BinSpec:
        """The spec :meth:`to_json` wrote."""
        return cls(str(data["kind"]), float(data["low"]), float(data["high"]), int(data["per"]))


def linear(low: float, high: float, bins: int) -> BinSpec:
    """``bins`` equal bins over [low, high]."""
    return BinSpec("linear", float(low), float(high), bins)


def signed_log(low_exponent: int, high_exponent: int, per_decade: int) -> BinSpec:
    """Magnitudes 10^low … 10^high, ``per_decade`` bins a decade, both signs."""
    return BinSpec("signed_log", float(low_exponent), float(high_exponent), per_decade)


#: Weight gradients and back-propagated gradients: 1e-12 … 1e+2, 4 bins a decade.
GRADIENT_BINS = signed_log(-12, 2, 4)
#: Kernel entries: 1e-8 … 1e+2, 4 bins a decade (every initializer's scale, and far past it).
WEIGHT_BINS = signed_log(-8, 2, 4)
#: Activations bounded to [0, 1] or [-1, 1]: bins 0.01 wide over the range.
BOUNDED_ACTIVATION_BINS: dict[str, BinSpec] = {
    "sigmoid": linear(0.0, 1.0, 100),
    "tanh": linear(-1.0, 1.0, 200),
    "softsign": linear(-1.0, 1.0, 200),
}
#: Unbounded activations (relu and the rest): 1e-6 … 1e+4, 4 bins a decade, both signs.
UNBOUNDED_ACTIVATION_BINS = signed_log(-6, 4, 4)


def specs_for(activation: str) -> dict[str, BinSpec]:
    """The bins of each quantity (QUANTITIES) for a network of hidden ``activation``."""
    return {
        "grad": GRADIENT_BINS,
        "weight": WEIGHT_BINS,
        "activation": BOUNDED_ACTIVATION_BINS.get(activation, UNBOUNDED_ACTIVATION_BINS),
        "backprop": GRADIENT_BINS,
    }
