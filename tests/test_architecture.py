"""The project's layers (STYLE.md): configuration is the ground floor, imports run one way, and
nothing crosses a module boundary under a private name.

The import graph is read from the source (``ast``) so that these tests see every import, those
inside functions included, without running any of them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, top_level_only: bool) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every ``sim`` import in a file (top-level statements only, or all)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` blocks are not run
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("sim")]
    return out


MODULES = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def _resolve(module: str, names: list[str]) -> set[str]:
    """The project modules an import loads: ``from sim.x import y`` is ``sim.x.y`` when that is a
    module, else ``sim.x``."""
    found = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
    return found or ({module} if module in MODULES else set())


def test_no_import_cycle_among_top_level_imports():
    """The modules' top-level imports form no cycle (a cycle is what forces imports into
    functions)."""
    graph = {m: set() for m in MODULES}
    for m, path in MODULES.items():
        for module, names in _imports(path, top_level_only=True):
            graph[m] |= _resolve(module, names) - {m}
    # a package's __init__ importing its own submodules is not a cycle of layers
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if n.startswith(m + "."):
                continue
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                if not all(c.startswith(cycle[0] + ".") or c == cycle[0] for c in cycle[1:]):
                    pytest.fail("import cycle: " + " -> ".join(cycle))
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_configuration_imports_nothing_above_it():
    """Every import in sim/config/, inside functions too, stays inside sim.config."""
    bad = []
    for m, path in MODULES.items():
        if not m.startswith("sim.config"):
            continue
        for module, names in _imports(path, top_level_only=False):
            if not module.startswith("sim.config"):
                bad.append(f"{m} imports {module}")
    assert not bad, bad


def test_importing_the_configuration_loads_no_other_project_module():
    """In a fresh interpreter, ``import sim.config`` loads only sim and sim.config.*."""
    code = ("import json, sys; import sim.config; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sim'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m != "sim" and not m.startswith("sim.config")] == []


def test_no_private_name_is_imported_across_modules():
    """A name imported from another module is public: no ``from sim.x import _y``."""
    bad = [f"{m}: from {module} import {n}"
           for m, path in MODULES.items()
           for module, names in _imports(path, top_level_only=False)
           for n in names if n.startswith("_") and module != m]
    assert not bad, bad


def test_the_model_layers_import_no_hydra_matplotlib_or_file_io():
    """House rule 3: the model, agents, processes and rules import no Hydra and no matplotlib."""
    layers = ("sim.model", "sim.agents", "sim.processes", "sim.rules", "sim.state", "sim.world")
    bad = []
    for m, path in MODULES.items():
        if not m.startswith(layers):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            bad += [f"{m} imports {x}" for x in mods
                    if x.split(".")[0] in ("hydra", "omegaconf", "matplotlib")]
    assert not bad, bad
