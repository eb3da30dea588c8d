"""Compiling the networks that are likely to come next, while the current run trains.

A new network shape costs its first compiled call (half a second and more on
a small CPU); a shape compiled before costs nothing. While a run trains, the
shapes of the runs a sweep has still to make, and in the app the shapes one
key away (the next and previous activation, and the tutorial's three), are
built and compiled in a thread of their own and put in the pool of compiled
networks (:mod:`vgtui.engine.trainer`), so that ``a`` reaches a training run
at once and a sweep's next shape does not wait for its compile. They are
compiled as the runs they are for will run, with the same histograms and
boundary (see :func:`prepare`): a network counting none is not the shape of a
run that counts them, and would never be used.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from vgtui import background
from vgtui.config import ACTIVATIONS, RunConfig
from vgtui.engine.device import choose_device
from vgtui.engine.trainer import (
    CompiledNetwork,
    _release,
    histogram_every,
    pooled,
    shape_key,
    xla_twin_for,
)

#: The activations the tutorial compares: prepared whatever the current one.
TUTORIAL = ("sigmoid", "tanh", "relu")

_PREPARING: set[tuple[object, ...]] = set()
_LOCK = threading.Lock()


def neighbours(config: RunConfig) -> list[RunConfig]:
    """The configs one key away from ``config``: next and previous activation, the tutorial's."""
    index = ACTIVATIONS.index(config.activation)
    near = [ACTIVATIONS[(index + 1) % len(ACTIVATIONS)], ACTIVATIONS[index - 1], *TUTORIAL]
    return [config.replace(activation=a) for a in dict.fromkeys(near) if a != config.activation]


def prepare(
    configs: Iterable[RunConfig],
    stop: threading.Event | None = None,
    histograms: bool | int = False,
    boundary: bool = True,
    coming: Sequence[RunConfig] = (),
) -> int:
    """Build and compile a network for each of ``configs`` whose shape has none; return how many.

    Each is compiled by one call that trains nothing (the loss before
    training), then lent to the pool. ``stop`` ends the work between networks.
    ``histograms`` and ``boundary`` are the Trainer's arguments of the runs
    they are for (``histograms`` True: every
    :func:`~vgtui.engine.trainer.histogram_every` steps, a number: every that
    many, False: none): a network is used only by runs that count and evaluate as it does.
    ``coming`` are the runs a sweep will make: once every network is compiled,
    those whose shape these runs train long enough get their XLA twins
    compiled too, one after the other (see :func:`~vgtui.engine.trainer.xla_twin_for`).
    """
    made = 0
    networks = []
    for config in configs:
        if stop is not None and stop.is_set():
            break
        every = histogram_every(config) if histograms is True else int(histograms)
        key = shape_key(config, True, choose_device(config).device, boundary, every)
        with _LOCK:
            if key in _PREPARING or pooled(key):
                continue
            _PREPARING.add(key)
        try:
            network = CompiledNetwork(config, boundary=boundary, histograms=every)
            network.evaluate()  # traces and runs the compiled call once
            _release(network)
            networks.append(network)
            made += 1
        finally:
            with _LOCK:
                _PREPARING.discard(key)
    for network in networks:
        if stop is not None and stop.is_set():
            break
        twin = xla_twin_for(network, steps_of_shape(network.config, coming))
        if twin is not None:
            twin.build()  # this thread is a background one already
    return made


def ahead_of(config: RunConfig, coming: Iterable[RunConfig], near: bool) -> list[RunConfig]:
    """What to prepare while ``config`` trains: one config of each shape to come, in order.

    ``coming`` are the runs a sweep will make next; with ``near``, the
    neighbours of ``config`` follow them. A shape of ``config``'s own is left
    out (its network is the one training, and comes back to the pool when the
    run ends), as is a shape already listed.
    """
    candidates = [*coming, *(neighbours(config) if near else [])]
    own = _shape(config)
    seen = {own}
    chosen = []
    for candidate in candidates:
        shape = _shape(candidate)
        if shape not in seen:
            seen.add(shape)
            chosen.append(candidate)
    return chosen


def steps_of_shape(config: RunConfig, runs: Iterable[RunConfig]) -> int:
    """The steps the runs among ``runs`` of ``config``'s network shape train in all."""
    shape = _shape(config)
    return sum(run.epochs * run.steps_per_epoch for run in runs if _shape(run) == shape)


def _shape(config: RunConfig) -> tuple[object, ...]:
    """The part of a config that fixes its compiled network (histograms aside)."""
    return shape_key(config, True, choose_device(config).device, True)


def prepare_in_background(
    configs: list[RunConfig],
    stop: threading.Event,
    histograms: bool | int = False,
    boundary: bool = True,
    coming: Sequence[RunConfig] = (),
) -> threading.Thread:
    """Prepare ``configs`` (see :func:`prepare`) in a daemon thread; ``stop`` ends it early.

    ``histograms``, ``boundary``, ``coming``: as :func:`prepare` takes them.
    """
    return background.start(lambda: prepare(configs, stop, histograms, boundary, coming), "prepare")
