"""The optimizer hook: the applied gradient's statistics, written into buffers on the device.

The gradient the optimizer actually applies (after a distribution
strategy's all-reduce, after loss-scale unscaling, after ``global_clipnorm``)
is seen only where the innermost optimizer calls ``update_step(gradient,
variable, learning_rate)``. Keras's TensorFlow optimizer makes those calls
in one loop, ``_distributed_tf_update_step(distribution, grads_and_vars,
learning_rate)``, once per step with every (gradient, variable) pair, in the
cross-replica context. The hook wraps that loop: before the updates it runs
one function per device (``distribution.extended.update`` on the buffer)
that reads every kernel and its gradient and writes the step's row of a ring
buffer of ``capacity`` steps. Kernels of one shape are stacked with their
gradients and reduced together, so a step costs about nine device
operations per distinct kernel shape and a dozen more, not a dozen per kernel.

A row holds, for every kernel, shifted sums only: with ``c`` a tensor's
first element and ``d = x - c``, ``(c, sum d, sum d²)`` for the gradient and
for the kernel; the host turns them into mean, SD and L2 norm in float64
when it reads (the shift keeps the variance free of cancellation however
large the mean). Then come the batch loss and a stamp, the step's number, so
a read can tell a row written for that step from a stale one (a step a
loss-scale optimizer skipped, or one overwritten because reads came too late).

A step counter is incremented by the outermost optimizer's ``apply``, once
per training step, whether or not the update was applied. For ``fit``, the
batch loss is taken from ``Model.compute_loss`` (summed over replicas, which
Keras has each scaled by 1/replicas) and written beside the statistics.

All buffers are variables created in the model's distribution strategy with
``ONLY_FIRST_REPLICA`` aggregation; under a mirrored strategy each device
writes its own copy from the same all-reduced gradient, so the copies agree.

With a :class:`~vgtui.keras.histograms.HistogramRecorder`, the same update
also counts the step's per-layer histograms every K-th step (the recorder's
layer probes wrap the layers' calls while the hook is in place).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from vgtui.keras import _keras_internals as internals
from vgtui.keras.histograms import HistogramRecorder, LayerProbes

#: Statistics a read yields per kernel and step, in this order.
HOOK_STATS = ("grad_mean", "grad_sd", "grad_norm", "weight_mean", "weight_sd")
#: What the device writes per kernel and step: shifted sums of the gradient and the kernel.
RAW_COLUMNS = (
    "grad_shift",
    "grad_sum",
    "grad_sum_sq",
    "weight_shift",
    "weight_sum",
    "weight_sum_sq",
)
#: Stamps are step numbers modulo this (exact in float32), plus one; 0 means never written.
STAMP_MODULUS = 2**23
#: Where an object hooked by an OptimizerHook keeps a reference to it.
HOOK_ATTRIBUTE = _HOOK_ATTRIBUTE = "_vgtui_optimizer_hook"
NO_KERNEL = "the model has no trainable variable of rank >= 2 (no kernel) to monitor"


def monitored_kernels(model: keras.Model) -> list[keras.Variable]:
    """The trainable variables of rank >= 2 (Dense and Conv kernels, recurrent kernels, ...)."""
    return [v for v in model.trainable_variables if len(v.shape) >= 2 and np.prod(v.shape) > 0]


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


def moments(shift: np.ndarray, total: np.ndarray, total_sq: np.ndarray, size: np.ndarray):
    """Mean, population SD and L2 norm of tensors of ``size`` elements from their shifted sums.

    With d = x - shift: mean = shift + sum d / n; variance = sum d² / n - (sum d / n)²;
    norm² = n (variance + mean²), a sum of two non-negative terms.
    """
    shift, total, total_sq = (np.asarray(a, dtype=np.float64) for a in (shift, total, total_sq))
    mean_d = total / size
    variance = np.maximum(total_sq / size - mean_d**2, 0.0)
    mean = shift + mean_d
    return mean, np.sqrt(variance), np.sqrt(size * (variance + mean**2))


@dataclass(frozen=True)
class BufferRead:
    """The buffer as read at one moment.

    Attributes:
        steps: training steps counted so far (calls of the optimizer's apply).
        raw: (capacity, kernels, len(RAW_COLUMNS)) shifted sums, row = step % capacity.
        stamps: (capacity,) stamp of each row: step % STAMP_MODULUS + 1 (0: never written).
        loss: (capacity,) batch loss of each row (NaN where none was captured).
        sizes: (kernels,) number of elements of each kernel.
        recorded: (kernels,) whether the traced step records the kernel (False for a
            kernel that gets no gradient).
        loss_recorded: whether the traced step records the batch loss.

    """

    steps: int
    raw: np.ndarray
    stamps: np.ndarray
    loss: np.ndarray
    sizes: np.ndarray
    recorded: np.ndarray
    loss_recorded: bool

    def rows(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Statistics and batch loss of 0-based steps first..last-1, and which were written.

        Returns:
            (steps, kernels, len(HOOK_STATS)) statistics, NaN where the step's
            row was not written (or was overwritten); (steps,) loss, NaN where
            none was captured; (steps, kernels) True where statistics were
            written; (steps,) True where a loss was.

        """
        steps = np.arange(first, last)
        index = steps % len(self.raw)
        want = (steps % STAMP_MODULUS + 1).astype(np.float32)
        row_written = self.stamps[index] == want
        written = row_written[:, None] & self.recorded[None, :]
        raw = self.raw[index]
        with np.errstate(invalid="ignore", over="ignore"):
            g_mean, g_sd, g_norm = moments(raw[..., 0], raw[..., 1], raw[..., 2], self.sizes)
            w_mean, w_sd, _ = moments(raw[..., 3], raw[..., 4], raw[..., 5], self.sizes)
        stats = np.stack([g_mean, g_sd, g_norm, w_mean, w_sd], axis=-1)
        stats = np.where(written[:, :, None], stats, np.nan)
        loss = np.where(row_written, self.loss[index], np.nan).astype(np.float64)
        return stats, loss, written, row_written & self.loss_recorded


class OptimizerHook:
    """Records the applied gradient of every kernel of ``model`` at every step.

    Args:
        model: the Keras model whose kernels are watched.
        optimizer: the optimizer that trains it (possibly a LossScaleOptimizer).
        capacity: steps the ring buffer holds; read at least this often.
        capture_loss: take the batch loss from ``model.compute_loss`` (for ``fit``).
        histograms: counts per-layer histograms every K-th step (None: none).

    """

    def __init__(
        self,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        capacity: int,
        capture_loss: bool,
        histograms: HistogramRecorder | None = None,
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
        self.histograms = histograms
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
        width = len(kernels) * len(RAW_COLUMNS) + 2  # then the stamp and the loss
        only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        with tf.init_scope(), self.model.distribute_strategy.scope():
            self._rows = tf.Variable(
                tf.zeros([self.capacity, width]),
                trainable=False,
                aggregation=only_first,
                name="vgtui_rows",
            )
            self._counter = tf.Variable(
                tf.constant(0, tf.int64),
                trainable=False,
                aggregation=only_first,
                name="vgtui_steps",
            )
        self._index = {internals.variable_key(self.inner, v): i for i, v in enumerate(kernels)}
        self.names = kernel_names(self.model, kernels)
        self._sizes = np.array([int(np.prod(v.shape)) for v in kernels], dtype=np.float64)
        self._recorded = np.ones(len(kernels), dtype=bool)
        self._loss_recorded = False
        if self.histograms is not None:
            self.histograms.build(self.model, kernels, self._sizes, self.capacity)
        self.kernels = kernels

    @classmethod
    def counting_every(
        cls,
        model: keras.Model,
        optimizer: keras.optimizers.Optimizer,
        capacity: int,
        capture_loss: bool,
        histogram_every: int,
    ) -> OptimizerHook:
        """A hook that also counts the layers' histograms every ``histogram_every`` steps (0: none).

        Raises:
            ValueError: as the constructor.

        """
        recorder = None
        if histogram_every:
            recorder = HistogramRecorder(histogram_every, LayerProbes(model), optimizer)
        return cls(model, optimizer, capacity, capture_loss, histograms=recorder)

    def reset(self) -> None:
        """Start a new run on the same buffers: the step counter at 0, every row unwritten.

        For a train function traced with this hook and used again: it reads
        the counter and writes the buffers, which are zeroed here (histograms
        too), so no row of an earlier run passes for one of this run.
        """
        with self._lock:
            self._losses.clear()
        if not self.ready:
            return
        with self.model.distribute_strategy.scope():
            self._rows.assign(tf.zeros(self._rows.shape, self._rows.dtype))
            self._counter.assign(tf.constant(0, tf.int64))
        if self.histograms is not None:
            self.histograms.clear()

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
        loop = internals.update_loop(self.inner)
        internals.replace_update_loop(self.inner, self._recording_update(loop))
        vars(self.optimizer)[_HOOK_ATTRIBUTE] = self
        vars(self.inner)[_HOOK_ATTRIBUTE] = self
        if self.capture_loss:
            compute_loss = self.model.compute_loss
            internals.replace_method(self.model, "compute_loss", self._capturing_loss(compute_loss))
            vars(self.model)[_HOOK_ATTRIBUTE] = self
        if self.histograms is not None:
            self.histograms.probes.install()
        self._installed = True

    def remove(self) -> None:
        """Take the hook out again; functions traced meanwhile keep it until retraced."""
        if not self._installed:
            return
        internals.restore_method(self.optimizer, "apply")
        internals.restore_update_loop(self.inner)
        if self.capture_loss:
            internals.restore_method(self.model, "compute_loss")
        if self.histograms is not None:
            self.histograms.probes.remove()
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
        rows = self._rows.numpy()
        return BufferRead(
            steps=int(self._counter.numpy()),
            raw=rows[:, :-2].reshape(self.capacity, len(self.kernels), len(RAW_COLUMNS)),
            stamps=rows[:, -2],
            loss=rows[:, -1],
            sizes=self._sizes,
            recorded=self._recorded.copy(),
            loss_recorded=self._loss_recorded,
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

    def _recording_update(self, update_loop: Callable[..., object]) -> Callable[..., object]:
        """Wrap the innermost optimizer's update loop: record every kernel, then update."""

        def recording_update(
            distribution: tf.distribute.Strategy, grads_and_vars: object, learning_rate: object
        ) -> object:
            grads_and_vars = list(grads_and_vars)
            picked: dict[int, tuple[object, object]] = {}
            for gradient, variable in grads_and_vars:
                index = self._index.get(internals.variable_key(self.inner, variable))
                if index is not None and gradient is not None:
                    picked[index] = (gradient, variable)
            if picked:
                self._recorded = np.isin(np.arange(len(self.kernels)), list(picked))
                order = sorted(picked)
                loss = self._step_loss() if self.capture_loss else None
                self._loss_recorded = loss is not None
                distribution.extended.update(
                    self._rows,
                    functools.partial(self._record, order, loss is not None),
                    args=(
                        [picked[i][0] for i in order],
                        [picked[i][1] for i in order],
                        self._counter,
                        loss if loss is not None else 0.0,
                    ),
                    group=False,
                )
                if self.histograms is not None and self.histograms.ready:
                    self.histograms.record(distribution, picked, self._counter)
            return update_loop(distribution, grads_and_vars, learning_rate)

        return recording_update

    def _record(
        self,
        indices: list[int],
        has_loss: bool,
        rows: tf.Variable,
        grads: list[object],
        kernels: list[tf.Variable],
        counter: tf.Variable,
        loss: object,
    ) -> None:
        """On one device: write the step's row, every picked kernel's and gradient's sums.

        The arguments are that device's copies; the kernels are read here,
        before the updates that follow in the same step. Kernels of one
        shape are stacked with their gradients and reduced together.
        """
        width = len(RAW_COLUMNS)
        groups: dict[tuple[int, ...], list[int]] = {}
        for position, kernel in enumerate(kernels):
            groups.setdefault(tuple(kernel.shape), []).append(position)
        pieces = []
        where: dict[int, list[int]] = {}  # kernel index -> its RAW_COLUMNS in the pieces
        offset = 0
        for positions in groups.values():
            tensors = [_dense(grads[p]) for p in positions]
            tensors += [tf.convert_to_tensor(kernels[p]) for p in positions]
            if len({t.dtype for t in tensors}) > 1:
                tensors = [tf.cast(t, tf.float32) for t in tensors]
            count = len(positions)
            stacked = tf.reshape(tf.cast(tf.stack(tensors), tf.float32), [2 * count, -1])
            shift = stacked[:, :1]
            deviation = stacked - shift
            sums = tf.concat(
                [
                    shift,
                    tf.reduce_sum(deviation, 1, keepdims=True),
                    tf.reduce_sum(tf.square(deviation), 1, keepdims=True),
                ],
                1,
            )  # (2 count, 3): the gradients' rows, then the kernels'
            pieces.append(tf.reshape(sums, [-1]))
            for j, p in enumerate(positions):
                grad_at = offset + 3 * j
                kernel_at = offset + 3 * (count + j)
                where[indices[p]] = [*range(grad_at, grad_at + 3), *range(kernel_at, kernel_at + 3)]
            offset += 6 * count
        step = tf.convert_to_tensor(counter)
        stamp = tf.cast(step % STAMP_MODULUS + 1, tf.float32)
        tail = [
            tf.constant([np.nan], tf.float32),
            stamp[None],
            tf.reshape(tf.cast(loss, tf.float32), [1]) if has_loss else [np.nan],
        ]
        nan_at, stamp_at, loss_at = offset, offset + 1, offset + 2
        order = []
        for index in range(len(self.kernels)):
            order += where.get(index, [nan_at] * width)
        order += [stamp_at, loss_at]
        row = tf.gather(tf.concat([*pieces, *tail], 0), order)
        rows.scatter_update(
            tf.IndexedSlices(row[None], tf.cast(step % self.capacity, tf.int32)[None])
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


def _dense(gradient: object) -> tf.Tensor:
    """A gradient as a dense tensor (an embedding's IndexedSlices summed into place)."""
    if isinstance(gradient, tf.IndexedSlices):
        return tf.math.unsorted_segment_sum(
            gradient.values, gradient.indices, gradient.dense_shape[0]
        )
    return tf.convert_to_tensor(gradient)


def _current_graph() -> tf.Graph | None:
    """The graph being traced, None when executing eagerly."""
    return None if tf.executing_eagerly() else tf.compat.v1.get_default_graph()


def _graph_of(tensor: object) -> tf.Graph | None:
    """The graph a tensor belongs to, None for an eager tensor."""
    return None if isinstance(tensor, tf.__internal__.EagerTensor) else tensor.graph
