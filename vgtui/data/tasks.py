"""What each data set asks of a network: the size of an example and the number of classes."""

from __future__ import annotations

#: Data sets that are not points on the plane in two classes: dataset -> (inputs, classes).
TASKS: dict[str, tuple[int, int]] = {
    "shapeset": (32 * 32, 9),
}


def input_dim(dataset: str) -> int:
    """Inputs of one example of ``dataset``: 2 for points on the plane."""
    return TASKS.get(dataset, (2, 2))[0]


def n_classes(dataset: str) -> int:
    """Classes of ``dataset``: 2 for the points on the plane."""
    return TASKS.get(dataset, (2, 2))[1]


def on_the_plane(dataset: str) -> bool:
    """Whether the examples of ``dataset`` are points on the plane, with a decision boundary."""
    return input_dim(dataset) == 2
