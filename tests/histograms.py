"""HistogramBlocks made from chosen values by the numpy reference: tests without TensorFlow."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from vgtui.distributions import QUANTITIES, count, moments, specs_for
from vgtui.records import HistogramBlock

#: Values of one quantity at one step: (rows, values) or a list of per-row arrays.
Values = Sequence[np.ndarray]


def block_of(
    steps: Sequence[int],
    values: Callable[[int, str], Values],
    every: int = 100,
    activation: str = "sigmoid",
) -> HistogramBlock:
    """A block of ``steps``: quantity ``q`` at step ``s`` counts ``values(s, q)``, row by row."""
    specs = specs_for(activation)
    counts = {q: [] for q in QUANTITIES}
    moms = {q: [] for q in QUANTITIES}
    act_mean, act_sd = [], []
    for s in steps:
        for q in QUANTITIES:
            rows = [np.asarray(v, dtype=np.float32) for v in values(s, q)]
            counts[q].append(np.stack([count(r, specs[q]) for r in rows]))
            moms[q].append(np.stack([moments(r) for r in rows]))
        acts = [np.asarray(v, dtype=np.float64) for v in values(s, "activation")]
        act_mean.append([a.mean() for a in acts])
        act_sd.append([a.std() for a in acts])
    return HistogramBlock(
        steps=np.asarray(steps, dtype=np.int64),
        every=every,
        specs=specs,
        counts={q: np.stack(c) for q, c in counts.items()},
        moments={q: np.stack(m) for q, m in moms.items()},
        activation_mean=np.asarray(act_mean),
        activation_sd=np.asarray(act_sd),
    )


def normal_values(layers: int, size: int = 200, seed: int = 0) -> Callable[[int, str], Values]:
    """Values for :func:`block_of`: each row normal around its step, activations in (0, 1).

    ``layers`` counts the Dense layers (the output too); activations and
    back-propagated gradients have a row for each hidden layer.
    """

    def values(step: int, quantity: str) -> Values:
        rng = np.random.default_rng(seed + step)
        rows = layers if quantity in ("grad", "weight") else layers - 1
        if quantity == "activation":
            return [rng.uniform(0.0, 1.0, size) ** (1 + r) for r in range(rows)]
        scale = 1e-3 if quantity in ("grad", "backprop") else 1.0
        return [rng.normal(0.0, scale * (r + 1), size) for r in range(rows)]

    return values
