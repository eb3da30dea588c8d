"""The status line: state, epoch and step, speed, elapsed time, outcome."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from vgtui.ui.clock import format_elapsed

#: Style of each state's label.
STATE_STYLES: dict[str, str] = {
    "loading TensorFlow": "bold yellow",
    "building": "bold yellow",
    "compiling": "bold yellow",
    "training": "bold green",
    "paused": "bold reverse",
    "done": "bold cyan",
    "stopped": "bold",
    "failed": "bold red",
}


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


def status_text(status: Status) -> Text:
    """Return the status line for ``status``; rate and elapsed only when given."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {status.state} ", style=STATE_STYLES.get(status.state, "bold"))
    text.append(f"  epoch {status.epoch}/{status.epochs}")
    text.append(f"  step {status.step}/{status.steps}")
    if status.loss is not None and status.accuracy is not None:
        text.append(f"  loss {status.loss:.3f}  acc ")
        if status.accuracy_before is not None:
            text.append(f"{status.accuracy_before:.3f}→")
        text.append(f"{status.accuracy:.3f}")
    if status.rate is not None:
        text.append(f"  {status.rate:,.0f} steps/s")
    if status.elapsed is not None:
        text.append(f"  {format_elapsed(status.elapsed)}")
    if status.detail:
        text.append(f"  {status.detail}", style="italic")
    return text


class StatusLine(Static):
    """One line saying what the run is doing."""

    def show(self, status: Status) -> None:
        """Display ``status``."""
        self.update(status_text(status))
