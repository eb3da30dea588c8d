"""Per-layer histograms of a Keras model's training step, counted inside the compiled step.

Four quantities, as the built-in engine counts them (:mod:`vgtui.distributions`):
every monitored kernel's applied gradient ("grad") and the kernel itself
("weight"), and every monitored layer's outputs ("activation") and the
loss's gradient with respect to them ("backprop"). The monitored layers are
those that own a monitored kernel (Dense, Conv, an LSTM with its cell, a
wrapper with its layer: the outermost layer that is not a model) and the
activation layers (Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax).

How the values are seen, with no work on the host at any step:

- each candidate layer's ``call`` is wrapped (on the instance, while the
  monitor is on); in a training call it passes the output through an
  identity with a custom gradient, and notes, while TensorFlow traces the
  step, the output tensor and, in the backward pass, the gradient that
  reaches it (per replica, under a distribution strategy);
- the optimizer hook (:mod:`vgtui.keras.hook`), in the cross-replica update
  that follows, counts them with the kernels and their applied gradients,
  under a ``tf.cond`` that is true every ``every``-th step (steps 1, 1 +
  every, ...): each replica's values on its own device, summed over the
  replicas (the global batch), the back-propagated gradients divided by the
  loss scale; the row is written into a ring buffer on every device
  (``ONLY_FIRST_REPLICA``), read with the statistics.

A layer called several times in a step (shared) is counted over all its
calls. A layer whose output the loss is not differentiated through has no
back-propagated gradient (zero counts): Keras's cross-entropy reads the
logits a softmax or sigmoid output keeps, not the output itself. Under
MultiWorkerMirroredStrategy the chief counts its own worker's replicas only.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from vgtui.distributions.bins import (
    BOUNDED_ACTIVATION_BINS,
    GRADIENT_BINS,
    UNBOUNDED_ACTIVATION_BINS,
    WEIGHT_BINS,
    BinSpec,
)
from vgtui.engine.histograms import slots as slot_of
from vgtui.keras import _keras_internals as internals
from vgtui.records import HistogramBlock

#: Where a probed layer keeps a reference to its probes.
PROBE_ATTRIBUTE = "_vgtui_layer_probes"
#: Layers whose output is an activation although they own no kernel.
ACTIVATION_LAYERS = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.Softmax,
)
#: Min, max, sum and sum of squares: the moments kept of every row.
MOMENTS = 4
#: The attribute where Keras keeps a softmax's or sigmoid's logits on its output, so that a
#: cross-entropy reads them instead (no gradient then passes through that output).
LOGITS = "_keras_logits"


def candidate_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers whose outputs may be activations, in the model's order.

    Models (and nested models) are looked into; any other layer is a
    candidate as a whole, its sublayers not (an LSTM, not its cell).
    """
    out: list[keras.layers.Layer] = []
    seen: set[int] = set()

    def walk(layer: keras.layers.Layer) -> None:
        for sub in internals.sublayers(layer):
            if id(sub) in seen:
                continue
            seen.add(id(sub))
            if isinstance(sub, keras.Model):
                walk(sub)
            else:
                out.append(sub)

    walk(model)
    return out


def _owned_variables(layer: keras.layers.Layer) -> set[int]:
    return {id(v) for v in layer.trainable_weights}


def activation_name(layer: keras.layers.Layer) -> str:
    """The name of the activation a layer applies last ("" where it says none)."""
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    if isinstance(layer, (keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.ELU)):
        return type(layer).__name__.lower()
    fn = getattr(layer, "activation", None)
    return str(getattr(fn, "__name__", "")) if callable(fn) else ""


def activation_spec(layers: Sequence[keras.layers.Layer]) -> BinSpec:
    """The bins of the activations: signed-log bins, unless all layers share a bounded one.

    The bounded activation's range (sigmoid's [0, 1], tanh's [-1, 1]) where
    every layer but the last (the output's) applies it.
    """
    names = {activation_name(layer) for layer in layers[:-1]} or {
        activation_name(layers[-1]) if layers else ""
    }
    if len(names) == 1:
        (name,) = names
        return BOUNDED_ACTIVATION_BINS.get(name, UNBOUNDED_ACTIVATION_BINS)
    return UNBOUNDED_ACTIVATION_BINS


