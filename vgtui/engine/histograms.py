"""Per-layer histograms of a training step, counted on the device.

The bins are :mod:`vgtui.distributions`' specs, and the counts are exactly
those of :func:`vgtui.distributions.count` on the same float32 values: a
value's slot is the number of edges at or below it (``Bucketize``, an upper
bound search, as ``searchsorted(side="right")``), exact zeros and NaNs in
slots of their own. All layers of a quantity are one ``bincount``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from vgtui.distributions.bins import QUANTITIES, BinSpec

#: Min, max, sum and sum of squares: the moments kept of each layer's values.
MOMENTS = 4


def layout(specs: dict[str, BinSpec], n_layers: int) -> list[tuple[str, int, int]]:
    """How a step's counts are packed: (quantity, rows, slots) in QUANTITIES order.

    "grad" and "weight" have a row for every Dense layer, "activation" and
    "backprop" one for every hidden layer.
    """
    rows = {"grad": n_layers, "weight": n_layers, "activation": n_layers - 1}
    rows["backprop"] = n_layers - 1
    return [(q, rows[q], specs[q].slots) for q in QUANTITIES]


def unpack(
    counts: np.ndarray, moments: np.ndarray, specs: dict[str, BinSpec], n_layers: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each quantity's counts (steps, rows, slots) and moments (steps, rows, MOMENTS).

    ``counts`` and ``moments`` are :func:`step_histograms`' packed rows, stacked (steps, …).
    """
    steps = len(counts)
    by_count, by_moment = {}, {}
    c = m = 0
    for q, rows, slots in layout(specs, n_layers):
        by_count[q] = counts[:, c : c + rows * slots].reshape(steps, rows, slots)
        by_moment[q] = moments[:, m : m + rows * MOMENTS].reshape(steps, rows, MOMENTS)
        c, m = c + rows * slots, m + rows * MOMENTS
    return by_count, by_moment


def packed_sizes(specs: dict[str, BinSpec], n_layers: int) -> tuple[int, int]:
    """Lengths of a step's packed counts and moments (see :func:`step_histograms`)."""
    shapes = layout(specs, n_layers)
    n_rows = sum(rows for _, rows, _ in shapes)
    return sum(rows * slots for _, rows, slots in shapes), n_rows * MOMENTS


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
) -> tuple[tf.Tensor, tf.Tensor]:
    """A step's histograms, packed into two vectors (see :func:`layout` and :func:`unpack`).

    Returns the counts (int32) and the moments (float64) of every quantity in
    QUANTITIES order, each layer's row after the other's: two vectors carry a
    step's histograms through the training loops as cheaply as they can be.

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
    counts = [
        grouped_counts(grad, segment_ids, n_layers, specs["grad"]),
        grouped_counts(params, segment_ids, n_layers, specs["weight"]),
        grouped_counts(outputs, act_groups, depth, specs["activation"]),
        grouped_counts(backprops, act_groups, depth, specs["backprop"]),
    ]
    moments = [
        flat_moments(grad, segment_ids, n_layers),
        flat_moments(params, segment_ids, n_layers),
        stacked_moments(outputs),
        stacked_moments(backprops),
    ]
    return (
        tf.concat([tf.reshape(c, [-1]) for c in counts], 0),
        tf.concat([tf.reshape(m, [-1]) for m in moments], 0),
    )
