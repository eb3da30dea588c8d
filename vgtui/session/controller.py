"""The run controller: which run is current, who trains, sweeps, kept runs, finalizing.

Free of Textual and TensorFlow: the app and the headless run both drive it.
The rules it keeps:

- there is one current run; a restart cancels it and makes a new one;
- at most one run trains at a time: :meth:`RunController.claim` hands out the
  current run only when no other is training, and the caller trains it in
  one thread with :meth:`RunController.train`, then calls
  :meth:`RunController.finish` on its own thread when that returns;
- :meth:`RunController.finish` turns an ended run into its final summary and
  verdict, keeps it, remembers the last finished run, and goes on with a sweep;
- with a ``logdir``, every run that starts writes its run log there: each
  record as it comes, on the training thread, and the final summary (with
  the verdict) in :meth:`RunController.finish`, which closes the log. A run
  that is stopped or fails still ends its log with a summary; a process
  killed outright leaves a log whose complete records all read back.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vgtui.config import CHOICES, RunConfig, cycle
from vgtui.history import History, HistoryView
from vgtui.output_path import OutputPathError
from vgtui.records import Record, RunStart, RunSummary
from vgtui.session.epoch_throttle import EpochThrottle
from vgtui.session.kept import KeptRun, KeptRuns
from vgtui.session.run import Run
from vgtui.session.summary import finalize
from vgtui.session.sweep import sweep_configs
from vgtui.sources import RunSource, SourceFactory

if TYPE_CHECKING:
    from vgtui.runlog import RunLogWriter

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
        log_problem: why the run's log could not be made, written or ended with
            its summary, if it could not (its complete records read back all
            the same).

    """

    run: Run
    view: HistoryView
    summary: RunSummary | None
    kept: KeptRun | None
    sweep_done: bool = False
    sweep_field: str | None = None
    log_problem: str | None = None


