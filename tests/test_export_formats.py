"""``vgtui export`` is made from one table of formats: each has its flag, and only those."""

from __future__ import annotations

from vgtui.cli.export import build_parser
from vgtui.export.formats import EXTRAS, FIGURES, FORMATS


def test_the_command_line_has_a_flag_for_each_format_and_only_those() -> None:
    flags = {
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option not in ("-h", "--help", "--compare", "--figure")
    }
    assert flags == {fmt.flag for fmt in FORMATS}


def test_the_figures_are_a_table_the_tutorials_first() -> None:
    (figure,) = [a for a in build_parser()._actions if "--figure" in a.option_strings]
    assert list(figure.choices) == list(FIGURES) and next(iter(FIGURES)) == "tutorial"
    assert {"glorot2010-fig2", "glorot2010-fig6", "glorot2010-fig7"} <= set(FIGURES)


def test_each_format_names_an_extra_that_can_be_checked() -> None:
    for fmt in FORMATS:
        assert fmt.extra is None or fmt.extra in EXTRAS
        assert fmt.missing() is None  # the test environment installs every extra
        assert fmt.metavar == ("DIR" if not fmt.extension else "FILE")
