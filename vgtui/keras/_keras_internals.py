"""Every private Keras name vgtui relies on, in one place, checked at start.

The monitor needs a few things Keras does not promise to keep: the
TensorFlow optimizer's loop that calls ``update_step`` for every variable
(where the applied gradients are seen), the optimizer's key for a variable
(the same for a mirrored variable and each of its per-device copies), the
model's cached train function, and the way to rebuild it. :func:`check`
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


def steps_per_execution(model: keras.Model) -> int:
    """Training steps one call of the model's train function takes."""
    return int(getattr(model, "steps_per_execution", 1) or 1)
