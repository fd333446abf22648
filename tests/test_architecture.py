"""The project's layers (docs/architecture.md): configuration is the ground floor, imports run one
way, and nothing crosses a module boundary under a private name.

The import graph is read from the source (``ast``) so that these tests see every import, those
inside functions included, without running any of them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from paths import ROOT

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


def all_imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every ``sim`` import in a file: top-level, inside functions, under
    ``if TYPE_CHECKING:`` and by ``importlib.import_module("sim...")`` with a literal name."""
    out = _imports(path, top_level_only=False)
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If):  # the blocks _imports skips (TYPE_CHECKING, ...)
            for sub in node.body + node.orelse:
                for inner in ast.walk(sub):
                    if isinstance(inner, ast.ImportFrom) and inner.module \
                            and inner.module.startswith("sim"):
                        out.append((inner.module, [a.name for a in inner.names]))
                    elif isinstance(inner, ast.Import):
                        out += [(a.name, []) for a in inner.names if a.name.startswith("sim")]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module" and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and node.args[0].value.startswith("sim")):
            out.append((node.args[0].value, []))
    return out


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports, by :func:`all_imports` (a package's
    ``__init__`` importing its own submodules excluded: that is not a cycle of layers)."""
    graph = {m: set() for m in modules}
    for m, path in modules.items():
        for module, names in all_imports(path):
            found = {f"{module}.{n}" for n in names if f"{module}.{n}" in modules}
            found = found or ({module} if module in modules else set())
            graph[m] |= found - {m}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a closed path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_no_import_cycle_among_all_imports():
    """No cycle among sim's modules, counting every import: inside functions, under
    ``TYPE_CHECKING`` and by ``importlib`` (an import hidden in a function is still an arrow)."""
    cycles = find_cycles(import_graph(MODULES))
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_check_sees_an_import_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "sim"
    pkg.mkdir()
    (pkg / "a.py").write_text("from sim.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from sim.a import g\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from sim.d import h\n")
    (pkg / "d.py").write_text("import importlib\nm = importlib.import_module('sim.c')\n")
    (pkg / "e.py").write_text("from sim.a import f\n")  # no cycle
    modules = {f"sim.{p.stem}": p for p in sorted(pkg.glob("*.py"))}
    assert find_cycles(import_graph(modules)) == [["sim.a", "sim.b"], ["sim.c", "sim.d"]]


def test_analysis_imports_neither_mesa_nor_the_model():
    """sim/analysis reads results (tables, rows): it imports no Mesa, no model, no engine."""
    bad = [f"{m} imports {x}" for m, x in imported_by(("sim.analysis",))
           if x.split(".")[0] == "mesa"
           or x.startswith(("sim.model", "sim.engine", "sim.processes", "sim.agents"))]
    assert not bad, bad


def imported_by(prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(module, what it imports)`` for every import statement, anywhere in the file, of the
    project modules whose names start with one of ``prefixes`` (any package, not only sim)."""
    out = []
    for m, path in MODULES.items():
        if not m.startswith(prefixes):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            mods = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            out += [(m, x) for x in mods]
    return out


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
    """In a fresh interpreter, ``import sim.config`` loads only sim (and its version) and
    sim.config.*."""
    code = ("import json, sys; import sim.config; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sim'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m not in ("sim", "sim.version")
            and not m.startswith("sim.config")] == []


def test_no_private_name_is_imported_across_modules():
    """A name imported from another module is public: no ``from sim.x import _y``."""
    bad = [f"{m}: from {module} import {n}"
           for m, path in MODULES.items()
           for module, names in _imports(path, top_level_only=False)
           for n in names if n.startswith("_") and not n.endswith("__") and module != m]
    assert not bad, bad


def test_the_model_layers_import_no_hydra_matplotlib_or_file_io():
    """House rule 3: the model, agents, processes and rules import no Hydra and no matplotlib."""
    layers = ("sim.model", "sim.agents", "sim.processes", "sim.rules", "sim.state", "sim.world")
    bad = [f"{m} imports {x}" for m, x in imported_by(layers)
           if x.split(".")[0] in ("hydra", "omegaconf", "matplotlib")]
    assert not bad, bad


def test_processes_keep_no_module_level_mutable_state():
    """A process is a function of the batch's world and state: no ``global`` statement and no
    module-level dict, list or set in sim/processes (a memo lives on the batch: ``World.memo``)."""
    bad = []
    for m, path in MODULES.items():
        if not m.startswith("sim.processes"):
            continue
        tree = ast.parse(path.read_text())
        bad += [f"{m}:{n.lineno}: global" for n in ast.walk(tree) if isinstance(n, ast.Global)]
        for node in tree.body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            names = [t.id for t in getattr(node, "targets", [getattr(node, "target", None)])
                     if isinstance(t, ast.Name)]
            if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp,
                                  ast.SetComp)) and names != ["__all__"]:
                bad.append(f"{m}:{node.lineno}: module-level {type(value).__name__} "
                           "(a constant mapping: types.MappingProxyType; a memo: World.memo)")
    assert not bad, bad
