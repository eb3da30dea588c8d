"""A run log between processes: a writer killed with SIGKILL, a reader following a writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from vgtui.records import EpochEnd, StepBlock
from vgtui.runlog import EpochEndFrame, RunLogReader, StepsFrame, SummaryFrame, read_run
from vgtui.runlog.format import FRAME_HEAD
from vgtui.sources.replay import load_stream

FIXTURES = Path(__file__).parent / "fixtures"
LAYERS = ["dense_1", "dense_2", "dense_3", "dense_4", "output"]

#: Writes blocks made by a seeded generator until killed; big blocks make torn writes likely.
WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_runlog_processes import LAYERS, make_block
from vgtui.runlog import RunLogWriter

writer = RunLogWriter.create(Path(sys.argv[1]), {"layer_names": LAYERS})
print(writer.path, flush=True)
seed = int(sys.argv[2])
k = 0
while True:
    epoch, first, loss, acc, stats, end = make_block(seed, k)
    writer.steps(epoch, first, loss, acc, stats)
    writer.epoch_end(epoch, *end)
    k += 1
"""


def make_block(seed: int, k: int):
    """The k-th block the crash writer writes: sizes from 1 to 60,000 steps, some NaN columns."""
    rng = np.random.default_rng([seed, k])
    n = int(rng.choice([1, 32, 256, 60_000]))
    stats = rng.standard_normal((n, len(LAYERS), 7)).astype(np.float32)
    stats[:, rng.random(len(LAYERS)) < 0.5, 5] = np.nan
    stats[:, :, 6] = np.nan
    loss = rng.random(n).astype(np.float32)
    acc = rng.random(n).astype(np.float32)
    return k + 1, k * 100_000 + 1, loss, acc, stats, (float(rng.random()), float(rng.random()))


def _check_against_blocks(frames: list, seed: int) -> None:
    """Frames are exactly the writer's first blocks and epoch ends, in order."""
    for i, frame in enumerate(frames):
        epoch, first, loss, acc, stats, end = make_block(seed, i // 2)
        if i % 2 == 0:
            assert isinstance(frame, StepsFrame)
            assert (frame.epoch, frame.first_step) == (epoch, first)
            assert np.array_equal(frame.loss, loss) and np.array_equal(frame.accuracy, acc)
            assert np.array_equal(frame.stats, stats, equal_nan=True)
        else:
            assert isinstance(frame, EpochEndFrame)
            assert (frame.epoch, frame.loss, frame.accuracy) == (epoch, *end)


def _tail_is_torn(path: Path, offset: int) -> bool:
    """Whether the bytes after ``offset`` are less than one whole frame (parsed independently)."""
    rest = path.read_bytes()[offset:]
    if not rest:
        return False
    if len(rest) < FRAME_HEAD.size:
        return True
    _, length, _ = FRAME_HEAD.unpack_from(rest)
    assert len(rest) < FRAME_HEAD.size + length, "a complete frame was left unread"
    return True


def _growing(path: Path) -> bool:
    """Whether the file grows between two looks: its writer is in the middle of a write."""
    size = path.stat().st_size
    return path.stat().st_size != size


def test_a_writer_killed_at_random_moments_leaves_every_complete_frame(tmp_path: Path) -> None:
    """Half the kills come at a random time, half as soon as a write is seen under way."""
    rng = np.random.default_rng()
    torn = 0
    trials = 8
    for trial in range(trials):
        seed = int(rng.integers(1 << 30))
        here = str(Path(__file__).parent)
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / str(trial)), str(seed), here],
            stdout=subprocess.PIPE,
            text=True,
        )
        path = Path(proc.stdout.readline().strip())
        reader = RunLogReader(path)
        followed: list = []
        deadline = time.monotonic() + float(rng.uniform(0.05, 1.5))
        while time.monotonic() < deadline:
            followed += reader.read_new()
            time.sleep(float(rng.uniform(0, 0.02)))
        while trial % 2 and time.monotonic() < deadline + 10 and not _growing(path):
            pass
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        followed += reader.read_new()
        _check_against_blocks(followed, seed)
        torn += _tail_is_torn(path, reader.offset)
        with RunLogReader(path) as fresh:
            again = fresh.read_new()
            assert fresh.offset == reader.offset and not fresh.finished
        assert len(again) == len(followed)
        reader.close()
        path.unlink()  # keep the disk use of the test small
    print(f"{trials} writers killed; {torn} left a torn frame at the end")


#: Writes a recorded run's records, one each time it reads a line, saying when it has.
PACED_WRITER = """
import sys
from pathlib import Path
from vgtui.runlog import RunLogWriter, header_from_start
from vgtui.sources.replay import load_stream

records = load_stream(sys.argv[2])
writer = RunLogWriter.create(Path(sys.argv[1]), header_from_start(records[0]))
print(writer.path, flush=True)
for record in records[1:]:
    sys.stdin.readline()
    writer.write_record(record)
    print("written", flush=True)
writer.close()
"""


def test_a_reader_in_another_process_sees_each_record_once_written(tmp_path: Path) -> None:
    fixture = FIXTURES / "tanh_normal.npz"
    records = load_stream(fixture)
    proc = subprocess.Popen(
        [sys.executable, "-c", PACED_WRITER, str(tmp_path), str(fixture)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    path = Path(proc.stdout.readline().strip())
    reader = RunLogReader(path)
    assert reader.read_new() == []
    for record in records[1:]:
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "written\n"
        frames = reader.read_new()
        if isinstance(record, StepBlock):
            (steps,) = frames
            assert (steps.epoch, steps.first_step) == (record.epoch, record.first_step)
            assert np.array_equal(steps.loss, record.step_loss.astype(np.float32))
            assert not reader.finished
        elif isinstance(record, EpochEnd):
            (end,) = frames
            assert isinstance(end, EpochEndFrame) and end.epoch == record.epoch
            assert end.loss == record.loss and not reader.finished
        else:
            (summary,) = frames
            assert isinstance(summary, SummaryFrame) and reader.finished
            assert summary.summary["accuracy_after"] == record.accuracy_after
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    proc.stdout.close()
    reader.close()
    assert len(read_run(path)) == len(records)
