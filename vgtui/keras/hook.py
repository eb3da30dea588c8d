"""The optimizer hook: the applied gradient's statistics, written into buffers on the device.

The only place that sees the gradient the optimizer actually applies (after
a distribution strategy's all-reduce, after loss-scale unscaling, after
``global_clipnorm``) is the innermost optimizer's ``update_step(gradient,
variable, learning_rate)``, called once per variable and, under a mirrored
strategy, once per device. The hook reads the kernel there, before the
update, and writes one row of statistics per kernel and step into a ring
buffer of ``capacity`` steps. Each row carries a stamp, the step's number, so
a read can tell a row written for that step from a stale one (a step that a
loss-scale optimizer skipped, or one overwritten because reads came too late).

A step counter is incremented by the outermost optimizer's ``apply``, once
per training step, whether or not the update was applied. For ``fit``, the
batch loss is taken from ``Model.compute_loss`` (summed over replicas, which
Keras has each scaled by 1/replicas) and written beside the statistics.

All buffers are variables created in the model's distribution strategy with
``ONLY_FIRST_REPLICA`` aggregation; under a mirrored strategy each device
writes its own copy from the same all-reduced gradient, so the copies agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from vgtui.keras import _keras_internals as internals

#: Statistics the hook writes per kernel and step, in this order (plus the stamp).
HOOK_STATS = ("grad_mean", "grad_sd", "grad_norm", "weight_mean", "weight_sd")
#: Stamps are step numbers modulo this (exact in float32), plus one; 0 means never written.
STAMP_MODULUS = 2**23
#: Where an object hooked by an OptimizerHook keeps a reference to it.
_HOOK_ATTRIBUTE = "_vgtui_optimizer_hook"
NO_KERNEL = "the model has no trainable variable of rank >= 2 (no kernel) to monitor"


def monitored_kernels(model: keras.Model) -> list[keras.Variable]:
    """The trainable variables of rank >= 2 (Dense and Conv kernels, recurrent kernels, ...)."""
    return [v for v in model.trainable_variables if len(v.shape) >= 2]


def kernel_names(model: keras.Model, kernels: list[keras.Variable]) -> tuple[str, ...]:
    """Short unique names of the kernels: their paths without the model's name or an RNN cell.

    ``sequential/dense/kernel`` becomes ``dense/kernel``, and
    ``lstm/lstm_cell/recurrent_kernel`` becomes ``lstm/recurrent_kernel``,
    unless shortening would make two names equal.
    """
    paths = [str(v.path) for v in kernels]
    prefix = f"{model.name}/"
    short = [
        p[len(prefix) :] if p.startswith(prefix) and len(p) > len(prefix) else p for p in paths
    ]
    if len(set(short)) != len(short):
        short = paths
    no_cell = ["/".join(part for part in p.split("/") if not part.endswith("_cell")) for p in short]
    if len(set(no_cell)) == len(no_cell) and all(no_cell):
        return tuple(no_cell)
    return tuple(short)


@dataclass(frozen=True)
class BufferRead:
    """The buffers as read at one moment.

    Attributes:
        steps: training steps counted so far (calls of the optimizer's apply).
        stats: (capacity, kernels, len(HOOK_STATS)) statistics, row = step % capacity.
        stamps: (capacity, kernels) stamp of each row: step % STAMP_MODULUS + 1.
        loss: (capacity,) batch loss, where one was captured.
        loss_stamps: (capacity,) stamp of each loss row.

    """

    steps: int
    stats: np.ndarray
    stamps: np.ndarray
    loss: np.ndarray
    loss_stamps: np.ndarray

    def rows(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Statistics and batch loss of 0-based steps first..last-1, and which were written.

        Returns:
            (steps, kernels, len(HOOK_STATS)) statistics, NaN where the step's
            row was not written (or was overwritten); (steps,) loss, NaN where
            none was captured; (steps, kernels) True where a statistics row was
            written; (steps,) True where a loss was.

        """
        steps = np.arange(first, last)
        capacity = len(self.stats)
        index = steps % capacity
        want = (steps % STAMP_MODULUS + 1).astype(np.float32)
        written = self.stamps[index] == want[:, None]
        stats = np.where(written[:, :, None], self.stats[index], np.nan)
        loss_written = self.loss_stamps[index] == want
        loss = np.where(loss_written, self.loss[index], np.nan)
        return stats.astype(np.float64), loss.astype(np.float64), written, loss_written


class OptimizerHook:
    """Records the applied gradient of every kernel of ``model`` at every step.

    Args:
        model: the Keras model whose kernels are watched.
        optimizer: the optimizer that trains it (possibly a LossScaleOptimizer).
        capacity: steps the ring buffer holds; read at least this often.
        capture_loss: take the batch loss from ``model.compute_loss`` (for ``fit``).

    """

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        capacity: int,
        capture_loss: bool,
    ) -> None:
        """Create the buffers now if the model is built, else when its first step is traced.

        A subclassed model trained without a distribution strategy creates
        its variables while ``fit`` traces the first step; the buffers are
        then created there too, before the first update.

        Raises:
            ValueError: the model has no kernel, or is not built and trains
                under a distribution strategy.

        """
        internals.check()
        self.model = model
        self.optimizer = optimizer
        self.inner = internals.innermost_optimizer(optimizer)
        self.capacity = capacity
        self.capture_loss = capture_loss
        self.kernels: list[keras.Variable] = []
        self.names: tuple[str, ...] = ()
        self._index: dict[object, int] = {}
        self._losses: list[tf.Tensor] = []
        self._lock = threading.Lock()
        self._installed = False
        if monitored_kernels(model):
            self._build()
        elif model.built:
            raise ValueError(NO_KERNEL)
        elif model.distribute_strategy is not tf.distribute.get_strategy() or (
            tf.distribute.has_strategy()
        ):
            raise ValueError(
                "the model is not built yet: call it on a batch (or build it) inside the "
                "strategy's scope before attaching the monitor"
            )

    @property
    def ready(self) -> bool:
        """Whether the kernels are known and the buffers exist."""
        return bool(self.kernels)

    def _build(self) -> None:
        """Find the kernels and create the buffers (lifted out of any function being traced)."""
        kernels = monitored_kernels(self.model)
        if not kernels:
            raise ValueError(NO_KERNEL)
        n = len(kernels)
        width = len(HOOK_STATS) + 1
        only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        with tf.init_scope(), self.model.distribute_strategy.scope():
            self._stats = tf.Variable(
                tf.zeros([self.capacity * n, width]),
                trainable=False,
                aggregation=only_first,
                name="vgtui_stats",
            )
            self._loss = tf.Variable(
                tf.zeros([self.capacity, 2]),
                trainable=False,
                aggregation=only_first,
                name="vgtui_loss",
            )
            self._counter = tf.Variable(
                tf.constant(0, tf.int64),
                trainable=False,
                aggregation=only_first,
                name="vgtui_steps",
            )
        self._index = {internals.variable_key(self.inner, v): i for i, v in enumerate(kernels)}
        self.names = kernel_names(self.model, kernels)
        self.kernels = kernels

    @property
    def installed(self) -> bool:
        """Whether the hook is in place."""
        return self._installed

    def install(self) -> None:
        """Put the hook into the optimizer (and the model's compute_loss, for ``fit``).

        A hook left in place by an earlier monitor that never ended (its
        ``fit`` raised) is taken out first: one optimizer, one hook.
        """
        if self._installed:
            return
        for obj in (self.optimizer, self.inner, self.model):
            earlier = vars(obj).get(_HOOK_ATTRIBUTE)
            if earlier is not None:
                earlier.remove()
        internals.replace_method(
            self.optimizer, "apply", self._counting_apply(self.optimizer.apply)
        )
        internals.replace_method(
            self.inner, "update_step", self._recording_update(self.inner.update_step)
        )
        vars(self.optimizer)[_HOOK_ATTRIBUTE] = self
        vars(self.inner)[_HOOK_ATTRIBUTE] = self
        if self.capture_loss:
            compute_loss = self.model.compute_loss
            internals.replace_method(self.model, "compute_loss", self._capturing_loss(compute_loss))
            vars(self.model)[_HOOK_ATTRIBUTE] = self
        self._installed = True

    def remove(self) -> None:
        """Take the hook out again; functions traced meanwhile keep it until retraced."""
        if not self._installed:
            return
        internals.restore_method(self.optimizer, "apply")
        internals.restore_method(self.inner, "update_step")
        if self.capture_loss:
            internals.restore_method(self.model, "compute_loss")
        for obj in (self.optimizer, self.inner, self.model):
            if vars(obj).get(_HOOK_ATTRIBUTE) is self:
                del vars(obj)[_HOOK_ATTRIBUTE]
        with self._lock:
            self._losses.clear()
        self._installed = False

    def read(self) -> BufferRead | None:
        """Fetch the buffers from the device (the first replica's copy); None before they exist."""
        if not self.ready:
            return None
        n = len(self.kernels)
        stats = self._stats.numpy().reshape(self.capacity, n, len(HOOK_STATS) + 1)
        loss = self._loss.numpy()
        return BufferRead(
            steps=int(self._counter.numpy()),
            stats=stats[:, :, :-1],
            stamps=stats[:, :, -1],
            loss=loss[:, 0],
            loss_stamps=loss[:, 1],
        )

    # The wrappers below run while TensorFlow traces the training step.

    def _counting_apply(self, apply: Callable[..., object]) -> Callable[..., object]:
        """Wrap the outermost optimizer's apply: count the step after the update."""

        def counting_apply(grads: object, trainable_variables: object = None) -> object:
            if not self.ready:
                self._build()
            result = apply(grads, trainable_variables)
            self._counter.assign_add(1)
            return result

        return counting_apply

    def _capturing_loss(self, compute_loss: Callable[..., object]) -> Callable[..., object]:
        """Wrap the model's compute_loss: keep each replica's loss tensor for the hook."""

        def capturing_loss(*args: object, **kwargs: object) -> object:
            loss = compute_loss(*args, **kwargs)
            if loss is not None and kwargs.get("training", True):
                graph = _current_graph()
                with self._lock:
                    self._losses[:] = [t for t in self._losses if _graph_of(t) is graph]
                    self._losses.append(loss)
            return loss

        return capturing_loss

    def _recording_update(self, update_step: Callable[..., object]) -> Callable[..., object]:
        """Wrap the innermost optimizer's update_step: record, then update."""

        def recording_update(gradient: object, variable: object, learning_rate: object) -> object:
            index = self._index.get(internals.variable_key(self.inner, variable))
            if index is not None and gradient is not None:
                self._record(index, gradient, variable)
            return update_step(gradient, variable, learning_rate)

        return recording_update

    def _record(self, index: int, gradient: object, variable: tf.Variable) -> None:
        """Write kernel ``index``'s statistics (and, for the first kernel, the loss)."""
        if isinstance(gradient, tf.IndexedSlices):
            gradient = tf.math.unsorted_segment_sum(
                gradient.values, gradient.indices, gradient.dense_shape[0]
            )
        g = tf.cast(gradient, tf.float32)
        w = tf.cast(tf.convert_to_tensor(variable), tf.float32)
        g_mean = tf.reduce_mean(g)
        w_mean = tf.reduce_mean(w)
        step = tf.convert_to_tensor(self._counter)
        stamp = tf.cast(step % STAMP_MODULUS + 1, tf.float32)
        row = step % self.capacity
        values = tf.stack(
            [
                g_mean,
                tf.sqrt(tf.reduce_mean(tf.square(g - g_mean))),
                tf.sqrt(tf.reduce_sum(tf.square(g))),
                w_mean,
                tf.sqrt(tf.reduce_mean(tf.square(w - w_mean))),
                stamp,
            ]
        )
        flat_row = row * len(self.kernels) + index
        self._stats.scatter_update(tf.IndexedSlices(values[None], flat_row[None]))
        if index == 0 and self.capture_loss:
            loss = self._step_loss()
            if loss is not None:
                self._loss.scatter_update(
                    tf.IndexedSlices(tf.stack([loss, stamp])[None], row[None])
                )

    def _step_loss(self) -> tf.Tensor | None:
        """The batch loss of the step being traced: the replicas' captured losses, summed."""
        chain = []
        graph = _current_graph()
        while graph is not None:
            chain.append(graph)
            graph = getattr(graph, "outer_graph", None)
        with self._lock:
            if not chain:  # eager: the losses since the last step
                losses, self._losses[:] = list(self._losses), []
            else:
                losses = [t for t in self._losses if any(_graph_of(t) is g for g in chain)]
        if not losses:
            return None
        return tf.add_n([tf.cast(t, tf.float32) for t in losses])


def _current_graph() -> tf.Graph | None:
    """The graph being traced, None when executing eagerly."""
    return None if tf.executing_eagerly() else tf.compat.v1.get_default_graph()


def _graph_of(tensor: object) -> tf.Graph | None:
    """The graph a tensor belongs to, None for an eager tensor."""
    return None if isinstance(tensor, tf.__internal__.EagerTensor) else tensor.graph
