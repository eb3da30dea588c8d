"""Distributions of a layer's values: fixed bins, exact counts, percentiles. Plain numpy.

A run counts each layer's weight gradients, weights, activations and
back-propagated gradients into bins fixed for the whole run (see
:func:`specs_for`), so that its steps, and runs with the same activation,
compare bin for bin. Counting here (:mod:`.reference`) is the numpy
reference the engine's on-device counts are tested against.
"""

from vgtui.distributions.bins import QUANTITIES, BinSpec, specs_for
from vgtui.distributions.reference import count, moments
from vgtui.distributions.summary import PERCENTILES, percentiles

__all__ = [
    "PERCENTILES",
    "QUANTITIES",
    "BinSpec",
    "count",
    "moments",
    "percentiles",
    "specs_for",
]
