"""The help screen: the keys, and what vanishing gradients look like here."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP_TEXT = """\
[b]Keys[/b]
  [b]a[/b] / [b]A[/b]      next / previous activation, and restart
  [b]i[/b] / [b]I[/b]      next / previous weight initializer, and restart
  [b]r[/b]          restart with the same settings
  [b]p[/b], [b]space[/b]   pause / resume training
  [b]l[/b]          gradient SD on a log10 / linear scale
  [b]?[/b]          this help; [b]escape[/b] closes it
  [b]q[/b], [b]ctrl+c[/b]  quit

[b]Reading the screen[/b]
  One row per Dense layer, input side at the top. Left: the mean of the
  layer's kernel gradient; right: its standard deviation (SD), over the
  whole run. All rows share one scale, given in the title line, so rows
  can be compared: a lower bar is a smaller gradient.

[b]How vanishing gradients look[/b]
  With sigmoid and a normal(0, 1) initializer, each layer multiplies the
  gradient by a factor well below 1 on its way back. The SD bars then step
  down from the output row to the first layer, often by a decade or more
  (read the latest values on the right), the means hug zero in every layer
  but the last, and the loss curve flattens early with accuracy near 0.5.
  Switch to relu or tanh ([b]a[/b]), or to a Glorot initializer ([b]i[/b]): the rows
  even out and the loss keeps falling.
"""


class HelpScreen(ModalScreen[None]):
    """Explains each key and how vanishing gradients look on these charts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss", "close"),
    ]

    def compose(self) -> ComposeResult:
        """Show the help text in a scrollable box."""
        with VerticalScroll(id="help-box"):
            yield Static(HELP_TEXT, id="help-text")
