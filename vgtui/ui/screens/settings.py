"""The settings screen (``e``): every setting of the run, checked by RunConfig as it is typed.

A value RunConfig refuses is marked where it was typed, with the message the
command line gives for it; nothing is applied until every value is valid.
Below the run's settings, the seeds a sweep repeats each value with (what
``--seeds`` is headless). Applying hands both back as :class:`LabSettings`
(the monitor restarts if the run's settings changed); escape leaves without
change. The run under way trains on meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from vgtui.config import (
    CHOICES,
    SETTING,
    SETTINGS,
    ConfigError,
    RunConfig,
    allowed,
    config_from_text,
    setting_text,
)
from vgtui.session.sweep import format_seeds, parse_seeds

#: How each setting is named on the screen.
LABELS: dict[str, str] = {field: SETTING[field].label for field in SETTINGS}

#: The field for the seeds a sweep repeats each value with (not a RunConfig setting).
SEEDS_FIELD = "seeds"
SEEDS_LABEL = "sweep seeds"
SEEDS_HINT = "e.g. 1,2 · sweeps (s, S) repeat each value"


@dataclass(frozen=True)
class LabSettings:
    """What the settings screen hands back: the run's settings and the sweeps' seeds."""

    config: RunConfig
    sweep_seeds: tuple[int, ...]


def seeds_said(seeds: tuple[int, ...]) -> str:
    """What sweeps train each value with, in words: ``seeds 1,2`` or the run's own seed."""
    return f"seeds {format_seeds(seeds)}" if seeds else "the run's own seed"


def seeds_from_text(text: str) -> tuple[int, ...]:
    """The sweep seeds typed (empty: none, a sweep uses the run's own seed); ConfigError if bad."""
    return parse_seeds(text) if text.strip() else ()


def field_id(field: str) -> str:
    """The id of the widget that edits ``field``."""
    return f"setting-{field}"


def hint(field: str) -> str:
    """What a setting is and what it allows, beside its field."""
    if field in CHOICES:
        return SETTING[field].help
    return f"{allowed(field)} · {SETTING[field].help}"


class SettingsScreen(ModalScreen[LabSettings | None]):
    """Edit every setting; dismissed with the new LabSettings, or None to leave unchanged.

    Args:
        config: the settings to start from.
        focus_field: the setting to focus first (the first one when None).
        sweep_seeds: the seeds sweeps repeat each value with now.

    """

    CSS_PATH = "settings.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "leave", tooltip="leave without changing anything"),
        Binding("ctrl+s", "apply", "apply", tooltip="apply: restart with these settings"),
    ]

    def __init__(
        self,
        config: RunConfig,
        focus_field: str | None = None,
        sweep_seeds: tuple[int, ...] = (),
    ) -> None:
        """Start from ``config`` and ``sweep_seeds``."""
        super().__init__()
        self.config = config
        self.sweep_seeds = sweep_seeds
        fields = (*SETTINGS, SEEDS_FIELD)
        self.focus_field = focus_field if focus_field in fields else SETTINGS[0]

    def compose(self) -> ComposeResult:
        """One row a setting (name, field, what it allows), the message line, the buttons."""
        with VerticalScroll(id="settings-box"):
            for field in SETTINGS:
                with Horizontal(classes="setting-row"):
                    yield Label(LABELS[field], classes="setting-name")
                    if field in CHOICES:
                        yield Select(
                            [(value, value) for value in CHOICES[field]],
                            value=getattr(self.config, field),
                            allow_blank=False,
                            compact=True,
                            id=field_id(field),
                        )
                    else:
                        yield Input(
                            setting_text(self.config, field), compact=True, id=field_id(field)
                        )
                    yield Label(hint(field), classes="setting-hint")
            with Horizontal(classes="setting-row", id="seeds-row"):
                yield Label(SEEDS_LABEL, classes="setting-name")
                yield Input(
                    format_seeds(self.sweep_seeds),
                    placeholder="the seed above",
                    compact=True,
                    id=field_id(SEEDS_FIELD),
                )
                yield Label(SEEDS_HINT, classes="setting-hint")
            yield Static("", id="settings-message")
            with Horizontal(id="settings-buttons"):
                yield Button("apply", id="settings-apply", compact=True, variant="primary")
                yield Button("leave", id="settings-leave", compact=True)

    def on_mount(self) -> None:
        """Title the box and focus the first field (or the one asked for)."""
        box = self.query_one("#settings-box")
        box.border_title = "settings"
        box.border_subtitle = "enter applies · escape leaves"
        self.query_one(f"#{field_id(self.focus_field)}").focus()
        for select in self.query(Select):
            self.watch(select, "expanded", self._choosing, init=False)
        self.check()

    def _choosing(self, expanded: bool) -> None:
        """While a list of choices is open over the rows below, dim them: they are not its."""
        self.query_one("#settings-box").set_class(expanded, "-choosing")

    # Reading and checking ---------------------------------------------------

    def texts(self) -> dict[str, str]:
        """Every setting as it stands on the screen, as text."""
        out = {}
        for field in SETTINGS:
            widget = self.query_one(f"#{field_id(field)}")
            value = widget.value if isinstance(widget, (Input, Select)) else ""
            out[field] = str(value)
        return out

    def seeds_text(self) -> str:
        """The sweep seeds as they stand on the screen."""
        return self.query_one(f"#{field_id(SEEDS_FIELD)}", Input).value

    def errors(self) -> dict[str, str]:
        """For each setting RunConfig refuses on its own (and bad sweep seeds), its message."""
        found = {}
        for field, text in self.texts().items():
            try:
                config_from_text(self.config, {field: text})
            except ConfigError as err:
                found[field] = str(err)
        try:
            seeds_from_text(self.seeds_text())
        except ConfigError as err:
            found[SEEDS_FIELD] = str(err)
        return found

    def check(self) -> LabSettings | None:
        """Mark the refused fields, say why (or what applying changes); return the new settings."""
        errors = self.errors()
        for field in (*SETTINGS, SEEDS_FIELD):
            self.query_one(f"#{field_id(field)}").set_class(field in errors, "-invalid")
        message = self.query_one("#settings-message", Static)
        if errors:
            message.update(next(iter(errors.values())))
            message.set_class(True, "-error")
            return None
        message.set_class(False, "-error")
        config = config_from_text(self.config, self.texts())
        seeds = seeds_from_text(self.seeds_text())
        changed = [f for f in SETTINGS if getattr(config, f) != getattr(self.config, f)]
        parts = []
        if changed:
            named = [f"{LABELS[f]} {setting_text(config, f)}" for f in changed]
            parts.append("applying restarts with " + ", ".join(named))
        if seeds != self.sweep_seeds:
            parts.append(f"sweeps then use {seeds_said(seeds)}")
        message.update("; ".join(parts) if parts else "no change yet")
        return LabSettings(config, seeds)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        """Check every value again as it changes."""
        self.check()

    # Actions ------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#settings-apply")
    def action_apply(self) -> None:
        """Apply the settings, or refuse in place: focus the first refused field."""
        settings = self.check()
        if settings is None:
            first = next(iter(self.errors()))
            self.query_one(f"#{field_id(first)}").focus()
            return
        self.dismiss(settings)

    @on(Button.Pressed, "#settings-leave")
    def action_leave(self) -> None:
        """Leave without changing anything."""
        self.dismiss(None)
