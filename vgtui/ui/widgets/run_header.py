"""The header line: what is being trained (or viewed), and where.

It always names the activation and the initializer (the keys ``a`` and ``i``
switch them) and every setting that differs from the tutorial's defaults;
the other settings follow where the line has room for them.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vgtui.config import RunConfig, differing
from vgtui.records import RunStart

Part = tuple[str, str, bool, str]


def header_parts(config: RunConfig) -> list[Part]:
    """(text, style, must show, short text) of each part, in the order they are read.

    A part must show when it names a setting that differs from the
    tutorial's; the activation and the initializer always show.
    """
    changed = set(differing(config))
    lr = f"lr={config.lr:g}"
    optimizer = f"{config.optimizer} {lr}"
    parts: list[Part] = [
        (config.activation, "bold", True, config.activation),
        (config.init, "bold", True, config.init),
        (f"{config.depth}×{config.width}", "", bool({"depth", "width"} & changed), ""),
        (
            optimizer,
            "",
            bool({"optimizer", "lr"} & changed),
            lr if "optimizer" not in changed else optimizer,
        ),
    ]
    if "batch_size" in changed:
        parts.append((f"batch {config.batch_size}", "", True, f"b{config.batch_size}"))
    if "epochs" in changed:
        parts.append((f"{config.epochs} epochs", "", True, f"{config.epochs}ep"))
    parts.append((config.dataset, "", "dataset" in changed, config.dataset))
    if "samples" in changed:
        parts.append((f"{config.samples} samples", "", True, f"n{config.samples}"))
    if "noise" in changed:
        parts.append((f"noise {config.noise:g}", "", True, f"σ{config.noise:g}"))
    parts.append((f"seed {config.seed}", "", "seed" in changed, f"s{config.seed}"))
    return [(text, style, must, short or text) for text, style, must, short in parts]


def device_text(start: RunStart) -> str:
    """The device a run trains on, and, where XLA compiles it, that too (``CPU · XLA``).

    ``graph, then XLA``: the run starts on TensorFlow's graph while its XLA
    twin compiles (see :mod:`vgtui.engine.xla_tier`).
    """
    compiled = (start.info or {}).get("compiled")
    return f"{start.device} · {compiled}" if compiled else start.device


def header_text(
    config: RunConfig | None,
    device: str | None,
    title: str = "",
    viewed: bool = False,
    width: int = 0,
) -> Text:
    """Return the header for ``config`` trained on ``device`` (None: not known yet).

    A run of another model (``config`` None) is named by ``title``; a viewed
    run (read from a log) is marked so. With ``width`` (0: no limit), parts
    that only repeat a default are left out, the last first, until the line
    fits, and then the others take their short forms (``b64``, ``200ep``,
    ``σ0.2``); the device comes last and is what an ellipsis cuts.
    """
    badge = " vgtui view " if viewed else " vgtui "
    device_text = device or "device …"
    parts = header_parts(config) if config is not None else [(title or "model", "bold", True, "")]

    def length(kept: list[Part]) -> int:
        return len(badge) + 1 + sum(len(part[0]) + 3 for part in kept) + len(device_text)

    if width > 0:
        for i in range(len(parts) - 1, -1, -1):
            if length(parts) <= width:
                break
            if not parts[i][2]:
                del parts[i]
        if length(parts) > width:
            parts = [(short or text, style, must, short) for text, style, must, short in parts]
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(badge, style="bold reverse")
    text.append(" ")
    for part, style, _, _ in parts:
        text.append(part, style=style)
        text.append(" · ")
    text.append(device_text, style="italic" if device is None else "")
    return text


class RunHeader(Static):
    """One line: the settings that matter (all that differ from the tutorial's), the device."""

    _shown: tuple[object, ...] | None = None

    def show(
        self,
        config: RunConfig | None,
        device: str | None,
        start: RunStart | None = None,
        viewed: bool = False,
    ) -> None:
        """Describe ``config`` (or, for another model, ``start``'s title) on ``device``."""
        title = start.title if start is not None else ""
        width = self.size.width
        shown = (config, device, title, viewed, width)
        if shown == self._shown or (config is None and start is None):
            return
        self._shown = shown
        self.update(header_text(config, device, title, viewed, width), layout=False)
