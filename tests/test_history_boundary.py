"""The history's decision boundaries: the latest, and the one at a past epoch, bounded."""

from __future__ import annotations

import numpy as np

from tests.epochs import Epoch
from vgtui.history import MAX_BOUNDARIES, History
from vgtui.records import Boundary, RunStart


def _epoch(epoch: int, boundary: bool) -> Epoch:
    grid = np.full((2, 2), epoch, dtype=np.float32)
    return Epoch(
        epoch=epoch,
        first_step=epoch,
        step_loss=np.ones(1),
        step_accuracy=np.ones(1),
        step_stats=np.zeros((1, 2, 8)),
        loss=1.0,
        accuracy=0.5,
        boundary=Boundary(grid, (0, 1, 0, 1), epoch) if boundary else None,
    )


def _add(history: History, epoch: Epoch) -> None:
    for record in epoch.records():
        history.record(record)


def test_the_latest_and_a_past_boundary() -> None:
    history = History()
    assert history.latest_boundary() is None
    history.record(RunStart(None, "CPU", ("a", "b"), 0.5, 0.7))
    for epoch in range(1, 11):
        _add(history, _epoch(epoch, boundary=epoch % 3 == 0))  # epochs 3, 6, 9 have one
    assert history.latest_boundary().epoch == 9
    assert history.boundary_at(2) is None
    assert [history.boundary_at(e).epoch for e in (3, 5, 6, 8, 10)] == [3, 3, 6, 6, 9]
    history.record(RunStart(None, "CPU", ("a", "b"), 0.5, 0.7))  # a new run forgets them
    assert history.latest_boundary() is None


def test_a_long_run_keeps_a_bounded_number_spread_over_the_whole_run() -> None:
    history = History()
    history.record(RunStart(None, "CPU", ("a", "b"), 0.5, 0.7))
    epochs = 5 * MAX_BOUNDARIES
    for epoch in range(1, epochs + 1):
        _add(history, _epoch(epoch, boundary=True))
    kept = [history.boundary_at(e) for e in range(1, epochs + 1)]
    assert len({id(b) for b in kept}) <= MAX_BOUNDARIES + 1
    assert history.latest_boundary().epoch == epochs  # the latest is always kept
    assert all(b is not None and b.epoch <= e for e, b in enumerate(kept, start=1))
    gaps = np.diff(sorted({b.epoch for b in kept}))
    assert gaps.max() <= 8  # coarser, but the whole run stays covered
