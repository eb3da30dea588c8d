"""A Keras run in words: the model's summary, the optimizer's settings and the devices.

Everything returned here is plain JSON-able data for :attr:`RunStart.info`
and the run log's header.
"""

from __future__ import annotations

import math
import re

import keras
import numpy as np
import tensorflow as tf

from vgtui.keras import _keras_internals as internals


def jsonable(value: object) -> object:
    """``value`` made of dicts, lists, str, int, float, bool and None (anything else as text)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.ndarray, tf.Tensor, tf.Variable, keras.Variable)):
        array = np.asarray(value)
        return jsonable(array.tolist()) if array.ndim else jsonable(array.item())
    return str(value)


def _activation_name(function: object) -> str | None:
    """The registered name of an activation function, None if there is none."""
    if function is None:
        return None
    try:
        name = keras.activations.serialize(function)
    except (ValueError, TypeError):
        name = getattr(function, "__name__", str(function))
    return name if isinstance(name, str) else str(name)


def _snake(name: str) -> str:
    """``GlorotUniform`` -> ``glorot_uniform``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def initializer_name(initializer: object) -> str | None:
    """A kernel initializer in vgtui's words: ``he_normal``, ``glorot_uniform``; None for none.

    A normal of mean 0 is ``normal`` at SD 1 and ``small`` at SD 0.01, as
    vgtui's own initializers are named (the tutorial's N(0, 1)); at another
    SD, ``normal_0.05``. Any other initializer is its class's name in snake
    case (``orthogonal``, ``variance_scaling``).
    """
    if initializer is None:
        return None
    if isinstance(initializer, str):
        return initializer
    name = _snake(type(initializer).__name__)
    if name == "random_normal":
        try:
            config = initializer.get_config()  # type: ignore[attr-defined]
            mean, sd = float(config.get("mean", 0.0)), float(config.get("stddev", 1.0))
        except (AttributeError, TypeError, ValueError):
            return "normal"
        if mean == 0.0 and sd in (1.0, 0.01):
            return "normal" if sd == 1.0 else "small"
        return f"normal_{sd:g}" if mean == 0.0 else f"normal_{mean:g}_{sd:g}"
    return name


def _output_shape(layer: keras.layers.Layer) -> list[int | None] | None:
    """The layer's output shape, batch dimension first, None where it is not known."""
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return None
    shape = getattr(output, "shape", None)
    return None if shape is None else [None if d is None else int(d) for d in shape]


def model_info(model: keras.Model) -> dict[str, object]:
    """The model's summary: class, name, parameters; each layer's shape, activation, initializer."""
    layers = []
    for layer in model.layers:
        entry: dict[str, object] = {
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": _output_shape(layer),
            "params": int(layer.count_params()) if layer.built else 0,
        }
        activation = _activation_name(getattr(layer, "activation", None))
        if activation is not None:
            entry["activation"] = activation
        recurrent = _activation_name(getattr(layer, "recurrent_activation", None))
        if recurrent is not None:
            entry["recurrent_activation"] = recurrent
        initializer = initializer_name(getattr(layer, "kernel_initializer", None))
        if initializer is not None:
            entry["kernel_initializer"] = initializer
        layers.append(entry)
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    return {
        "name": model.name,
        "class": type(model).__name__,
        "params": int(model.count_params()),
        "trainable_params": trainable,
        "layers": layers,
    }


def optimizer_info(optimizer: keras.optimizers.Optimizer) -> dict[str, object]:
    """The optimizer's class and settings; the inner one's too for a loss-scale optimizer."""
    config = dict(optimizer.get_config())
    config.pop("inner_optimizer", None)
    out: dict[str, object] = {"class": type(optimizer).__name__, "config": jsonable(config)}
    inner = internals.innermost_optimizer(optimizer)
    if inner is not optimizer:
        out["inner"] = optimizer_info(inner)
    return out


def _short_device(name: str) -> str:
    """Shorten a device name: "./.../device:CPU:0" -> "CPU:0" (other jobs keep theirs)."""
    spec = tf.DeviceSpec.from_string(name)
    device = f"{spec.device_type}:{spec.device_index}" if spec.device_type else name
    if spec.job and spec.job != "localhost":
        return f"{spec.job}:{spec.task}/{device}"
    return device


def devices(model: keras.Model) -> list[str]:
    """The devices the model's training runs on, one per replica."""
    strategy = model.distribute_strategy
    if tf.distribute.has_strategy() or strategy is not tf.distribute.get_strategy():
        try:
            return [_short_device(d) for d in strategy.extended.worker_devices]
        except (RuntimeError, AttributeError):
            pass
    variables = model.trainable_variables
    where = variables[0].value.device if variables else ""
    return [_short_device(where)] if where else ["CPU:0"]


def workers(strategy: tf.distribute.Strategy) -> int:
    """Worker processes in the cluster: 1 unless a multi-worker strategy runs on several."""
    resolver = getattr(strategy, "cluster_resolver", None)
    jobs = resolver.cluster_spec().as_dict() if resolver is not None else {}
    count = sum(len(tasks) for job, tasks in jobs.items() if job in ("chief", "worker"))
    return max(count, 1)


def _strategy_name(strategy: tf.distribute.Strategy) -> str:
    """The public name of a distribution strategy's class."""
    name = type(strategy).__name__
    if "CollectiveAllReduce" in name:  # what tf.distribute.MultiWorkerMirroredStrategy makes
        return "MultiWorkerMirroredStrategy"
    return name


def device_label(model: keras.Model, names: list[str]) -> str:
    """One short line: the device, or the strategy, its replicas and workers."""
    strategy = model.distribute_strategy
    replicas = strategy.num_replicas_in_sync
    if len(names) == 1 and replicas == 1:
        return _device_kind(names[0])
    kinds = ", ".join(sorted({_device_kind(n) for n in names}))
    count = workers(strategy)
    where = f", {count} workers" if count > 1 else ""
    return f"{_strategy_name(strategy)}: {replicas} replicas ({kinds}{where})"


def _device_kind(name: str) -> str:
    """A GPU's marketing name where TensorFlow knows it, else "CPU" or "GPU"."""
    if "GPU" in name:
        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return str(details.get("device_name", "GPU"))
        return "GPU"
    return "CPU"


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process is the chief of a multi-worker cluster (True for a single process)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return True
    jobs = resolver.cluster_spec().as_dict()
    if not jobs:
        return True
    if resolver.task_type == "chief":
        return True
    return "chief" not in jobs and resolver.task_type == "worker" and resolver.task_id == 0


def number(value: object) -> float:
    """A float from a log value (tensor, numpy or Python), NaN if it is missing or not a number."""
    if value is None:
        return math.nan
    try:
        return float(np.asarray(value))
    except (TypeError, ValueError):
        return math.nan


def chance_of_outputs(model: keras.Model) -> float:
    """Accuracy by chance as the model's output tells it: 1/2 for one unit, 1/k for k; else NaN.

    One unit is taken for two classes (a sigmoid), k units for k classes
    (a softmax), each equally likely; the majority class's share, where the
    data is known, is the better figure (see ``GradientMonitor(chance=...)``).
    """
    try:
        outputs = list(getattr(model, "outputs", None) or ())
        units = outputs[0].shape[-1] if len(outputs) == 1 else None
    except (AttributeError, IndexError, TypeError, ValueError):
        units = None
    if not isinstance(units, int) or units < 1:
        return math.nan
    return 0.5 if units == 1 else 1.0 / units
