"""Who may import what: the engine never imports Textual, the plain modules neither."""

import subprocess
import sys

import pytest


def _imports(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return set(out.split())


def test_the_engine_does_not_import_textual():
    loaded = _imports("vgtui.engine.trainer")
    assert "tensorflow" in loaded  # the check sees imports at all
    assert "textual" not in loaded


@pytest.mark.parametrize(
    "module",
    [
        "vgtui.config",
        "vgtui.records",
        "vgtui.history",
        "vgtui.cli.run",
        "vgtui.export.runfile",
        "vgtui.output_path",
        "vgtui.cli.gpu_check",
        "vgtui.distributions",
        "vgtui.data.shapeset",
        "vgtui.data.presets",
    ],
)
def test_plain_modules_import_neither_tensorflow_nor_textual(module):
    loaded = _imports(module)
    assert "tensorflow" not in loaded and "textual" not in loaded
