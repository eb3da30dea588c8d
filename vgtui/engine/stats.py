"""Per-layer statistics of one training step, computed on the device.

Everything here runs inside the compiled call. The cheap per-step parts
(saturation, dead units, the mean activation derivative, finiteness) run in
the step; the moments of the gradients and weights run once per call, as
segment reductions over the stacked flat vectors of all its steps: a few
device operations for all layers and all steps together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import tensorflow as tf

#: The divergence code of a finite step.
FINITE = -2
#: The divergence code of a step whose loss alone is not finite.
LOSS_ONLY = -1

#: A unit is saturated (sigmoid, tanh) or dead (relu, elu, selu) where its
#: activation's derivative is below this fraction of the derivative's maximum.
SLOW_FRACTION = 0.05

#: Activations whose saturation is measured, from the layer's output.
SATURATING = ("sigmoid", "tanh")
#: Activations whose dead units are measured, from the layer's pre-activation,
#: and the pre-activation below which the derivative is under SLOW_FRACTION of
#: its maximum: 0 for relu, ln(SLOW_FRACTION) for elu and selu.
DYING = {"relu": 0.0, "elu": math.log(SLOW_FRACTION), "selu": math.log(SLOW_FRACTION)}


def saturation(activation: str, outputs: tf.Tensor) -> tf.Tensor:
    """Per layer, the fraction of units × examples whose derivative is nearly zero.

    Args:
        activation: "sigmoid" or "tanh".
        outputs: the hidden layers' activations, (depth, batch, width).

    Returns:
        (depth,) fractions.

    """
    if activation == "sigmoid":  # s' = s(1 - s), at most 1/4
        slow = outputs * (1.0 - outputs) < SLOW_FRACTION * 0.25
    else:  # tanh' = 1 - t², at most 1
        slow = 1.0 - tf.square(outputs) < SLOW_FRACTION
    return tf.reduce_mean(tf.cast(slow, tf.float32), axis=[1, 2])


def dead_fraction(activation: str, pre_activations: tf.Tensor) -> tf.Tensor:
    """Per layer, the fraction of units inactive for every example in the batch.

    Args:
        activation: "relu", "elu" or "selu".
        pre_activations: the hidden layers' inputs to the activation, (depth, batch, width).

    Returns:
        (depth,) fractions.

    """
    inactive = tf.reduce_all(pre_activations <= DYING[activation], axis=1)
    return tf.reduce_mean(tf.cast(inactive, tf.float32), axis=1)


def activation_derivative_mean(
    activation: Callable[[tf.Tensor], tf.Tensor], pre_activations: tf.Tensor
) -> tf.Tensor:
    """Per layer, the mean of the activation's derivative over the batch and the units.

    The derivative is the activation's own, by automatic differentiation of
    the element-wise function at the layer's pre-activations (for relu, 0 at
    0, as TensorFlow takes it).

    Args:
        activation: the element-wise activation function.
        pre_activations: the hidden layers' inputs to it, (depth, batch, width).

    Returns:
        (depth,) means.

    """
    with tf.GradientTape() as tape:
        tape.watch(pre_activations)
        outputs = activation(pre_activations)
    derivative = tape.gradient(outputs, pre_activations)  # element-wise: d out_i / d pre_i
    return tf.reduce_mean(derivative, axis=[1, 2])


def health(
    activation: str,
    pre_activations: tf.Tensor,
    outputs: tf.Tensor,
    n_layers: int,
    activation_fn: Callable[[tf.Tensor], tf.Tensor] | None = None,
) -> tf.Tensor:
    """Saturation and dead fractions and the mean activation derivative of every layer.

    ``activation_fn`` is the activation itself, for its derivative (NaN without it).

    Returns:
        (n_layers, 3): saturation, dead, act_deriv_mean, NaN where not
        measured. The output layer's row is NaN.

    """
    depth = n_layers - 1
    nan = tf.fill([depth], math.nan)
    sat = saturation(activation, outputs) if activation in SATURATING else nan
    dead = dead_fraction(activation, pre_activations) if activation in DYING else nan
    deriv = nan
    if activation_fn is not None:
        deriv = activation_derivative_mean(activation_fn, pre_activations)
    rows = tf.stack([sat, dead, deriv], axis=1)
    return tf.pad(rows, [[0, 1], [0, 0]], constant_values=math.nan)


#: Columns of :func:`health`'s rows.
HEALTH_COLUMNS = 3


def layer_moments(
    values: tf.Tensor,
    segment_ids: tf.Tensor,
    kernel_sizes: tf.Tensor,
    segment_sizes: Sequence[int] | None = None,
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """Mean, population SD (two-pass, as numpy.std) and L2 norm of each layer's kernel.

    Args:
        values: flat parameter-shaped vectors, one per step, (steps, params).
        segment_ids: the model's sorted segment ids; id ``layers`` (biases) is left out.
        kernel_sizes: entries in each layer's kernel, (layers,).
        segment_sizes: the number of entries of each segment id, if known: then each
            entry's layer mean is laid out by broadcasting, not gathered (the same
            values; a gather of millions of rows costs several times more).

    Returns:
        Three (steps, layers) tensors.

    """
    n_layers = kernel_sizes.shape[0]
    by_entry = tf.transpose(values)  # (params, steps)
    mean = tf.math.segment_sum(by_entry, segment_ids)[:n_layers] / kernel_sizes[:, None]
    mean_all = tf.pad(mean, [[0, 1], [0, 0]])  # biases: any value, they are dropped
    if segment_sizes is None:
        entry_means = tf.gather(mean_all, segment_ids)
    else:
        steps = tf.shape(by_entry)[1]
        entry_means = tf.concat(
            [tf.broadcast_to(mean_all[i], [n, steps]) for i, n in enumerate(segment_sizes)], 0
        )
    centred = by_entry - entry_means
    var = tf.math.segment_sum(tf.square(centred), segment_ids)[:n_layers] / kernel_sizes[:, None]
    sumsq = tf.math.segment_sum(tf.square(by_entry), segment_ids)[:n_layers]
    return tf.transpose(mean), tf.transpose(tf.sqrt(var)), tf.transpose(tf.sqrt(sumsq))


def layer_stats(
    grads: tf.Tensor,
    params: tf.Tensor,
    segment_ids: tf.Tensor,
    kernel_sizes: tf.Tensor,
    health_rows: tf.Tensor,
    segment_sizes: Sequence[int] | None = None,
) -> tf.Tensor:
    """Statistics of a run of steps, (steps, layers, len(STAT_NAMES)), in STAT_NAMES order.

    Args:
        grads: each step's flat gradient, (steps, params).
        params: each step's flat parameters after its update, (steps, params).
        segment_ids: the model's segment ids.
        kernel_sizes: entries in each layer's kernel.
        health_rows: each step's :func:`health` rows, (steps, layers, HEALTH_COLUMNS).
        segment_sizes: entries of each segment id (see :func:`layer_moments`).

    """
    g_mean, g_sd, g_norm = layer_moments(grads, segment_ids, kernel_sizes, segment_sizes)
    w_mean, w_sd, _ = layer_moments(params, segment_ids, kernel_sizes, segment_sizes)
    return tf.concat([tf.stack([g_mean, g_sd, g_norm, w_mean, w_sd], axis=2), health_rows], 2)


def first_bad_layer(
    loss: tf.Tensor, grad: tf.Tensor, outputs: tf.Tensor, segment_ids: tf.Tensor, n_layers: int
) -> tf.Tensor:
    """Where the step stopped being finite.

    Returns FINITE for a finite step; else the first hidden layer (input side first)
    whose output is not finite; else the layer nearest the output whose
    gradient is not, which is where the backward pass broke; else LOSS_ONLY.
    """
    out_bad = tf.logical_not(tf.reduce_all(tf.math.is_finite(outputs), axis=[1, 2]))
    finite = tf.cast(tf.math.is_finite(grad), tf.int32)
    grad_bad = tf.math.unsorted_segment_min(finite, segment_ids, n_layers + 1)[:n_layers] < 1
    depth = n_layers - 1
    first_out = tf.cast(tf.argmax(tf.cast(out_bad, tf.int32)), tf.int32)
    last_grad = n_layers - 1 - tf.cast(tf.argmax(tf.cast(grad_bad[::-1], tf.int32)), tf.int32)
    code = tf.where(tf.reduce_any(grad_bad), last_grad, tf.constant(FINITE))
    if depth:
        code = tf.where(tf.reduce_any(out_bad), first_out, code)
    loss_bad = tf.logical_not(tf.math.is_finite(loss))
    return tf.where(loss_bad & (code == FINITE), tf.constant(LOSS_ONLY), code)
