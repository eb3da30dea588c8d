"""Shared test settings."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def pytest_sessionfinish(session, exitstatus):
    """Let networks compiling in the background finish: TensorFlow aborts a process that
    finalizes while one works (the installed command leaves without finalizing instead)."""
    from vgtui import background

    for thread in background.working():
        thread.join(300)
