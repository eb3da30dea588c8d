"""The help screen: the keys, and what vanishing gradients look like here."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from vgtui.display.theory import chain_text, derivative_chain
from vgtui.ui.keys import compare_bindings, key_rows, monitor_bindings, plain_keys

HELP_TEXT = """
[b]Reading the screen[/b]
  One row per Dense layer, input side at the top: the mean and the SD of
  its kernel gradient over the run, then the latest values. All rows share
  the scale named in the title line; the chart shows loss and accuracy.
  "ep vs out" is the layer's gradient SD against the output layer's over
  the last epoch, in decades (-2.0d: a hundred times smaller), then the share
  of saturated (sigmoid, tanh) or dead (relu family) units. The badge under
  the header is the run's verdict (healthy, vanishing, exploding or
  diverged); it reads the first layer's decades as a median over every step
  so far. On a wide terminal, the dimmed "before" column is the gradient SD
  of the last run that finished.

[b]How vanishing gradients look[/b]
  Sigmoid with a normal(0, 1) initializer: gradient SDs stay around
  1e-3…1e-2, the means hug zero in every layer but the output, the loss
  flattens early and accuracy stalls near 0.6. Switch to relu or tanh
  ([b]a[/b]): the SDs are an order of magnitude larger and accuracy nears 0.99.
  Glorot & Bengio (2010) fixed it with tanh and a Glorot initializer ([b]i[/b]);
  with sigmoid, Glorot weights are not enough: the first layer's gradients
  stay some fifty times smaller than the output's, and accuracy stays at 0.5.

[b]The theory beside the measurement[/b]
  On its way down from the output, the gradient is multiplied at each
  hidden layer by the derivative of its activation, f', and by its
  weights. The f' column (terminals 120 columns wide) is each hidden
  layer's mean f' over the batch, last epoch. Sigmoid's f' is at most
  0.25, so from the derivatives alone four sigmoid layers leave at most
  0.25^4 ≈ 4e-3 of the gradient (-2.4 decades) at the first layer; the
  weights (and each layer's inputs) scale it further up or down. Set the
  product of the f' column beside the first layer's "ep vs out", the
  drop measured: with N(0, 1) weights, sigmoid's f' of 0.16 to 0.23
  multiply to 1e-3, yet the first layer is only 0.2 decades below the
  output, the large weights winning most of it back; with Glorot's
  weights the product is 3e-3 and the first layer 1.5 decades below.
  relu's f' is the share of live units: 1 where a unit passes its input
  on, 0 where it is dead.
"""


def keys_table(bindings: list[BindingType]) -> Table:
    """The keys and what they do, as a two-column grid whose second column wraps."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for alternatives, what in key_rows(bindings):
        table.add_row(plain_keys(alternatives), what)
    return table


class HelpScreen(ModalScreen[None]):
    """Explains each key and how vanishing gradients look on these charts."""

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "close", tooltip="close this help"),
    ]

    def compose(self) -> ComposeResult:
        """Show the keys (from the bindings themselves) and the help text in a scrollable box."""
        with VerticalScroll(id="help-box"):
            yield Static("[b]Keys[/b]", classes="help-heading")
            yield Static(keys_table(monitor_bindings()), id="help-keys")
            yield Static("\n[b]Comparing runs[/b] (c)", classes="help-heading")
            yield Static(keys_table(compare_bindings()), id="help-compare-keys")
            yield Static(HELP_TEXT, id="help-text")
            yield Static(self._chain_text(), id="help-theory")

    def _chain_text(self) -> str:
        """The current run's own f' product beside its measured drop."""
        controller = getattr(self.app, "controller", None)
        if controller is None:
            return ""
        run = controller.current
        activation = run.config.activation if run.config is not None else None
        return "  " + chain_text(derivative_chain(run.history.view()), activation)

    def on_mount(self) -> None:
        """Let the arrow keys scroll the help where it does not fit."""
        box = self.query_one("#help-box")
        box.border_title = "help"
        box.border_subtitle = "escape closes"
        box.focus()
