"""The two-class data sets on the plane that the network learns."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import make_circles, make_moons

from vgtui.config import RunConfig


def make_dataset(config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """Return inputs (samples, 2) and 0/1 labels (samples,), both float32.

    ``circles`` is the tutorial's ``make_circles(factor=0.5)``; ``moons`` is
    scikit-learn's; ``xor`` is the four quadrants of the unit square; ``spiral``
    is two interleaved arms. ``noise`` is the SD of Gaussian noise on the points.
    """
    n, noise, seed = config.samples, config.noise, config.seed
    rng = np.random.default_rng(seed)
    if config.dataset == "circles":
        x, y = make_circles(n_samples=n, factor=0.5, noise=noise, random_state=seed)
    elif config.dataset == "moons":
        x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    elif config.dataset == "xor":
        x = rng.uniform(-1.0, 1.0, size=(n, 2))
        y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
        x = x + rng.normal(0.0, noise, size=x.shape)
    elif config.dataset == "spiral":
        y = np.arange(n) % 2
        t = rng.uniform(0.25, 1.0, size=n) * 3 * np.pi
        x = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1)
        x = x / (3 * np.pi) + rng.normal(0.0, noise, size=x.shape)
    else:  # RunConfig validation makes this unreachable
        raise ValueError(f"unknown dataset {config.dataset!r}")
    return x.astype(np.float32), y.astype(np.float32)
