"""The JSON form of a run, written safely (see vgtui.output_path), and read back."""

from __future__ import annotations

import json
import math
from pathlib import Path

from vgtui.config import RunConfig
from vgtui.history import HistoryView
from vgtui.output_path import OutputPathError, check_output_file, write_output
from vgtui.records import STAT_INDEX, STAT_NAMES, RunSummary
from vgtui.run_identity import model_config

#: The statistics each epoch's layers carry in the JSON, means over the epoch's steps.
JSON_STATS = STAT_NAMES


def _number(value: float) -> float | None:
    """Return a JSON-safe number: NaN and infinities become null."""
    value = float(value)
    return value if math.isfinite(value) else None


def run_to_dict(
    config: RunConfig | None, view: HistoryView, summary: RunSummary
) -> dict[str, object]:
    """Return the run as the JSON-ready dict that ``--json`` writes.

    ``config`` is None for a model other than the built-in network; its
    layer names then come from the view's start record, and the JSON's
    ``config`` says what is known of the model (see
    :func:`vgtui.run_identity.model_config`). Epochs carry ``val_loss`` and
    ``val_accuracy`` where the run had validation data.

    Epochs come from the history, so a run of more epochs than the history
    keeps rows (4,096) holds one row per group of consecutive epochs:
    ``epoch_stride`` says how many epochs a group has (1 for every ordinary
    run), and each row names its own, ``first_epoch`` to ``epoch`` (the last
    row may hold fewer than the stride). A group's loss, accuracy and layer
    statistics are the means of its epochs' own; the summary's
    ``final_loss`` and ``accuracy_after`` are the last epoch's alone.
    """
    if view.start is not None:
        names = view.start.layer_names
    else:
        names = config.layer_names if config is not None else ()
    stride = 1
    if len(view.epoch_x) > 1:
        stride = int(view.epoch_x[1] - view.epoch_x[0])
    epochs = []
    validated = view.validated
    for i, epoch in enumerate(view.epoch_x):
        layers = []
        for j, name in enumerate(names):
            row = view.epoch_stats[i, j]
            layer: dict[str, object] = {"name": name}
            for stat in JSON_STATS:
                layer[stat] = _number(row[STAT_INDEX[stat]])
            layers.append(layer)
        first = int(view.epoch_x[i - 1]) + 1 if i else max(1, int(epoch) - stride + 1)
        entry: dict[str, object] = {
            "first_epoch": first,
            "epoch": int(epoch),
            "loss": _number(view.epoch_loss[i]),
            "accuracy": _number(view.epoch_accuracy[i]),
        }
        if validated:
            entry["val_loss"] = _number(view.epoch_val_loss[i])
            entry["val_accuracy"] = _number(view.epoch_val_accuracy[i])
        entry["layers"] = layers
        epochs.append(entry)
    summary_dict = {k: _json_safe(v) for k, v in summary.to_dict().items()}
    if config is not None:
        config_dict: dict[str, object] | None = config.to_dict()
    elif view.start is not None:
        config_dict = model_config(view.start.info, view.start.title)
    else:
        config_dict = None
    return {
        "config": config_dict,
        "device": view.start.device if view.start else None,
        "summary": summary_dict,
        "epoch_stride": stride,
        "epochs": epochs,
    }


def _json_safe(value: object) -> object:
    """Replace non-finite floats with None."""
    if isinstance(value, float):
        return _number(value)
    return value


def check_writable(path: Path | str) -> str | None:
    """Return why ``path`` cannot be written as a JSON file, or None if it can.

    The rules are :func:`vgtui.output_path.check_output_file`'s.
    """
    try:
        check_output_file(path)
    except OutputPathError as err:
        return str(err)
    return None


def write_json(path: Path | str, data: object) -> None:
    """Write ``data`` as JSON to ``path`` by :func:`vgtui.output_path.write_output`'s rules.

    A regular file (or none) is replaced atomically; a device or FIFO is written in place.

    Raises:
        OutputPathError: the path must not be written, or writing it failed.

    """
    write_output(path, json.dumps(data, indent=1, allow_nan=False) + "\n")


def read_json(path: Path) -> dict[str, object]:
    """Read a run (or a sweep of runs) written by :func:`write_json`."""
    with open(path) as f:
        return json.load(f)
