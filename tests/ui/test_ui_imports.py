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
