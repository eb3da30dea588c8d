"""Runs the monitor under a distribution strategy, in a fresh process; saves what it recorded.

Used by test_distributed.py, which compares the results with one-device runs:

    python distributed_probe.py mirrored OUT_DIR    # fit, MirroredStrategy on 2 logical CPUs
    python distributed_probe.py worker OUT_DIR      # one worker of a custom loop under
                                                    # MultiWorkerMirroredStrategy (TF_CONFIG)

The model, data and weights are made here from fixed seeds, so the test
process builds the very same ones with :func:`build_mlp`, :func:`data` and
:func:`initial_weights`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

LR = 0.1
#: Histograms counted every this many steps (steps 1, 4, 7 of the 8).
HISTOGRAMS = 3
GLOBAL_BATCH = 16
SAMPLES = 64
EPOCHS = 2


def data() -> tuple[np.ndarray, np.ndarray]:
    """64 examples of 6 features and 3 classes."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((SAMPLES, 6)).astype("float32"), rng.integers(0, 3, SAMPLES)


def build_mlp():
    """An MLP with three kernels (uncompiled), its weights set from a fixed seed."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="tanh", name="dense"),
            keras.layers.Dense(4, activation="sigmoid", name="dense_1"),
            keras.layers.Dense(3, activation="softmax", name="dense_2"),
        ]
    )
    model.set_weights(initial_weights(model))
    return model


def initial_weights(model) -> list[np.ndarray]:
    """The same weights for every process."""
    rng = np.random.default_rng(1)
    return [(0.7 * rng.standard_normal(w.shape)).astype("float32") for w in model.get_weights()]


def save(path: Path, records: list, extra: dict | None = None) -> None:
    """Save the StepBlocks' arrays and the other records' fields as an npz file."""
    from vgtui.records import EpochEnd, HistogramBlock, RunStart, RunSummary, StepBlock

    blocks = [r for r in records if isinstance(r, StepBlock)]
    histograms = [r for r in records if isinstance(r, HistogramBlock)]
    meta = {
        "kinds": [type(r).__name__ for r in records],
        "ends": [[e.epoch, e.loss, e.accuracy] for e in records if isinstance(e, EpochEnd)],
        "summary": next((r.to_dict() for r in records if isinstance(r, RunSummary)), None),
        "start": next(
            (
                {"device": r.device, "layers": list(r.layer_names), "info": r.info}
                for r in records
                if isinstance(r, RunStart)
            ),
            None,
        ),
        **(extra or {}),
    }
    arrays = {}
    if blocks:
        arrays["stats"] = np.concatenate([b.step_stats for b in blocks])
        arrays["loss"] = np.concatenate([b.step_loss for b in blocks])
    if histograms:
        arrays["hist_steps"] = np.concatenate([h.steps for h in histograms])
        for q in histograms[0].counts:
            arrays[f"hist_{q}"] = np.concatenate([h.counts[q] for h in histograms])
            arrays[f"moments_{q}"] = np.concatenate([h.moments[q] for h in histograms])
    np.savez(path, meta=json.dumps(meta), **arrays)


def fit_and_save(model, stem: Path, traces: list[int] | None = None) -> None:
    """fit with a new monitor; save its records (STEM.npz) and the kernels at every step.

    ``traces``, a count of traces in its first item: what the fit added is saved too.
    """
    import keras

    from vgtui.keras import GradientMonitor

    x, y = data()
    kernels = [v for v in model.trainable_variables if len(v.shape) >= 2]
    weights = [[k.numpy().copy() for k in kernels]]
    keep = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: weights.append([k.numpy() for k in kernels])
    )
    records: list = []
    monitor = GradientMonitor(every=3, emit=records.append, histograms=HISTOGRAMS)
    traced = traces[0] if traces is not None else 0
    model.fit(
        x,
        y,
        batch_size=GLOBAL_BATCH,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
        callbacks=[monitor, keep],
    )
    flat = {f"w{s}_{k}": w for s, step in enumerate(weights) for k, w in enumerate(step)}
    np.savez(stem.with_name(f"{stem.name}_weights.npz"), **flat)
    extra = {"optimizer": type(model.optimizer).__name__}
    if traces is not None:
        extra["traces"] = traces[0] - traced
    save(stem.with_name(f"{stem.name}.npz"), records, extra)


def mirrored(out: Path) -> None:
    """fit under MirroredStrategy on two logical CPUs (plain, mixed precision,
    global_clipnorm), then a custom loop under it.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    from vgtui.keras import GradientMonitor

    x, y = data()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    for name, policy, clip in (
        ("plain", "float32", None),
        ("mixed", "mixed_float16", None),
        ("clip", "float32", 0.02),
    ):
        keras.mixed_precision.set_global_policy(policy)
        with strategy.scope():
            model = build_mlp()
            model.compile(
                keras.optimizers.SGD(LR, global_clipnorm=clip), "sparse_categorical_crossentropy"
            )
        traces = [0]
        step = model.train_step

        def counting_step(data, step=step, traces=traces):  # runs once a trace (per replica)
            traces[0] += 1
            return step(data)

        model.train_step = counting_step
        fit_and_save(model, out / name)
        if name == "plain":  # a second fit, a new monitor: the step traced by the first again
            fit_and_save(model, out / "plain_again", traces)
    keras.mixed_precision.set_global_policy("float32")

    # a custom loop under the same strategy: strategy.run of a GradientTape step
    with strategy.scope():
        model = build_mlp()
        optimizer = keras.optimizers.SGD(LR)
    records = []
    x, y = data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    batches = strategy.experimental_distribute_dataset(dataset)
    train_step = custom_loop_step(model, optimizer, strategy)
    monitor = GradientMonitor(every=3, emit=records.append, histograms=HISTOGRAMS)
    with monitor.attach(model, optimizer):
        for _ in range(EPOCHS):
            for xb, yb in batches:
                monitor.step(train_step(xb, yb))
            monitor.end_epoch()
    save(out / "custom.npz", records)


