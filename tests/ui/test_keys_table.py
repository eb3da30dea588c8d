"""The README's key tables are the bindings' own: one source for the footer, help and README."""

from __future__ import annotations

import re
from pathlib import Path

from vgtui.ui.key_tables import compare_bindings, distributions_bindings, monitor_bindings
from vgtui.ui.keys import key_name, markdown_table

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_table(name: str) -> str:
    text = README.read_text()
    match = re.search(rf"<!-- keys: {name} -->\n(.*?)\n<!-- /keys -->", text, re.S)
    assert match, f"README has no key table {name!r}"
    return match.group(1).strip()


def test_readme_key_tables_match_the_bindings() -> None:
    assert readme_table("monitor") == markdown_table(monitor_bindings())
    assert readme_table("compare") == markdown_table(compare_bindings())
    assert readme_table("distributions") == markdown_table(distributions_bindings())


def test_every_shown_key_is_in_the_table() -> None:
    table = readme_table("monitor")
    for binding in monitor_bindings():
        for key in binding.key.split(","):
            assert f"`{key_name(key)}`" in table, key
