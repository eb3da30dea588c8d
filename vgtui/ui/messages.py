"""Messages to the app: a run's life, posted from the training worker, and screens' requests.

Only a run's life crosses from the worker to the screen; the numbers
themselves are read from the run's bounded history on a timer. Screens ask
the app for what only it can do (train the current run, open another
screen) by posting a request; the app never waits on a screen.
"""

from __future__ import annotations

from textual.message import Message

from vgtui.records import RunStart
from vgtui.session.run import Run


class RunStarted(Message):
    """A run has built its network and is about to take its first step."""

    def __init__(self, run: Run, start: RunStart) -> None:
        """Name the run and its start record."""
        super().__init__()
        self.run = run
        self.start = start


class RunDiverged(Message):
    """A run's loss or gradient stopped being finite; it stops there."""

    def __init__(self, run: Run, step: int, where: str) -> None:
        """Name the run, the step and the layer (or "loss")."""
        super().__init__()
        self.run = run
        self.step = step
        self.where = where


class RunEnded(Message):
    """A run's training thread has returned: done, stopped or diverged."""

    def __init__(self, run: Run) -> None:
        """Name the run."""
        super().__init__()
        self.run = run


class RunFailed(Message):
    """A run's training thread raised."""

    def __init__(self, run: Run, error: BaseException) -> None:
        """Name the run and what it raised."""
        super().__init__()
        self.run = run
        self.error = error


class RunLogFailed(Message):
    """A run's log could not be made or written; the run trains on without it."""

    def __init__(self, run: Run, problem: str) -> None:
        """Name the run and the problem, one line naming the log."""
        super().__init__()
        self.run = run
        self.problem = problem


class TrainCurrent(Message):
    """A screen made a new current run: train it as soon as the engine is free."""


class OpenScreen(Message):
    """A screen asks for another screen, by its name in :mod:`vgtui.ui.screen_table`."""

    def __init__(self, screen_name: str, argument: str | None = None) -> None:
        """Name the screen, and what it opens on (the settings screen's field, say)."""
        super().__init__()
        self.screen_name = screen_name
        self.argument = argument
