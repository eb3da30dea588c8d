"""The training engine: TensorFlow, numpy and scikit-learn, never Textual.

Importing it imports TensorFlow with its start-up log lines silenced: they are
written to the terminal before TensorFlow's own log level applies, and in the
live app they would land on the screen. Set ``VGTUI_TF_LOGS=1`` to see them.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with file descriptor 2 pointed at /dev/null meanwhile."""
    if "tensorflow" in sys.modules or os.environ.get("VGTUI_TF_LOGS"):
        import tensorflow

        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


_import_tensorflow_quietly()
