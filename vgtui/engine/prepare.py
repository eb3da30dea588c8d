"""Compiling the networks a user is likely to ask for next, while the current run trains.

A new network shape costs its first compiled call (half a second and more on
a small CPU); a shape compiled before costs nothing. While a run of the app
trains, the shapes one key away (the next and previous activation, and the
tutorial's three) are built and compiled in a thread of their own and put in
the pool of compiled networks (:mod:`vgtui.engine.trainer`), so that ``a``
reaches a training run at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from vgtui.config import ACTIVATIONS, RunConfig
from vgtui.engine.device import choose_device
from vgtui.engine.trainer import CompiledNetwork, _release, pooled, shape_key

#: The activations the tutorial compares: prepared whatever the current one.
TUTORIAL = ("sigmoid", "tanh", "relu")

_PREPARING: set[tuple[object, ...]] = set()
_LOCK = threading.Lock()


def neighbours(config: RunConfig) -> list[RunConfig]:
    """The configs one key away from ``config``: next and previous activation, the tutorial's."""
    index = ACTIVATIONS.index(config.activation)
    near = [ACTIVATIONS[(index + 1) % len(ACTIVATIONS)], ACTIVATIONS[index - 1], *TUTORIAL]
    return [config.replace(activation=a) for a in dict.fromkeys(near) if a != config.activation]


def prepare(configs: Iterable[RunConfig], stop: threading.Event | None = None) -> int:
    """Build and compile a network for each of ``configs`` whose shape has none; return how many.

    Each is compiled by one call that trains nothing (the loss before
    training), then lent to the pool. ``stop`` ends the work between networks.
    """
    made = 0
    for config in configs:
        if stop is not None and stop.is_set():
            break
        key = shape_key(config, True, choose_device(config).device)
        with _LOCK:
            if key in _PREPARING or pooled(key):
                continue
            _PREPARING.add(key)
        try:
            network = CompiledNetwork(config)
            network.evaluate()  # traces and runs the compiled call once
            _release(network)
            made += 1
        finally:
            with _LOCK:
                _PREPARING.discard(key)
    return made


def prepare_in_background(config: RunConfig, stop: threading.Event) -> threading.Thread:
    """Prepare the neighbours of ``config`` in a daemon thread; ``stop`` ends it early."""
    thread = threading.Thread(
        target=prepare, args=(neighbours(config), stop), name="vgtui-prepare", daemon=True
    )
    thread.start()
    return thread
