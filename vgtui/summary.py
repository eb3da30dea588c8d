"""A run's summary, built from its records alone."""

from __future__ import annotations

import math

from vgtui.records import STAT_INDEX, EpochRecord, RunStart, RunSummary


def grad_sd_ratio(record: EpochRecord) -> float:
    """First hidden layer's gradient SD over the output layer's, each averaged over the epoch."""
    sd = record.step_stats[:, :, STAT_INDEX["grad_sd"]].mean(axis=0)
    if sd[-1] > 0:
        return float(sd[0] / sd[-1])
    return math.nan if sd[0] == 0 else math.inf


def summarize(
    start: RunStart,
    last: EpochRecord | None,
    steps: int,
    stopped: bool = False,
    diverged: EpochRecord | None = None,
) -> RunSummary:
    """Summarize a run from its start, its last complete epoch and how it ended.

    Args:
        start: the run's start record.
        last: the last epoch that ended with finite numbers, None if none did.
        steps: steps taken in all.
        stopped: the run was stopped before its last epoch.
        diverged: the epoch whose step stopped being finite, if one did.

    """
    layer = diverged.diverged_where(start.layer_names) if diverged else None
    return RunSummary(
        accuracy_before=start.accuracy_before,
        accuracy_after=last.accuracy if last else start.accuracy_before,
        final_loss=last.loss if last else start.loss_before,
        grad_sd_ratio=grad_sd_ratio(last) if last else math.nan,
        epochs=last.epoch if last else 0,
        steps=steps,
        stopped=stopped,
        diverged_step=diverged.diverged_step if diverged else None,
        diverged_layer=layer,
    )
