"""Per-layer histograms of a training step, counted on the device.

The bins are :mod:`vgtui.distributions`' specs, and the counts are exactly
those of :func:`vgtui.distributions.count` on the same float32 values: a
value's slot is the number of edges at or below it (``Bucketize``, an upper
bound search, as ``searchsorted(side="right")``), exact zeros and NaNs in
slots of their own. All layers of a quantity are one ``bincount``.
"""

from __future__ import annotations

import tensorflow as tf

from vgtui.distributions.bins import BinSpec

#: The tensors :func:`step_histograms` returns, in order.
HISTOGRAM_FIELDS: tuple[str, ...] = (
    "grad_counts",
    "weight_counts",
    "activation_counts",
    "backprop_counts",
    "grad_moments",
    "weight_moments",
    "activation_moments",
    "backprop_moments",
)


def slots(values: tf.Tensor, spec: BinSpec) -> tf.Tensor:
    """The slot of each value (int32, same shape): below, a bin, above, zero or NaN."""
    slot = tf.raw_ops.Bucketize(input=values, boundaries=[float(e) for e in spec.edges])
    slot = tf.where(tf.equal(values, 0.0), spec.zero, slot)
    return tf.where(tf.math.is_nan(values), spec.nan, slot)


def grouped_counts(values: tf.Tensor, groups: tf.Tensor, n_groups: int, spec: BinSpec) -> tf.Tensor:
    """Counts (n_groups, spec.slots), int32, of ``values`` by group; groups ≥ n_groups are left out.

    Args:
        values: float32 values, any shape.
        groups: the group of each value (int32, the same shape, or broadcast to it).
        n_groups: how many groups to count.
        spec: the bins.

    """
    size = n_groups * spec.slots
    index = groups * spec.slots + slots(values, spec)
    flat = tf.math.bincount(tf.reshape(index, [-1]), minlength=size, maxlength=size, dtype=tf.int32)
    return tf.reshape(flat, [n_groups, spec.slots])


def layer_groups(stacked: tf.Tensor) -> tf.Tensor:
    """The layer of each entry of a stacked (layers, ...) tensor: 0, 1, … broadcast along it."""
    layers = tf.shape(stacked)[0]
    shape = tf.concat([[layers], tf.ones([tf.rank(stacked) - 1], tf.int32)], 0)
    return tf.broadcast_to(tf.reshape(tf.range(layers), shape), tf.shape(stacked))


def flat_moments(flat: tf.Tensor, segment_ids: tf.Tensor, n_layers: int) -> tf.Tensor:
    """Min, max, sum and sum of squares (n_layers, 4), float64, of each layer's kernel entries.

    ``flat`` is a flat parameter vector; its biases (segment ``n_layers``) are left out.
    A NaN among a layer's values makes its moments NaN (an infinity, its sums infinite).
    """
    x = tf.cast(flat, tf.float64)
    parts = [
        tf.math.segment_min(x, segment_ids),
        tf.math.segment_max(x, segment_ids),
        tf.math.segment_sum(x, segment_ids),
        tf.math.segment_sum(tf.square(x), segment_ids),
    ]
    return tf.stack(parts, axis=-1)[:n_layers]


def stacked_moments(stacked: tf.Tensor) -> tf.Tensor:
    """Min, max, sum and sum of squares (layers, 4), float64, of each layer of (layers, …)."""
    x = tf.cast(stacked, tf.float64)
    axes = tf.range(1, tf.rank(x))
    parts = [
        tf.reduce_min(x, axes),
        tf.reduce_max(x, axes),
        tf.reduce_sum(x, axes),
        tf.reduce_sum(tf.square(x), axes),
    ]
    return tf.stack(parts, axis=-1)


def step_histograms(
    specs: dict[str, BinSpec],
    grad: tf.Tensor,
    params: tf.Tensor,
    outputs: tf.Tensor,
    backprops: tf.Tensor,
    segment_ids: tf.Tensor,
    n_layers: int,
) -> tuple[tf.Tensor, ...]:
    """Everything a recorded step's histograms hold, in HISTOGRAM_FIELDS order.

    Args:
        specs: the bins of each quantity (see :func:`vgtui.distributions.specs_for`).
        grad: the step's flat gradient (params,).
        params: the flat parameters the step's forward pass used (before its update).
        outputs: the hidden layers' activations, (depth, batch, width).
        backprops: the loss's gradient with respect to them, the same shape.
        segment_ids: each flat entry's layer (``n_layers`` for the biases).
        n_layers: the Dense layers, the output layer included.

    """
    depth = n_layers - 1
    act_groups = layer_groups(outputs)
    return (
        grouped_counts(grad, segment_ids, n_layers, specs["grad"]),
        grouped_counts(params, segment_ids, n_layers, specs["weight"]),
        grouped_counts(outputs, act_groups, depth, specs["activation"]),
        grouped_counts(backprops, act_groups, depth, specs["backprop"]),
        flat_moments(grad, segment_ids, n_layers),
        flat_moments(params, segment_ids, n_layers),
        stacked_moments(outputs),
        stacked_moments(backprops),
    )
