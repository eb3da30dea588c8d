"""The installed ``vgtui`` command in a real (pseudo-)terminal, not through Pilot: its first
frame, a key, a resize (a real SIGWINCH), quitting and hang-ups; the terminal's modes are
restored after each, and nothing is left on it outside the app's screen."""

from __future__ import annotations

import signal
import time

import pytest

from tests.pseudo_terminal import PseudoTerminal, installed, stray_text, terminal_env

VGTUI = installed("vgtui")
#: Small and fast: two epochs of the tutorial's network.
ARGV = [VGTUI, "--epochs", "2"]


def first_frame(term: PseudoTerminal) -> bool:
    """The header and the footer are drawn."""
    rows = term.screen.lines
    return "vgtui" in term.line(0) and "sigmoid" in term.line(0) and "quit" in term.line(rows - 1)


def training(term: PseudoTerminal) -> bool:
    """The status line says the run trains and has finished an epoch."""
    status = next((line for line in term.screen.display if " step " in line), "")
    return "training" in status and "epoch 0/" not in status


def test_keys_and_a_resize_in_a_real_terminal_then_q_exits_0():
    with PseudoTerminal(ARGV, terminal_env(), rows=24, cols=80) as term:
        assert term.wait_for(lambda: first_frame(term)), term.screen.display
        assert term.modes != term.modes_before  # the app has the terminal (raw mode)
        term.send("a")
        assert term.wait_for(lambda: "tanh" in term.line(0)), term.line(0)
        term.resize(30, 100)

        # The app heard SIGWINCH: its footer is on the new last row, and it draws past column 80.
        def redrawn() -> bool:
            wide = any(len(line.rstrip()) > 80 for line in term.screen.display)
            return "quit" in term.line(29) and wide

        assert term.wait_for(redrawn), (term.poll(), "\n".join(term.screen.display))
        term.send("q")
        assert term.wait(120) == 0
        assert term.modes == term.modes_before
        assert stray_text(bytes(term.output)) == ""


@pytest.mark.parametrize(
    ("signum", "status", "when"),
    [(signal.SIGHUP, 129, "loading"), (signal.SIGTERM, 143, "training")],
)
def test_a_hangup_or_termination_exits_128_plus_the_signal(signum, status, when):
    argv = [VGTUI, "--epochs", "1000"]
    with PseudoTerminal(argv, terminal_env(), rows=24, cols=80) as term:
        assert term.wait_for(lambda: first_frame(term)), term.screen.display
        if when == "training":
            assert term.wait_for(lambda: training(term)), term.screen.display
        sent = time.monotonic()
        term.kill(signum)
        assert term.wait(60) == status
        # The issue asks for an exit within 2 s; timings are reported, never asserted.
        print(f"{signal.Signals(signum).name} while {when}: exited {time.monotonic() - sent:.2f} s")
        assert term.modes == term.modes_before
        assert stray_text(bytes(term.output)) == ""


def test_stray_text_sees_what_was_printed_outside_the_apps_screen():
    output = b"before\x1b[?1049h\x1b[1;1Hdrawn\x1b[?1049l\x1b[?25hTraceback\r\n"
    assert stray_text(output) == "beforeTraceback"
    assert stray_text(b"\x1b[?1049h\x1b[1;1Hdrawn\x1b[?1049l\x1b[?25h\x1b[?1004l") == ""
