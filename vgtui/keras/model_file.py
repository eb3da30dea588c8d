"""A user's model file, and training it with ``fit`` and the monitor (``vgtui --model FILE``).

A model file is a Python file that defines::

    def build_model(activation=None, kernel_initializer=None):
        ...  # returns a compiled Keras model

    def load_data():
        ...  # returns (x, y) or (x, y, x_val, y_val)

and may set ``EPOCHS`` and ``BATCH_SIZE``. Every problem with it (no such
file, no ``build_model``, ``build_model`` raising, data of the wrong shape,
training failing) raises :class:`~vgtui.model_path.ModelFileError`: one line
that names the problem, with the traceback of the user's own code in
``details``.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
import threading
import traceback
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from vgtui.config import INT_BOUNDS, flag_name
from vgtui.keras.monitor import DEFAULT_EVERY, GradientMonitor
from vgtui.model_path import ModelFileError, check_model_path
from vgtui.records import Emit, RunSummary

__all__ = [
    "ModelData",
    "ModelFile",
    "ModelFileError",
    "check_fits",
    "keras_initializer",
    "load_model_file",
    "train_model_file",
]


@dataclass(frozen=True)
class ModelData:
    """Training data (and validation data, if the file gives it) as numpy arrays."""

    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(x_val, y_val), or None without validation data."""
        if self.x_val is None or self.y_val is None:
            return None
        return self.x_val, self.y_val


def _user_traceback(error: BaseException, path: Path) -> str:
    """The traceback of ``error`` from the first frame in the user's file on."""
    frames = traceback.extract_tb(error.__traceback__)
    for i, frame in enumerate(frames):
        if Path(frame.filename).resolve() == path:
            frames = frames[i:]
            break
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines)


#: The most characters of an exception's message a one-line error repeats (details have all).
MESSAGE_CHARS = 200
#: Terminal styling Keras puts into some messages (bold names).
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def _one_line(error: BaseException) -> str:
    """``Type: message`` of an exception, on one line, its message cut at MESSAGE_CHARS."""
    text = " ".join(_ANSI_STYLE.sub("", str(error)).split())
    if len(text) > MESSAGE_CHARS:
        text = text[: MESSAGE_CHARS - 1].rstrip() + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _failure(what: str, error: BaseException) -> str:
    """``what raised Type: message``, or, for sys.exit(), what a model file must do instead."""
    if isinstance(error, SystemExit):
        return (
            f"{what} called sys.exit({error.code!r}) (argparse does, on arguments it does not "
            "know): a model file's functions must return, not exit"
        )
    return f"{what} raised {_one_line(error)}"


def keras_initializer(name: str | None) -> object:
    """The Keras kernel initializer for one of vgtui's initializer names (None stays None).

    "normal" is N(0, 1) and "small" N(0, 0.01), as in the tutorial; "standard"
    Glorot & Bengio's U[-1/√n, 1/√n], n the fan-in; every other name is
    Keras's own identifier.
    """
    if name == "standard":
        return keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform")
    if name == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=1.0)
    if name == "small":
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.01)
    return name


