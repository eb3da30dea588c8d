"""A model file's path checked, and the error of every model-file problem; no TensorFlow.

The command line can refuse a missing ``--model FILE`` at once (exit 2)
without loading TensorFlow; :mod:`vgtui.keras.model_file` raises the same
:class:`ModelFileError` for problems found when the file is imported and run.
"""

from __future__ import annotations

from pathlib import Path


class ModelFileError(ValueError):
    """A model file that cannot be used; ``details`` holds the user's traceback, if any."""

    def __init__(self, message: str, details: str = "") -> None:
        """One line in ``message``; the traceback text, if any, in ``details``."""
        super().__init__(message)
        self.details = details


def check_model_path(path: str | Path) -> Path:
    """Return ``path`` if it is an existing regular file, else raise ModelFileError."""
    given = Path(path)
    if not given.exists():
        raise ModelFileError(f"{given}: no such file")
    if not given.is_file():
        raise ModelFileError(f"{given}: not a file; give a Python file defining build_model")
    return given
