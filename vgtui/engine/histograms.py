"""Per-layer histograms of a training step, counted on the device.

The bins are :mod:`vgtui.distributions`' specs, and the counts are exactly
those of :func:`vgtui.distributions.count` on the same float32 values: a
value's slot is the number of edges at or below it (``Bucketize``, an upper
bound search, as ``searchsorted(side="right")``), exact zeros and NaNs in
slots of their own. All layers of a quantity are one ``bincount``.
"""

from __future__ import annotations

import math

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
    "activation_mean",
    "activation_sd",
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


def _moments(
    values: tf.Tensor, reduce: tuple[object, object, object], finite: tf.Tensor
) -> tf.Tensor:
    """Min, max, sum and sum of squares (…, 4), float64, of the finite values, by ``reduce``."""
    reduce_min, reduce_max, reduce_sum = reduce
    x = tf.cast(tf.where(finite, values, 0.0), tf.float64)
    low = reduce_min(tf.where(finite, tf.cast(values, tf.float64), math.inf))
    high = reduce_max(tf.where(finite, tf.cast(values, tf.float64), -math.inf))
    return tf.stack([low, high, reduce_sum(x), reduce_sum(tf.square(x))], axis=-1)


def flat_moments(flat: tf.Tensor, segment_ids: tf.Tensor, n_layers: int) -> tf.Tensor:
    """Moments (n_layers, 4) of each layer's kernel in a flat parameter vector (biases left out)."""

    def by(op):
        return lambda v: op(v, segment_ids)[:n_layers]

    finite = tf.math.is_finite(flat)
    return _moments(
        flat,
        (by(tf.math.segment_min), by(tf.math.segment_max), by(tf.math.segment_sum)),
        finite,
    )


def stacked_moments(stacked: tf.Tensor) -> tf.Tensor:
    """Moments (layers, 4) of each layer of a stacked (layers, batch, width) tensor."""

    def over(op):
        return lambda v: op(v, axis=[1, 2])

    finite = tf.math.is_finite(stacked)
    return _moments(
        stacked, (over(tf.reduce_min), over(tf.reduce_max), over(tf.reduce_sum)), finite
    )


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
    mean = tf.reduce_mean(outputs, axis=[1, 2])
    sd = tf.sqrt(tf.reduce_mean(tf.square(outputs - mean[:, None, None]), axis=[1, 2]))
    return (
        grouped_counts(grad, segment_ids, n_layers, specs["grad"]),
        grouped_counts(params, segment_ids, n_layers, specs["weight"]),
        grouped_counts(outputs, act_groups, depth, specs["activation"]),
        grouped_counts(backprops, act_groups, depth, specs["backprop"]),
        flat_moments(grad, segment_ids, n_layers),
        flat_moments(params, segment_ids, n_layers),
        stacked_moments(outputs),
        stacked_moments(backprops),
        mean,
        sd,
    )
