"""GradientMonitor: per-kernel gradient statistics of a Keras model, for fit and custom loops.

With ``model.fit``::

    model.fit(x, y, epochs=10, callbacks=[GradientMonitor("runs")])

With a custom ``GradientTape`` loop (trace the step after ``attach``)::

    with GradientMonitor("runs").attach(model, optimizer) as monitor:
        for epoch in range(10):
            for x, y in batches:
                monitor.step(train_step(x, y))     # the batch loss
            monitor.end_epoch({"loss": ..., "accuracy": ...})

Statistics are recorded on the device at every step (see
:mod:`vgtui.keras.hook`) and fetched every ``every`` steps and at each
epoch's end, so the cost stays small. Per-layer histograms (kernel
gradients, kernels, layer outputs and the gradients that reach them) are
counted inside the compiled step every ``histograms``-th step (see
:mod:`vgtui.keras.histograms`) and fetched with them. Records go to ``emit`` and, with a
``logdir``, to a run log that ``vgtui view`` follows. In a multi-worker
cluster only the chief reads, emits and writes.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import math
import sys
import time
import types
import warnings
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import keras
import numpy as np

from vgtui.keras import _keras_internals as internals
from vgtui.keras import describe, fit_function
from vgtui.keras.hook import HOOK_ATTRIBUTE, HOOK_STATS, OptimizerHook
from vgtui.output_path import OutputPathError
from vgtui.records import (
    STAT_NAMES,
    Emit,
    EpochEnd,
    Record,
    RunStart,
    RunSummary,
    StepBlock,
    diverged_where,
)
from vgtui.run_identity import ModelIdentity
from vgtui.runlog import RunLogWriter, header_from_start

#: Steps between two reads of the device buffers (measured: see tests/bench/bench_keras.py).
DEFAULT_EVERY = 100
#: Steps between two steps whose histograms are counted, by default (the first is counted).
HISTOGRAM_EVERY = 100
#: How the monitor signs what it says on stderr.
SAYS = "vgtui GradientMonitor"

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _contained(method: _Method) -> _Method:
    """Run a callback so that no fault of the monitor's own can end the training it watches.

    An Exception raised inside (a bug, a device read that fails) stops the
    monitoring: it is said once on stderr, the hook comes out, the run log
    is closed with what it holds, and training goes on. A KeyboardInterrupt
    passes through (after the run was ended as stopped: see ``_interrupted``).
    """

    @functools.wraps(method)
    def contained(self: GradientMonitor, *args: object, **kwargs: object) -> object:
        if self._gave_up:
            return None
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # the monitor's own fault: never the training's
            self._give_up(error)
            return None
        except BaseException:
            self._interrupted()
            raise

    return contained  # type: ignore[return-value]


def _accuracy(logs: Mapping[str, Any] | None, prefix: str = "") -> float:
    """The accuracy in Keras logs (the first key ending in "accuracy"), NaN if none.

    ``prefix`` "val_" reads the validation accuracy; "" the training accuracy.
    """
    for key, value in (logs or {}).items():
        if key.endswith(("accuracy", "acc")) and key.startswith("val_") == bool(prefix):
            return describe.number(value)
    return math.nan


def _validation(logs: Mapping[str, Any] | None) -> tuple[float, float]:
    """(val_loss, val_accuracy) in Keras logs: fit's with validation data; NaN where absent."""
    logs = logs or {}
    return describe.number(logs.get("val_loss")), _accuracy(logs, "val_")


