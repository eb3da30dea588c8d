"""Which device a run computes on (``--device auto|cpu|gpu``), and that choice in words.

A GPU speeds up a step's arithmetic, not the fixed cost of each of its
operations: there every operation is a kernel launch, several microseconds
before any arithmetic. The tutorial's network does under 10,000 multiply-adds
a step, so its step is all per-operation cost and a GPU would only slow it.
``auto`` puts a network on the GPU when the arithmetic its step would spend on
the CPU exceeds what the GPU's launches cost beyond the CPU's own overhead:
from :func:`auto_gpu_threshold` multiply-adds a step on.

The threshold's figures were measured with ``tests/bench/device_threshold.py``
on a 2-core CPU shared with other work: the compiled step has about
167 + 11 × depth operations, costs the CPU 0.3 + 0.016 × depth ms when the
network is tiny, and runs its matrix products at about 7.8 G multiply-adds a
second. With a GPU launch taking about 7 µs a kernel (the one figure that
cannot be measured without a GPU), the GPU starts to win at about
7 M + 0.5 M × depth multiply-adds a step: 9 M at the tutorial's depth of 4,
39 M at depth 64. The tutorial's network (8,640) stays on the CPU;
``--depth 64 --width 1024`` (6.3 G) goes to the GPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from vgtui.config import NO_GPU, ConfigError, RunConfig
from vgtui.engine.model import layer_shapes

#: Multiply-adds a step from which ``auto`` uses a GPU: this, plus the next per layer.
AUTO_GPU_BASE_MULTIPLY_ADDS = 7_000_000
#: What each hidden layer adds to the threshold (its operations' launches).
AUTO_GPU_LAYER_MULTIPLY_ADDS = 500_000

#: What the device string says when a GPU is there and not used: the header shows it.
TOO_SMALL = "CPU (auto: network too small for the GPU)"


@dataclass(frozen=True)
class Placement:
    """Where a run computes.

    Attributes:
        device: the TensorFlow device its variables and compiled call are placed on.
        label: the device in words, as the header and the JSON show it.

    """

    device: str
    label: str


def gpu_names() -> list[str]:
    """The names of the GPUs TensorFlow sees, in its order (empty without one)."""
    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(str(details.get("device_name") or gpu.name))
    return names


def step_multiply_adds(config: RunConfig) -> int:
    """Multiply-adds of one training step: the forward pass and the two backward products."""
    return 3 * config.batch_size * sum(i * o for i, o in layer_shapes(config))


def auto_gpu_threshold(depth: int) -> int:
    """Multiply-adds a training step from which ``auto`` puts a network of ``depth`` on a GPU."""
    return AUTO_GPU_BASE_MULTIPLY_ADDS + AUTO_GPU_LAYER_MULTIPLY_ADDS * depth


def choose_device(config: RunConfig) -> Placement:
    """Place ``config``'s run on the CPU or the first GPU, as ``config.device`` asks.

    Raises:
        ConfigError: ``gpu`` was asked for and TensorFlow sees no GPU.

    """
    if config.device == "cpu":
        return Placement("/CPU:0", "CPU")
    gpus = gpu_names()
    if config.device == "gpu":
        if not gpus:
            raise ConfigError(NO_GPU)
        return Placement("/GPU:0", gpus[0])
    if not gpus:
        return Placement("/CPU:0", "CPU")
    if step_multiply_adds(config) < auto_gpu_threshold(config.depth):
        return Placement("/CPU:0", TOO_SMALL)
    return Placement("/GPU:0", gpus[0])


def device_name() -> str:
    """Return the first GPU's name when TensorFlow sees one, else "CPU"."""
    gpus = gpu_names()
    return gpus[0] if gpus else "CPU"
