"""The run configuration, the tables of choices, and their validation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

ACTIVATIONS: tuple[str, ...] = (
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "swish",
    "softsign",
    "linear",
)
INITIALIZERS: tuple[str, ...] = (
    "normal",
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "standard",
    "small",
)
OPTIMIZERS: tuple[str, ...] = ("rmsprop", "sgd", "adam")
DATASETS: tuple[str, ...] = ("circles", "moons", "xor", "spiral", "shapeset")
#: Where a run computes: ``auto`` picks the GPU for networks big enough to gain from it.
DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")

#: Inclusive bounds of the integer settings: flag name -> (low, high).
INT_BOUNDS: dict[str, tuple[int, int]] = {
    "depth": (1, 64),
    "width": (1, 1024),
    "epochs": (1, 1_000_000),
    "batch_size": (1, 1_000_000),
    "samples": (4, 1_000_000),
    "seed": (0, 2**31 - 1),
}
#: The smallest normal float32. The engine computes in float32, and TensorFlow
#: flushes subnormal numbers to zero on the CPU, so a smaller learning rate is 0.
FLOAT32_TINY = 1.1754943508222875e-38
#: Inclusive bounds of the real-valued settings: flag name -> (low, high).
#: ``lr``: 1e6 is far past where learning stops (from lr = 1e3 on, every
#: optimizer with sigmoid, tanh or relu leaves the tutorial's network at chance
#: within 3 epochs) and keeps lr × gradient finite in float32 for gradients up
#: to 3e32. ``noise``: at 1e36 the data (points plus noise × a normal draw) and
#: the first layer's pre-activations under N(0, 1) weights stay below float32's
#: largest value (3.4e38) for any draw a run of 1e6 samples makes (|z| < 30).
FLOAT_BOUNDS: dict[str, tuple[float, float]] = {
    "lr": (FLOAT32_TINY, 1e6),
    "noise": (0.0, 1e36),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "activation": ACTIVATIONS,
    "init": INITIALIZERS,
    "optimizer": OPTIMIZERS,
    "dataset": DATASETS,
    "device": DEVICES,
}


class ConfigError(ValueError):
    """An invalid setting; the message names the setting and what is allowed."""


def flag_name(field: str) -> str:
    """Return the command-line flag for a RunConfig field, e.g. ``--batch-size``."""
    return "--" + field.replace("_", "-")


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
    seed: int = 42
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


#: The settings a user chooses, in the order the app's settings screen lists them.
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
#: What each setting is, in a few words.
DESCRIPTIONS: dict[str, str] = {
    "depth": "hidden layers",
    "width": "units a hidden layer",
    "activation": "of the hidden layers",
    "init": "kernel initializer",
    "optimizer": "of the weights",
    "lr": "step size",
    "batch_size": "examples a step",
    "epochs": "passes over the data",
    "dataset": "the points to classify",
    "samples": "points in the data",
    "noise": "SD of noise on the points",
    "seed": "data, weights, shuffles",
    "device": "where it computes",
}


def allowed(field: str) -> str:
    """What ``field`` allows, as messages say it: ``1..64``, or the choices."""
    if field in CHOICES:
        return ", ".join(CHOICES[field])
    if field in INT_BOUNDS:
        low, high = INT_BOUNDS[field]
        return f"{low}..{high}"
    low_f, high_f = FLOAT_BOUNDS[field]
    return f"{format_bound(low_f)}..{format_bound(high_f)}"


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
