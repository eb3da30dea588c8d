"""The header line: what is being trained, and where."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vgtui.config import RunConfig


def header_text(config: RunConfig, device: str | None) -> Text:
    """Return the header for ``config`` trained on ``device`` (None: not known yet)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" vgtui ", style="bold reverse")
    text.append(" ")
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

    _shown: tuple[RunConfig | None, str | None] | None = None

    def show(self, config: RunConfig | None, device: str | None) -> None:
        """Describe ``config`` on ``device``; unchanged text is not redrawn."""
        if (config, device) == self._shown or config is None:
            return
        self._shown = (config, device)
        self.update(header_text(config, device), layout=False)
