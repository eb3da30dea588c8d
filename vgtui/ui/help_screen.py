"""The help screen: the keys, and what vanishing gradients look like here."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: Each key (or pair of keys) and what it does, in the order the help lists them.
KEYS: tuple[tuple[str, str], ...] = (
    ("a / A", "next / previous activation, and restart"),
    ("i / I", "next / previous weight initializer, and restart"),
    ("r", "restart with the same settings"),
    ("p, space", "pause / resume training"),
    ("l", "gradient SD on a log10 / linear scale"),
    ("w", "layer rows: gradients / weights (kernel mean and SD)"),
    (
        "h",
        "gradient-flow heatmap / layer rows; the heatmap comes on by itself when the "
        "rows do not fit. Dark = vanishing",
    ),
    (
        "s / S",
        "sweep: train this network with each of sigmoid, tanh, relu / normal, "
        "glorot_uniform, he_normal in turn (a switch key cancels)",
    ),
    (
        "c",
        "compare the kept runs (every run is kept when it ends or is switched): "
        "o / O sort column / reverse, space plot on/off, d remove, x x clear all, "
        "escape back",
    ),
    ("?, escape", "close this help"),
    ("q, ctrl+c", "quit"),
)

HELP_TEXT = """
[b]Reading the screen[/b]
  One row per Dense layer, input side at the top: the mean and the SD of
  its kernel gradient over the run, then the latest values. All rows share
  the scale named in the title line; the chart shows loss and accuracy.
  "vs out" is the layer's gradient SD against the output layer's, in
  decades (-2.0d: a hundred times smaller), then the share of saturated
  (sigmoid, tanh) or dead (relu family) units. The badge under the header
  is the run's verdict: healthy, vanishing, exploding or diverged. On a wide
  terminal, the dimmed "before" column is the previous run's gradient SD.

[b]How vanishing gradients look[/b]
  Sigmoid with a normal(0, 1) initializer: gradient SDs stay around
  1e-3…1e-2, the means hug zero in every layer but the output, the loss
  flattens early and accuracy stalls near 0.6. Switch to relu or tanh
  ([b]a[/b]): the SDs are an order of magnitude larger and accuracy nears 0.99.
  Glorot & Bengio (2010) fixed it with tanh and a Glorot initializer ([b]i[/b]);
  with sigmoid, Glorot weights are not enough: the first layer's gradients
  stay some fifty times smaller than the output's, and accuracy stays at 0.5.
"""


def keys_table() -> Table:
    """The keys and what they do, as a two-column grid whose second column wraps."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for keys, what in KEYS:
        table.add_row(keys, what)
    return table


class HelpScreen(ModalScreen[None]):
    """Explains each key and how vanishing gradients look on these charts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss", "close"),
    ]

    def compose(self) -> ComposeResult:
        """Show the help text in a scrollable box."""
        with VerticalScroll(id="help-box"):
            yield Static("[b]Keys[/b]", classes="help-heading")
            yield Static(keys_table(), id="help-keys")
            yield Static(HELP_TEXT, id="help-text")

    def on_mount(self) -> None:
        """Let the arrow keys scroll the help where it does not fit."""
        box = self.query_one("#help-box")
        box.border_title = "help"
        box.border_subtitle = "escape closes"
        box.focus()
