"""The app's side of ``vgtui view``: watching for newer logs, and keys that would train.

The view logic itself is plain (:mod:`vgtui.view.session`); this module only
runs it on the app's timer and turns its answers into notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the live app's start-up does not import viewing
    from vgtui.session.controller import RunController
    from vgtui.ui.app import VgtuiApp
    from vgtui.ui.screens.monitor import MonitorScreen
    from vgtui.view.session import ViewSession
    from vgtui.view.target import ViewTarget

#: Seconds between looks for a newer log while viewing a directory.
VIEW_POLL = 0.25


def view_session(controller: RunController, view: ViewTarget | None) -> ViewSession | None:
    """The session that shows ``view`` (None: the app trains instead).

    The view modules are imported only here: the live app's first frame does without them.
    """
    if view is None:
        return None
    from vgtui.view.session import ViewSession

    return ViewSession(controller, view)


def start_viewing(app: VgtuiApp, session: ViewSession) -> None:
    """Read the other runs in the background, and show newer logs as they appear."""

    def poll() -> None:
        for note in session.notes():
            app.notify(note, title="not shown", severity="warning", timeout=8)
        if session.poll():
            app.launch()
            app.monitor.redraw()

    session.start()
    app.set_interval(VIEW_POLL, poll)


def refuse_training(screen: MonitorScreen, restart: bool = False) -> bool:
    """Answer a key that would train while a viewed run is current; return whether it did.

    The first such key says that a viewed run cannot be retrained and offers
    ``r``; ``r`` then trains the run's config anew with the built-in engine.
    """
    session = screen.vgtui.view_session
    if session is None:
        return False
    answer = session.training_key(restart)
    if answer.allowed:
        return False
    screen.notify(answer.message, title="viewing a run", timeout=10)
    if answer.retrain is not None:
        screen.controller.restart(answer.retrain)
        screen.restarted()
    return True
