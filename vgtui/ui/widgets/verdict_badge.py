"""The run's verdict as a coloured badge, with its one-sentence reason beside it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

#: Style of each verdict's badge; the word itself says it without colour.
VERDICT_STYLES: dict[str, str] = {
    "healthy": "bold black on green",
    "vanishing": "bold black on cyan",
    "exploding": "bold white on red",
    "diverged": "bold white on red",
}


def verdict_text(verdict: str, reason: str) -> Text:
    """Return the badge line: `` VANISHING `` in its colour, then the reason."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not verdict:
        text.append(" verdict … ", style="dim")
        text.append(" after the first epoch", style="dim italic")
        return text
    text.append(f" {verdict.upper()} ", style=VERDICT_STYLES.get(verdict, "bold reverse"))
    text.append(" ")
    text.append(reason)
    return text


class VerdictBadge(Static):
    """One line: the verdict of :func:`vgtui.diagnosis.diagnose` and its evidence."""

    verdict: str = ""
    reason: str = ""
    _shown: tuple[str, str] | None = None

    def show(self, verdict: str, reason: str) -> None:
        """Display ``verdict`` ("" before there is one) and its ``reason``."""
        if (verdict, reason) == self._shown:
            return
        self._shown = (verdict, reason)
        self.verdict, self.reason = verdict, reason
        self.update(verdict_text(verdict, reason), layout=False)
