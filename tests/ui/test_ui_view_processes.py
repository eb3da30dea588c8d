"""A writer in another process: followed as it writes, shown up to its last record once killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from vgtui.records import EpochEnd, RunStart, RunSummary, StepBlock
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame
from vgtui.sources.follower import FollowerSource
from vgtui.ui.app import make_app
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.view.target import resolve

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["dense_1", "dense_2", "output"]

#: Writes one epoch (a block of steps and its end) each time it reads a line, "end" ends it.
LOCKSTEP_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.ui.test_ui_view_processes import LAYERS, block
from vgtui.runlog import RunLogWriter

writer = RunLogWriter.create(Path(sys.argv[1]), {"layer_names": LAYERS})
print(writer.path, flush=True)
k = 0
for line in sys.stdin:
    if line.strip() == "end":
        writer.summary({"accuracy_before": 0.5, "accuracy_after": 0.9, "final_loss": 0.1,
                        "grad_sd_ratio": 1.0, "epochs": k, "steps": 10 * k, "verdict": "healthy"})
        writer.close()
        print("ended", flush=True)
        break
    k += 1
    loss, acc, stats = block(k)
    writer.steps(k, 10 * k - 9, loss, acc, stats)
    writer.epoch_end(k, float(loss.mean()), float(acc.mean()))
    print("wrote", k, flush=True)
"""

#: A headless run of a recorded stream, slowed down, writing its log to argv[1].
HEADLESS_WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.runlogs import stream
from vgtui.config import RunConfig
from vgtui.cli.headless import run_headless
from vgtui.sources.replay import replay_factory

streams = {("sigmoid", "normal"): stream("sigmoid_normal")}
factory = replay_factory(streams, delay=0.02)
run_headless(RunConfig(), None, source_factory=factory, logdir=Path(sys.argv[1]))
"""


def block(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Epoch k's ten steps, the same in both processes."""
    rng = np.random.default_rng(k)
    stats = rng.random((10, len(LAYERS), 7)).astype(np.float32)
    return rng.random(10).astype(np.float32), rng.random(10).astype(np.float32), stats


def wait_for(condition, limit: float = 60.0) -> None:
    """Wait until ``condition()`` holds; generous, and no timing is asserted."""
    event = threading.Event()
    waited = 0.0
    while not condition():
        assert waited < limit, "the condition never held"
        event.wait(0.01)
        waited += 0.01


def test_the_follower_sees_each_epoch_a_writer_process_appends(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKSTEP_WRITER, str(tmp_path), str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        path = Path(proc.stdout.readline().strip())
        emitted: list = []
        source = FollowerSource(path, poll=0.01, stale_after=1000)
        result: list = []
        thread = threading.Thread(target=lambda: result.append(source.start(emitted.append)))
        thread.start()
        wait_for(lambda: len(emitted) == 1)
        assert isinstance(emitted[0], RunStart) and emitted[0].layer_names == tuple(LAYERS)
        for k in range(1, 6):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            assert proc.stdout.readline().split() == ["wrote", str(k)]
            wait_for(lambda k=k: len(emitted) == 1 + 2 * k)
            steps, end = emitted[-2], emitted[-1]
            loss, acc, stats = block(k)
            assert isinstance(steps, StepBlock) and steps.first_step == 10 * k - 9
            assert np.array_equal(steps.step_stats, stats.astype(np.float64))
            assert np.array_equal(steps.step_loss, loss.astype(np.float64))
            assert end == EpochEnd(k, float(loss.mean()), float(acc.mean()))
        proc.stdin.write("end\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ended"
        thread.join(60)
        assert isinstance(result[0], RunSummary) and result[0].epochs == 5
        assert emitted[-1] is result[0]
        source.close()
    finally:
        proc.kill()
        proc.wait(60)
        proc.stdin.close()
        proc.stdout.close()


def complete_records(path: Path) -> tuple[int, int]:
    """Steps and epochs in the log's complete frames, read by the reader alone."""
    with RunLogReader(path) as reader:
        frames = list(reader.frames())
    steps = sum(f.steps for f in frames if isinstance(f, StepsFrame))
    epochs = sum(isinstance(f, EpochEndFrame) for f in frames)
    return steps, epochs


async def test_view_shows_a_killed_writers_log_up_to_its_last_complete_record(
    tmp_path: Path, wait_until
) -> None:
    rng = np.random.default_rng()
    proc = subprocess.Popen(
        [sys.executable, "-c", HEADLESS_WRITER, str(tmp_path), str(ROOT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = ""
        while not line.startswith("run log "):
            line = proc.stdout.readline()
            assert line, "the writer ended without saying where its log is"
        path = Path(line.removeprefix("run log ").strip())
        enough = int(rng.integers(3, 60))
        while complete_records(path)[1] < enough:
            await asyncio.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(60)
    finally:
        proc.kill()
        proc.stdout.close()
    frame = path.read_bytes()[-40:]  # a torn write at the end, as a kill mid-write leaves
    with open(path, "ab") as f:
        f.write(frame[:17])
    steps, epochs = complete_records(path)
    assert epochs >= enough and steps >= 32 * epochs
    app = make_app(show_timing=False, view=resolve(path, stale_after=0.5))
    async with app.run_test(size=(80, 24)) as pilot:

        def status() -> str:
            app.monitor.redraw()
            return app.monitor.query_one(StatusLine).content.plain

        await pilot.pause()
        await wait_until(pilot, lambda: "writer stopped" in status())
        view = app.controller.current.history.view()
        assert view.steps_done == steps
        assert view.latest.epoch == epochs
        assert f"step {steps}/3200" in status()
