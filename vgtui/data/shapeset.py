"""Shapeset-3×2, the synthetic task of Glorot & Bengio (2010), generated in numpy with a seed.

Each image is 32 × 32 grey pixels holding one or two shapes among a
triangle, a parallelogram and an ellipse; the task is to say which shapes are
there, whatever their order: nine classes (three single shapes, three pairs of
different shapes, three pairs of the same shape).

What follows the paper (§2.1) and its authors' generator (Xavier Glorot's
``Shapeset``, ``polygongen.py`` with the Shapeset-3×2 parameters of its
example, ``examplecurripolygen.py``):

- each shape is a regular polygon (3 or 4 corners) or a circle of diameter 1,
  turned by a random angle within its symmetry, stretched by two independent
  random factors, each uniform in [0.2, 0.8] × 32 pixels, then turned by an
  angle uniform in [0, 2π): any triangle, any parallelogram, any ellipse;
- it is placed uniformly where it lies wholly inside the image with a pixel to
  spare on every side;
- the background's grey level is uniform in [0, 0.45] and each shape's in
  [0.55, 1] (levels of 1/255), or, for half the images, the other way round;
- a second shape may cover at most half of the first one's area; it is
  redrawn (size, angles, place) until it does;
- the class numbers are the generator's (``convertout``): 0 triangle,
  1 parallelogram, 2 ellipse, 3 triangle + parallelogram, 4 parallelogram +
  ellipse, 5 triangle + ellipse, 6 two triangles, 7 two parallelograms, 8 two
  ellipses;
- pixels are scaled to [-1, 1] (the generator's ``neg=True``) unless asked
  for in [0, 1].

Where this differs from that generator:

- the classes are balanced exactly (image i's class is drawn from a
  permutation of ``arange(n) % 9``); the generator draws one or two shapes
  with even odds and each shape's kind uniformly, so single shapes come out
  3 times, and pairs of the same shape half, as often as pairs of different
  shapes;
- the ellipse is an exact ellipse, not the generator's 20-cornered polygon;
  the shapes' angles are continuous, not one of 255;
- a pixel is inside a shape where its centre is (the generator fills with
  pygame's polygon rasterizer), and the overlap is counted in pixels, not
  estimated from the shapes' extents;
- the two shapes of an image always have different grey levels (the
  generator lets them coincide, 1 time in 116), so each is visible;
- the paper trains online on an endless stream; a run here draws one fixed
  set of images (``samples`` of them) and goes over it by epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Side of the square images, in pixels.
SIZE = 32
#: The shape kinds, by id.
SHAPES: tuple[str, ...] = ("triangle", "parallelogram", "ellipse")
#: The nine classes, by number: the shape ids each holds (the generator's ``convertout`` order).
CLASSES: tuple[tuple[int, ...], ...] = (
    (0,),
    (1,),
    (2,),
    (0, 1),
    (1, 2),
    (0, 2),
    (0, 0),
    (1, 1),
    (2, 2),
)
#: Corners of the polygon each shape kind is drawn from (0 for the ellipse's circle).
CORNERS: tuple[int, ...] = (3, 4, 0)
#: Stretch of a shape along each of its axes, as a fraction of the image's side.
SCALE_RANGE = (0.2, 0.8)
#: Grey levels (out of 255) of the dark and the bright side; the background takes one.
DARK = (0, 114)
BRIGHT = (140, 255)
#: The most of the first shape's area (in pixels) a second shape may cover.
OVERLAP_MAX = 0.5
#: Images rasterized at a time: bounds the memory a large set takes while it is drawn.
CHUNK = 2048

_CENTRES = (np.stack(np.meshgrid(np.arange(SIZE), np.arange(SIZE)), axis=-1) + 0.5).reshape(-1, 2)


def base_vertices(kind: int) -> np.ndarray:
    """The corners (k, 2) of the regular polygon a shape kind is drawn from (circumradius 1/2)."""
    k = CORNERS[kind]
    angles = 2 * np.pi * np.arange(k) / k
    return 0.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _rotation(theta: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 2, 2) by the angles ``theta``."""
    c, s = np.cos(theta), np.sin(theta)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


