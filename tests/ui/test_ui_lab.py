"""Pilot tests of the lab: the settings screen, the palette's commands, [ ] - +, the header."""

from __future__ import annotations

import contextlib
import io

import pytest
from textual.widgets import DataTable, Input, Select

from vgtui.cli.run import parse_args
from vgtui.config import CHOICES, SETTINGS, RunConfig, flag_name
from vgtui.ui.app import make_app
from vgtui.ui.screens.compare import CompareScreen
from vgtui.ui.screens.settings import SettingsScreen, field_id
from vgtui.ui.widgets.run_header import RunHeader

#: A valid new value for each setting, as typed or chosen, and as RunConfig holds it.
NEW_VALUES: dict[str, tuple[str, object]] = {
    "depth": ("6", 6),
    "width": ("12", 12),
    "activation": ("relu", "relu"),
    "init": ("he_normal", "he_normal"),
    "optimizer": ("adam", "adam"),
    "lr": ("0.01", 0.01),
    "batch_size": ("64", 64),
    "epochs": ("250", 250),
    "dataset": ("moons", "moons"),
    "samples": ("500", 500),
    "noise": ("0.25", 0.25),
    "seed": ("7", 7),
}
#: Values RunConfig (or the reading of a number) refuses, for each number setting.
BAD_VALUES: dict[str, tuple[str, ...]] = {
    "depth": ("0", "65", "x", "2.5"),
    "width": ("0", "1025", "wide"),
    "lr": ("0", "-0.1", "nan", "1e7", "fast"),
    "batch_size": ("0", "x"),
    "epochs": ("0", "ten"),
    "samples": ("3", "many"),
    "noise": ("-0.1", "1e37", "inf"),
    "seed": ("-1", "1.5"),
}


