"""The two-class data sets on the plane that the network learns, and the plane around them.

Plain numpy; scikit-learn (for ``circles`` and ``moons``) is imported on the
first call, not with this module: importing it takes about a second, and the
app must draw its first frame before that. The engine trains on these points
and the app draws them, so both see the same data.
"""

from __future__ import annotations

import numpy as np

from vgtui.config import RunConfig

#: The plane around the data reaches this fraction of the data's span past it on every side.
MARGIN = 0.1

Extent = tuple[float, float, float, float]


def make_dataset(config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """Return inputs (samples, 2) and 0/1 labels (samples,), both float32.

    ``circles`` is the tutorial's ``make_circles(factor=0.5)``; ``moons`` is
    scikit-learn's; ``xor`` is the four quadrants of the unit square; ``spiral``
    is two interleaved arms. ``noise`` is the SD of Gaussian noise on the points.
    ``shapeset`` is not points but Glorot & Bengio's 32 × 32 images (samples, 1024),
    labelled 0..8 (see :mod:`vgtui.data.shapeset`); ``noise`` does not apply to it.
    """
    n, noise, seed = config.samples, config.noise, config.seed
    rng = np.random.default_rng(seed)
    if config.dataset == "circles":
        from sklearn.datasets import make_circles

        x, y = make_circles(n_samples=n, factor=0.5, noise=noise, random_state=seed)
    elif config.dataset == "moons":
        from sklearn.datasets import make_moons

        x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    elif config.dataset == "xor":
        x = rng.uniform(-1.0, 1.0, size=(n, 2))
        y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
        x = x + rng.normal(0.0, noise, size=x.shape)
    elif config.dataset == "shapeset":
        from vgtui.data.shapeset import make_shapeset

        shapes = make_shapeset(n, seed)
        return shapes.images, shapes.labels.astype(np.float32)
    elif config.dataset == "spiral":
        y = np.arange(n) % 2
        t = rng.uniform(0.25, 1.0, size=n) * 3 * np.pi
        x = np.stack([t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)], axis=1)
        x = x / (3 * np.pi) + rng.normal(0.0, noise, size=x.shape)
    else:  # RunConfig validation makes this unreachable
        raise ValueError(f"unknown dataset {config.dataset!r}")
    return x.astype(np.float32), y.astype(np.float32)


def plane_extent(x: np.ndarray) -> Extent:
    """The square of the plane a decision boundary is drawn over: (x_min, x_max, y_min, y_max).

    It holds every point of ``x`` (samples, 2) with MARGIN of the larger span
    to spare on each side, and is square, so that circles stay round.
    """
    finite = x[np.isfinite(x).all(axis=1)].astype(np.float64)
    if len(finite) == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    low, high = finite.min(axis=0), finite.max(axis=0)
    centre = (low + high) / 2
    span = float((high - low).max())
    half = span * (0.5 + MARGIN) if span > 0 else 1.0
    return (
        float(centre[0] - half),
        float(centre[0] + half),
        float(centre[1] - half),
        float(centre[1] + half),
    )


def grid_points(extent: Extent, size: int) -> np.ndarray:
    """The ``size`` × ``size`` points of a grid over ``extent``, (size * size, 2), float32.

    Point ``r * size + c`` is column ``c`` (x, left to right) of row ``r``
    (y, bottom to top): a probability computed for each point, reshaped to
    (size, size), has y along its first axis, the lowest row first.
    """
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, size)
    ys = np.linspace(y0, y1, size)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
