"""Every screen the app opens over the monitor: its key, what it is, and how it is made.

The one place that says which screens exist. The monitor's keys for them
come from here (:func:`screen_binding`), and the app opens them by name when a
screen posts :class:`~vgtui.ui.messages.OpenScreen`. A new screen is its own
module plus one :class:`ScreenEntry` here; its key joins the monitor's.

The screens are imported when first opened, so the first frame does without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding, BindingType
from textual.screen import Screen

from vgtui.display.theory import chain_text, derivative_chain
from vgtui.session.controller import RunController

#: What opening a screen gives: the screen, or a note to show instead.
Opened = Screen[Any] | str


@dataclass(frozen=True)
class ScreenContext:
    """What the app knows that a screen may be made from.

    Attributes:
        controller: the runs.
        monitor_bindings: the monitor's keys, for the help screen.
        applies: whether an action string applies now (the monitor's gate); help dims the others.
        apply_settings: takes the settings screen's answer (None: leave unchanged).
        last_error: the last error's (message, details), if there was one.

    """

    controller: RunController
    monitor_bindings: list[BindingType]
    applies: Callable[[str], bool]
    apply_settings: Callable[[Any], None]
    last_error: tuple[str, str] | None


@dataclass(frozen=True)
class ScreenEntry:
    """One screen: its name, the monitor's key for it, and how to make it.

    ``make`` gets the context and the action's argument (the settings
    screen's field to focus, for instance) and returns the screen, or a note
    to show instead; ``done`` receives the screen's answer when it is dismissed.
    """

    name: str
    key: str
    description: str
    tooltip: str
    make: Callable[[ScreenContext, str | None], Opened]
    done: Callable[[ScreenContext], Callable[[Any], None]] | None = None
    show: bool = True


def _help(context: ScreenContext, _: str | None) -> Opened:
    """The help screen: the monitor's keys and the comparison's, then the story."""
    from vgtui.ui.screens.compare import CompareScreen
    from vgtui.ui.screens.distributions import DistributionsScreen
    from vgtui.ui.screens.help import HelpScreen, KeySection

    run = context.controller.current
    activation = run.config.activation if run.config is not None else None
    theory = "  " + chain_text(derivative_chain(run.history.view()), activation)
    return HelpScreen(
        [
            KeySection("Keys", context.monitor_bindings, context.applies),
            KeySection("Comparing runs", list(CompareScreen.BINDINGS), key="c"),
            KeySection("Distributions", list(DistributionsScreen.BINDINGS), key="v"),
        ],
        theory,
    )


def _compare(context: ScreenContext, _: str | None) -> Opened:
    """The comparison of the kept runs."""
    from vgtui.ui.screens.compare import CompareScreen

    return CompareScreen(context.controller.kept)


def _settings(context: ScreenContext, field: str | None) -> Opened:
    """The settings screen, on ``field`` (the first setting when None)."""
    from vgtui.ui.screens.settings import SettingsScreen

    controller = context.controller
    return SettingsScreen(controller.config, focus_field=field, sweep_seeds=controller.sweep_seeds)


def _distributions(context: ScreenContext, _: str | None) -> Opened:
    """The current run's distributions: bands over time, histograms at a step."""
    from vgtui.ui.screens.distributions import DistributionsScreen

    return DistributionsScreen(context.controller)


def _error(context: ScreenContext, _: str | None) -> Opened:
    """The last error in full, or a note that there was none."""
    from vgtui.ui.screens.error import ErrorScreen

    if context.last_error is None:
        return "No error so far."
    return ErrorScreen(*context.last_error)


SCREENS: dict[str, ScreenEntry] = {
    entry.name: entry
    for entry in (
        ScreenEntry("help", "question_mark", "help", "help: the keys, and how to read them", _help),
        ScreenEntry(
            "compare",
            "c",
            "compare",
            "compare the kept runs (every run is kept when it ends or is switched)",
            _compare,
        ),
        ScreenEntry(
            "error",
            "L",
            "error",
            "the last error in full (a model file's traceback)",
            _error,
            show=False,
        ),
        ScreenEntry(
            "settings",
            "e",
            "settings",
            "settings: every setting of the network, its training and its data; applying restarts",
            _settings,
            done=lambda context: context.apply_settings,
            show=False,
        ),
        ScreenEntry(
            "distributions",
            "v",
            "distributions",
            "distributions: each layer's activations and gradients over the run (percentile "
            "bands) and their histograms at a step, one curve a layer",
            _distributions,
        ),
    )
}


def screen_binding(name: str) -> Binding:
    """The monitor's key that opens the screen ``name``."""
    entry = SCREENS[name]
    return Binding(
        entry.key, f"open('{name}')", entry.description, show=entry.show, tooltip=entry.tooltip
    )


def other_screen_bindings(placed: set[str]) -> list[BindingType]:
    """The keys of the screens not in ``placed``, in the table's order (a new screen's, say)."""
    return [screen_binding(name) for name in SCREENS if name not in placed]
