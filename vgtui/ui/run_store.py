"""The runs the app keeps for the session: each ended run's config, history and summary."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from vgtui.config import RunConfig
from vgtui.diagnosis import diagnose
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX, RunSummary
from vgtui.summary import summarize
from vgtui.sweep import ComparisonRow

SD = STAT_INDEX["grad_sd"]
#: A kept run's series are averaged down to at most this many rows.
KEPT_ROWS = 512
#: The most runs kept; past it, the oldest is forgotten. With KEPT_ROWS, this
#: bounds the memory of a session however many times it restarts.
MAX_KEPT_RUNS = 100


@dataclass(frozen=True)
class KeptRun:
    """One ended run: its number, config, history (thinned), summary and state.

    ``first_layer_sd`` is the first hidden layer's median gradient SD, taken
    from the whole history before it was thinned.
    """

    number: int
    config: RunConfig
    view: HistoryView
    summary: RunSummary | None
    state: str
    first_layer_sd: float

    @classmethod
    def from_view(cls, number: int, config: RunConfig, view: HistoryView) -> KeptRun:
        """Keep ``view``; a run stopped early or with no summary is summarized from its records."""
        summary = view.summary
        if (summary is None or view.state == "stopped") and view.start is not None:
            summary = summarize(view.start, view.latest, view.steps_done, stopped=True)
        if summary is not None and not summary.verdict:
            verdict, reason = diagnose(view)
            summary = dataclasses.replace(summary, verdict=verdict, verdict_reason=reason)
        state = view.state
        if state == "done" and summary is not None and summary.diverged_step is not None:
            state = "diverged"
        thin = view.thinned(KEPT_ROWS)
        return cls(number, config, thin, summary, state, _median_first_layer_sd(view))

    @property
    def label(self) -> str:
        """Short name for a legend: number, activation and initializer."""
        return f"#{self.number} {self.config.activation}/{self.config.init}"

    @property
    def row(self) -> ComparisonRow:
        """The run as a row of the comparison table."""
        return ComparisonRow(self.config, self.summary, self.state)

    @property
    def final_grad_sd(self) -> np.ndarray:
        """Each layer's gradient SD averaged over the last recorded epoch (NaN if none)."""
        if len(self.view.epoch_stats) == 0:
            return np.full(len(self.config.layer_names), np.nan)
        return self.view.epoch_stats[-1, :, SD].copy()


def _median_first_layer_sd(view: HistoryView) -> float:
    """Median gradient SD of the first hidden layer over every recorded step (NaN if none)."""
    sd = view.step_stats[:, 0, SD] if view.step_stats.ndim == 3 else np.zeros(0)
    sd = sd[np.isfinite(sd)] if len(sd) else sd
    return float(np.median(sd)) if len(sd) else math.nan


class RunStore:
    """The kept runs, oldest first; ``version`` changes whenever they do."""

    def __init__(self) -> None:
        """Start with no runs."""
        self.runs: list[KeptRun] = []
        self.version = 0
        self._numbered = 0

    def __len__(self) -> int:
        """Number of kept runs."""
        return len(self.runs)

    def keep(self, config: RunConfig, view: HistoryView) -> KeptRun | None:
        """Keep a run that ended; one that never built its network is not kept.

        At most MAX_KEPT_RUNS are kept, the newest.
        """
        if view.start is None:
            return None
        self._numbered += 1
        kept = KeptRun.from_view(self._numbered, config, view)
        self.runs.append(kept)
        del self.runs[:-MAX_KEPT_RUNS]
        self.version += 1
        return kept

    def remove(self, number: int) -> None:
        """Forget the run numbered ``number``, if kept."""
        self.runs = [run for run in self.runs if run.number != number]
        self.version += 1

    def clear(self) -> None:
        """Forget every run; numbering goes on."""
        self.runs = []
        self.version += 1


def sort_key(cell: str) -> tuple[int, float, str]:
    """Order table cells: numbers by value, then text, then missing values ("–")."""
    if cell in ("–", ""):
        return (2, math.inf, "")
    text = cell.split("×")[0]
    try:
        return (0, float(text), cell)
    except ValueError:
        return (1, math.inf, cell)
