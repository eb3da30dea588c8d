"""The bytes of a run log: its prefix, its frames and the encoding of a block of steps.

A log is ``MAGIC``, the format version (u16) and two reserved bytes, then
frames until the end of the file. A frame is ``[kind u8][length u32][crc32
u32][payload]``, little-endian, the CRC-32 taken over kind, length and
payload; the first frame is the header. JSON payloads are UTF-8 as Python's
``json`` writes them (NaN and Infinity allowed). A step block's payload is a
fixed struct (see ``STEPS_HEAD``), a column mask, then the columns that are
not NaN throughout the block as float32, column after column, byte-shuffled
(every value's first byte, then every second byte, ...): the two low bytes
of the mantissa, which are close to random, stored as they are, the two
high bytes (sign, exponent, top of the mantissa) deflated with zlib at
level 1 (codec SHUFFLE_ZLIB_HIGH; RAW where that would not be smaller).
A histogram block's payload (see :func:`encode_histograms`) is a small head,
a JSON description of its arrays, then the arrays, each byte-shuffled, all
deflated at level 1: its counts, integers mostly zero, are stored in the
fewest bytes that hold the block's largest (one or two for a step's batch).
Nothing here imports TensorFlow or Textual.

Versions: a reader skips a frame of a kind it does not know (every reader
has, from the first), so a new kind of frame keeps the format's version: a
log with histogram frames (kind HISTOGRAMS) is still format 1, and an older
vgtui reads it whole but for its histograms. The version goes up only when
a kind a reader knows changes so that an older reader would misread it;
such a reader then refuses the log in one line (NewerFormatError).
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from vgtui.distributions.bins import BinSpec
from vgtui.records import HistogramBlock

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
#: Per-layer histograms of some counted steps (a HistogramBlock); older readers skip it.
HISTOGRAMS = 6

#: The most steps, and values (steps × columns), one step block may hold: a writer splits
#: a larger block, and a reader refuses a block that claims more (64 MB of float32).
MAX_BLOCK_STEPS = 1 << 22
MAX_BLOCK_VALUES = 1 << 24
#: epoch u32, first_step u64, time f64, steps u32, layers u16, stats u8, codec u8.
STEPS_HEAD = struct.Struct("<IQdIHBB")
#: Codecs of a step block's values: raw float32; byte planes all deflated (written by
#: the first builds); byte planes with the low LOW_PLANES stored and the rest deflated.
RAW = 0
SHUFFLE_ZLIB = 1
SHUFFLE_ZLIB_HIGH = 2
ZLIB_LEVEL = 1
#: Byte planes (of a float32's four, little-endian) that SHUFFLE_ZLIB_HIGH stores as they are.
LOW_PLANES = 2
#: Byte planes each shuffled codec stores without compression.
STORED_PLANES = {SHUFFLE_ZLIB: 0, SHUFFLE_ZLIB_HIGH: LOW_PLANES}


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


def read_json(payload: bytes | memoryview) -> dict[str, object]:
    """The dict a JSON frame holds."""
    value = json.loads(bytes(payload))
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
    planes = kept.view(np.uint8).reshape(-1, 4).T
    packed = planes[:LOW_PLANES].tobytes() + zlib.compress(
        planes[LOW_PLANES:].tobytes(), ZLIB_LEVEL
    )
    codec, data = (SHUFFLE_ZLIB_HIGH, packed) if len(packed) < len(raw) else (RAW, raw)
    head = STEPS_HEAD.pack(epoch, first_step, time, n, layers, n_stats, codec)
    return head + mask + data


def decode_steps(payload: bytes | memoryview) -> StepsFrame:
    """Read a step block's payload back; raises ValueError if it does not add up.

    What the block's head claims is checked against its payload before
    anything is allocated: a damaged or crafted head (2**31 steps in a few
    bytes) is refused, never trusted with gigabytes of memory.
    """
    epoch, first_step, time, n, layers, n_stats, codec = STEPS_HEAD.unpack_from(payload)
    n_columns = 2 + layers * n_stats
    mask_end = STEPS_HEAD.size + (n_columns + 7) // 8
    if mask_end > len(payload):
        raise ValueError("step block is shorter than its column mask")
    if n > MAX_BLOCK_STEPS or n * n_columns > MAX_BLOCK_VALUES:
        raise ValueError(f"step block claims {n} steps of {n_columns} columns: too many")
    bits = np.frombuffer(payload, np.uint8, mask_end - STEPS_HEAD.size, STEPS_HEAD.size)
    keep = np.unpackbits(bits, count=n_columns, bitorder="little").view(bool)
    n_kept = int(np.count_nonzero(keep))
    size = n_kept * n
    if codec in STORED_PLANES:
        stored = STORED_PLANES[codec]
        low_end = mask_end + stored * size
        if low_end > len(payload):
            raise ValueError("step block holds the wrong number of values")
        expected = (4 - stored) * size
        inflate = zlib.decompressobj()
        high = inflate.decompress(memoryview(payload)[low_end:], expected + 1)
        if len(high) != expected or inflate.unconsumed_tail or not inflate.eof:
            raise ValueError("step block holds the wrong number of values")
        shuffled = np.empty((4, size), np.uint8)
        low = np.frombuffer(payload, np.uint8, stored * size, mask_end)
        shuffled[:stored] = low.reshape(stored, size)
        shuffled[stored:] = np.frombuffer(high, np.uint8).reshape(4 - stored, size)
        kept = shuffled.T.copy().view(np.float32)
    elif codec == RAW:
        if mask_end + 4 * size != len(payload):
            raise ValueError("step block holds the wrong number of values")
        kept = np.frombuffer(payload, np.float32, size, mask_end)
    else:
        raise ValueError(f"unknown step block codec {codec}")
    columns = np.full((n_columns, n), np.nan, dtype=np.float32)
    columns[keep] = kept.reshape(n_kept, n)
    return StepsFrame(  # views of the one (columns, steps) array
        epoch=epoch,
        first_step=first_step,
        time=time,
        loss=columns[0],
        accuracy=columns[1],
        stats=columns[2:].T.reshape(n, layers, n_stats),
    )


#: codec u8, length of the JSON description u32.
HISTOGRAMS_HEAD = struct.Struct("<BI")
#: Bytes a histogram block's counts may be stored in, each.
COUNT_WIDTHS = (1, 2, 4, 8)
#: The most bytes a histogram block's arrays may take (a reader refuses a block that claims more).
MAX_HISTOGRAM_BYTES = 1 << 28


def _count_width(counts: np.ndarray) -> int:
    """The fewest bytes that hold each of ``counts`` (non-negative integers)."""
    top = int(counts.max()) if counts.size else 0
    for width in COUNT_WIDTHS:
        if top < 1 << (8 * width):
            return width
    raise ValueError(f"a count of {top} does not fit in 8 bytes")


def _shuffled(array: np.ndarray) -> bytes:
    """The array's bytes, little-endian, byte-shuffled: every value's first byte, then second..."""
    array = np.ascontiguousarray(array)
    size = array.dtype.itemsize
    return array.view(np.uint8).reshape(-1, size).T.tobytes()


def _unshuffled(data: bytes | memoryview, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """The array :func:`_shuffled` made of an array of ``dtype`` and ``shape``."""
    size = np.dtype(dtype).itemsize
    planes = np.frombuffer(data, np.uint8).reshape(size, -1)
    return planes.T.copy().view(dtype).reshape(shape)


def _histogram_arrays(
    n: int, hidden: int, quantities: list[dict[str, object]]
) -> list[tuple[np.dtype, tuple[int, ...]]]:
    """Dtype and shape of each array of a histogram block's body, in order."""
    arrays: list[tuple[np.dtype, tuple[int, ...]]] = [(np.dtype("<i8"), (n,))]
    for q in quantities:
        spec = q["spec"]
        rows = int(q["rows"])  # type: ignore[call-overload]
        arrays.append((np.dtype(f"<u{int(q['width'])}"), (n, rows, spec.slots)))  # type: ignore[union-attr, call-overload]
        arrays.append((np.dtype("<f8"), (n, rows, 4)))
    arrays += [(np.dtype("<f8"), (n, hidden))] * 2
    return arrays


