"""Shapeset-3×2: shapes, balance, determinism, and each image holding what its class says."""

from collections import Counter

import numpy as np
import pytest
from matplotlib.path import Path

from vgtui.data.shapeset import BRIGHT, CLASSES, DARK, SHAPES, SIZE, make_shapeset


@pytest.fixture(scope="module")
def drawn():
    return make_shapeset(450, seed=3)


def _mask(data, i: int, slot: int) -> np.ndarray:
    """The pixels whose centres lie in image i's shape ``slot``, computed afresh.

    Polygons by matplotlib's point-in-polygon test on the corners; ellipses by
    solving for each centre's point on the unit disc the shape was stretched from.
    """
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
    if SHAPES[data.shapes[i, slot]] == "ellipse":
        q = np.linalg.solve(data.linear[i, slot], (centres - data.offset[i, slot]).T)
        return np.hypot(q[0], q[1]) <= 0.5
    return Path(data.outline(i, slot)).contains_points(centres)


def test_images_are_32_by_32_grey_levels_in_minus_one_to_one(drawn):
    assert drawn.images.shape == (450, SIZE * SIZE) and drawn.images.dtype == np.float32
    levels = (drawn.images + 1) / 2 * 255
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)  # levels of 1/255
    assert drawn.images.min() >= -1 and drawn.images.max() <= 1
    plain = make_shapeset(450, seed=3, centered=False)
    np.testing.assert_allclose(plain.images * 2 - 1, drawn.images, atol=1e-6)


def test_the_nine_classes_are_balanced():
    for n in (9, 100, 1000):
        counts = np.bincount(make_shapeset(n, seed=1).labels, minlength=9)
        assert len(counts) == 9 and counts.max() - counts.min() <= 1 and counts.sum() == n


def test_the_same_seed_draws_the_same_images_and_another_seed_others():
    a, b, c = make_shapeset(200, 7), make_shapeset(200, 7), make_shapeset(200, 8)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, c.images)


def test_each_image_holds_the_shapes_its_class_names(drawn):
    for i in range(len(drawn.labels)):
        kinds = [int(k) for k in drawn.shapes[i] if k >= 0]
        assert Counter(kinds) == Counter(CLASSES[drawn.labels[i]])
        levels = np.round((drawn.images[i] + 1) / 2 * 255).astype(int)
        background = int(drawn.background[i])
        # One grey level for the background and one for each shape, each on its own side.
        assert len(np.unique(levels)) == 1 + len(kinds)
        dark_background = DARK[0] <= background <= DARK[1]
        for slot in range(len(kinds)):
            grey = int(drawn.grey[i, slot])
            lo, hi = BRIGHT if dark_background else DARK
            assert lo <= grey <= hi
        masks = [_mask(drawn, i, slot) for slot in range(len(kinds))]
        top = masks[-1]
        np.testing.assert_array_equal(levels == drawn.grey[i, len(kinds) - 1], top)
        if len(kinds) == 2:
            visible = masks[0] & ~top
            np.testing.assert_array_equal(levels == drawn.grey[i, 0], visible)
            assert visible.sum() >= 0.5 * masks[0].sum()  # covered at most by half
        assert all(m.sum() >= 8 for m in masks)
        border = np.zeros((SIZE, SIZE), bool)
        border[[0, -1], :] = border[:, [0, -1]] = True
        assert (levels.reshape(SIZE, SIZE)[border] == background).all()  # a pixel to spare


def test_polygons_are_triangles_and_parallelograms(drawn):
    for i, slot in zip(*np.nonzero(drawn.shapes >= 0)):
        kind = SHAPES[drawn.shapes[i, slot]]
        if kind == "ellipse":
            continue
        corners = drawn.outline(i, slot)
        assert len(corners) == {"triangle": 3, "parallelogram": 4}[kind]
        if kind == "parallelogram":  # the diagonals halve each other
            np.testing.assert_allclose(corners[0] + corners[2], corners[1] + corners[3])


def test_sizes_places_and_angles_vary(drawn):
    area = np.abs(np.linalg.det(drawn.linear[:, 0]))  # of the stretched unit square
    assert area.min() < 0.1 * SIZE**2 and area.max() > 0.3 * SIZE**2
    centres = drawn.offset[:, 0]
    assert centres.min() < 10 and centres.max() > SIZE - 10
    # The direction of each first shape's longer axis: spread over the half-turn.
    u, _, _ = np.linalg.svd(drawn.linear[:, 0])
    angle = np.arctan2(u[:, 1, 0], u[:, 0, 0]) % np.pi
    assert np.histogram(angle, bins=6, range=(0, np.pi))[0].min() > 40


def test_a_shapeset_run_is_judged_against_a_chance_of_one_in_nine():
    import math

    from vgtui.config import RunConfig
    from vgtui.diagnosis import chance_of
    from vgtui.history import History
    from vgtui.records import RunStart

    def chance(dataset: str) -> float:
        history = History()
        config = RunConfig(dataset=dataset)
        history.record(RunStart(config, "CPU", config.layer_names, math.nan, math.nan))
        return chance_of(history.view())

    assert chance("shapeset") == pytest.approx(1 / 9) and chance("circles") == 0.5
