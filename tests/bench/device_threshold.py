"""Measure the figures behind ``--device auto``'s threshold on this machine's CPU.

A GPU speeds up a step's arithmetic, not the fixed cost of each of its
operations; there every operation is a kernel launch. So a network belongs on
the GPU when the arithmetic its step would spend on the CPU exceeds what the
GPU's launches cost beyond the CPU's own per-operation cost:

    multiply_adds / cpu_rate  >  ops_per_step * GPU_LAUNCH_US - cpu_overhead

This script measures ``cpu_rate`` (multiply-adds a second in a step),
``cpu_overhead`` (the step time of a tiny network) and ``ops_per_step`` (the
operations of the compiled step), and prints the multiply-adds a step at which
both sides are equal. ``GPU_LAUNCH_US`` cannot be measured without a GPU; it is
the usual cost of launching a small CUDA kernel from TensorFlow's executor.

    python tests/bench/device_threshold.py
"""

from __future__ import annotations

import threading
import time

import tensorflow as tf

import vgtui.engine  # noqa: F401  (quiet TensorFlow start-up)
from vgtui.config import RunConfig
from vgtui.engine.device import auto_gpu_threshold, step_multiply_adds
from vgtui.engine.trainer import Trainer

#: Microseconds to launch one small kernel on a GPU (an assumption: no GPU here).
GPU_LAUNCH_US = 7.0
WIDTHS = (4, 16, 64, 128, 256)
DEPTHS = (2, 8)


def ms_per_step(config: RunConfig) -> float:
    """Best time per step of three runs of ``config``, compiled beforehand."""
    Trainer(config).run(lambda _: None, threading.Event())  # compile, warm up
    best = float("inf")
    for _ in range(3):
        begin = time.perf_counter()
        Trainer(config).run(lambda _: None, threading.Event())
        best = min(best, time.perf_counter() - begin)
    return 1000 * best / config.total_steps


def ops_per_step(config: RunConfig) -> int:
    """Operations in the body of the compiled step loop (the largest loop body)."""
    trainer = Trainer(config)
    try:
        fn = trainer.network._chunk_fn
        args = [tf.constant(1), tf.constant(1), tf.constant(0), tf.constant(1), tf.constant(False)]
        library = fn.get_concrete_function(*args).graph.as_graph_def().library.function
        return max(len(f.node_def) for f in library if "while_body" in f.signature.name)
    finally:
        trainer.close()


def main() -> None:
    """Print the step times and the threshold each depth gives."""
    for depth in DEPTHS:
        rows = []
        for width in WIDTHS:
            config = RunConfig(depth=depth, width=width, samples=512, epochs=4, device="cpu")
            rows.append((step_multiply_adds(config), ms_per_step(config)))
            print(
                f"depth {depth:2d} width {width:4d}: {rows[-1][0]:>12,d} MACs {rows[-1][1]:7.3f} ms"
            )
        (macs0, ms0), (macs1, ms1) = rows[0], rows[-1]
        rate = (macs1 - macs0) / (ms1 - ms0) * 1000  # multiply-adds a second
        ops = ops_per_step(RunConfig(depth=depth, width=4, samples=512, device="cpu"))
        gpu_extra_ms = ops * GPU_LAUNCH_US / 1000 - ms0
        print(
            f"depth {depth}: CPU overhead {ms0:.3f} ms a step, {rate / 1e9:.1f} G multiply-adds/s, "
            f"{ops} operations a step; the GPU's launches cost {gpu_extra_ms:.2f} ms more; "
            f"threshold {gpu_extra_ms / 1000 * rate:,.0f} multiply-adds a step "
            f"(auto uses {auto_gpu_threshold(depth):,d})"
        )


if __name__ == "__main__":
    main()
