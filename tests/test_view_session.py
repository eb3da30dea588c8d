"""The view session without the app: which log is current, which are kept, and when."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from tests.runlogs import (
    epoch_records,
    log_through_controller,
    started_at,
    stream,
    write_epoch,
    write_partial,
)
from vgtui.config import RunConfig
from vgtui.records import RunSummary
from vgtui.session.controller import RunController
from vgtui.sources.replay import ReplaySource
from vgtui.view.session import ViewSession
from vgtui.view.target import resolve


def wait_for(condition, limit: float = 60.0) -> None:
    """Wait until ``condition()`` holds; generous, and no timing is asserted."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


class Driver:
    """Does what the app does for a session: polls it, trains what is claimed, finishes runs."""

    def __init__(self, directory: Path) -> None:
        self.records = stream("sigmoid_normal")
        self.controller = RunController(RunConfig(), lambda config: ReplaySource(self.records))
        self.session = ViewSession(self.controller, resolve(directory), poll=0.01, rescan=0.02)
        self.session.start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drive)
        self._thread.start()

    def _drive(self) -> None:
        while not self._stop.wait(0.01):
            self.session.poll()
            run = self.controller.training
            if run is not None and run.ended.is_set():
                self.controller.finish(run)
            run = self.controller.claim()
            if run is not None:
                threading.Thread(target=self._train, args=(run,), daemon=True).start()

    def _train(self, run) -> None:
        with contextlib.suppress(Exception):  # finish() notes it
            self.controller.train(run)

    def kept(self) -> list[tuple[str, str, int]]:
        """(activation, state, epochs) of each kept run, in number order."""
        return [(r.config.activation, r.state, r.summary.epochs) for r in self.controller.kept.runs]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self.controller.shutdown()
        self.session.close()


def test_a_log_whose_file_is_made_before_its_header_is_picked_up(tmp_path: Path) -> None:
    log_through_controller(tmp_path, started_at(stream("sigmoid_normal"), 1e9))
    driver = Driver(tmp_path)
    try:
        made = tmp_path / "20330518-033320.000Z-relu-normal.vglog"
        made.touch()  # as the writer's O_EXCL create leaves it for a moment
        wait_for(lambda: made.name in driver.session._entries)
        finished, _ = log_through_controller(
            tmp_path / "elsewhere", started_at(stream("relu_normal"), 2e9)
        )
        made.write_bytes(finished.read_bytes())
        wait_for(lambda: driver.session.current_path == made)
        wait_for(lambda: len(driver.controller.kept) == 2)
        assert driver.kept() == [("sigmoid", "done", 100), ("relu", "done", 100)]
    finally:
        driver.close()


def test_a_growing_log_replaced_by_a_newer_one_is_kept_once_complete(tmp_path: Path) -> None:
    records = started_at(stream("tanh_normal"), 1e9)
    writer = write_partial(tmp_path, records, 2)
    driver = Driver(tmp_path)
    try:
        wait_for(lambda: driver.controller.current.history.view().steps_done == 64)
        newer, _ = log_through_controller(tmp_path, started_at(stream("relu_normal"), 2e9))
        wait_for(lambda: driver.session.current_path == newer)
        wait_for(lambda: driver.kept() == [("relu", "done", 100)])
        # The tanh log goes on: it is kept whole once its summary is written, not before.
        for epoch in epoch_records(records)[2:]:
            write_epoch(writer, epoch)
        writer.write_record(next(r for r in records if isinstance(r, RunSummary)))
        writer.close()
        wait_for(lambda: len(driver.controller.kept) == 2)
        # Numbered when it stopped being current: before the relu run, which started later.
        assert driver.kept() == [("tanh", "done", 100), ("relu", "done", 100)]
    finally:
        driver.close()


def test_while_a_retrained_run_is_current_new_logs_are_kept(tmp_path: Path) -> None:
    log_through_controller(tmp_path, started_at(stream("sigmoid_normal"), 1e9))
    driver = Driver(tmp_path)
    try:
        wait_for(lambda: len(driver.controller.kept) == 1)
        answer = driver.session.training_key(restart=True)
        assert answer.retrain is None and "Press r" in answer.message
        answer = driver.session.training_key(restart=True)
        assert answer.retrain == RunConfig()
        retrained = driver.controller.restart(answer.retrain)
        wait_for(lambda: len(driver.controller.kept) == 2)  # the retrained run, done
        log_through_controller(tmp_path, started_at(stream("relu_normal"), 2e9))
        wait_for(lambda: len(driver.controller.kept) == 3)
        assert driver.controller.current is retrained and not retrained.viewed
        assert [k[0] for k in driver.kept()] == ["sigmoid", "sigmoid", "relu"]
        assert driver.session.training_key().allowed
    finally:
        driver.close()
