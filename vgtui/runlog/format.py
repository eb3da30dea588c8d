"""The bytes of a run log: its prefix, its frames and the encoding of a block of steps.

A log is ``MAGIC``, the format version (u16) and two reserved bytes, then
frames until the end of the file. A frame is ``[kind u8][length u32][crc32
u32][payload]``, little-endian, the CRC-32 taken over kind, length and
payload; the first frame is the header. JSON payloads are UTF-8 as Python's
``json`` writes them (NaN and Infinity allowed). A step block's payload is a
fixed struct (see ``STEPS_HEAD``), a column mask, then the columns that are
not NaN throughout the block as float32, column after column, byte-shuffled
(every value's first byte, then every second byte, ...) and deflated with
zlib at level 1. Nothing here imports TensorFlow or Textual.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

import numpy as np

#: The first bytes of every log (as PNG's: a high byte, CR LF, ^Z, LF catch mangled copies).
MAGIC = b"\x89VGL\r\n\x1a\n"
#: The format this vgtui writes, and the newest it reads.
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sHH")
FRAME_HEAD = struct.Struct("<BII")
#: A frame larger than this is taken as damage, not read.
MAX_FRAME = 1 << 30

HEADER = 1
STEPS = 2
EPOCH_END = 3
SUMMARY = 4
EVENT = 5

#: epoch u32, first_step u64, time f64, steps u32, layers u16, stats u8, codec u8.
STEPS_HEAD = struct.Struct("<IQdIHBB")
RAW = 0
SHUFFLE_ZLIB = 1
ZLIB_LEVEL = 1


def prefix(version: int = FORMAT_VERSION) -> bytes:
    """The bytes a log starts with."""
    return PREFIX.pack(MAGIC, version, 0)


def frame(kind: int, payload: bytes) -> bytes:
    """One frame: kind, length, CRC-32 and payload, ready for a single write."""
    return FRAME_HEAD.pack(kind, len(payload), frame_crc(kind, payload)) + payload


def frame_crc(kind: int, payload: bytes) -> int:
    """The CRC-32 a frame of ``kind`` and ``payload`` carries."""
    return zlib.crc32(payload, zlib.crc32(struct.pack("<BI", kind, len(payload))))


def json_payload(data: object) -> bytes:
    """A JSON frame's payload."""
    return json.dumps(data, separators=(",", ":")).encode()


def read_json(payload: bytes) -> dict[str, object]:
    """The dict a JSON frame holds."""
    value = json.loads(payload.decode())
    if not isinstance(value, dict):
        raise ValueError("a JSON frame must hold an object")
    return value


@dataclass(frozen=True)
class StepsFrame:
    """A block of consecutive steps of one epoch, as float32 arrays.

    Attributes:
        epoch: 1-based epoch the steps belong to.
        first_step: 1-based global number of the first step.
        time: Unix time at which the block was written.
        loss: batch loss at each step, (steps,).
        accuracy: batch accuracy at each step, (steps,).
        stats: per-layer statistics at each step, (steps, layers, stats).

    """

    epoch: int
    first_step: int
    time: float
    loss: np.ndarray
    accuracy: np.ndarray
    stats: np.ndarray

    @property
    def steps(self) -> int:
        """Number of steps in the block."""
        return len(self.loss)


def encode_steps(
    epoch: int,
    first_step: int,
    time: float,
    loss: np.ndarray,
    accuracy: np.ndarray,
    stats: np.ndarray,
) -> bytes:
    """The payload of a step block; every value is stored as its float32."""
    stats = np.asarray(stats, dtype=np.float32)
    n, layers, n_stats = stats.shape
    loss = np.asarray(loss, dtype=np.float32).reshape(n)
    accuracy = np.asarray(accuracy, dtype=np.float32).reshape(n)
    columns = np.empty((2 + layers * n_stats, n), dtype=np.float32)
    columns[0] = loss
    columns[1] = accuracy
    columns[2:] = stats.reshape(n, layers * n_stats).T
    keep = ~np.isnan(columns).all(axis=1) if n else np.ones(len(columns), dtype=bool)
    mask = np.packbits(keep, bitorder="little").tobytes()
    kept = columns[keep]
    raw = kept.tobytes()
    shuffled = kept.view(np.uint8).reshape(-1, 4).T.tobytes()
    packed = zlib.compress(shuffled, ZLIB_LEVEL)
    codec, data = (SHUFFLE_ZLIB, packed) if len(packed) < len(raw) else (RAW, raw)
    head = STEPS_HEAD.pack(epoch, first_step, time, n, layers, n_stats, codec)
    return head + mask + data


def decode_steps(payload: bytes) -> StepsFrame:
    """Read a step block's payload back; raises ValueError if it does not add up."""
    epoch, first_step, time, n, layers, n_stats, codec = STEPS_HEAD.unpack_from(payload)
    n_columns = 2 + layers * n_stats
    mask_end = STEPS_HEAD.size + (n_columns + 7) // 8
    bits = np.frombuffer(payload[STEPS_HEAD.size : mask_end], dtype=np.uint8)
    keep = np.unpackbits(bits, count=n_columns, bitorder="little").astype(bool)
    data = payload[mask_end:]
    n_kept = int(keep.sum())
    if codec == SHUFFLE_ZLIB:
        planes = np.frombuffer(zlib.decompress(data), dtype=np.uint8)
        if planes.size != 4 * n_kept * n:
            raise ValueError("step block holds the wrong number of values")
        data = planes.reshape(4, -1).T.tobytes()
    elif codec != RAW:
        raise ValueError(f"unknown step block codec {codec}")
    kept = np.frombuffer(data, dtype=np.float32)
    if kept.size != n_kept * n:
        raise ValueError("step block holds the wrong number of values")
    columns = np.full((n_columns, n), np.nan, dtype=np.float32)
    columns[keep] = kept.reshape(n_kept, n)
    return StepsFrame(
        epoch=epoch,
        first_step=first_step,
        time=time,
        loss=columns[0].copy(),
        accuracy=columns[1].copy(),
        stats=np.ascontiguousarray(columns[2:].T).reshape(n, layers, n_stats),
    )
