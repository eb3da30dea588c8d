"""The status line: state, epoch and step, speed, elapsed time, outcome."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vgtui.display.status import Status
from vgtui.session.clock import format_elapsed

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
    "reading": "bold yellow",
    "following": "bold green",
    "writer stopped": "bold black on yellow",
}


def status_fields(status: Status) -> list[tuple[int, str, str]]:
    """Return the status line's fields as (priority, text, style), in screen order.

    A lower priority number is more important; :func:`status_text` drops the
    least important fields first when the line is too narrow.
    """
    fields = [
        (0, f" {status.state} ", _state_style(status.state)),
        (1, f"epoch {status.epoch}" + (f"/{status.epochs}" if status.epochs else ""), ""),
    ]
    if not status.cursor:  # the cursor names the step itself
        fields.append((3, f"step {status.step}" + (f"/{status.steps}" if status.steps else ""), ""))
    if status.loss is not None and status.accuracy is not None:
        before = f"{status.accuracy_before:.3f}→" if status.accuracy_before is not None else ""
        fields.append((5, f"loss {status.loss:.3f}", ""))
        fields.append((2, f"acc {before}{status.accuracy:.3f}".replace("nan", "–"), ""))
    if status.rate is not None:
        fields.append((4, f"trains {status.rate:,.0f} steps/s", ""))
    if status.elapsed is not None:
        fields.append((2, format_elapsed(status.elapsed), ""))
    if status.pace:
        fields.append((3, f"pace {status.pace}", "dim"))
    if status.cursor:
        fields.insert(1, (0, status.cursor, "bold reverse"))
    if status.detail:
        fields.append((1, status.detail, "italic"))
    return fields


def _state_style(state: str) -> str:
    """Style of the state's label; any "diverged at …" state is red."""
    if state.startswith("diverged"):
        return "bold white on red"
    return STATE_STYLES.get(state, "bold")


def status_text(status: Status, width: int | None = None) -> Text:
    """Return the status line, leaving out the least important fields to fit ``width``."""
    fields = status_fields(status)
    while width is not None and len(fields) > 1 and _length(fields) > width:
        worst = max(range(1, len(fields)), key=lambda i: (fields[i][0], i))
        del fields[worst]
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, (_, part, style) in enumerate(fields):
        if i:
            text.append("  ")
        text.append(part, style=style)
    return text


def _length(fields: list[tuple[int, str, str]]) -> int:
    """Cells the fields take, with two spaces between neighbours."""
    return sum(len(part) for _, part, _ in fields) + 2 * (len(fields) - 1)


class StatusLine(Static):
    """One line saying what the run is doing."""

    _status: Status | None = None

    def show(self, status: Status) -> None:
        """Display ``status``, as much of it as fits."""
        if status == self._status:
            return
        self._status = status
        self.update(status_text(status, self.size.width or None), layout=False)

    def on_resize(self) -> None:
        """Fit the line to its new width."""
        if self._status is not None:
            self.update(status_text(self._status, self.size.width or None), layout=False)
