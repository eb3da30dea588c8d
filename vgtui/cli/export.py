"""``vgtui export PATH [PATH...]``: read run logs, write the formats asked for.

Bad input (a missing path, a file that is not a log, a FIFO or a pipe, a
log from a newer vgtui, a directory with no logs, no output flag, an output
that cannot be written, a missing optional package) is one line on stderr
and exit 2, found before anything is written. A log of a directory that
cannot be read (a damaged header, a newer format) is left out with a note.
A fault while writing (a full disk, a file size limit) is one line naming
the file and exit 1; a partial TensorBoard event file is removed.

Every log is sized once, when it is found, and every format reads it up to
that size: a log still being written is exported as it stood then, alike
in every format.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from vgtui.cli.parsing import OneLineParser
from vgtui.export.formats import FIGURES, FORMATS, Format, Job
from vgtui.export.runs import (
    ExportError,
    LoadedRun,
    Snapshot,
    damage_note,
    load_run,
    snapshot_logs,
)
from vgtui.output_path import OutputPathError
from vgtui.runlog import RunLogError

EXIT_USAGE = 2
#: Exit status of a fault met while exporting: an output that could not be written (a full
#: disk, a file size limit), a log that could not be read any more.
EXIT_FAULT = 1


def _either(flags: Sequence[str]) -> str:
    """``--a, --b or --c``."""
    return f"{', '.join(flags[:-1])} or {flags[-1]}" if len(flags) > 1 else flags[0]


def build_parser() -> OneLineParser:
    """The parser of ``vgtui export``: a flag a format, then ``--compare``."""
    parser = OneLineParser(
        prog="vgtui export",
        description=(
            "Export run logs (written with --logdir) to JSON, CSV, TensorBoard event files "
            "or figures: the tutorial's, or Glorot & Bengio's (--figure). PATH is a log or a "
            "directory of logs."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run log, or directory of logs")
    for fmt in FORMATS:
        needs = f" (needs vgtui[{fmt.extra}])" if fmt.extra else ""
        parser.add_argument(
            fmt.flag, type=Path, dest=fmt.dest, metavar=fmt.metavar, help=fmt.help + needs
        )
    figures = "/".join(fmt.flag for fmt in FORMATS if fmt.figure)
    parser.add_argument(
        "--compare",
        action="store_true",
        help=f"with {figures}: one figure with every run's layer SDs side by side",
    )
    parser.add_argument(
        "--figure",
        choices=tuple(FIGURES),
        metavar="NAME",
        help=f"with {figures}: the figure to draw (default: tutorial): "
        + "; ".join(f"{kind.name}: {kind.help}" for kind in FIGURES.values()),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vgtui export``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    asked = [(fmt, getattr(args, fmt.dest)) for fmt in FORMATS]
    asked = [(fmt, target) for fmt, target in asked if target is not None]
    if not asked:
        parser.error(f"say what to write: {_either([fmt.flag for fmt in FORMATS])}")
    figure_flags = _either([f.flag for f in FORMATS if f.figure])
    if args.compare and not any(fmt.figure for fmt, _ in asked):
        parser.error(f"--compare: only with {figure_flags}")
    if args.figure is not None and not any(fmt.figure for fmt, _ in asked):
        parser.error(f"--figure: only with {figure_flags}")
    figure = args.figure or "tutorial"
    if args.compare and figure != "tutorial":
        parser.error(f"--compare: only with the tutorial's figure, not {figure}")
    for fmt, _ in asked:
        if problem := fmt.missing():
            parser.error(problem)
    try:
        snapshot = snapshot_logs(args.paths)
        for fmt, target in asked:
            fmt.check(target, snapshot.logs, args.compare, figure)
    except (ExportError, OutputPathError) as err:
        parser.error(str(err))
    for note in snapshot.skipped:
        print(f"{parser.prog}: note: left out: {note}", file=sys.stderr)
    try:
        return _export(asked, snapshot, args.compare, figure)
    except (ExportError, OutputPathError, RunLogError) as err:  # a fault while writing or reading
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return EXIT_FAULT


def _export(
    asked: list[tuple[Format, Path]], snapshot: Snapshot, compare: bool, figure: str = "tutorial"
) -> int:
    """Write every output asked for from one snapshot of the logs; print a line for each."""
    logs, ends = snapshot.logs, snapshot.ends
    runs: list[LoadedRun] = []
    damaged: dict[Path, int] = {}
    if any(fmt.needs_runs for fmt, _ in asked):
        runs = [load_run(log, ends.get(log)) for log in logs]
        for run in runs:
            if run.damaged_at is not None:
                damaged[run.path] = run.damaged_at
            if not run.complete:
                print(
                    f"note: {run.path} has no summary (its writer stopped early, or is still "
                    "running): exported up to its last complete epoch",
                    file=sys.stderr,
                )
    job = Job(logs, runs, damaged, compare, ends, figure)
    for fmt, target in asked:
        for line in fmt.write(target, job):
            print(line)
    for path, offset in damaged.items():
        print(damage_note(path, offset), file=sys.stderr)
    return 0
