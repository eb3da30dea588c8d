"""The glorot2010 preset reproduces Glorot & Bengio's (2010) findings (Fig. 2, 6, 7 and 8)."""

import threading

import numpy as np
import pytest

from vgtui.config import RunConfig
from vgtui.data.presets import GLOROT2010_SAMPLES, glorot2010
from vgtui.distributions.summary import share_between
from vgtui.engine.trainer import Trainer
from vgtui.records import HistogramBlock, RunStart


def test_the_preset_is_the_papers_network_and_training():
    config = glorot2010()
    assert (config.depth, config.width, config.batch_size) == (5, 1000, 10)
    assert (config.activation, config.init, config.optimizer) == ("sigmoid", "standard", "sgd")
    assert (config.dataset, config.samples, config.epochs) == ("shapeset", GLOROT2010_SAMPLES, 1)
    assert glorot2010("tanh", "glorot_uniform").replace(depth=5) == config.replace(
        activation="tanh", init="glorot_uniform"
    )


def test_sigmoid_drives_the_top_hidden_layer_to_zero_while_the_others_stay_near_a_half():
    """Fig. 2: "very quickly at the beginning, all the sigmoid activation values of the last
    hidden layer are pushed to their lower saturation value of 0. Inversely, the others
    layers have a mean activation value that is above 0.5, and decreasing as we go from the
    output layer to the input layer."

    Thresholds: every layer starts at 0.50 (± 0.02: zero biases, weights symmetric about 0);
    over the preset's one epoch (300 updates) the top hidden layer's mean falls steadily
    (each counted step lower, to within 0.01) to 0.15 or less, with its SD under 0.03 (all
    its units near 0, not a spread around a lower mean); the other layers stay between 0.49
    and 0.70, not decreasing from the first layer up, the first at 0.50 ± 0.02.
    """
    records = []
    Trainer(glorot2010(), histograms=50).run(records.append, threading.Event())
    assert isinstance(records[0], RunStart) and records[0].info["histogram_every"] == 50
    blocks = [r for r in records if isinstance(r, HistogramBlock)]
    steps = np.concatenate([b.steps for b in blocks])
    mean = np.concatenate([b.activation_mean for b in blocks])  # (counted steps, 5 layers)
    sd = np.concatenate([b.activation_sd for b in blocks])
    np.testing.assert_array_equal(steps, [1, 51, 101, 151, 201, 251])
    np.testing.assert_allclose(mean[0], 0.5, atol=0.02)
    top = mean[:, -1]
    assert (np.diff(top) < 0.01).all() and top[-1] <= 0.15, top
    assert sd[-1, -1] < 0.03
    lower = mean[-1, :-1]
    assert ((lower > 0.49) & (lower < 0.70)).all(), lower
    assert (np.diff(lower) > -0.005).all(), lower
    assert abs(lower[0] - 0.5) < 0.02


def _at_initialization(init: str) -> HistogramBlock:
    """The histograms of a tanh network's first step over 300 images, as the paper's figures."""
    config: RunConfig = glorot2010("tanh", init).replace(samples=300, batch_size=300)
    trainer = Trainer(config, histograms=1)
    network = trainer.network
    try:
        return network.histogram_block(network.call_chunk(1, 1, 0, 1, False))
    finally:
        trainer.close()


def _sd(block: HistogramBlock, quantity: str) -> np.ndarray:
    """Each layer's SD of a quantity at the block's first step, from its exact moments."""
    moments = block.moments[quantity][0]
    n = block.counts[quantity][0].sum(axis=1)
    return np.sqrt(moments[:, 3] / n - (moments[:, 2] / n) ** 2)


@pytest.fixture(scope="module")
def tanh_at_initialization():
    return {init: _at_initialization(init) for init in ("standard", "glorot_uniform")}


def test_tanh_back_propagated_gradients_shrink_toward_the_input_only_with_standard_init(
    tanh_at_initialization,
):
    """Fig. 7 (and §4.2.1): at initialization with U[-1/√n, 1/√n], n Var[W] = 1/3, so in the
    linear regime the SD of the back-propagated gradient shrinks by 1/√3 ≈ 0.58 a layer going
    down (the paper measures the Jacobians' average singular value at 0.5); with the
    normalized initialization n Var[W] = 1 and it does not (0.8 measured in the paper).

    Thresholds: standard: each hidden layer's SD at most 0.7 times the one above, and the
    first layer's at most 0.2 times the top hidden layer's (0.58⁴ ≈ 0.11; 0.5⁴ ≈ 0.06);
    normalized (glorot_uniform): each at least 0.8 times the one above, and the first at
    least 0.41 times the top's (0.8⁴), so all within a factor 2.5.
    """
    standard = _sd(tanh_at_initialization["standard"], "backprop")
    ratios = standard[:-1] / standard[1:]
    assert (ratios <= 0.7).all() and standard[0] / standard[-1] <= 0.2, standard
    normalized = _sd(tanh_at_initialization["glorot_uniform"], "backprop")
    ratios = normalized[:-1] / normalized[1:]
    assert (ratios >= 0.8).all() and normalized[0] / normalized[-1] >= 0.41, normalized


def test_tanh_weight_gradients_stay_level_across_layers_even_with_standard_init(
    tanh_at_initialization,
):
    """Fig. 8 (eq. 14): "even though with standard initialization the back-propagated
    gradients get smaller, the weight gradients do not". Threshold: every hidden layer's
    kernel-gradient SD within 20% of the others' (the output layer's is apart)."""
    for block in tanh_at_initialization.values():
        hidden = _sd(block, "grad")[:-1]
        assert hidden.max() / hidden.min() < 1.2, hidden


def test_tanh_activations_peak_at_zero_higher_up_with_standard_init(tanh_at_initialization):
    """Fig. 6: with standard initialization the activations' "0-peak increases for higher
    layers"; with the normalized one the layers stay alike. Thresholds: the share of
    activations in [-0.1, 0.1] grows from each layer to the next with standard init and
    passes 0.9 at the top hidden layer; with glorot_uniform it stays under 0.5 in every layer.
    """
    block = tanh_at_initialization["standard"]
    spec = block.specs["activation"]
    near_zero = share_between(block.counts["activation"][0], spec, -0.1, 0.1)
    assert (np.diff(near_zero) > 0).all() and near_zero[-1] > 0.9, near_zero
    block = tanh_at_initialization["glorot_uniform"]
    near_zero = share_between(block.counts["activation"][0], spec, -0.1, 0.1)
    assert (near_zero < 0.5).all(), near_zero
