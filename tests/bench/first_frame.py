"""The first frame in a real terminal: vgtui against a trivial Textual app, side by side.

Each command is started in a detached tmux session of 80x24 (on a private
tmux server); the time until five lines of its screen are drawn is read by
polling ``tmux capture-pane``. For vgtui the moments its first run starts
training (the network built and compiled, the loss before training known)
and its first records arrive are noted too, by a hook installed when the
worker imports the engine, so nothing runs earlier than in ``vgtui`` itself.

Run as a script, this file is also the child: ``first_frame.py trivial``
runs the trivial app (a header, 20 lines, a footer, numpy imported);
``first_frame.py vgtui FILE [ARGS]`` runs vgtui's command line and appends
the marks to FILE.
"""

from __future__ import annotations

import compileall
import importlib.abc
import importlib.machinery
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

#: The private tmux server's socket name.
TMUX_SOCKET = "vgtui-first-frame"
#: Lines of the screen that must hold text for the frame to count as drawn.
LINES_DRAWN = 5
#: Seconds between two looks at the screen.
POLL = 0.01


def _tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", TMUX_SOCKET, *args], capture_output=True, text=True, check=False
    )


def _lines_drawn(session: str) -> int:
    pane = _tmux("capture-pane", "-p", "-t", session).stdout
    return sum(1 for line in pane.splitlines() if line.strip())


@dataclass(frozen=True)
class Timing:
    """Seconds from the launch of one command."""

    first_frame: float
    run_start: float | None = None
    first_records: float | None = None


def time_command(argv: list[str], marks: Path | None = None, timeout: float = 120) -> Timing:
    """Launch ``argv`` in a new 80x24 tmux session; time its first frame (and vgtui's marks)."""
    session = f"s{os.getpid()}_{time.monotonic_ns()}"
    env = {**os.environ, "LANG": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("LC_ALL", None)
    command = " ".join(_quote(a) for a in argv)
    launched = time.time()
    started = time.perf_counter()
    new_session = ["new-session", "-d", "-s", session, "-x", "80", "-y", "24", command]
    subprocess.run(["tmux", "-L", TMUX_SOCKET, *new_session], env=env, check=True)
    try:
        frame = None
        while frame is None:
            if _lines_drawn(session) >= LINES_DRAWN:
                frame = time.perf_counter() - started
            elif time.perf_counter() - started > timeout:
                raise TimeoutError(f"no first frame from {command}")
            else:
                time.sleep(POLL)
        if marks is None:
            return Timing(frame)
        while time.perf_counter() - started < timeout:
            found = _read_marks(marks)
            if "records" in found:
                return Timing(frame, found["start"] - launched, found["records"] - launched)
            time.sleep(0.05)
        raise TimeoutError(f"no training records from {command}")
    finally:
        _tmux("kill-session", "-t", session)


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


def _read_marks(path: Path) -> dict[str, float]:
    try:
        lines = path.read_text().split()
    except FileNotFoundError:
        return {}
    return {name: float(value) for name, value in (line.split("=") for line in lines)}


def keep_server() -> None:
    """Start the private tmux server with an idle session, so that it outlives each command's."""
    _tmux("kill-server")
    _tmux("new-session", "-d", "-s", "keep", "-x", "80", "-y", "24", "sleep 100000")


def compile_vgtui() -> None:
    """Byte-compile vgtui's modules, as installing it does, so that no launch compiles them.

    The trivial app's libraries were compiled when they were installed; an
    editable install of vgtui is compiled by its first launch, or by every
    launch where ``PYTHONDONTWRITEBYTECODE`` is set (about 0.08 s of CPU each here).
    """
    spec = importlib.util.find_spec("vgtui")
    assert spec is not None and spec.submodule_search_locations
    for folder in spec.submodule_search_locations:
        compileall.compile_dir(folder, quiet=1)


def side_by_side(pairs: int = 7, epochs: int = 5) -> tuple[list[Timing], list[Timing]]:
    """Run the trivial app and vgtui ``pairs`` times each, in turn; their timings.

    Each pair runs in a shuffled order, so that neither is always the one
    started on a machine just left quiet (or busy) by the other.
    """
    me = str(Path(__file__).resolve())
    trivial, vgtui = [], []
    order = random.Random(0)
    compile_vgtui()
    keep_server()
    try:
        for k in range(pairs):
            for which in order.sample(["trivial", "vgtui"], 2):  # neither always goes first
                if which == "trivial":
                    trivial.append(time_command([sys.executable, me, "trivial"]))
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    marks = Path(tmp) / "marks"
                    argv = [sys.executable, me, "vgtui", str(marks), "--epochs", str(epochs)]
                    vgtui.append(time_command(argv, marks))
            print(
                f"  pair {k + 1}: trivial {trivial[-1].first_frame:.3f} s, vgtui "
                f"{vgtui[-1].first_frame:.3f} s (run starts {vgtui[-1].run_start:.2f} s, "
                f"first records {vgtui[-1].first_records:.2f} s)",
                flush=True,
            )
    finally:
        _tmux("kill-server")
    return trivial, vgtui


def report(pairs: int = 7) -> None:
    """Print the medians of :func:`side_by_side`."""
    trivial, vgtui = side_by_side(pairs)
    t = statistics.median(x.first_frame for x in trivial)
    v = statistics.median(x.first_frame for x in vgtui)
    start = statistics.median(x.run_start or 0.0 for x in vgtui)
    records = statistics.median(x.first_records or 0.0 for x in vgtui)
    print(
        f"first frame in tmux at 80x24 (five lines drawn), medians of {pairs} runs each, in turn: "
        f"trivial Textual app {t:.3f} s, vgtui {v:.3f} s ({v / t:.2f}x); vgtui's first run "
        f"starts training {start:.2f} s after launch, first records {records:.2f} s"
    )


# The children -------------------------------------------------------------


def run_trivial_app() -> None:
    """A header, 20 lines, a footer, numpy imported: the least a Textual app draws."""
    import numpy  # noqa: F401
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Trivial(App[None]):
        BINDINGS = [("q", "quit", "quit")]  # noqa: RUF012

        def compose(self) -> ComposeResult:
            yield Header()
            for i in range(20):
                yield Static(f"line {i + 1}")
            yield Footer()

    Trivial().run()


class _MarkTrainer(importlib.abc.MetaPathFinder):
    """When the engine's trainer is imported, wrap ``Trainer.run`` to note its first records."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def find_spec(
        self, name: str, path: object, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "vgtui.engine.trainer":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            execute(module)
            self._wrap(module.Trainer)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def _wrap(self, trainer: type) -> None:
        run, path = trainer.run, self.path

        def noted_run(self, emit, *args, **kwargs):
            def noting(record: object) -> None:
                kind = type(record).__name__
                name = {"RunStart": "start", "StepBlock": "records"}.get(kind)
                if name and name not in _read_marks(path):
                    with open(path, "a") as f:
                        f.write(f"{name}={time.time()}\n")
                emit(record)

            return run(self, noting, *args, **kwargs)

        trainer.run = noted_run


def run_vgtui(marks: str, argv: list[str]) -> int:
    """Run vgtui's command line with ``argv``, noting its first run's marks in ``marks``."""
    sys.meta_path.insert(0, _MarkTrainer(Path(marks)))
    from vgtui.cli import main

    return main(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["trivial"]:
        run_trivial_app()
    elif sys.argv[1:2] == ["vgtui"]:
        sys.exit(run_vgtui(sys.argv[2], sys.argv[3:]))
    else:
        report(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
