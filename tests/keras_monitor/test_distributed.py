"""GradientMonitor under distribution strategies, each in fresh processes.

TensorFlow's devices are fixed when it initializes, so the two logical CPUs
of MirroredStrategy and the two workers of MultiWorkerMirroredStrategy run
in their own processes (distributed_probe.py); all three start together.
Their records are compared here with one-device runs on the same global
batches and weights, and with the weights Keras actually left behind.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from tests.epochs import epochs as whole_epochs
from vgtui.keras import GradientMonitor
from vgtui.records import STAT_NAMES, HistogramBlock
from vgtui.runlog import read_run

from . import distributed_probe as probe
from .expect import check_against_weights, steps_of

PROBE = Path(probe.__file__)
TIMEOUT = 240


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, str(PROBE), *args],
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


class Probes:
    """The probe processes of this module, started once, awaited by the tests that need them."""

    def __init__(self, out: Path) -> None:
        self.out = out
        ports = _free_ports(2)
        cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
        self.procs = {"mirrored": _start(["mirrored", str(out)], {}, out / "mirrored.log")}
        for i in range(2):
            tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            self.procs[f"worker{i}"] = _start(
                ["worker", str(out)], {"TF_CONFIG": tf_config}, out / f"worker{i}.log"
            )

    def wait(self, *names: str) -> None:
        for name in names:
            proc = self.procs[name]
            try:
                code = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.close()
                pytest.fail(f"{name} did not finish in {TIMEOUT} s")
            log = (self.out / f"{name}.log").read_text()[-3000:]
            assert code == 0, f"{name} failed:\n{log}"

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    running = Probes(tmp_path_factory.mktemp("distributed"))
    yield running
    running.close()


def _load(path: Path):
    data = np.load(path)
    meta = json.loads(str(data["meta"]))
    return meta, data.get("stats"), data.get("loss")


def _histograms(records_or_path) -> dict[str, np.ndarray]:
    """The histograms' steps, counts and moments by quantity, from records or a probe's file."""
    if isinstance(records_or_path, Path):
        data = np.load(records_or_path)
        return {k: data[k] for k in data.files if k.startswith(("hist_", "moments_"))}
    blocks = [r for r in records_or_path if isinstance(r, HistogramBlock)]
    out = {"hist_steps": np.concatenate([b.steps for b in blocks])}
    for q in blocks[0].counts:
        out[f"hist_{q}"] = np.concatenate([b.counts[q] for b in blocks])
        out[f"moments_{q}"] = np.concatenate([b.moments[q] for b in blocks])
    return out


def check_same_histograms(mirrored: dict, one: dict) -> None:
    """Counted on two replicas, summed: the one-device run's counts of the global batch.

    The layers' outputs and their gradients are each replica's half of the
    batch, computed as on one device; the all-reduced kernel gradient may
    differ from the one-device one in its last bits, so a value may cross a
    bin's edge: at most 2% of a kernel's values.
    """
    np.testing.assert_array_equal(mirrored["hist_steps"], [1, 4, 7])
    np.testing.assert_array_equal(mirrored["hist_steps"], one["hist_steps"])
    for q in ("activation", "backprop", "weight"):
        np.testing.assert_array_equal(mirrored[f"hist_{q}"], one[f"hist_{q}"], err_msg=q)
        np.testing.assert_allclose(mirrored[f"moments_{q}"], one[f"moments_{q}"], rtol=1e-5)
    grad, one_grad = mirrored["hist_grad"], one["hist_grad"]
    assert (grad.sum(axis=2) == one_grad.sum(axis=2)).all()
    assert (np.abs(grad - one_grad).sum(axis=2) <= 0.04 * grad.sum(axis=2)).all()
    np.testing.assert_allclose(mirrored["moments_grad"], one["moments_grad"], rtol=1e-4, atol=1e-7)


def _one_device_fit():
    x, y = probe.data()
    model = probe.build_mlp()
    model.compile(keras.optimizers.SGD(probe.LR), "sparse_categorical_crossentropy")
    records = []
    model.fit(
        x,
        y,
        batch_size=probe.GLOBAL_BATCH,
        epochs=probe.EPOCHS,
        shuffle=False,
        verbose=0,
        callbacks=[GradientMonitor(every=3, emit=records.append, histograms=probe.HISTOGRAMS)],
    )
    return (*steps_of(records), _histograms(records))


@pytest.mark.parametrize("name", ["plain", "mixed", "clip"])
def test_mirrored_fit_records_the_applied_all_reduced_gradient(probes, name):
    probes.wait("mirrored")
    meta, stats, loss = _load(probes.out / f"{name}.npz")
    weights = np.load(probes.out / f"{name}_weights.npz")
    steps = probe.EPOCHS * probe.SAMPLES // probe.GLOBAL_BATCH
    values = [[weights[f"w{s}_{k}"] for k in range(3)] for s in range(steps + 1)]

    assert meta["start"]["info"]["devices"] == ["CPU:0", "CPU:1"]
    assert meta["start"]["device"].startswith("MirroredStrategy: 2 replicas")
    assert stats.shape == (steps, 3, len(STAT_NAMES))
    # recorded == applied: (w_before - w_after) / lr at every step, every kernel
    check_against_weights(stats, values, probe.LR, rtol=2e-3 if name == "mixed" else 2e-4)
    if name == "plain":
        # and the applied gradient is the global batch's: a one-device run records the same
        one_stats, one_loss, one_histograms = _one_device_fit()
        np.testing.assert_allclose(stats[:, :, :5], one_stats[:, :, :5], rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(loss, one_loss, rtol=1e-5)
        check_same_histograms(_histograms(probes.out / f"{name}.npz"), one_histograms)
    if name == "mixed":
        assert meta["optimizer"] == "LossScaleOptimizer"
        # float16 layers, a loss scale of 32768: the back-propagated gradients divided back
        mixed = _histograms(probes.out / "mixed.npz")
        plain = _histograms(probes.out / "plain.npz")
        for counts in (mixed["hist_backprop"], plain["hist_backprop"]):
            assert (counts.sum(axis=2)[:, :2] == [[5 * 16, 4 * 16]]).all()
        # the same values to float16's precision: the sums of squares within 1%
        np.testing.assert_allclose(
            mixed["moments_backprop"][:, :2, 3], plain["moments_backprop"][:, :2, 3], rtol=1e-2
        )
    if name == "clip":
        # Keras clips each replica's gradient before the all-reduce: the applied
        # gradient (recorded, as the weights show) is the sum of two clipped ones
        whole = np.sqrt((stats[:, :, 2] ** 2).sum(axis=1))
        assert (whole <= 2 * 0.02 * (1 + 1e-4)).all() and (whole > 0.02).any()
    assert meta["kinds"].count("EpochEnd") == probe.EPOCHS
    assert meta["summary"]["steps"] == steps


def test_a_second_mirrored_fit_runs_the_kept_step_and_records_the_applied_gradient(probes):
    probes.wait("mirrored")
    meta, stats, _ = _load(probes.out / "plain_again.npz")
    weights = np.load(probes.out / "plain_again_weights.npz")
    steps = probe.EPOCHS * probe.SAMPLES // probe.GLOBAL_BATCH
    values = [[weights[f"w{s}_{k}"] for k in range(3)] for s in range(steps + 1)]
    assert meta["traces"] == 0, "the second fit traced its step again"
    assert stats.shape == (steps, 3, len(STAT_NAMES))
    # each replica's buffers started afresh: step 1 again, and the applied gradient
    check_against_weights(stats, values, probe.LR)
    np.testing.assert_array_equal(
        _histograms(probes.out / "plain_again.npz")["hist_steps"], [1, 4, 7]
    )
    assert meta["summary"]["steps"] == steps


def _one_device_custom_loop():
    model = probe.build_mlp()
    optimizer = keras.optimizers.SGD(probe.LR)
    records = []
    probe.run_custom_loop(
        lambda: GradientMonitor(every=3, emit=records.append, histograms=probe.HISTOGRAMS),
        model,
        optimizer,
        probe.custom_loop_step(model, optimizer),
    )
    return (*steps_of(records), _histograms(records))


def test_mirrored_custom_loop_records_what_one_device_records(probes):
    probes.wait("mirrored")
    meta, stats, loss = _load(probes.out / "custom.npz")
    one_stats, one_loss, one_histograms = _one_device_custom_loop()
    check_same_histograms(_histograms(probes.out / "custom.npz"), one_histograms)
    assert meta["start"]["info"]["loop"] == "custom"
    assert stats.shape == one_stats.shape == (8, 3, len(STAT_NAMES))
    np.testing.assert_allclose(stats[:, :, :5], one_stats[:, :, :5], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(loss, one_loss, rtol=1e-5)


def test_multi_worker_custom_loop_chief_alone_records_what_one_process_records(probes):
    probes.wait("worker0", "worker1")
    meta, stats, loss = _load(probes.out / "worker0.npz")
    other, other_stats, _ = _load(probes.out / "worker1.npz")

    assert other["kinds"] == [] and other_stats is None, "only the chief emits"
    assert not (probes.out / "logs1").exists(), "only the chief writes a log"
    (log,) = (probes.out / "logs0").iterdir()
    assert meta["start"]["info"]["workers"] == 2
    assert "MultiWorkerMirroredStrategy" in meta["start"]["device"]

    one_stats, one_loss, _ = _one_device_custom_loop()
    assert stats.shape == one_stats.shape == (8, 3, len(STAT_NAMES))
    np.testing.assert_allclose(stats[:, :, :5], one_stats[:, :, :5], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(loss, one_loss, rtol=1e-5)

    logged = read_run(log)
    epochs = whole_epochs(logged)
    np.testing.assert_allclose(
        np.concatenate([e.step_stats for e in epochs]), stats.astype(np.float32), rtol=1e-6
    )
    assert logged[-1].steps == 8
