"""The run's verdict as a coloured badge, with its evidence beside it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vgtui.records import Diagnosis

#: Style of each verdict's badge; the word itself says it without colour.
VERDICT_STYLES: dict[str, str] = {
    "healthy": "bold black on green",
    "vanishing": "bold black on cyan",
    "exploding": "bold white on red",
    "diverged": "bold white on red",
}
#: What the badge says before the first epoch has ended.
WAITING = Diagnosis("", "", "")


def verdict_text(found: Diagnosis, width: int | None = None, until: int = 0) -> Text:
    """The badge line: `` VANISHING `` in its colour, then the reason, or its short form.

    The full reason is shown when it fits ``width``; otherwise the short form.
    A provisional verdict reads `` VANISHING? `` and says until which epoch (``until``).
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    if not found.verdict:
        if found.reason:  # the run ended without one: say why
            text.append(" no verdict ", style="bold reverse")
            text.append(" ")
            text.append(found.reason, style="italic")
            return text
        text.append(" verdict … ", style="dim")
        text.append(" after the first epoch", style="dim italic")
        return text
    mark = "?" if found.provisional else ""
    label = f" {found.verdict.upper()}{mark} "
    style = VERDICT_STYLES.get(found.verdict, "bold reverse")
    text.append(label, style=f"{style} dim" if found.provisional else style)
    text.append(" ")
    note = f" · so far: holds from epoch {until}" if found.provisional and until else ""
    fits = width is None or len(label) + 1 + len(found.reason) + len(note) <= width
    text.append(found.reason if fits or not found.short else found.short)
    if note:
        text.append(note if fits else f" · from ep {until}", style="italic")
    return text


class VerdictBadge(Static):
    """One line: the run's verdict (see :func:`vgtui.diagnosis.diagnosis`) and its evidence."""

    found: Diagnosis = WAITING
    until: int = 0

    def show(self, found: Diagnosis, until: int = 0) -> None:
        """Display ``found`` (provisional until epoch ``until``); the same is not redrawn."""
        if (found, until) == (self.found, self.until) and self.content:
            return
        self.found, self.until = found, until
        self.update(verdict_text(found, self.size.width or None, until), layout=False)

    @property
    def verdict(self) -> str:
        """The verdict shown ("" before there is one)."""
        return self.found.verdict

    def on_resize(self) -> None:
        """Choose the full or the short form for the new width."""
        self.update(verdict_text(self.found, self.size.width or None, self.until), layout=False)
