"""Histograms in the run log: a kind of frame, read back exactly; older readers skip it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.epochs import Epoch
from tests.histograms import block_of, normal_values
from vgtui.config import RunConfig
from vgtui.records import EpochEnd, HistogramBlock, RunStart, RunSummary, StepBlock
from vgtui.runlog import RunLogReader, RunLogWriter, header_from_start, read_run
from vgtui.runlog import reader as reader_module
from vgtui.runlog.format import HISTOGRAMS, decode_histograms, encode_histograms
from vgtui.sources.follower import LogFollower

#: The records of a log without histograms.
PLAIN = [RunStart, StepBlock, EpochEnd, StepBlock, EpochEnd, RunSummary]
CONFIG = RunConfig(depth=3, width=8, samples=64, batch_size=16, epochs=2)  # 4 steps an epoch
LAYERS = len(CONFIG.layer_names)


def _epoch(number: int) -> Epoch:
    steps = CONFIG.steps_per_epoch
    rng = np.random.default_rng(number)
    return Epoch(
        epoch=number,
        first_step=(number - 1) * steps + 1,
        step_loss=rng.uniform(size=steps),
        step_accuracy=rng.uniform(size=steps),
        step_stats=rng.uniform(size=(steps, LAYERS, 8)),
        loss=0.5,
        accuracy=0.75,
    )


def _records(histograms: bool) -> list:
    start = RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7, info={"histogram_every": 3})
    records: list = [start]
    for number in (1, 2):
        records += _epoch(number).records()
        if histograms:
            first = 1 if number == 1 else 7
            records.append(block_of([first, first + 3][: 2 if number == 1 else 1], _values()))
    records.append(RunSummary(0.5, 0.75, 0.5, 0.1, 2, 8))
    return records


def _values():
    return normal_values(LAYERS, size=128)


def _write(logdir: Path, records: list) -> Path:
    with RunLogWriter.create(logdir, header_from_start(records[0])) as writer:
        for record in records:
            writer.write_record(record)
    return writer.path


def assert_same_block(want: HistogramBlock, got: HistogramBlock) -> None:
    np.testing.assert_array_equal(got.steps, want.steps)
    assert got.every == want.every and dict(got.specs) == dict(want.specs)
    for q in want.counts:
        np.testing.assert_array_equal(got.counts[q], want.counts[q])  # counts equal
        assert got.counts[q].dtype == np.int64
        np.testing.assert_array_equal(got.moments[q], want.moments[q])
    np.testing.assert_array_equal(got.activation_mean, want.activation_mean)
    np.testing.assert_array_equal(got.activation_sd, want.activation_sd)


def test_histograms_read_back_exactly_after_their_epochs(tmp_path: Path) -> None:
    records = _records(histograms=True)
    got = read_run(_write(tmp_path, records))
    assert [type(r) for r in got] == [type(r) for r in records]
    for want, have in zip(records, got):
        if isinstance(want, HistogramBlock):
            assert_same_block(want, have)


def test_a_block_is_compact(tmp_path: Path) -> None:
    block = block_of([1], _values())
    raw = sum(c.size for c in block.counts.values())  # slots of the step
    # Counts mostly zero: the whole block, float64 moments included, under a byte a slot.
    assert len(encode_histograms(block)) < raw
    assert_same_block(block, decode_histograms(encode_histograms(block)))


def test_a_log_without_histograms_reads_as_before(tmp_path: Path) -> None:
    records = _records(histograms=False)
    got = read_run(_write(tmp_path, records))
    assert [type(r) for r in got] == PLAIN


def test_a_killed_writers_torn_histogram_frame_is_ignored(tmp_path: Path) -> None:
    records = _records(histograms=True)[:-1]  # no summary: the writer was killed
    path = _write(tmp_path, records)
    data = path.read_bytes()
    with RunLogReader(path) as reader:
        list(reader.frames())
        before_last = reader.offset
    tail = len(encode_histograms(records[-1])) + 9  # the last frame: the second epoch's block
    assert before_last == len(data)
    for cut in (1, 9, tail // 2, tail - 1):  # torn inside the last frame
        path.write_bytes(data[: len(data) - cut])
        got = read_run(path)
        kinds = [RunStart, StepBlock, EpochEnd, HistogramBlock, StepBlock, EpochEnd]
        assert [type(r) for r in got] == kinds
        with RunLogReader(path) as reader:
            list(reader.frames())
            assert reader.damaged_at is None or reader.damaged_at == len(data) - tail


def test_a_block_written_mid_epoch_follows_the_epochs_end(tmp_path: Path) -> None:
    start = RunStart(CONFIG, "CPU", CONFIG.layer_names, 0.5, 0.7)
    epoch = _epoch(1)
    half = StepBlock(1, 1, epoch.step_loss[:2], epoch.step_accuracy[:2], epoch.step_stats[:2])
    rest = StepBlock(1, 3, epoch.step_loss[2:], epoch.step_accuracy[2:], epoch.step_stats[2:])
    block = block_of([1], _values())
    records = [start, half, block, rest, epoch.end()]
    got = read_run(_write(tmp_path, records))
    assert [type(r) for r in got] == [RunStart, StepBlock, EpochEnd, HistogramBlock]
    # A block of an epoch that never ended is never handed on, as its steps are not.
    got = read_run(_write(tmp_path / "cut", records[:3]))
    assert [type(r) for r in got] == [RunStart]


def test_a_follower_emits_them_as_they_come(tmp_path: Path) -> None:
    records = _records(histograms=True)
    with RunLogWriter.create(tmp_path, header_from_start(records[0])) as writer:
        follower = LogFollower(writer.path)
        seen: list = []
        for record in records[1:4]:  # epoch 1 and its block
            writer.write_record(record)
        follower.read_all(seen.append)
        assert [type(r) for r in seen] == [StepBlock, EpochEnd, HistogramBlock]
        assert_same_block(records[3], seen[-1])
        follower.close()


def test_an_older_reader_skips_them_and_reads_the_rest(tmp_path: Path, monkeypatch) -> None:
    """A vgtui from before histograms knows no kind HISTOGRAMS: its _decode returns None."""
    path = _write(tmp_path, _records(histograms=True))
    decode = reader_module._decode

    def older(kind, payload):
        return None if kind == HISTOGRAMS else decode(kind, payload)

    monkeypatch.setattr(reader_module, "_decode", older)
    got = read_run(path)
    assert [type(r) for r in got] == PLAIN
