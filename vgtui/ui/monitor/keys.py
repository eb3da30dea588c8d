"""The live monitor's keys, in order of importance.

The footer, the help screen and the README's key tables are made from them
(see :mod:`vgtui.ui.keys`). The keys that open a screen come from the screen
table (:mod:`vgtui.ui.screen_table`); the lab's keys (settings, the boundary,
learning rate and depth steps, the command palette) come last.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from vgtui.ui.screen_table import other_screen_bindings, screen_binding
from vgtui.ui.widgets.scrolling import SCROLL_KEYS

SWEEP_GROUP = Binding.Group("sweep")
TIME_GROUP = Binding.Group("time")
PACE_GROUP = Binding.Group("pace")
SCROLL_GROUP = Binding.Group("scroll")
LR_GROUP = Binding.Group("lr")
DEPTH_GROUP = Binding.Group("depth")

#: Not in the footer, whose room the monitor's own keys need at 80 columns: the help
#: screen, the README and the command palette list them.
LAB_BINDINGS: list[BindingType] = [
    screen_binding("settings"),
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

MONITOR_BINDINGS: list[BindingType] = [
    # In order of importance: a narrow footer shows the first ones.
    screen_binding("help"),
    Binding("q", "app.quit", "quit", tooltip="quit"),
    Binding(
        "a",
        "cycle('activation', 1)",
        "activation",
        tooltip="next / previous activation, and restart",
        group=Binding.Group("activation"),
    ),
    Binding(
        "A",
        "cycle('activation', -1)",
        "activation",
        show=False,
        tooltip="previous activation, and restart",
        group=Binding.Group("activation"),
    ),
    Binding(
        "i",
        "cycle('init', 1)",
        "init",
        tooltip="next / previous weight initializer, and restart",
        group=Binding.Group("init"),
    ),
    Binding(
        "I",
        "cycle('init', -1)",
        "init",
        show=False,
        tooltip="previous weight initializer, and restart",
        group=Binding.Group("init"),
    ),
    Binding(
        "s",
        "sweep('activation')",
        "sweep",
        tooltip="sweep: train this network with sigmoid, tanh and relu / normal, "
        "glorot_uniform and he_normal in turn, same seed and data (a switch key cancels)",
        group=SWEEP_GROUP,
    ),
    Binding(
        "S",
        "sweep('init')",
        "sweep inits",
        show=False,
        tooltip="sweep initializers: normal, glorot_uniform, he_normal in turn",
        group=SWEEP_GROUP,
    ),
    screen_binding("compare"),
    Binding(
        "d",
        "deep",
        "deep",
        tooltip="the deep version: this network with 10 sigmoid layers, where the gradient "
        "falls decades from layer to layer",
    ),
    Binding("r", "restart", "restart", tooltip="restart with the same settings"),
    screen_binding("error"),
    Binding("p,space", "pause", "pause", tooltip="pause / resume training"),
    Binding(
        "left",
        "move_cursor(-1)",
        "time",
        tooltip="time cursor back / forward an epoch (pauses a live run); every number, "
        "the verdict and the charts show that moment",
        group=TIME_GROUP,
    ),
    Binding(
        "right",
        "move_cursor(1)",
        "time",
        show=False,
        tooltip="cursor forward",
        group=TIME_GROUP,
    ),
    Binding(
        "home",
        "cursor_to_start",
        "first",
        show=False,
        tooltip="cursor to the first epoch / back to live",
        group=TIME_GROUP,
    ),
    Binding("end", "live", "live", show=False, tooltip="back to live", group=TIME_GROUP),
    Binding(
        "less_than_sign",
        "pace(-1)",
        "slower",
        tooltip="slower / faster: the pace at which a live run's epochs are shown "
        "(up to as fast as it trains)",
        group=PACE_GROUP,
    ),
    Binding(
        "greater_than_sign", "pace(1)", "faster", show=False, tooltip="faster", group=PACE_GROUP
    ),
    Binding(
        "g",
        "toggle('figure')",
        "figure",
        tooltip="the tutorial's figure: each layer's gradient SD over the run, one line a "
        "layer on one log axis, beside the loss",
    ),
    Binding(
        "h",
        "toggle('heatmap')",
        "heatmap",
        tooltip="gradient-flow heatmap / layer rows; the heatmap comes on by itself when "
        "the rows do not fit. Dark = vanishing",
    ),
    Binding(
        "w",
        "toggle('weights')",
        "grad/weights",
        tooltip="layer rows: gradients / weights (kernel mean and SD)",
    ),
    Binding("l", "toggle('log_scale')", "log/lin", tooltip="gradient SD on a log10 / linear scale"),
    Binding(
        "f",
        "fit_scale",
        "fit scale",
        show=False,
        tooltip="fit the log scale to what is on screen now / F: hold one scale for the whole "
        "session (the default fits each run anew)",
        group=Binding.Group("scale"),
    ),
    Binding(
        "F",
        "toggle_scale",
        "fit scale",
        show=False,
        tooltip="hold one scale for the whole session / fit each run anew",
        group=Binding.Group("scale"),
    ),
    Binding(
        "left_curly_bracket",
        "shift_heatmap(1)",
        "heat scale",
        show=False,
        tooltip="shift the heatmap's scale a decade down / up",
        group=Binding.Group("heat scale"),
    ),
    Binding(
        "right_curly_bracket",
        "shift_heatmap(-1)",
        "heat scale",
        show=False,
        tooltip="shift the heatmap's scale up",
        group=Binding.Group("heat scale"),
    ),
    *(
        Binding(
            key,
            f"scroll_rows('{key}')",
            "scroll",
            show=False,
            tooltip="scroll the layer rows or the heatmap of a deep network",
            group=SCROLL_GROUP,
        )
        for key in SCROLL_KEYS
    ),
    *LAB_BINDINGS,
    *other_screen_bindings({"help", "compare", "error", "settings"}),
]
