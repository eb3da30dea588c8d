"""The tutorial's figure, drawn with matplotlib (the optional ``plots`` extra).

Three panels share the step axis: each layer's gradient mean, each layer's
gradient SD (log scale), and the loss; titled with the run's config and
verdict. ``compare_figure`` puts every run's layer SDs side by side.
Figures are drawn on a bare ``matplotlib.figure.Figure``: no pyplot, no
window, no global state.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vgtui.export.runs import LoadedRun
from vgtui.records import STAT_INDEX

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INSTALL_HINT = 'the figure needs matplotlib: pip install "vgtui[plots]"'
#: Points a layer's line has at most: neighbouring steps are averaged down to this many.
LINE_POINTS = 200
#: Lines of this many points or fewer mark each point.
FEW_POINTS = 30
#: Most layers named in a legend; deeper networks name layers spread evenly.
LEGEND_LAYERS = 10


def matplotlib_missing() -> str | None:
    """One line saying how to install matplotlib, or None if it is there."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def _colors(n: int) -> list[tuple[float, ...]]:
    """One colour a layer, from the input (dark) to the output (light)."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(x) for x in (np.linspace(0.0, 0.85, n) if n > 1 else [0.0])]


def _verdict_line(run: LoadedRun) -> str:
    """The verdict and its reason, or what is known when there is none."""
    summary = run.summary
    line = summary.verdict.upper() if summary.verdict else "no verdict"
    if summary.verdict_reason:
        line += f": {summary.verdict_reason}"
    if not run.complete:
        line += " (log has no summary: writer stopped early or still running)"
    return line


def _labelled(names: Sequence[str]) -> set[int]:
    """Indices of the layers the legend names."""
    if len(names) <= LEGEND_LAYERS:
        return set(range(len(names)))
    return {round(float(x)) for x in np.linspace(0, len(names) - 1, LEGEND_LAYERS)}


def _layer_lines(ax: Axes, run: LoadedRun, stat: str, log: bool, labels: bool = True) -> None:
    """One line a layer of ``stat`` against the step; zeros left out on a log scale.

    Neighbouring steps are averaged, so a line has at most LINE_POINTS points
    (an epoch's worth of steps for the tutorial's run): every step's value
    is noise around the trend the figure is about.
    """
    from matplotlib.ticker import MaxNLocator

    view = run.view.thinned(LINE_POINTS)
    names = view.start.layer_names if view.start else ()
    values = view.step_stats[:, :, STAT_INDEX[stat]]
    shown = _labelled(names)
    for j, (name, color) in enumerate(zip(names, _colors(len(names)))):
        y = values[:, j].astype(float)
        if log:
            y = np.where(y > 0, y, np.nan)
        ax.plot(
            view.step_x,
            y,
            color=color,
            lw=0.9,
            marker="o" if len(y) <= FEW_POINTS else None,
            ms=3,
            label=name if labels and j in shown else None,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)


def _loss_panel(ax: Axes, run: LoadedRun) -> None:
    """Batch loss at each step and the loss on all the data after each epoch."""
    view = run.view
    few = len(view.step_x) <= FEW_POINTS
    ax.plot(
        view.step_x,
        view.step_loss,
        color="0.6" if few else "0.75",
        lw=0.5,
        marker="o" if few else None,
        ms=3,
        label="batch loss",
    )
    epochs = [int(e) for e in view.epoch_x]
    x = [run.epoch_last_step.get(e, np.nan) for e in epochs]
    ax.plot(x, view.epoch_loss, color="C3", lw=1.4, label="loss, all data (each epoch)")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize="small", frameon=False)


def run_figure(run: LoadedRun) -> Figure:
    """The tutorial's three panels for one run."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8.5), layout="constrained")
    mean_ax, sd_ax, loss_ax = fig.subplots(3, 1, sharex=True)
    _layer_lines(mean_ax, run, "grad_mean", log=False)
    mean_ax.axhline(0.0, color="0.5", lw=0.6)
    mean_ax.set_ylabel("gradient mean")
    _layer_lines(sd_ax, run, "grad_sd", log=True, labels=False)
    sd_ax.set_ylabel("gradient SD (log)")
    _loss_panel(loss_ax, run)
    loss_ax.set_xlabel("step")
    mean_ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title="layer\n(input → output)",
        fontsize="small",
        frameon=False,
    )
    reason = textwrap.fill(_verdict_line(run), 110)
    fig.suptitle(f"{run.title()}\n{reason}", fontsize="medium")
    return fig


def compare_figure(runs: Sequence[LoadedRun]) -> Figure:
    """Every run's layer gradient SDs side by side, on one shared log scale."""
    from matplotlib.figure import Figure

    width = min(4.0 * len(runs) + 1.5, 24.0)
    fig = Figure(figsize=(width, 4.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(runs), sharey=True, squeeze=False)[0])
    for k, (ax, run) in enumerate(zip(axes, runs)):
        _layer_lines(ax, run, "grad_sd", log=True, labels=k == 0)
        verdict = run.summary.verdict.upper() if run.summary.verdict else "no verdict"
        ax.set_title(f"{_short_title(run)}\n{verdict}", fontsize="small")
        ax.set_xlabel("step")
    axes[0].set_ylabel("gradient SD (log)")
    axes[-1].legend(
        *axes[0].get_legend_handles_labels(),
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        title="layer\n(input → output)",
        fontsize="small",
        frameon=False,
    )
    fig.suptitle("gradient SD by layer", fontsize="medium")
    return fig


def _short_title(run: LoadedRun) -> str:
    """Activation and initializer of a built-in run, else the model's title."""
    config = run.start.config
    if config is not None:
        return f"{config.activation} · {config.init}"
    return run.title()


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes."""
    buffer = io.BytesIO()
    dpi = 150 if fmt == "png" else None
    metadata = {"Software": "vgtui"} if fmt == "png" else {"Creator": "vgtui", "Date": None}
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "vgtui"}):  # SVG text stays text
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()
