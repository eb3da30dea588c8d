"""A short run of every data set, optimizer and initializer: finite, and learning."""

import threading

import numpy as np
import pytest

from tests.epochs import Epoch
from tests.epochs import epochs as whole_epochs
from vgtui.config import DATASETS, INITIALIZERS, OPTIMIZERS, RunConfig
from vgtui.engine.trainer import Trainer
from vgtui.records import STAT_INDEX, RunStart, RunSummary

#: A network that learns every data set here within 100 epochs (spiral is the hardest).
BASE = RunConfig(
    activation="relu",
    init="he_normal",
    optimizer="adam",
    lr=0.01,
    depth=3,
    width=32,
    samples=400,
    epochs=100,
    seed=1,
    dataset="spiral",
)
#: Learning rates at which each optimizer trains BASE.
LR = {"sgd": 0.1, "rmsprop": 0.003, "adam": 0.01}


def _run(config: RunConfig) -> tuple[RunStart, list[Epoch], RunSummary]:
    records = []
    Trainer(config).run(records.append, threading.Event())
    start, *middle, summary = records
    epochs = whole_epochs(middle)
    assert isinstance(start, RunStart) and isinstance(summary, RunSummary)
    return start, epochs, summary


def _assert_finite_and_learning(config: RunConfig, accuracy: float) -> None:
    start, epochs, summary = _run(config)
    assert summary.diverged_step is None and len(epochs) == config.epochs
    stats = np.concatenate([e.step_stats for e in epochs])
    moments = [STAT_INDEX[s] for s in ("grad_mean", "grad_sd", "grad_norm", "weight_sd")]
    assert np.isfinite(stats[:, :, moments]).all()
    assert np.isfinite(np.concatenate([e.step_loss for e in epochs])).all()
    assert (stats[:, :, STAT_INDEX["grad_sd"]] > 0).any(axis=0).all()  # every layer learns
    assert summary.final_loss < 0.5 * start.loss_before
    assert summary.accuracy_after >= accuracy > start.accuracy_before


#: Accuracy BASE reaches short of 0.9: Shapeset's nine classes (chance 0.11) from 400 images.
LEARNED = {"shapeset": 0.6}


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_data_set_is_learned(dataset):
    _assert_finite_and_learning(BASE.replace(dataset=dataset), LEARNED.get(dataset, 0.9))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_learns(optimizer):
    _assert_finite_and_learning(BASE.replace(optimizer=optimizer, lr=LR[optimizer]), 0.9)


@pytest.mark.parametrize("init", INITIALIZERS)
def test_every_initializer_learns(init):
    _assert_finite_and_learning(BASE.replace(init=init), 0.9)
