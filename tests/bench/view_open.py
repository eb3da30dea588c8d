"""`vgtui view` on a long log: time to open it, the memory it takes, and the follow latency.

Run from the repository root: ``python tests/bench/view_open.py`` (the
benchmark script calls :func:`main` with ``--view``). Writes a run log of
1,000,000 steps (the tutorial's network with batch size 1: 1,000 epochs of
1,000 steps, in blocks of 256 as the engine writes them; the values are the
recorded sigmoid run's, repeated with a little noise), then opens it in the
app, in a child process each time (Textual's headless driver at 160x48):

- time from making the app to the whole run drawn ("done" on the status line);
- resident memory then, and at its peak, against the app viewing a log of one
  epoch (an app with next to nothing loaded);
- following: a writer appends a block of steps while the app follows the
  log; time until the status line shows the new step count.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "sigmoid_normal.npz"
#: Steps an engine call writes, as one block.
BLOCK = 256


def write_long_log(directory: Path, steps: int) -> Path:
    """A finished log of ``steps`` steps in epochs of 1,000; see the module."""
    from vgtui.config import RunConfig
    from vgtui.records import RunStart, RunSummary, StepBlock
    from vgtui.runlog import RunLogWriter, header_from_start
    from vgtui.sources.replay import load_stream

    recorded = [r for r in load_stream(FIXTURE) if isinstance(r, StepBlock)]
    stats = np.concatenate([r.step_stats for r in recorded])
    loss = np.concatenate([r.step_loss for r in recorded])
    accuracy = np.concatenate([r.step_accuracy for r in recorded])
    config = RunConfig(batch_size=1, epochs=max(steps // 1000, 1))
    start = RunStart(config, "CPU", config.layer_names, 0.5, 0.75, started=time.time())
    rng = np.random.default_rng(0)
    with RunLogWriter.create(directory, header_from_start(start)) as writer:
        step = 1
        for epoch in range(1, config.epochs + 1):
            done = 0
            while done < 1000:
                n = min(BLOCK, 1000 - done)
                at = (step - 1) % (len(stats) - n)
                noise = 1 + 1e-3 * rng.standard_normal((n, *stats.shape[1:]))
                part = slice(at, at + n)
                writer.steps(epoch, step, loss[part], accuracy[part], stats[part] * noise)
                step += n
                done += n
            writer.epoch_end(epoch, float(loss[epoch % len(loss)]), 0.6)
        summary = RunSummary(0.5, 0.6, 0.65, 0.1, config.epochs, step - 1, verdict="vanishing")
        writer.summary(summary.__dict__)
    return writer.path


CHILD = r"""
import asyncio, json, resource, sys, time
t0 = time.perf_counter()
from vgtui.ui.app import make_app
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.view.target import resolve

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6

async def main():
    imported = time.perf_counter() - t0
    start, cpu = time.perf_counter(), time.process_time()
    app = make_app(show_timing=False, view=resolve(sys.argv[1]))
    async with app.run_test(size=(160, 48)) as pilot:
        status = app.monitor.query_one(StatusLine)
        while not status.content.plain.lstrip().startswith("done"):
            await pilot.pause(0.02)
        opened, cpu = time.perf_counter() - start, time.process_time() - cpu
        await pilot.pause(0.5)
        now = rss_mb()
    with open("/proc/self/status") as f:  # VmHWM: this process's peak (ru_maxrss outlives exec)
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1e3
    figures = {"imported": imported, "opened": opened, "cpu": cpu, "rss": now, "peak": peak}
    print(json.dumps(figures))

asyncio.run(main())
"""

FOLLOW_CHILD = r"""
import asyncio, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import numpy as np
from vgtui.config import RunConfig
from vgtui.records import RunStart
from vgtui.runlog import RunLogWriter, header_from_start
from vgtui.ui.app import make_app
from vgtui.ui.widgets.status_line import StatusLine
from vgtui.view.target import resolve

config = RunConfig(epochs=100000)
start = RunStart(config, "CPU", config.layer_names, 0.5, 0.7, started=time.time())
writer = RunLogWriter.create(Path(sys.argv[1]), header_from_start(start))
rng = np.random.default_rng(0)

def append(k):
    stats = rng.random((32, 5, 7)) * 1e-2
    writer.steps(k, 32 * k - 31, rng.random(32), rng.random(32), stats)
    writer.epoch_end(k, 0.5, 0.6)

async def main():
    append(1)
    app = make_app(show_timing=False, view=resolve(writer.path))
    latencies = []
    async with app.run_test(size=(160, 48)) as pilot:
        status = lambda: app.monitor.query_one(StatusLine).content.plain
        while "following" not in status():
            await pilot.pause(0.01)
        for k in range(2, 32):
            await pilot.pause(float(rng.uniform(0.05, 0.4)))
            written = time.perf_counter()
            append(k)
            while f"step {32 * k}/" not in status():
                await pilot.pause(0.005)
            latencies.append(time.perf_counter() - written)
    print(json.dumps(latencies))

asyncio.run(main())
"""


def _child(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return result.stdout.strip().splitlines()[-1]


def view_figures(steps: int = 1_000_000, repeats: int = 3) -> dict[str, float]:
    """Open a log of ``steps`` steps (and one of an epoch) in child processes; medians."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        long_log = write_long_log(Path(tmp) / "long", steps)
        written = time.perf_counter() - t0
        short_log = write_long_log(Path(tmp) / "short", 1000)
        long_runs = [json.loads(_child(CHILD, str(long_log))) for _ in range(repeats)]
        short_runs = [json.loads(_child(CHILD, str(short_log))) for _ in range(repeats)]
        latencies = json.loads(_child(FOLLOW_CHILD, str(Path(tmp) / "follow"), str(ROOT)))
        size = long_log.stat().st_size

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    return {
        "steps": steps,
        "bytes": size,
        "written_s": written,
        "open_s": median(long_runs, "opened"),
        "open_max_s": max(run["opened"] for run in long_runs),
        "open_cpu_s": median(long_runs, "cpu"),
        "import_s": median(long_runs, "imported"),
        "rss_mb": median(long_runs, "rss"),
        "peak_mb": median(long_runs, "peak"),
        "empty_rss_mb": median(short_runs, "rss"),
        "empty_peak_mb": median(short_runs, "peak"),
        "follow_median_s": statistics.median(latencies),
        "follow_max_s": max(latencies),
    }


def report(figures: dict[str, float]) -> str:
    """The figures in a few lines."""
    f = figures
    return (
        f"vgtui view, a {f['steps']:,}-step log ({f['bytes'] / 1e6:.0f} MB, written in "
        f"{f['written_s']:.1f} s): on screen whole in {f['open_s']:.2f} s "
        f"(median of 3; slowest {f['open_max_s']:.2f} s; {f['open_cpu_s']:.2f} s of CPU, "
        f"all threads; imports before that {f['import_s']:.2f} s)\n"
        f"  memory: {f['rss_mb']:.0f} MB resident after opening, {f['peak_mb']:.0f} MB peak; "
        f"the app on a one-epoch log: {f['empty_rss_mb']:.0f} MB, {f['empty_peak_mb']:.0f} MB "
        f"peak (+{f['rss_mb'] - f['empty_rss_mb']:.0f} MB, peak "
        f"+{f['peak_mb'] - f['empty_peak_mb']:.0f} MB)\n"
        f"  following: a block appended is on the status line after "
        f"{f['follow_median_s'] * 1000:.0f} ms (median of 30), {f['follow_max_s'] * 1000:.0f} ms "
        "at most"
    )


def main() -> int:
    """Measure and print."""
    print(report(view_figures()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
