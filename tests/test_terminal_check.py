"""The live app refuses, in one line and with exit 2, where it cannot run: no terminal,
a dumb one, a locale that names a charset other than UTF-8; and it decides that before
Textual is imported. No locale at all, C and POSIX are drawn in (Python writes UTF-8 there)."""

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
        ({"LANG": "en_US.ISO-8859-1"}, "LANG=en_US.ISO-8859-1"),
        ({"LC_ALL": "de_DE.iso885915@euro", "LANG": "en_US.UTF-8"}, "LC_ALL=de_DE"),  # LC_ALL wins
        ({"LC_CTYPE": "ru_RU.KOI8-R", "LANG": "en_US.UTF-8"}, "LC_CTYPE=ru_RU.KOI8-R"),
    ],
)
def test_a_locale_naming_another_charset_is_refused_with_a_way_out(environ, shown):
    problem = non_utf8_locale(environ, utf8_mode=0, utf8_requested=False)
    assert problem is not None and shown in problem
    assert "LC_ALL=C.UTF-8 vgtui" in problem and "--headless" in problem


@pytest.mark.parametrize(
    "environ",
    [
        {},  # over SSH, a server that does not accept the client's LANG
        {"LANG": "C"},
        {"LC_ALL": "C"},
        {"LC_ALL": "POSIX", "LANG": "en_US.ISO-8859-1"},  # LC_ALL wins: POSIX
        {"LC_CTYPE": "C", "LANG": "en_US.ISO-8859-1"},  # LC_CTYPE before LANG
        {"LANG": "C.UTF-8"},
        {"LC_ALL": "en_US.UTF-8", "LANG": "C"},
        {"LC_CTYPE": "C.UTF-8", "LANG": "C"},  # the user's own LC_CTYPE: UTF-8
    ],
)
def test_no_locale_c_posix_and_utf8_are_drawn_in(environ):
    assert non_utf8_locale(environ, utf8_mode=0, utf8_requested=False) is None
    assert non_utf8_locale(environ, utf8_mode=1, utf8_requested=False) is None


def test_a_coerced_locale_is_judged_by_what_the_user_set():
    # No locale, or LANG=C: Python sets LC_CTYPE=C.UTF-8 itself and turns on its UTF-8 mode.
    for coerced in ({"LC_CTYPE": "C.UTF-8"}, {"LANG": "C", "LC_CTYPE": "C.UTF-8"}):
        assert non_utf8_locale(coerced, utf8_mode=1, utf8_requested=False) is None
    # LANG=en_US.ISO-8859-1 where that locale is not installed is coerced too, but the user's
    # terminal still decodes ISO-8859-1.
    latin = {"LANG": "en_US.ISO-8859-1", "LC_CTYPE": "C.UTF-8"}
    problem = non_utf8_locale(latin, utf8_mode=1, utf8_requested=False)
    assert problem is not None and "LANG=en_US.ISO-8859-1" in problem
    # PYTHONUTF8=1 asked for the UTF-8 mode: LC_CTYPE is the user's own, and it says UTF-8.
    assert non_utf8_locale(latin, utf8_mode=1, utf8_requested=True) is None


CHECK_LOCALE = """
import json
from vgtui.cli.terminal_check import terminal_problem
print(json.dumps(terminal_problem(lambda fd: True, platform="linux")))
"""


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({}, False),
        ({"LANG": "C"}, False),
        ({"LC_ALL": "C"}, False),
        ({"LC_ALL": "POSIX"}, False),
        ({"LANG": "en_US.ISO-8859-1"}, True),
        ({"LC_ALL": "en_US.ISO-8859-1"}, True),
    ],
)
def test_the_check_in_a_python_started_with_the_locale(env, refused):
    # A fresh interpreter, so that Python's own coercion (PEP 538, 540) has its say.
    environ = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_CTYPE")}
    environ.pop("PYTHONUTF8", None)
    environ.update({"TERM": "xterm-256color", **env})
    result = subprocess.run(
        [sys.executable, "-c", CHECK_LOCALE],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    problem = json.loads(result.stdout)
    if refused:
        assert problem is not None and "ISO-8859-1" in problem and "--headless" in problem
    else:
        assert problem is None


def test_the_checks_come_in_order():
    latin = "en_US.ISO-8859-1"
    assert "stdin" in terminal_problem(ttys(1, 2), {"TERM": "dumb", "LC_ALL": latin}, "linux")
    assert "TERM=dumb" in terminal_problem(
        ttys(0, 1, 2), {"TERM": "dumb", "LC_ALL": latin}, "linux"
    )
    assert "LC_ALL=en_US.ISO" in terminal_problem(
        ttys(0, 1, 2), {"TERM": "xterm", "LC_ALL": latin}, "linux"
    )
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


def test_a_latin1_locale_in_a_real_terminal_gets_one_line():
    status, output = _in_a_terminal({"TERM": "xterm-256color", "LC_ALL": "en_US.ISO-8859-1"})
    assert status == 2
    assert output.startswith("vgtui: error: ") and output.count("\n") == 1
    assert "LC_ALL=C.UTF-8 vgtui" in output and "\x1b" not in output


def test_with_no_locale_set_the_app_draws_in_a_real_terminal():
    environ = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_CTYPE")}
    environ.pop("PYTHONUTF8", None)
    environ.update(TERM="xterm-256color")
    with PseudoTerminal([installed("vgtui"), "--epochs", "1"], environ, rows=24, cols=80) as term:
        drawn = lambda: "quit" in term.line(23) and "vgtui" in term.line(0)  # noqa: E731
        assert term.wait_for(drawn, 120), bytes(term.output)[-400:]
        term.send("q")
        assert term.wait(120) == 0
