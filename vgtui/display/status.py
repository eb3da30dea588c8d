"""What the status line says about a run, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from vgtui.config import RunConfig
from vgtui.history import HistoryView
from vgtui.records import diverged_where


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


@dataclass(frozen=True)
class RunFacts:
    """What the status line needs to know of a run besides its records.

    Attributes:
        config: its settings (None: a network other than the built-in one).
        viewed: read from a log or a file, not trained here.
        paused: held by the user.
        phase: what its source does before its first record, in words (None: nothing to say).
        rate: steps a second (None: not shown).
        elapsed: seconds since it started (None: not shown).
        pace: the pace it is shown at, in words ("" when not paced).

    """

    config: RunConfig | None
    viewed: bool = False
    paused: bool = False
    phase: str | None = None
    rate: float | None = None
    elapsed: float | None = None
    pace: str = ""


def run_status(
    run: RunFacts, view: HistoryView, *, engine_seen: bool, cursor_of: int | None
) -> Status:
    """What the status line says about ``run`` as ``view`` shows it.

    Args:
        run: what is known of the run besides its records.
        view: its records, up to the time cursor's epoch.
        engine_seen: a run has started in this session (TensorFlow is loaded).
        cursor_of: with the time cursor on, the steps of the whole run so far.

    """
    state = view.state
    if run.viewed and state in ("loading", "training"):
        state = "reading"  # a log or a file: nothing is built or compiled
    elif state == "loading":  # the source may say what it does before its first record
        state = run.phase or ("building" if engine_seen else "loading TensorFlow")
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
    steps = config.total_steps if config else 0
    epochs = config.epochs if config else view.start.epochs if view.start else 0
    cursor = ""
    if cursor_of is not None:
        cursor = f"at step {view.steps_done}/{steps or cursor_of}"
    return Status(
        state=state,
        epoch=latest.epoch if latest else 0,
        epochs=epochs,
        step=view.steps_done,
        steps=steps,
        rate=rounded(run.rate) if not run.viewed else None,
        elapsed=None if run.viewed or run.elapsed is None else float(int(run.elapsed)),
        accuracy=accuracy,
        accuracy_before=view.summary.accuracy_before if done and view.summary else None,
        loss=loss,
        detail=detail,
        pace=run.pace if not view.ended else "",
        cursor=cursor,
    )


def rounded(rate: float | None) -> float | None:
    """Round a rate to two significant figures, so that it does not flicker."""
    if rate is None or rate <= 0:
        return rate
    return float(f"{rate:.2g}")