def encode_histograms(block: HistogramBlock) -> bytes:
    """The payload of a histogram block: head, JSON description, shuffled arrays deflated."""
    n = len(block)
    mean = np.asarray(block.activation_mean, dtype=np.float64).reshape(n, -1)
    sd = np.asarray(block.activation_sd, dtype=np.float64).reshape(n, -1)
    quantities, parts = [], [_shuffled(np.asarray(block.steps, dtype="<i8"))]
    for name, spec in block.specs.items():
        counts = np.asarray(block.counts[name])
        if counts.ndim != 3 or counts.shape[0] != n or counts.shape[2] != spec.slots:
            raise ValueError(f"histograms: {name} counts of shape {counts.shape}")
        if counts.size and counts.min() < 0:
            raise ValueError(f"histograms: {name} has a negative count")
        width = _count_width(counts)
        quantities.append(
            {"name": name, "spec": spec.to_json(), "rows": counts.shape[1], "width": width}
        )
        parts.append(_shuffled(counts.astype(f"<u{width}")))
        moments = np.asarray(block.moments[name], dtype="<f8").reshape(n, counts.shape[1], 4)
        parts.append(_shuffled(moments))
    parts += [_shuffled(mean.astype("<f8")), _shuffled(sd.astype("<f8"))]
    meta = json_payload(
        {"steps": n, "every": int(block.every), "hidden": mean.shape[1], "quantities": quantities}
    )
    raw = b"".join(parts)
    packed = zlib.compress(raw, ZLIB_LEVEL)
    codec, data = (SHUFFLE_ZLIB, packed) if len(packed) < len(raw) else (RAW, raw)
    return HISTOGRAMS_HEAD.pack(codec, len(meta)) + meta + data