def layer_names(layers: Sequence[keras.layers.Layer]) -> tuple[str, ...]:
    """Each layer's name; a name that repeats gets its place, ``dense#2``."""
    names = [layer.name for layer in layers]
    return tuple(
        name if names.count(name) == 1 else f"{name}#{names[: i + 1].count(name)}"
        for i, name in enumerate(names)
    )


def _graph_chain() -> list[tf.Graph]:
    """The graph being traced and the graphs it is nested in; empty when executing eagerly."""
    if tf.executing_eagerly():
        return []
    chain, graph = [], tf.compat.v1.get_default_graph()
    while graph is not None:
        chain.append(graph)
        graph = getattr(graph, "outer_graph", None)
    return chain


def _graph_of(tensor: tf.Tensor) -> tf.Graph | None:
    return None if isinstance(tensor, tf.__internal__.EagerTensor) else tensor.graph


class LayerProbes:
    """The wrapped calls of a model's candidate layers, and what they saw in a traced step."""

    def __init__(self, model: keras.Model) -> None:
        """Find the candidate layers; nothing is wrapped until :meth:`install`."""
        self.model = model
        self.candidates = candidate_layers(model)
        self._seen: list[tuple[str, int, tf.Tensor]] = []
        self._lock = threading.Lock()
        self._installed = False

    def monitored(self, kernels: Sequence[object]) -> list[keras.layers.Layer]:
        """The candidates that own one of ``kernels``, and the activation layers, in order."""
        wanted = {id(k) for k in kernels}
        return [
            layer
            for layer in self.candidates
            if isinstance(layer, ACTIVATION_LAYERS) or _owned_variables(layer) & wanted
        ]

    def install(self) -> None:
        """Wrap every candidate's call (a wrap left by probes never removed is taken out first)."""
        if self._installed:
            return
        for layer in self.candidates:
            earlier = vars(layer).get(PROBE_ATTRIBUTE)
            if earlier is not None:
                earlier.remove()
            internals.replace_method(layer, "call", self._probed(layer, layer.call))
            vars(layer)[PROBE_ATTRIBUTE] = self
        self._installed = True

    def remove(self) -> None:
        """Unwrap the calls; steps traced meanwhile keep the probes until retraced."""
        if not self._installed:
            return
        for layer in self.candidates:
            if vars(layer).get(PROBE_ATTRIBUTE) is self:
                internals.restore_method(layer, "call")
                del vars(layer)[PROBE_ATTRIBUTE]
        with self._lock:
            self._seen.clear()
        self._installed = False

    def _note(self, kind: str, layer: keras.layers.Layer, tensor: tf.Tensor) -> None:
        with self._lock:
            self._seen.append((kind, id(layer), tensor))

    def _probed(self, layer: keras.layers.Layer, call):
        """``call``, whose output in a training call goes through an identity that notes it."""

        def probed_call(*args: object, **kwargs: object) -> object:
            outputs = call(*args, **kwargs)
            if (
                not isinstance(outputs, tf.Tensor)
                or not outputs.dtype.is_floating
                or not internals.call_is_training()
            ):
                return outputs
            self._note("activation", layer, outputs)

            @tf.custom_gradient
            def noted(x: tf.Tensor):
                def backward(upstream: tf.Tensor) -> tf.Tensor:
                    self._note("backprop", layer, upstream)
                    return upstream

                return tf.identity(x), backward

            seen = noted(outputs)
            logits = getattr(outputs, LOGITS, None)
            if logits is not None:  # the loss reads a softmax's or sigmoid's logits: keep them
                setattr(seen, LOGITS, logits)
            return seen

        return probed_call

    def take(self, kind: str) -> dict[int, list[tf.Tensor]]:
        """The tensors of ``kind`` noted in the step being traced, by layer (id); forgotten here.

        Those of the graph being traced (or one it is nested in); eager
        tensors when executing eagerly. Tensors of other graphs (a step traced
        before, an evaluation) are dropped.
        """
        chain = _graph_chain()
        out: dict[int, list[tf.Tensor]] = {}
        with self._lock:
            kept = []
            for entry in self._seen:
                noted_kind, layer, tensor = entry
                graph = _graph_of(tensor)
                here = graph is None if not chain else any(graph is g for g in chain)
                if here and noted_kind == kind:
                    out.setdefault(layer, []).append(tensor)
                elif here:
                    kept.append(entry)
            self._seen = kept
        return out


