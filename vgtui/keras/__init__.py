"""Per-kernel gradient statistics of your own Keras model: TensorFlow and Keras, never Textual.

``GradientMonitor`` is a Keras callback for an unmodified ``model.fit`` and
also attaches to a custom ``GradientTape`` loop; see :mod:`vgtui.keras.monitor`.
"""

import vgtui.engine  # noqa: F401  (imports TensorFlow with its start-up lines silenced)
from vgtui.keras._keras_internals import KerasInternalsError
from vgtui.keras.monitor import DEFAULT_EVERY, GradientMonitor

__all__ = ["DEFAULT_EVERY", "GradientMonitor", "KerasInternalsError"]
