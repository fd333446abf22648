"""The kernels' module skips Numba's BLAS check (sim.engine.rng_kernel._skip_blas_check): loading
the kernels imports no SciPy, and the check is back for everything else (np.dot in jitted code
still finds SciPy's BLAS)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from sim.engine.rng import load_kernels
load_kernels()
import numba.np.arraymath as am
import numba.np.linalg as la
out = {"scipy": "scipy.linalg" in sys.modules, "have_blas": am._HAVE_BLAS,
       "restored": am.ensure_blas is la.ensure_blas and la.ensure_blas.__name__ == "ensure_blas"}
import numba
import numpy as np

@numba.njit
def dot(a, b):
    return np.dot(a, b)

a = np.arange(3.0)
out["dot"] = float(dot(a, a))
out["scipy_after_dot"] = "scipy.linalg" in sys.modules
print(json.dumps(out))
"""


def test_loading_the_kernels_imports_no_scipy_and_np_dot_still_has_blas():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"scipy": False, "have_blas": False, "restored": True, "dot": 5.0,
                   "scipy_after_dot": True}


def test_an_arraymath_imported_before_is_left_alone():
    probe = ("import numba.np.arraymath as am, sim.engine.rng_kernel as k, json;"
             "print(json.dumps([k._skip_blas_check(), bool(am._HAVE_BLAS)]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True]


def test_a_numba_without_the_check_is_left_as_it_is():
    """A Numba whose ``numba.np.linalg`` has no ``ensure_blas``: the kernels' module imports,
    answers nothing and imports no arraymath of its own."""
    probe = ("import sys, json, numba.np.linalg as la; del la.ensure_blas;"
             "import sim.engine.rng_kernel as k;"
             "print(json.dumps([k._skip_blas_check(), 'numba.np.arraymath' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, False]
