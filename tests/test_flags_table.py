"""The README's flags table is made from the settings table: one description of each setting."""

from __future__ import annotations

from pathlib import Path

from vgtui.cli.flags_table import markdown_table, readme_table
from vgtui.cli.run import build_parser
from vgtui.config import SETTING_TABLE, RunConfig

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_flags_table_is_made_from_the_settings() -> None:
    table = readme_table(README.read_text())
    assert table is not None, "README has no <!-- settings --> table"
    assert table == markdown_table(), "run: python -m vgtui.cli.flags_table --update README.md"


def test_every_flag_of_the_parser_is_in_the_table() -> None:
    table = markdown_table()
    flags = [
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option not in ("-h", "--help", "--version")
    ]
    for flag in flags:
        assert f"| `{flag}` |" in table, flag


def test_the_table_describes_every_field_of_runconfig_once() -> None:
    assert [s.field for s in SETTING_TABLE] == list(RunConfig.__dataclass_fields__)
    for setting in SETTING_TABLE:
        assert setting.default == getattr(RunConfig(), setting.field)
        assert setting.help and setting.label
        if setting.kind == "choice":
            assert setting.default in setting.values
            assert all(choice.description for choice in setting.choices)
        else:
            low, high = setting.bounds
            assert low <= setting.default <= high