@dataclass
class ModelFile:
    """A loaded model file: its functions, and its data once loaded.

    Attributes:
        path: the file, resolved.
        name: the file's stem, e.g. ``digits_mlp``.
        module: the imported module.
        epochs: the file's ``EPOCHS``, if it sets one.
        batch_size: the file's ``BATCH_SIZE``, if it sets one.

    """

    path: Path
    name: str
    module: types.ModuleType
    epochs: int | None = None
    batch_size: int | None = None
    _data: ModelData | None = field(default=None, repr=False)

    def _call(self, what: str, function: Callable[..., Any], **kwargs: object) -> Any:
        """Call the user's function; anything it raises (or sys.exit) becomes a ModelFileError."""
        try:
            return function(**kwargs)
        except (Exception, SystemExit) as error:  # the user's code may raise anything, or exit
            raise ModelFileError(
                f"{self.path.name}: {_failure(what, error)}", _user_traceback(error, self.path)
            ) from error

    def build(
        self, activation: str | None = None, kernel_initializer: object = None
    ) -> keras.Model:
        """Call ``build_model``; check that it returned a compiled Keras model with kernels.

        Only the arguments that are not None are passed, so a ``build_model()``
        without parameters serves a run that changes neither.
        """
        build = self.module.build_model
        kwargs = {
            k: v
            for k, v in (("activation", activation), ("kernel_initializer", kernel_initializer))
            if v is not None
        }
        try:
            inspect.signature(build).bind(**kwargs)
        except TypeError:
            names = " and ".join(f"{k}=" for k in kwargs)
            raise ModelFileError(
                f"{self.path.name}: build_model() takes no {names} argument, so vgtui cannot "
                "change it; define build_model(activation=None, kernel_initializer=None)"
            ) from None
        except ValueError:
            pass  # no signature to check (a builtin): let the call tell
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        model = self._call(f"build_model({shown})", build, **kwargs)
        if not isinstance(model, keras.Model):
            raise ModelFileError(
                f"{self.path.name}: build_model() returned {type(model).__name__}, "
                "not a Keras model"
            )
        if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
            raise ModelFileError(
                f"{self.path.name}: build_model() returned a model that is not compiled; "
                "call model.compile(optimizer=..., loss=...) in it"
            )
        try:
            outputs = list(getattr(model, "outputs", None) or ())
        except (AttributeError, ValueError, TypeError):  # a subclassed model not called yet
            outputs = []
        if len(outputs) > 1:
            raise ModelFileError(
                f"{self.path.name}: build_model() returned a model with {len(outputs)} outputs; "
                "vgtui trains models with one output only"
            )
        if not any(len(v.shape) >= 2 for v in model.trainable_variables):
            raise ModelFileError(
                f"{self.path.name}: the model has no trainable kernel (a variable of rank >= 2) "
                "to watch; build it (give it an Input) in build_model()"
            )
        return model

    def data(self) -> ModelData:
        """Call ``load_data`` once and check its shapes; later calls return the same data."""
        if self._data is None:
            loaded = self._call("load_data()", self.module.load_data)
            self._data = _check_data(self.path.name, loaded)
        return self._data


def _as_array(file: str, what: str, value: object) -> np.ndarray:
    """``value`` as a numpy array with at least one example, or a ModelFileError."""
    several = _several_arrays(value)
    if several:
        raise ModelFileError(
            f"{file}: load_data()'s {what} is {several}; vgtui trains models with one input "
            "and one output only: give one array"
        )
    try:
        array = np.asarray(value)
    except Exception as error:  # array conversion of arbitrary user objects
        raise ModelFileError(
            f"{file}: load_data()'s {what} is not an array: {_one_line(error)}"
        ) from error
    if array.ndim == 0 or len(array) == 0 or array.dtype == object:
        raise ModelFileError(
            f"{file}: load_data()'s {what} has shape {array.shape} and dtype {array.dtype}; "
            "it must be a numeric array with one row per example"
        )
    return array


def _several_arrays(value: object) -> str | None:
    """What ``value`` is when it holds several arrays (a multi-input or -output model's data)."""
    if isinstance(value, Mapping):
        return f"a dict of {len(value)} entries ({', '.join(map(str, list(value)[:3]))})"
    arrays = isinstance(value, (list, tuple)) and len(value) > 1
    if arrays and all(len(getattr(item, "shape", ())) >= 1 for item in value):
        return f"a {type(value).__name__} of {len(value)} arrays"
    return None


