"""Which device TensorFlow computes on, in words."""

from __future__ import annotations

import tensorflow as tf


def device_name() -> str:
    """Return the GPU's name when TensorFlow sees one, else "CPU"."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return str(details.get("device_name", "GPU"))
