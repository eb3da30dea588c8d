"""The keys as people read them: rows of (keys, what they do), made from the bindings.

The bindings are the one source: the footer shows their descriptions, and the
help screen and the README's key tables (:mod:`vgtui.ui.key_tables`) are made
from their tooltips with the functions here.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "minus": "-",
    "plus": "+",
}


def key_name(key: str) -> str:
    """Return the key as people write it: ``?`` for question_mark, ``ctrl+c`` as is."""
    return KEY_NAMES.get(key, key)


def grouped(bindings: Iterable[BindingType]) -> list[list[Binding]]:
    """The bindings in rows: neighbours of one :class:`Binding.Group` share a row."""
    rows: list[list[Binding]] = []
    last_group: Binding.Group | None = None
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        if binding.group is not None and binding.group == last_group and rows:
            rows[-1].append(binding)
        else:
            rows.append([binding])
        last_group = binding.group
    return rows


def key_rows(bindings: Iterable[BindingType]) -> list[tuple[list[list[str]], str]]:
    """Group bindings into rows: (alternatives, each a list of keys; what the row does).

    Bindings of one :class:`Binding.Group` that follow each other make one
    row, read "a / A"; the keys of one binding ("p,space") are read "p, space".
    The row says what its first binding's tooltip says.
    """
    return [
        (
            [[key_name(k.strip()) for k in b.key.split(",")] for b in row],
            row[0].tooltip or row[0].description,
        )
        for row in grouped(bindings)
    ]


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
