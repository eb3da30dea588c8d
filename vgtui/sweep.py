"""Sweeps and comparisons: one network trained with each of a set of choices.

Free of TensorFlow and Textual: the headless run and the app's comparison
screen build their tables from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vgtui.config import CHOICES, ConfigError, RunConfig, flag_name
from vgtui.records import RunSummary

#: What ``--sweep`` may vary, and the values it tries unless told otherwise.
SWEEP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "activation": ("sigmoid", "tanh", "relu"),
    "init": ("normal", "glorot_uniform", "he_normal"),
}


def sweep_configs(
    base: RunConfig, field: str, values: tuple[str, ...] | None = None
) -> list[RunConfig]:
    """One config per value of ``field``, everything else (seed and data too) as ``base``.

    Raises:
        ConfigError: an unknown field, a value not among the field's choices,
            or a value given twice (it would train the same run twice).

    """
    if field not in SWEEP_DEFAULTS:
        raise ConfigError(f"--sweep: unknown value {field!r}; choose one of activation, init")
    values = values or SWEEP_DEFAULTS[field]
    allowed = CHOICES[field]
    for value in values:
        if value not in allowed:
            raise ConfigError(
                f"--sweep-values: {value!r} is not a choice of {flag_name(field)}; "
                f"choose from {', '.join(allowed)}"
            )
    repeated = sorted({v for v in values if values.count(v) > 1}, key=values.index)
    if repeated:
        raise ConfigError(
            f"--sweep-values: {', '.join(repeated)} given more than once; give each value once"
        )
    return [base.replace(**{field: value}) for value in values]


@dataclass(frozen=True)
class ComparisonRow:
    """One kept run, as the comparison table shows it."""

    config: RunConfig
    summary: RunSummary | None
    state: str

    @property
    def decades(self) -> float:
        """log10 of the first hidden layer's gradient SD over the output layer's."""
        ratio = self.summary.grad_sd_ratio if self.summary else math.nan
        return math.log10(ratio) if ratio > 0 and math.isfinite(ratio) else math.nan

    def cells(self) -> tuple[str, ...]:
        """The row's cells, in COLUMNS order, as text."""
        c, s = self.config, self.summary

        def num(value: float | None, spec: str) -> str:
            return "–" if value is None or not math.isfinite(value) else format(value, spec)

        return (
            c.activation,
            c.init,
            f"{c.depth}×{c.width}",
            c.optimizer,
            f"{c.lr:g}",
            str(c.seed),
            num(s.accuracy_before if s else None, ".3f"),
            num(s.accuracy_after if s else None, ".3f"),
            num(s.final_loss if s else None, ".4f"),
            num(s.grad_sd_ratio if s else None, ".2e"),
            num(self.decades, "+.1f"),
            (s.verdict if s and s.verdict else "–"),
            self.state,
        )


COLUMNS: tuple[str, ...] = (
    "activation",
    "init",
    "network",
    "optimizer",
    "lr",
    "seed",
    "acc before",
    "acc after",
    "final loss",
    "SD first/out",
    "decades",
    "verdict",
    "state",
)


def format_table(rows: list[ComparisonRow]) -> str:
    """A plain-text table of the rows, columns aligned, for the terminal."""
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
