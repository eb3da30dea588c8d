"""The keys as people read them: rows of (keys, what they do), made from the bindings.

The bindings are the one source: the footer shows their descriptions, and the
help screen and the README's key tables are made here from their tooltips.
``python -m vgtui.ui.keys`` prints the README's tables; ``--update README.md``
rewrites them there.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from textual.binding import Binding, BindingType

#: How a key name is written for people.
KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "less_than_sign": "<",
    "greater_than_sign": ">",
    "left_curly_bracket": "{",
    "right_curly_bracket": "}",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
}


def key_name(key: str) -> str:
    """Return the key as people write it: ``?`` for question_mark, ``ctrl+c`` as is."""
    return KEY_NAMES.get(key, key)


def key_rows(bindings: Iterable[BindingType]) -> list[tuple[list[list[str]], str]]:
    """Group bindings into rows: (alternatives, each a list of keys; what the row does).

    Bindings of one :class:`Binding.Group` that follow each other make one
    row, read "a / A"; the keys of one binding ("p,space") are read "p, space".
    The row says what its first binding's tooltip says.
    """
    rows: list[tuple[list[list[str]], str]] = []
    last_group: Binding.Group | None = None
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = [key_name(k.strip()) for k in binding.key.split(",")]
        if binding.group is not None and binding.group == last_group and rows:
            rows[-1][0].append(keys)
        else:
            rows.append(([keys], binding.tooltip or binding.description))
        last_group = binding.group
    return rows


def plain_keys(alternatives: list[list[str]]) -> str:
    """``a / A``, ``p, space``: the keys of a row as plain text."""
    return " / ".join(", ".join(keys) for keys in alternatives)


def markdown_table(bindings: Iterable[BindingType]) -> str:
    """The README's table of ``bindings``: one row a key (or group of keys)."""
    lines = ["| key | does |", "| --- | --- |"]
    for alternatives, what in key_rows(bindings):
        keys = " / ".join(", ".join(f"`{k}`" for k in keys) for keys in alternatives)
        lines.append(f"| {keys} | {what} |")
    return "\n".join(lines)


def monitor_bindings() -> list[BindingType]:
    """The keys of the live monitor, the app's own last."""
    from vgtui.ui.app import VgtuiApp
    from vgtui.ui.screens.monitor import MonitorScreen

    return [*MonitorScreen.BINDINGS, *VgtuiApp.BINDINGS]


def compare_bindings() -> list[BindingType]:
    """The keys of the comparison screen."""
    from vgtui.ui.screens.compare import CompareScreen

    return list(CompareScreen.BINDINGS)


def update_readme(path: Path) -> None:
    """Rewrite the key tables between ``<!-- keys: NAME -->`` and ``<!-- /keys -->`` in ``path``."""
    text = path.read_text()
    for name, bindings in (("monitor", monitor_bindings()), ("compare", compare_bindings())):
        pattern = rf"(<!-- keys: {name} -->\n).*?(\n<!-- /keys -->)"
        table = markdown_table(bindings)
        text = re.sub(pattern, lambda m, t=table: m.group(1) + t + m.group(2), text, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update_readme(Path(sys.argv[2]))
    else:
        print("<!-- keys: monitor -->")
        print(markdown_table(monitor_bindings()))
        print("\n<!-- keys: compare -->")
        print(markdown_table(compare_bindings()))
