"""The run controller: which run is current, who trains, sweeps, kept runs, finalizing.

Free of Textual and TensorFlow: the app and the headless run both drive it.
The rules it keeps:

- there is one current run; a restart cancels it and makes a new one;
- at most one run trains at a time: :meth:`RunController.claim` hands out the
  current run only when no other is training, and the caller trains it in
  one thread with :meth:`RunController.train`, then calls
  :meth:`RunController.finish` on its own thread when that returns;
- :meth:`RunController.finish` turns an ended run into its final summary and
  verdict, keeps it, remembers the last finished run, and goes on with a sweep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from vgtui.config import CHOICES, RunConfig, cycle
from vgtui.history import HistoryView
from vgtui.kept import KeptRun, KeptRuns
from vgtui.pace import Pace
from vgtui.records import Record, RunSummary
from vgtui.run import Run
from vgtui.sources import SourceFactory
from vgtui.summary import finalize
from vgtui.sweep import sweep_configs

#: Called after each record a run stores, on the training thread.
RecordListener = Callable[[Run, Record], None]


class Sweep:
    """The runs a sweep has still to make, and the settings from before it."""

    def __init__(self) -> None:
        """Start with no sweep."""
        self.field: str | None = None
        self.pending: list[RunConfig] = []
        self.total = 0
        self.before: RunConfig | None = None

    @property
    def active(self) -> bool:
        """Whether a sweep is under way."""
        return self.field is not None

    @property
    def position(self) -> int:
        """1-based number of the sweep's run now training (0 when none)."""
        return self.total - len(self.pending) if self.active else 0

    def begin(self, field: str, configs: list[RunConfig], before: RunConfig) -> RunConfig:
        """Start a sweep of ``field`` over ``configs``; return the first config to run."""
        self.field = field
        self.pending = list(configs[1:])
        self.total = len(configs)
        self.before = before
        return configs[0]

    def next(self) -> RunConfig | None:
        """The next config to run; None when none is left (the sweep is then over)."""
        if self.pending:
            return self.pending.pop(0)
        self.end()
        return None

    def end(self) -> RunConfig | None:
        """End the sweep; return the settings from before it (None if none was under way)."""
        before = self.before if self.active else None
        self.field = None
        self.pending = []
        self.total = 0
        self.before = None
        return before


@dataclass(frozen=True)
class Ended:
    """What :meth:`RunController.finish` made of an ended run.

    Attributes:
        run: the run that ended.
        view: its whole history (not thinned).
        summary: its final summary with the verdict; None if it never started.
        kept: the run as kept, None if it never started.
        sweep_done: the run was the last of a sweep.
        sweep_field: the field the sweep varied, when it was a sweep's run.

    """

    run: Run
    view: HistoryView
    summary: RunSummary | None
    kept: KeptRun | None
    sweep_done: bool = False
    sweep_field: str | None = None


