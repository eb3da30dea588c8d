"""Importing the UI must not import TensorFlow: the first frame comes before it."""

from __future__ import annotations

import json
import subprocess
import sys

CHECK = """
import json, sys
import vgtui.ui.app
from vgtui.ui.app import make_app
make_app()
names = ("tensorflow", "keras", "textual", "vgtui.engine.trainer")
print(json.dumps({name: name in sys.modules for name in names}))
"""


def test_importing_the_app_does_not_import_tensorflow() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["textual"], "the app module was not really imported"
    assert not loaded["tensorflow"]
    assert not loaded["keras"]
    assert not loaded["vgtui.engine.trainer"]


#: What the live app's first frame does without: imported when first needed, after it.
LATER = (
    "tensorflow",
    "keras",
    "sklearn",
    "matplotlib",
    "plotext",
    "textual_plotext",
    "vgtui.engine",
    "vgtui.export",
    "vgtui.view",
    "vgtui.runlog",
    "vgtui.data.datasets",
    "vgtui.ui.screens",
    "vgtui.ui.monitor.commands",
    "vgtui.ui.widgets.loss_chart",
    "vgtui.ui.widgets.gradient_figure",
    "vgtui.ui.widgets.boundary_view",
)

FIRST_FRAME = """
import json, sys
import vgtui.cli.run, vgtui.sources.engine, vgtui.ui.session
from vgtui.ui.app import make_app
make_app()
later = json.loads(sys.argv[1])
below = tuple(name + "." for name in later)
print(json.dumps(sorted(m for m in sys.modules if m in later or m.startswith(below))))
"""


def test_the_first_frame_imports_nothing_it_does_not_draw() -> None:
    """The command line's path to the app imports no chart, other screen, export or engine."""
    out = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, json.dumps(LATER)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
