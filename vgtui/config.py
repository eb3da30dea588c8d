"""The run configuration: every setting described once, and its validation.

:data:`SETTING_TABLE` is the one description of each setting: its field and
flag, its label, what it is, its bounds or its choices (each with what it
is), the other names it answers to, and its default (RunConfig's). The
command line's flags and ``--help``, the README's flags table, the settings
screen and the command palette are all made from it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

#: The smallest normal float32. The engine computes in float32, and TensorFlow
#: flushes subnormal numbers to zero on the CPU, so a smaller learning rate is 0.
FLOAT32_TINY = 1.1754943508222875e-38


@dataclass(frozen=True)
class Choice:
    """One value a choice setting may take, and what it is."""

    value: str
    description: str


@dataclass(frozen=True)
class Setting:
    """One setting of a run, described once.

    Attributes:
        field: the RunConfig field (``batch_size``); its flag is ``--batch-size``.
        label: its name on the settings screen and in the palette (``batch size``).
        help: what it is, in a few words: the settings screen's hint, and the
            start of its ``--help`` and of its row in the README.
        kind: ``choice`` (one of ``choices``), ``whole`` or ``real`` (within ``bounds``).
        bounds: the inclusive (low, high) of a number.
        choices: the values of a choice, each with what it is.
        aliases: other names the command palette knows it by.
        note: more about it, after the allowed values in ``--help`` and the README.
        header: its name as a column header of the comparison table.

    """

    field: str
    label: str
    help: str
    kind: Literal["choice", "whole", "real"]
    bounds: tuple[float, float] = (0, 0)
    choices: tuple[Choice, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""
    header: str = ""

    def __post_init__(self) -> None:
        """A setting's column header is its field unless it has a shorter one."""
        if not self.header:
            object.__setattr__(self, "header", self.field)

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--batch-size``."""
        return flag_name(self.field)

    @property
    def values(self) -> tuple[str, ...]:
        """The values of a choice, in order (empty for a number)."""
        return tuple(choice.value for choice in self.choices)

    @property
    def default(self) -> object:
        """The tutorial's value: RunConfig's default."""
        return RunConfig.__dataclass_fields__[self.field].default

    @property
    def choices_said(self) -> str:
        """The choices, each with what it is: ``normal (N(0,1), the tutorial's), ...``."""
        return ", ".join(f"{choice.value} ({choice.description})" for choice in self.choices)

    def described(self, default: str = "") -> str:
        """What it is and allows, as ``--help`` and the README say it.

        ``hidden layers, 1..64``; ``kernel initializer: normal (N(0,1), the
        tutorial's), ...``; the note, if any, after a semicolon. A ``default``
        given is said after what it is (a choice's) or what it allows (a number's).
        """
        said = f" (default: {default})" if default else ""
        if self.kind == "choice":
            text = f"{self.help}{said}: {self.choices_said}"
        else:
            text = f"{self.help}, {self.allowed}{said}"
        return f"{text}; {self.note}" if self.note else text

    @property
    def allowed(self) -> str:
        """What it allows, as messages say it: ``1..64``, or the choices."""
        if self.kind == "choice":
            return ", ".join(self.values)
        low, high = self.bounds
        if self.kind == "whole":
            return f"{low}..{high}"
        return f"{format_bound(low)}..{format_bound(high)}"


#: Every setting of a run, in RunConfig's order.
SETTING_TABLE: tuple[Setting, ...] = (
    Setting(
        "activation",
        "activation",
        "of the hidden layers",
        "choice",
        choices=(
            Choice("sigmoid", "the tutorial's; its derivative is at most 1/4"),
            Choice("tanh", "derivative at most 1"),
            Choice("relu", "max(0, x)"),
            Choice("leaky_relu", "x, or 0.2x below 0"),
            Choice("elu", "x, or e^x - 1 below 0"),
            Choice("selu", "scaled elu"),
            Choice("gelu", "x times the normal CDF of x"),
            Choice("swish", "x times sigmoid(x), SiLU"),
            Choice("softsign", "x / (1 + abs(x)), Glorot & Bengio's"),
            Choice("linear", "x: no activation"),
        ),
    ),
    Setting(
        "init",
        "initializer",
        "kernel initializer",
        "choice",
        choices=(
            Choice("normal", "N(0,1), the tutorial's"),
            Choice("glorot_uniform", "Glorot & Bengio's normalized init"),
            Choice("glorot_normal", "its normal form"),
            Choice("he_normal", "for relu: SD √(2/fan_in)"),
            Choice("he_uniform", "its uniform form"),
            Choice("lecun_normal", "for selu: SD √(1/fan_in)"),
            Choice("standard", "U[-1/√fan_in, 1/√fan_in], Glorot & Bengio's standard init"),
            Choice("small", "N(0,0.01)"),
        ),
    ),
    Setting("depth", "depth", "hidden layers", "whole", (1, 64)),
    Setting("width", "width", "units a hidden layer", "whole", (1, 1024)),
    Setting("epochs", "epochs", "passes over the data", "whole", (1, 1_000_000)),
    Setting(
        "batch_size",
        "batch size",
        "examples a step",
        "whole",
        (1, 1_000_000),
        aliases=("batch",),
        note="the last batch of an epoch holds the rest",
        header="batch",
    ),
    # 1e6 is far past where learning stops (from lr = 1e3 on, every optimizer
    # with sigmoid, tanh or relu leaves the tutorial's network at chance within
    # 3 epochs) and keeps lr × gradient finite in float32 for gradients up to 3e32.
    Setting(
        "lr",
        "learning rate",
        "step size",
        "real",
        (FLOAT32_TINY, 1e6),
        note="the lowest is float32's smallest normal number; from 1e3 up every optimizer fails",
    ),
    Setting(
        "optimizer",
        "optimizer",
        "of the weights",
        "choice",
        choices=(
            Choice("rmsprop", "the tutorial's"),
            Choice("sgd", "plain gradient descent"),
            Choice("adam", "adaptive moments"),
        ),
    ),
    Setting(
        "dataset",
        "data set",
        "the points to classify",
        "choice",
        choices=(
            Choice("circles", "two rings, the tutorial's"),
            Choice("moons", "two interleaved half circles"),
            Choice("xor", "the four quadrants"),
            Choice("spiral", "two interleaved arms"),
            Choice("shapeset", "Glorot & Bengio's 32×32 images of shapes, nine classes"),
        ),
        aliases=("data",),
        header="data",
    ),
    Setting("samples", "samples", "points in the data", "whole", (4, 1_000_000)),
    # At 1e36 the data (points plus noise × a normal draw) and the first layer's
    # pre-activations under N(0, 1) weights stay below float32's largest value
    # (3.4e38) for any draw a run of 1e6 samples makes (|z| < 30).
    Setting(
        "noise",
        "noise",
        "SD of noise on the points",
        "real",
        (0.0, 1e36),
        note="the data stay finite in float32",
    ),
    Setting("seed", "seed", "data, weights, shuffles", "whole", (0, 2**31 - 1)),
    Setting(
        "device",
        "device",
        "where it computes",
        "choice",
        choices=(
            Choice("auto", "the GPU for a network big enough to gain from it"),
            Choice("cpu", "always the CPU"),
            Choice("gpu", "always the GPU; refused where TensorFlow sees none"),
        ),
        note="shown in the header and the JSON",
    ),
)
#: Each setting by its field.
SETTING: dict[str, Setting] = {setting.field: setting for setting in SETTING_TABLE}

#: The choices of each choice setting.
CHOICES: dict[str, tuple[str, ...]] = {
    s.field: s.values for s in SETTING_TABLE if s.kind == "choice"
}
ACTIVATIONS = CHOICES["activation"]
INITIALIZERS = CHOICES["init"]
OPTIMIZERS = CHOICES["optimizer"]
DATASETS = CHOICES["dataset"]
DEVICES = CHOICES["device"]
#: Inclusive bounds of the integer settings: field -> (low, high).
INT_BOUNDS: dict[str, tuple[int, int]] = {
    s.field: (int(s.bounds[0]), int(s.bounds[1])) for s in SETTING_TABLE if s.kind == "whole"
}
#: Inclusive bounds of the real-valued settings: field -> (low, high).
FLOAT_BOUNDS: dict[str, tuple[float, float]] = {
    s.field: (float(s.bounds[0]), float(s.bounds[1])) for s in SETTING_TABLE if s.kind == "real"
}
#: The one line for ``--device gpu`` where TensorFlow sees no GPU (the command
#: line's check and the engine both say it).
NO_GPU = (
    "--device: gpu, but TensorFlow sees no GPU here; use auto or cpu "
    "(to train on a GPU, install vgtui[gpu])"
)


class ConfigError(ValueError):
    """An invalid setting; the message names the setting and what is allowed."""


def flag_name(field: str) -> str:
    """Return the command-line flag for a RunConfig field, e.g. ``--batch-size``."""
    return "--" + field.replace("_", "-")


@dataclass(frozen=True)
class TypicalSeed:
    """How the default seed stands among others, for the tutorial's sigmoid network.

    Measured with ``vgtui --headless --sweep activation --sweep-values sigmoid --seeds 0,...,29``
    (first_layer_decades_median of each run's JSON summary).
    """

    seed: int = 6
    decades: float = -1.09
    seeds: str = "0 to 29"
    low: float = -1.81
    median: float = -1.08
    high: float = -0.63

    def said(self) -> str:
        """One line for the screen."""
        return (
            f"seed {self.seed} is the typical case: over seeds {self.seeds}, sigmoid's first "
            f"layer sat {-self.high:.1f} to {-self.low:.1f} decades below its output "
            f"(median {-self.median:.1f}); this seed {-self.decades:.1f}."
        )


TYPICAL_SEED = TypicalSeed()


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines one training run; the defaults are the tutorial's."""

    activation: str = "sigmoid"
    init: str = "normal"
    depth: int = 4
    width: int = 5
    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: str = "rmsprop"
    dataset: str = "circles"
    samples: int = 1000
    noise: float = 0.1
    #: The tutorial names no seed. Seed 6 is the typical case: over seeds 0 to 29, sigmoid's
    #: first layer sat 0.63 to 1.81 decades below its output layer (median over the steps),
    #: 1.08 at the median, and seed 6 at 1.09 (see TYPICAL_SEED).
    seed: int = 6
    device: str = "auto"

    def __post_init__(self) -> None:
        """Validate every field; raise ConfigError on the first bad one."""
        for field, allowed in CHOICES.items():
            value = getattr(self, field)
            if value not in allowed:
                raise ConfigError(
                    f"{flag_name(field)}: unknown value {value!r}; "
                    f"choose one of {', '.join(allowed)}"
                )
        for field, (low, high) in INT_BOUNDS.items():
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(
                    f"{flag_name(field)}: {value!r} is not a whole number; allowed: {low}..{high}"
                )
            if not low <= value <= high:
                raise ConfigError(
                    f"{flag_name(field)}: {value} is out of range; allowed: {low}..{high}"
                )
        for field, (low, high) in FLOAT_BOUNDS.items():
            value = _as_float(field, getattr(self, field))
            if not low <= value <= high:  # NaN fails this too
                raise ConfigError(
                    f"{flag_name(field)}: {value:g} is out of range; "
                    f"allowed: {format_bound(low)}..{format_bound(high)}"
                )

    @property
    def steps_per_epoch(self) -> int:
        """Batches in one epoch; the last one holds the remainder."""
        return -(-self.samples // self.batch_size)

    @property
    def total_steps(self) -> int:
        """Training steps in the whole run."""
        return self.steps_per_epoch * self.epochs

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Names of the Dense layers, input side first; the last is the output."""
        return (*(f"dense_{i}" for i in range(1, self.depth + 1)), "output")

    def replace(self, **changes: object) -> RunConfig:
        """Return a validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, object]:
        """Return the fields as a JSON-ready dict."""
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """Return a one-line human summary of the network and its training."""
        return (
            f"{self.activation} · {self.init} · {self.depth}×{self.width} · "
            f"{self.optimizer} lr={self.lr:g} · {self.dataset} · seed {self.seed}"
        )


#: The settings a user chooses in the app, in the order the settings screen lists them.
SETTINGS: tuple[str, ...] = (
    "depth",
    "width",
    "activation",
    "init",
    "optimizer",
    "lr",
    "batch_size",
    "epochs",
    "dataset",
    "samples",
    "noise",
    "seed",
)


def allowed(field: str) -> str:
    """What ``field`` allows, as messages say it: ``1..64``, or the choices."""
    return SETTING[field].allowed


def parse_setting(field: str, text: str) -> object:
    """Read ``text``, as typed on the command line or in the app, as a value of ``field``.

    Whole numbers and real numbers are converted; a choice is returned as
    typed (stripped). Ranges and choices are checked by RunConfig itself.

    Raises:
        ConfigError: the text is not a number where the field needs one; the
            message is the one the command line gives.

    """
    text = text.strip()
    if field in INT_BOUNDS:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(
                f"{flag_name(field)}: {text!r} is not a whole number; allowed: {allowed(field)}"
            ) from None
    if field in FLOAT_BOUNDS:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{flag_name(field)}: {text!r} is not a number") from None
    if field in CHOICES:
        return text
    raise ConfigError(f"{field!r} is not a setting; choose one of {', '.join(SETTINGS)}")


def config_from_text(base: RunConfig, texts: dict[str, str]) -> RunConfig:
    """``base`` with each field of ``texts`` read from its text, validated by RunConfig.

    Raises:
        ConfigError: the first field that is not valid, with the command line's message.

    """
    changes = {field: parse_setting(field, text) for field, text in texts.items()}
    return base.replace(**changes)


def setting_text(config: RunConfig, field: str) -> str:
    """A setting's value as it is typed: ``0.001``, ``32``, ``sigmoid``."""
    value = getattr(config, field)
    return f"{value:g}" if isinstance(value, float) else str(value)


def differing(config: RunConfig, other: RunConfig | None = None) -> tuple[str, ...]:
    """The fields of ``config`` that differ from ``other`` (the tutorial's defaults if None)."""
    other = other or RunConfig()
    return tuple(
        f.name
        for f in dataclasses.fields(RunConfig)
        if getattr(config, f.name) != getattr(other, f.name)
    )


def format_bound(value: float) -> str:
    """A bound as messages and help show it, to 3 digits (1.18e-38 is itself allowed)."""
    return f"{value:.3g}"


def _as_float(field: str, value: object) -> float:
    """Return value as a float or raise ConfigError naming the flag."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{flag_name(field)}: {value!r} is not a number")
    return float(value)


def cycle(table: tuple[str, ...], current: str, step: int) -> str:
    """Return the entry ``step`` places after ``current`` in ``table``, wrapping."""
    return table[(table.index(current) + step) % len(table)]