class RunController:
    """Owns the current run, the one training thread, sweeps and the kept runs.

    Args:
        config: the first run's settings.
        source_factory: makes the source of a run of a config.
        on_record: called after each record any run stores, on the training thread.
        pace: epochs a second a live run shows (None: as fast as it trains).

    """

    def __init__(
        self,
        config: RunConfig,
        source_factory: SourceFactory,
        on_record: RecordListener | None = None,
        pace: float | None = None,
    ) -> None:
        """Make the first run; nothing trains until it is claimed."""
        self.pace = pace
        #: Seeds every sweep repeats each value over; empty: the current seed only.
        self.sweep_seeds: tuple[int, ...] = ()
        self.config = config
        self.source_factory = source_factory
        self.on_record = on_record
        self.kept = KeptRuns()
        self._finished: list[tuple[Run, KeptRun]] = []  # the last two that finished
        self.sweep = Sweep()
        self._lock = threading.Lock()
        self._training: Run | None = None
        self.current = self._new_run(config)

    def _new_run(self, config: RunConfig) -> Run:
        return Run(config, self.source_factory(config), self.on_record, Pace(self.pace))

    def set_pace(self, rate: float | None) -> None:
        """Show live runs' epochs at ``rate`` a second from now on, the current run's too."""
        self.pace = rate
        if self.current.pace is not None:
            self.current.pace.set_rate(rate)

    # Which run -----------------------------------------------------------

    @property
    def previous(self) -> KeptRun | None:
        """The last run that finished (ran to its end), other than the current run."""
        for run, kept in reversed(self._finished):
            if run is not self.current and kept.number in {k.number for k in self.kept.runs}:
                return kept
        return None

    @property
    def training(self) -> Run | None:
        """The run whose thread has not returned yet, if any."""
        return self._training

    def restart(self, config: RunConfig | None = None, *, sweeping: bool = False) -> Run:
        """Cancel the current run and make a new current run of ``config`` (default: the same).

        The new run waits to be claimed until the old one's thread has returned.
        Unless ``sweeping``, a sweep under way ends.
        """
        if not sweeping:
            self.cancel_sweep()
        self.current.cancel()
        self.config = config or self.config
        self.current = self._new_run(self.config)
        return self.current

    def change(self, **fields: object) -> Run:
        """Restart with some settings changed (validated by RunConfig).

        A sweep under way ends first and its settings from before are restored,
        so the change applies to what the user had chosen.
        """
        self.cancel_sweep()
        return self.restart(self.config.replace(**fields))

    def cycle(self, field: str, step: int) -> Run:
        """Restart with the next (1) or previous (-1) choice of ``field``."""
        self.cancel_sweep()
        value = cycle(CHOICES[field], getattr(self.config, field), step)
        return self.restart(self.config.replace(**{field: value}))

    def start_sweep(
        self,
        field: str | None,
        values: tuple[str, ...] | None = None,
        seeds: tuple[int, ...] | None = None,
    ) -> Run:
        """Run the current settings once with each value of ``field`` (and seed), in turn.

        ``seeds`` default to the controller's ``sweep_seeds`` (none: the current seed).
        """
        self.cancel_sweep()
        configs = sweep_configs(self.config, field, values, seeds or self.sweep_seeds)
        first = self.sweep.begin(field or "seed", configs, self.config)
        return self.restart(first, sweeping=True)

    def cancel_sweep(self) -> bool:
        """End a sweep under way and restore the settings from before it; return whether one was."""
        before = self.sweep.end()
        if before is None:
            return False
        self.config = before
        return True

    def toggle_pause(self) -> bool:
        """Pause or resume the current run while it goes on; return whether it is now paused."""
        run = self.current
        if run.history.view().ended:
            return False
        run.pause(not run.paused)
        return run.paused

    # Training ------------------------------------------------------------

    def claim(self) -> Run | None:
        """The current run, to be trained now, if it has not been and no other run trains."""
        with self._lock:
            run = self.current
            if self._training is not None or run.launched:
                return None
            run.launched = True
            self._training = run
            return run

    def train(self, run: Run) -> RunSummary | None:
        """Train a claimed run in this thread until it ends; its source is closed after.

        Raises whatever the source raises; :meth:`finish` must follow either way.
        """
        try:
            with run.source as source:
                run.summary = source.start(run.emit)
            return run.summary
        except BaseException as error:
            run.error = error
            raise
        finally:
            run.ended.set()

    def finish(self, run: Run) -> Ended:
        """Finalize a run whose training thread has returned; go on with a sweep.

        Call it on the thread that drives the controller (the app's, or the
        headless run's), once per claimed run.
        """
        with self._lock:
            if self._training is run:
                self._training = None
        run.clock.stop()
        if run.error is not None and not isinstance(run.error, KeyboardInterrupt):
            run.history.set_state("failed", f"{type(run.error).__name__}: {run.error}")
        view = run.history.view()
        summary = finalize(view, run.summary if run.error is None else None)
        if summary is not None and not view.ended:
            # The source ended without a summary (stopped before its first epoch
            # was done, or interrupted): the history ends with the one made here.
            run.history.finish(summary, "stopped")
            view = run.history.view()
        kept = None
        if summary is not None:
            kept = KeptRun.from_view(self.kept.next_number(), run.config, view, summary)
            self.kept.keep(kept)
            if kept.finished:
                self._finished = [*self._finished[-1:], (run, kept)]
        field = self.sweep.field
        sweep_done = False
        if run is self.current and self.sweep.active:
            following = self.sweep.next()
            if following is None:
                sweep_done = True
            else:
                self.restart(following, sweeping=True)
        return Ended(run, view, summary, kept, sweep_done, field)

    def shutdown(self) -> threading.Event | None:
        """Stop the current run; return the event set when training has ended, if a run trains."""
        self.current.cancel()
        run = self._training
        return run.ended if run is not None else None
