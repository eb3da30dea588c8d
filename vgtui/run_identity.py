"""What tells runs of a user's model apart, read from its start record's ``info``.

Two runs of one model file (sigmoid; then relu with He's initialization)
share the model's name: what tells them apart is the hidden layers'
activations and kernel initializers (each layer's in the model's
description, ``info["model"]["layers"]``), the optimizer, or the title the
user gave (``GradientMonitor(title=...)``). Log names, the header and the
comparison's rows are made from this one reading of it. Plain Python: no
TensorFlow, no Textual.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The facets in the order a name gives them; ``title`` stands for all of them when given.
FACETS = ("model", "activation", "init", "optimizer", "lr", "batch_size", "epochs")
#: Facets the comparison's row label says (the others get a column where they differ).
LABEL_FACETS = ("activation", "init")
#: The activation of a layer that has none: left out of a name beside any other.
LINEAR = "linear"


def _mapping(value: object) -> Mapping[str, object]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _hidden(layers: Sequence[Mapping[str, object]], key: str) -> list[str]:
    """The ``key`` of every layer that has one but the last (the output layer), in order.

    A model with one such layer has no hidden one: its own value is not told.
    """
    values = [str(layer[key]) for layer in layers if isinstance(layer.get(key), str)]
    return values[:-1]


def _summary(values: list[str]) -> str:
    """Distinct values in order, joined by "+"; "linear" left out beside any other."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1 and LINEAR in distinct:
        distinct.remove(LINEAR)
    return "+".join(distinct)


def _number(value: object) -> str:
    """A setting's number as a name shows it (``0.1``, ``32``); "" for none."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return "" if isinstance(value, float) and not math.isfinite(value) else f"{value:.7g}"
    return ""


@dataclass(frozen=True)
class ModelIdentity:
    """A user's model run, by what tells it apart from another run of the same model.

    Attributes:
        model: the model's name (``digits_mlp``); "" if not told.
        activation: the hidden layers' activations (``sigmoid``, ``relu+tanh``); "" if not told.
        init: the hidden layers' kernel initializers (``he_normal``); "" if not told
            (logs written before vgtui recorded it).
        optimizer: the optimizer, lower case (``sgd``, ``adam``); "" if not told.
        lr: its learning rate as text (``0.1``); "" if not told or a schedule.
        batch_size: the batch size as text; "" if not told.
        epochs: the epochs ``fit`` was asked for, as text; "" if not told.
        title: the title the user gave the run; "" if none.

    """

    model: str = ""
    activation: str = ""
    init: str = ""
    optimizer: str = ""
    lr: str = ""
    batch_size: str = ""
    epochs: str = ""
    title: str = ""

    @classmethod
    def from_info(cls, info: Mapping[str, object] | None) -> ModelIdentity:
        """Read a RunStart's ``info`` (a run log header's); every part is optional."""
        info = _mapping(info)
        model = _mapping(info.get("model"))
        found = model.get("layers")
        layers = [_mapping(layer) for layer in found] if isinstance(found, (list, tuple)) else []
        optimizer = _mapping(info.get("optimizer"))
        inner = _mapping(optimizer.get("inner")) or optimizer  # a loss-scale optimizer's own
        settings = _mapping(inner.get("config"))
        title = str(info.get("title") or "") if info.get("title_given") else ""
        return cls(
            model=str(model.get("name") or ""),
            activation=_summary(_hidden(layers, "activation")),
            init=_summary(_hidden(layers, "kernel_initializer")),
            optimizer=str(inner.get("class") or "").lower(),
            lr=_number(settings.get("learning_rate")),
            batch_size=_number(info.get("batch_size")),
            epochs=_number(info.get("epochs")),
            title=title,
        )

    def facet(self, name: str) -> str:
        """The value of facet ``name`` ("" if not told)."""
        return str(getattr(self, name))

    @property
    def words(self) -> list[str]:
        """What the run is, each part that is told: model, activation, init, optimizer."""
        return [w for w in (self.model, self.activation, self.init, self.optimizer) if w]

    @property
    def description(self) -> str:
        """One line: the title given, else ``digits_mlp · relu · he_normal · sgd``.

        It is the run's title (its header's) where the user gave none.
        """
        return self.title or " · ".join(self.words)

    @property
    def label(self) -> str:
        """The comparison's name of the run: the title given, else ``relu/he_normal``.

        Short, as the built-in network's rows (``sigmoid/normal``) are: the
        model, the optimizer and the rest get columns where rows differ.
        """
        if self.title:
            return self.title
        told = [self.facet(f) for f in LABEL_FACETS if self.facet(f)]
        return "/".join(told) or self.model or self.optimizer

    @property
    def name_words(self) -> list[str]:
        """What a run log's name says after its start time: the title, else the words."""
        return [self.title] if self.title else self.words


def _json_number(value: object) -> float | int | None:
    """A finite number as JSON holds it; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def model_config(info: Mapping[str, object] | None, title: str = "") -> dict[str, object]:
    """What is known of a user's model run, as the JSON's ``config`` gives it.

    ``model`` (its name: the key that tells this config from the built-in
    network's), ``title`` (``title`` if given, else the run's description),
    the hidden layers' ``activation`` and ``init``, the ``optimizer`` and its
    ``lr``, ``batch_size`` and ``epochs``; null where the run did not say.
    """
    info = _mapping(info)
    identity = ModelIdentity.from_info(info)
    optimizer = _mapping(info.get("optimizer"))
    inner = _mapping(optimizer.get("inner")) or optimizer
    lr = _json_number(_mapping(inner.get("config")).get("learning_rate"))
    if isinstance(lr, float):
        lr = float(f"{lr:.7g}")  # Keras keeps it in float32: 0.1, not 0.10000000149011612
    return {
        "model": identity.model or None,
        "title": title or identity.description or None,
        "activation": identity.activation or None,
        "init": identity.init or None,
        "optimizer": identity.optimizer or None,
        "lr": lr,
        "batch_size": _json_number(info.get("batch_size")),
        "epochs": _json_number(info.get("epochs")),
    }
