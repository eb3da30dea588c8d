"""Whole epochs of a stream of records, for tests: an epoch's StepBlocks joined, and its end.

A run emits each epoch as StepBlocks then an EpochEnd; a test that checks
an epoch's numbers reads it whole with :func:`epochs`, and a test that makes
a stream writes an epoch as :meth:`Epoch.records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from vgtui.records import Boundary, EpochEnd, Record, StepBlock


@dataclass(frozen=True)
class Epoch:
    """One epoch: its steps (all its StepBlocks) and its end."""

    epoch: int
    first_step: int
    step_loss: np.ndarray
    step_accuracy: np.ndarray
    step_stats: np.ndarray
    loss: float
    accuracy: float
    diverged_layer: int | None = None
    diverged_step: int | None = None
    boundary: Boundary | None = None

    @property
    def steps(self) -> int:
        return len(self.step_loss)

    @property
    def last_step(self) -> int:
        return self.first_step + self.steps - 1

    def layer_means(self) -> np.ndarray:
        return self.step_stats.mean(axis=0)

    def block(self) -> StepBlock:
        return StepBlock(
            self.epoch, self.first_step, self.step_loss, self.step_accuracy, self.step_stats
        )

    def end(self) -> EpochEnd:
        return EpochEnd(
            self.epoch,
            self.loss,
            self.accuracy,
            self.diverged_layer,
            self.diverged_step,
            self.boundary,
        )

    def records(self) -> list[Record]:
        """The epoch as a run emits it: one StepBlock, then its EpochEnd."""
        return [self.block(), self.end()]


def epochs(records: Iterable[object]) -> list[Epoch]:
    """The epochs of a stream that ended, each with all of its steps."""
    blocks: list[StepBlock] = []
    out = []
    for record in records:
        if isinstance(record, StepBlock):
            blocks.append(record)
        elif isinstance(record, EpochEnd):
            mine = [b for b in blocks if b.epoch == record.epoch]
            blocks = [b for b in blocks if b.epoch != record.epoch]
            out.append(
                Epoch(
                    record.epoch,
                    mine[0].first_step if mine else 0,
                    np.concatenate([b.step_loss for b in mine]) if mine else np.zeros(0),
                    np.concatenate([b.step_accuracy for b in mine]) if mine else np.zeros(0),
                    np.concatenate([b.step_stats for b in mine]) if mine else np.zeros((0, 0, 0)),
                    record.loss,
                    record.accuracy,
                    record.diverged_layer,
                    record.diverged_step,
                    record.boundary,
                )
            )
    return out


def flatten(streams: Iterable[Epoch | Record]) -> list[Record]:
    """Records with each Epoch in them written as its StepBlock and EpochEnd."""
    out: list[Record] = []
    for item in streams:
        out.extend(item.records() if isinstance(item, Epoch) else [item])
    return out
