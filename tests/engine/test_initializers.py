"""Each initializer's whole distribution, against Keras's formulas worked out here."""

import math

import numpy as np
import pytest
from scipy import stats

from vgtui.config import INITIALIZERS, RunConfig
from vgtui.engine.model import FlatMLP

#: The SD of a standard normal truncated at ±2: Keras divides by it so that the
#: truncated draw has the SD the formula asks for.
TRUNCATED_SD = stats.truncnorm(-2, 2).std()


def expected_distribution(init: str, fan_in: int, fan_out: int):
    """The distribution Keras draws a (fan_in, fan_out) kernel from, as a scipy one."""
    if init == "normal":
        return stats.norm(0.0, 1.0)
    if init == "small":
        return stats.norm(0.0, 0.01)
    if init == "standard":  # Glorot & Bengio's U[-1/sqrt(n), 1/sqrt(n)], n the fan-in
        limit = 1.0 / math.sqrt(fan_in)
        return stats.uniform(-limit, 2 * limit)
    fan = {"glorot": (fan_in + fan_out) / 2, "he": fan_in, "lecun": fan_in}[init.split("_")[0]]
    scale = 2.0 if init.startswith("he") else 1.0
    variance = scale / fan
    if init.endswith("uniform"):
        limit = math.sqrt(3 * variance)  # a uniform on ±limit has variance limit² / 3
        return stats.uniform(-limit, 2 * limit)
    sd = math.sqrt(variance) / TRUNCATED_SD  # the normal before truncation at ±2 of its SD
    return stats.truncnorm(-2, 2, loc=0.0, scale=sd)


@pytest.fixture(scope="module")
def kernels():
    """Every initializer's kernels of a 2 → 400 → 400 → 1 network."""
    return {
        init: FlatMLP(RunConfig(init=init, depth=2, width=400, seed=3)).kernels()
        for init in INITIALIZERS
    }


@pytest.mark.parametrize("init", INITIALIZERS)
def test_each_kernel_is_drawn_from_the_keras_distribution(kernels, init):
    for kernel in kernels[init]:  # (2, 400), (400, 400), (400, 1): fans differ
        fan_in, fan_out = kernel.shape
        expected = expected_distribution(init, fan_in, fan_out)
        draws = kernel.ravel().astype(np.float64)
        assert stats.kstest(draws, expected.cdf).pvalue > 1e-3, kernel.shape
        assert draws.std() == pytest.approx(expected.std(), rel=5 / math.sqrt(draws.size))


@pytest.mark.parametrize("init", ["glorot_normal", "he_normal", "lecun_normal"])
def test_truncated_normals_are_cut_at_two_sd(kernels, init):
    middle = kernels[init][1].ravel()  # 160,000 draws
    cut = expected_distribution(init, 400, 400).support()[1]  # 2 SD of the normal drawn
    assert np.abs(middle).max() <= cut * (1 + 1e-6)
    assert np.abs(middle).max() > 0.99 * cut  # the tails reach the cut: not a narrower law
    assert np.mean(np.abs(middle) > 0.95 * cut) > 0.005


@pytest.mark.parametrize("init", ["glorot_uniform", "he_uniform", "standard"])
def test_uniforms_are_bounded_and_reach_their_limit(kernels, init):
    middle = kernels[init][1].ravel()
    low, high = expected_distribution(init, 400, 400).support()
    assert low <= middle.min() < 0.999 * low and 0.999 * high < middle.max() <= high


@pytest.mark.parametrize("init", ["normal", "small"])
def test_plain_normals_are_not_truncated(kernels, init):
    middle = kernels[init][1].ravel()
    sd = expected_distribution(init, 400, 400).std()
    assert np.abs(middle).max() > 3.5 * sd  # 160,000 normal draws go past 4 SD


@pytest.mark.parametrize("init", INITIALIZERS)
def test_every_layer_draws_its_own_kernel(init):
    model = FlatMLP(RunConfig(init=init, depth=4, width=5, seed=11))
    ks = model.kernels()
    square = ks[1:4]  # three 5 × 5 kernels: the same draw would give equal arrays
    for i in range(len(square)):
        for j in range(i + 1, len(square)):
            assert not np.allclose(square[i], square[j])
    assert not np.allclose(ks[0].ravel()[:5], ks[-1].ravel())
    assert all(not b.any() for b in model.biases())  # biases start at zero, as Dense's
    other_seed = FlatMLP(RunConfig(init=init, depth=4, width=5, seed=12)).kernels()
    assert not np.allclose(ks[1], other_seed[1])


def test_a_users_keras_model_gets_the_same_standard_initializer():
    from vgtui.keras.model_file import keras_initializer

    kernel = np.asarray(keras_initializer("standard")((400, 300))).ravel()
    expected = expected_distribution("standard", 400, 300)
    assert stats.kstest(kernel.astype(np.float64), expected.cdf).pvalue > 1e-3
    assert np.abs(kernel).max() <= 1 / math.sqrt(400)
