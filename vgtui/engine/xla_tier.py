"""The XLA tier: a network's whole-epoch call compiled by XLA, swapped in when ready.

The plain TensorFlow graph starts at once (its first call costs about 0.7 s
on this project's 2-core CPU) but pays for each of the step's hundred-odd
operations; XLA fuses them (a tutorial step 0.042 ms against 0.135: see
tests/bench/xla_step.py) but compiles for about 2.3 s more. So a long run
starts on the plain graph while its XLA twin is compiled in a background
thread, and trains on the twin from the first call after it is ready.

The twin is the same network on variables of its own (the compile runs the
call once, training nothing, and must not touch the run's variables while it
trains); at the swap the run's whole state (weights, optimizer slots and step
count, data, seed, learning rate) is copied onto it, and back when the run
ends. What XLA needs is made static: batches of one size (the rest of an
epoch is a step of its own), arrays of a fixed length, whole epochs a call.
Two things stay on the plain graph: the shuffles (XLA's Philox draws other
numbers from a seed that is not a constant, and the run must be the same run
whichever tier trains which epoch) and the per-layer statistics of the
call's steps (segment sums, which XLA's CPU compiler lacks; one set of
operations a call). Tests check that a run trained on both tiers records what
a run on the plain graph alone records, to float32 rounding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

import keras
import numpy as np
import tensorflow as tf

from vgtui import background
from vgtui.config import RunConfig
from vgtui.engine.device import Placement
from vgtui.engine.model import FlatMLP
from vgtui.engine.stats import FINITE, HEALTH_COLUMNS, layer_stats


class CompiledNetwork(Protocol):
    """What the tier reads of a network (:class:`vgtui.engine.trainer.CompiledNetwork`)."""

    config: RunConfig
    diagnostics: bool
    boundary: bool
    histograms: int
    placement: Placement
    extent: tuple[float, float, float, float]
    model: FlatMLP
    optimizer: keras.optimizers.Optimizer
    x: tf.Variable
    y: tf.Variable
    seed: tf.Variable
    grid: tf.Variable
    chunk_steps: int
    _train_step: Callable[..., tuple[tf.Tensor, ...]]
    _permutation: Callable[[tf.Tensor], tf.Tensor]
    _epoch_end: Callable[..., tuple[tf.Tensor, ...]]
    _record_arrays: Callable[..., tuple[tuple[tf.TensorArray, ...], tuple[tf.TensorArray, ...]]]


#: Networks with more parameters than this stay on the plain graph: the tier
#: is for networks whose steps cost their operations' dispatch, not their
#: arithmetic (measured with tests/bench/xla_step.py: the tutorial's, 111
#: parameters, steps in 0.31 of the graph's time; 4 × 64, 12,737, in 0.64: the
#: gain shrinks as the arithmetic grows), and a twin doubles a network's memory.
MAX_PARAMS = 20_000
#: A run (with the runs of its shape that a sweep makes after it) is given an
#: XLA twin if it trains at least this many steps. Measured on the tutorial's
#: network (2 cores): the twin takes 3 to 4 s to build and compile beside the
#: run, and the steps trained meanwhile are about 1.5 times slower; a run of
#: 1,000 epochs (32,000 steps) took as long with the twin as without (7.9 s
#: against 8.1 s, the twin ready from epoch 425 to 481), a later run of the
#: shape 3 times less. Below this, a run would end before the twin pays.
MIN_STEPS = 40_000
#: Twins compile one at a time: several compiling at once beside a run slowed
#: its steps 2 to 3 times (a sweep's twins, compiled ahead), one about 1.5 times.
_ONE_AT_A_TIME = threading.Lock()


def eligible(network: CompiledNetwork) -> bool:
    """Whether ``network`` may have an XLA twin.

    Its calls must train whole epochs, count no histograms, and run on the
    CPU (no GPU was available to measure XLA against the plain graph there),
    and it must be small (MAX_PARAMS).
    """
    config = network.config
    return (
        network.histograms == 0
        and config.steps_per_epoch <= network.chunk_steps
        and "GPU" not in network.placement.device.upper()
        and sum(network.model.sizes) <= MAX_PARAMS
    )


class XlaTwin:
    """A network's XLA twin: compiled in the background, then trains the run's epochs.

    Attributes:
        network: the twin, a network of the same shape on variables of its own.
        ready: set once the XLA call is compiled.
        failure: why it could not be compiled (the run stays on the plain graph).

    """

    def __init__(self, original: CompiledNetwork, build: Callable[[], CompiledNetwork]) -> None:
        """Prepare the twin of ``original``; nothing is built yet.

        ``build`` makes a network of ``original``'s shape, device and config
        (called in the background thread).
        """
        self._build_twin = build
        self.epochs = original.chunk_steps // original.config.steps_per_epoch
        self.ready = threading.Event()
        self.failure: str | None = None
        self.network: CompiledNetwork | None = None
        self._thread: threading.Thread | None = None

    def compile_in_background(self) -> None:
        """Build and compile the twin (once) in a background thread; :attr:`ready` says when."""
        if self._thread is None:
            self._thread = background.start(self.build, "xla")

    def build(self) -> None:
        """Build the twin and compile its XLA call (by calling it for no epoch: it trains nothing).

        :attr:`ready` is set when done, :attr:`failure` if it could not be.
        """
        with _ONE_AT_A_TIME:
            self._build_now()

    def _build_now(self) -> None:
        """Build and compile, in this thread (see :meth:`build`)."""
        try:
            net = self._build_twin()
            model = net.model
            # No Python control flow on tensors here: AutoGraph's conversion would only
            # slow the tracing, which holds the interpreter while the run trains.
            self._call = tf.function(self._epochs, jit_compile=True, autograph=False)
            self._shuffles = tf.function(
                lambda first: tf.stack([net._permutation(first + j) for j in range(self.epochs)]),
                autograph=False,
            )
            self._stats = tf.function(
                lambda g, p, h: layer_stats(
                    g, p, model.segment_ids, model.kernel_sizes, h, model.segment_sizes
                ),
                autograph=False,
            )
            self.network = net
            with tf.device(net.placement.device):
                self._call(self._shuffles(tf.constant(1)), *self._numbers(1, 0, 1, 0))
                self._stats(*self._empty_steps())
        except Exception as error:  # any failure leaves the runs on the plain graph
            self.failure = f"{type(error).__name__}: {error}"
            return
        self.ready.set()

    def _numbers(self, *values: int) -> list[tf.Tensor]:
        """The call's scalar arguments as int32 tensors (one compiled call for all values)."""
        return [tf.constant(v, tf.int32) for v in values]

    def _empty_steps(self) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """Zero steps' gradients, parameters and health rows: traces the statistics' call."""
        n_params = sum(self._twin.model.sizes)
        n_layers = self._twin.model.n_layers
        return (
            tf.zeros([0, n_params]),
            tf.zeros([0, n_params]),
            tf.zeros([0, n_layers, HEALTH_COLUMNS]),
        )

    @property
    def _twin(self) -> CompiledNetwork:
        """The twin network, once built."""
        if self.network is None:
            raise RuntimeError("the XLA twin is not built yet")
        return self.network

    def take_state(self, source: CompiledNetwork) -> None:
        """Give the twin ``source``'s whole state (see :func:`copy_state`)."""
        copy_state(source, self._twin)

    def give_state(self, target: CompiledNetwork) -> None:
        """Give ``target`` the twin's whole state (see :func:`copy_state`)."""
        copy_state(self._twin, target)

    def call_chunk(
        self, first_epoch: int, n_epochs: int, every: int, last_epoch: int
    ) -> tuple[np.ndarray, ...]:
        """Train ``n_epochs`` whole epochs from ``first_epoch`` on the twin.

        Returns what :meth:`CompiledNetwork.call_chunk` returns for whole
        epochs (each evaluated; the boundary of each epoch whose number is a
        multiple of ``every`` or is ``last_epoch``).
        """
        net = self._twin
        with tf.device(net.placement.device):
            out = self._call(
                self._shuffles(tf.constant(first_epoch, tf.int32)),
                *self._numbers(first_epoch, n_epochs, every, last_epoch),
            )
            losses, accs, grads, params, health_rows, code, written, done, *evaluated = out
            n, epochs_done = int(written), int(done)
            stats = self._stats(grads[:n], params[:n], health_rows[:n])
        return (
            losses[:n].numpy(),
            accs[:n].numpy(),
            stats.numpy(),
            code.numpy(),
            *(e[:epochs_done].numpy() for e in evaluated),
        )

    def _epochs(
        self,
        shuffles: tf.Tensor,
        first_epoch: tf.Tensor,
        n_epochs: tf.Tensor,
        every: tf.Tensor,
        last_epoch: tf.Tensor,
    ) -> tuple[tf.Tensor, ...]:
        """The XLA call: up to ``self.epochs`` epochs, their shuffles given, static shapes."""
        net = self._twin
        config = net.config
        batch = config.batch_size
        full, rest = divmod(config.samples, batch)
        size = self.epochs * config.steps_per_epoch
        step_arrays, epoch_arrays = net._record_arrays(size, self.epochs)

        def step(idx, written, arrays):
            *values, code = net._train_step(tf.gather(net.x, idx), tf.gather(net.y, idx))
            return code, tuple(a.write(written, v) for a, v in zip(arrays, values))

        def epoch_body(j, written, code, step_arrays, epoch_arrays):
            perm = shuffles[j]

            def body(i, written, code, *arrays):
                code, arrays = step(tf.slice(perm, [i * batch], [batch]), written, arrays)
                return i + 1, written + 1, code, *arrays

            def cond(i, written, code, *_):
                return (i < full) & (code == FINITE)

            _, written, code, *step_arrays = tf.while_loop(
                cond, body, [tf.constant(0), written, code, *step_arrays]
            )
            if rest:

                def last():
                    last_code, arrays = step(perm[full * batch :], written, tuple(step_arrays))
                    return (written + 1, last_code, *arrays)

                written, code, *step_arrays = tf.cond(
                    code == FINITE, last, lambda: (written, code, *step_arrays)
                )
            evaluated = net._epoch_end(code == FINITE, first_epoch + j, every, last_epoch)
            epoch_arrays = tuple(a.write(j, v) for a, v in zip(epoch_arrays, evaluated))
            return j + 1, written, code, tuple(step_arrays), epoch_arrays

        def epoch_cond(j, written, code, *_):
            return (j < n_epochs) & (code == FINITE)

        start = [tf.constant(0), tf.constant(0), tf.constant(FINITE), step_arrays, epoch_arrays]
        done, written, code, step_arrays, epoch_arrays = tf.while_loop(
            epoch_cond, epoch_body, start
        )
        return (
            *(a.stack() for a in step_arrays),
            code,
            written,
            done,
            *(a.stack() for a in epoch_arrays),
        )


def copy_state(source: CompiledNetwork, target: CompiledNetwork) -> None:
    """Make ``target`` (a network of ``source``'s shape) go on exactly where ``source`` is.

    Its config and the boundary's extent, and every variable: the weights,
    the optimizer's (step count, learning rate, slots), the data, the seed and the grid.
    """
    target.config = source.config
    target.extent = source.extent
    pairs = [
        (source.model.params, target.model.params),
        (source.x, target.x),
        (source.y, target.y),
        (source.seed, target.seed),
        *zip(source.optimizer.variables, target.optimizer.variables, strict=True),
    ]
    if source.boundary:
        pairs.append((source.grid, target.grid))
    for original, twin in pairs:
        twin.assign(original)
