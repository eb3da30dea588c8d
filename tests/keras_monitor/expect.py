"""Independent expectations shared by the monitor's tests."""

from __future__ import annotations

import numpy as np

from vgtui.records import StepBlock


def stats_of(gradient: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """grad mean, SD, L2 norm, weight mean, SD, in float64 numpy."""
    g = gradient.astype(np.float64)
    w = weight.astype(np.float64)
    return np.array([g.mean(), g.std(), np.linalg.norm(g), w.mean(), w.std()])


def check_against_weights(stats, values, lr, rtol=2e-4):
    """Each step's gradient is (w_before - w_after) / lr; the weight stats are w_before's.

    ``values[s]`` holds every kernel's value before step s (and ``values[-1]``
    after the last). The gradient so recovered carries the float32 rounding
    of the weights, up to eps32 * |w| / lr an element: the absolute tolerance.
    """
    assert len(values) == len(stats) + 1
    for step in range(len(stats)):
        for k, (before, after) in enumerate(zip(values[step], values[step + 1])):
            applied = (before.astype(np.float64) - after) / lr
            rounding = np.finfo(np.float32).eps * np.abs(before).max() / lr
            np.testing.assert_allclose(
                stats[step, k, :5], stats_of(applied, before), rtol=rtol, atol=rounding
            )


def steps_of(records):
    """The StepBlocks' statistics and losses, checked to be consecutive."""
    blocks = [r for r in records if isinstance(r, StepBlock)]
    firsts = [b.first_step for b in blocks]
    assert firsts == list(np.cumsum([1] + [b.steps for b in blocks])[:-1]), "consecutive"
    return (
        np.concatenate([b.step_stats for b in blocks]),
        np.concatenate([b.step_loss for b in blocks]),
    )
