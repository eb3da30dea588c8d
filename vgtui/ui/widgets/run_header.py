"""The header line: what is being trained (or viewed), and where."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vgtui.config import RunConfig
from vgtui.records import RunStart


def header_text(
    config: RunConfig | None, device: str | None, title: str = "", viewed: bool = False
) -> Text:
    """Return the header for ``config`` trained on ``device`` (None: not known yet).

    A run of another model (``config`` None) is named by ``title``; a viewed
    run (read from a log) is marked so.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" vgtui view " if viewed else " vgtui ", style="bold reverse")
    text.append(" ")
    if config is None:
        text.append(title or "model", style="bold")
    else:
        text.append(config.activation, style="bold")
        text.append(" · ")
        text.append(config.init, style="bold")
        text.append(f" · {config.depth}×{config.width}")
        text.append(f" · {config.optimizer} lr={config.lr:g}")
        text.append(f" · {config.dataset} · seed {config.seed}")
    text.append(" · ")
    text.append(device or "device …", style="italic" if device is None else "")
    return text


class RunHeader(Static):
    """One line naming the activation, initializer, network, optimizer, data and device."""

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
        shown = (config, device, title, viewed)
        if shown == self._shown or (config is None and start is None):
            return
        self._shown = shown
        self.update(header_text(config, device, title, viewed), layout=False)
