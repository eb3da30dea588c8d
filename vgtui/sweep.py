"""Sweeps: one network trained with each of a set of choices, same seed and data."""

from __future__ import annotations

from vgtui.config import CHOICES, ConfigError, RunConfig, flag_name

#: What ``--sweep`` may vary, and the values it tries unless told otherwise.
SWEEP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "activation": ("sigmoid", "tanh", "relu"),
    "init": ("normal", "glorot_uniform", "he_normal"),
}


def sweep_configs(
    base: RunConfig, field: str, values: tuple[str, ...] | None = None
) -> list[RunConfig]:
    """One config per value of ``field``, everything else (seed and data too) as ``base``.

    Raises:
        ConfigError: an unknown field, a value not among the field's choices,
            or a value given twice (it would train the same run twice).

    """
    if field not in SWEEP_DEFAULTS:
        raise ConfigError(f"--sweep: unknown value {field!r}; choose one of activation, init")
    values = values or SWEEP_DEFAULTS[field]
    allowed = CHOICES[field]
    for value in values:
        if value not in allowed:
            raise ConfigError(
                f"--sweep-values: {value!r} is not a choice of {flag_name(field)}; "
                f"choose from {', '.join(allowed)}"
            )
    repeated = sorted({v for v in values if values.count(v) > 1}, key=values.index)
    if repeated:
        raise ConfigError(
            f"--sweep-values: {', '.join(repeated)} given more than once; give each value once"
        )
    return [base.replace(**{field: value}) for value in values]
