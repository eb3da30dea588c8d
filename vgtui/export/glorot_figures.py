"""Glorot & Bengio's (2010) figures from runs that count histograms, drawn with matplotlib.

- Fig. 2: the mean (a line) and SD (bars) of each hidden layer's activations
  at each counted step, over training: sigmoid's top hidden layer driven
  toward 0 early while the others stay near 0.5.
- Fig. 6: each hidden layer's histogram of activations at initialization
  (the first counted step: the weights before any update, the first
  batch), one panel a run: the paper's tanh with the standard
  initialization above the normalized one.
- Fig. 7: the same of the back-propagated gradients (the loss's gradient
  with respect to each hidden layer's outputs), on a symmetric log axis.

A histogram is drawn as one line a layer: each bin's share of the layer's
values at its centre (exact zeros joined to the bin 0 falls in).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from vgtui.distributions.over_time import Distributions
from vgtui.distributions.summary import percentiles
from vgtui.export.figure import _colors
from vgtui.export.runs import ExportError, LoadedRun

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Each figure: what it shows, for ``--figure``'s help and the titles.
TITLES = {
    "glorot2010-fig2": "mean and SD (bars) of each hidden layer's activations over training",
    "glorot2010-fig6": "activation histograms of each hidden layer at initialization",
    "glorot2010-fig7": "back-propagated gradient histograms of each hidden layer at initialization",
}


def histograms_of(run: LoadedRun) -> Distributions:
    """The run's histograms; ExportError if its log holds none."""
    h = run.view.histograms
    if h is None or len(h) == 0:
        raise ExportError(
            f"{run.path} holds no histograms (a run counts them in the app, or with "
            "--histograms N, --logdir or --preset)"
        )
    return h


def _short(run: LoadedRun) -> str:
    config = run.start.config
    return f"{config.activation} · {config.init}" if config is not None else run.title()


def fig2(run: LoadedRun) -> Figure:
    """Fig. 2 of one run: each hidden layer's mean activation, its SD as bars, by step."""
    from matplotlib.figure import Figure

    h = histograms_of(run)
    layers = h.layers("activation")
    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.subplots()
    width = max(1.0, float(np.ptp(h.steps)) / 150) if len(h) > 1 else 1.0
    for j, (name, color) in enumerate(zip(layers, _colors(len(layers)))):
        steps, mean, sd = h.activation_stats(j)
        shift = (j - (len(layers) - 1) / 2) * width  # bars side by side, not on each other
        ax.errorbar(
            steps + shift,
            mean,
            yerr=sd,
            color=color,
            lw=1.2,
            elinewidth=0.8,
            capsize=2,
            marker="o" if len(steps) <= 30 else None,
            ms=3,
            label=name,
        )
    ax.set_xlabel(f"step (every {h.every}th counted)" if h.every > 1 else "step")
    ax.set_ylabel("activation value")
    ax.grid(True, alpha=0.3)
    ax.legend(title="hidden layer", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.suptitle(f"{run.title()}\nFig. 2: {TITLES['glorot2010-fig2']}", fontsize="medium")
    return fig


def _histogram_line(h: Distributions, quantity: str, layer: int, step: int) -> tuple:
    """Bin centres and each bin's share of the layer's values, zeros in the bin 0 falls in."""
    hist = h.histogram_at(quantity, layer, step)
    if hist is None:
        return np.zeros(0), np.zeros(0)
    counts = hist.counts.astype(np.float64)
    edges = hist.edges.astype(np.float64)
    inside = int(np.searchsorted(edges, 0.0, side="right")) - 1
    if 0 <= inside < len(counts):
        counts[inside] += hist.zeros
    total = max(1, hist.total - hist.nan)
    centres = (edges[:-1] + edges[1:]) / 2
    if hist.spec.logarithmic:  # the geometric centre of a bin spread in log-magnitude
        same_sign = edges[:-1] * edges[1:] > 0
        geometric = np.sign(edges[:-1]) * np.sqrt(np.abs(edges[:-1] * edges[1:]))
        centres = np.where(same_sign, geometric, centres)
    return centres, counts / total


def _at_initialization(runs: Sequence[LoadedRun], quantity: str, name: str) -> Figure:
    """One panel a run: each hidden layer's histogram of ``quantity`` at the first counted step."""
    from matplotlib.figure import Figure

    for run in runs:
        histograms_of(run)
    fig = Figure(figsize=(9, 3.2 * len(runs) + 1.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(runs), 1, sharex=True, squeeze=False)[:, 0])
    spreads = []
    for ax, run in zip(axes, runs):
        h = run.view.histograms
        assert h is not None
        first = int(h.steps[0])
        layers = h.layers(quantity)
        for j, (layer, color) in enumerate(zip(layers, _colors(len(layers)))):
            x, share = _histogram_line(h, quantity, j, first)
            ax.plot(x, 100 * share, color=color, lw=1.2, label=layer)
            spreads.append(percentiles(h.counts(quantity, j)[0], h.specs[quantity]))
        ax.set_title(f"{_short(run)} (step {first})", fontsize="small")
        ax.set_ylabel("% of values a bin")
        ax.grid(True, alpha=0.3)
    if runs[0].view.histograms.specs[quantity].logarithmic:  # type: ignore[union-attr]
        _symlog(axes[-1], np.asarray(spreads))
    axes[-1].set_xlabel("back-propagated gradient" if quantity == "backprop" else "activation")
    axes[0].legend(
        title="hidden layer", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    titles = "; ".join(textwrap.shorten(r.title(), 60) for r in runs)
    fig.suptitle(f"{name}: {TITLES[name]}\n{titles}", fontsize="medium")
    return fig


def _symlog(ax: Axes, spreads: np.ndarray) -> None:
    """A symmetric log x axis spanning the layers' 2nd to 98th percentiles, and more."""
    magnitude = np.abs(spreads[:, [0, -1]])
    magnitude = magnitude[np.isfinite(magnitude) & (magnitude > 0)]
    if magnitude.size == 0:
        return
    top = float(magnitude.max()) * 3
    ax.set_xscale("symlog", linthresh=float(magnitude.min()) / 10)
    ax.set_xlim(-top, top)


def fig6(runs: Sequence[LoadedRun]) -> Figure:
    """Fig. 6: activation histograms at initialization, a panel a run."""
    return _at_initialization(runs, "activation", "glorot2010-fig6")


def fig7(runs: Sequence[LoadedRun]) -> Figure:
    """Fig. 7: back-propagated gradient histograms at initialization, a panel a run."""
    return _at_initialization(runs, "backprop", "glorot2010-fig7")