def _inside(kind: int, inverse: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Which pixels' centres lie in each shape: (m, SIZE²) booleans.

    A shape is the base shape of ``kind`` mapped by p = A q + offset; ``inverse`` is A⁻¹ (m, 2, 2).
    Each test is linear (a polygon's edges) or quadratic (an ellipse) in the pixel's
    coordinates, so all the pixels of all the shapes are one matrix product.
    """
    x, y = _CENTRES[:, 0], _CENTRES[:, 1]
    k = CORNERS[kind]
    if k:  # inside every edge: u · A⁻¹ (p - t) <= apothem, for each outward normal u
        angles = 2 * np.pi * (np.arange(k) + 0.5) / k
        normals = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (k, 2)
        w = np.einsum("kj,mji->mki", normals, inverse)  # rows u A⁻¹, (m, k, 2)
        const = 0.5 * math.cos(math.pi / k) + np.einsum("mki,mi->mk", w, offset)
        features = np.stack([x, y], axis=1)  # (P, 2)
        coeffs = w.reshape(-1, 2).T  # (2, m k)
        out = np.empty((len(inverse), SIZE * SIZE), bool)
        for begin in range(0, len(inverse), CHUNK):
            part = slice(begin, begin + CHUNK)
            dots = (features @ coeffs[:, begin * k : (begin + CHUNK) * k]).reshape(len(x), -1, k)
            inside = dots[:, :, 0] <= const[part, 0]
            for edge in range(1, k):
                inside &= dots[:, :, edge] <= const[part, edge]
            out[part] = inside.T
        return out
    # |A⁻¹ (p - t)|² <= 1/4, written as a quadratic form in (x, y) with Q = A⁻ᵀ A⁻¹
    q = np.einsum("mji,mjk->mik", inverse, inverse)
    qt = np.einsum("mij,mj->mi", q, offset)
    coeffs = np.stack(
        [
            q[:, 0, 0],
            2 * q[:, 0, 1],
            q[:, 1, 1],
            -2 * qt[:, 0],
            -2 * qt[:, 1],
            np.einsum("mi,mi->m", offset, qt) - 0.25,
        ]
    )  # (6, m)
    features = np.stack([x * x, x * y, y * y, x, y, np.ones_like(x)], axis=1)  # (P, 6)
    out = np.empty((len(inverse), SIZE * SIZE), bool)
    for begin in range(0, len(inverse), CHUNK):
        part = slice(begin, begin + CHUNK)
        out[part] = (features @ coeffs[:, part] <= 0).T
    return out


def _draw_shapes(
    rng: np.random.Generator, kinds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random shapes of the given kinds: their linear maps, offsets and masks.

    Returns:
        (m, 2, 2) linear maps A, (m, 2) offsets t (a base point q lands at
        A q + t, in pixels), and (m, SIZE²) masks of the pixels each covers.

    """
    m = len(kinds)
    corners = np.array(CORNERS)[kinds]
    period = np.where(corners > 0, 2 * np.pi / np.maximum(corners, 1), 2 * np.pi)
    turn = rng.uniform(0.0, 1.0, m) * period  # within the polygon's own symmetry
    scales = np.sort(rng.uniform(*SCALE_RANGE, (m, 2)) * SIZE, axis=1)[:, ::-1]
    angle = rng.uniform(0.0, 2 * np.pi, m)
    linear = _rotation(angle) @ (scales[:, :, None] * _rotation(turn))  # R(angle) S R(turn)
    low, high = np.empty((m, 2)), np.empty((m, 2))
    for kind in range(len(SHAPES)):
        mine = kinds == kind
        if CORNERS[kind]:
            points = np.einsum("mij,kj->mki", linear[mine], base_vertices(kind))
            low[mine], high[mine] = points.min(axis=1), points.max(axis=1)
        else:  # an ellipse's half-extent along each axis is ½ the norm of A's row
            half = 0.5 * np.linalg.norm(linear[mine], axis=2)
            low[mine], high[mine] = -half, half
    offset = rng.uniform(1.0 - low, SIZE - 1.0 - high)
    inverse = np.linalg.inv(linear)
    masks = np.empty((m, SIZE * SIZE), bool)
    for kind in range(len(SHAPES)):
        mine = np.flatnonzero(kinds == kind)
        masks[mine] = _inside(kind, inverse[mine], offset[mine])
    return linear, offset, masks


@dataclass(frozen=True, eq=False)
class Shapeset:
    """A drawn set of Shapeset-3×2 images and how each was made.

    Attributes:
        images: (n, 1024) float32 pixels, row by row, in [-1, 1] (or [0, 1]).
        labels: (n,) class numbers, 0..8 (see CLASSES).
        shapes: (n, 2) shape ids, the lower one first; -1 where an image has one shape.
        linear: (n, 2, 2, 2) each shape's linear map A (a point q of its
            base shape lands at A q + offset, in pixels: x right, y down).
        offset: (n, 2, 2) each shape's offset (its centre), in pixels.
        grey: (n, 2) each shape's grey level out of 255 (0 where absent).
        background: (n,) the background's grey level out of 255.

    """

    images: np.ndarray
    labels: np.ndarray
    shapes: np.ndarray
    linear: np.ndarray
    offset: np.ndarray
    grey: np.ndarray
    background: np.ndarray

    def outline(self, i: int, slot: int) -> np.ndarray:
        """The corners (k, 2) of image ``i``'s polygon in ``slot``, in pixels (x, y)."""
        kind = int(self.shapes[i, slot])
        return base_vertices(kind) @ self.linear[i, slot].T + self.offset[i, slot]


def make_shapeset(n: int, seed: int, centered: bool = True) -> Shapeset:
    """Draw ``n`` Shapeset-3×2 images with their labels, the same for the same seed.

    Args:
        n: how many images.
        seed: seed of every random draw.
        centered: pixels in [-1, 1] (the generator's ``neg=True``); else in [0, 1].

    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES))
    pairs = np.array([(*c, -1) if len(c) == 1 else c for c in CLASSES])[labels]
    swap = (pairs[:, 1] >= 0) & (rng.random(n) < 0.5)  # which of a pair is drawn first
    pairs[swap] = pairs[swap, ::-1]
    two = pairs[:, 1] >= 0

    bright_shapes = rng.random(n) < 0.5
    dark, bright = np.array(DARK), np.array(BRIGHT)
    bg_range = np.where(bright_shapes[:, None], dark, bright)
    fg_range = np.where(bright_shapes[:, None], bright, dark)
    background = rng.integers(bg_range[:, 0], bg_range[:, 1] + 1)
    levels = fg_range[:, 1] - fg_range[:, 0] + 1
    first_grey = rng.integers(0, levels)
    other = (first_grey + 1 + rng.integers(0, levels - 1)) % levels  # any level but the first's
    grey = np.stack([first_grey, np.where(two, other, -fg_range[:, 0])], 1) + fg_range[:, :1]

    linear = np.zeros((n, 2, 2, 2))
    offset = np.zeros((n, 2, 2))
    linear[:, 0], offset[:, 0], first = _draw_shapes(rng, pairs[:, 0])
    second = np.zeros((n, SIZE * SIZE), bool)
    todo = np.flatnonzero(two)
    while len(todo):
        lin, off, masks = _draw_shapes(rng, pairs[todo, 1])
        covered = np.count_nonzero(masks & first[todo], axis=1)
        ok = covered <= OVERLAP_MAX * np.count_nonzero(first[todo], axis=1)
        done = todo[ok]
        linear[done, 1], offset[done, 1], second[done] = lin[ok], off[ok], masks[ok]
        todo = todo[~ok]

    grey = grey.astype(np.uint8)
    pixels = np.repeat(background.astype(np.uint8)[:, None], SIZE * SIZE, axis=1)
    pixels = np.where(first, grey[:, :1], pixels)
    pixels = np.where(second, grey[:, 1:], pixels)
    images = pixels.astype(np.float32) / np.float32(255)
    if centered:
        images = images * np.float32(2) - np.float32(1)
    return Shapeset(
        images=images,
        labels=labels.astype(np.int64),
        shapes=pairs.astype(np.int8),
        linear=linear,
        offset=offset,
        grey=grey,
        background=background.astype(np.uint8),
    )
