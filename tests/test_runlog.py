"""The run log: round trips, append-only writing, torn tails, following, and bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.config import RunConfig
from vgtui.output_path import OutputPathError
from vgtui.records import STAT_NAMES, RunStart, RunSummary, StepBlock
from vgtui.runlog import (
    FORMAT_VERSION,
    EpochEndFrame,
    IncompleteLogError,
    NewerFormatError,
    NotARunLogError,
    RunLogError,
    RunLogReader,
    RunLogWriter,
    StepsFrame,
    SummaryFrame,
    frame_record,
    header_from_start,
    is_run_log,
    list_logs,
    read_run,
)
from vgtui.runlog.format import FRAME_HEAD, PREFIX
from vgtui.sources.replay import load_stream

FIXTURES = Path(__file__).parent / "fixtures"
STREAMS = sorted(p.name for p in FIXTURES.glob("*.npz"))


def _write(logdir: Path, records: list) -> Path:
    start = next(r for r in records if isinstance(r, RunStart))
    with RunLogWriter.create(logdir, header_from_start(start)) as writer:
        for record in records:
            writer.write_record(record)
    return writer.path


def assert_same_records(expected: list, got: list) -> None:
    """Records equal field by field; arrays equal exactly (NaN where NaN); no boundary read."""
    assert [type(r) for r in got] == [type(r) for r in expected]
    for want, have in zip(expected, got):
        for f in dataclasses.fields(want):
            a, b = getattr(want, f.name), getattr(have, f.name)
            if f.name == "boundary":  # a log holds the statistics, not the decision boundary
                assert b is None
                continue
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, f.name
                assert np.array_equal(a, b, equal_nan=True), f.name
            elif isinstance(a, float) and np.isnan(a):
                assert np.isnan(b), f.name
            elif f.name == "started" and a == 0.0:
                assert b > 0.0  # unknown at the start: the log was stamped when made
            else:
                assert a == b, f.name


@pytest.mark.parametrize("name", STREAMS)
def test_recorded_runs_read_back_exactly(tmp_path: Path, name: str) -> None:
    records = load_stream(FIXTURES / name)
    path = _write(tmp_path, records)
    assert_same_records(records, read_run(path))


def test_bytes_a_step_for_the_tutorial_network(tmp_path: Path) -> None:
    for name in ("sigmoid_normal.npz", "tanh_normal.npz", "relu_normal.npz"):
        records = load_stream(FIXTURES / name)
        path = _write(tmp_path / name, records)
        steps = sum(r.steps for r in records if isinstance(r, StepBlock))
        per_step = path.stat().st_size / steps
        print(f"{name}: {per_step:.1f} bytes a step over {steps} steps")
        # 5 layers x 7 stats + loss + accuracy as raw float32 would be 148.
        assert per_step <= 125


def test_header_holds_what_a_viewer_needs(tmp_path: Path) -> None:
    start = load_stream(FIXTURES / "sigmoid_normal.npz")[0]
    before = time.time()
    with RunLogWriter.create(tmp_path, header_from_start(start)) as writer:
        pass
    header = RunLogReader(writer.path).header
    assert header["format"] == FORMAT_VERSION
    assert RunConfig(**header["config"]) == start.config
    assert header["device"] == start.device
    assert header["layer_names"] == list(start.layer_names)
    assert header["stat_names"] == list(STAT_NAMES)
    assert header["accuracy_before"] == start.accuracy_before
    assert header["loss_before"] == start.loss_before
    assert before <= header["started"] <= time.time()
    assert header["info"] == {}


def _frames_of(path: Path) -> list:
    with RunLogReader(path) as reader:
        return reader.read_new()


def test_writing_only_appends(tmp_path: Path) -> None:
    records = load_stream(FIXTURES / "relu_diverged.npz")
    with RunLogWriter.create(tmp_path, header_from_start(records[0])) as writer:
        seen = writer.path.read_bytes()
        for record in records:
            writer.write_record(record)
            now = writer.path.read_bytes()
            assert now.startswith(seen)
            seen = now
    assert writer.path.read_bytes() == seen


def test_a_new_log_never_replaces_a_file(tmp_path: Path) -> None:
    header = {"layer_names": ["a"], "started": 1_800_000_000.0, "config": None}
    first = RunLogWriter.create(tmp_path, header)
    first.close()
    taken = first.path.read_bytes()
    second = RunLogWriter.create(tmp_path, header)
    second.close()
    assert first.path.name == "20270115-080000.000Z-model.vglog"
    assert second.path.name == "20270115-080000.000Z-model-2.vglog"
    assert first.path.read_bytes() == taken


def test_names_sort_by_start_and_say_what_ran(tmp_path: Path) -> None:
    config = RunConfig(activation="tanh", init="glorot_uniform").to_dict()
    built_in = {"layer_names": ["a"], "started": 1_800_000_000.0, "config": config}
    # Started later in the same second, under a name that sorts first ("relu" < "tanh").
    later = {
        **built_in,
        "started": 1_800_000_000.7,
        "config": RunConfig(activation="relu").to_dict(),
    }
    keras = {
        "layer_names": ["a"],
        "started": 1_800_000_001.0,
        "config": None,
        "info": {"title": "Sequential: 3 Dense (relu), Adam lr=0.001, batch 64, 20 epochs, seed 7"},
    }
    names = []
    for header in (built_in, later, keras):
        with RunLogWriter.create(tmp_path, header) as writer:
            names.append(writer.path.name)
    assert names == [
        "20270115-080000.000Z-tanh-glorot_uniform.vglog",
        "20270115-080000.700Z-relu-normal.vglog",
        # a title cut at 48 characters
        "20270115-080001.000Z-sequential-3-dense-relu-adam-lr-0-001-batch-64-2.vglog",
    ]
    assert sorted(names) == names


def test_logdir_is_made_and_files_take_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with RunLogWriter.create(tmp_path / "a" / "b", {"layer_names": ["x"]}) as writer:
            pass
    finally:
        os.umask(old)
    assert writer.path.parent == tmp_path / "a" / "b"
    assert writer.path.stat().st_mode & 0o777 == 0o640


def test_a_logdir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    with pytest.raises(OutputPathError) as err:
        RunLogWriter.create(target, {"layer_names": ["x"]})
    assert isinstance(err.value, ValueError)
    assert "\n" not in str(err.value) and "not a directory" in str(err.value)
    assert target.read_text() == "keep me"


def test_a_header_without_layer_names_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layer_names"):
        RunLogWriter.create(tmp_path, {"device": "cpu"})
    assert list(tmp_path.iterdir()) == []


def test_a_reader_follows_what_the_writer_appends(tmp_path: Path) -> None:
    stream = load_stream(FIXTURES / "sigmoid_normal.npz")
    records, summary = [stream[0], *whole_epochs(stream)[:11]], stream[-1]
    with RunLogWriter.create(tmp_path, header_from_start(records[0])) as writer:
        reader = RunLogReader(writer.path)
        assert reader.read_new() == []
        for record in records[1:]:
            for part in record.records():
                writer.write_record(part)
            steps, end = reader.read_new()
            assert isinstance(steps, StepsFrame) and isinstance(end, EpochEndFrame)
            assert steps.epoch == end.epoch == record.epoch
            assert steps.first_step == record.first_step
            assert np.array_equal(steps.stats, record.step_stats.astype(np.float32), equal_nan=True)
            assert end.loss == record.loss and end.accuracy == record.accuracy
            assert reader.read_new() == []
        assert not reader.finished
        writer.write_record(summary)
        (last,) = reader.read_new()
        assert isinstance(last, SummaryFrame) and reader.finished
        assert last.summary["accuracy_after"] == summary.accuracy_after


def test_an_incomplete_frame_is_read_once_it_is_whole(tmp_path: Path) -> None:
    records = load_stream(FIXTURES / "tanh_normal.npz")[:5]  # start and two epochs
    written = _write(tmp_path / "whole", records)
    whole = written.read_bytes()
    growing = tmp_path / "growing.vglog"
    with RunLogReader(written) as just_opened:
        header_end = just_opened.offset
    growing.write_bytes(whole[:header_end])
    reader = RunLogReader(growing)
    got = []
    for cut in range(header_end + 1, len(whole) + 1, 7):
        with open(growing, "ab") as f:
            f.write(whole[growing.stat().st_size : cut])
        got += reader.read_new()
    with open(growing, "ab") as f:
        f.write(whole[growing.stat().st_size :])
    got += reader.read_new()
    assert [type(f) for f in got] == [StepsFrame, EpochEndFrame, StepsFrame, EpochEndFrame]
    assert_same_records(records, read_run(growing))


def _frame_ends(data: bytes) -> list[int]:
    """Where each frame ends, parsed independently of the reader."""
    ends, at = [], PREFIX.size
    while at + FRAME_HEAD.size <= len(data):
        _, length, _ = FRAME_HEAD.unpack_from(data, at)
        at += FRAME_HEAD.size + length
        if at > len(data):
            break
        ends.append(at)
    return ends


def test_a_torn_tail_is_ignored_never_misread(tmp_path: Path) -> None:
    records = load_stream(FIXTURES / "relu_diverged.npz")
    data = _write(tmp_path, records).read_bytes()
    ends = _frame_ends(data)
    assert ends[-1] == len(data)
    full = _frames_of(tmp_path / next(p.name for p in tmp_path.iterdir()))
    rng = np.random.default_rng(0)
    cuts = set(range(ends[-3], len(data))) | set(rng.integers(ends[0], len(data), 300).tolist())
    torn = tmp_path / "torn.vglog"
    for cut in sorted(cuts):
        torn.write_bytes(data[:cut])
        with RunLogReader(torn) as reader:
            frames = reader.read_new()
            complete = sum(1 for end in ends[1:] if end <= cut)
            assert reader.offset == ends[complete]
        assert len(frames) == complete
        _assert_frames_equal(frames, full[:complete])


def _assert_frames_equal(got: list, want: list) -> None:
    for a, b in zip(got, want, strict=True):
        assert type(a) is type(b)
        if isinstance(a, StepsFrame):
            assert (a.epoch, a.first_step) == (b.epoch, b.first_step)
            for x, y in ((a.loss, b.loss), (a.accuracy, b.accuracy), (a.stats, b.stats)):
                assert np.array_equal(x, y, equal_nan=True)
        elif isinstance(a, SummaryFrame):
            assert json.dumps(a.summary) == json.dumps(b.summary)
        else:
            assert a == b or (np.isnan(a.loss) and np.isnan(b.loss))


def test_a_damaged_frame_stops_the_reading_there(tmp_path: Path) -> None:
    records = load_stream(FIXTURES / "tanh_normal.npz")[:11]  # start and five epochs
    path = _write(tmp_path, records)
    data = bytearray(path.read_bytes())
    ends = _frame_ends(bytes(data))
    data[ends[3] + 20] ^= 0xFF  # inside the payload of the fifth frame
    path.write_bytes(bytes(data))
    with RunLogReader(path) as reader:
        frames = reader.read_new()
        assert len(frames) == 3
        assert reader.damaged_at == ends[3]
        assert reader.read_new() == []


def test_reading_in_chunks_gives_the_same_frames(tmp_path: Path) -> None:
    path = _write(tmp_path, load_stream(FIXTURES / "sigmoid_normal.npz"))
    whole = _frames_of(path)
    with RunLogReader(path) as reader:
        chunked = list(reader.frames(chunk_bytes=1000))
    _assert_frames_equal(chunked, whole)


def test_a_run_cut_mid_epoch_reads_as_its_complete_epochs(tmp_path: Path) -> None:
    records = load_stream(FIXTURES / "sigmoid_normal.npz")
    start, first, first_end, second = records[:4]
    with RunLogWriter.create(tmp_path, header_from_start(start)) as writer:
        writer.write_record(first)
        writer.write_record(first_end)
        writer.steps(
            2, second.first_step, second.step_loss, second.step_accuracy, second.step_stats
        )
    got = read_run(writer.path)
    assert_same_records([start, first, first_end], got)
    with RunLogReader(writer.path) as reader:
        assert not reader.finished
        assert isinstance(reader.read_new()[-1], StepsFrame)


def test_a_newer_format_is_refused_in_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, load_stream(FIXTURES / "tanh_normal.npz")[:3])
    data = bytearray(path.read_bytes())
    struct.pack_into("<H", data, 8, FORMAT_VERSION + 1)
    path.write_bytes(bytes(data))
    with pytest.raises(NewerFormatError) as err:
        RunLogReader(path)
    assert str(err.value) == (
        f"{path} was written by a newer vgtui (format {FORMAT_VERSION + 1}); "
        f"this one reads up to {FORMAT_VERSION}"
    )


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"epoch,loss\n1,0.5\n", NotARunLogError),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), NotARunLogError),
        (b"", IncompleteLogError),
        (b"\x89VGL\r\n", IncompleteLogError),
    ],
)
def test_what_is_not_a_log_is_refused_in_one_line(tmp_path: Path, content, error) -> None:
    path = tmp_path / "file.vglog"
    path.write_bytes(content)
    with pytest.raises(error) as err:
        RunLogReader(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert not is_run_log(path) or content.startswith(b"\x89VGL\r\n\x1a\n")


def test_a_missing_path_or_a_directory_is_refused(tmp_path: Path) -> None:
    for path, words in ((tmp_path / "nope.vglog", "no such file"), (tmp_path, "directory")):
        with pytest.raises(RunLogError, match=words):
            RunLogReader(path)


def test_list_logs_finds_logs_oldest_first(tmp_path: Path) -> None:
    made = []
    for started, act in ((30.0, "relu"), (10.0, "tanh"), (20.0, "sigmoid")):
        header = {"layer_names": ["a"], "started": 1.7e9 + started}
        header["config"] = RunConfig(activation=act).to_dict()
        with RunLogWriter.create(tmp_path, header) as writer:
            made.append((started, writer.path))
    (tmp_path / "notes.txt").write_text("not a log")
    (tmp_path / "sub").mkdir()
    assert list_logs(tmp_path) == [p for _, p in sorted(made)]
    assert all(is_run_log(p) for _, p in made)
    assert not is_run_log(tmp_path / "notes.txt") and not is_run_log(tmp_path / "sub")


def test_a_keras_run_without_config_reads_back(tmp_path: Path) -> None:
    header = {
        "config": None,
        "device": "CPU",
        "layer_names": ["dense", "dense_1"],
        "info": {"source": "keras", "title": "Sequential"},
        "accuracy_before": float("nan"),
        "loss_before": 0.7,
    }
    rng = np.random.default_rng(1)
    stats = rng.normal(size=(10, 2, 7)).astype(np.float32)
    stats[:, :, 5:] = np.nan
    with RunLogWriter.create(tmp_path, header) as writer:
        writer.steps(1, 1, rng.random(10), rng.random(10), stats)
        writer.epoch_end(1, 0.5, 0.75)
        writer.summary(
            dataclasses.asdict(
                RunSummary(float("nan"), 0.75, 0.5, 1.0, epochs=1, steps=10, verdict="healthy")
            )
        )
    start, epoch, _, summary = read_run(writer.path)
    assert start.config is None and start.layer_names == ("dense", "dense_1")
    assert np.isnan(start.accuracy_before) and start.loss_before == 0.7
    assert np.array_equal(epoch.step_stats, stats.astype(np.float64), equal_nan=True)
    assert summary.verdict == "healthy" and summary.steps == 10


READ_WITHOUT_TF = """
import json, sys
from vgtui.runlog import RunLogReader, list_logs, read_run
records = read_run(sys.argv[1])
names = ("tensorflow", "keras", "textual")
print(json.dumps({"records": len(records), **{n: n in sys.modules for n in names}}))
"""


def test_reading_imports_neither_tensorflow_nor_textual(tmp_path: Path) -> None:
    path = _write(tmp_path, load_stream(FIXTURES / "tanh_normal.npz"))
    out = subprocess.run(
        [sys.executable, "-c", READ_WITHOUT_TF, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {"records": 202, "tensorflow": False, "keras": False, "textual": False}


def test_step_blocks_and_epoch_ends_are_written_as_they_come(tmp_path: Path) -> None:
    from vgtui import records as rec

    if not hasattr(rec, "StepBlock"):
        pytest.skip("vgtui.records has no StepBlock on this branch yet")
    start, first, end = load_stream(FIXTURES / "sigmoid_normal.npz")[:3]
    parts = [slice(0, 10), slice(10, 32)]
    with RunLogWriter.create(tmp_path, header_from_start(start)) as writer:
        for part in parts:
            writer.write_record(
                rec.StepBlock(
                    epoch=1,
                    first_step=first.first_step + part.start,
                    step_loss=first.step_loss[part],
                    step_accuracy=first.step_accuracy[part],
                    step_stats=first.step_stats[part],
                )
            )
        writer.write_record(rec.EpochEnd(epoch=1, loss=end.loss, accuracy=end.accuracy))
    frames = _frames_of(writer.path)
    assert [type(f) for f in frames] == [StepsFrame, StepsFrame, EpochEndFrame]
    assert [f.first_step for f in frames[:2]] == [1, 11]
    assert_same_records([start, first, end], read_run(writer.path))
    blocks = [frame_record(f) for f in frames]
    assert [type(b) for b in blocks] == [rec.StepBlock, rec.StepBlock, rec.EpochEnd]
    assert np.array_equal(
        np.concatenate([b.step_stats for b in blocks[:2]]), first.step_stats, equal_nan=True
    )
    assert blocks[2] == rec.EpochEnd(epoch=1, loss=end.loss, accuracy=end.accuracy)


def test_a_start_time_and_info_read_back(tmp_path: Path) -> None:
    if "info" not in {f.name for f in dataclasses.fields(RunStart)}:
        pytest.skip("RunStart has no start time or info on this branch yet")
    start = RunStart(
        config=None,
        device="GPU:0",
        layer_names=("conv", "dense"),
        accuracy_before=0.1,
        loss_before=2.3,
        started=1_800_000_000.5,
        info={"source": "keras", "title": "CNN", "batch_size": 64},
    )
    with RunLogWriter.create(tmp_path, header_from_start(start)) as writer:
        pass
    assert writer.path.name == "20270115-080000.500Z-cnn.vglog"
    assert read_run(writer.path) == [start]


def test_blocks_deflated_whole_by_the_first_builds_still_read(tmp_path: Path) -> None:
    from vgtui.runlog.format import SHUFFLE_ZLIB, STEPS_HEAD, decode_steps, encode_steps

    first = load_stream(FIXTURES / "relu_normal.npz")[1]
    args = (first.epoch, first.first_step, 0.0, first.step_loss, first.step_accuracy)
    current = encode_steps(*args, first.step_stats)
    # The same block as the first builds wrote it: every byte plane deflated.
    n, layers, n_stats = first.step_stats.shape
    head = STEPS_HEAD.pack(first.epoch, first.first_step, 0.0, n, layers, n_stats, SHUFFLE_ZLIB)
    columns = np.concatenate(
        [first.step_loss[:, None], first.step_accuracy[:, None], first.step_stats.reshape(n, -1)],
        axis=1,
    ).T.astype(np.float32)
    keep = ~np.isnan(columns).all(axis=1)
    mask = np.packbits(keep, bitorder="little").tobytes()
    planes = columns[keep].view(np.uint8).reshape(-1, 4).T.tobytes()
    old = head + mask + zlib.compress(planes, 1)
    a, b = decode_steps(current), decode_steps(old)
    for x, y in ((a.loss, b.loss), (a.accuracy, b.accuracy), (a.stats, b.stats)):
        assert np.array_equal(x, y, equal_nan=True)
    assert np.array_equal(b.stats, first.step_stats.astype(np.float32), equal_nan=True)


def test_validation_at_an_epochs_end_reads_back_and_older_ends_read_without_it(
    tmp_path: Path,
) -> None:
    from vgtui.history import History
    from vgtui.records import EpochEnd

    start = RunStart(None, "CPU", ("a", "b"), float("nan"), float("nan"), 1_800_000_000.0)
    stats = np.full((4, 2, len(STAT_NAMES)), 0.5)
    records = [
        start,
        StepBlock(1, 1, np.ones(4), np.ones(4), stats),
        EpochEnd(1, 0.9, 0.4, val_loss=1.25, val_accuracy=0.375),
        StepBlock(2, 5, np.ones(4), np.ones(4), stats),
        EpochEnd(2, 0.8, 0.5),  # as vgtui wrote every epoch before it recorded validation
    ]
    path = _write(tmp_path, records)
    assert FORMAT_VERSION == 1, "a compatible extension: readers of format 1 read these logs"
    ends = [f for f in _frames_of(path) if isinstance(f, EpochEndFrame)]
    assert (ends[0].val_loss, ends[0].val_accuracy) == (1.25, 0.375)
    assert np.isnan(ends[1].val_loss) and np.isnan(ends[1].val_accuracy)
    # The older epoch end's bytes are exactly what an older vgtui wrote: no new keys.
    raw = path.read_bytes()
    assert raw.count(b'"val_loss"') == 1 and raw.count(b'"val_accuracy"') == 1
    back = read_run(path)
    assert_same_records(records, back)
    history = History()
    for record in back:
        history.record(record)
    view = history.view()
    assert view.validated
    assert view.epoch_val_loss[0] == 1.25 and np.isnan(view.epoch_val_loss[1])
    assert view.until_epoch(1).latest.val_accuracy == 0.375
    thin = view.thinned(1)  # two epochs averaged: the one without validation has none
    assert len(thin.epoch_x) == 1 and np.isnan(thin.epoch_val_loss[0])
