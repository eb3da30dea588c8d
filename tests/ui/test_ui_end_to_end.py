"""End to end: the app trains the real network for two epochs in its worker."""

from __future__ import annotations

import numpy as np

from vgtui.config import RunConfig
from vgtui.records import STAT_INDEX
from vgtui.ui.app import make_app
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.run_header import RunHeader
from vgtui.ui.widgets.status_line import StatusLine


async def test_real_engine_trains_two_epochs_on_screen(wait_until) -> None:
    config = RunConfig(epochs=2)
    app = make_app(config, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: app.controller.current.history.view().state in ("done", "failed"),
            limit=240,
        )
        app.monitor.redraw()
        await pilot.pause()
        view = app.controller.current.history.view()
        assert view.state == "done", view.error
        assert view.start is not None and view.start.config == config
        assert view.steps_done == config.total_steps
        assert list(view.epoch_x) == [1, 2]
        gradients = view.step_stats[:, :, STAT_INDEX["grad_sd"]]
        norms = view.step_stats[:, :, STAT_INDEX["grad_norm"]]
        assert np.isfinite(gradients).all() and (gradients > 0).all(), "a layer got no gradient"
        assert np.isfinite(norms).all() and (norms > 0).all()
        assert np.isfinite(view.step_stats[:, :, STAT_INDEX["grad_mean"]]).all()
        status = app.query_one(StatusLine).content.plain
        assert "done" in status and "epoch 2/2" in status
        assert f"step {config.total_steps}/{config.total_steps}" in status
        header = app.query_one(RunHeader).content.plain
        assert view.start.device in header and "device …" not in header
        rows = app.query_one(LayerPanel).query(".layer-row .value")
        values = [str(label.content) for label in rows]
        assert sum(v not in ("", "—") for v in values) == 2 * len(config.layer_names)