def _check_data(file: str, loaded: object) -> ModelData:
    """Check what ``load_data`` returned: 2 or 4 arrays with matching numbers of rows."""
    if not isinstance(loaded, (tuple, list)) or len(loaded) not in (2, 4):
        kind = (
            f"{len(loaded)} values" if isinstance(loaded, (tuple, list)) else type(loaded).__name__
        )
        raise ModelFileError(
            f"{file}: load_data() returned {kind}; it must return (x, y) or (x, y, x_val, y_val)"
        )
    names = ("x", "y", "x_val", "y_val")
    arrays = [_as_array(file, n, v) for n, v in zip(names, loaded)]
    for a, b in ((0, 1), (2, 3))[: len(arrays) // 2]:
        if len(arrays[a]) != len(arrays[b]):
            raise ModelFileError(
                f"{file}: load_data()'s {names[a]} has {len(arrays[a])} rows but "
                f"{names[b]} has {len(arrays[b])}"
            )
    if len(arrays) == 4 and arrays[2].shape[1:] != arrays[0].shape[1:]:
        raise ModelFileError(
            f"{file}: load_data()'s x_val has shape {arrays[2].shape[1:]} per example, "
            f"x has {arrays[0].shape[1:]}"
        )
    return ModelData(*arrays)


def check_fits(file: str, model: keras.Model, data: ModelData) -> None:
    """Raise ModelFileError if the data's example shape does not fit the model's input."""
    inputs = getattr(model, "inputs", None)
    try:
        expected = tuple(inputs[0].shape[1:]) if inputs and len(inputs) == 1 else None
    except (AttributeError, ValueError):
        expected = None
    got = tuple(data.x.shape[1:])
    if expected is None:
        return
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise ModelFileError(
            f"{file}: load_data()'s x has shape {got} per example, but the model's input "
            f"is {_shape(expected)}"
        )


def _shape(shape: tuple[int | None, ...]) -> str:
    """A shape as Python prints a tuple, with None for an unknown size."""
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def load_model_file(path: str | Path) -> ModelFile:
    """Import a model file and check that it defines build_model and load_data.

    Raises:
        ModelFileError: the file is missing, is not a file, cannot be imported,
            or lacks one of the two functions.

    """
    given = check_model_path(path)
    resolved = given.resolve()
    module_name = f"vgtui_model_{abs(hash(str(resolved)))}"
    try:
        spec = importlib.util.spec_from_file_location(module_name, resolved)
        if spec is None or spec.loader is None:
            raise ModelFileError(f"{given}: cannot be imported as Python (name it X.py)")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except ModelFileError:
        raise
    except (Exception, SystemExit) as error:  # importing runs the user's code
        sys.modules.pop(module_name, None)
        raise ModelFileError(
            f"{given}: importing it raised {_one_line(error)}", _user_traceback(error, resolved)
        ) from error
    for name, signature in (
        ("build_model", "build_model(activation=None, kernel_initializer=None)"),
        ("load_data", "load_data()"),
    ):
        if not callable(getattr(module, name, None)):
            raise ModelFileError(f"{given}: defines no {signature}")
    return ModelFile(
        path=resolved,
        name=resolved.stem,
        module=module,
        epochs=_setting(given, module, "EPOCHS", "epochs"),
        batch_size=_setting(given, module, "BATCH_SIZE", "batch_size"),
    )


def _setting(path: Path, module: types.ModuleType, name: str, setting: str) -> int | None:
    """The module's ``name``, None if unset; ModelFileError unless a whole number in range.

    The range is the command line's for the same setting (``--epochs``, ``--batch-size``).
    """
    value = getattr(module, name, None)
    if value is None:
        return None
    low, high = INT_BOUNDS[setting]
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or not (low <= value <= high)
    ):
        shown = f"{value!r}"[:40]
        raise ModelFileError(
            f"{path}: {name} = {shown} ({type(value).__name__}); it must be a whole number "
            f"from {low} to {high}, as {flag_name(setting)} takes"
        )
    return int(value)


