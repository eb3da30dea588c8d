"""The comparison table of runs: one row a run, as the app and the headless sweep show it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

from vgtui.config import SETTINGS, RunConfig, setting_text
from vgtui.records import RunSummary


@dataclass(frozen=True)
class ComparisonRow:
    """One kept run, as the comparison table shows it."""

    config: RunConfig | None
    summary: RunSummary | None
    state: str
    name: str = ""

    def cells(self) -> tuple[str, ...]:
        """The row's cells, in COLUMNS order, as text."""
        c, s = self.config, self.summary
        if c is None:
            settings = (self.name or "model", "–", "–", "–", "–", "–")
        else:
            settings = (
                c.activation,
                c.init,
                f"{c.depth}×{c.width}",
                c.optimizer,
                f"{c.lr:g}",
                str(c.seed),
            )
        return (
            *settings,
            _number(s.accuracy_before if s else None, ".3f"),
            _number(s.accuracy_after if s else None, ".3f"),
            _number(s.final_loss if s else None, ".4f"),
            _number(s.grad_sd_ratio if s else None, ".2e"),
            _decades(s.first_layer_decades_median if s else None),
            _decades(s.first_layer_decades_latest if s else None),
            (s.verdict if s and s.verdict else "–"),
            self.state,
        )


def _number(value: float | None, spec: str) -> str:
    """A number as text; "–" where there is none."""
    return "–" if value is None or not math.isfinite(value) else format(value, spec)


def _decades(value: float | None) -> str:
    """Decades with their sign; "zero" where the first layer's gradient vanished entirely."""
    if value is not None and value == -math.inf:
        return "zero"
    return _number(value, "+.1f")


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
    "dec median",
    "dec last",
    "verdict",
    "state",
)


#: How the ``differs`` cell names each setting.
SHORT_NAMES = {"batch_size": "batch"}


def differing_settings(configs: Iterable[RunConfig | None]) -> tuple[str, ...]:
    """The settings whose values are not the same in every config (None: not the built-in network).

    In the settings screen's order, the device last.
    """
    known = [c for c in configs if c is not None]
    fields = [*SETTINGS, *(f.name for f in dataclasses.fields(RunConfig) if f.name not in SETTINGS)]
    return tuple(f for f in fields if len({getattr(c, f) for c in known}) > 1)


def settings_cell(config: RunConfig | None, fields: Iterable[str]) -> str:
    """A run's values of ``fields``, e.g. ``depth=2 lr=0.01``; "–" for another model."""
    if config is None:
        return "–"
    return " ".join(f"{SHORT_NAMES.get(f, f)}={setting_text(config, f)}" for f in fields)


def format_table(rows: list[ComparisonRow]) -> str:
    """A plain-text table of the rows, columns aligned, for the terminal."""
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
