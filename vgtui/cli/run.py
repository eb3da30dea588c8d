"""``vgtui [flags]``: flags → RunConfig → the live app or the headless run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vgtui import __version__
from vgtui.cli.gpu_check import check_device
from vgtui.cli.parsing import OneLineParser
from vgtui.cli.terminal_check import terminal_problem
from vgtui.config import (
    CHOICES,
    SETTING_TABLE,
    ConfigError,
    RunConfig,
    flag_name,
    parse_setting,
)
from vgtui.data.presets import PRESETS
from vgtui.model_path import ModelFileError, check_model_path
from vgtui.output_path import OutputPathError, check_output_file, ensure_output_dir
from vgtui.session.sweep import SWEEP_DEFAULTS, parse_seeds, sweep_configs

DEFAULTS = RunConfig()


@dataclass(frozen=True)
class Option:
    """A flag of ``vgtui`` that is not a setting of the run: what it takes and does.

    Attributes:
        flag: the flag, e.g. ``--json``.
        help: what it does, for ``--help`` and the README.
        metavar: the name of its value in ``--help``; None for a switch.
        default: what holds when it is not given, in words (the README's table).
        choices: the values it may take, if only some.

    """

    flag: str
    help: str
    metavar: str | None = None
    default: str = "none"
    choices: tuple[str, ...] | None = None


#: How a run is shown: the switch that comes before the settings.
HEADLESS = Option(
    "--headless",
    "train without the app: print one line per epoch, then a summary",
    default="off",
)
#: The most steps ``--histograms`` may leave between two counted steps.
MAX_HISTOGRAM_EVERY = 1_000_000
#: The flags after the settings: a preset, sweeps, outputs, histograms, another model.
OPTIONS: tuple[Option, ...] = (
    Option(
        "--preset",
        "start from a whole experiment's settings: glorot2010 is Glorot & Bengio's (2010): "
        "Shapeset-3x2 images, 5 hidden layers of 1000 sigmoid units, the standard init, SGD "
        "on batches of 10, one epoch of 300 updates, histograms counted; the settings given "
        "beside it (--activation tanh, --init glorot_uniform, --epochs 3) override its own",
        "NAME",
        choices=tuple(PRESETS),
    ),
    Option(
        "--sweep",
        "with --headless: train once with each activation (sigmoid, tanh, relu) or each "
        "initializer (normal, glorot_uniform, he_normal), same seed and data, then print "
        "a comparison table; FIELD is activation or init",
        "FIELD",
        choices=tuple(SWEEP_DEFAULTS),
    ),
    Option(
        "--sweep-values",
        "with --sweep: the values to try, comma-separated, each once",
        "A,B,...",
        default=" or ".join(",".join(values) for values in SWEEP_DEFAULTS.values()),
    ),
    Option(
        "--seeds",
        "with --headless: train each run once with each of these seeds (a sweep's values "
        "too), then print the comparison with each number's mean and spread over the seeds",
        "N,N,...",
        default="the --seed alone",
    ),
    Option(
        "--json",
        "with --headless: write the run as JSON to PATH (a file is replaced atomically; "
        "a device or FIFO is written in place)",
        "PATH",
    ),
    Option(
        "--logdir",
        "write a run log of every run to DIR (made if missing), for `vgtui view` and "
        "`vgtui export`",
        "DIR",
    ),
    Option(
        "--histograms",
        "count each layer's histograms (kernel gradients, kernels, activations, "
        "back-propagated gradients) every N steps, 0 for none; the run log holds them, for "
        "`vgtui view` and `vgtui export`",
        "N",
        default="every 100th step in the app, and headless with --logdir or --preset; "
        "none otherwise",
    ),
    Option(
        "--model",
        "train your own Keras model instead of the tutorial's: a Python file defining "
        "build_model(activation=None, kernel_initializer=None) and load_data(); "
        "--activation, --init, --epochs, --batch-size and --seed apply when given",
        "FILE",
        default="the tutorial's network",
    ),
)
#: The metavar of each kind of setting in ``--help``.
METAVARS = {"whole": "N", "real": "X"}


def _add_option(parser: argparse.ArgumentParser, option: Option) -> None:
    """Add an :class:`Option` to ``parser``."""
    if option.metavar is None:
        parser.add_argument(option.flag, action="store_true", help=option.help)
    else:
        parser.add_argument(
            option.flag, metavar=option.metavar, choices=option.choices, help=option.help
        )


def build_parser() -> OneLineParser:
    """Return the parser of vgtui's command line: the switch, every setting, the options."""
    parser = OneLineParser(
        prog="vgtui",
        description=(
            "Train a small MLP and watch each layer's gradients, live. Defaults re-create "
            "the tutorial's experiment: make_circles, 4 x Dense(5, sigmoid), N(0,1) weights, "
            "RMSprop, 100 epochs."
        ),
        epilog=(
            "Also: `vgtui view PATH` opens the monitor on runs logged with --logdir (a log, "
            "followed while it grows, or a directory of logs) or on a --json file; "
            "`vgtui export PATH` writes logs as JSON, CSV, TensorBoard events or figures. "
            "Each has its own --help."
        ),
    )
    parser.add_argument("--version", action="version", version=f"vgtui {__version__}")
    _add_option(parser, HEADLESS)
    for setting in SETTING_TABLE:
        parser.add_argument(
            setting.flag,
            dest=setting.field,
            metavar=METAVARS.get(setting.kind, setting.field.upper()),
            default=getattr(DEFAULTS, setting.field),
            help=setting.described(default="%(default)s"),
        )
    for option in OPTIONS:
        _add_option(parser, option)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, RunConfig]:
    """Parse and validate the command line; exit with status 2 on bad input."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.explicit = explicit_fields(argv if argv is not None else sys.argv[1:])
    try:  # numbers are read as the app's settings screen reads them: the same messages
        fields = {
            f: parse_setting(f, v) if isinstance(v, str) and f not in CHOICES else v
            for f, v in vars(args).items()
            if f in RunConfig.__dataclass_fields__
        }
        if args.preset is not None:  # the preset's settings, then those the command line names
            given = {f: v for f, v in fields.items() if f in args.explicit}
            fields = {**PRESETS[args.preset]().to_dict(), **given}
        config = RunConfig(**fields)
    except ConfigError as err:
        parser.error(str(err))
    if args.histograms is not None:
        args.histograms = _histogram_every(parser, args.histograms)
    if args.sweep_values is not None and args.sweep is None:
        parser.error("--sweep-values: only with --sweep")
    if args.sweep is not None:
        if not args.headless:
            parser.error("--sweep: only with --headless (in the app, press s or S)")
        values = tuple(v.strip() for v in (args.sweep_values or "").split(",") if v.strip())
        if args.sweep_values is not None and not values:
            parser.error("--sweep-values: give at least one value, comma-separated")
        try:
            sweep_configs(config, args.sweep, values or None)
        except ConfigError as err:
            parser.error(str(err))
        args.sweep_values = values or None
    if args.seeds is not None:
        if not args.headless:
            parser.error("--seeds: only with --headless (in the app, set seeds in the settings)")
        try:
            args.seeds = parse_seeds(args.seeds)
        except ConfigError as err:
            parser.error(str(err))
    if args.json is not None:
        if not args.headless:
            parser.error("--json: only with --headless")
        try:
            check_output_file(args.json)  # as typed: a trailing '/' names a directory
        except OutputPathError as err:
            parser.error(f"--json: {err}")
        args.json = Path(args.json)
    if args.model is not None:
        if args.preset is not None:
            parser.error("--preset: not with --model (a preset is a built-in network's settings)")
        try:
            args.model = check_model_path(args.model)
        except ModelFileError as err:
            parser.error(f"--model: {err}")
    if not args.headless and (problem := terminal_problem()):
        parser.error(problem)  # before Textual is imported, and before TensorFlow is asked
    if args.logdir is not None:
        try:
            args.logdir = ensure_output_dir(args.logdir)
        except OutputPathError as err:
            parser.error(f"--logdir: {err}")
        if args.json is not None:
            try:  # again, now that the log directory exists: --logdir X --json X
                check_output_file(args.json)
            except OutputPathError as err:
                parser.error(f"--json: {err}")
    try:
        check_device(config)  # last: it asks a child process, a few seconds
    except ConfigError as err:
        parser.error(str(err))
    return args, config


def _histogram_every(parser: OneLineParser, text: str) -> int:
    """``--histograms``' value: a whole number of steps in 0..MAX_HISTOGRAM_EVERY."""
    allowed = f"allowed: 0..{MAX_HISTOGRAM_EVERY} (0: none)"
    try:
        every = int(text.strip())
    except ValueError:
        parser.error(f"--histograms: {text!r} is not a whole number; {allowed}")
    if not 0 <= every <= MAX_HISTOGRAM_EVERY:
        parser.error(f"--histograms: {every} is out of range; {allowed}")
    return every


