"""The story on the monitor: the activations compared on one network, why, and where next.

The tutorial trains one network three times, with sigmoid, tanh and relu,
and compares the gradient each layer gets. :func:`story_frame` gathers the
runs of the network on screen that differ only in their activation (the
latest of each, the one training included) into one frame: each run's first
hidden layer's median gradient SD on one log scale, as a multiple of
sigmoid's, with its accuracy and verdict; one line on why (the product of the
activation's derivatives, which sigmoid caps at 1/4 a layer); and the next
thing to try. Plain Python: the story panel only draws it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from vgtui.config import ACTIVATIONS, RunConfig
from vgtui.diagnosis import median_layer_sds
from vgtui.display.theory import SIGMOID_MAX_DERIVATIVE, derivative_chain
from vgtui.history import HistoryView

#: The activations the tutorial compares, in its order.
TUTORIAL_ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: The depth of the deep version (``d``): enough for the slope to span decades.
DEEP_DEPTH = 10
#: The most derivatives the reason lists one by one.
MAX_FACTORS = 6


@dataclass(frozen=True, eq=False)
class StoryRun:
    """One run the story may show: its settings, records and outcome.

    Attributes:
        config: its settings.
        view: its records.
        verdict: its verdict ("" while none).
        live: it is the run on screen, still training or just started.

    """

    config: RunConfig
    view: HistoryView
    verdict: str = ""
    live: bool = False


@dataclass(frozen=True, eq=False)
class StoryRow:
    """One activation's line.

    Attributes:
        activation: the hidden layers' activation.
        first_sd: the first hidden layer's gradient SD, median over the steps so far.
        layer_sds: every layer's median gradient SD, input side first.
        multiple: ``first_sd`` over the baseline's (None: no baseline yet, or this is it).
        accuracy: accuracy on all the data after the latest epoch (None: no epoch yet).
        epoch: the latest epoch, and ``epochs`` the run's length.
        verdict: the run's verdict ("" while none).
        live: the run is still training.

    """

    activation: str
    first_sd: float
    layer_sds: np.ndarray
    multiple: float | None
    accuracy: float | None
    epoch: int
    epochs: int
    verdict: str
    live: bool


@dataclass(frozen=True, eq=False)
class StoryFrame:
    """What the story panel draws.

    Attributes:
        rows: one per activation, the tutorial's first.
        baseline: the activation the multiples are of (sigmoid, when it ran).
        why: one line on why the first layer's gradient is smaller (empty: nothing to say yet).
        next_step: the next thing to try, with its key ("" when there is none).
        waiting: what is under way before the first number (empty once there is one).
        typical: how typical the run's seed is, in a line ("" to say nothing).

    """

    rows: tuple[StoryRow, ...]
    baseline: str
    why: str
    next_step: str
    waiting: str = ""
    typical: str = ""


def same_network(a: RunConfig, b: RunConfig) -> bool:
    """Whether ``a`` and ``b`` differ in nothing but their activation."""
    return replace(a, activation=b.activation) == b


def story_frame(runs: Sequence[StoryRun], current: RunConfig, deep_tried: bool) -> StoryFrame:
    """The story of the runs of ``current``'s network, one row an activation (the latest of each).

    Args:
        runs: the kept runs, oldest first, then the run on screen.
        current: the settings of the run on screen.
        deep_tried: the deep version was tried already (its hint is not shown again).

    """
    latest: dict[str, StoryRun] = {}
    for run in runs:
        if same_network(run.config, current):
            latest[run.config.activation] = run
    order = [a for a in (*TUTORIAL_ACTIVATIONS, *ACTIVATIONS) if a in latest]
    order = list(dict.fromkeys(order))
    sds = {a: median_layer_sds(latest[a].view) for a in order}
    baseline = "sigmoid" if "sigmoid" in order else (order[0] if order else "")
    base_sd = _first(sds[baseline]) if baseline else math.nan
    rows = []
    for activation in order:
        run = latest[activation]
        first = _first(sds[activation])
        multiple = None
        if activation != baseline and math.isfinite(base_sd) and base_sd > 0:
            multiple = first / base_sd if math.isfinite(first) else None
        epoch_record = run.view.latest
        rows.append(
            StoryRow(
                activation=activation,
                first_sd=first,
                layer_sds=sds[activation],
                multiple=multiple,
                accuracy=epoch_record.accuracy if epoch_record is not None else None,
                epoch=epoch_record.epoch if epoch_record is not None else 0,
                epochs=run.config.epochs,
                verdict=run.verdict,
                live=run.live,
            )
        )
    why = why_line(latest.get("sigmoid") or (latest.get(current.activation)))
    next_step = ""
    if not deep_tried and current.depth < DEEP_DEPTH:
        next_step = deep_hint(current)
    elif len(rows) < 2:
        next_step = "next: s  sigmoid, tanh and relu on this network, in turn"
    return StoryFrame(tuple(rows), baseline, why, next_step)


def _first(sds: np.ndarray) -> float:
    """The first layer's value of a per-layer array (NaN when empty)."""
    return float(sds[0]) if len(sds) else math.nan


def why_line(run: StoryRun | None) -> str:
    """Why the first layer's gradient shrinks, with the run's own product of derivatives."""
    if run is None:
        return ""
    chain = derivative_chain(run.view)
    if chain is None:
        return ""
    depth = len(chain.derivatives)
    factors = [f"{d:.2f}" for d in chain.derivatives[::-1]]
    if depth > MAX_FACTORS:  # the first few and the last, for a deep network
        factors = [*factors[:3], "…", *factors[-2:]]
    values = "·".join(factors)
    product = f"{values} = {chain.product:.1e}"
    if run.config.activation == "sigmoid":
        bound = SIGMOID_MAX_DERIVATIVE**depth
        return (
            f"why: each layer's f' multiplies the gradient on its way down, and sigmoid's "
            f"f' ≤ 1/4 ({depth} layers: ≤ {bound:.0e}); here {product}"
        )
    return (
        f"why: each layer's f' multiplies the gradient on its way down; "
        f"{run.config.activation}'s here: {product}"
    )


def deep_hint(current: RunConfig) -> str:
    """The deep version, with its key: the same network, DEEP_DEPTH sigmoid layers."""
    return f"next: d  {DEEP_DEPTH} sigmoid layers: the gradient falls decades, layer by layer"
