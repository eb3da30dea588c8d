"""Sweeps: one network trained with each of a set of choices, same data; each over some seeds."""

from __future__ import annotations

from vgtui.config import CHOICES, INT_BOUNDS, ConfigError, RunConfig, flag_name

#: What ``--sweep`` may vary, and the values it tries unless told otherwise.
SWEEP_DEFAULTS: dict[str, tuple[str, ...]] = {
    "activation": ("sigmoid", "tanh", "relu"),
    "init": ("normal", "glorot_uniform", "he_normal"),
}


def sweep_configs(
    base: RunConfig,
    field: str | None,
    values: tuple[str, ...] | None = None,
    seeds: tuple[int, ...] | None = None,
) -> list[RunConfig]:
    """One config per value of ``field`` and seed, everything else as ``base``.

    Without ``seeds``, every run has ``base``'s seed (and so its data and
    initial weights); with them, each value is trained once with each seed,
    seeds innermost. ``field`` None sweeps the seeds alone.

    Raises:
        ConfigError: an unknown field, a value not among the field's choices,
            or a value or seed given twice (it would train the same run twice).

    """
    seed_list = tuple(seeds) if seeds else (base.seed,)
    check_seeds(seed_list)
    if field is None:
        return [base.replace(seed=seed) for seed in seed_list]
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
    return [base.replace(**{field: value, "seed": seed}) for value in values for seed in seed_list]


def check_seeds(seeds: tuple[int, ...]) -> None:
    """Raise ConfigError for a seed out of range or given twice."""
    low, high = INT_BOUNDS["seed"]
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or not low <= seed <= high:
            raise ConfigError(
                f"--seeds: {seed!r} is not a seed; allowed: whole numbers {low}..{high}"
            )
    repeated = sorted({s for s in seeds if seeds.count(s) > 1}, key=seeds.index)
    if repeated:
        raise ConfigError(
            f"--seeds: {', '.join(map(str, repeated))} given more than once; give each seed once"
        )


def format_seeds(seeds: tuple[int, ...]) -> str:
    """Seeds as ``--seeds`` takes them: ``1,2,3`` (empty for none)."""
    return ",".join(map(str, seeds))


def parse_seeds(text: str) -> tuple[int, ...]:
    """Read ``1,2,3`` as seeds; raise ConfigError saying what is allowed."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ConfigError("--seeds: give at least one seed, comma-separated (e.g. 1,2,3)")
    seeds = []
    for part in parts:
        try:
            seeds.append(int(part))
        except ValueError:
            low, high = INT_BOUNDS["seed"]
            raise ConfigError(
                f"--seeds: {part!r} is not a whole number; allowed: {low}..{high}"
            ) from None
    check_seeds(tuple(seeds))
    return tuple(seeds)
