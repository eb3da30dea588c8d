"""Runs as JSON, in the form ``--headless --json`` writes."""

from __future__ import annotations

import math
from collections.abc import Sequence

from vgtui.export.runfile import run_to_dict
from vgtui.export.runs import LoadedRun


def _finite(value: object) -> object:
    """``value`` with every non-finite float, however deep, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def run_json(run: LoadedRun) -> dict[str, object]:
    """One run as ``--json`` writes it, plus the log's file name and the model's ``info``."""
    data = run_to_dict(run.start.config, run.view, run.summary)
    if run.info:
        data["info"] = _finite(run.info)
    data["log"] = run.name
    return data


def runs_to_json(runs: Sequence[LoadedRun]) -> dict[str, object]:
    """One run as ``--json`` writes it; several as a sweep: ``{"sweep": null, "runs": [...]}``."""
    dicts = [run_json(run) for run in runs]
    return dicts[0] if len(dicts) == 1 else {"sweep": None, "runs": dicts}
