"""Who may import what, read from the source: no cycles, nothing imports upward.

The layers, lowest first: the core (plain Python: config, records, history,
diagnosis, data, display), the run log, the run sources, the session (the
controller and its parts), export and view; then the engine (TensorFlow) and
the Keras monitor, the UI (Textual), and the command line. A module imports
only from its own layer or below; the sources reach the engine only inside a
function (the run source that starts it), so importing them never imports
TensorFlow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vgtui"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULE_NAMES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported vgtui module, at module level?) for each import in ``path``."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    typing_only = set()  # `if TYPE_CHECKING:` imports never run
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(child) for child in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from package import module` imports the module (the package is
            # already being imported by then); `from module import name`, the module.
            names = [
                f"{node.module}.{a.name}"
                if f"{node.module}.{a.name}" in MODULE_NAMES
                else node.module
                for a in node.names
            ]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "vgtui":
                found.append((name, id(node) in top_level))
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The vgtui module an import names (``from a import b`` may name a function)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


#: Each layer's packages and modules, lowest first.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "vgtui.background",
        "vgtui.config",
        "vgtui.records",
        "vgtui.run_identity",
        "vgtui.history",
        "vgtui.diagnosis",
        "vgtui.data",
        "vgtui.distributions",
        "vgtui.display",
        "vgtui.output_path",
        "vgtui.input_path",
        "vgtui.model_path",
    ),
    ("vgtui.runlog",),
    ("vgtui.sources",),
    ("vgtui.session",),
    ("vgtui.export", "vgtui.view"),
    ("vgtui.engine", "vgtui.keras"),
    ("vgtui.ui",),
    ("vgtui.cli", "vgtui.__main__"),
)
ENGINE = 5
UI = 6


def layer(module: str) -> int:
    for number, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names):
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def graph(module_level_only: bool) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for name, at_top in imports(path):
            target = resolve(name)
            if target and target != module and (at_top or not module_level_only):
                edges[module].add(target)
    return edges


def test_the_checker_sees_imports() -> None:
    edges = graph(module_level_only=True)
    assert "vgtui.records" in edges["vgtui.history"]
    assert "vgtui.engine.trainer" in graph(module_level_only=False)["vgtui.sources.engine"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_upward(module: str) -> None:
    for name, at_top in imports(MODULES[module]):
        target = resolve(name)
        if target is None or target == "vgtui":
            continue
        allowed = layer(target) <= layer(module)
        if layer(module) < ENGINE and layer(target) == ENGINE and not at_top:
            allowed = True  # a run source starts the engine inside a function
        if layer(module) == UI and layer(target) == ENGINE:
            allowed = False  # the UI never imports the engine: the worker does, via a source
        assert allowed, f"{module} imports {target}"


def test_no_import_cycles() -> None:
    edges = graph(module_level_only=True)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def every_import(path: Path) -> list[str]:
    """Every vgtui module ``path`` imports, lazily and for type checking included."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [t for n in found if n.startswith("vgtui") and (t := resolve(n)) and t != "vgtui"]


def test_no_import_cycles_counting_lazy_and_type_checking_imports() -> None:
    edges = {m: {t for t in every_import(p) if t != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*path, nxt])
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("vgtui.ui.widgets.")))
def test_widgets_are_fed_plain_data(module: str) -> None:
    """A widget draws what it is given: it never reaches for the runs, their history or verdict."""
    reached = set(every_import(MODULES[module]))
    assert not reached & {
        "vgtui.session.controller",
        "vgtui.history",
        "vgtui.diagnosis",
        "vgtui.session.run",
    }
