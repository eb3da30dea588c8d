"""Presets: whole settings that re-create an experiment, by name.

``glorot2010`` is Glorot & Bengio's (2010) setting: Shapeset-3×2 images
(:mod:`vgtui.data.shapeset`), five hidden layers of 1000 units, sigmoid (or
tanh, or softsign), their "standard" initialization U[-1/√n, 1/√n] with zero
biases, a softmax over the nine classes with the negative log-likelihood, and
plain SGD on minibatches of ten.

What it does not follow: the paper does not give its learning rates (each
model's was chosen on validation error after 5 million updates); 0.1 here is
one at which the early saturation of its Fig. 2 shows within the first few
hundred updates (the top hidden layer's mean activation from 0.50 to about 0.1
by update 250, the others at 0.50 to 0.65). The paper trains online on an
endless stream of images; an epoch here goes over a fixed set of
GLOROT2010_SAMPLES images (300 updates), so that ``--epochs 1`` takes about a
minute on this project's 2-core CPU (43 to 65 s measured, shared with other
work, TensorFlow's import and histograms every 100th step included). Its
Fig. 2 is of four hidden layers (five never left the saturation in its runs),
its statistics of 300 fixed test examples; here there are five, and the
statistics are of each recorded step's batch.
"""

from __future__ import annotations

from collections.abc import Callable

from vgtui.config import RunConfig

#: Images in an epoch of the glorot2010 preset (one update every ten).
GLOROT2010_SAMPLES = 3_000
#: Its learning rate (the paper chose each model's on validation error and does not say it).
GLOROT2010_LR = 0.1


def glorot2010(activation: str = "sigmoid", init: str = "standard", seed: int = 42) -> RunConfig:
    """The settings of Glorot & Bengio (2010), with a hidden ``activation`` and an ``init``.

    ``activation``: sigmoid, tanh or softsign; ``init``: standard, or
    glorot_uniform (their "normalized" initialization).
    """
    return RunConfig(
        activation=activation,
        init=init,
        depth=5,
        width=1000,
        epochs=1,
        batch_size=10,
        lr=GLOROT2010_LR,
        optimizer="sgd",
        dataset="shapeset",
        samples=GLOROT2010_SAMPLES,
        seed=seed,
    )


#: Every preset, by the name ``--preset`` takes.
PRESETS: dict[str, Callable[..., RunConfig]] = {"glorot2010": glorot2010}
