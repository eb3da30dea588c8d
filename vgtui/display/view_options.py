"""What the monitor shows and how: the view switches and the time cursor, in plain Python."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ViewOptions:
    """The monitor's switches.

    Attributes:
        log_scale: gradient SD on a log10 scale (else linear).
        weights: the layer rows show the kernels, not their gradients.
        heatmap: the heatmap toggled (it also comes on by itself when rows do not fit).
        figure: the per-layer SD figure beside (or instead of) the loss chart.
        heat_shift: decades the heatmap's scale is shifted down (negative: up).
        cursor: the epoch the time cursor is at; None follows the run live.

    """

    log_scale: bool = True
    weights: bool = False
    heatmap: bool = False
    figure: bool = False
    heat_shift: int = 0
    cursor: int | None = None

    def toggled(self, name: str) -> ViewOptions:
        """A copy with the boolean switch ``name`` flipped."""
        return replace(self, **{name: not getattr(self, name)})


def cursor_step(epochs: int) -> int:
    """Epochs one press of an arrow moves the cursor: one, or a hundredth of a long run."""
    return max(1, epochs // 100)


def moved_cursor(cursor: int | None, latest: int, step: int) -> int | None:
    """The cursor ``step`` epochs on from ``cursor`` (None: from the latest), within 1..latest.

    None when there is no epoch to stand on yet.
    """
    if latest < 1:
        return None
    start = latest if cursor is None else cursor
    return max(1, min(latest, start + step))
