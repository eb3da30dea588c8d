"""The compiled GradientTape training loop; it emits records and can be cancelled.

One compiled call trains a chunk of an epoch (the whole epoch unless it is
long) as a ``tf.while_loop`` over batches drawn from an on-device shuffle,
stacks every step's statistics on the device, and, at the end of an epoch,
evaluates loss and accuracy on the whole data set and the network's predicted
probability over a grid on the input plane (the decision boundary). Python
then fetches the stacked results once per call and hands them on.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from vgtui.config import RunConfig
from vgtui.data.datasets import grid_points, make_dataset, plane_extent
from vgtui.data.tasks import input_dim, n_classes, on_the_plane
from vgtui.distributions.bins import QUANTITIES, specs_for
from vgtui.engine.device import Placement, choose_device
from vgtui.engine.histograms import packed_sizes, step_histograms, unpack
from vgtui.engine.model import FlatMLP
from vgtui.engine.stats import FINITE, HEALTH_COLUMNS, first_bad_layer, health, layer_stats
from vgtui.engine.xla_tier import MIN_STEPS, XlaTwin, eligible
from vgtui.history import LatestEpoch
from vgtui.records import (
    Boundary,
    Emit,
    EpochEnd,
    HistogramBlock,
    RunStart,
    RunSummary,
    StepBlock,
)
from vgtui.session.summary import summarize

#: The most steps one compiled call takes; bounds how long a stop waits.
MAX_CHUNK_STEPS = 256
#: The most gradient and parameter entries one call stacks before its statistics.
CHUNK_ENTRIES = 4_000_000
#: Points on each side of the grid the decision boundary is evaluated on.
BOUNDARY_GRID = 48
#: The fewest training steps between two evaluations of the decision boundary: an
#: epoch this long or longer has its own; shorter epochs share one (the run's last
#: epoch always has one). Measured (tests/bench/bench.py): a boundary every epoch
#: costs about 10% on epochs of one step, and is lost in the noise from four.
BOUNDARY_MIN_STEPS = 4
#: Multiply-adds an example past which a network's arithmetic, not the cost of each
#: operation, sets the price of the grid (the tutorial's network does 90; 4 × 64, 12,480).
BOUNDARY_SMALL_MACS = 4096
#: For such a network, the grid's rows are at most this share of the rows an epoch
#: computes (its examples four times: forward and backward, and the evaluation).
BOUNDARY_ROW_SHARE = 0.25

#: What a step calls before its update (see CompiledNetwork._train_step).
StepHook = Callable[[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor], tuple[tf.Tensor, ...]]


def multiply_adds(config: RunConfig) -> int:
    """Multiply-adds of one example's forward pass through the network of ``config``."""
    width = config.width
    return 2 * width + (config.depth - 1) * width * width + width


