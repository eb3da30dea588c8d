"""The help screen: the keys (those that do not apply now dimmed), and how to read the screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from vgtui.ui.keys import grouped, key_rows, plain_keys

#: How to read the screen, paragraph by paragraph (each wraps to the screen's width).
READING: tuple[str, ...] = (
    "[b]Reading the screen[/b]",
    "One row per Dense layer, input side at the top: the mean and the SD of its kernel "
    "gradient over the run (sparklines), then their latest values. Every row shares the "
    "scale named in the title line (log10: one step of height is the same factor "
    "everywhere); dark bars are small. The values beside them ([b]last ep[/b]) are the last "
    "epoch's means. [b]last ep vs out[/b] is the layer's gradient SD against the output "
    "layer's over the last epoch, in decades (-2.0d: a hundred times smaller), then the share "
    "of saturated (sigmoid, tanh) or dead (relu family) units.",
    "The badge under the header is the run's verdict (healthy, vanishing, exploding or "
    "diverged) with its evidence; it reads the first layer's decades as a [b]median over every "
    "step so far[/b], so it can differ from the rows' last epoch.",
    "Below the rows, [b]activations compared[/b]: every activation trained on this network "
    "(the tutorial's sigmoid, tanh and relu at start), the first layer's gradient SD as a bar "
    "on one log scale with its value, each layer's SD as a small sparkline (input side "
    "first), the multiple of sigmoid's, the accuracy and the verdict. The line under it says "
    "why: the product of the activation's derivatives, layer by layer.",
    "",
    "[b]How vanishing gradients look[/b]",
    "Sigmoid with a normal(0, 1) initializer: gradient SDs stay around 1e-3…1e-2, the means "
    "hug zero in every layer but the output, the loss flattens early and accuracy stalls near "
    "0.6. Switch to relu or tanh ([b]a[/b]): the SDs are an order of magnitude larger and "
    "accuracy nears 0.99. Glorot & Bengio (2010) fixed it with tanh and a Glorot initializer "
    "([b]i[/b]); with sigmoid, Glorot weights are not enough: the first layer's gradients "
    "stay some fifty times smaller than the output's. [b]d[/b] trains ten sigmoid layers, "
    "where the gradient falls decades from the output to the input.",
    "",
    "[b]The theory beside the measurement[/b]",
    "On its way down from the output, the gradient is multiplied at each hidden layer by the "
    "derivative of its activation, f', and by its weights. The f' column (terminals 120 "
    "columns wide) is each hidden layer's mean f' over the batch, last epoch. Sigmoid's f' is "
    "at most 0.25, so from the derivatives alone four sigmoid layers leave at most 0.25^4 ≈ "
    "4e-3 of the gradient (-2.4 decades) at the first layer; the weights (and each layer's "
    "inputs) scale it further up or down. relu's f' is the share of live units: 1 where a "
    "unit passes its input on, 0 where it is dead.",
)


@dataclass(frozen=True)
class KeySection:
    """A screen's keys, under a title; ``applies`` says which apply now (None: all)."""

    title: str
    bindings: Sequence[BindingType]
    applies: Callable[[str], bool] | None = None
    key: str = ""


def keys_table(section: KeySection) -> Table:
    """The keys and what they do, as a two-column grid whose second column wraps.

    A row whose key does not apply now is dimmed.
    """
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for (alternatives, what), row in zip(
        key_rows(section.bindings), grouped(section.bindings), strict=True
    ):
        applies = section.applies is None or section.applies(row[0].action)
        table.add_row(plain_keys(alternatives), what, style="" if applies else "dim")
    return table


class HelpScreen(ModalScreen[None]):
    """Explains each key and how vanishing gradients look on these charts.

    Args:
        sections: the keys of each screen, the monitor's first.
        theory: the current run's own product of derivatives beside its measured drop.

    """

    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "close", tooltip="close this help"),
    ]

    def __init__(self, sections: Sequence[KeySection], theory: str = "") -> None:
        super().__init__()
        self.sections = sections
        self.theory = theory

    def compose(self) -> ComposeResult:
        """How to read the screen, the run's own theory, then the keys (from the bindings)."""
        ids = ("help-keys", "help-compare-keys")
        with VerticalScroll(id="help-box"):
            yield Static("\n".join(READING), id="help-text")
            yield Static(self.theory, id="help-theory")
            for index, section in enumerate(self.sections):
                heading = f"\n[b]{section.title}[/b]"
                if section.key:
                    heading += f" ({section.key})"
                yield Static(heading, classes="help-heading")
                section_id = ids[index] if index < len(ids) else None
                yield Static(keys_table(section), id=section_id)

    def on_mount(self) -> None:
        """Let the arrow keys scroll the help where it does not fit."""
        box = self.query_one("#help-box")
        box.border_title = "help"
        box.border_subtitle = "escape closes"
        box.focus()
