"""Synthetic runs with known numbers, for tests that need neither TensorFlow nor Textual."""

from __future__ import annotations

import threading

import numpy as np

from tests.epochs import Epoch
from vgtui.config import RunConfig
from vgtui.records import STAT_INDEX, STAT_NAMES, Emit, RunStart, RunSummary
from vgtui.sources import EventSource


def epoch_record(
    epoch: int, steps: int, layer_sd: np.ndarray, loss: float = 0.5, accuracy: float = 0.8
) -> Epoch:
    """An epoch whose every step has the given per-layer gradient SDs (and norms = 10 x SD)."""
    stats = np.zeros((steps, len(layer_sd), len(STAT_NAMES)))
    stats[:, :, STAT_INDEX["grad_sd"]] = layer_sd
    stats[:, :, STAT_INDEX["grad_norm"]] = 10 * np.asarray(layer_sd)
    stats[:, :, STAT_INDEX["saturation"]] = np.nan
    stats[:, :, STAT_INDEX["dead"]] = np.nan
    return Epoch(
        epoch=epoch,
        first_step=(epoch - 1) * steps + 1,
        step_loss=np.full(steps, loss),
        step_accuracy=np.full(steps, accuracy),
        step_stats=stats,
        loss=loss,
        accuracy=accuracy,
    )


class SyntheticSource(EventSource):
    """Emits a run of ``config`` whose layers' gradient SDs are ``layer_sd`` at every step.

    ``gate``, when given, is waited on before each epoch, so a test can hold
    the run; ``hold_after`` epochs done, the run waits for a stop; ``fail``
    raises after the first epoch.
    """

    def __init__(
        self,
        config: RunConfig,
        layer_sd: np.ndarray,
        gate: threading.Event | None = None,
        fail: Exception | None = None,
        hold_after: int | None = None,
    ) -> None:
        super().__init__()
        self.hold_after = hold_after
        self.config = config
        self.layer_sd = layer_sd
        self.gate = gate
        self.fail = fail
        self.closed = False
        self.started = threading.Event()

    def start(self, emit: Emit) -> RunSummary:
        self.started.set()
        cfg = self.config
        emit(RunStart(cfg, "CPU", cfg.layer_names, 0.5, 0.7))
        steps = cfg.steps_per_epoch
        last = None
        for epoch in range(1, cfg.epochs + 1):
            if self.gate is not None:
                while not self.gate.wait(0.01):
                    if self.stopped.is_set():
                        break
            if not self.wait_while_paused(0.005):
                break
            if self.hold_after is not None and epoch > self.hold_after:
                self.stopped.wait()
                break
            last = epoch_record(epoch, steps, self.layer_sd)
            for record in last.records():
                emit(record)
            if self.fail is not None:
                raise self.fail
        stopped = last is None or last.epoch < cfg.epochs
        summary = RunSummary(
            accuracy_before=0.5,
            accuracy_after=last.accuracy if last else 0.5,
            final_loss=last.loss if last else 0.7,
            grad_sd_ratio=float(self.layer_sd[0] / self.layer_sd[-1]),
            epochs=last.epoch if last else 0,
            steps=last.last_step if last else 0,
            stopped=stopped,
        )
        emit(summary)
        return summary

    def close(self) -> None:
        self.closed = True
