"""Viewing runs through the run controller: the newest run is current, the others are kept.

A :class:`ViewSession` makes the newest run of its target the controller's
current run (a :class:`~vgtui.sources.follower.FollowerSource`, or a replay
of a --json file's run), and reads every other run into the kept runs, in a
thread of its own so that the first frame is not held up. For a directory,
that thread also looks for new logs every ``rescan`` seconds:

- a log newer than the current run, while the current run is a viewed one,
  becomes the current run (:meth:`ViewSession.poll`, on the app's thread,
  makes the switch); a current run whose log was still growing is read
  again in the background and kept once complete;
- any other new log (older, or found while a retrained run is current) is
  read in the background and kept once it has its summary, or once its
  writer has stopped (the log stopped growing without one).

Keys that would train on a viewed run are answered by
:meth:`ViewSession.training_key`: a viewed run cannot be retrained, but its
config can be trained anew with the built-in engine when it is one of the
built-in networks (the second ``r``).

Plain Python: no Textual, no TensorFlow.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vgtui.config import RunConfig
from vgtui.history import History
from vgtui.records import Record, RunStart, RunSummary
from vgtui.runlog import IncompleteLogError, RunLogError, list_logs
from vgtui.session.controller import RunController
from vgtui.session.run import Run
from vgtui.sources.follower import POLL, FollowerSource, LogFollower
from vgtui.sources.jsonfile import json_source
from vgtui.view.target import ViewTarget

#: Seconds between looks at a directory for new logs.
RESCAN = 1.0
#: Seconds closing waits for the session's thread.
CLOSE_WAIT = 2.0


@dataclass(frozen=True)
class TrainingAnswer:
    """What a key that would start training does.

    Attributes:
        allowed: the key trains as usual (the current run is not a viewed one).
        message: what to tell the user, when it does not.
        retrain: the config to train anew with the built-in engine, when the
            user asked for that.

    """

    allowed: bool = False
    message: str = ""
    retrain: RunConfig | None = None


@dataclass
class _Pending:
    """A log to read in the background and keep once complete."""

    number: int
    path: Path
    follower: LogFollower | None = None
    history: History = field(default_factory=History)


class ViewSession:
    """Shows a ViewTarget's runs through ``controller``; see the module.

    Args:
        controller: the app's controller; its current run becomes the newest viewed run.
        target: what to show (see :func:`vgtui.view.target.resolve`).
        poll: seconds between looks for new records in the followed log.
        rescan: seconds between looks at the directory for new logs.

    """

    def __init__(
        self,
        controller: RunController,
        target: ViewTarget,
        *,
        poll: float = POLL,
        rescan: float = RESCAN,
    ) -> None:
        """Make the newest run current; the others wait for :meth:`start` to be read."""
        self.controller = controller
        self.target = target
        self.poll_seconds = poll
        self.rescan = rescan
        self.current_path: Path | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: list[_Pending] = []
        self._switch: FollowerSource | None = None
        self._known: set[Path] = set()
        self._entries: set[str] = set()
        self._retry = False
        self._offered: Run | None = None
        self._notes: list[str] = list(target.skipped)
        if target.json_runs:
            *older, newest = target.json_runs
            for records in older:
                self._keep_records(records)
            start = newest[0]
            assert isinstance(start, RunStart)
            controller.watch(json_source(newest), start.config)
            return
        *older, newest = target.logs
        self._known.update(target.logs)
        self._known.update(target.left_out)  # too old to keep: never read
        for path in older:
            self._add_pending(path)
        self._follow(FollowerSource(newest, poll=poll, stale_after=target.stale_after))

    # Starting, stopping ---------------------------------------------------

    def start(self) -> None:
        """Start reading the other runs (and watching the directory) in the background."""
        if self._thread is None and (self._pending or self.target.directory is not None):
            self._thread = threading.Thread(target=self._watch, name="vgtui-view", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the background thread and close what it holds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(CLOSE_WAIT)
        with self._lock:
            switch, self._switch = self._switch, None
        if switch is not None:
            switch.close()

    # The app's side -------------------------------------------------------

    def poll(self) -> bool:
        """Make a newer log found meanwhile the current run; return whether it did.

        Call on the thread that drives the controller; launch the new current run after.
        """
        with self._lock:
            source, self._switch = self._switch, None
        if source is None:
            return False
        old = self.controller.current
        if not old.viewed:  # the user retrained meanwhile: keep the log instead
            source.close()
            self._add_pending(source.path)
            return False
        if self.current_path is not None and not old.history.view().ended:
            old.keep_when_ended = False  # still growing: read again, kept once complete
            self._add_pending(self.current_path)
        self._follow(source)
        return True

    def notes(self) -> list[str]:
        """Problems met since the last call (logs that cannot be read), one line each."""
        with self._lock:
            notes, self._notes = self._notes, []
        return notes

    def training_key(self, restart: bool = False) -> TrainingAnswer:
        """Answer a key that would train (``restart``: it is ``r``); see the module."""
        run = self.controller.current
        if not run.viewed:
            return TrainingAnswer(allowed=True)
        config = run.config
        if config is None:
            start = run.history.view().start
            title = start.title if start is not None else "this model"
            return TrainingAnswer(
                message=f"A viewed run cannot be retrained, and {title} is not one of the "
                "built-in networks, so it cannot be trained here."
            )
        if restart and self._offered is run:
            self._offered = None
            return TrainingAnswer(
                message=f"Training {config.describe()} anew with the built-in engine.",
                retrain=config,
            )
        self._offered = run
        return TrainingAnswer(
            message=f"A viewed run cannot be retrained. Press r to train its config "
            f"({config.describe()}) anew with the built-in engine."
        )

    # Runs -------------------------------------------------------------------

    def _follow(self, source: FollowerSource) -> None:
        """Make the run ``source`` reads the current run."""
        run = self.controller.watch(source, source.run_start.config)
        source.on_state = run.history.set_state
        self.current_path = source.path

    def _add_pending(self, path: Path) -> None:
        """Read ``path`` in the background, and keep it once complete, under a number of its own."""
        pending = _Pending(self.controller.kept.next_number(), path)
        with self._lock:
            self._pending.append(pending)

    def _keep_records(self, records: Sequence[Record]) -> None:
        """Keep a run given as records (a --json file's)."""
        history = History()
        summary = None
        for record in records:
            history.record(record)
            if isinstance(record, RunSummary):
                summary = record
        start = records[0]
        assert isinstance(start, RunStart)
        self.controller.keep_read(start.config, history, summary)

    # The background thread -------------------------------------------------

    def _watch(self) -> None:
        """Read the pending logs and look for new ones until closed."""
        while not self._stop.is_set():
            if self.target.directory is not None:
                self._scan(self.target.directory)
            self._read_pending()
            self._stop.wait(self.rescan)

    def _scan(self, directory: Path) -> None:
        """Sort the logs that appeared since the last look: the newest may become current."""
        try:
            entries = {entry.name for entry in os.scandir(directory)}
        except OSError:
            return  # gone for now: look again next time
        if entries == self._entries and not self._retry:
            return  # nothing new: the logs' headers need not be read again
        logs = list_logs(directory)
        self._entries = entries
        # An entry that is not a log yet (a file its writer has only just made) is looked at again.
        self._retry = len(logs) != len(entries)
        new = [path for path in logs if path not in self._known]
        if not new:
            return
        current = self.current_path
        position = logs.index(current) if current in logs else -1
        viewing = self.controller.current.viewed
        newest: FollowerSource | None = None
        for path in new:
            if not viewing or logs.index(path) < position:
                self._known.add(path)
                self._add_pending(path)
                continue
            try:
                source = FollowerSource(
                    path, poll=self.poll_seconds, stale_after=self.target.stale_after
                )
            except IncompleteLogError:
                self._retry = True  # its writer has only just made it: look again next time
                continue
            except RunLogError as err:
                self._known.add(path)
                self._note(str(err))
                continue
            self._known.add(path)
            if newest is not None:  # only the newest becomes current; the others are kept
                newest.close()
                self._add_pending(newest.path)
            newest = source
        if newest is not None:
            with self._lock:
                replaced, self._switch = self._switch, newest
            if replaced is not None:
                replaced.close()
                self._add_pending(replaced.path)

    def _read_pending(self) -> None:
        """Read on in each pending log; keep those that are complete, or whose writer stopped."""
        with self._lock:
            pending = list(self._pending)
        for item in pending:
            if self._stop.is_set():
                return
            if item.follower is None:
                try:
                    item.follower = LogFollower(item.path, self.target.stale_after)
                except IncompleteLogError:
                    continue
                except RunLogError as err:
                    self._drop(item)
                    self._note(str(err))
                    continue
                item.history.record(item.follower.start)
            follower = item.follower
            while not self._stop.is_set() and follower.read(item.history.record):
                pass
            if follower.finished or follower.stale():
                if follower.failure is not None:
                    item.history.set_state("failed", follower.failure)
                config = follower.start.config
                self.controller.keep_read(config, item.history, follower.summary, item.number)
                self._drop(item)

    def _drop(self, item: _Pending) -> None:
        with self._lock:
            self._pending = [p for p in self._pending if p is not item]
        if item.follower is not None:
            item.follower.close()

    def _note(self, text: str) -> None:
        with self._lock:
            self._notes.append(text)
