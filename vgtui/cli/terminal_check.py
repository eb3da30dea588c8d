"""Whether this process can run the live app: a terminal on its streams, a capable one, UTF-8.

Checked by the command line before Textual is imported, so that a run from
cron, a pipe or a dumb terminal gets one line and exit 2 at once, instead of
an interface drawn into a file or a terminal that cannot show it.

No locale at all (LC_ALL, LC_CTYPE and LANG unset, common over SSH when the
server does not accept the client's LANG) and the C or POSIX locale are
drawn in: Python writes UTF-8 there (PEP 538, 540), and so do Textual and
nearly every terminal in use. A locale that names another charset
(``LANG=en_US.ISO-8859-1``) is refused: its terminal would show the UTF-8
bytes as garbage, and drawing with ASCII is not offered: Textual has no
ASCII mode, and its own parts (scroll bars, the footer, notifications,
borders, Rich's ``…`` where text is cut) draw with block, box-drawing and
other non-ASCII characters that no setting of this app could replace.
"""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Callable, Mapping

#: The streams the app needs a terminal on: keys come from stdin, Textual draws
#: on stderr, and a command whose stdout is piped or redirected is a script's.
STREAMS: tuple[tuple[int, str], ...] = ((0, "stdin"), (1, "stdout"), (2, "stderr"))
#: Values of TERM that name no terminal able to move its cursor or show colour.
DUMB_TERMS = frozenset({"", "dumb", "unknown"})
#: The locales Python puts in LC_CTYPE when it coerces a C locale at start-up (PEP 538).
COERCED_LOCALES = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})
#: Locales that name no charset: Python, Textual and terminals write UTF-8 under them.
PLAIN_LOCALES = frozenset({"C", "POSIX"})
#: What to try instead, in every message.
HEADLESS_HINT = "use --headless to train without the app"
#: What ``vgtui view`` suggests instead.
EXPORT_HINT = "use vgtui export PATH --json FILE (or --csv) to read runs without the app"


def missing_terminal(
    isatty: Callable[[int], bool] = os.isatty, hint: str = HEADLESS_HINT
) -> str | None:
    """Why the streams are not all terminals, or None when they are."""
    missing = [name for fd, name in STREAMS if not _isatty(isatty, fd)]
    if not missing:
        return None
    if len(missing) == 1:
        which = f"{missing[0]} is not one"
    else:
        which = f"{', '.join(missing[:-1])} and {missing[-1]} are not"
    return (
        f"the app needs a terminal on stdin, stdout and stderr, but {which} "
        f"(a pipe, a file or /dev/null); {hint}"
    )


def _isatty(isatty: Callable[[int], bool], fd: int) -> bool:
    """``isatty(fd)``, False for a closed descriptor."""
    try:
        return isatty(fd)
    except (OSError, ValueError):
        return False


def dumb_terminal(environ: Mapping[str, str], hint: str = HEADLESS_HINT) -> str | None:
    """Why TERM names no capable terminal, or None when it names one."""
    term = environ.get("TERM")
    if term is not None and term.strip() not in DUMB_TERMS:
        return None
    said = "TERM is not set" if term is None else f"TERM={term}"
    return (
        f"{said}: the app needs a capable terminal (cursor movement and colour, "
        f"e.g. TERM=xterm-256color); {hint}"
    )


def declared_locale(environ: Mapping[str, str], coerced: bool) -> tuple[str, str]:
    """The locale the environment gives text (LC_ALL, LC_CTYPE, LANG), and its variable.

    With ``coerced``, LC_CTYPE was set by Python itself (see :func:`python_coerced`)
    and does not count. ``("C", "")`` when none is set.
    """
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        if var == "LC_CTYPE" and coerced:
            continue
        value = environ.get(var, "")
        if value:
            return value, var
    return "C", ""


def python_coerced(environ: Mapping[str, str], utf8_mode: int, utf8_requested: bool) -> bool:
    """Whether Python replaced a C locale's LC_CTYPE with C.UTF-8 when it started (PEP 538).

    Python then also turns on its UTF-8 mode; a user who asked for that mode
    (``PYTHONUTF8``, ``-X utf8``) is taken at their word instead.
    """
    return (
        not environ.get("LC_ALL")
        and environ.get("LC_CTYPE", "") in COERCED_LOCALES
        and bool(utf8_mode)
        and not utf8_requested
    )


def locale_is_utf8(name: str) -> bool | None:
    """Whether the locale ``name`` encodes text as UTF-8; None when that cannot be told."""
    if name in ("C", "POSIX"):
        return False
    codeset = name.partition(".")[2].partition("@")[0]
    if codeset:
        return codeset.lower().replace("-", "").replace("_", "") == "utf8"
    try:  # no codeset in the name: it is the C library's default for the language
        saved = locale.setlocale(locale.LC_CTYPE)
        try:
            locale.setlocale(locale.LC_CTYPE, name)
            codeset = locale.nl_langinfo(locale.CODESET)
        finally:
            locale.setlocale(locale.LC_CTYPE, saved)
    except (locale.Error, AttributeError, ValueError):
        return None  # not installed here: nothing says it is not UTF-8
    return codeset.lower().replace("-", "").replace("_", "") == "utf8"


def non_utf8_locale(
    environ: Mapping[str, str],
    utf8_mode: int | None = None,
    utf8_requested: bool | None = None,
    hint: str = HEADLESS_HINT,
) -> str | None:
    """Why the locale names a charset other than UTF-8, or None when it does not.

    No locale set, C and POSIX are taken as UTF-8, as Python takes them
    (PEP 538, 540); so is a locale whose charset cannot be told (a name
    without one, not installed here). A locale Python coerced to C.UTF-8
    is judged by what the user set (LANG=en_US.ISO-8859-1 where that locale
    is not installed is coerced, and still refused).
    """
    if utf8_mode is None:
        utf8_mode = sys.flags.utf8_mode
    if utf8_requested is None:
        utf8_requested = bool(environ.get("PYTHONUTF8")) or "utf8" in sys._xoptions
    coerced = python_coerced(environ, utf8_mode, utf8_requested)
    name, var = declared_locale(environ, coerced)
    if name in PLAIN_LOCALES or locale_is_utf8(name) is not False:
        return None
    said = f"{var}={name}"
    return (
        f"the app draws with Unicode characters, but the locale is not UTF-8 ({said}); "
        f"run it in a UTF-8 locale, e.g. LC_ALL=C.UTF-8 vgtui, or {hint}"
    )


def terminal_problem(
    isatty: Callable[[int], bool] = os.isatty,
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    hint: str = HEADLESS_HINT,
) -> str | None:
    """Why the live app cannot run here, in one line; None when it can.

    Checked in order: a terminal on stdin, stdout and stderr; a TERM that is
    not dumb; no locale of a charset other than UTF-8. The last two are POSIX conventions, not
    checked on Windows. ``hint`` ends each message: what to do instead.
    """
    environ = os.environ if environ is None else environ
    problem = missing_terminal(isatty, hint)
    if problem is None and platform != "win32":
        problem = dumb_terminal(environ, hint) or non_utf8_locale(environ, hint=hint)
    return problem
