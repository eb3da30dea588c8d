"""``vgtui view PATH``: the monitor on a run log, a directory of logs, or a --json file.

Bad input (a missing path, a file that is neither a run log nor a --json
file, a FIFO or a pipe, a log from a newer vgtui, a directory without logs)
and no usable terminal (stdin, stdout and stderr, a capable TERM, no locale
of a charset other than UTF-8, as the live app needs) are one line on
stderr and exit 2, before the app starts.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

from vgtui.cli.parsing import OneLineParser
from vgtui.cli.terminal_check import EXPORT_HINT, terminal_problem
from vgtui.sources.follower import STALE_AFTER
from vgtui.view.target import ViewError, ViewTarget, resolve


def _seconds(text: str) -> float:
    """Read a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def build_parser() -> OneLineParser:
    """The parser of ``vgtui view``."""
    parser = OneLineParser(
        prog="vgtui view",
        description=(
            "Open the monitor on runs trained elsewhere: a run log (written with --logdir) "
            "followed live while it grows, a directory of logs (the newest shown, the others "
            "in the comparison, new ones picked up), or a --headless --json file."
        ),
    )
    parser.add_argument("path", metavar="PATH", help="run log, directory of logs, or --json file")
    parser.add_argument(
        "--stale-after",
        type=_seconds,
        metavar="SECONDS",
        default=STALE_AFTER,
        help="a log that has not grown for this long, and has no summary, shows "
        "'writer stopped' (default: %(default)s)",
    )
    return parser


def parse_args(argv: Sequence[str]) -> ViewTarget:
    """Parse and check the command line; exit with status 2 on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        target = resolve(args.path, stale_after=args.stale_after)
    except ViewError as err:
        parser.error(str(err))
    if problem := terminal_problem(hint=EXPORT_HINT):
        parser.error(problem)  # before Textual is imported: no escape codes into a file
    for note in target.skipped:
        print(f"vgtui view: note: left out: {note}", file=sys.stderr)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vgtui view``; return the exit status."""
    target = parse_args(list(sys.argv[2:] if argv is None else argv))
    from vgtui.ui.session import run_app

    return run_app(view=target)
