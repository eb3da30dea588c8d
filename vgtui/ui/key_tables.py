"""The README's key tables, made from the app's own bindings.

``python -m vgtui.ui.key_tables`` prints them; ``--update README.md`` rewrites
them there, between ``<!-- keys: NAME -->`` and ``<!-- /keys -->``. A test
checks that the README's tables match.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from textual.binding import BindingType

from vgtui.ui.app import VgtuiApp
from vgtui.ui.keys import markdown_table
from vgtui.ui.monitor.screen import MonitorScreen
from vgtui.ui.screens.compare import CompareScreen
from vgtui.ui.screens.distributions import DistributionsScreen


def monitor_bindings() -> list[BindingType]:
    """The keys of the live monitor, the app's own last."""
    return [*MonitorScreen.BINDINGS, *VgtuiApp.BINDINGS]


def compare_bindings() -> list[BindingType]:
    """The keys of the comparison screen."""
    return list(CompareScreen.BINDINGS)


def distributions_bindings() -> list[BindingType]:
    """The keys of the distribution screen."""
    return list(DistributionsScreen.BINDINGS)


TABLES = {
    "monitor": monitor_bindings,
    "compare": compare_bindings,
    "distributions": distributions_bindings,
}


def update_readme(path: Path) -> None:
    """Rewrite the key tables between ``<!-- keys: NAME -->`` and ``<!-- /keys -->`` in ``path``."""
    text = path.read_text()
    for name, bindings_of in TABLES.items():
        bindings = bindings_of()
        pattern = rf"(<!-- keys: {name} -->\n).*?(\n<!-- /keys -->)"
        table = markdown_table(bindings)
        text = re.sub(pattern, lambda m, t=table: m.group(1) + t + m.group(2), text, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update_readme(Path(sys.argv[2]))
    else:
        for name, bindings_of in TABLES.items():
            print(f"<!-- keys: {name} -->")
            print(markdown_table(bindings_of()) + "\n")
