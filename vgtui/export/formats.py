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
from typing import TYPE_CHECKING

from vgtui.export.runs import ExportError, LoadedRun
from vgtui.output_path import OutputPathError, check_output_file, open_output, write_output

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Job:
    """What every writer is given.

    Attributes:
        logs: the run logs to export, oldest first.
        runs: the logs read whole, when some format asked for needs them (else empty).
        damaged: the logs found damaged, and where.
        compare: one figure of every run side by side, rather than one a run.
        ends: each log's size when the export found it: every format reads it up to there.
        figure: the figure ``--png`` and ``--svg`` draw (a name of FIGURES).

    """

    logs: list[Path]
    runs: list[LoadedRun]
    damaged: dict[Path, int]
    compare: bool
    ends: dict[Path, int] = field(default_factory=dict)
    figure: str = "tutorial"


#: Checks that an output can be written: (target, logs, compare, figure); raises
#: OutputPathError or ExportError saying why not.
Check = Callable[[Path, Sequence[Path], bool, str], None]
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
    def dest(self) -> str:
        """Its attribute in the parsed command line: ``hist_csv`` for ``--hist-csv``."""
        return self.name.replace("-", "_")

    @property
    def metavar(self) -> str:
        """What its flag takes: a FILE, or a DIR for a format that writes a directory."""
        return "FILE" if self.extension else "DIR"

    def missing(self) -> str | None:
        """One line saying how to install the extra it needs, or None if nothing is missing."""
        return EXTRAS[self.extra]() if self.extra else None


@dataclass(frozen=True)
class FigureKind:
    """A figure ``--png`` and ``--svg`` can draw (``--figure NAME``).

    Attributes:
        name: its name, ``--figure``'s value.
        help: what it shows.
        draw: draws the figures of the runs: one a run, or one of them all.
        together: one figure of every run (else one a run, unless ``--compare``).
        histograms: it draws the runs' histograms: each log must hold them.

    """

    name: str
    help: str
    draw: Callable[[Sequence[LoadedRun], bool], list[Figure]]
    together: bool = False
    histograms: bool = False


def figure_paths(
    target: Path, logs: Sequence[Path], compare: bool, figure: str = "tutorial"
) -> list[Path]:
    """Where the figures go: ``target`` itself for one figure, else ``NAME-RUN.EXT`` each."""
    if compare or len(logs) == 1 or FIGURES[figure].together:
        return [target]
    return [target.with_name(f"{target.stem}-{log.stem}{target.suffix}") for log in logs]


def _tutorial_figures(runs: Sequence[LoadedRun], compare: bool) -> list[Figure]:
    from vgtui.export.figure import compare_figure, run_figure

    return [compare_figure(runs)] if compare else [run_figure(run) for run in runs]


def _fig2(runs: Sequence[LoadedRun], compare: bool) -> list[Figure]:
    from vgtui.export.glorot_figures import fig2

    return [fig2(run) for run in runs]


def _fig6(runs: Sequence[LoadedRun], compare: bool) -> list[Figure]:
    from vgtui.export.glorot_figures import fig6

    return [fig6(runs)]


def _fig7(runs: Sequence[LoadedRun], compare: bool) -> list[Figure]:
    from vgtui.export.glorot_figures import fig7

    return [fig7(runs)]


#: Every figure ``--figure`` names; the first is the default.
FIGURES: dict[str, FigureKind] = {
    kind.name: kind
    for kind in (
        FigureKind("tutorial", "each layer's gradient mean and SD and the loss", _tutorial_figures),
        FigureKind(
            "glorot2010-fig2",
            "Glorot & Bengio's Fig. 2: each hidden layer's activation mean and SD over "
            "training, a figure a run",
            _fig2,
            histograms=True,
        ),
        FigureKind(
            "glorot2010-fig6",
            "their Fig. 6: each hidden layer's activation histogram at initialization, a "
            "panel a run (standard and normalized init, tanh)",
            _fig6,
            together=True,
            histograms=True,
        ),
        FigureKind(
            "glorot2010-fig7",
            "their Fig. 7: the same of the back-propagated gradients",
            _fig7,
            together=True,
            histograms=True,
        ),
    )
}


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


def _check_file(target: Path, logs: Sequence[Path], compare: bool, figure: str) -> None:
    check_output_file(target)


def _check_figures(target: Path, logs: Sequence[Path], compare: bool, figure: str) -> None:
    for each in figure_paths(target, logs, compare, figure):
        check_output_file(each)
    if FIGURES[figure].histograms:
        for log in logs:
            _check_holds_histograms(log, f"--figure {figure}")


def _check_holds_histograms(log: Path, what: str) -> None:
    """ExportError unless the log's header says its run counts histograms."""
    from vgtui.runlog import RunLogError, RunLogReader

    try:
        with RunLogReader(log) as reader:
            info = reader.header.get("info")
    except RunLogError as err:
        raise ExportError(str(err)) from None
    if not (isinstance(info, dict) and info.get("histogram_every")):
        raise ExportError(
            f"{what}: {log} holds no histograms (a run counts them in the app, or with "
            "--histograms N, --logdir or --preset)"
        )


def _check_event_dirs(root: Path, logs: Sequence[Path], compare: bool, figure: str) -> None:
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


def _write_hist_csv(target: Path, job: Job) -> Iterator[str]:
    from vgtui.export.to_hist_csv import write_hist_csv

    with open_output(target) as out:
        rows, runs = write_hist_csv(job.logs, out, job.damaged, job.ends)
    yield f"wrote {target} ({rows} rows; {runs} of {len(job.logs)} runs counted histograms)"


def _write_tensorboard(root: Path, job: Job) -> Iterator[str]:
    from vgtui.export.to_tensorboard import write_tensorboard

    for directory in write_tensorboard(job.logs, root, job.damaged, job.ends):
        yield f"wrote {directory}"


def _figure_writer(extension: str) -> Writer:
    """The writer of the figure ``--figure`` names (the tutorial's) drawn as ``extension``."""

    def write(target: Path, job: Job) -> Iterator[str]:
        from vgtui.export.figure import render

        figures = FIGURES[job.figure].draw(job.runs, job.compare)
        paths = figure_paths(target, job.logs, job.compare, job.figure)
        for path, fig in zip(paths, figures, strict=True):
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
        "hist-csv",
        "the histograms: one row per counted step, quantity, layer and bin that holds values "
        "(its edges and count), every run that counts them",
        "csv",
        _write_hist_csv,
        _check_file,
    ),
    Format(
        "tensorboard",
        "TensorBoard event files, one subfolder a run",
        "",
        _write_tensorboard,
        _check_event_dirs,
        extra="export",
    ),
    _figure("png", "the figure --figure names (the tutorial's)"),
    _figure("svg", "the figure as SVG"),
)