def cli_error(field: str, text: str) -> str:
    """What the command line says of ``--FIELD TEXT``, without its ``vgtui: error:`` prefix."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
        parse_args(["--headless", flag_name(field), text])
    assert exit_info.value.code == 2
    line = err.getvalue().strip()
    assert line.startswith("vgtui: error: ")
    return line.removeprefix("vgtui: error: ")


def test_every_setting_has_a_valid_and_an_invalid_case() -> None:
    assert set(NEW_VALUES) == set(SETTINGS)
    assert set(BAD_VALUES) == set(SETTINGS) - set(CHOICES)
    for field, (_, value) in NEW_VALUES.items():
        assert getattr(RunConfig(), field) != value
        RunConfig().replace(**{field: value})


async def _open_settings(app, pilot) -> SettingsScreen:
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


def _set(screen: SettingsScreen, field: str, text: str) -> None:
    widget = screen.query_one(f"#{field_id(field)}")
    assert isinstance(widget, Input | Select)
    widget.value = text


async def test_each_setting_applied_restarts_with_it(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        expected = RunConfig()
        for n, (field, (text, value)) in enumerate(NEW_VALUES.items(), start=2):
            screen = await _open_settings(app, pilot)
            _set(screen, field, text)
            await pilot.pause()
            if field in CHOICES:
                await pilot.press("ctrl+s")
            else:  # enter in the field applies
                screen.query_one(f"#{field_id(field)}").focus()
                await pilot.press("enter")
            await wait_until(pilot, lambda n=n: fake_engine.started == n)
            expected = expected.replace(**{field: value})
            assert fake_engine.configs[-1] == expected, field
            assert not isinstance(app.screen, SettingsScreen)
            assert app.controller.config == expected
        await wait_until(pilot, lambda: fake_engine.running == 1)
        assert fake_engine.most_running == 1


async def test_invalid_values_are_refused_in_place_with_the_command_lines_message(
    fake_engine, wait_until
) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        run = app.controller.current
        screen = await _open_settings(app, pilot)
        for field, texts in BAD_VALUES.items():
            for text in texts:
                _set(screen, field, text)
                await pilot.pause()
                message = str(screen.query_one("#settings-message").content)
                assert message == cli_error(field, text), (field, text)
                assert screen.query_one(f"#{field_id(field)}").has_class("-invalid")
                await pilot.press("ctrl+s")  # refused: the screen stays, on the bad field
                await pilot.pause()
                assert app.screen is screen
                assert screen.focused is screen.query_one(f"#{field_id(field)}")
            _set(screen, field, str(getattr(RunConfig(), field)))  # valid again
            await pilot.pause()
            assert not screen.query_one(f"#{field_id(field)}").has_class("-invalid")
        assert fake_engine.started == 1  # the run training all along was not touched
        assert fake_engine.running == 1 and not run.source.stopped.is_set()
        assert app.controller.current is run


async def test_escape_leaves_the_settings_without_change(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        screen = await _open_settings(app, pilot)
        _set(screen, "depth", "9")
        _set(screen, "activation", "tanh")
        await pilot.pause()
        assert "depth 9" in str(screen.query_one("#settings-message").content)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.controller.config == RunConfig()
        assert fake_engine.started == 1 and fake_engine.running == 1


async def test_applying_unchanged_settings_does_not_restart(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        await _open_settings(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert fake_engine.started == 1


async def test_sweep_seeds_set_in_the_settings_repeat_each_swept_value(
    fake_engine, wait_until
) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        screen = await _open_settings(app, pilot)
        for bad in ("1,1", "x", "-3"):  # refused in place, as --seeds refuses them
            _set(screen, "seeds", bad)
            await pilot.pause()
            assert str(screen.query_one("#settings-message").content) == cli_error("seeds", bad)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen and app.controller.sweep_seeds == ()
        _set(screen, "seeds", "3, 5")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.controller.sweep_seeds == (3, 5)
        assert fake_engine.started == 1  # seeds alone do not restart the run
        assert any("seeds 3,5" in n.message for n in app._notifications)
        screen = await _open_settings(app, pilot)  # the field shows them next time
        assert screen.query_one(f"#{field_id('seeds')}", Input).value == "3,5"
        await pilot.press("escape")
        await pilot.press("s")  # sweep the activations
        await wait_until(pilot, lambda: fake_engine.started == 2)
        swept = [app.controller.current.config, *app.controller.sweep.pending]
        expected = {(a, seed) for a in ("sigmoid", "tanh", "relu") for seed in (3, 5)}
        assert {(c.activation, c.seed) for c in swept} == expected and len(swept) == 6


@pytest.mark.parametrize(
    ("keys", "field", "values"),
    [
        ("]]", "lr", [2e-3, 4e-3]),
        ("[", "lr", [5e-4]),
        ("++-", "depth", [5, 6, 5]),
    ],
)
async def test_lr_and_depth_keys_restart_at_once(fake_engine, wait_until, keys, field, values):
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        for n, (key, value) in enumerate(zip(keys, values, strict=True), start=2):
            await pilot.press({"[": "left_square_bracket", "]": "right_square_bracket",
                               "+": "plus", "-": "minus"}[key])  # fmt: skip
            await wait_until(pilot, lambda n=n: fake_engine.started == n)
            assert getattr(fake_engine.configs[-1], field) == pytest.approx(value)
            others = fake_engine.configs[-1].replace(**{field: getattr(RunConfig(), field)})
            assert others == RunConfig()


@pytest.mark.parametrize(
    ("config", "key", "field", "bad"),
    [
        (RunConfig(depth=1), "minus", "depth", "0"),
        (RunConfig(depth=64), "plus", "depth", "65"),
        (RunConfig(lr=1e6), "right_square_bracket", "lr", "2e6"),
        (RunConfig(lr=1.2e-38), "left_square_bracket", "lr", "6e-39"),
    ],
)
async def test_out_of_range_steps_notify_and_keep_the_run(
    fake_engine, wait_until, config, key, field, bad
) -> None:
    app = make_app(config, fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        await pilot.press(key)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        expected = cli_error(field, bad).split(" is out of range")[1]
        assert any(f"{flag_name(field)}: " in m and expected in m for m in messages), messages
        assert fake_engine.started == 1 and app.controller.config == config


async def _palette(app, pilot, query: str) -> None:
    """Open the command palette, type ``query`` and take the first command."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    app.screen.query_one(Input).value = query  # as typed, without a key press per letter
    await pilot.pause(0.5)  # the palette searches in the background
    await pilot.press("enter")
    await pilot.pause()