class GradientMonitor(keras.callbacks.Callback):
    """Record every kernel's applied gradient at every step, and the run around it.

    Args:
        logdir: directory of run logs to write the run into (None: no log).
        every: steps between two reads of the device buffers.
        emit: called with each record (RunStart, StepBlock, HistogramBlock, EpochEnd,
            RunSummary).
        title: a short one-line name of the run: its log's name, its row in the
            comparison and its header say it (default: what tells runs of one
            model apart: the model's name, its hidden layers' activation and
            kernel initializer, and the optimizer, e.g. ``digits_mlp · relu ·
            he_normal · sgd``).
        batch_size: the batch size, for the run's description (NaN if not given).
        before: (loss, accuracy) of the model before training, if known (else,
            under ``fit``, the first batch's, as fit measures it before the
            first update; with ``attach``, the accuracy handed to the first
            ``step``).
        stop_on_divergence: under ``fit``, stop training once a gradient or the
            loss is seen to be NaN or infinite.
        chance: the accuracy a model gets on this task by chance, for the
            verdict (the majority class's share of the data); default: 1/k
            for a model with k output units (1/2 for one).
        histograms: count per-layer histograms every this many steps (True:
            every HISTOGRAM_EVERY-th; False or 0: none); the run's header says it.

    The monitor never ends the training it watches: a run log that cannot
    be written (a full disk) is closed with every record it holds, one line
    on stderr names it, and the steps go on to ``emit``; any other fault of
    the monitor's own stops the monitoring, said once on stderr, and the
    training goes on. If ``fit`` is interrupted (Ctrl+C) or raises inside a
    training step, the monitor at once writes the steps it recorded (those
    of the unfinished epoch too, as steps of no epoch), a summary marked
    stopped, closes the log and unhooks; an interruption anywhere else in
    ``fit`` does the same when the monitor is next used, or when Python exits.

    """

    def __init__(
        self,
        logdir: str | None = None,
        every: int = DEFAULT_EVERY,
        emit: Emit | None = None,
        *,
        title: str | None = None,
        batch_size: int | None = None,
        before: tuple[float, float] | None = None,
        stop_on_divergence: bool = False,
        chance: float | None = None,
        histograms: bool | int = True,
    ) -> None:
        """Set up the monitor; nothing is hooked until training begins or attach()."""
        super().__init__()
        if int(every) < 1:
            raise ValueError(f"every must be a positive number of steps, not {every!r}")
        self.histogram_every = HISTOGRAM_EVERY if histograms is True else int(histograms)
        if self.histogram_every < 0:
            raise ValueError(f"histograms: a number of steps >= 0, or True, not {histograms!r}")
        self.logdir = logdir
        self.every = int(every)
        self.emit = emit
        self.title = title
        self.batch_size = batch_size
        self.before = before
        self.stop_on_divergence = stop_on_divergence
        self.chance = chance
        self.summary: RunSummary | None = None
        self.start: RunStart | None = None
        self._hook: OptimizerHook | None = None
        self._kept: fit_function.KeptTrainFunction | None = None
        self._fit = False
        self._gave_up = False
        self._standing_down = False
        self._run_log: RunLogWriter | None = None
        self._at_exit: Callable[[], None] | None = None

    # ------------------------------------------------------------------ fit

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        """Hook the optimizer and put the model's hooked train function in fit's hands.

        It is traced at the model's first monitored fit and kept for later
        ones (see :mod:`vgtui.keras.fit_function`).
        """
        model = self.model
        if getattr(model, "optimizer", None) is None:
            raise ValueError("GradientMonitor needs a compiled model (it has no optimizer)")
        self._gave_up = self._standing_down = False
        self._begin_contained(model, model.optimizer)

    @_contained
    def _begin_contained(self, model: keras.Model, optimizer: keras.optimizers.Optimizer) -> None:
        """The part of on_train_begin that may fail without failing ``fit``."""
        if describe.workers(model.distribute_strategy) > 1:
            warnings.warn(
                "Keras 3 fit does not train under MultiWorkerMirroredStrategy "
                "(keras-team/keras#20585); a custom loop with GradientMonitor.attach() does",
                stacklevel=4,
            )
        if not self._begin(model, optimizer, fit=True):
            return
        self._kept.swap_in()  # type: ignore[union-attr]
        self._watch_train_function(model)

    def _watch_train_function(self, model: keras.Model) -> None:
        """Wrap fit's train function: a step that raises (Ctrl+C, an error) ends the run first."""
        step = model.train_function

        def watched_step(*args: object, **kwargs: object) -> object:
            try:
                return step(*args, **kwargs)
            except BaseException:
                self._interrupted()
                raise

        model.train_function = watched_step

    @_contained
    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Number the epoch as Keras does (plus one)."""
        if self._hook is None:
            return
        self._epoch = epoch + 1
        self._epoch_host_first = self._host_steps

    @_contained
    def on_train_batch_end(self, batch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Read the buffers once ``every`` steps have passed since the last read."""
        if self._hook is None:
            return
        self._host_steps = self._epoch_host_first + batch + 1
        if self._host_steps == 1 and batch == 0:
            # fit's metrics of its first batch, from the predictions made before the first
            # update (with steps_per_execution > 1 the first call ends a later batch: unknown)
            self._first_batch = (describe.number((logs or {}).get("loss")), _accuracy(logs))
        if self._host_steps - self._read_upto >= self.every:
            self._flush()

    @_contained
    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        """Emit the epoch's last steps and its end, with the training logs' loss and accuracy.

        An epoch cut short (training stopped before its last batch: a stop
        key, a callback) is no epoch: its steps are written, its end is not,
        and the run's summary comes from the last complete epoch. An epoch
        that diverged ends all the same: its end says where.
        """
        if self._hook is None:
            return
        planned = self.params.get("steps") if self.params else None
        done = self._host_steps - self._epoch_host_first
        diverged = self._epoch_diverged is not None  # the epoch that diverged always ends
        if isinstance(planned, int) and 0 < done < planned and not diverged:
            self._flush()  # the steps it took are kept; the epoch did not end
            self._cut_short = True
            return
        logs = logs or {}
        self._end_epoch(describe.number(logs.get("loss")), _accuracy(logs), _validation(logs))
        self._last_epoch_index = epoch

    @_contained
    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        """Emit the summary, unhook, and put Keras's own train function back for a later fit.

        A run is finished (not stopped) when it ended the last epoch ``fit``
        was asked for, whatever its ``initial_epoch``.
        """
        if self._hook is None:
            return
        planned = int(self.params.get("epochs", 0) or 0) if self.params else 0
        diverged = self._stopped_diverged
        asked = bool(getattr(self.model, "stop_training", False)) and not diverged
        short = self._cut_short or self._last_epoch_index + 1 < planned
        self._finish(stopped=asked or (short and not diverged))
        self._plain_again()

    # ---------------------------------------------------------- custom loop

    def attach(
        self, model: keras.Model, optimizer: keras.optimizers.Optimizer | None = None
    ) -> GradientMonitor:
        """Hook ``optimizer`` (default ``model.optimizer``) for a custom training loop.

        Trace the training step after this call: a step traced before it does
        not contain the hook. Use as a context manager, or call :meth:`detach`.
        """
        optimizer = optimizer if optimizer is not None else getattr(model, "optimizer", None)
        if optimizer is None:
            raise ValueError("attach() needs an optimizer: pass it, or compile the model")
        self.set_model(model)
        self._gave_up = self._standing_down = False
        self._begin(model, optimizer, fit=False)  # a model it cannot watch: raised, here
        return self

    def step(self, loss: object = None, accuracy: object = None) -> None:
        """Hand over one training step's batch loss (and accuracy); reads every ``every`` steps.

        ``loss`` may be a tensor: it is converted only when the buffers are read.
        """
        if self._gave_up or self._standing_down:
            return
        self._require_attached("step")
        self._step(loss, accuracy)

    @_contained
    def _step(self, loss: object, accuracy: object) -> None:
        self._host_steps += 1
        if not self._chief:
            return  # only the chief reads: a worker keeps nothing
        if self._host_steps == 1:
            self._first_batch = (loss, accuracy)  # converted when the run ends
        self._losses.append(loss)
        self._accuracies.append(accuracy)
        if self._host_steps - self._read_upto >= self.every:
            self._flush()

    def end_epoch(self, logs: Mapping[str, Any] | None = None) -> None:
        """End the current epoch; its loss and accuracy come from ``logs`` if given.

        Without a loss in ``logs``, the epoch's loss is the mean of its batch losses.
        ``val_loss`` and ``val_accuracy`` in ``logs`` are the epoch's validation.
        """
        if self._gave_up or self._standing_down:
            return
        self._require_attached("end_epoch")
        self._end_epoch_contained(logs)

    @_contained
    def _end_epoch_contained(self, logs: Mapping[str, Any] | None) -> None:
        logs = logs or {}
        self._flush()
        loss = describe.number(logs.get("loss"))
        if "loss" not in logs:
            finite = [v for v in self._epoch_losses if math.isfinite(v)]
            loss = float(np.mean(finite)) if finite else math.nan
        self._end_epoch(loss, _accuracy(logs), _validation(logs))
        self._epoch += 1
        self._epoch_host_first = self._host_steps

    def detach(self, stopped: bool = False) -> RunSummary | None:
        """Read the last steps, emit the summary, close the log and unhook (idempotent).

        Steps since the last :meth:`end_epoch` end an epoch of their own,
        unless ``stopped`` (the loop was left by an exception): they are
        then written as steps of an epoch that never ended.
        """
        if self._hook is None:
            return self.summary
        if stopped:
            self._interrupted()
            return self.summary
        self._detach_contained()
        return self.summary

    @_contained
    def _detach_contained(self) -> None:
        if self._read_upto > self._epoch_first or self._host_steps > self._epoch_host_first:
            self.end_epoch()
        self._finish(stopped=False)

    def abandon(self) -> None:
        """Unhook and close the run log without a summary: training failed (idempotent)."""
        hook = self._hook
        if hook is None:
            return
        self._hook = None
        hook.remove()
        self._forget_exit()
        if self._run_log is not None:
            self._run_log.close()
            self._run_log = None
        if self._fit:
            self._plain_again()
            fit_function.forget(hook.model)  # the next fit traces its hook anew

    def _interrupted(self) -> None:
        """End a run that an exception cut short: its steps, a stopped summary, no hook.

        Called as the exception passes (a KeyboardInterrupt, an error in a
        step), at exit, or when the monitor is used again; never raises.
        """
        hook = self._hook
        if hook is None or self._gave_up:
            return
        try:
            self._finish(stopped=True)
            if self._fit:
                self._plain_again()
        except Exception as error:  # the training's own exception matters more
            self._give_up(error)

    def _give_up(self, error: BaseException) -> None:
        """Stop monitoring after a fault of the monitor's own; say so once; training goes on."""
        if self._gave_up:
            return
        self._gave_up = True
        _say(f"stopped monitoring ({_one_line(error)}); training goes on without it")
        self.abandon()

    def _plain_again(self) -> None:
        """Put Keras's own train function back in place of the kept hooked one."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.swap_out()

    def _forget_exit(self) -> None:
        """Take back the exit hook: the run has ended."""
        if self._at_exit is not None:
            atexit.unregister(self._at_exit)
            self._at_exit = None

    def __enter__(self) -> GradientMonitor:
        """The monitor, attached (see :meth:`attach`)."""
        if not (self._gave_up or self._standing_down):
            self._require_attached("with")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        """Detach; a loop left by an exception counts as stopped."""
        self.detach(stopped=exc_type is not None)

    # -------------------------------------------------------------- common

    def _require_attached(self, what: str) -> None:
        """Raise a one-line error when the monitor is not attached."""
        if self._hook is None:
            raise RuntimeError(f"GradientMonitor.{what}: call attach(model, optimizer) first")

    def _begin(self, model: keras.Model, optimizer: keras.optimizers.Optimizer, fit: bool) -> bool:
        """Hook the optimizer, reset the counts and emit the RunStart; False if standing down.

        A run of this monitor that never ended (its ``fit`` was interrupted
        outside a step) is ended first, as stopped; so is another monitor's
        that still holds the optimizer from an earlier ``fit`` or loop. Two
        monitors in one ``fit``: the second stands down, and says so.
        """
        if self._hook is not None:
            self._interrupted()
        other = _holder(optimizer)
        if other is not None and other is not self:
            if fit and other._fit and other.params is self.params and self.params is not None:
                self._standing_down = True
                where = f" into {other._run_log.path}" if other._run_log is not None else ""
                _say(
                    "another GradientMonitor in this fit already records this optimizer"
                    f"{where}; this one records nothing"
                )
                return False
            _say(
                "an earlier GradientMonitor still held this optimizer (its training was "
                "interrupted): its run is ended as stopped"
            )
            other._interrupted()
        capacity = 2 * self.every + internals.steps_per_execution(model)
        if fit:
            kept = fit_function.for_fit(model, optimizer, capacity, self.histogram_every)
            hook = kept.hook
            self._kept = kept
        else:
            self._kept = None
            hook = OptimizerHook.counting_every(
                model, optimizer, capacity, False, self.histogram_every
            )
        hook.install()
        hook.owner = self  # type: ignore[attr-defined]
        self._hook = hook
        self._at_exit = _exit_hook(self)
        atexit.register(self._at_exit)
        self._fit = fit
        self._chief = describe.is_chief(model.distribute_strategy)
        self._sinks: list[Emit] = []
        self._run_log: RunLogWriter | None = None
        self.summary = None
        self._epoch = 1
        self._epoch_first = 0
        self._epoch_host_first = 0
        self._host_steps = 0
        self._read_upto = 0
        self._losses: list[object] = []
        self._accuracies: list[object] = []
        self._reset_epoch()
        self._epochs_done = 0
        self._last_loss = math.nan
        self._last_accuracy = math.nan
        self._sd_ratio = math.nan
        self._diverged: tuple[int, int] | None = None  # (layer, 1-based step)
        self._warned_untraced = False
        self._stopped_diverged = False
        self._cut_short = False
        self._last_epoch_index = -1
        self._first_batch: tuple[object, object] = (None, None)
        self._model = model
        self._optimizer = optimizer
        self.start = None
        self._ensure_started()
        return True

    def _ensure_started(self) -> None:
        """Emit the RunStart (and open the run log) once the hook knows the kernels.

        That is at once for a built model, and after the first traced step
        for a subclassed model that builds itself there.
        """
        hook = self._hook
        if self.start is not None or hook is None or not hook.ready:
            return
        self._reset_epoch()
        if not self._chief:
            return
        start = self._run_start(self._model, self._optimizer, hook)
        self.start = start
        if self.emit is not None:
            self._sinks.append(self.emit)
        if self.logdir is not None:
            try:
                self._run_log = RunLogWriter.create(Path(self.logdir), header_from_start(start))
            except OutputPathError as err:  # a full disk: the training goes on without a log
                _say(f"{err}; training goes on without a run log")
            else:
                self._sinks.append(self._run_log.write_record)
        self._send(start)

    def _run_start(
        self, model: keras.Model, optimizer: keras.optimizers.Optimizer, hook: OptimizerHook
    ) -> RunStart:
        """The RunStart of this run: kernels, device and the model in words."""
        names = describe.devices(model)
        chance = self.chance if self.chance is not None else describe.chance_of_outputs(model)
        planned = self.params.get("epochs") if self._fit and self.params else None
        info: dict[str, object] = {
            "source": "keras",
            "title": self.title,
            "title_given": self.title is not None,
            "model": describe.model_info(model),
            "optimizer": describe.optimizer_info(optimizer),
            "batch_size": self.batch_size if self.batch_size is not None else math.nan,
            "devices": names,
            "workers": describe.workers(model.distribute_strategy),
            "loop": "fit" if self._fit else "custom",
            "every": self.every,
            "keras": keras.__version__,
            "chance": float(chance),
        }
        if isinstance(planned, int) and planned > 0:
            info["epochs"] = planned  # fit's epochs: the last epoch's number
        if self.title is None:
            info["title"] = ModelIdentity.from_info(info).description or model.name
        if hook.histograms is not None and hook.histograms.counting:
            info.update(hook.histograms.info())
        loss_before, accuracy_before = self.before if self.before else (math.nan, math.nan)
        return RunStart(
            config=None,
            device=describe.device_label(model, names),
            layer_names=hook.names,
            accuracy_before=float(accuracy_before),
            loss_before=float(loss_before),
            started=time.time(),
            info=info,
        )

    def _send(self, record: Record) -> None:
        """Hand a record to every sink; a run log that cannot be written is closed and dropped."""
        log = self._run_log
        for sink in list(self._sinks):
            if log is None or sink != log.write_record:
                sink(record)
                continue
            try:
                sink(record)
            except OSError as err:  # a full disk: the log keeps what it holds, training goes on
                self._sinks.remove(sink)
                log.close()
                self._run_log = None
                _say(
                    f"{log.path}: writing the run log failed ({err.strerror or err}); it keeps "
                    "the records before, and training goes on without it"
                )

    def _reset_epoch(self) -> None:
        """Clear what is accumulated over one epoch."""
        n = len(self._hook.names) if self._hook else 0
        self._epoch_sd_sum = np.zeros(n)
        self._epoch_sd_count = np.zeros(n)
        self._epoch_losses: list[float] = []
        self._epoch_diverged: tuple[int, int] | None = None

    def _flush(self) -> None:
        """Read the buffers and emit the steps not emitted yet as one StepBlock."""
        hook = self._hook
        if hook is None or not self._chief:
            return
        read = hook.read()
        if read is None:
            return
        self._ensure_started()
        last = read.steps
        if last == 0 and self._host_steps > 0 and not self._fit and not self._warned_untraced:
            warnings.warn(
                "GradientMonitor saw no optimizer step: trace the training step "
                "after attach() (a tf.function traced before it has no hook)",
                stacklevel=3,
            )
            self._warned_untraced = True
        first = self._read_upto
        if last <= first:
            return
        stats, loss, written, loss_given = read.rows(first, last)
        count = last - first
        accuracy = np.full(count, math.nan)
        if not self._fit:
            loss, loss_given = self._host_values(self._losses, count)
            accuracy, _ = self._host_values(self._accuracies, count)
            del self._losses[:count], self._accuracies[:count]
        step_stats = np.full((count, stats.shape[1], len(STAT_NAMES)), math.nan)
        step_stats[:, :, : stats.shape[2]] = stats
        self._read_upto = last
        self._account(first, step_stats, loss, written, loss_given)
        self._send(StepBlock(self._epoch, first + 1, loss, accuracy, step_stats))
        recorder = hook.histograms
        if recorder is not None and recorder.ready and recorder.counting:
            block = recorder.block(recorder.read(), first, last)  # type: ignore[arg-type]
            if block is not None:
                self._send(block)

    @staticmethod
    def _host_values(values: list[object], count: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``count`` values handed over by step() as floats, and which were given."""
        out = np.full(count, math.nan)
        given = np.zeros(count, dtype=bool)
        for i, value in enumerate(values[:count]):
            if value is not None:
                out[i] = describe.number(value)
                given[i] = True
        return out, given

    def _account(
        self,
        first: int,
        stats: np.ndarray,
        loss: np.ndarray,
        written: np.ndarray,
        loss_given: np.ndarray,
    ) -> None:
        """Add steps to the epoch's tallies and look for the first non-finite number."""
        sd = stats[:, :, STAT_NAMES.index("grad_sd")]
        ok = written & np.isfinite(sd)
        self._epoch_sd_sum += np.where(ok, sd, 0.0).sum(axis=0)
        self._epoch_sd_count += ok.sum(axis=0)
        self._epoch_losses.extend(float(v) for v in loss[np.isfinite(loss)])
        if self._epoch_diverged is not None:
            return
        hook_stats = stats[:, :, : len(HOOK_STATS)]
        bad_kernel = written & ~np.isfinite(hook_stats).all(axis=2)
        bad_loss = loss_given & ~np.isfinite(loss)
        for i in range(len(loss)):
            if bad_kernel[i].any() or bad_loss[i]:
                layer = int(np.argmax(bad_kernel[i])) if bad_kernel[i].any() else -1
                self._epoch_diverged = (layer, first + i + 1)
                if self._diverged is None:
                    self._diverged = self._epoch_diverged
                if self._fit and self.stop_on_divergence:
                    self.model.stop_training = True
                    self._stopped_diverged = True
                return

    def _end_epoch(
        self, loss: float, accuracy: float, validation: tuple[float, float] = (math.nan, math.nan)
    ) -> None:
        """Emit the epoch's remaining steps and its EpochEnd; keep its numbers for the summary.

        ``validation`` is the epoch's (val_loss, val_accuracy), NaN where there is none.
        """
        self._flush()
        if self.start is None:
            return
        diverged = self._epoch_diverged
        self._send(
            EpochEnd(
                epoch=self._epoch,
                loss=loss,
                accuracy=accuracy,
                diverged_layer=diverged[0] if diverged else None,
                diverged_step=diverged[1] if diverged else None,
                val_loss=validation[0],
                val_accuracy=validation[1],
            )
        )
        self._epochs_done += 1
        if diverged is None:
            self._last_loss, self._last_accuracy = loss, accuracy
            with np.errstate(divide="ignore", invalid="ignore"):
                sd = self._epoch_sd_sum / self._epoch_sd_count
            if np.isfinite(sd[-1]) and sd[-1] > 0:
                self._sd_ratio = float(sd[0] / sd[-1])
        self._epoch_first = self._read_upto
        self._reset_epoch()

    def _accuracy_first_batch(self) -> float:
        """The accuracy of the run's first batch before its update, NaN if it is not known."""
        accuracy = self._first_batch[1]
        return math.nan if accuracy is None else describe.number(accuracy)

    def _finish(self, stopped: bool) -> None:
        """Emit the RunSummary, close the run log and take the hook out."""
        hook = self._hook
        if hook is None:
            return
        try:
            self._flush()
            if self.start is not None:
                steps = self._read_upto
                names = hook.names
                before = self.before[1] if self.before else self._accuracy_first_batch()
                layer = self._diverged[0] if self._diverged else None
                summary = RunSummary(
                    accuracy_before=float(before),
                    accuracy_after=self._last_accuracy,
                    final_loss=self._last_loss,
                    grad_sd_ratio=self._sd_ratio,
                    epochs=self._epochs_done,
                    steps=steps,
                    stopped=stopped,
                    diverged_step=self._diverged[1] if self._diverged else None,
                    diverged_layer=diverged_where(layer, names),
                )
                self.summary = summary
                self._send(summary)
        finally:
            if self._run_log is not None:
                self._run_log.close()
                self._run_log = None
            hook.remove()
            self._hook = None
            self._forget_exit()


def _say(text: str) -> None:
    """One line on stderr, signed; nothing if stderr is gone."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(f"{SAYS}: {text}", file=sys.stderr, flush=True)


def _one_line(error: BaseException) -> str:
    """``Type: message`` of an exception on one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _holder(optimizer: keras.optimizers.Optimizer) -> GradientMonitor | None:
    """The monitor whose hook is in ``optimizer`` (or its inner optimizer), if one is."""
    inner = internals.innermost_optimizer(optimizer)
    for obj in (optimizer, inner):
        hook = vars(obj).get(HOOK_ATTRIBUTE)
        owner = getattr(hook, "owner", None)
        if isinstance(owner, GradientMonitor) and owner._hook is hook:
            return owner
    return None


def _exit_hook(monitor: GradientMonitor) -> Callable[[], None]:
    """A function for atexit that ends ``monitor``'s run if it is still on (held weakly)."""
    ref = weakref.ref(monitor)

    def at_exit() -> None:
        found = ref()
        if found is not None:
            found._interrupted()

    return at_exit
