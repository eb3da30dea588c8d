"""What the status line says about a run, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from vgtui.history import HistoryView
from vgtui.pace import pace_label
from vgtui.records import diverged_where
from vgtui.run import Run


@dataclass(frozen=True)
class Status:
    """What the status line shows."""

    state: str
    epoch: int = 0
    epochs: int = 0
    step: int = 0
    steps: int = 0
    rate: float | None = None
    elapsed: float | None = None
    accuracy: float | None = None
    accuracy_before: float | None = None
    loss: float | None = None
    detail: str = ""
    pace: str = ""
    cursor: str = ""


def run_status(
    run: Run,
    view: HistoryView,
    *,
    engine_seen: bool,
    timing: bool,
    pace: float | None,
    cursor_of: int | None,
) -> Status:
    """What the status line says about ``run`` as ``view`` shows it.

    Args:
        run: the run on screen.
        view: its records, up to the time cursor's epoch.
        engine_seen: a run has started in this session (TensorFlow is loaded).
        timing: show the speed and the elapsed time.
        pace: the session's pace, epochs a second (None: as fast as it trains).
        cursor_of: with the time cursor on, the steps of the whole run so far.

    """
    state = view.state
    if run.viewed and state in ("loading", "training"):
        state = "reading"  # a log or a file: nothing is built or compiled
    elif state == "loading":  # the source may say what it does before its first record
        state = run.source.phase or ("building" if engine_seen else "loading TensorFlow")
    if run.paused and not view.ended:
        state = "paused"
    latest = view.latest
    diverged = ""
    if latest is not None and latest.diverged_step is not None:
        where = diverged_where(latest.diverged_layer, view.layer_names)
        diverged = state = f"diverged at step {latest.diverged_step} ({where})"
    detail = view.error if view.state == "failed" and view.error else ""
    done = view.summary is not None and view.state == "done"
    loss, accuracy = (latest.loss, latest.accuracy) if latest else (None, None)
    if diverged and view.summary is not None:
        # The diverged epoch was not evaluated: show the last finite one's.
        loss, accuracy = view.summary.final_loss, view.summary.accuracy_after
    config = run.config
    timing = timing and not run.viewed  # a viewed run's pace is the reading's
    steps = config.total_steps if config else 0
    cursor = ""
    if cursor_of is not None:
        cursor = f"at step {view.steps_done}/{steps or cursor_of}"
    live = run.pace is not None and not view.ended
    return Status(
        state=state,
        epoch=latest.epoch if latest else 0,
        epochs=config.epochs if config else 0,
        step=view.steps_done,
        steps=steps,
        rate=_rounded(run.clock.rate) if timing else None,
        elapsed=float(int(run.clock.elapsed)) if timing else None,
        accuracy=accuracy,
        accuracy_before=view.summary.accuracy_before if done and view.summary else None,
        loss=loss,
        detail=detail,
        pace=pace_label(pace) if live else "",
        cursor=cursor,
    )


def _rounded(rate: float | None) -> float | None:
    """Round a rate to two significant figures, so that it does not flicker."""
    if rate is None or rate <= 0:
        return rate
    return float(f"{rate:.2g}")
