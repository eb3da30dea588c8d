"""Every setting as a command of Textual's command palette (ctrl+p).

Typing a setting's name and a value ("depth 6", "lr 0.01", "dataset moons")
offers to restart with it at once, or says why RunConfig refuses it; each
choice (every activation, initializer, optimizer and data set) is a command
of its own; "depth…" and the other numbers open the settings screen on
their field. The lab's keys (``[`` ``]`` ``-`` ``+`` ``b`` ``e``) are commands too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from vgtui.config import (
    CHOICES,
    SETTING,
    SETTINGS,
    ConfigError,
    config_from_text,
    flag_name,
    setting_text,
)
from vgtui.ui.screens.settings import LABELS

if TYPE_CHECKING:
    from vgtui.ui.screens.monitor import MonitorScreen

Command = tuple[str, Callable[[], object], str]


def normal(text: str) -> str:
    """A name as typed, for matching: lower case, ``-`` and ``_`` as spaces, flags' dashes off."""
    return " ".join(text.lower().lstrip("-").replace("_", " ").replace("-", " ").split())


def names(field: str) -> tuple[str, ...]:
    """Every name ``field`` answers to, normalised."""
    return tuple({normal(n) for n in (field, LABELS[field], *SETTING[field].aliases)})


def typed_setting(query: str) -> tuple[str, str] | None:
    """The (setting, value text) a query like ``depth 6`` or ``--lr=0.01`` names, if it names one.

    The name may be any of the setting's names, or the start of exactly one of them.
    """
    words = query.replace("=", " ").split()
    if len(words) < 2:
        return None
    name, value = normal(" ".join(words[:-1])), words[-1]
    exact = [f for f in SETTINGS if name in names(f)]
    if exact:
        return exact[0], value
    starts = [f for f in SETTINGS if any(n.startswith(name) for n in names(f))]
    return (starts[0], value) if len(starts) == 1 else None


class SettingsCommands(Provider):
    """The lab's commands: every setting, every choice, and the lab's keys."""

    @property
    def monitor(self) -> MonitorScreen:
        """The live monitor, whose actions the commands take."""
        return self.app.monitor  # type: ignore[attr-defined]

    def commands(self) -> list[Command]:
        """(text, what it does, help) of every command, the lab's keys first."""
        monitor = self.monitor
        config = monitor.controller.config
        found: list[Command] = [
            ("settings…", monitor.action_settings, "every setting on one screen (e)"),
            ("decision boundary: show / hide", partial(monitor.action_toggle, "boundary"), "b"),
            ("learning rate ÷2", partial(monitor.action_lr, 0.5), f"now {config.lr:g} ([)"),
            ("learning rate ×2", partial(monitor.action_lr, 2.0), f"now {config.lr:g} (])"),
            ("remove a hidden layer", partial(monitor.action_depth, -1), f"now {config.depth} (-)"),
            ("add a hidden layer", partial(monitor.action_depth, 1), f"now {config.depth} (+)"),
        ]
        for field in SETTINGS:
            label, now = LABELS[field], setting_text(config, field)
            if field in CHOICES:
                for value in CHOICES[field]:
                    mark = " (now)" if value == now else ""
                    found.append(
                        (
                            f"{label}: {value}",
                            partial(monitor.change_settings, **{field: value}),
                            f"restart with {flag_name(field)} {value}{mark}",
                        )
                    )
            else:
                found.append(
                    (
                        f"{label}…",
                        partial(monitor.action_settings, field),
                        f"now {now}; or type '{label} VALUE' here",
                    )
                )
        return found

    async def discover(self) -> Hits:
        """Every command, for the palette before anything is typed."""
        for text, command, help_text in self.commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        """A typed setting and value first, then every command that matches."""
        typed = typed_setting(query)
        if typed is not None:
            yield self._typed_hit(*typed)
        matcher = self.matcher(query)
        for text, command, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)

    def _typed_hit(self, field: str, text: str) -> Hit:
        """The command that sets ``field`` to ``text``, or says why it cannot."""
        monitor = self.monitor
        label = LABELS[field]
        try:
            config = config_from_text(monitor.controller.config, {field: text})
        except ConfigError as err:
            message = str(err)
            notify = partial(monitor.notify, message, title="not changed", severity="warning")
            return Hit(1.0, f"{label} {text}: not valid", notify, help=message)
        value = getattr(config, field)
        command = partial(monitor.change_settings, **{field: value})
        return Hit(1.0, f"{label} {setting_text(config, field)}", command, help="restart with it")
