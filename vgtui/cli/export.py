"""``vgtui export PATH [PATH...]``: read run logs, write the formats asked for.

Bad input (a missing path, a file that is not a log, a log from a newer
vgtui, a directory with no logs, no output flag, an output that cannot be
written, a missing optional package) is one line on stderr and exit 2,
found before anything is written.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from vgtui.cli.parsing import OneLineParser
from vgtui.export.formats import FORMATS, Format, Job
from vgtui.export.runs import ExportError, LoadedRun, damage_note, load_run, resolve_logs
from vgtui.output_path import OutputPathError

EXIT_USAGE = 2


def _either(flags: Sequence[str]) -> str:
    """``--a, --b or --c``."""
    return f"{', '.join(flags[:-1])} or {flags[-1]}" if len(flags) > 1 else flags[0]


def build_parser() -> OneLineParser:
    """The parser of ``vgtui export``: a flag a format, then ``--compare``."""
    parser = OneLineParser(
        prog="vgtui export",
        description=(
            "Export run logs (written with --logdir) to JSON, CSV, TensorBoard event files "
            "or the tutorial's figure. PATH is a log or a directory of logs."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run log, or directory of logs")
    for fmt in FORMATS:
        needs = f" (needs vgtui[{fmt.extra}])" if fmt.extra else ""
        parser.add_argument(fmt.flag, type=Path, metavar=fmt.metavar, help=fmt.help + needs)
    figures = "/".join(fmt.flag for fmt in FORMATS if fmt.figure)
    parser.add_argument(
        "--compare",
        action="store_true",
        help=f"with {figures}: one figure with every run's layer SDs side by side",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vgtui export``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    asked = [(fmt, getattr(args, fmt.name)) for fmt in FORMATS]
    asked = [(fmt, target) for fmt, target in asked if target is not None]
    if not asked:
        parser.error(f"say what to write: {_either([fmt.flag for fmt in FORMATS])}")
    if args.compare and not any(fmt.figure for fmt, _ in asked):
        parser.error(f"--compare: only with {_either([f.flag for f in FORMATS if f.figure])}")
    for fmt, _ in asked:
        if problem := fmt.missing():
            parser.error(problem)
    try:
        logs = resolve_logs(args.paths)
        for fmt, target in asked:
            fmt.check(target, logs, args.compare)
        return _export(asked, logs, args.compare)
    except (ExportError, OutputPathError) as err:
        parser.error(str(err))


def _export(asked: list[tuple[Format, Path]], logs: list[Path], compare: bool) -> int:
    """Write every output asked for; print a line for each."""
    runs: list[LoadedRun] = []
    damaged: dict[Path, int] = {}
    if any(fmt.needs_runs for fmt, _ in asked):
        runs = [load_run(log) for log in logs]
        for run in runs:
            if run.damaged_at is not None:
                damaged[run.path] = run.damaged_at
            if not run.complete:
                print(
                    f"note: {run.path} has no summary (its writer stopped early, or is still "
                    "running): exported up to its last complete epoch",
                    file=sys.stderr,
                )
    job = Job(logs, runs, damaged, compare)
    for fmt, target in asked:
        for line in fmt.write(target, job):
            print(line)
    for path, offset in damaged.items():
        print(damage_note(path, offset), file=sys.stderr)
    return 0
