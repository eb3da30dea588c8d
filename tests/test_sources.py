"""Every run source keeps the one protocol, and nothing reads a source around it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.runlogs import stream, write_partial
from vgtui.config import RunConfig
from vgtui.sources import RunSource
from vgtui.sources.engine import EngineSource
from vgtui.sources.follower import FollowerSource
from vgtui.sources.jsonfile import json_source
from vgtui.sources.keras_model import KerasModelSource
from vgtui.sources.replay import ReplaySource

PACKAGE = Path(__file__).resolve().parents[1] / "vgtui"


def _sources(tmp_path: Path) -> dict[str, RunSource]:
    records = stream("tanh_normal")
    log = write_partial(tmp_path, records, 1)
    log.close()
    return {
        "engine": EngineSource(RunConfig()),
        "replay": ReplaySource(records),
        "json": json_source(records),
        "follower": FollowerSource(log.path),
        "model": KerasModelSource(tmp_path / "m.py", None, None, None, None, None),
    }


def test_every_source_keeps_the_protocol(tmp_path: Path) -> None:
    sources = _sources(tmp_path)
    for name, source in sources.items():
        with source:
            assert isinstance(source, RunSource), name
            assert source.phase is None, name  # nothing to say before it starts
    assert [n for n, s in sources.items() if s.own_model] == ["model"]
    assert [n for n, s in sources.items() if not s.paced] == ["follower"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_attribute_of_a_source_is_read_around_the_protocol(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr", "hasattr"):
            target = ast.unparse(node.args[0])
            assert "source" not in target, f"{path}: {ast.unparse(node)}"


def test_the_app_engine_evaluates_the_boundary_and_a_headless_one_does_not() -> None:
    """A headless run shows no decision boundary: its engine does not spend steps on one."""
    from vgtui.records import EpochEnd
    from vgtui.sources.engine import engine_sources

    config = RunConfig(width=2, epochs=1, samples=64)
    boundaries = {}
    for app in (True, False):
        records = []
        engine_sources(False, app=app)(config).start(records.append)
        ends = [r for r in records if isinstance(r, EpochEnd)]
        assert len(ends) == 1 and ends[0].loss == ends[0].loss  # trained, loss finite
        boundaries[app] = ends[0].boundary
    assert boundaries[True] is not None and boundaries[True].probability.shape == (48, 48)
    assert boundaries[False] is None
