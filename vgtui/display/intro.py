"""What the screen says while TensorFlow loads: the data, the network, what to expect, the progress.

TensorFlow's import takes 10 to 20 seconds on a small machine. Those seconds
are spent telling the newcomer what they are about to see. The progress is
read from the modules TensorFlow has imported so far (no TensorFlow import
here: only ``sys.modules`` is looked at).
"""

from __future__ import annotations

import sys

from vgtui.config import RunConfig

#: Modules of TensorFlow's own (tensorflow, keras) that ``import tensorflow`` imports:
#: 2,120 for TensorFlow 2.21 on Linux (tests/engine/test_loading.py checks the order of size).
TENSORFLOW_MODULES = 2120
#: Prefixes of those modules.
TENSORFLOW_PREFIXES = ("tensorflow", "keras", "tf_keras")


def tensorflow_progress() -> float:
    """How far TensorFlow's import has come, 0 to 1 (its modules imported so far)."""
    count = sum(1 for name in list(sys.modules) if name.startswith(TENSORFLOW_PREFIXES))
    return min(1.0, count / TENSORFLOW_MODULES)


def network_text(config: RunConfig) -> str:
    """The network in one line, e.g. ``2 → 4 × Dense(5, sigmoid) → Dense(1, sigmoid)``."""
    return (
        f"input (2) → {config.depth} × Dense({config.width}, {config.activation}) "
        f"→ Dense(1, sigmoid)"
    )


def progress_bar(fraction: float, cells: int) -> str:
    """A bar of ``cells`` filled to ``fraction``."""
    filled = round(max(0.0, min(1.0, fraction)) * cells)
    return "█" * filled + "░" * (cells - filled)


def intro_text(
    config: RunConfig,
    tour: bool,
    elapsed: float | None,
    progress: float | None,
    typical: str = "",
) -> str:
    """The lines shown while TensorFlow loads, the first run's settings ``config``.

    Args:
        config: the first run's settings.
        tour: the tutorial's three runs follow (sigmoid, tanh, relu), not one run.
        elapsed: seconds since the app started (None: no clock on screen).
        progress: how far the import has come, 0 to 1 (None: not shown).
        typical: how typical the seed is, in a line ("" to say nothing).

    """
    data = f"data: {config.dataset}, {config.samples} points (right: the two classes)"
    network = f"network: {network_text(config)}, {config.init} weights, {config.optimizer}"
    if tour:
        plan = (
            "vgtui trains it three times, as the tutorial does: sigmoid, then tanh, then relu, "
            "and compares the gradient SD each layer gets."
        )
        expect = (
            "expect: sigmoid's gradients fade toward the input: its first layer's SD 10 to "
            "100× below tanh's and relu's, its accuracy stuck near 0.6 while theirs reach 0.99."
        )
    else:
        plan = f"vgtui trains it for {config.epochs} epochs and draws each layer's gradient."
        expect = (
            "expect: a layer whose gradient SD sits decades below the output layer's is "
            "vanishing: it hardly learns."
        )
    lines = [data, network, plan, expect]
    if typical:
        lines.append(typical)
    bar = "…" if progress is None else progress_bar(progress, 20)
    seconds = "" if elapsed is None else f" {elapsed:.0f} s"
    lines.append(f"loading TensorFlow {bar}{seconds} (10 to 20 s on a small machine)")
    return "\n".join(lines)
