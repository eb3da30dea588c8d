"""A run's summary and verdict, built from its records alone."""

from __future__ import annotations

import dataclasses
import math

from vgtui.diagnosis import diagnose, first_layer_decades, median_layer_sds
from vgtui.history import HistoryView, LatestEpoch
from vgtui.records import STAT_INDEX, RunStart, RunSummary

SD = STAT_INDEX["grad_sd"]


def grad_sd_ratio(epoch: LatestEpoch) -> float:
    """First hidden layer's gradient SD over the output layer's, each averaged over the epoch."""
    sd = epoch.layer_means()[:, SD]
    if sd[-1] > 0:
        return float(sd[0] / sd[-1])
    return math.nan if sd[0] == 0 else math.inf


def summarize(
    start: RunStart,
    last: LatestEpoch | None,
    steps: int,
    stopped: bool = False,
    diverged: LatestEpoch | None = None,
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


def finalize(view: HistoryView, summary: RunSummary | None = None) -> RunSummary | None:
    """The summary of an ended run, with its verdict and first-layer decades.

    ``summary`` is what the run's source reported, if it reported one; a run
    that was stopped, or whose source never summarized it, is summarized from
    its records. None for a run that never started. A summary that already
    has its verdict (read back from a run log, where it was written final) is
    returned as it is.
    """
    if view.start is None:
        return None
    if summary is not None and summary.verdict:
        if math.isnan(summary.first_layer_sd_median):  # a log written before it was summarized
            return dataclasses.replace(summary, first_layer_sd_median=_first_sd(view))
        return summary
    if summary is None or summary.stopped:
        summary = summary_of_view(view, stopped=True)
    decades = first_layer_decades(view)
    verdict, reason = diagnose(view)
    ratio = 10**decades.latest if not math.isnan(decades.latest) else summary.grad_sd_ratio
    return dataclasses.replace(
        summary,
        verdict=verdict,
        verdict_reason=reason,
        grad_sd_ratio=ratio,
        first_layer_decades_median=decades.median,
        first_layer_decades_latest=decades.latest,
        first_layer_sd_median=_first_sd(view),
    )


def _first_sd(view: HistoryView) -> float:
    """The first hidden layer's median gradient SD over the recorded steps (NaN if none)."""
    sds = median_layer_sds(view)
    return float(sds[0]) if len(sds) else math.nan


def summary_of_view(view: HistoryView, stopped: bool) -> RunSummary:
    """Summarize a run from its history alone (a stopped run, or one read back)."""
    assert view.start is not None
    latest = view.latest
    if latest is not None and latest.diverged_step is not None:
        return summarize(view.start, None, view.steps_done, stopped, diverged=latest)
    return summarize(view.start, latest, view.steps_done, stopped)