#: Palette commands and the setting each sets, applied in turn to one app.
PALETTE_COMMANDS = [
    ("depth 6", "depth", 6),
    ("lr 0.05", "lr", 0.05),
    ("learning rate 0.02", "lr", 0.02),
    ("batch 16", "batch_size", 16),
    ("epochs 30", "epochs", 30),
    ("samples 300", "samples", 300),
    ("noise 0.3", "noise", 0.3),
    ("seed 5", "seed", 5),
    ("width 9", "width", 9),
    ("activation: relu", "activation", "relu"),
    ("initializer: glorot_normal", "init", "glorot_normal"),
    ("optimizer: sgd", "optimizer", "sgd"),
    ("data set: xor", "dataset", "xor"),
    ("dataset spiral", "dataset", "spiral"),
]
#: Palette commands with a value the command line refuses.
PALETTE_REFUSED = [
    ("depth 0", "depth", "0"),
    ("lr fast", "lr", "fast"),
    ("activation softmax", "activation", "softmax"),
]


async def test_palette_commands_set_each_setting(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        expected = RunConfig()
        for n, (query, field, value) in enumerate(PALETTE_COMMANDS, start=2):
            await _palette(app, pilot, query)
            await wait_until(pilot, lambda n=n: fake_engine.started == n)
            expected = expected.replace(**{field: value})
            assert fake_engine.configs[-1] == expected, query


async def test_palette_refuses_invalid_values_with_the_command_lines_message(
    fake_engine, wait_until
) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        for query, field, text in PALETTE_REFUSED:
            await _palette(app, pilot, query)
            await pilot.pause()
            assert cli_error(field, text) in [n.message for n in app._notifications], query
        assert fake_engine.started == 1


async def test_palette_number_command_opens_the_settings_on_its_field(
    fake_engine, wait_until
) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        await _palette(app, pilot, "batch size…")
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.focused is app.screen.query_one(f"#{field_id('batch_size')}")


@pytest.mark.parametrize("width", [80, 120])
async def test_header_names_every_setting_that_differs(fake_engine, wait_until, width) -> None:
    config = RunConfig(
        activation="relu", depth=3, width=8, lr=0.01, batch_size=64, epochs=50,
        dataset="moons", samples=400, noise=0.2, seed=3,
    )  # fmt: skip
    app = make_app(config, fake_engine, show_timing=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        app.monitor.redraw()
        await pilot.pause()
        text = app.query_one(RunHeader).content.plain[: width - 1]  # what the line shows
        for part in ("relu", "normal", "3×8", "lr=0.01", "moons"):
            assert part in text
        long = ("batch 64", "50 epochs", "400 samples", "noise 0.2", "seed 3")
        short = ("b64", "50ep", "n400", "σ0.2", "s3")
        assert all(p in text for p in long) or all(p in text for p in short), text


async def test_header_of_the_defaults_is_unchanged(fake_engine, wait_until) -> None:
    app = make_app(RunConfig(), fake_engine, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: fake_engine.running == 1)
        app.monitor.redraw()
        await pilot.pause()
        text = app.query_one(RunHeader).content.plain
        assert text.startswith(
            f" vgtui  sigmoid · normal · 4×5 · rmsprop lr=0.001 · circles · seed {RunConfig().seed}"
        )


async def test_compare_table_shows_the_settings_that_differ(
    streams, make_engine, wait_until
) -> None:
    engine = make_engine(streams[("sigmoid", "normal")])
    app = make_app(RunConfig(), engine, show_timing=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for kept, key in ((1, None), (2, "right_square_bracket"), (3, "right_square_bracket")):
            if key is not None:
                await pilot.press(key)  # the same replay, kept with its own learning rate
            await wait_until(pilot, lambda kept=kept: len(app.controller.kept) == kept)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        table = app.screen.query_one("#runs", DataTable)
        labels = [str(c.label).split()[0] for c in table.columns.values()]
        assert "lr" in labels and "depth" not in labels
        cells = [str(table.get_row_at(i)[labels.index("lr")]) for i in range(table.row_count)]
        assert sorted(cells) == ["0.001", "0.002", "0.004"]


def test_the_header_says_when_xla_compiles_the_run() -> None:
    from vgtui.records import RunStart
    from vgtui.ui.widgets.run_header import device_text, header_text

    config = RunConfig()
    plain = RunStart(config, "CPU", config.layer_names, 0.5, 0.7)
    assert device_text(plain) == "CPU"
    tiered = RunStart(config, "CPU", config.layer_names, 0.5, 0.7, info={"compiled": "XLA"})
    assert header_text(config, device_text(tiered)).plain.endswith(" · CPU · XLA")
