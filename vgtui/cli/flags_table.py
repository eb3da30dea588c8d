"""The README's table of ``vgtui``'s flags, made from the settings table and the options.

``python -m vgtui.cli.flags_table`` prints it; ``--update README.md`` rewrites
it between ``<!-- settings -->`` and ``<!-- /settings -->``; a test checks that
the README's table is this one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vgtui.cli.run import HEADLESS, OPTIONS, Option
from vgtui.config import SETTING_TABLE, Setting

#: The table's place in the README.
START, END = "<!-- settings -->", "<!-- /settings -->"


def _code(text: str) -> str:
    """``text`` with its flags set as code: ``--headless`` becomes ```--headless```."""
    return re.sub(r"(?<![`\w])(--[a-z][a-z-]*)", r"`\1`", text)


def _default(setting: Setting) -> str:
    """A setting's default as it is typed: ``0.001``, ``32``, ``sigmoid``."""
    value = setting.default
    return f"{value:g}" if isinstance(value, float) else str(value)


def _option_row(option: Option) -> str:
    return f"| `{option.flag}` | {_code(option.help)} | {_code(option.default)} |"


def markdown_table() -> str:
    """The flags table: the switch, every setting, then the other options."""
    lines = ["| flag | allowed | default |", "| --- | --- | --- |", _option_row(HEADLESS)]
    for setting in SETTING_TABLE:
        lines.append(f"| `{setting.flag}` | {setting.described()} | {_default(setting)} |")
    lines.extend(_option_row(option) for option in OPTIONS)
    return "\n".join(lines)


def readme_table(text: str) -> str | None:
    """The flags table in README text, or None where it has none."""
    match = re.search(rf"{START}\n(.*?)\n{END}", text, re.S)
    return match.group(1).strip() if match else None


def update_readme(path: Path) -> None:
    """Rewrite the flags table in the README at ``path``."""
    text = path.read_text()
    block = f"{START}\n{markdown_table()}\n{END}"
    text = re.sub(rf"{START}.*?{END}", lambda _: block, text, flags=re.S)
    path.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--update"]:
        update_readme(Path(sys.argv[2]))
    else:
        print(START)
        print(markdown_table())
        print(END)
