"""The compiled GradientTape training loop; it emits records and can be cancelled.

One compiled call trains a chunk of an epoch (the whole epoch unless it is
long) as a ``tf.while_loop`` over batches drawn from an on-device shuffle,
stacks every step's statistics on the device, and, at the end of an epoch,
evaluates loss and accuracy on the whole data set. Python then fetches the
stacked results once per call and hands them on.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from vgtui.config import RunConfig
from vgtui.engine.data import make_dataset
from vgtui.engine.device import device_name
from vgtui.engine.model import FlatMLP
from vgtui.engine.stats import FINITE, first_bad_layer, health, layer_stats
from vgtui.records import EpochRecord, RunStart, RunSummary
from vgtui.summary import summarize

Record = RunStart | EpochRecord | RunSummary
Emit = Callable[[Record], None]

#: The most steps one compiled call takes; bounds how long a stop waits.
MAX_CHUNK_STEPS = 256
#: The most gradient and parameter entries one call stacks before its statistics.
CHUNK_ENTRIES = 4_000_000


def make_optimizer(config: RunConfig) -> keras.optimizers.Optimizer:
    """Return the Keras optimizer the config names, with its learning rate."""
    classes = {
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
        "adam": keras.optimizers.Adam,
    }
    return classes[config.optimizer](learning_rate=config.lr)


class Trainer:
    """Trains the network one RunConfig describes and records every step."""

    def __init__(self, config: RunConfig, diagnostics: bool = True) -> None:
        """Build the data, the network and the optimizer; compile on first use.

        Args:
            config: the run to train.
            diagnostics: also measure saturated and dead units at every step.

        """
        self.config = config
        self.diagnostics = diagnostics
        x, y = make_dataset(config)
        self.x = tf.constant(x)
        self.y = tf.constant(y[:, None])
        self.model = FlatMLP(config)
        self.optimizer = make_optimizer(config)
        self.optimizer.build([self.model.params])
        self._chunk_fn = tf.function(self._train_chunk)

    @property
    def chunk_steps(self) -> int:
        """Steps one compiled call takes at most."""
        per_step = 2 * sum(self.model.sizes)
        cap = max(1, min(MAX_CHUNK_STEPS, CHUNK_ENTRIES // per_step))
        return min(self.config.steps_per_epoch, cap)

    def batch_indices(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` (1-based) visits the examples."""
        return self._permutation(tf.constant(epoch)).numpy()

    def _permutation(self, epoch: tf.Tensor) -> tf.Tensor:
        """A shuffle of the examples that depends only on the seed and the epoch."""
        seed = tf.stack([tf.constant(self.config.seed, tf.int32), tf.cast(epoch, tf.int32)])
        keys = tf.random.stateless_uniform([self.config.samples], seed=seed)
        return tf.argsort(keys)

    def _loss_and_accuracy(self, logits: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Binary cross-entropy (from logits, as Keras does after a sigmoid) and accuracy."""
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        hits = tf.cast(logits > 0.0, tf.float32) == y
        return loss, tf.reduce_mean(tf.cast(hits, tf.float32))

    def _evaluate(self) -> tuple[tf.Tensor, tf.Tensor]:
        """Loss and accuracy on the whole data set."""
        logits, _, _ = self.model.forward(self.x)
        return self._loss_and_accuracy(logits, self.y)

    def _train_step(self, xb: tf.Tensor, yb: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """One step: gradient and update; returns what the step records.

        Returns the loss, the accuracy, the flat gradient, the flat parameters
        after the update, the (layers, 2) health rows and the divergence code.
        """
        model = self.model
        with tf.GradientTape() as tape:
            logits, pres, outs = model.forward(xb)
            loss, accuracy = self._loss_and_accuracy(logits, yb)
        grad = tape.gradient(loss, model.params.value)
        self.optimizer.apply_gradients([(grad, model.params)])
        n_layers = model.n_layers
        if self.diagnostics:
            health_rows = health(self.config.activation, pres, outs, n_layers)
        else:
            health_rows = tf.fill([n_layers, 2], math.nan)
        finite = tf.math.is_finite(loss) & tf.reduce_all(tf.math.is_finite(grad))
        code = tf.cond(
            finite,
            lambda: tf.constant(FINITE),
            lambda: first_bad_layer(loss, grad, outs, model.segment_ids, n_layers),
        )
        return loss, accuracy, grad, tf.convert_to_tensor(model.params), health_rows, code

    def _train_chunk(
        self, epoch: tf.Tensor, start: tf.Tensor, stop: tf.Tensor, evaluate: tf.Tensor
    ) -> tuple[tf.Tensor, ...]:
        """Train steps [start, stop) of an epoch; evaluate on all data if asked.

        Returns the stacked losses, accuracies and statistics of the steps
        taken, the divergence code of the last step, and the whole-data loss
        and accuracy (NaN unless ``evaluate``). The loop ends early at the
        first step that is not finite.
        """
        n = self.config.samples
        batch = self.config.batch_size
        model = self.model
        perm = self._permutation(epoch)
        count = stop - start

        def body(i, code, *arrays):
            s = start + i
            idx = perm[s * batch : tf.minimum((s + 1) * batch, n)]
            *values, code = self._train_step(tf.gather(self.x, idx), tf.gather(self.y, idx))
            return (i + 1, code, *(a.write(i, v) for a, v in zip(arrays, values)))

        def cond(i, code, *_):
            return (i < count) & (code == FINITE)

        n_params = sum(model.sizes)
        shapes = [[], [], [n_params], [n_params], [model.n_layers, 2]]
        arrays = [tf.TensorArray(tf.float32, size=count, element_shape=sh) for sh in shapes]
        taken, code, *arrays = tf.while_loop(
            cond, body, [tf.constant(0), tf.constant(FINITE), *arrays]
        )
        losses, accs, grads, params, health_rows = (a.stack()[:taken] for a in arrays)
        stats = layer_stats(grads, params, model.segment_ids, model.kernel_sizes, health_rows)
        nan = tf.constant(math.nan)
        full_loss, full_acc = tf.cond(
            evaluate & (code == FINITE), self._evaluate, lambda: (nan, nan)
        )
        return losses, accs, stats, code, full_loss, full_acc

    def _call_chunk(self, epoch: int, start: int, stop: int, evaluate: bool) -> tuple:
        """Run one compiled chunk and fetch its results as numpy, in one transfer."""
        out = self._chunk_fn(
            tf.constant(epoch, tf.int32),
            tf.constant(start, tf.int32),
            tf.constant(stop, tf.int32),
            tf.constant(evaluate),
        )
        return tuple(t.numpy() for t in out)

    def evaluate(self) -> tuple[float, float]:
        """Loss and accuracy of the network on all the data, as it is now."""
        *_, loss, acc = self._call_chunk(0, 0, 0, True)
        return float(loss), float(acc)

    def run(
        self, emit: Emit, stop: threading.Event, pause: threading.Event | None = None
    ) -> RunSummary:
        """Train for the configured epochs, emitting records as they are made.

        Emits one RunStart, one EpochRecord per epoch, then the RunSummary it
        also returns. ``stop`` is checked between compiled calls; an epoch cut
        short by a stop is not emitted. While ``pause`` is set the loop waits.
        """
        cfg = self.config
        loss_before, acc_before = self.evaluate()
        start = RunStart(cfg, device_name(), cfg.layer_names, acc_before, loss_before)
        emit(start)
        last: EpochRecord | None = None
        steps = 0
        for epoch in range(1, cfg.epochs + 1):
            record = self._train_epoch(epoch, steps, stop, pause)
            if record is None:
                summary = summarize(start, last, steps, stopped=True)
                break
            emit(record)
            steps += record.steps
            if record.diverged_layer is not None:
                summary = summarize(start, last, steps, diverged=record)
                break
            last = record
        else:
            summary = summarize(start, last, steps)
        emit(summary)
        return summary

    def _train_epoch(
        self, epoch: int, steps_before: int, stop: threading.Event, pause: threading.Event | None
    ) -> EpochRecord | None:
        """Train one epoch in compiled chunks; None if a stop cut it short."""
        steps_per_epoch = self.config.steps_per_epoch
        parts = []
        for begin in range(0, steps_per_epoch, self.chunk_steps):
            while pause is not None and pause.is_set() and not stop.is_set():
                stop.wait(0.05)
            if stop.is_set():
                return None
            end = min(begin + self.chunk_steps, steps_per_epoch)
            parts.append(self._call_chunk(epoch, begin, end, end == steps_per_epoch))
            if parts[-1][3] != FINITE:
                break
        losses, accs, stats = (np.concatenate([p[k] for p in parts]) for k in range(3))
        code = int(parts[-1][3])
        return EpochRecord(
            epoch=epoch,
            first_step=steps_before + 1,
            step_loss=losses.astype(np.float64),
            step_accuracy=accs.astype(np.float64),
            step_stats=stats.astype(np.float64),
            loss=float(parts[-1][4]),
            accuracy=float(parts[-1][5]),
            diverged_layer=None if code == FINITE else code,
            diverged_step=None if code == FINITE else steps_before + len(losses),
        )


def warm_up() -> None:
    """Compile and run a one-unit network once, so TensorFlow's one-time set-up is paid now.

    The first compiled function of a process costs about a second more than
    later ones; the app calls this while it shows "loading TensorFlow".
    """
    config = RunConfig(depth=1, width=1, samples=4, batch_size=4, epochs=1)
    Trainer(config).run(lambda _: None, threading.Event())
