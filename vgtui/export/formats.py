"""The formats ``vgtui export`` writes, in one table: name, flag, extension, writer, extra needed.

The export command is made from :data:`FORMATS`: a flag a format, the
check of every output before anything is written, the optional package a
format needs, and its writer. A writer imports its format's module when it
runs, so that ``vgtui export --help`` or a CSV export never imports
matplotlib or TensorBoard. Adding a format is a module and a row here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vgtui.export.runs import ExportError, LoadedRun
from vgtui.output_path import OutputPathError, check_output_file, open_output, write_output


@dataclass(frozen=True)
class Job:
    """What every writer is given.

    Attributes:
        logs: the run logs to export, oldest first.
        runs: the logs read whole, when some format asked for needs them (else empty).
        damaged: the logs found damaged, and where.
        compare: one figure of every run side by side, rather than one a run.
        ends: each log's size when the export found it: every format reads it up to there.

    """

    logs: list[Path]
    runs: list[LoadedRun]
    damaged: dict[Path, int]
    compare: bool
    ends: dict[Path, int] = field(default_factory=dict)


#: Checks that an output can be written: (target, logs, compare); raises
#: OutputPathError or ExportError saying why not.
Check = Callable[[Path, Sequence[Path], bool], None]
#: Writes an output: (target, job); yields a line for each thing written.
Writer = Callable[[Path, Job], Iterator[str]]


@dataclass(frozen=True)
class Format:
    """One format ``vgtui export`` writes.

    Attributes:
        name: its name, and its flag without the dashes (``tensorboard``).
        help: what it writes, for ``--help``.
        extension: its files' extension (figures are drawn in it); empty for a directory.
        write: writes it.
        check: checks, before anything is written, that it can be written.
        extra: the optional dependency (``pip install "vgtui[EXTRA]"``) it needs, if any.
        needs_runs: its writer reads the runs whole (``Job.runs``).
        figure: it is a figure (``--compare`` applies to it).

    """

    name: str
    help: str
    extension: str
    write: Writer
    check: Check
    extra: str | None = None
    needs_runs: bool = False
    figure: bool = False

    @property
    def flag(self) -> str:
        """Its flag: ``--json``."""
        return f"--{self.name}"

    @property
    def metavar(self) -> str:
        """What its flag takes: a FILE, or a DIR for a format that writes a directory."""
        return "FILE" if self.extension else "DIR"

    def missing(self) -> str | None:
        """One line saying how to install the extra it needs, or None if nothing is missing."""
        return EXTRAS[self.extra]() if self.extra else None


def figure_paths(target: Path, logs: Sequence[Path], compare: bool) -> list[Path]:
    """Where the figures go: ``target`` itself for one figure, else ``NAME-RUN.EXT`` each."""
    if compare or len(logs) == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{log.stem}{target.suffix}") for log in logs]


# Extras -------------------------------------------------------------------------


def _tensorboard_missing() -> str | None:
    from vgtui.export.to_tensorboard import tensorboard_missing

    return tensorboard_missing()


def _matplotlib_missing() -> str | None:
    from vgtui.export.figure import matplotlib_missing

    return matplotlib_missing()


#: Each optional dependency: a check that says how to install it when it is missing.
EXTRAS: dict[str, Callable[[], str | None]] = {
    "export": _tensorboard_missing,
    "plots": _matplotlib_missing,
}


# Checks -------------------------------------------------------------------------


def _check_file(target: Path, logs: Sequence[Path], compare: bool) -> None:
    check_output_file(target)


def _check_figures(target: Path, logs: Sequence[Path], compare: bool) -> None:
    for each in figure_paths(target, logs, compare):
        check_output_file(each)


def _check_event_dirs(root: Path, logs: Sequence[Path], compare: bool) -> None:
    from vgtui.export.to_tensorboard import event_dir, holds_events

    if root.exists() and not root.is_dir():
        raise OutputPathError(f"{root} exists and is not a directory")
    for log in logs:
        if holds_events(event_dir(root, log)):
            raise ExportError(
                f"{event_dir(root, log)} already holds event files; "
                "give another --tensorboard directory"
            )


# Writers ------------------------------------------------------------------------


def _write_json(target: Path, job: Job) -> Iterator[str]:
    from vgtui.export.runfile import write_json
    from vgtui.export.to_json import runs_to_json

    write_json(target, runs_to_json(job.runs))
    yield f"wrote {target}"


def _write_csv(target: Path, job: Job) -> Iterator[str]:
    from vgtui.export.to_csv import write_csv

    with open_output(target) as out:
        rows = write_csv(job.logs, out, job.damaged, job.ends)
    yield f"wrote {target} ({rows} rows)"


def _write_tensorboard(root: Path, job: Job) -> Iterator[str]:
    from vgtui.export.to_tensorboard import write_tensorboard

    for directory in write_tensorboard(job.logs, root, job.damaged, job.ends):
        yield f"wrote {directory}"


def _figure_writer(extension: str) -> Writer:
    """The writer of the tutorial's figure drawn as ``extension`` (png, svg)."""

    def write(target: Path, job: Job) -> Iterator[str]:
        from vgtui.export.figure import compare_figure, render, run_figure

        if job.compare:
            figures = [compare_figure(job.runs)]
        else:
            figures = [run_figure(run) for run in job.runs]
        for path, fig in zip(figure_paths(target, job.logs, job.compare), figures, strict=True):
            write_output(path, render(fig, extension))
            yield f"wrote {path}"

    return write


def _figure(extension: str, help_text: str) -> Format:
    """The format of the tutorial's figure drawn as ``extension``."""
    return Format(
        extension,
        help_text,
        extension,
        _figure_writer(extension),
        _check_figures,
        extra="plots",
        needs_runs=True,
        figure=True,
    )


#: Every format, in the order the command line lists them and writes them.
FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "the run as --headless --json writes it",
        "json",
        _write_json,
        _check_file,
        needs_runs=True,
    ),
    Format("csv", "one row per step per layer, every run", "csv", _write_csv, _check_file),
    Format(
        "tensorboard",
        "TensorBoard event files, one subfolder a run",
        "",
        _write_tensorboard,
        _check_event_dirs,
        extra="export",
    ),
    _figure("png", "the tutorial's figure"),
    _figure("svg", "the figure as SVG"),
)