def histograms_asked(args: argparse.Namespace) -> bool | int:
    """What a run's histograms are: the Trainer's (or the Keras monitor's) ``histograms``.

    ``--histograms N`` says it; else the app counts them (True: every 100th
    step) for its distribution screen, and so does a headless run whose records
    go where they are shown (``--logdir``) or that re-creates the paper's
    figures (``--preset``); other headless runs count none.
    """
    if args.histograms is not None:
        return int(args.histograms)
    return not args.headless or args.logdir is not None or args.preset is not None


def starts_with_tour(args: argparse.Namespace) -> bool:
    """Whether the app begins with the tutorial's story: no setting given, no preset, no model.

    A preset names every setting: its run starts at once.
    """
    return not args.explicit and args.model is None and args.preset is None


def explicit_fields(argv: Sequence[str]) -> frozenset[str]:
    """The RunConfig fields the command line names (``--epochs 3``, ``--epochs=3``)."""
    given = {token.split("=", 1)[0] for token in argv if token.startswith("--")}
    return frozenset(f for f in RunConfig.__dataclass_fields__ if flag_name(f) in given)


def main(argv: Sequence[str] | None = None) -> int:
    """Train: the live app, or the headless run; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args, config = parse_args(argv)
    factory = None
    if args.model is not None:
        from vgtui.sources.keras_model import model_source_factory

        factory = model_source_factory(args.model, config, args.explicit, histograms_asked(args))
    if factory is None:
        from vgtui.sources.engine import engine_sources

        factory = engine_sources(histograms_asked(args), app=not args.headless)
    if args.headless:
        from vgtui.cli.headless import run_headless

        return run_headless(
            config,
            args.json,
            sweep=args.sweep,
            sweep_values=args.sweep_values,
            source_factory=factory,
            seeds=args.seeds,
            logdir=args.logdir,
            title=f"model {args.model}" if args.model is not None else None,
        )
    from vgtui.ui.session import run_app

    return run_app(config, logdir=args.logdir, source_factory=factory, tour=starts_with_tour(args))


if __name__ == "__main__":
    sys.exit(main())