class _Control(keras.callbacks.Callback):
    """Pause and stop between steps: waits while ``pause`` is set, stops once ``stop`` is."""

    def __init__(self, stop: threading.Event, pause: threading.Event) -> None:
        super().__init__()
        self.stop = stop
        self.pause = pause

    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Wait out a pause; ask fit to stop if a stop came."""
        while self.pause.is_set() and not self.stop.is_set():
            self.stop.wait(0.05)
        if self.stop.is_set():
            self.model.stop_training = True


def majority_share(y: np.ndarray) -> float | None:
    """The share of the commonest class among labels ``y``: the accuracy of always guessing it.

    Labels are integers (or whole floats), one per example, or one-hot rows;
    None for anything else (a regression's targets), when it cannot be told.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        labels = np.argmax(y, axis=1)
    elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        labels = y.reshape(-1)
        if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isfinite(labels)):
            return None
        if not np.all(labels == np.round(labels)) or labels.min() < 0 or labels.max() > 1e5:
            return None
        labels = labels.astype(np.int64)
    else:
        return None
    if len(labels) == 0:
        return None
    return float(np.bincount(labels).max() / len(labels))


def _accuracy_of(results: Mapping[str, Any]) -> float:
    """The accuracy among evaluate()'s results (a key ending in "accuracy"), NaN if none."""
    for key, value in results.items():
        if key.endswith(("accuracy", "acc")):
            return float(value)
    return math.nan


def train_model_file(
    model_file: ModelFile,
    activation: str | None,
    init: str | None,
    epochs: int,
    batch_size: int,
    emit: Emit,
    stop: threading.Event,
    pause: threading.Event,
    logdir: str | Path | None = None,
    *,
    every: int = DEFAULT_EVERY,
    seed: int | None = None,
    histograms: bool | int = True,
) -> RunSummary:
    """Build the file's model with ``activation`` and ``init``, and fit it with the monitor.

    Emits RunStart, StepBlocks, EpochEnds and the RunSummary it returns
    (see :class:`GradientMonitor`). ``stop`` and ``pause`` are checked
    between steps; a stopped run's summary says so. ``init`` is one of
    vgtui's initializer names (see :func:`keras_initializer`). ``histograms``
    is the monitor's: every how many steps per-layer histograms are counted
    (True: every 100th; False or 0: none).

    Raises:
        ModelFileError: building, loading the data or training failed.

    """
    # A fresh session for each run: layer names restart (dense, dense_1, ...), so runs of one
    # file name their kernels alike, and the previous run's graphs can be freed.
    keras.backend.clear_session()
    if seed is not None:
        keras.utils.set_random_seed(seed)
    data = model_file.data()
    model = model_file.build(activation, keras_initializer(init))
    check_fits(model_file.path.name, model, data)
    try:
        before = model.evaluate(
            data.x, data.y, batch_size=max(batch_size, 256), verbose=0, return_dict=True
        )
    except (Exception, SystemExit) as error:  # the user's model and data
        raise ModelFileError(
            f"{model_file.path.name}: {_failure('evaluating the model', error)}",
            _user_traceback(error, model_file.path),
        ) from error
    monitor = GradientMonitor(
        None if logdir is None else str(logdir),
        every=every,
        emit=emit,
        batch_size=batch_size,
        before=(float(before.get("loss", math.nan)), _accuracy_of(before)),
        stop_on_divergence=True,
        chance=majority_share(data.y),
        histograms=histograms,
    )
    try:
        model.fit(
            data.x,
            data.y,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=data.validation,
            verbose=0,
            callbacks=[monitor, _Control(stop, pause)],
        )
    except KeyboardInterrupt:  # a stop signal that could not wait: keep what was recorded
        monitor.detach(stopped=True)
        raise
    except (Exception, SystemExit) as error:  # the user's model and data
        monitor.abandon()
        raise ModelFileError(
            f"{model_file.path.name}: {_failure('training', error)}",
            _user_traceback(error, model_file.path),
        ) from error
    if monitor.summary is None:  # fit ended without on_train_end (not in Keras 3.15)
        monitor.abandon()
        raise ModelFileError(f"{model_file.path.name}: training ended without a summary")
    return monitor.summary