def custom_loop_step(model, optimizer, strategy=None):
    """The tutorial-style compiled step: mean loss over the global batch, apply_gradients."""
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction="sum")

    def replica_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True)) / GLOBAL_BATCH
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def train_step(xb, yb):
        if strategy is None:
            return replica_step(xb, yb)
        per_replica = strategy.run(replica_step, args=(xb, yb))
        return strategy.reduce("SUM", per_replica, axis=None)

    return train_step


def run_custom_loop(monitor_factory, model, optimizer, train_step, part=slice(None)):
    """EPOCHS epochs over the global batches in order; ``part`` picks this worker's rows."""
    x, y = data()
    with monitor_factory().attach(model, optimizer) as monitor:
        for _ in range(EPOCHS):
            for i in range(0, SAMPLES, GLOBAL_BATCH):
                xb, yb = x[i : i + GLOBAL_BATCH][part], y[i : i + GLOBAL_BATCH][part]
                monitor.step(train_step(xb, yb))
            monitor.end_epoch()


def worker(out: Path) -> None:
    """One worker of a two-worker MultiWorkerMirroredStrategy custom loop (TF_CONFIG set)."""
    import keras
    import tensorflow as tf

    from vgtui.keras import GradientMonitor

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    with strategy.scope():
        model = build_mlp()
        optimizer = keras.optimizers.SGD(LR)
    half = GLOBAL_BATCH // 2
    records: list = []
    logdir = out / f"logs{index}"
    run_custom_loop(
        lambda: GradientMonitor(str(logdir), every=3, emit=records.append),
        model,
        optimizer,
        custom_loop_step(model, optimizer, strategy),
        part=slice(index * half, (index + 1) * half),
    )
    save(out / f"worker{index}.npz", records)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    mode, out_dir = sys.argv[1], Path(sys.argv[2])
    {"mirrored": mirrored, "worker": worker}[mode](out_dir)
