"""The live monitor's keys, in order of importance.

The footer, the help screen and the README's key tables are made from them
(see :mod:`vgtui.ui.keys`); the lab's keys (:data:`vgtui.ui.lab.LAB_BINDINGS`)
come last.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from vgtui.ui.lab import LAB_BINDINGS

SWEEP_GROUP = Binding.Group("sweep")
TIME_GROUP = Binding.Group("time")
PACE_GROUP = Binding.Group("pace")
SCROLL_GROUP = Binding.Group("scroll")

MONITOR_BINDINGS: list[BindingType] = [
    # In order of importance: a narrow footer shows the first ones.
    Binding("question_mark", "app.help", "help", tooltip="help: the keys, and how to read them"),
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
    Binding(
        "c",
        "app.compare",
        "compare",
        tooltip="compare the kept runs (every run is kept when it ends or is switched)",
    ),
    Binding("r", "restart", "restart", tooltip="restart with the same settings"),
    Binding(
        "L",
        "app.show_error",
        "error",
        show=False,
        tooltip="the last error in full (a model file's traceback)",
    ),
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
        for key in ("up", "down", "pageup", "pagedown")
    ),
    *LAB_BINDINGS,
]
