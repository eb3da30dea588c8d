"""What ``vgtui view PATH`` shows: PATH checked and sorted into logs or a --json file's runs.

Bad input (a missing path, a file that is neither a run log nor a --json
file, a log from a newer vgtui, a directory without logs) raises
:class:`ViewError` with one line saying what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vgtui.input_path import InputPathError, check_input
from vgtui.records import Record
from vgtui.runlog import RunLogError, is_run_log, list_logs
from vgtui.session.kept import MAX_KEPT_RUNS
from vgtui.sources.follower import STALE_AFTER, LogFollower
from vgtui.sources.jsonfile import JsonRunError, looks_like_json, read_json_runs


class ViewError(ValueError):
    """A path ``vgtui view`` cannot show; the message says why, in one line."""


@dataclass
class ViewTarget:
    """The runs to show, and how.

    Attributes:
        path: PATH as given.
        directory: the directory watched for new logs (None for a file).
        logs: the run logs found, oldest first (the last is shown first).
        json_runs: the runs of a --json file, as records (the last is shown first).
        skipped: one line for each log of the directory that cannot be read (and one
            for the oldest logs left out of a directory of too many).
        left_out: the oldest logs of a directory of more than the comparison keeps,
            not read at all.
        stale_after: seconds a log without a summary may go without growing
            before its writer counts as stopped.

    """

    path: Path
    directory: Path | None = None
    logs: list[Path] = field(default_factory=list)
    json_runs: list[list[Record]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    left_out: list[Path] = field(default_factory=list)
    stale_after: float = STALE_AFTER


def check_log(path: Path) -> None:
    """Raise ViewError unless ``path`` is a run log this vgtui reads (header and config)."""
    try:
        LogFollower(path).close()
    except RunLogError as err:
        raise ViewError(str(err)) from None


def resolve(path: Path | str, stale_after: float = STALE_AFTER) -> ViewTarget:
    """Check ``path`` and say what it holds; see the module."""
    path = Path(path)
    target = ViewTarget(path, stale_after=stale_after)
    try:
        kind = check_input(path)  # a FIFO, a pipe or a device: refused, never waited on
    except InputPathError as err:
        raise ViewError(str(err)) from None
    if kind == "dir":
        found = list_logs(path)
        shown = MAX_KEPT_RUNS + 1  # the run on screen, and the runs the comparison keeps
        for log in found[-shown:]:
            try:
                check_log(log)
            except ViewError as err:
                target.skipped.append(str(err))
                continue
            target.logs.append(log)
        if not target.logs:
            reason = target.skipped[-1] if target.skipped else f"{path} holds no vgtui run logs"
            raise ViewError(reason)
        if len(found) > shown:
            older = len(found) - shown
            target.left_out = found[:older]
            target.skipped.append(
                f"the {older:,} oldest of the {len(found):,} logs in {path}: the newest is "
                f"shown and the comparison keeps the {MAX_KEPT_RUNS} before it "
                "(vgtui export reads them all)"
            )
        target.directory = path
    elif is_run_log(path):
        check_log(path)
        target.logs = [path]
    elif looks_like_json(path):
        try:
            target.json_runs = read_json_runs(path)
        except JsonRunError as err:
            raise ViewError(str(err)) from None
    else:
        raise ViewError(f"{path} is not a vgtui run log or --json file")
    return target
