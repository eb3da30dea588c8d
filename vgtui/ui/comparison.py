"""The app's comparison keys: keeping ended runs, the comparison screen and sweeps.

A mixin of :class:`vgtui.ui.app.VgtuiApp`, which owns ``run_store`` (the kept
runs), ``sweep`` (the sweep under way), ``run_state``, ``config`` and
``restart(config, sweeping=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vgtui.config import RunConfig
from vgtui.sweep import SWEEP_DEFAULTS, sweep_configs
from vgtui.ui.compare_screen import CompareScreen
from vgtui.ui.run import Run
from vgtui.ui.run_store import RunStore
from vgtui.ui.sweep_queue import SweepQueue
from vgtui.ui.widgets.layer_panel import LayerPanel
from vgtui.ui.widgets.loss_chart import LossChart

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[int]
else:
    _Base = object

#: What ``s`` and ``S`` sweep.
SWEEP_NAMES = {"activation": "activations", "init": "initializers"}


class ComparisonMixin(_Base):
    """Keeps every ended run, opens the comparison screen, and drives sweeps."""

    run_store: RunStore
    sweep: SweepQueue
    run_state: Run
    config: RunConfig

    if TYPE_CHECKING:

        def restart(self, config: RunConfig, *, sweeping: bool = False) -> None:
            """Cancel the current run and start one with ``config`` (the app's own)."""

    def keep_run(self, run: Run) -> None:
        """Keep ``run``, which has just ended; go on with the sweep if it was a sweep's run."""
        self.run_store.keep(run.config, run.history.view())
        if run is not self.run_state or not self.sweep.active:
            return
        field = self.sweep.field
        following = self.sweep.next()
        if following is None:
            self.notify(
                f"Sweep of {SWEEP_NAMES.get(field or '', field)} done: press c to compare.",
                title="sweep",
            )
            return
        self.restart(following, sweeping=True)

    def remember_previous(self, run: Run) -> None:
        """Draw ``run``'s loss, dimmed, beside the next run's, if it got as far as starting."""
        view = run.history.view()
        if view.start is not None:
            self.query_one(LossChart).previous = run.history
            self.query_one(LayerPanel).set_previous(view)

    def cancel_sweep(self) -> None:
        """End a sweep under way, saying so."""
        if self.sweep.cancel():
            self.notify("Sweep cancelled.", title="sweep")

    def action_sweep(self, field: str) -> None:
        """Run the current network once with each default value of ``field``, in turn."""
        configs = sweep_configs(self.config, field, SWEEP_DEFAULTS[field])
        first = self.sweep.begin(field, configs)
        values = ", ".join(getattr(c, field) for c in configs)
        self.notify(f"Sweeping {SWEEP_NAMES[field]}: {values}.", title="sweep")
        self.restart(first, sweeping=True)

    def action_compare(self) -> None:
        """Open the comparison screen of the kept runs."""
        if not isinstance(self.screen, CompareScreen):
            self.push_screen(CompareScreen(self.run_store))
