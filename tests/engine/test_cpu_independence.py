"""The engine takes no operation whose result depends on the CPU or the array's layout.

numpy dispatches ``exp``, ``log``, ``power`` (``**``), the trigonometric functions and more to
SIMD kernels chosen by CPU (AVX-512's differ in the last bit, and ``x ** y`` takes another kernel
for an array exponent than for a number); ``@``, ``np.dot`` and ``np.einsum`` sum their products
in an order that depends on the BLAS library, the CPU and the shapes; Python's ``math`` functions
are the C library's, which picks its own kernels by CPU. The engine's modules therefore use
:mod:`sim.engine.fmath` and the explicit-order sums of :mod:`sim.processes.arrays` instead
(docs/ODD.md 3.1, "The same numbers on every CPU"). This test reads their source and refuses any
such call, except a matrix product (``@``, ``einsum``) of exact values marked ``# exact:`` on its line (0/1 weights
times whole numbers, whose sums are exact in any order).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from paths import ROOT

#: The modules whose numbers a run's outputs are made of.
ENGINE = sorted(
    [p for folder in ("processes", "world", "rules", "validate", "engine")
     for p in (ROOT / "sim" / folder).glob("*.py") if p.name != "fmath.py"]
    + [ROOT / "sim" / f"{name}.py" for name in ("model", "state", "record", "metrics", "twin",
                                                "api")])
#: numpy and math functions whose result depends on the CPU (or the C library).
NUMPY_REFUSED = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "power",
                 "float_power", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2",
                 "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "cbrt", "hypot",
                 "einsum", "dot", "matmul", "inner", "tensordot", "vdot", "logaddexp"}
#: Sums of products allowed where marked ``# exact:`` (their sums are exact in any order).
EXACT_ALLOWED = {"einsum", "dot", "matmul"}
MATH_REFUSED = {"exp", "expm1", "log", "log2", "log10", "log1p", "pow", "sin", "cos", "tan",
                "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "lgamma", "gamma",
                "erf", "erfc", "hypot", "cbrt", "exp2", "dist"}


def refused(path: Path) -> list[str]:
    """``file:line: what`` for each refused operation in ``path``."""
    source = path.read_text()
    lines = source.splitlines()
    out = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            exact = node.attr in EXACT_ALLOWED and "# exact:" in lines[node.lineno - 1]
            if node.value.id == "np" and node.attr in NUMPY_REFUSED and not exact:
                out.append(f"{where}: np.{node.attr}")
            if node.value.id == "math" and node.attr in MATH_REFUSED:
                out.append(f"{where}: math.{node.attr}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            if not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant)):
                out.append(f"{where}: ** (use fmath.power, or x * x)")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)
              and "# exact:" not in lines[node.lineno - 1]):
            out.append(f"{where}: @ without '# exact:' (use sim.processes.arrays)")
    return out


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT / "sim")))
def test_the_engine_calls_no_cpu_dependent_operation(path):
    assert not refused(path)


def test_the_check_sees_each_kind_of_refused_operation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import math\nimport numpy as np\n"
                   "a = np.exp(x)\nb = x ** y\nc = m @ v\nd = math.log(3.0)\n"
                   "e = np.einsum('ij,j->i', m, v)\nf = m @ v  # exact: counts\ng = 2.0 ** 63\n"
                   "h = np.einsum('ij,j->i', m, v)  # exact: counts\n")
    found = [f.split(": ", 1)[1] for f in refused_in(bad)]
    assert found == ["np.exp", "** (use fmath.power, or x * x)",
                     "@ without '# exact:' (use sim.processes.arrays)", "math.log", "np.einsum"]


def refused_in(path: Path) -> list[str]:
    """:func:`refused` of a file outside the repository (paths shown as given)."""
    global ROOT
    saved, ROOT = ROOT, path.parent
    try:
        return sorted(refused(path), key=lambda s: int(s.split(":")[1]))
    finally:
        ROOT = saved
