"""The runs kept for the session: each ended run's config, thinned history and summary."""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass

import numpy as np

from vgtui.config import RunConfig
from vgtui.diagnosis import median_layer_sds
from vgtui.history import HistoryView
from vgtui.records import STAT_INDEX, RunSummary
from vgtui.run_identity import ModelIdentity

SD = STAT_INDEX["grad_sd"]
#: A kept run's series are averaged down to at most this many rows.
KEPT_ROWS = 512
#: The most runs kept; past it, the oldest is forgotten. With KEPT_ROWS, this
#: bounds the memory of a session however many times it restarts.
MAX_KEPT_RUNS = 100


@dataclass(frozen=True)
class KeptRun:
    """One ended run: its number, config, history (thinned), summary and state.

    ``layer_sds`` are each layer's gradient SD, median over every step
    (:func:`vgtui.diagnosis.median_layer_sds`), and ``first_layer_sd`` the
    first hidden layer's: taken from the whole history before it was thinned.
    """

    number: int
    config: RunConfig | None
    view: HistoryView
    summary: RunSummary | None
    state: str
    first_layer_sd: float
    layer_sds: np.ndarray

    @classmethod
    def from_view(
        cls, number: int, config: RunConfig | None, view: HistoryView, summary: RunSummary | None
    ) -> KeptRun:
        """Keep ``view``, whose final summary (with its verdict) is ``summary``."""
        state = view.state
        if summary is not None and summary.diverged_step is not None:
            state = "diverged"
        elif state == "done" and summary is not None and summary.stopped:
            state = "stopped"
        thin = view.thinned(KEPT_ROWS)
        sds = median_layer_sds(view)
        first = float(sds[0]) if len(sds) else math.nan
        return cls(number, config, thin, summary, state, first, sds)

    @property
    def name(self) -> str:
        """What was trained, short: activation/initializer, or the model's title."""
        if self.config is not None:
            return f"{self.config.activation}/{self.config.init}"
        if self.model is not None and self.model.label:  # a model's hidden layers', or title=
            return self.model.label
        return self.view.start.title if self.view.start else "run"

    @property
    def label(self) -> str:
        """Short name for a legend: number and name."""
        return f"#{self.number} {self.name}"

    @property
    def model(self) -> ModelIdentity | None:
        """What tells this run of a user's model apart; None for the built-in network."""
        if self.config is not None or self.view.start is None:
            return None
        return ModelIdentity.from_info(self.view.start.info)

    @property
    def finished(self) -> bool:
        """Whether the run went to its end (done or diverged), rather than being stopped."""
        return self.state in ("done", "diverged")


class KeptRuns:
    """The kept runs, oldest first; ``version`` changes whenever they do.

    Safe to read from one thread while another keeps, removes or clears.
    """

    def __init__(self) -> None:
        """Start with no runs."""
        self._runs: list[KeptRun] = []
        self._lock = threading.Lock()
        self.version = 0
        self._numbered = 0

    def __len__(self) -> int:
        """Number of kept runs."""
        return len(self._runs)

    @property
    def runs(self) -> list[KeptRun]:
        """A copy of the kept runs, oldest first."""
        with self._lock:
            return list(self._runs)

    def next_number(self) -> int:
        """Reserve the number of the next run (numbers are never reused)."""
        with self._lock:
            self._numbered += 1
            return self._numbered

    def keep(self, run: KeptRun) -> None:
        """Keep ``run`` in its place by number; at most MAX_KEPT_RUNS are kept, the newest.

        Numbers are reserved in order (:meth:`next_number`), so runs kept out
        of that order (logs read in the background) still sort by it.
        """
        with self._lock:
            bisect.insort(self._runs, run, key=lambda kept: kept.number)
            del self._runs[:-MAX_KEPT_RUNS]
            self.version += 1

    def remove(self, number: int) -> KeptRun | None:
        """Forget the run numbered ``number``; return it (None if it was not kept)."""
        with self._lock:
            found = next((run for run in self._runs if run.number == number), None)
            self._runs = [run for run in self._runs if run.number != number]
            self.version += 1
            return found

    def restore(self, run: KeptRun) -> None:
        """Put back a removed run in its place by number."""
        with self._lock:
            self._runs.append(run)
            self._runs.sort(key=lambda kept: kept.number)
            del self._runs[:-MAX_KEPT_RUNS]
            self.version += 1

    def clear(self) -> None:
        """Forget every run; numbering goes on."""
        with self._lock:
            self._runs = []
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
