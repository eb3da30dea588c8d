"""The lab's keys on the live monitor: settings, the decision boundary, lr and depth steps.

:data:`LAB_BINDINGS` are appended to the monitor's own, and :class:`LabActions`
gives the monitor their actions; the command palette's commands
(:mod:`vgtui.ui.commands`) call the same methods. Every change goes through
the controller and RunConfig's own validation: an out-of-range result is a
notification naming the allowed range, and the run under way goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from vgtui.config import ConfigError
from vgtui.ui.screens.settings import LabSettings, SettingsScreen, seeds_said
from vgtui.ui.viewing import refuse_training

if TYPE_CHECKING:
    from textual.command import Provider

    from vgtui.session.controller import RunController

LR_GROUP = Binding.Group("lr")
DEPTH_GROUP = Binding.Group("depth")

#: Not in the footer, whose room the monitor's own keys need at 80 columns: the help
#: screen, the README and the command palette list them.
LAB_BINDINGS: list[BindingType] = [
    Binding(
        "e",
        "settings",
        "settings",
        show=False,
        tooltip="settings: every setting of the network, its training and its data; "
        "applying restarts",
    ),
    Binding(
        "b",
        "toggle('boundary')",
        "boundary",
        show=False,
        tooltip="decision boundary beside (or, when narrow, instead of) the loss chart: "
        "the network's probability over the plane, the data on top",
    ),
    Binding(
        "left_square_bracket",
        "lr(0.5)",
        "lr ÷2",
        show=False,
        tooltip="halve / double the learning rate, and restart",
        group=LR_GROUP,
    ),
    Binding(
        "right_square_bracket",
        "lr(2.0)",
        "lr ×2",
        show=False,
        tooltip="double the learning rate, and restart",
        group=LR_GROUP,
    ),
    Binding(
        "minus",
        "depth(-1)",
        "layer -1",
        show=False,
        tooltip="remove / add a hidden layer, and restart",
        group=DEPTH_GROUP,
    ),
    Binding(
        "plus",
        "depth(1)",
        "layer +1",
        show=False,
        tooltip="add a hidden layer, and restart",
        group=DEPTH_GROUP,
    ),
    Binding(
        "ctrl+p",
        "app.command_palette",
        "commands",
        show=False,
        tooltip="command palette: every setting as a command (type e.g. 'depth 6')",
    ),
]


class LabActions:
    """The actions of :data:`LAB_BINDINGS`, for the monitor screen (``b`` is its own toggle).

    The screen provides ``controller``, ``notify``, ``app`` and
    ``restarted`` (launch the current run and redraw). A viewed run (``vgtui
    view``) refuses them as it refuses every key that would train.
    """

    controller: RunController

    def action_settings(self, field: str | None = None) -> None:
        """Open the settings screen (its ``field`` focused); applying restarts with them."""
        if refuse_training(self):  # type: ignore[arg-type]
            return
        screen = SettingsScreen(
            self.controller.config, focus_field=field, sweep_seeds=self.controller.sweep_seeds
        )
        self.app.push_screen(screen, self.apply_settings)  # type: ignore[attr-defined]

    def apply_settings(self, settings: LabSettings | None) -> None:
        """Take the settings screen's seeds, and restart if its config differs; None: no change."""
        if settings is None:
            return
        seeds_changed = settings.sweep_seeds != self.controller.sweep_seeds
        self.controller.sweep_seeds = settings.sweep_seeds
        if settings.config != self.controller.config:
            self.controller.restart(settings.config)
            self.restarted()  # type: ignore[attr-defined]
        elif seeds_changed:
            said = seeds_said(settings.sweep_seeds)
            self.notify(f"Sweeps now train each value with {said}.", title="seeds")  # type: ignore[attr-defined]

    def change_settings(self, **fields: object) -> bool:
        """Restart with some settings changed; refuse, with a notification, what is not valid."""
        if refuse_training(self):  # type: ignore[arg-type]
            return False
        try:
            self.controller.config.replace(**fields)
        except ConfigError as err:
            self.notify(str(err), title="not changed", severity="warning")  # type: ignore[attr-defined]
            return False
        self.controller.change(**fields)
        self.restarted()  # type: ignore[attr-defined]
        return True

    def action_lr(self, factor: float) -> None:
        """Multiply the learning rate by ``factor`` and restart."""
        self.change_settings(lr=self.controller.config.lr * factor)

    def action_depth(self, step: int) -> None:
        """Add (1) or remove (-1) a hidden layer and restart."""
        self.change_settings(depth=self.controller.config.depth + step)


def settings_commands() -> type[Provider]:
    """The command palette's settings commands, imported when the palette first opens."""
    from vgtui.ui.commands import SettingsCommands

    return SettingsCommands
