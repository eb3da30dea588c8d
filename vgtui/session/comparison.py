"""The comparison table of runs, as the app and the headless sweep show it.

Runs of the same settings are one row: identical runs (a seed repeated) are
counted, and runs that differ only in their seed give each number as a mean
± its spread (the SD over the seeds), so a gap between rows can be told from
noise. A baseline row (the first, unless another is pinned) anchors a column
that gives each row's first-layer gradient SD as a multiple of the
baseline's: the question a comparison is for, answered without arithmetic.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from vgtui.config import SETTING, RunConfig
from vgtui.records import RunSummary
from vgtui.run_identity import FACETS, ModelIdentity

#: Settings that never tell rows apart: the seed makes the spread within a row.
NOT_COMPARED = ("seed",)
#: Settings the row's label says (``sigmoid/normal``): no column of their own.
IN_LABEL = ("activation", "init")
#: The column of the first layer's median gradient SD over the steps: its JSON key's words.
FIRST_SD = "1st SD median"
#: What a ``vs base`` cell names the baseline by: the first of these it differs from the row in.
BASE_WORDS = ("title", "activation", "init", "optimizer", "model")
#: The longest name of a baseline in a ``vs base`` cell.
BASE_CHARS = 16


@dataclass(frozen=True)
class ComparisonRow:
    """One run as the table takes it.

    Attributes:
        config: the run's settings (None for a user's model).
        summary: its final summary, None if it has none.
        state: done, stopped, diverged, failed.
        name: what to call a run without a config.
        first_sd: the first hidden layer's median gradient SD over the run.
        number: the run's number in the session (0 for a headless sweep's).
        model: what tells a run of a user's model apart (None: the built-in network,
            or not known).

    """

    config: RunConfig | None
    summary: RunSummary | None
    state: str
    name: str = ""
    first_sd: float = math.nan
    number: int = 0
    model: ModelIdentity | None = None

    @property
    def group_key(self) -> tuple[object, ...]:
        """Rows with the same key are one group: the settings but the seed."""
        if self.config is None:
            if self.model is not None:
                return ("model", self.model)
            return ("model", self.name)
        return tuple(
            getattr(self.config, f.name) for f in fields(RunConfig) if f.name not in NOT_COMPARED
        )

    @property
    def label(self) -> str:
        """activation/init (of the built-in network or a model's hidden layers), or a title.

        A run of a user's model without its hidden layers' activation is
        called by the title given to it, else by the model's name.
        """
        if self.config is None:
            label = self.model.label if self.model is not None else ""
            return label or self.name or "model"
        return f"{self.config.activation}/{self.config.init}"

    def settings(self) -> dict[str, object]:
        """Every setting the row is known by, by name (a RunConfig field, or a model's facet)."""
        if self.config is not None:
            return {f.name: getattr(self.config, f.name) for f in fields(RunConfig)}
        if self.model is not None:
            found = {name: self.model.facet(name) for name in (*FACETS, "title")}
            return {name: value for name, value in found.items() if value}
        return {}


@dataclass(frozen=True)
class Group:
    """Runs of the same settings: one row of the table."""

    rows: tuple[ComparisonRow, ...]

    @property
    def first(self) -> ComparisonRow:
        """The group's first run: its number, colour and glyph stand for the group."""
        return self.rows[0]

    @property
    def numbers(self) -> tuple[int, ...]:
        """The numbers of its runs."""
        return tuple(row.number for row in self.rows)

    def values(self, read: Callable[[ComparisonRow], float | None]) -> list[float]:
        """The finite values ``read`` gives for its runs."""
        out = []
        for row in self.rows:
            value = read(row)
            if value is not None and math.isfinite(value):
                out.append(float(value))
        return out

    def seeds(self) -> str:
        """Its seeds, e.g. ``1,2,3`` or ``42 ×3`` for one seed repeated."""
        seeds = [str(row.config.seed) for row in self.rows if row.config is not None]
        if not seeds:
            return "–"
        unique = list(dict.fromkeys(seeds))
        if len(unique) == 1 and len(seeds) > 1:
            return f"{unique[0]} ×{len(seeds)}"
        return ",".join(unique)


def group_rows(rows: Sequence[ComparisonRow]) -> list[Group]:
    """Group runs of the same settings (but the seed), in the order each group first appears."""
    groups: dict[tuple[object, ...], list[ComparisonRow]] = {}
    for row in rows:
        groups.setdefault(row.group_key, []).append(row)
    return [Group(tuple(members)) for members in groups.values()]


def differing_settings(rows: Sequence[ComparisonRow]) -> list[str]:
    """The settings (but activation, init and seed) whose value differs between the runs.

    The built-in network's runs are compared by their configs; runs of a
    user's model by their models' facets (the model, the optimizer, its
    learning rate, batch size, epochs): two runs of one model file that
    differ in the optimizer get an ``optimizer`` column, runs of two models
    a ``model`` column (so does a table of both kinds of run).
    """
    configs = [row.config for row in rows if row.config is not None]
    models = [row.model for row in rows if row.config is None and row.model is not None]
    out = []
    if len({m.model for m in models}) > 1 or (models and configs):
        out.append("model")
    for f in fields(RunConfig):
        if f.name in (*IN_LABEL, *NOT_COMPARED):
            continue
        in_configs = len({getattr(c, f.name) for c in configs}) > 1
        in_models = f.name in FACETS and len({m.facet(f.name) for m in models}) > 1
        if in_configs or in_models:
            out.append(f.name)
    return out


def header(setting: str) -> str:
    """A setting's column header: the config's short one (``batch``), else its name."""
    return SETTING[setting].header if setting in SETTING else setting


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and the number it sorts by (NaN sorts last)."""

    text: str
    key: float | str = math.nan


def _mean(values: list[float], spec: str) -> Cell:
    """A mean ± spread cell; "–" without values."""
    if not values:
        return Cell("–")
    mean = statistics.fmean(values)
    if len(values) == 1:
        return Cell(format(mean, spec), mean)
    spread = statistics.pstdev(values)
    return Cell(f"{format(mean, spec)}±{format(spread, spec.lstrip('+'))}", mean)


def _decades(values: list[float], infinite: int) -> Cell:
    """Decades as a mean ± spread; "zero" where the gradient vanished entirely."""
    if infinite and not values:
        return Cell("zero", -math.inf)
    cell = _mean(values, "+.1f")
    if infinite:
        return Cell(f"{cell.text} ({infinite} zero)", -math.inf)
    return cell


def _decade_values(group: Group, read: Callable[[RunSummary], float]) -> tuple[list[float], int]:
    """Finite decades of the group's runs, and how many runs had a vanished gradient."""
    finite, vanished = [], 0
    for row in group.rows:
        if row.summary is None:
            continue
        value = read(row.summary)
        if value == -math.inf:
            vanished += 1
        elif math.isfinite(value):
            finite.append(value)
    return finite, vanished


def geometric_mean(values: list[float]) -> float:
    """The geometric mean of positive values (NaN if none): the mean of SDs on a log scale."""
    positive = [v for v in values if v > 0]
    if not positive:
        return math.nan
    return math.exp(statistics.fmean(math.log(v) for v in positive))


def _word(setting: str, value: object) -> str:
    """How a ``vs base`` cell names a baseline by one setting: ``sigmoid``, ``depth 4``."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if setting in BASE_WORDS else f"{header(setting)} {text}"


def base_name(group: Group, baseline: Group) -> str:
    """What a ``vs base`` cell calls the baseline: what sets it apart from ``group``.

    The first of its title, activation, initializer, optimizer and model that
    the group does not share (``sigmoid``; ``normal`` in a sweep of
    initializers), else another setting (``depth 4``), else its number;
    at most BASE_CHARS characters.
    """
    mine, theirs = group.first.settings(), baseline.first.settings()
    order = [*BASE_WORDS, *(k for k in theirs if k not in BASE_WORDS and k not in NOT_COMPARED)]
    word = ""
    for key in order:
        if key in theirs and theirs[key] != "" and mine.get(key) != theirs[key]:
            word = _word(key, theirs[key])
            break
    if not word:
        number = baseline.first.number
        word = f"#{number}" if number else baseline.first.label
    return word if len(word) <= BASE_CHARS else word[: BASE_CHARS - 1] + "…"


def times_baseline(group: Group, baseline: Group | None) -> Cell:
    """The group's first-layer SD as a multiple of the baseline's, e.g. ``42× sigmoid``."""
    if baseline is None:
        return Cell("–")
    if group.rows == baseline.rows:
        return Cell("base", 1.0)
    mine = geometric_mean(group.values(lambda r: r.first_sd))
    theirs = geometric_mean(baseline.values(lambda r: r.first_sd))
    if not (math.isfinite(mine) and math.isfinite(theirs)):
        return Cell("–")
    ratio = mine / theirs
    text = f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"
    return Cell(f"{text} {base_name(group, baseline)}", ratio)


def _verdict(group: Group) -> Cell:
    """The verdict all runs share, or the count of each."""
    verdicts = [row.summary.verdict or "–" for row in group.rows if row.summary is not None]
    if not verdicts:
        return Cell("–", "")
    counts = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
    if len(counts) == 1:
        return Cell(verdicts[0], verdicts[0])
    text = " ".join(f"{n} {v}" for v, n in counts.items())
    return Cell(text, text)


def _state(group: Group) -> Cell:
    """The state all runs share, or the count of each."""
    states = [row.state for row in group.rows]
    counts = {s: states.count(s) for s in dict.fromkeys(states)}
    text = states[0] if len(counts) == 1 else " ".join(f"{n} {s}" for s, n in counts.items())
    return Cell(text, text)


def _setting(group: Group, name: str) -> Cell:
    """A setting's value, as the table shows it ("–" for a row that has no such setting)."""
    value = group.first.settings().get(name)
    if value is None or value == "":
        return Cell("–", "")
    if isinstance(value, float):
        return Cell(f"{value:g}", value)
    if isinstance(value, str):
        try:  # a model's facet is text: sort its numbers as numbers
            return Cell(value, float(value))
        except ValueError:
            return Cell(value, value)
    return Cell(str(value), float(value))


def columns(settings: Sequence[str] = (), counts: bool = True) -> list[str]:
    """The table's column headers, the differing settings after the name.

    ``counts`` False leaves out the count and seeds columns (every row one run).
    """
    return [
        "run",
        *(header(s) for s in settings),
        *(("n", "seeds") if counts else ()),
        "acc after",
        "vs base",
        "verdict",
        FIRST_SD,
        "dec median",
        "dec last",
        "acc before",
        "final loss",
        "state",
    ]


def cells(group: Group, baseline: Group | None, settings: Sequence[str] = ()) -> dict[str, Cell]:
    """The group's cells by column header."""

    def summary_values(read: Callable[[RunSummary], float]) -> list[float]:
        return group.values(lambda r: read(r.summary) if r.summary else None)

    out = {"run": Cell(group.first.label, group.first.label)}
    for name in settings:
        out[header(name)] = _setting(group, name)
    median, vanished_median = _decade_values(group, lambda s: s.first_layer_decades_median)
    latest, vanished_latest = _decade_values(group, lambda s: s.first_layer_decades_latest)
    first_sd = geometric_mean(group.values(lambda r: r.first_sd))
    out.update(
        {
            "n": Cell(str(len(group.rows)), len(group.rows)),
            "acc after": _mean(summary_values(lambda s: s.accuracy_after), ".3f"),
            "vs base": times_baseline(group, baseline),
            "verdict": _verdict(group),
            FIRST_SD: Cell(f"{first_sd:.1e}", first_sd) if math.isfinite(first_sd) else Cell("–"),
            "dec median": _decades(median, vanished_median),
            "dec last": _decades(latest, vanished_latest),
            "acc before": _mean(summary_values(lambda s: s.accuracy_before), ".3f"),
            "final loss": _mean(summary_values(lambda s: s.final_loss), ".4f"),
            "seeds": Cell(group.seeds(), group.seeds()),
            "state": _state(group),
        }
    )
    return out


def sort_key(cell: Cell) -> tuple[int, float, str]:
    """Order cells: numbers by value, then text, then empty cells."""
    if isinstance(cell.key, str):
        return (1, math.inf, cell.key) if cell.key else (2, math.inf, "")
    if math.isnan(cell.key):
        return (2, math.inf, "")
    return (0, cell.key, "")


def format_table(rows: Sequence[ComparisonRow]) -> str:
    """A plain-text table of the runs, one row per group, columns aligned, for the terminal."""
    groups = group_rows(rows)
    settings = differing_settings(rows)
    headers = columns(settings, counts=any(len(g.rows) > 1 for g in groups))
    baseline = groups[0] if groups else None
    table = [headers]
    for group in groups:
        found = cells(group, baseline, settings)
        table.append([found[h].text for h in headers])
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
