"""The last error in full: the traceback of a user's model file, for instance."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ErrorScreen(ModalScreen[None]):
    """Shows one error's message and details in a scrollable box."""

    DEFAULT_CSS = """
    ErrorScreen {
        align: center middle;
    }
    #error-box {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $error;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,L", "dismiss", "close", tooltip="close"),
    ]

    def __init__(self, message: str, details: str) -> None:
        """Show ``message``, then ``details`` (a traceback) as they are."""
        super().__init__()
        self.message = message
        self.details = details

    def compose(self) -> ComposeResult:
        """The message in bold, the details below."""
        with VerticalScroll(id="error-box"):
            yield Static(Text(self.message, style="bold"))
            yield Static(Text(self.details or "(no more to say)"))

    def on_mount(self) -> None:
        """Name the box and let the arrows scroll it."""
        box = self.query_one("#error-box")
        box.border_title = "the last error"
        box.border_subtitle = "escape closes"
        box.focus()
