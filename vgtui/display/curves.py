"""Curves as the charts take them: plain data, a label and a colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Curve:
    """One line of a chart.

    Attributes:
        label: what the legend calls it.
        color: a plotext colour name.
        x: positions, ascending.
        y: values at those positions; NaN is left out.

    """

    label: str
    color: str
    x: np.ndarray
    y: np.ndarray
