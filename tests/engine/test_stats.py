"""The on-device statistics against hand-built layers whose answers are known."""

import math

import numpy as np
import pytest
import tensorflow as tf

from vgtui.engine import stats


def test_sigmoid_saturation_counts_units_whose_derivative_is_below_5_percent():
    # s(1 - s) < 0.0125 exactly where s < 0.01266 or s > 0.98734.
    layer0 = [[0.5, 0.012, 0.99, 0.2], [0.013, 0.987, 0.9874, 0.001]]
    layer1 = [[0.5, 0.5, 0.5, 0.5], [0.999, 0.999, 0.999, 0.999]]
    fractions = stats.saturation("sigmoid", tf.constant([layer0, layer1])).numpy()
    np.testing.assert_allclose(fractions, [4 / 8, 4 / 8])


def test_tanh_saturation_uses_one_minus_t_squared():
    # 1 - t² < 0.05 exactly where |t| > 0.97468.
    outs = tf.constant([[[0.0, 0.974, -0.975, 0.999]]])
    assert stats.saturation("tanh", outs).numpy()[0] == pytest.approx(2 / 4)


def test_dead_units_are_inactive_for_every_example():
    pre = tf.constant(
        [
            [[-1.0, 2.0, -0.5], [-3.0, -1.0, 0.0]],  # unit 0 and unit 2 dead, unit 1 alive
            [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]],
        ]
    )
    np.testing.assert_allclose(stats.dead_fraction("relu", pre).numpy(), [2 / 3, 0.0])
    # elu: dead below ln(0.05) ≈ -3.0 for every example.
    pre_elu = tf.constant([[[-3.1, -2.9], [-4.0, -5.0]]])
    np.testing.assert_allclose(stats.dead_fraction("elu", pre_elu).numpy(), [0.5])


def test_health_is_nan_where_it_does_not_apply():
    pre = tf.zeros([2, 3, 4])
    rows = stats.health("tanh", pre, tf.zeros([2, 3, 4]), n_layers=3).numpy()
    assert rows.shape == (3, stats.HEALTH_COLUMNS) == (3, 3)
    assert rows[0, 0] == 0.0 and math.isnan(rows[0, 1])  # tanh: saturation only
    assert np.isnan(rows[:, 2]).all()  # no activation given: no derivative
    assert np.isnan(rows[2]).all()  # the output layer
    rows = stats.health("gelu", pre, pre, n_layers=3).numpy()
    assert np.isnan(rows).all()
    rows = stats.health("tanh", pre, tf.tanh(pre), n_layers=3, activation_fn=tf.tanh).numpy()
    np.testing.assert_allclose(rows[:2, 2], [1.0, 1.0])  # tanh'(0) = 1
    assert np.isnan(rows[2, 2])


def test_activation_derivative_mean_averages_over_batch_and_units():
    pre = tf.constant([[[0.0, 1.0], [-1.0, 2.0]], [[-3.0, -2.0], [0.5, 4.0]]])
    means = stats.activation_derivative_mean(tf.nn.relu, pre).numpy()
    np.testing.assert_allclose(means, [2 / 4, 2 / 4])  # relu: the share of positive inputs
    s = 1 / (1 + np.exp(-pre.numpy()))
    means = stats.activation_derivative_mean(tf.sigmoid, pre).numpy()
    np.testing.assert_allclose(means, (s * (1 - s)).mean(axis=(1, 2)), rtol=1e-6)


def test_layer_moments_match_numpy_per_layer():
    rng = np.random.default_rng(0)
    sizes = [6, 10, 3]
    values = rng.normal(size=(4, sum(sizes) + 5)).astype(np.float32)  # 5 bias entries
    ids = np.concatenate([np.full(n, i) for i, n in enumerate(sizes)] + [np.full(5, 3)])
    mean, sd, norm = stats.layer_moments(
        tf.constant(values), tf.constant(ids, tf.int32), tf.constant(sizes, tf.float32)
    )
    start = 0
    for layer, n in enumerate(sizes):
        part = values[:, start : start + n].astype(np.float64)
        np.testing.assert_allclose(mean.numpy()[:, layer], part.mean(1), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sd.numpy()[:, layer], part.std(1), rtol=1e-5)
        np.testing.assert_allclose(norm.numpy()[:, layer], np.linalg.norm(part, axis=1), rtol=1e-5)
        start += n


def test_first_bad_layer_prefers_the_forward_pass_then_the_backward_pass():
    ids = tf.constant([0, 0, 1, 1, 2, 3], tf.int32)  # 3 layers, then biases
    good_out = tf.ones([2, 1, 1])
    finite = tf.constant([1.0, 1, 1, 1, 1, 1])
    assert stats.first_bad_layer(tf.constant(0.5), finite, good_out, ids, 3) == stats.FINITE
    grad = tf.constant([math.nan, 1, math.inf, 1, 1, 1])
    assert stats.first_bad_layer(tf.constant(0.5), grad, good_out, ids, 3) == 1
    bad_out = tf.constant([[[1.0]], [[math.inf]]])
    assert stats.first_bad_layer(tf.constant(0.5), grad, bad_out, ids, 3) == 1
    bad_out = tf.constant([[[math.nan]], [[math.inf]]])
    assert stats.first_bad_layer(tf.constant(0.5), grad, bad_out, ids, 3) == 0
    loss = tf.constant(math.nan)
    assert stats.first_bad_layer(loss, finite, good_out, ids, 3) == stats.LOSS_ONLY
