"""A model's hooked train function, traced once and kept for every later monitored ``fit``.

Tracing the training step with the hook in costs a ``fit`` seconds for a
large model, and notebooks and tuners call ``fit`` many times. So the first
monitored ``fit`` of a model makes an :class:`~vgtui.keras.hook.OptimizerHook`
and a train function traced with it, and keeps both on the model; a later
``fit`` with a monitor (the same or a new one) puts that function in place
of Keras's own and starts the hook afresh: its step counter, ring buffers
and histogram stride are variables the traced step reads, so nothing is
traced again. Between monitored fits Keras's own train function is back in
place and the hook is out, so a plain ``fit`` neither pays for the hook nor
records anything.

The kept function is made anew when it no longer fits: Keras made a train
function of its own since (``compile``, a forced ``make_train_function``),
the optimizer is another, the monitor reads less often than the ring buffer
allows (or far more often: a read fetches the whole buffer), or it counts
histograms that the function was traced without, or more of them than the
buffer holds between two reads.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from vgtui.keras import _keras_internals as internals
from vgtui.keras.hook import OptimizerHook

#: Where a model keeps its KeptTrainFunction.
KEPT_ATTRIBUTE = "_vgtui_kept_train_function"
#: A kept ring buffer serves a monitor that needs at least this share of its capacity.
LARGEST_SHARE = 4


class KeptTrainFunction:
    """A model's hook and the train function traced with it, beside Keras's own.

    Args:
        model: the model trained by ``fit``.
        hook: the hook the kept function is traced with (installed only during a fit).
        plain: Keras's own train function, put back after every monitored fit.

    """

    def __init__(self, model: keras.Model, hook: OptimizerHook, plain: Callable[..., object]):
        """Keep the hook; the hooked function is made at the first :meth:`swap_in`."""
        self.model = model
        self.hook = hook
        self.plain = plain
        self.hooked: Callable[..., object] | None = None

    def serves(
        self, optimizer: keras.optimizers.Optimizer, capacity: int, histogram_every: int
    ) -> bool:
        """Whether a monitor of this ring ``capacity`` and histogram stride can use it as traced."""
        hook = self.hook
        recorder = hook.histograms
        if histogram_every and recorder is None:
            return False
        if recorder is not None and not recorder.holds(hook.capacity, histogram_every):
            return False
        return (
            internals.train_function(self.model) is self.plain
            and hook.optimizer is optimizer
            and capacity <= hook.capacity <= LARGEST_SHARE * capacity
        )

    def swap_in(self) -> None:
        """Put the hooked function in ``fit``'s place (made, not yet traced, the first time)."""
        if self.hooked is None:
            internals.rebuild_train_function(self.model)
            self.hooked = internals.train_function(self.model)
        else:
            internals.set_train_function(self.model, self.hooked)

    def swap_out(self) -> None:
        """Put Keras's own train function back: a later plain ``fit`` runs it."""
        internals.set_train_function(self.model, self.plain)


def for_fit(
    model: keras.Model, optimizer: keras.optimizers.Optimizer, capacity: int, histogram_every: int
) -> KeptTrainFunction:
    """The model's kept train function, its hook started afresh; made now if none serves.

    Call with Keras's own train function in place (as ``on_train_begin`` has it).

    Raises:
        ValueError: the model has no kernel, or is not built and trains
            under a distribution strategy.

    """
    kept = vars(model).get(KEPT_ATTRIBUTE)
    if isinstance(kept, KeptTrainFunction) and kept.serves(optimizer, capacity, histogram_every):
        kept.hook.reset()
        if kept.hook.histograms is not None:
            kept.hook.histograms.set_every(histogram_every)
        return kept
    hook = OptimizerHook.counting_every(model, optimizer, capacity, True, histogram_every)
    kept = KeptTrainFunction(model, hook, internals.train_function(model))
    vars(model)[KEPT_ATTRIBUTE] = kept
    return kept


def forget(model: keras.Model) -> None:
    """Drop the model's kept train function: the next monitored ``fit`` traces a new one."""
    vars(model).pop(KEPT_ATTRIBUTE, None)
