"""Every private Keras name vgtui relies on, in one place, checked at start.

The monitor needs a few things Keras does not promise to keep: the
TensorFlow optimizer's loop that calls ``update_step`` for every variable
(where the applied gradients are seen), the optimizer's key for a variable
(the same for a mirrored variable and each of its per-device copies), the
model's cached train function (read and put back), and the way to rebuild it; for histograms, a
layer's sublayers, the training flag of the layer call under way (Keras's
call context) and the loss scale a loss-scale optimizer multiplies the loss
by. :func:`check`
looks for all of them and names the Keras version in one line when one is
missing; vgtui is tested against the Keras that its TensorFlow pin installs
(3.15 at the time of writing).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import keras

#: The Keras versions the monitor has been tested with, for the error message.
TESTED_WITH = "Keras 3.15"
#: The TensorFlow optimizer's loop that calls update_step(gradient, variable, learning_rate)
#: for every variable on every device, after the all-reduce, unscaling and clipping.
UPDATE_LOOP = "_distributed_tf_update_step"


class KerasInternalsError(RuntimeError):
    """The installed Keras lacks a private name the monitor relies on."""


def check() -> None:
    """Raise KerasInternalsError, in one line, if a name used here is missing."""
    missing = []
    optimizer = keras.optimizers.Optimizer
    if not callable(getattr(optimizer, "_var_key", None)):
        missing.append("Optimizer._var_key")
    loop = getattr(optimizer, UPDATE_LOOP, None)
    if loop is None or list(inspect.signature(loop).parameters)[1:4] != [
        "distribution",
        "grads_and_vars",
        "learning_rate",
    ]:
        missing.append(f"Optimizer.{UPDATE_LOOP}(distribution, grads_and_vars, learning_rate)")
    if not callable(getattr(optimizer, "apply", None)):
        missing.append("Optimizer.apply")
    if not callable(getattr(keras.Model, "make_train_function", None)):
        missing.append("Model.make_train_function")
    if not callable(getattr(keras.Model, "compute_loss", None)):
        missing.append("Model.compute_loss")
    if "inner_optimizer" not in inspect.signature(keras.optimizers.LossScaleOptimizer).parameters:
        missing.append("LossScaleOptimizer.inner_optimizer")
    if not callable(getattr(keras.layers.Layer, "_flatten_layers", None)):
        missing.append("Layer._flatten_layers")
    try:
        from keras.src.backend.common import global_state

        if not callable(getattr(global_state, "get_global_attribute", None)):
            missing.append("backend.common.global_state.get_global_attribute")
    except ImportError:
        missing.append("keras.src.backend.common.global_state")
    if missing:
        raise KerasInternalsError(
            f"vgtui.keras does not support Keras {keras.__version__}: it lacks "
            f"{', '.join(missing)} (tested with {TESTED_WITH})."
        )


def variable_key(optimizer: keras.optimizers.Optimizer, variable: object) -> object:
    """The optimizer's key for ``variable``: one key for a variable and its per-device copies."""
    return optimizer._var_key(variable)


def innermost_optimizer(optimizer: keras.optimizers.Optimizer) -> keras.optimizers.Optimizer:
    """The optimizer that applies the update: the inner one of a loss-scale optimizer."""
    while isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = optimizer.inner_optimizer
    return optimizer


def replace_method(obj: object, name: str, function: Callable[..., object]) -> None:
    """Shadow ``obj.name`` with ``function`` on the instance, past Keras's attribute tracking."""
    vars(obj)[name] = function


def restore_method(obj: object, name: str) -> None:
    """Undo :func:`replace_method`: the class's method shows through again."""
    vars(obj).pop(name, None)


def update_loop(optimizer: keras.optimizers.Optimizer) -> Callable[..., object]:
    """The optimizer's bound update loop: (distribution, grads_and_vars, learning_rate)."""
    return getattr(optimizer, UPDATE_LOOP)


def replace_update_loop(optimizer: keras.optimizers.Optimizer, loop: Callable[..., object]) -> None:
    """Shadow the optimizer's update loop on the instance."""
    replace_method(optimizer, UPDATE_LOOP, loop)


def restore_update_loop(optimizer: keras.optimizers.Optimizer) -> None:
    """Undo :func:`replace_update_loop`."""
    restore_method(optimizer, UPDATE_LOOP)


def rebuild_train_function(model: keras.Model) -> None:
    """Make ``fit`` trace its train step anew, with whatever hooks are installed now."""
    model.make_train_function(force=True)


def train_function(model: keras.Model) -> Callable[..., object] | None:
    """The train function ``fit`` calls (None before Keras has made one)."""
    return model.train_function


def set_train_function(model: keras.Model, function: Callable[..., object]) -> None:
    """Make ``fit`` call ``function`` (it reads the attribute at every call)."""
    model.train_function = function


def steps_per_execution(model: keras.Model) -> int:
    """Training steps one call of the model's train function takes."""
    return int(getattr(model, "steps_per_execution", 1) or 1)


def sublayers(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """The layers ``layer`` tracks directly (a model's layers, an RNN's cell, a wrapper's layer)."""
    return list(layer._flatten_layers(include_self=False, recursive=False))


def call_is_training() -> bool:
    """Whether the layer call under way trains: its ``training`` is not False.

    Read from Keras's call context, which ``Layer.__call__`` fills before it
    calls ``call``: True from ``fit`` and ``model(x, training=True)``; None
    (counted as training) from ``model(x)`` in a custom loop; False from
    ``evaluate``, ``predict`` and validation.
    """
    from keras.src.backend.common import global_state

    context = global_state.get_global_attribute("current_call_ctx")
    training = getattr(context, "training", None) if context is not None else None
    return training is not False


def gradient_scale(optimizer: keras.optimizers.Optimizer) -> object | None:
    """What the loss was multiplied by before its gradients were taken: None for nothing.

    A loss-scale optimizer's dynamic scale (read before it changes after the
    update), or an optimizer's ``loss_scale_factor``; its ``scale_loss`` applies it.
    """
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.dynamic_scale
    factor = getattr(optimizer, "loss_scale_factor", None)
    return factor if factor not in (None, 1, 1.0) else None
