"""A run from its ``--headless --json`` file, as records a replay source plays.

The JSON holds epochs only: each epoch's loss and accuracy, and each layer's
statistics averaged over the epoch's steps. Each epoch becomes a StepBlock
of one step (at the epoch's last step) that carries those means, and its
EpochEnd, so the
monitor draws one point an epoch and the epoch's numbers are exactly the
file's. A sweep's file (``{"sweep": ..., "runs": [...]}``) gives one run each.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from vgtui.config import ConfigError, RunConfig
from vgtui.records import (
    STAT_INDEX,
    STAT_NAMES,
    EpochEnd,
    Record,
    RunStart,
    RunSummary,
    StepBlock,
)
from vgtui.sources.replay import ReplaySource

#: Bytes of a file looked at to tell JSON from anything else.
SNIFF = 64


class JsonRunError(ValueError):
    """A file that is not a run as ``--json`` writes it; the message says why, in one line."""


def looks_like_json(path: Path) -> bool:
    """Whether the file starts (after blanks) with ``{``, as a ``--json`` file does."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{"


def read_json_runs(path: Path | str) -> list[list[Record]]:
    """Each run in a ``--json`` file as records: RunStart, a step and an end an epoch, RunSummary.

    Raises:
        JsonRunError: the file is not JSON, or not a run (or sweep) as ``--json`` writes it.

    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise JsonRunError(f"{path} is not a vgtui run log or --json file ({err})") from None
    if isinstance(data, Mapping) and isinstance(data.get("runs"), list):
        runs = data["runs"]
    else:
        runs = [data]
    if not runs:
        raise JsonRunError(f"{path}: the sweep holds no runs")
    try:
        return [run_records(run) for run in runs]
    except (KeyError, TypeError, ValueError, ConfigError) as err:
        raise JsonRunError(f"{path} is not a run as vgtui --json writes it ({err})") from None


def _float(value: object) -> float:
    """A JSON number; null (NaN or infinite when written) is NaN."""
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def run_records(run: Mapping[str, object]) -> list[Record]:
    """The records of one run of a ``--json`` file (see the module)."""
    if not isinstance(run, Mapping) or not isinstance(run.get("epochs"), list):
        raise ValueError("no 'epochs' list")
    config_data = run.get("config")
    config = None
    model = isinstance(config_data, Mapping) and "model" in config_data  # a user's model
    if config_data is not None and not model:
        known = {f.name for f in dataclasses.fields(RunConfig)}
        config = RunConfig(**{k: v for k, v in config_data.items() if k in known})  # type: ignore[union-attr]
    summary_data = dict(run.get("summary") or {})  # type: ignore[call-overload]
    epochs: list[Mapping[str, object]] = run["epochs"]  # type: ignore[assignment]
    if config is not None:
        names = config.layer_names
    elif epochs:
        names = tuple(str(layer["name"]) for layer in epochs[0]["layers"])  # type: ignore[index, union-attr]
    else:
        raise ValueError("neither a config nor an epoch names the layers")
    start = RunStart(
        config=config,
        device=str(run.get("device") or ""),
        layer_names=names,
        accuracy_before=_float(summary_data.get("accuracy_before")),
        loss_before=math.nan,
        info=_model_info(run) if config is None else {},
    )
    steps_total = int(summary_data.get("steps") or 0)
    done = int(summary_data.get("epochs") or 0)
    per_epoch = config.steps_per_epoch if config is not None else steps_total // max(done, 1)
    records: list[Record] = [start]
    last_step = 0
    for entry in epochs:
        epoch = int(entry["epoch"])  # type: ignore[arg-type]
        stats = np.full((1, len(names), len(STAT_NAMES)), np.nan)
        for i, layer in enumerate(entry["layers"]):  # type: ignore[arg-type]
            for stat in STAT_NAMES:
                stats[0, i, STAT_INDEX[stat]] = _float(layer.get(stat))  # type: ignore[union-attr]
        step = max(epoch * max(per_epoch, 1), last_step + 1)
        last_step = step
        loss, accuracy = _float(entry.get("loss")), _float(entry.get("accuracy"))
        records.append(StepBlock(epoch, step, np.array([loss]), np.array([accuracy]), stats))
        validation = {
            key: _float(entry[key]) for key in ("val_loss", "val_accuracy") if key in entry
        }
        records.append(EpochEnd(epoch, loss, accuracy, **validation))
    records.append(_summary(summary_data, start, last_step))
    return records


def _model_info(run: Mapping[str, object]) -> dict[str, object]:
    """A user's model run's ``info``: the one ``vgtui export --json`` keeps, with its title."""
    info = run.get("info")
    out = dict(info) if isinstance(info, Mapping) else {}
    config = run.get("config")
    title = config.get("title") if isinstance(config, Mapping) else None
    out["title"] = str(title or out.get("title") or run.get("title") or "model")
    return out


def _summary(data: Mapping[str, object], start: RunStart, steps: int) -> RunSummary:
    """The RunSummary the JSON's summary holds; missing fields are filled in."""
    fields = {f.name: f for f in dataclasses.fields(RunSummary)}
    values: dict[str, object] = {
        "accuracy_before": start.accuracy_before,
        "accuracy_after": math.nan,
        "final_loss": math.nan,
        "grad_sd_ratio": math.nan,
        "epochs": 0,
        "steps": steps,
    }
    for key, value in data.items():
        if key in fields:
            values[key] = math.nan if value is None and fields[key].type == "float" else value
    return RunSummary(**values)  # type: ignore[arg-type]


def json_source(records: Sequence[Record]) -> ReplaySource:
    """A source that plays one run read from a ``--json`` file."""
    return ReplaySource(records)
