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
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from vgtui.config import (
    CHOICES,
    SETTING,
    SETTINGS,
    ConfigError,
    RunConfig,
    config_from_text,
    flag_name,
    setting_text,
)
from vgtui.ui.screens.settings import LABELS

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


@runtime_checkable
class LabHost(Protocol):
    """The screen the lab's commands act on (the live monitor)."""

    @property
    def lab_config(self) -> RunConfig:
        """The settings the next run starts from."""
        ...

    def change_settings(self, **fields: object) -> bool:
        """Restart with some settings changed; refuse, with a notification, what is not valid."""
        ...

    async def attempt(self, action: str) -> None:
        """Run ``action`` (e.g. ``lr(0.5)``) as its key would, or say why it does not apply."""
        ...


class SettingsCommands(Provider):
    """The lab's commands: every setting, every choice, and the lab's keys."""

    def commands(self) -> list[Command]:
        """(text, what it does, help) of every command, the lab's keys first."""
        monitor = self.screen
        if not isinstance(monitor, LabHost):
            return []
        config = monitor.lab_config
        attempt = monitor.attempt
        found: list[Command] = [
            ("settings…", partial(attempt, "open('settings')"), "every setting on one screen (e)"),
            ("decision boundary: show / hide", partial(attempt, "toggle('boundary')"), "b"),
            ("learning rate ÷2", partial(attempt, "lr(0.5)"), f"now {config.lr:g} ([)"),
            ("learning rate ×2", partial(attempt, "lr(2.0)"), f"now {config.lr:g} (])"),
            ("remove a hidden layer", partial(attempt, "depth(-1)"), f"now {config.depth} (-)"),
            ("add a hidden layer", partial(attempt, "depth(1)"), f"now {config.depth} (+)"),
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
                        partial(attempt, f"open('settings', '{field}')"),
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
        monitor = self.screen
        if typed is not None and isinstance(monitor, LabHost):
            yield self._typed_hit(monitor, *typed)
        matcher = self.matcher(query)
        for text, command, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)

    def _typed_hit(self, monitor: LabHost, field: str, text: str) -> Hit:
        """The command that sets ``field`` to ``text``, or says why it cannot."""
        label = LABELS[field]
        try:
            config = config_from_text(monitor.lab_config, {field: text})
        except ConfigError as err:
            message = str(err)
            notify = partial(self.app.notify, message, title="not changed", severity="warning")
            return Hit(1.0, f"{label} {text}: not valid", notify, help=message)
        value = getattr(config, field)
        command = partial(monitor.change_settings, **{field: value})
        return Hit(1.0, f"{label} {setting_text(config, field)}", command, help="restart with it")