def decode_histograms(payload: bytes | memoryview) -> HistogramBlock:
    """Read a histogram block's payload back; raises ValueError if it does not add up.

    The sizes its description claims are checked before anything is
    allocated, as a step block's are.
    """
    codec, meta_length = HISTOGRAMS_HEAD.unpack_from(payload)
    meta_end = HISTOGRAMS_HEAD.size + meta_length
    if meta_end > len(payload):
        raise ValueError("histogram block is shorter than its description")
    meta = read_json(memoryview(payload)[HISTOGRAMS_HEAD.size : meta_end])
    n, hidden = int(meta["steps"]), int(meta["hidden"])  # type: ignore[call-overload]
    quantities = []
    for q in meta["quantities"]:  # type: ignore[attr-defined]
        width = int(q["width"])
        if width not in COUNT_WIDTHS or int(q["rows"]) < 0:
            raise ValueError(f"histogram block: a quantity stored as {q!r}")
        quantities.append({**q, "spec": BinSpec.from_json(q["spec"])})
    if n < 0 or hidden < 0:
        raise ValueError("histogram block: a negative size")
    arrays = _histogram_arrays(n, hidden, quantities)
    sizes = [dtype.itemsize * math.prod(shape) for dtype, shape in arrays]
    expected = sum(sizes)
    if expected > MAX_HISTOGRAM_BYTES:
        raise ValueError(f"histogram block claims {expected} bytes: too many")
    body = memoryview(payload)[meta_end:]
    if codec == SHUFFLE_ZLIB:
        inflate = zlib.decompressobj()
        data = inflate.decompress(body, expected + 1)
        if len(data) != expected or inflate.unconsumed_tail or not inflate.eof:
            raise ValueError("histogram block holds the wrong number of values")
    elif codec == RAW:
        if len(body) != expected:
            raise ValueError("histogram block holds the wrong number of values")
        data = bytes(body)
    else:
        raise ValueError(f"unknown histogram block codec {codec}")
    values, at = [], 0
    for (dtype, shape), size in zip(arrays, sizes):
        values.append(_unshuffled(memoryview(data)[at : at + size], dtype, shape))
        at += size
    steps, rest = values[0], values[1:]
    counts = {q["name"]: rest[2 * i].astype(np.int64) for i, q in enumerate(quantities)}
    moments = {q["name"]: rest[2 * i + 1] for i, q in enumerate(quantities)}
    return HistogramBlock(
        steps=steps.astype(np.int64),
        every=int(meta["every"]),  # type: ignore[call-overload]
        specs={q["name"]: q["spec"] for q in quantities},
        counts=counts,
        moments=moments,
        activation_mean=rest[-2],
        activation_sd=rest[-1],
    )
