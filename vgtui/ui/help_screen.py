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
  [b]w[/b]          layer rows: gradients / weights (kernel mean and SD)
  [b]h[/b]          gradient-flow heatmap / layer rows (the heatmap comes on its
             own when the rows do not fit): dark = vanishing
  [b]s[/b] / [b]S[/b]      sweep: train this network with each of sigmoid, tanh, relu /
             normal, glorot_uniform, he_normal in turn (a switch key cancels)
  [b]c[/b]          compare the kept runs (every run is kept when it ends or is
             switched): [b]o[/b] / [b]O[/b] sort column / reverse, [b]space[/b] plot on/off,
             [b]d[/b] remove, [b]x[/b] [b]x[/b] clear all, [b]escape[/b] back
  [b]?[/b], [b]escape[/b]  close this help      [b]q[/b], [b]ctrl+c[/b]  quit

[b]Reading the screen[/b]
  One row per Dense layer, input side at the top: the mean and the SD of
  its kernel gradient over the run, then the latest values. All rows share
  the scale named in the title line; the chart shows loss and accuracy.
  "vs out" is the layer's gradient SD against the output layer's, in
  decades (-2.0d: a hundred times smaller), then the share of saturated
  (sigmoid, tanh) or dead (relu family) units. The badge under the header
  is the run's verdict: healthy, vanishing, exploding or diverged.

[b]How vanishing gradients look[/b]
  Sigmoid with a normal(0, 1) initializer: gradient SDs stay around
  1e-3…1e-2, the means hug zero in every layer but the output, the loss
  flattens early and accuracy stalls near 0.6. Switch to relu or tanh
  ([b]a[/b]): the SDs are an order of magnitude larger and accuracy nears 0.99.
  A Glorot initializer ([b]i[/b]) is the fix of Glorot & Bengio (2010).
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

    def on_mount(self) -> None:
        """Let the arrow keys scroll the help where it does not fit."""
        box = self.query_one("#help-box")
        box.border_title = "help"
        box.border_subtitle = "escape closes"
        box.focus()
