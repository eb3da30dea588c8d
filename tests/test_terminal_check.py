"""The live app refuses, in one line and with exit 2, where it cannot run: no terminal,
a dumb one, a locale that is not UTF-8; and it decides that before Textual is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.pseudo_terminal import PseudoTerminal, installed
from vgtui.cli.run import parse_args
from vgtui.cli.terminal_check import (
    dumb_terminal,
    locale_is_utf8,
    missing_terminal,
    non_utf8_locale,
    terminal_problem,
)

GOOD_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8"}


def ttys(*fds: int):
    """A fake isatty: only ``fds`` are terminals."""
    return lambda fd: fd in fds


@pytest.mark.parametrize(
    ("terminals", "named"),
    [
        ((1, 2), "stdin is not one"),  # vgtui < /dev/null
        ((0, 1), "stderr is not one"),  # vgtui 2> err.txt
        ((0, 2), "stdout is not one"),  # vgtui | cat
        ((), "stdin, stdout and stderr are not"),  # cron
    ],
)
def test_each_stream_without_a_terminal_is_named(terminals, named):
    problem = missing_terminal(ttys(*terminals))
    assert problem is not None and named in problem and "--headless" in problem
    assert "\n" not in problem


def test_a_closed_descriptor_is_no_terminal():
    def isatty(fd: int) -> bool:
        if fd == 0:
            raise OSError(9, "Bad file descriptor")
        return True

    assert "stdin is not one" in missing_terminal(isatty)
    assert missing_terminal(ttys(0, 1, 2)) is None


@pytest.mark.parametrize("term", ["dumb", "", "unknown", None])
def test_a_dumb_or_missing_term_is_refused(term):
    environ = {} if term is None else {"TERM": term}
    problem = dumb_terminal(environ)
    assert problem is not None and "capable terminal" in problem and "--headless" in problem
    assert ("TERM is not set" in problem) == (term is None)


@pytest.mark.parametrize("term", ["xterm-256color", "screen", "tmux-256color", "linux", "vt100"])
def test_a_real_term_is_accepted(term):
    assert dumb_terminal({"TERM": term}) is None


@pytest.mark.parametrize(
    ("name", "utf8"),
    [
        ("C", False),
        ("POSIX", False),
        ("en_US.ISO-8859-1", False),
        ("de_DE.iso885915@euro", False),
        ("C.UTF-8", True),
        ("C.utf8", True),
        ("en_US.UTF-8", True),
        ("sr_RS.UTF-8@latin", True),
    ],
)
def test_the_codeset_of_a_locale_name(name, utf8):
    assert locale_is_utf8(name) is utf8


def test_a_locale_name_without_codeset_that_is_not_installed_is_not_refused():
    assert locale_is_utf8("xx_NOWHERE") is None


@pytest.mark.parametrize(
    ("environ", "shown"),
    [
        ({"LC_ALL": "C"}, "LC_ALL=C"),
        ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, "LC_ALL=POSIX"),  # LC_ALL wins
        ({"LANG": "C"}, "LANG=C"),
        ({"LC_CTYPE": "C", "LANG": "en_US.UTF-8"}, "LC_CTYPE=C"),  # LC_CTYPE before LANG
        ({}, "no locale is set"),
    ],
)
def test_a_non_utf8_locale_is_refused_with_a_way_out(environ, shown):
    problem = non_utf8_locale(environ, utf8_mode=0, utf8_requested=False)
    assert problem is not None and shown in problem
    assert "LC_ALL=C.UTF-8 vgtui" in problem and "--headless" in problem


@pytest.mark.parametrize(
    "environ",
    [
        {"LANG": "C.UTF-8"},
        {"LC_ALL": "en_US.UTF-8", "LANG": "C"},
        {"LC_CTYPE": "C.UTF-8", "LANG": "C"},  # the user's own LC_CTYPE: UTF-8
    ],
)
def test_a_utf8_locale_is_accepted(environ):
    assert non_utf8_locale(environ, utf8_mode=0, utf8_requested=False) is None


def test_a_c_locale_that_python_coerced_is_still_refused():
    # LANG=C: Python sets LC_CTYPE=C.UTF-8 itself and turns on its UTF-8 mode (PEP 538, 540).
    coerced = {"LANG": "C", "LC_CTYPE": "C.UTF-8"}
    problem = non_utf8_locale(coerced, utf8_mode=1, utf8_requested=False)
    assert problem is not None and "LANG=C" in problem
    # LANG=en_US.UTF-8 where that locale is not installed is coerced too: the user said UTF-8.
    missing = {"LANG": "en_US.UTF-8", "LC_CTYPE": "C.UTF-8"}
    assert non_utf8_locale(missing, utf8_mode=1, utf8_requested=False) is None
    # PYTHONUTF8=1 asked for the UTF-8 mode: LC_CTYPE is the user's.
    assert non_utf8_locale(coerced, utf8_mode=1, utf8_requested=True) is None


def test_the_checks_come_in_order():
    assert "stdin" in terminal_problem(ttys(1, 2), {"TERM": "dumb", "LC_ALL": "C"}, "linux")
    assert "TERM=dumb" in terminal_problem(ttys(0, 1, 2), {"TERM": "dumb", "LC_ALL": "C"}, "linux")
    assert "LC_ALL=C" in terminal_problem(ttys(0, 1, 2), {"TERM": "xterm", "LC_ALL": "C"}, "linux")
    assert terminal_problem(ttys(0, 1, 2), GOOD_ENV, "linux") is None
    # Windows has neither TERM nor POSIX locales; only the streams count there.
    assert terminal_problem(ttys(0, 1, 2), {}, "win32") is None
    assert terminal_problem(ttys(1, 2), {}, "win32") is not None


def test_the_command_line_refuses_the_app_but_not_the_headless_run(monkeypatch, capsys):
    monkeypatch.setattr("vgtui.cli.terminal_check.os.isatty", ttys(1, 2))
    with pytest.raises(SystemExit) as exit_info:
        parse_args([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vgtui: error: the app needs a terminal") and err.count("\n") == 1
    args, _ = parse_args(["--headless"])
    assert args.headless


CHECK_IMPORTS = """
import json, sys
from vgtui.cli import main
try:
    main([])
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, "textual" in sys.modules, "tensorflow" in sys.modules]))
"""


def test_without_a_terminal_the_command_exits_at_once_before_textual():
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == [2, False, False]
    assert result.stderr.count("\n") == 1 and "--headless" in result.stderr


def _in_a_terminal(env: dict[str, str]) -> tuple[int | None, str]:
    """Run the installed command in a pseudo-terminal with ``env``; its status and output."""
    environ = {k: v for k, v in os.environ.items() if k not in ("TERM", "LC_ALL", "LC_CTYPE")}
    environ.update(env)
    with PseudoTerminal([installed("vgtui"), "--epochs", "1"], environ) as term:
        status = term.wait(60)
        return status, bytes(term.output).decode()


def test_term_dumb_in_a_real_terminal_gets_one_line():
    status, output = _in_a_terminal({"TERM": "dumb", "LANG": "C.UTF-8"})
    assert status == 2
    assert output.startswith("vgtui: error: TERM=dumb") and output.count("\n") == 1
    assert "\x1b" not in output  # nothing was drawn


def test_a_c_locale_in_a_real_terminal_gets_one_line():
    status, output = _in_a_terminal({"TERM": "xterm-256color", "LC_ALL": "C"})
    assert status == 2
    assert output.startswith("vgtui: error: ") and output.count("\n") == 1
    assert "LC_ALL=C.UTF-8 vgtui" in output and "\x1b" not in output