def boundary_every(config: RunConfig) -> int:
    """Every how many epochs the decision boundary is evaluated: 1 unless that costs too much.

    Epochs shorter than BOUNDARY_MIN_STEPS share one; so do the epochs of a
    network past BOUNDARY_SMALL_MACS whose grid would exceed
    BOUNDARY_ROW_SHARE of an epoch's rows. Measured in tests/bench/bench.py:
    each keeps the boundary's cost within 10% of training without it.
    """
    by_steps = -(-BOUNDARY_MIN_STEPS // config.steps_per_epoch)
    by_rows = 1
    if multiply_adds(config) > BOUNDARY_SMALL_MACS:
        by_rows = math.ceil(BOUNDARY_GRID**2 / (BOUNDARY_ROW_SHARE * 4 * config.samples))
    return max(1, by_steps, by_rows)


def make_optimizer(config: RunConfig) -> keras.optimizers.Optimizer:
    """Return the Keras optimizer the config names, with its learning rate."""
    classes = {
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
        "adam": keras.optimizers.Adam,
    }
    return classes[config.optimizer](learning_rate=config.lr)


def shape_key(
    config: RunConfig,
    diagnostics: bool,
    device: str | None = None,
    boundary: bool = True,
    histograms: int = 0,
) -> tuple[object, ...]:
    """What fixes a compiled network's graph: runs that share it share the compilation.

    ``device`` is the TensorFlow device the network is placed on (by default,
    the one :func:`~vgtui.engine.device.choose_device` picks for ``config``);
    ``boundary``: whether its epochs evaluate the decision boundary (only data
    on the plane have one); ``histograms``: every how many steps it counts them (0: never).
    """
    return (
        device or choose_device(config).device,
        config.depth,
        config.width,
        config.activation,
        config.optimizer,
        config.samples,
        config.batch_size,
        diagnostics,
        boundary and on_the_plane(config.dataset),
        input_dim(config.dataset),
        n_classes(config.dataset),
        histograms,
    )


class CompiledNetwork:
    """The network, its optimizer, its data and its compiled training call.

    Everything a run may change without changing the graph (weights, data,
    the boundary's grid, seed, learning rate) lives in variables, so a new run of the same shape
    (see :func:`shape_key`) reuses the compiled call: TensorFlow keeps every
    traced function for the life of the process, so compiling anew on every
    restart would grow memory without bound.
    """

    def __init__(
        self,
        config: RunConfig,
        diagnostics: bool = True,
        placement: Placement | None = None,
        boundary: bool = True,
        histograms: int = 0,
    ) -> None:
        """Build the network for ``config``'s shape on its device; compile on first use.

        ``boundary``: evaluate the decision boundary at the end of every epoch
        (data on the plane only: other data have none). ``histograms``: count
        the per-layer histograms of every ``histograms``-th step (0: none).
        """
        self.config = config
        self.diagnostics = diagnostics
        self.boundary = boundary and on_the_plane(config.dataset)
        self.histograms = histograms
        self.specs = specs_for(config.activation)
        self.extent = (-1.0, 1.0, -1.0, 1.0)
        self.placement = placement or choose_device(config)
        with tf.device(self.placement.device):
            self.model = FlatMLP(config)
            self.optimizer = make_optimizer(config)
            self.optimizer.build([self.model.params])
            dim = input_dim(config.dataset)
            self.x = tf.Variable(tf.zeros([config.samples, dim]), trainable=False)
            self.y = tf.Variable(tf.zeros([config.samples, 1]), trainable=False)
            self.seed = tf.Variable(0, dtype=tf.int32, trainable=False)
            if self.boundary:
                self.grid = tf.Variable(tf.zeros([2, BOUNDARY_GRID**2]), trainable=False)
        self._chunk_fn = tf.function(self._train_chunk)
        #: Its XLA twin (see :mod:`vgtui.engine.xla_tier`), once a run has asked for one.
        self.xla: XlaTwin | None = None
        self.load(config)

    def load(self, config: RunConfig) -> None:
        """Start afresh for ``config`` (of this shape): its data, grid, weights, seed and lr."""
        self.config = config
        x, y = make_dataset(config)
        self.x.assign(x)
        self.y.assign(y[:, None])
        if self.boundary:
            self.extent = plane_extent(x)
            self.grid.assign(grid_points(self.extent, BOUNDARY_GRID).T)
        self.seed.assign(config.seed)
        self.model.reset(config)
        for variable in self.optimizer.variables:
            variable.assign(tf.zeros_like(variable))
        self.optimizer.learning_rate.assign(config.lr)

    @property
    def chunk_steps(self) -> int:
        """Steps one compiled call takes at most."""
        per_step = 2 * sum(self.model.sizes)
        return max(1, min(MAX_CHUNK_STEPS, CHUNK_ENTRIES // per_step))

    def batch_indices(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` (1-based) visits the examples."""
        return self._permutation(tf.constant(epoch)).numpy()

    def _permutation(self, epoch: tf.Tensor) -> tf.Tensor:
        """A shuffle of the examples that depends only on the seed and the epoch.

        The generator is named (Philox, what TensorFlow picks on the CPU) so
        that the shuffles stay the same on any device and TensorFlow version.
        """
        seed = tf.stack([tf.convert_to_tensor(self.seed), tf.cast(epoch, tf.int32)])
        keys = tf.random.stateless_uniform([self.config.samples], seed=seed, alg="philox")
        return tf.argsort(keys)

    def _loss_and_accuracy(self, logits: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Cross-entropy from the logits, and accuracy, of labels ``y`` (batch, 1).

        Binary cross-entropy of one logit (as Keras does after a sigmoid) for two
        classes; for more, categorical cross-entropy of a softmax over one logit a
        class, the labels being class numbers.
        """
        if logits.shape[-1] != 1:
            labels = tf.cast(y[:, 0], tf.int32)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
            hits = tf.argmax(logits, axis=1, output_type=tf.int32) == labels
            return loss, tf.reduce_mean(tf.cast(hits, tf.float32))
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        hits = tf.cast(logits > 0.0, tf.float32) == y
        return loss, tf.reduce_mean(tf.cast(hits, tf.float32))

    def _evaluate(self) -> tuple[tf.Tensor, ...]:
        """Loss and accuracy on the whole data set (the boundary NaN, if it is kept)."""
        logits = self.model.logits(self.x)
        loss, accuracy = self._loss_and_accuracy(logits, self.y)
        if not self.boundary:
            return loss, accuracy
        return loss, accuracy, tf.fill([BOUNDARY_GRID**2], math.nan)

    def _evaluate_with_boundary(self) -> tuple[tf.Tensor, ...]:
        """Loss and accuracy on the whole data set, and the probabilities over the grid."""
        loss, accuracy, _ = self._evaluate()
        # The grid laid out as columns: about a third of the time of rows (see column_logits).
        return loss, accuracy, tf.sigmoid(self.model.column_logits(self.grid))[0]

    def _not_evaluated(self) -> tuple[tf.Tensor, ...]:
        """What :meth:`_evaluate` returns for an epoch not evaluated: NaN throughout."""
        nan = tf.constant(math.nan)
        if not self.boundary:
            return nan, nan
        return nan, nan, tf.fill([BOUNDARY_GRID**2], math.nan)

    def _epoch_end(
        self, due: tf.Tensor, epoch: tf.Tensor, every: tf.Tensor, last_epoch: tf.Tensor
    ) -> tuple[tf.Tensor, ...]:
        """What epoch ``epoch`` ends with, evaluated inside the compiled call.

        Loss and accuracy on all the data if ``due`` (else NaN), and, if the
        boundary is kept, the probabilities over its grid when the epoch's
        number is a multiple of ``every`` or is ``last_epoch`` (else NaN).
        """
        branches = [self._not_evaluated, self._evaluate]
        branch = tf.where(due, 1, 0)
        if self.boundary:
            grid_due = due & ((epoch % every == 0) | (epoch == last_epoch))
            branches.append(self._evaluate_with_boundary)
            branch = tf.where(grid_due, 2, branch)
        return tf.switch_case(branch, branches)

    def _record_arrays(
        self, steps: tf.Tensor | int, epochs: tf.Tensor | int
    ) -> tuple[tuple[tf.TensorArray, ...], tuple[tf.TensorArray, ...]]:
        """Empty arrays for a compiled call's records, of any tier.

        ``steps`` steps' loss, accuracy, gradient, parameters and health rows;
        ``epochs`` epochs' loss and accuracy (and, if kept, boundary).
        """
        n_params = sum(self.model.sizes)
        shapes = [[], [], [n_params], [n_params], [self.model.n_layers, HEALTH_COLUMNS]]
        step_arrays = tuple(
            tf.TensorArray(tf.float32, size=steps, element_shape=sh) for sh in shapes
        )
        epoch_shapes = [[], []] + ([[BOUNDARY_GRID**2]] if self.boundary else [])
        epoch_arrays = tuple(
            tf.TensorArray(tf.float32, size=epochs, element_shape=sh) for sh in epoch_shapes
        )
        return step_arrays, epoch_arrays

    def _train_step(
        self, xb: tf.Tensor, yb: tf.Tensor, before_update: StepHook | None = None
    ) -> tuple[tf.Tensor, ...]:
        """One step: gradient and update; returns what the step records.

        Returns the loss, the accuracy, the flat gradient, the flat parameters
        after the update, the (layers, HEALTH_COLUMNS) health rows and the divergence code.
        With ``before_update``, it is called with the flat gradient, the flat
        parameters the forward pass used, the hidden layers' outputs (depth,
        batch, width) and the loss's gradient with respect to them, and the
        update waits for what it returns, which is returned last.
        """
        model = self.model
        if before_update is None:
            with tf.GradientTape() as tape:
                logits, pres, outs = model.forward(xb)
                loss, accuracy = self._loss_and_accuracy(logits, yb)
            grad = tape.gradient(loss, model.params.value)
            self.optimizer.apply_gradients([(grad, model.params)])
            hooked = ()
        else:
            with tf.GradientTape() as tape:
                logits, pre_list, out_list, used = model.forward_layers(xb)
                loss, accuracy = self._loss_and_accuracy(logits, yb)
            pres, outs = tf.stack(pre_list), tf.stack(out_list)
            grad, backprops = tape.gradient(loss, [model.params.value, out_list])
            hooked = before_update(grad, used, outs, tf.stack(backprops))
            waits = [t.flow if isinstance(t, tf.TensorArray) else t for t in hooked]
            with tf.control_dependencies(waits):
                self.optimizer.apply_gradients([(grad, model.params)])
        n_layers = model.n_layers
        if self.diagnostics:
            health_rows = health(self.config.activation, pres, outs, n_layers, model.activation)
        else:
            health_rows = tf.fill([n_layers, HEALTH_COLUMNS], math.nan)
        finite = tf.math.is_finite(loss) & tf.reduce_all(tf.math.is_finite(grad))
        code = tf.cond(
            finite,
            lambda: tf.constant(FINITE),
            lambda: first_bad_layer(loss, grad, outs, model.segment_ids, n_layers),
        )
        stepped = (loss, accuracy, grad, tf.convert_to_tensor(model.params), health_rows, code)
        return (*stepped, *hooked) if before_update is not None else stepped

    def _histogram_hook(
        self, step: tf.Tensor, written: tf.Tensor, arrays: tuple[tf.TensorArray, ...]
    ) -> StepHook:
        """What a step whose histograms are counted calls before its update.

        ``step`` is the step's 0-based number in the run; ``written`` the steps
        counted so far in the call, ``arrays`` where they go (the step's
        1-based number and its packed counts, then its packed moments). The
        hook returns ``written`` + 1 and the arrays written.
        """
        model = self.model

        def hook(grad, used, outs, backprops):
            counts, moments = step_histograms(
                self.specs, grad, used, outs, backprops, model.segment_ids, model.n_layers
            )
            numbered = tf.concat([tf.reshape(step + 1, [1]), counts], 0)
            count_array, moment_array = arrays
            return (
                written + 1,
                count_array.write(written, numbered),
                moment_array.write(written, moments),
            )

        return hook

    def _train_chunk(
        self,
        first_epoch: tf.Tensor,
        n_epochs: tf.Tensor,
        start: tf.Tensor,
        stop: tf.Tensor,
        evaluate: tf.Tensor,
        every: tf.Tensor,
        last_epoch: tf.Tensor,
    ) -> tuple[tf.Tensor, ...]:
        """Train steps [start, stop) of each of ``n_epochs`` epochs from ``first_epoch``.

        Whole epochs are [0, steps_per_epoch); a long epoch is trained in
        several calls of one epoch each. After each epoch's steps, loss and
        accuracy on all the data are evaluated if ``evaluate``, and then, if the
        boundary is kept, the probabilities over its grid too, for each epoch
        whose number is a multiple of ``every`` or is ``last_epoch``.
        Everything ends early at the first step that is not finite.

        Returns:
            The stacked losses, accuracies and statistics of the steps taken,
            the divergence code of the last step, each epoch's whole-data
            loss and accuracy (NaN where not evaluated), and, if the boundary
            is kept, each epoch's probabilities over the grid, (epochs, grid points).
            Then, if histograms are counted, each counted step's 1-based number
            followed by its packed counts, and its packed moments (see
            :func:`vgtui.engine.histograms.step_histograms`), stacked over those steps.
        """
        n = self.config.samples
        batch = self.config.batch_size
        spe = self.config.steps_per_epoch
        model = self.model
        count = stop - start
        n_step = 5  # loss, accuracy, gradient, parameters, health rows

        def epoch_body(j, written, code, step_arrays, epoch_arrays, *hist):
            perm = self._permutation(first_epoch + j)
            before = (first_epoch + j - 1) * spe  # the run's steps before this epoch

            def step_body(i, written, code, *arrays):
                s = start + i
                idx = perm[s * batch : tf.minimum((s + 1) * batch, n)]
                *values, code = self._train_step(tf.gather(self.x, idx), tf.gather(self.y, idx))
                step_arrays, passed = arrays[:n_step], arrays[n_step:]  # histograms: untouched
                step_arrays = tuple(a.write(written, v) for a, v in zip(step_arrays, values))
                return (i + 1, written + 1, code, *step_arrays, *passed)

            def step_cond(i, written, code, *_):
                return (i < count) & (code == FINITE)

            if not self.histograms:
                _, written, code, *step_arrays = tf.while_loop(
                    step_cond, step_body, [tf.constant(0), written, code, *step_arrays]
                )
            else:
                written, code, step_arrays, hist = self._steps_with_histograms(
                    step_body, before + start, count, written, code, step_arrays, hist, perm
                )
            due = evaluate & (code == FINITE)
            full = self._epoch_end(due, first_epoch + j, every, last_epoch)
            epoch_arrays = tuple(a.write(j, v) for a, v in zip(epoch_arrays, full))
            return j + 1, written, code, tuple(step_arrays), epoch_arrays, *hist

        def epoch_cond(j, written, code, *_):
            return (j < n_epochs) & (code == FINITE)

        size = count * n_epochs
        step_arrays, epoch_arrays = self._record_arrays(size, n_epochs)
        hist = (tf.constant(0), *self._histogram_arrays(size)) if self.histograms else ()
        epochs_done, written, code, step_arrays, epoch_arrays, *hist = tf.while_loop(
            epoch_cond,
            epoch_body,
            [
                tf.constant(0),
                tf.constant(0),
                tf.constant(FINITE),
                step_arrays,
                epoch_arrays,
                *hist,
            ],
        )
        losses, accs, grads, params, health_rows = (a.stack()[:written] for a in step_arrays)
        stats = layer_stats(
            grads, params, model.segment_ids, model.kernel_sizes, health_rows, model.segment_sizes
        )
        evaluated = tuple(a.stack()[:epochs_done] for a in epoch_arrays)
        if not self.histograms:
            return losses, accs, stats, code, *evaluated
        counted, *hist_arrays = hist
        histograms = tuple(a.stack()[:counted] for a in hist_arrays)
        return losses, accs, stats, code, *evaluated, *histograms

    def _steps_with_histograms(
        self,
        step_body: Callable[..., tuple[object, ...]],
        first: tf.Tensor,
        count: tf.Tensor,
        written: tf.Tensor,
        code: tf.Tensor,
        step_arrays: tuple[tf.TensorArray, ...],
        hist: tuple[object, ...],
        perm: tf.Tensor,
    ) -> tuple[tf.Tensor, tf.Tensor, tuple[tf.TensorArray, ...], tuple[object, ...]]:
        """Train ``count`` steps from the run's 0-based step ``first``, counting every k-th.

        The plain steps (``step_body``) up to the first step counted, then stretches
        of a counted step and the plain steps up to the next: so a step that is
        not counted costs what it costs without histograms.
        """
        k = self.histograms
        n_step = len(step_arrays)
        n, batch = self.config.samples, self.config.batch_size

        def counted_step(i, written, code, *arrays):
            s = first + i  # the step's number in the run, 0-based
            in_epoch = i + (first % self.config.steps_per_epoch)
            idx = perm[in_epoch * batch : tf.minimum((in_epoch + 1) * batch, n)]
            step_arrays, (counted, *hist_arrays) = arrays[:n_step], arrays[n_step:]
            hook = self._histogram_hook(s, counted, tuple(hist_arrays))
            out = self._train_step(tf.gather(self.x, idx), tf.gather(self.y, idx), hook)
            values, code, counted, hist_arrays = (
                out[:n_step],
                out[n_step],
                out[n_step + 1],
                out[n_step + 2 :],
            )
            step_arrays = tuple(a.write(written, v) for a, v in zip(step_arrays, values))
            return (i + 1, written + 1, code, *step_arrays, counted, *hist_arrays)

        def plain_steps(end, i, written, code, step_arrays):
            # The histograms' arrays stay out of this loop: its every variable costs every step.

            def plain_cond(i, written, code, *_):
                return (i < end) & (code == FINITE)

            i, written, code, *step_arrays = tf.while_loop(
                plain_cond, step_body, [i, written, code, *step_arrays]
            )
            return i, written, code, step_arrays

        def stretch_cond(i, written, code, *_):
            return (i < count) & (code == FINITE)

        def stretch_body(i, written, code, *arrays):
            end = tf.minimum(count, i + k)  # i is a step to count
            i, written, code, *arrays = counted_step(i, written, code, *arrays)
            i, written, code, step_arrays = plain_steps(end, i, written, code, arrays[:n_step])
            return (i, written, code, *step_arrays, *arrays[n_step:])

        first_counted = tf.minimum(count, (k - first % k) % k)
        i, written, code, step_arrays = plain_steps(
            first_counted, tf.constant(0), written, code, step_arrays
        )
        _, written, code, *arrays = tf.while_loop(
            stretch_cond, stretch_body, [i, written, code, *step_arrays, *hist]
        )
        return written, code, tuple(arrays[:n_step]), tuple(arrays[n_step:])

    def _histogram_arrays(self, size: tf.Tensor) -> tuple[tf.TensorArray, ...]:
        """Empty arrays, ``size`` long, for the counted steps' numbers and counts, and moments."""
        n_counts, n_moments = packed_sizes(self.specs, self.model.n_layers)
        return (
            tf.TensorArray(tf.int32, size=size, element_shape=[1 + n_counts]),
            tf.TensorArray(tf.float64, size=size, element_shape=[n_moments]),
        )

    def call_chunk(
        self,
        first_epoch: int,
        n_epochs: int,
        start: int,
        stop: int,
        evaluate: bool,
        every: int = 1,
        last_epoch: int = 0,
    ) -> tuple[np.ndarray, ...]:
        """Run one compiled call (see :meth:`_train_chunk`); fetch its results as numpy.

        By default the boundary (if kept) is evaluated at every epoch evaluated.
        """
        with tf.device(self.placement.device):
            out = self._chunk_fn(
                tf.constant(first_epoch, tf.int32),
                tf.constant(n_epochs, tf.int32),
                tf.constant(start, tf.int32),
                tf.constant(stop, tf.int32),
                tf.constant(evaluate),
                tf.constant(every, tf.int32),
                tf.constant(last_epoch, tf.int32),
            )
        return tuple(t.numpy() for t in out)

    def evaluate(self) -> tuple[float, float]:
        """Loss and accuracy of the network on all the data, as it is now."""
        losses, accs = self.call_chunk(0, 1, 0, 0, True)[4:6]
        return float(losses[0]), float(accs[0])

    def histogram_block(self, out: tuple[np.ndarray, ...]) -> HistogramBlock | None:
        """The histograms of a call's results (see :meth:`call_chunk`); None if it counted none."""
        if not self.histograms:
            return None
        numbered, packed_moments = out[-2:]
        if len(numbered) == 0:
            return None
        steps = numbered[:, 0]
        counts, moments = unpack(
            numbered[:, 1:].astype(np.int64), packed_moments, self.specs, self.model.n_layers
        )
        n = counts["activation"].sum(axis=2)  # (steps, hidden layers): batch × width
        mean = moments["activation"][..., 2] / n
        variance = np.maximum(moments["activation"][..., 3] / n - mean**2, 0.0)
        return HistogramBlock(
            steps=steps.astype(np.int64),
            every=self.histograms,
            specs=self.specs,
            counts=counts,
            moments=moments,
            activation_mean=mean,
            activation_sd=np.sqrt(variance),
        )


_POOL: dict[tuple[object, ...], list[CompiledNetwork]] = {}
_POOL_LOCK = threading.Lock()
_TWIN_LOCK = threading.Lock()


def xla_twin_for(network: CompiledNetwork, steps: int) -> XlaTwin | None:
    """Give ``network`` an XLA twin, not yet built, if runs of its shape will train ``steps``.

    Only a network that may have one (:func:`~vgtui.engine.xla_tier.eligible`)
    and has none, for MIN_STEPS steps or more. Returns the new twin (for the
    caller to build or have built in the background), else None.
    """
    if steps < MIN_STEPS or not eligible(network):
        return None
    with _TWIN_LOCK:
        if network.xla is not None:
            return None
        config, diagnostics = network.config, network.diagnostics
        placement, boundary = network.placement, network.boundary
        network.xla = XlaTwin(
            network, lambda: CompiledNetwork(config, diagnostics, placement, boundary)
        )
        return network.xla


def pooled(key: tuple[object, ...]) -> bool:
    """Whether a compiled network of shape ``key`` (see :func:`shape_key`) waits in the pool."""
    with _POOL_LOCK:
        return bool(_POOL.get(key))


def _acquire(
    config: RunConfig, diagnostics: bool, boundary: bool = True, histograms: int = 0
) -> CompiledNetwork:
    """Lend a compiled network of ``config``'s shape and device, loaded for ``config``.

    Raises:
        ConfigError: ``config`` asks for a GPU and TensorFlow sees none.

    """
    placement = choose_device(config)
    with _POOL_LOCK:
        free = _POOL.get(shape_key(config, diagnostics, placement.device, boundary, histograms))
        network = free.pop() if free else None
    if network is None:
        return CompiledNetwork(config, diagnostics, placement, boundary, histograms)
    network.placement = placement  # same device; the words may differ (auto or asked)
    network.load(config)
    return network


def _release(network: CompiledNetwork) -> None:
    """Take a lent network back for the next run of its shape."""
    with _POOL_LOCK:
        key = shape_key(
            network.config,
            network.diagnostics,
            network.placement.device,
            network.boundary,
            network.histograms,
        )
        _POOL.setdefault(key, []).append(network)


class Trainer:
    """Trains the network one RunConfig describes and records every step.

    A Trainer borrows a compiled network of its config's shape (compiling
    one if none is free) and gives it back when its run ends or it is closed
    (explicitly, or by leaving its ``with`` block; never in a finalizer).
    """

    def __init__(
        self,
        config: RunConfig,
        diagnostics: bool = True,
        boundary: bool = True,
        histograms: bool | int = False,
        steps_after: int = 0,
    ) -> None:
        """Prepare a run of ``config``: data, initial weights, optimizer.

        Args:
            config: the run to train.
            diagnostics: also measure saturated and dead units and the mean
                activation derivative at every step.
            boundary: evaluate the decision boundary at the end of every epoch
                (for data on the plane; other data have none).
            histograms: count per-layer histograms and emit them as
                HistogramBlocks: True for every :func:`histogram_every` steps,
                a number for every that many steps, False for none.
            steps_after: the steps that runs of this shape will train after
                this one (a sweep's); with the run's own, they decide whether
                an XLA twin is worth compiling (see :mod:`vgtui.engine.xla_tier`).

        """
        self.config = config
        self.diagnostics = diagnostics
        self.steps_after = steps_after
        #: The first epoch the run trained on its network's XLA twin (None: none).
        self.xla_from_epoch: int | None = None
        every = histogram_every(config) if histograms is True else int(histograms)
        self.network: CompiledNetwork | None = None  # so that __del__ works if the next fails
        self.network = _acquire(config, diagnostics, boundary, every)

    @property
    def model(self) -> FlatMLP:
        """The network's parameters and structure."""
        return self._network.model

    @property
    def x(self) -> tf.Variable:
        """The inputs of the data set, (samples, inputs)."""
        return self._network.x

    @property
    def y(self) -> tf.Variable:
        """The labels of the data set, (samples, 1)."""
        return self._network.y

    @property
    def _network(self) -> CompiledNetwork:
        if self.network is None:
            raise RuntimeError("this Trainer's run has ended; make a new Trainer")
        return self.network

    def batch_indices(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` (1-based) visits the examples."""
        return self._network.batch_indices(epoch)

    def close(self) -> None:
        """Give the compiled network back; the Trainer cannot run after this."""
        network, self.network = self.network, None
        if network is not None:
            _release(network)

    def __enter__(self) -> Trainer:
        """Return the trainer; leaving the block gives the compiled network back."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Give the compiled network back."""
        self.close()

    def run(
        self, emit: Emit, stop: threading.Event, pause: threading.Event | None = None
    ) -> RunSummary:
        """Train for the configured epochs, emitting records as they are made.

        Emits one RunStart; for every epoch its steps as StepBlocks, then its
        EpochEnd; then the RunSummary it also returns. Short epochs are
        trained several to a compiled call, and each is emitted as one
        StepBlock and its EpochEnd when the call returns; an epoch split over
        calls (a network so large that one call takes only part of an epoch,
        see :attr:`CompiledNetwork.chunk_steps`) has a StepBlock as each call
        returns, so a step that takes seconds shows at once. ``stop`` is
        checked between compiled calls; an epoch cut short by a stop gets no
        EpochEnd. While ``pause`` is set the loop waits.
        """
        network = self._network
        try:
            return self._run(network, emit, stop, pause)
        finally:
            if self.xla_from_epoch is not None and network.xla is not None:
                network.xla.give_state(network)  # the network holds the run's state again
            self.close()

    def _run(
        self,
        network: CompiledNetwork,
        emit: Emit,
        stop: threading.Event,
        pause: threading.Event | None,
    ) -> RunSummary:
        """Run the epochs on ``network``; see :meth:`run`."""
        cfg = self.config
        loss_before, acc_before = network.evaluate()
        self._ask_for_xla(network)
        label = network.placement.label
        info: dict[str, object] = {}
        if network.xla is not None:  # the header says so: "CPU · XLA"
            info["compiled"] = "XLA" if network.xla.ready.is_set() else "graph, then XLA"
        if network.histograms:
            info["histogram_every"] = network.histograms
            info["histogram_bins"] = {q: network.specs[q].to_json() for q in QUANTITIES}
        start = RunStart(
            cfg, label, cfg.layer_names, acc_before, loss_before, started=time.time(), info=info
        )
        emit(start)
        last: LatestEpoch | None = None
        steps = 0
        epoch = 1
        while epoch <= cfg.epochs:
            epochs = self._train_epochs(network, epoch, steps, stop, pause, emit)
            if isinstance(epochs, int):  # stopped, after this many steps of a split epoch
                summary = summarize(start, last, steps + epochs, stopped=True)
                break
            steps = epochs[-1].last_step
            epoch = epochs[-1].epoch + 1
            if epochs[-1].diverged_layer is not None:
                summary = summarize(
                    start, epochs[-2] if len(epochs) > 1 else last, steps, diverged=epochs[-1]
                )
                break
            last = epochs[-1]
        else:
            summary = summarize(start, last, steps)
        summary = dataclasses.replace(summary, xla_from_epoch=self.xla_from_epoch)
        emit(summary)
        return summary

    def _ask_for_xla(self, network: CompiledNetwork) -> None:
        """Have ``network``'s XLA twin compiled in the background if the run is worth one.

        It is if this run and those of its shape after it train MIN_STEPS steps
        or more (see :func:`xla_twin_for`).
        """
        steps = self.config.epochs * self.config.steps_per_epoch + self.steps_after
        twin = xla_twin_for(network, steps)
        if twin is not None:
            twin.compile_in_background()

    def _call_whole_epochs(
        self, network: CompiledNetwork, epoch: int, n_epochs: int, every: int
    ) -> tuple[np.ndarray, ...]:
        """Train whole epochs in one call: on the XLA twin if it is ready, else on the graph.

        The first call on the twin gives it the run's state (see
        :func:`~vgtui.engine.xla_tier.copy_state`): the run goes on where it was.
        """
        twin = network.xla
        if twin is not None and twin.ready.is_set():
            if self.xla_from_epoch is None:
                twin.take_state(network)
                self.xla_from_epoch = epoch
            return twin.call_chunk(epoch, n_epochs, every, self.config.epochs)
        spe = self.config.steps_per_epoch
        return network.call_chunk(epoch, n_epochs, 0, spe, True, every, self.config.epochs)

    def _train_epochs(
        self,
        network: CompiledNetwork,
        epoch: int,
        steps_before: int,
        stop: threading.Event,
        pause: threading.Event | None,
        emit: Emit,
    ) -> list[LatestEpoch] | int:
        """Train the next epochs in one compiled call, or one long epoch in several.

        Short epochs are trained several to a call (as many as fit in
        ``chunk_steps``), each handed to ``emit`` as a StepBlock and its
        EpochEnd when the call returns; an epoch longer than that is split
        over calls, each call's steps handed on as a StepBlock when it
        returns, and its EpochEnd after the last. A call's HistogramBlock, if
        it counted one, follows the records of its steps.

        Returns:
            The epochs ended, as a summary sees them (the last is the one
            that diverged, if one did); if a stop came first, the number of
            steps of the cut epoch already handed on (0 if none).
        """
        spe = self.config.steps_per_epoch
        chunk = network.chunk_steps
        if spe <= chunk:
            n_epochs = min(chunk // spe, self.config.epochs - epoch + 1)
            spans = [(n_epochs, 0, spe)]
        else:
            spans = [(1, begin, min(begin + chunk, spe)) for begin in range(0, spe, chunk)]
        parts = []
        for n_epochs, begin, end in spans:
            while pause is not None and pause.is_set() and not stop.is_set():
                stop.wait(0.05)
            if stop.is_set():
                return sum(len(p[0]) for p in parts) if len(spans) > 1 else 0
            every = boundary_every(self.config)
            if len(spans) == 1:
                parts.append(self._call_whole_epochs(network, epoch, n_epochs, every))
            else:
                parts.append(
                    network.call_chunk(
                        epoch, n_epochs, begin, end, end == spe, every, self.config.epochs
                    )
                )
            block = network.histogram_block(parts[-1])
            if len(spans) > 1:
                losses, accs, stats = (a.astype(np.float64) for a in parts[-1][:3])
                emit(StepBlock(epoch, steps_before + begin + 1, losses, accs, stats))
                if block is not None:
                    emit(block)
            if parts[-1][3] != FINITE:
                break
        losses, accs, stats = (np.concatenate([p[k] for p in parts]) for k in range(3))
        full_losses, full_accs = parts[-1][4], parts[-1][5]
        grids = parts[-1][6] if network.boundary else None
        code = int(parts[-1][3])
        ended = []
        for j in range(len(full_losses)):
            part = slice(j * spe, min((j + 1) * spe, len(losses)))
            first = steps_before + j * spe + 1
            last = first + len(losses[part]) - 1
            bad = code != FINITE and j == len(full_losses) - 1
            step_stats = stats[part].astype(np.float64)
            if len(spans) == 1:  # a split epoch's steps went out call by call
                emit(
                    StepBlock(
                        epoch + j,
                        first,
                        losses[part].astype(np.float64),
                        accs[part].astype(np.float64),
                        step_stats,
                    )
                )
            end = EpochEnd(
                epoch=epoch + j,
                loss=float(full_losses[j]),
                accuracy=float(full_accs[j]),
                diverged_layer=code if bad else None,
                diverged_step=last if bad else None,
                boundary=_boundary(grids, j, network.extent, epoch + j),
            )
            emit(end)
            ended.append(
                LatestEpoch(
                    epoch=end.epoch,
                    first_step=first,
                    last_step=last,
                    loss=end.loss,
                    accuracy=end.accuracy,
                    means=step_stats.mean(axis=0),
                    diverged_layer=end.diverged_layer,
                    diverged_step=end.diverged_step,
                )
            )
        if len(spans) == 1 and block is not None:  # after the records of the steps it counts
            emit(block)
        return ended


#: Every how many steps histograms are counted, by default: see :func:`histogram_every`.
HISTOGRAM_EVERY = 100


def histogram_every(config: RunConfig) -> int:
    """Every how many steps a run of ``config`` counts its histograms, by default.

    Measured with tests/bench/bench_histograms.py on this project's 2-core CPU
    (shared with other work): counting a step's histograms costs 1.2 to 1.6
    plain steps of the tutorial's network (about 100 more operations) and 3.7
    to 5.3 of the glorot2010 preset's (passes over its 5 million kernel entries
    and their gradients): every step would more than double the cost of
    training. With the tutorial's short epochs the stretches themselves cost
    about 5% (each epoch's loops of counted and plain steps): every 50th step
    added 11 to 12%, every 100th 6 to 8%, every 200th 5% (two identical
    networks differed by up to 4%). The preset's steps not counted cost what
    they cost without, and every 100th step adds about 4%. So every 100th step,
    for both.
    """
    return HISTOGRAM_EVERY


def _boundary(
    grids: np.ndarray | None, j: int, extent: tuple[float, float, float, float], epoch: int
) -> Boundary | None:
    """The boundary of the call's ``j``-th epoch (``epoch``), None where it was not evaluated."""
    if grids is None or np.isnan(grids[j]).all():
        return None
    return Boundary(grids[j].reshape(BOUNDARY_GRID, BOUNDARY_GRID), extent, epoch)


def warm_up() -> None:
    """Compile and run a one-unit network once, so TensorFlow's one-time set-up is paid now.

    The first compiled function of a process costs about a second more than
    later ones; the app calls this while it shows "loading TensorFlow".
    """
    config = RunConfig(depth=1, width=1, samples=4, batch_size=4, epochs=1)
    with Trainer(config) as trainer:
        trainer.run(lambda _: None, threading.Event())