def grouped_counts(values: tf.Tensor, groups: tf.Tensor, n_groups: int, spec: BinSpec) -> tf.Tensor:
    """Counts (n_groups, spec.slots), int32, of ``values`` (flat) by group (of the same shape).

    As :func:`vgtui.engine.histograms.grouped_counts`, by a segment sum rather
    than a bincount, which XLA compiles only with sizes known in advance.
    """
    index = groups * spec.slots + slot_of(values, spec)
    ones = tf.ones_like(index)
    flat = tf.math.unsorted_segment_sum(ones, index, n_groups * spec.slots)
    return tf.reshape(flat, [n_groups, spec.slots])


def _row_moments(values: tf.Tensor) -> tf.Tensor:
    """Min, max, sum and sum of squares (4,), float64, of all of ``values``."""
    x = tf.reshape(tf.cast(values, tf.float64), [-1])
    return tf.stack(
        [tf.reduce_min(x), tf.reduce_max(x), tf.reduce_sum(x), tf.reduce_sum(tf.square(x))]
    )


#: The moments of no value at all (as numpy's reference gives them).
EMPTY_MOMENTS = (np.inf, -np.inf, 0.0, 0.0)


class HistogramRecorder:
    """Counts a step's histograms every ``every``-th step into a ring buffer on the device.

    Made by the monitor and given to the optimizer hook, which calls
    :meth:`build` with the kernels once it knows them and :meth:`record` in
    its cross-replica update, before the variables are updated. The stride
    is a variable the traced step reads: :meth:`set_every` changes it (0:
    count none) for a later run on the same traced step.
    """

    def __init__(self, every: int, probes: LayerProbes, optimizer: object) -> None:
        """Count every ``every``-th step of what ``probes`` see; ``optimizer`` scales the loss."""
        if every < 1:
            raise ValueError(f"histograms are counted every N >= 1 steps, not {every}")
        self.every = every
        self.probes = probes
        self.optimizer = optimizer
        self.layers: list[keras.layers.Layer] = []
        self.names: tuple[str, ...] = ()
        self.specs: dict[str, BinSpec] = {}
        self.slots = 0
        self._buffer: tf.Variable | None = None
        self._every: tf.Variable | None = None
        self._strategy: tf.distribute.Strategy | None = None

    @property
    def ready(self) -> bool:
        """Whether the buffer exists."""
        return self._buffer is not None

    @property
    def counting(self) -> bool:
        """Whether any step is counted (a stride of 0 counts none)."""
        return self.every > 0

    def holds(self, capacity: int, every: int) -> bool:
        """Whether the buffer's slots hold the counted steps of ``capacity`` steps at ``every``."""
        return not self.ready or every < 1 or capacity // every + 2 <= self.slots

    def set_every(self, every: int) -> None:
        """Count every ``every``-th step from now on (0: none); see :meth:`holds`."""
        if every < 0:
            raise ValueError(f"histograms are counted every N >= 0 steps, not {every}")
        self.every = every
        if self._every is not None:
            with self._strategy.scope():
                self._every.assign(tf.constant(every, tf.int64))

    def clear(self) -> None:
        """Mark every slot unwritten (stamps of 0), for a new run."""
        if self._buffer is not None:
            with self._strategy.scope():
                self._buffer.assign(tf.zeros(self._buffer.shape, self._buffer.dtype))

    def build(
        self, model: keras.Model, kernels: Sequence[object], sizes: Sequence[int], capacity: int
    ) -> None:
        """Choose the layers and bins; create the buffer of ``capacity`` steps' counted rows."""
        self.layers = self.probes.monitored(kernels)
        self.names = layer_names(self.layers)
        self.kernel_sizes = [int(s) for s in sizes]
        self.specs = {
            "grad": GRADIENT_BINS,
            "weight": WEIGHT_BINS,
            "activation": activation_spec(self.layers),
            "backprop": GRADIENT_BINS,
        }
        self._rows = {"grad": len(kernels), "weight": len(kernels)}
        self._rows.update(activation=len(self.layers), backprop=len(self.layers))
        self._layer_index = {id(layer): j for j, layer in enumerate(self.layers)}
        self.width = 1 + sum(r * (self.specs[q].slots + MOMENTS) for q, r in self._rows.items())
        self.slots = capacity // max(self.every, 1) + 2
        self._strategy = model.distribute_strategy
        with tf.init_scope(), model.distribute_strategy.scope():
            self._buffer = tf.Variable(
                tf.zeros([self.slots, self.width], tf.float64),
                trainable=False,
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                name="vgtui_histograms",
            )
            self._every = tf.Variable(
                tf.constant(self.every, tf.int64),
                trainable=False,
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                name="vgtui_histogram_every",
            )

    def info(self) -> dict[str, object]:
        """What a run's header says of its histograms."""
        return {
            "histogram_every": self.every,
            "histogram_bins": {q: spec.to_json() for q, spec in self.specs.items()},
            "histogram_layers": {
                "activation": list(self.names),
                "backprop": list(self.names),
            },
        }

    # ------------------------------------------------------------ on the device

    def record(
        self,
        distribution: tf.distribute.Strategy,
        picked: dict[int, tuple[object, object]],
        counter: tf.Variable,
    ) -> None:
        """In the update's cross-replica context: count this step if it is counted, and write it.

        ``picked`` maps a kernel's index to its (applied gradient, variable).
        """
        activations = self.probes.take("activation")
        backprops = self.probes.take("backprop")
        step = tf.convert_to_tensor(counter)
        every = tf.convert_to_tensor(self._every)
        stride = tf.maximum(every, 1)
        counted = tf.logical_and(every > 0, tf.equal(step % stride, 0))
        slot = tf.cast((step // stride) % self.slots, tf.int32)
        scale = internals.gradient_scale(self.optimizer)
        # Where each replica's tensors are, said to the counting function as a constant.
        devices = tuple(
            (kind, layer, tuple(t.device for t in tensors))
            for kind, seen in (("activation", activations), ("backprop", backprops))
            for layer, tensors in sorted(seen.items())
        )

        def count_and_write() -> tf.Tensor:  # the kernels are read here, before their update
            local = {i: _local(distribution, g, v) for i, (g, v) in picked.items()}
            inverse = tf.constant(1.0)
            if scale is not None:
                inverse = 1.0 / tf.cast(tf.convert_to_tensor(scale), tf.float32)
            row = self._count(step, local, activations, backprops, inverse, devices)
            distribution.extended.update(self._buffer, self._write, args=(row, slot), group=False)
            return tf.constant(True)

        done = tf.cond(counted, count_and_write, lambda: tf.constant(False))
        if distribution.num_replicas_in_sync == 1:
            _not_lowered(done)

    @functools.cached_property
    def _count(self) -> Callable[..., tf.Tensor]:
        """:meth:`_row` as a function of its own, never inlined into the step.

        A ``tf.cond`` in a step is lowered to switches, and a step that is
        not counted then passes "dead" through every operation of the
        branch not taken: hundreds for a deep model's counting (20 layers:
        about 12% of a step). In a function of its own the branch holds one
        call, and the counting's operations run only when it is taken.
        """
        return tf.function(self._row, autograph=False, experimental_attributes={"_noinline": True})

    def _write(self, buffer: tf.Variable, row: tf.Tensor, slot: tf.Tensor) -> None:
        """On one device: the counted step's row into its slot."""
        buffer.scatter_update(tf.IndexedSlices(row[None], slot[None]))

    def _row(
        self,
        step: tf.Tensor,
        local: dict[int, tuple[tf.Tensor, tf.Tensor]],
        activations: dict[int, list[tf.Tensor]],
        backprops: dict[int, list[tf.Tensor]],
        inverse: tf.Tensor,
        devices: tuple[tuple[str, int, tuple[str, ...]], ...],
    ) -> tf.Tensor:
        """The step's row: stamp, every quantity's counts, then every quantity's moments.

        ``inverse`` is one over the loss's scale; ``devices`` says where each
        layer's tensors of each kind were made (a replica's device).
        """
        placed = {(kind, layer): where for kind, layer, where in devices}
        counts, moments = [], []
        for q, which in (("grad", 0), ("weight", 1)):
            c, m = self._kernel_rows(q, {i: pair[which] for i, pair in local.items()})
            counts.append(c)
            moments.append(m)
        for q, seen in (("activation", activations), ("backprop", backprops)):
            where = {layer: placed.get((q, layer), ()) for layer in seen}
            c, m = self._layer_rows(q, seen, inverse if q == "backprop" else None, where)
            counts.append(c)
            moments.append(m)
        stamp = tf.cast(step, tf.float64)[None] + 1.0
        return tf.concat([stamp, *counts, *moments], 0)

    def _kernel_rows(self, quantity: str, values: dict[int, tf.Tensor]) -> tuple[tf.Tensor, ...]:
        """Counts and moments of every kernel's rows (zero for a kernel without a gradient)."""
        spec = self.specs[quantity]
        n = self._rows[quantity]
        present = sorted(values)
        counts = np.zeros((n, spec.slots), np.float64)
        moments = np.tile(np.array(EMPTY_MOMENTS), (n, 1))
        if not present:
            return tf.constant(counts.ravel()), tf.constant(moments.ravel())
        flat = [tf.reshape(tf.cast(values[i], tf.float32), [-1]) for i in present]
        groups = tf.repeat(
            tf.range(len(present)), [self.kernel_sizes[i] for i in present]
        )  # static sizes: one bincount for all the kernels
        joined = tf.concat(flat, 0)
        got = tf.cast(grouped_counts(joined, groups, len(present), spec), tf.float64)
        x = tf.cast(joined, tf.float64)
        k = len(present)  # unsorted segment reductions: XLA has no sorted ones
        got_moments = tf.stack(
            [
                tf.math.unsorted_segment_min(x, groups, k),
                tf.math.unsorted_segment_max(x, groups, k),
                tf.math.unsorted_segment_sum(x, groups, k),
                tf.math.unsorted_segment_sum(tf.square(x), groups, k),
            ],
            axis=1,
        )
        index = tf.constant([[i] for i in present])
        all_counts = tf.tensor_scatter_nd_update(tf.constant(counts), index, got)
        all_moments = tf.tensor_scatter_nd_update(tf.constant(moments), index, got_moments)
        return tf.reshape(all_counts, [-1]), tf.reshape(all_moments, [-1])

    def _layer_rows(
        self,
        quantity: str,
        seen: dict[int, list[tf.Tensor]],
        inverse: tf.Tensor | None,
        devices: dict[int, tuple[str, ...]],
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """Counts and moments of every monitored layer's tensors, summed over replicas and calls."""
        spec = self.specs[quantity]
        counts, moments = [], []
        for layer in self.layers:
            tensors = seen.get(id(layer), [])
            if not tensors:
                counts.append(tf.zeros([spec.slots], tf.float64))
                moments.append(tf.constant(EMPTY_MOMENTS, tf.float64))
                continue
            parts_c, parts_m = [], []
            where = devices.get(id(layer), ())
            for k, tensor in enumerate(tensors):
                device = where[k] if k < len(where) else ""
                with tf.device(device):  # each replica's values on its own device
                    values = tf.reshape(tf.cast(tensor, tf.float32), [-1])
                    if inverse is not None:
                        values = values * inverse
                    parts_c.append(grouped_counts(values, tf.zeros_like(values, tf.int32), 1, spec))
                    parts_m.append(_row_moments(values))
            counts.append(tf.cast(tf.add_n(parts_c)[0], tf.float64))
            stacked = tf.stack(parts_m)
            moments.append(
                tf.stack(
                    [
                        tf.reduce_min(stacked[:, 0]),
                        tf.reduce_max(stacked[:, 1]),
                        tf.reduce_sum(stacked[:, 2]),
                        tf.reduce_sum(stacked[:, 3]),
                    ]
                )
            )
        return tf.concat(counts, 0), tf.concat(moments, 0)

    # ------------------------------------------------------------------ on the host

    def read(self) -> np.ndarray | None:
        """The buffer (the first replica's copy), None before it exists."""
        return None if self._buffer is None else self._buffer.numpy()

    def block(self, rows: np.ndarray, first: int, last: int) -> HistogramBlock | None:
        """The counted steps among 0-based steps first..last-1 that the buffer still holds."""
        if not self.counting:
            return None
        stamps = rows[:, 0].astype(np.int64) - 1  # 0-based step; -1: never written
        keep = (stamps >= first) & (stamps < last) & (stamps % self.every == 0)
        if not keep.any():
            return None
        order = np.argsort(stamps[keep])
        picked = rows[keep][order]
        n = len(picked)
        counts, moments = {}, {}
        at = 1
        for q, r in self._rows.items():
            slots = self.specs[q].slots
            counts[q] = (
                np.rint(picked[:, at : at + r * slots]).astype(np.int64).reshape(n, r, slots)
            )
            at += r * slots
        for q, r in self._rows.items():
            moments[q] = picked[:, at : at + r * MOMENTS].reshape(n, r, MOMENTS)
            at += r * MOMENTS
        values = np.maximum(counts["activation"].sum(axis=2), 1)
        total, squares = moments["activation"][..., 2], moments["activation"][..., 3]
        mean = total / values
        with np.errstate(invalid="ignore"):
            sd = np.sqrt(np.maximum(squares / values - mean**2, 0.0))
        return HistogramBlock(
            steps=stamps[keep][order] + 1,
            every=self.every,
            specs=dict(self.specs),
            counts=counts,
            moments=moments,
            activation_mean=mean,
            activation_sd=sd,
        )


def _not_lowered(output: tf.Tensor) -> None:
    """Keep the ``If`` behind a ``tf.cond``'s output a call: one operation in a step not counted.

    TensorFlow lowers a cond in a function to switches, one a tensor it takes
    in (here every layer's outputs and gradients, every kernel): each passes
    "dead" on in a step that is not counted, about 0.35 ms a step for 20
    layers. A cond that is not lowered runs on one device: only where the
    model has one replica. Nothing is changed when executing eagerly, in XLA
    (which never lowers), or where the op is not found.
    """
    if tf.executing_eagerly():
        return
    op = output.op
    while op.type not in ("If", "StatelessIf") and op.inputs:
        op = op.inputs[0].op
    if op.type in ("If", "StatelessIf"):
        from tensorflow.core.framework import attr_value_pb2

        op._set_attr("_lower_using_switch_merge", attr_value_pb2.AttrValue(b=False))


def _local(
    distribution: tf.distribute.Strategy, gradient: object, variable: object
) -> tuple[tf.Tensor, tf.Tensor]:
    """The first replica's copy of an (all-reduced) gradient and of its variable's value."""
    g = distribution.experimental_local_results(gradient)[0]
    if isinstance(g, tf.IndexedSlices):
        g = tf.math.unsorted_segment_sum(g.values, g.indices, g.dense_shape[0])
    v = distribution.experimental_local_results(variable)[0]
    return tf.convert_to_tensor(g), tf.convert_to_tensor(v)
