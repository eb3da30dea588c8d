"""Which of the monitor's actions apply now: the one place that decides it.

A run read from a log (``vgtui view``) cannot be retrained: the keys that
would train it do not apply, and ``r`` offers to train its config anew with
the built-in engine (a second ``r`` does). A model file's network is its
own: the learning-rate and depth steps and the decision boundary (a plane of
two inputs) do not apply to it. The footer and the help dim what does not
apply; a key that does not apply says why when pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vgtui.session.controller import RunController

if TYPE_CHECKING:  # annotations only: the live app's start-up does not import viewing
    from vgtui.view.session import TrainingAnswer, ViewSession

#: Actions that train a new run (``restart`` is answered on its own: it may retrain a viewed run).
TRAINING_ACTIONS = frozenset({"cycle", "sweep", "lr", "depth", "deep", "change_settings"})
#: Screens whose answer trains a new run.
TRAINING_SCREENS = frozenset({"settings"})
#: Actions that only the built-in network has.
BUILT_IN_ACTIONS = frozenset({"lr", "depth", "deep"})
#: View switches that only the built-in network has.
BUILT_IN_SWITCHES = frozenset({"boundary"})


class ActionGate:
    """Says whether an action applies to the run on screen, and why not.

    Args:
        controller: the runs.
        viewing: the session of ``vgtui view`` (None: the app trains).

    """

    def __init__(self, controller: RunController, viewing: ViewSession | None) -> None:
        self.controller = controller
        self.viewing = viewing

    def refusal(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why ``action`` (with its parameters) does not apply now; None when it does."""
        run = self.controller.current
        argument = parameters[0] if parameters else None
        trains = action in TRAINING_ACTIONS or (action == "open" and argument in TRAINING_SCREENS)
        if run.viewed and trains:
            return self._viewed_note()
        if run.viewed and action == "restart" and run.config is None:
            return self._viewed_note()
        built_in = action in BUILT_IN_ACTIONS or (
            action == "toggle" and argument in BUILT_IN_SWITCHES
        )
        if run.config is None and not run.viewed and built_in:
            return "A model file's network is its own: this applies to the built-in network."
        return None

    def explain(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Say why ``action`` does not apply, as a refused key press does; None when it does.

        For a viewed run this also offers ``r`` (see :meth:`restart`).
        """
        note = self.refusal(action, parameters)
        if note is not None and self.viewing is not None and self.controller.current.viewed:
            return self.viewing.training_key().message
        return note

    def restart(self) -> TrainingAnswer | None:
        """What ``r`` does now: None restarts; for a viewed run, offers (then trains) its config."""
        if self.viewing is None:
            return None
        answer = self.viewing.training_key(restart=True)
        return None if answer.allowed else answer

    def _viewed_note(self) -> str:
        """The short reason a viewed run's training keys do not apply."""
        if self.controller.current.config is None:
            return "A viewed run of another model cannot be trained here."
        return "A viewed run cannot be retrained: r trains its config anew."
