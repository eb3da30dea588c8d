"""Running the app in this terminal: signals, descriptor 2, the exit status."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App

from vgtui.config import RunConfig
from vgtui.session.epoch_throttle import DEFAULT_PACE
from vgtui.sources import SourceFactory
from vgtui.sources.engine import app_engine_source
from vgtui.ui.app import make_app
from vgtui.ui.terminal import screen_to_ourselves

if TYPE_CHECKING:
    from vgtui.view.target import ViewTarget

#: Seconds the thread switch interval is set to while the app runs, so that the
#: training thread gets the interpreter back soon after the screen has had it.
SWITCH_INTERVAL = 0.001
#: Seconds quitting waits for the training thread before leaving without it.
EXIT_GRACE = 0.5


def run_app(
    config: RunConfig | None = None,
    *,
    logdir: Path | None = None,
    view: ViewTarget | None = None,
    source_factory: SourceFactory | None = None,
    exit_process: bool = True,
    tour: bool = False,
) -> int:
    """Run the monitor in this terminal until the user quits; return the exit status.

    SIGHUP and SIGTERM quit like ``q``, with the exit status 128 + the
    signal's number (129, 143), as a shell reports a process they ended.
    Log lines that libraries write to descriptor 2 meanwhile are discarded.

    Args:
        config: the first run's settings (None: the tutorial's).
        logdir: where every run trained writes its run log (None: nowhere).
        view: runs to show instead of training (``vgtui view``).
        source_factory: makes each run's source (None: the built-in engine).
        exit_process: once the terminal is restored, end the process at once
            with the exit status instead of returning, skipping TensorFlow's
            interpreter teardown (about a second). Without it, a training
            thread that cannot stop promptly (it may be importing TensorFlow)
            still ends the process.
        tour: begin with the tutorial's three runs (no setting was given).

    """
    factory = source_factory or app_engine_source  # the next runs compiled while one trains
    app = make_app(config, factory, pace=DEFAULT_PACE, logdir=logdir, view=view, tour=tour)
    loop = asyncio.new_event_loop()
    for signum in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, _exit_on_signal, app, signum)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with screen_to_ourselves():
            app.run(loop=loop)
    except BaseException:
        app.controller.shutdown()
        raise
    finally:
        sys.setswitchinterval(switch_interval)
    status = app.return_code or 0
    # The run under way ends its log with a summary, unless its thread cannot stop soon.
    stopped = app.controller.stop_and_finish(EXIT_GRACE)
    if exit_process or not stopped:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    with contextlib.suppress(Exception):
        loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    return status


def _exit_on_signal(app: App[int], signum: int) -> None:
    """Quit ``app`` as ``q`` does, with the exit status of a process ended by ``signum``."""
    app.exit(return_code=128 + signum)