class RunController:
    """Owns the current run, the one training thread, sweeps and the kept runs.

    Args:
        config: the first run's settings.
        source_factory: makes the source of a run of a config.
        on_record: called after each record any run stores, on the training thread.
        pace: epochs a second a live run shows (None: as fast as it trains).
        logdir: directory (made if missing) where every run trained writes its
            run log; None writes none.

    """

    def __init__(
        self,
        config: RunConfig,
        source_factory: SourceFactory,
        on_record: RecordListener | None = None,
        pace: float | None = None,
        *,
        logdir: Path | None = None,
    ) -> None:
        """Make the first run; nothing trains until it is claimed."""
        self.pace = pace
        #: Seeds every sweep repeats each value over; empty: the current seed only.
        self.sweep_seeds: tuple[int, ...] = ()
        self.config = config
        self.source_factory = source_factory
        self.on_record = on_record
        self.logdir = logdir
        self.kept = KeptRuns()
        self._finished: list[tuple[Run | None, KeptRun]] = []  # the last two that finished
        self.sweep = Sweep()
        self._lock = threading.Lock()
        self._training: Run | None = None
        self.current = self._new_run(config)

    def _new_run(self, config: RunConfig) -> Run:
        source = self.source_factory(config)
        # A run of the user's own model has no RunConfig: its RunStart describes the model.
        run_config = None if source.own_model else config
        return Run(run_config, source, self._heard, EpochThrottle(self.pace))

    def _heard(self, run: Run, record: Record) -> None:
        """Log a record a run has stored, then tell the listener; on the training thread.

        A log that cannot be made or written (a full disk, a file size limit)
        never stops the run: it is closed with every complete record it
        holds, ``run.log_failure`` says why in one line, and the run trains on.
        """
        if self.logdir is not None and not run.viewed and run.log_failure is None:
            if isinstance(record, RunStart):
                from vgtui.runlog import RunLogWriter, header_from_start  # only with a logdir

                try:
                    run.log = RunLogWriter.create(self.logdir, header_from_start(record))
                except OutputPathError as err:
                    run.log_failure = f"{err}; the run goes on without a log"
            elif run.log is not None and not isinstance(record, RunSummary):
                try:
                    run.log.write_record(record)  # the summary, final, comes in finish()
                except OSError as err:
                    run.log.close()
                    epoch = getattr(record, "epoch", 0)
                    run.log_failure = (
                        f"{run.log.path}: writing the run log failed at epoch {epoch} "
                        f"({err.strerror or err}); it keeps the records before, "
                        "and the run goes on without it"
                    )
        if self.on_record is not None:
            self.on_record(run, record)

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
        if sweeping:
            self.current.source.coming = tuple(self.sweep.pending)
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

    def watch(self, source: RunSource, config: RunConfig | None) -> Run:
        """Make a run read from ``source`` (a run log, a JSON file) the current run.

        The run before it is cancelled, and a sweep under way ends. A viewed
        run is never logged; ``config`` (None for another model) becomes the
        settings that a restart would train.
        """
        self.cancel_sweep()
        self.current.cancel()
        if config is not None:
            self.config = config
        self.current = Run(config, source, self._heard, viewed=True)
        return self.current

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

        Raises whatever the source raises, except that a ``sys.exit()`` in code
        the source runs (a user's model file) becomes a RuntimeError: a run
        that exits fails, and the program (the app, its worker) goes on.
        :meth:`finish` must follow either way.
        """
        try:
            with run.source as source:
                run.summary = source.start(run.emit)
            return run.summary
        except SystemExit as exited:
            failure = RuntimeError(f"the run called sys.exit({exited.code!r})")
            run.error = failure
            raise failure from exited
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
        log_problem = run.log_failure
        if run.log is not None and log_problem is None:
            log_problem = _end_log(run.log, summary, view.error if view.state == "failed" else None)
        kept = None
        if summary is not None and run.keep_when_ended:
            kept = self._keep(run, run.config, view, summary, self.kept.next_number())
        field = self.sweep.field
        sweep_done = False
        if run is self.current and self.sweep.active:
            following = self.sweep.next()
            if following is None:
                sweep_done = True
            else:
                self.restart(following, sweeping=True)
        return Ended(run, view, summary, kept, sweep_done, field, log_problem)

    def keep_read(
        self,
        config: RunConfig | None,
        history: History,
        summary: RunSummary | None,
        number: int | None = None,
    ) -> KeptRun | None:
        """Finalize and keep a run read whole elsewhere (a run log); safe from any thread.

        ``number`` is the kept run's number, reserved earlier with
        ``kept.next_number()`` so that runs read in the background keep the
        order they were found in. None for a run that never started.
        """
        view = history.view()
        summary = finalize(view, summary)
        if summary is None:
            return None
        if not view.ended:
            history.finish(summary, "stopped")
            view = history.view()
        number = self.kept.next_number() if number is None else number
        return self._keep(None, config, view, summary, number)

    def _keep(
        self,
        run: Run | None,
        config: RunConfig | None,
        view: HistoryView,
        summary: RunSummary,
        number: int,
    ) -> KeptRun:
        """Keep an ended run; a finished one may become the previous run."""
        kept = KeptRun.from_view(number, config, view, summary)
        self.kept.keep(kept)
        if kept.finished:
            with self._lock:
                self._finished = [*self._finished[-1:], (run, kept)]
        return kept

    def shutdown(self) -> threading.Event | None:
        """Stop the current run; return the event set when training has ended, if a run trains."""
        self.current.cancel()
        run = self._training
        return run.ended if run is not None else None

    def stop_and_finish(self, timeout: float) -> bool:
        """Stop the current run and finish it (ending its log) once its thread has returned.

        For a driver that is going away (the app has quit). Waits at most
        ``timeout`` seconds; returns whether no training thread is left.
        """
        ended = self.shutdown()
        run = self._training
        if ended is None or run is None:
            return True
        if not ended.wait(timeout):
            return False
        self.finish(run)
        return True


def _end_log(log: RunLogWriter, summary: RunSummary | None, error: str | None) -> str | None:
    """Write a run log's last records (a failure, the final summary) and close it.

    Returns why that failed, if it did (the disk is full): the log is then
    closed as it stands, and its complete records still read back.
    """
    try:
        if error is not None:
            log.event("failed", error=error)
        if summary is not None:
            log.summary(dataclasses.asdict(summary))
    except (OSError, ValueError) as err:
        return f"{log.path}: the run log ends without its summary: {err}"
    finally:
        log.close()
    return None
