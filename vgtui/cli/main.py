"""``vgtui [SUBCOMMAND] ...``: the first word picks the subcommand; none trains.

Each subcommand is imported only when it runs, so that one's imports never
slow another's start (the live app must draw its first frame quickly).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from vgtui.background import leave


def _run(argv: Sequence[str]) -> int:
    """``vgtui [flags]``: train, in the live app or ``--headless``."""
    from vgtui.cli.run import main

    return main(argv)


def _view(argv: Sequence[str]) -> int:
    """``vgtui view PATH``: the monitor on run logs or a --json file."""
    from vgtui.cli.view import main

    return main(argv)


def _export(argv: Sequence[str]) -> int:
    """``vgtui export PATH...``: run logs to other formats."""
    from vgtui.cli.export import main

    return main(argv)


#: The subcommands, by the word that names them; each is given the words after it.
SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "view": _view,
    "export": _export,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run vgtui; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    return _run(argv)


def entry() -> None:
    """The installed ``vgtui`` command and ``python -m vgtui``: run, then exit with the status.

    If a network is still being compiled in the background when the command
    is done, the process ends here without finalizing (see
    :func:`vgtui.background.leave`); :func:`main` itself always returns, for
    callers in a process of their own.
    """
    sys.exit(leave(main()))


if __name__ == "__main__":
    entry()
