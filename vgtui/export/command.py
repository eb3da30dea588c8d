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

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from vgtui.argparsing import OneLineParser
from vgtui.export.runs import ExportError, LoadedRun, Snapshot, damage_note, load_run, snapshot_logs
from vgtui.output_path import OutputPathError, check_output_file, open_output, write_output
from vgtui.runlog import RunLogError

EXIT_USAGE = 2
#: Exit status of a fault met while exporting: an output that could not be written (a full
#: disk, a file size limit), a log that could not be read any more.
EXIT_FAULT = 1


def build_parser() -> OneLineParser:
    """The parser of ``vgtui export``."""
    parser = OneLineParser(
        prog="vgtui export",
        description=(
            "Export run logs (written with --logdir) to JSON, CSV, TensorBoard event files "
            "or the tutorial's figure. PATH is a log or a directory of logs."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="run log, or directory of logs")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="the run as --headless --json writes it"
    )
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="one row per step per layer, every run"
    )
    parser.add_argument(
        "--tensorboard",
        type=Path,
        metavar="DIR",
        help="TensorBoard event files, one subfolder a run (needs vgtui[export])",
    )
    parser.add_argument(
        "--png", type=Path, metavar="FILE", help="the tutorial's figure (needs vgtui[plots])"
    )
    parser.add_argument("--svg", type=Path, metavar="FILE", help="the figure as SVG")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="with --png/--svg: one figure with every run's layer SDs side by side",
    )
    return parser


def figure_paths(target: Path, logs: Sequence[Path], compare: bool) -> list[Path]:
    """Where the figures go: ``target`` itself for one figure, else ``NAME-RUN.EXT`` each."""
    if compare or len(logs) == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{log.stem}{target.suffix}") for log in logs]


def _check_outputs(args: argparse.Namespace, logs: list[Path]) -> None:
    """Raise OutputPathError or ExportError for any output that cannot be written."""
    from vgtui.export.to_tensorboard import event_dir, holds_events

    for path in (args.json, args.csv):
        if path is not None:
            check_output_file(path)
    for path in (args.png, args.svg):
        if path is not None:
            for each in figure_paths(path, logs, args.compare):
                check_output_file(each)
    if args.tensorboard is not None:
        root = args.tensorboard
        if root.exists() and not root.is_dir():
            raise OutputPathError(f"{root} exists and is not a directory")
        for log in logs:
            if holds_events(event_dir(root, log)):
                raise ExportError(
                    f"{event_dir(root, log)} already holds event files; "
                    "give another --tensorboard directory"
                )


def _missing_packages(args: argparse.Namespace) -> str | None:
    """One line naming an optional package an output needs and how to install it."""
    if args.png is not None or args.svg is not None:
        from vgtui.export.figure import matplotlib_missing

        if problem := matplotlib_missing():
            return problem
    if args.tensorboard is not None:
        from vgtui.export.to_tensorboard import tensorboard_missing

        return tensorboard_missing()
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vgtui export``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not any(getattr(args, f) is not None for f in ("json", "csv", "tensorboard", "png", "svg")):
        parser.error("say what to write: --json, --csv, --tensorboard, --png or --svg")
    if args.compare and args.png is None and args.svg is None:
        parser.error("--compare: only with --png or --svg")
    if problem := _missing_packages(args):
        parser.error(problem)
    try:
        snapshot = snapshot_logs(args.paths)
        _check_outputs(args, snapshot.logs)
    except (ExportError, OutputPathError) as err:
        parser.error(str(err))
    for note in snapshot.skipped:
        print(f"{parser.prog}: note: left out: {note}", file=sys.stderr)
    try:
        return _export(args, snapshot)
    except (ExportError, OutputPathError, RunLogError) as err:  # a fault while writing or reading
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return EXIT_FAULT


def _export(args: argparse.Namespace, snapshot: Snapshot) -> int:
    """Write every output asked for from one snapshot of the logs; print a line for each."""
    logs, ends = snapshot.logs, snapshot.ends
    runs: list[LoadedRun] = []
    damaged: dict[Path, int] = {}
    if args.json is not None or args.png is not None or args.svg is not None:
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
    if args.json is not None:
        from vgtui.export.to_json import runs_to_json
        from vgtui.runfile import write_json

        write_json(args.json, runs_to_json(runs))
        print(f"wrote {args.json}")
    if args.csv is not None:
        from vgtui.export.to_csv import write_csv

        with open_output(args.csv) as out:
            rows = write_csv(logs, out, damaged, ends)
        print(f"wrote {args.csv} ({rows} rows)")
    if args.tensorboard is not None:
        from vgtui.export.to_tensorboard import write_tensorboard

        for directory in write_tensorboard(logs, args.tensorboard, damaged, ends):
            print(f"wrote {directory}")
    for fmt in ("png", "svg"):
        target = getattr(args, fmt)
        if target is None:
            continue
        from vgtui.export.figure import compare_figure, render, run_figure

        figures = [compare_figure(runs)] if args.compare else [run_figure(r) for r in runs]
        for path, fig in zip(figure_paths(target, logs, args.compare), figures, strict=True):
            write_output(path, render(fig, fmt))
            print(f"wrote {path}")
    for path, offset in damaged.items():
        print(damage_note(path, offset), file=sys.stderr)
    return 0
