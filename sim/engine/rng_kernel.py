"""The compiled kernel of :func:`sim.engine.rng.poisson` (Numba): the Poisson counts of a month's rates,
one draw after another in machine code, with the numbers, formulas and order of operations of the
vectorized implementation (``sim.engine.rng._vector_counts``, the engine's before this kernel), so the
counts are the same floats, bit for bit.

:mod:`sim.engine.rng` imports this module when it first chooses the kernel (importing the model does
not import Numba; :func:`sim.engine.rng.set_kernel`) and checks the rates' shape before calling
:func:`counts`, which checks their values as it draws. A draw at flat position ``i`` of stream
``key`` starts from SplitMix64's state ``key + (month << 30 | 2 i) x golden gamma`` (its place
``(month, 2 i)``, as :func:`sim.engine.rng.uniforms` numbers it) and takes:

- rates below :data:`sim.engine.rng.PTRS_FROM`: the uniform u of that state; 0 if u < F(0) = exp(-lam),
  1 if u < F(1) = lam F(0) + F(0), else :func:`inversion` of the CDF, :data:`sim.engine.rng.BLOCK`
  terms at a time;
- rates from :data:`sim.engine.rng.PTRS_FROM`: :func:`ptrs`, Hörmann's transformed rejection, attempt
  ``a`` taking the uniforms at places ``(month, 2 i)`` and ``(month, 2 i + 1)`` of attempt ``a``
  (counter ``+ a << 24``).

Two shortcuts skip work without changing a count (the vectorized counts do not take them):
:func:`small_count` gives 0 without ``exp`` for a uniform below the tangent ``1 - lam`` of F(0)
(:data:`TANGENT_MARGIN`), and :func:`inversion` stops a block at the first CDF value above u
(the CDF only grows, so no later one is at or below u).

``exp`` and ``log`` are :func:`sim.engine.fmath.exp_scalar` and
:func:`~sim.engine.fmath.log_scalar` compiled here: the same floats as the vectorized counts'
:func:`sim.engine.fmath.exp` and :func:`~sim.engine.fmath.log` on every CPU (basic IEEE
operations only; not the C library's, whose kernels differ by CPU; checked by
``tests/engine/test_rng_kernel.py``). No fast-math: every product and sum is rounded on its own, in
the order written (LLVM fuses no multiply and add without it).

The kernel is compiled on its first call for one signature (C-contiguous float64 rates and
uint64 keys, an int and a uint64: :func:`sim.engine.rng.poisson` passes nothing else) and cached on disk
(``__pycache__`` beside this file, else ``NUMBA_CACHE_DIR`` or the user's cache directory), so
later processes load it; where no cache directory is writable it is compiled in memory in each
process.

Numba checks for a BLAS when it sets up its array functions (``numba.np.arraymath`` imports
``scipy.linalg`` to see whether ``np.dot`` can call one): 0.2-0.3 s of every process's first
kernel, for routines these kernels never call. :func:`_skip_blas_check` answers that check
"none" (as on a machine without SciPy) before Numba makes it, and puts the check back for
everything else: ``np.dot`` and the ``np.linalg`` functions in jitted code still find SciPy's
BLAS when they are compiled; only Numba's ``np.correlate`` and ``np.convolve`` of floats take
their plain loop instead of BLAS's inner product in this process.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numba
import numpy as np

from sim.engine.fmath import exp_scalar, log_scalar
from sim.engine.rng_constants import (
    BAD_RATE,
    GAMMA,
    INDEX_BITS,
    LOG_FACTORIALS,
    LOGGAM_A,
    M1,
    M2,
    MAX_ATTEMPTS,
    PTRS_FROM,
    S11,
    S27,
    S30,
    S31,
    TO_UNIT,
)
from sim.engine.rng_scalar import inversion_one

__all__ = ["TANGENT_MARGIN", "compiled_exp", "compiled_log", "counts", "inversion", "jit",
           "jit_inline", "log_factorial", "loggam", "ptrs", "small_count", "unit"]

# SplitMix64's constants, the counter's layout and PTRS's tables are sim.engine.rng's own
_ATTEMPT_SHIFT = np.uint64(INDEX_BITS)  # a counter's bits of the index: the attempt sits above
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_LOGGAM_A = np.array(LOGGAM_A)
_HALF_LOG_2PI = 0.5 * 1.8378770664093453
#: How far below the tangent 1 - lam a uniform must be for :func:`small_count` to give 0 without
#: exp(-lam): exp(-lam) >= 1 - lam for every lam, and the engine's exp (0.51 ulp) and the
#: rounding of 1 - lam err by less than 2.3e-16 between them, so such a u is below the computed F(0) too.
TANGENT_MARGIN = 1e-15


def _skip_blas_check() -> bool:
    """Import ``numba.np.arraymath`` with its import-time BLAS check answered "none" (module
    docstring), unless it is imported already or Numba has no ``numba.np.linalg.ensure_blas``
    to answer it; ``ensure_blas`` is put back after, and bound again in ``arraymath``. Returns
    whether the check was skipped."""
    if "numba.np.arraymath" in sys.modules:
        return False
    from numba.np import linalg

    check = getattr(linalg, "ensure_blas", None)
    if check is None:  # another Numba than 0.60-0.68: its own check, as it is
        return False

    def no_blas() -> None:
        raise ImportError("sahel-sim's kernels call no BLAS routine")

    linalg.ensure_blas = no_blas
    try:
        from numba.np import arraymath
    finally:
        linalg.ensure_blas = check
    arraymath.ensure_blas = check
    return True


_skip_blas_check()


def jit(func: Callable) -> Callable:
    """``func`` compiled by Numba (no Python objects; division by zero gives inf/NaN as in numpy,
    with no check), cached on disk where a cache directory is writable, in memory where none
    is (Numba refuses ``cache=True`` then)."""
    try:
        return numba.njit(cache=True, error_model="numpy")(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(error_model="numpy")(func)


def jit_inline(func: Callable) -> Callable:
    """``func`` compiled as :func:`jit` compiles it, and written into each kernel that calls it
    (Numba's ``inline="always"``, on Numba's own code before LLVM's): for the helpers that take
    arrays and indices (a power's personnel in a state, a row's sum), which the kernels call in
    their innermost loops. Called as a function of its own, each call passes every array's shape,
    strides and data and counts references to it: a state's security capacity of 256 worlds took
    0.30 ms so and 0.17 ms inlined. The same operations in the same order: the same floats."""
    try:
        return numba.njit(cache=True, error_model="numpy", inline="always")(func)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(error_model="numpy", inline="always")(func)


compiled_exp = jit(exp_scalar)
compiled_log = jit(log_scalar)


@jit
def unit(z: np.uint64) -> float:
    """The uniform number in [0, 1) of SplitMix64's state ``z``: the top 53 bits of its output
    function (wrapping uint64 arithmetic)."""
    z = (z ^ (z >> S30)) * M1
    z = (z ^ (z >> S27)) * M2
    z = z ^ (z >> S31)
    return np.float64(z >> S11) * TO_UNIT


#: :func:`sim.engine.rng_scalar.inversion_one` compiled: the Poisson count by inversion of the
#: CDF of a rate below PTRS_FROM, BLOCK terms at a time (one source for the kernel and for
#: numpy's path of a few draws).
inversion = jit(inversion_one)


@jit
def small_count(u: float, lam: float) -> float:
    """The Poisson count of the uniform ``u`` at a rate ``lam`` below PTRS_FROM: 0 below F(0) =
    exp(-lam), 1 below F(1) = lam F(0) + F(0) (most draws stop there), else :func:`inversion`.
    A u below the tangent 1 - lam (less :data:`TANGENT_MARGIN`) is below F(0) whatever exp
    gives: 0 without computing exp (half the draws of a month have rates below 0.1)."""
    if u < 1.0 - lam - TANGENT_MARGIN:
        return 0.0
    p0 = compiled_exp(-lam)
    cdf1 = lam * p0
    cdf1 += p0
    if u < p0:
        return 0.0
    if u < cdf1:
        return 1.0
    return inversion(u, lam, p0)


@jit
def loggam(x: float) -> float:
    """log Gamma(x) for x > 0: numpy's ``random_loggam`` (the function its own PTRS uses), a
    Stirling series at x + n >= 7 brought down by the recurrence. Non-positive or NaN x give
    NaN."""
    if not x > 0.0:
        return np.nan
    n = np.floor(7.0 - x) if x < 7.0 else 0.0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = _LOGGAM_A[9]
    for i in range(8, -1, -1):
        gl0 = gl0 * x2 + _LOGGAM_A[i]
    gl = gl0 / x0 + _HALF_LOG_2PI + (x0 - 0.5) * compiled_log(x0) - x0
    for _ in range(int(n)):
        x0 = x0 - 1.0
        gl = gl - compiled_log(x0)
    if x == 1.0 or x == 2.0:
        return 0.0
    return gl


@jit
def log_factorial(k: float) -> float:
    """log k! of a whole number k >= 0: a table below 4,096, :func:`loggam` of k + 1 above."""
    if k < LOG_FACTORIALS.size:
        return LOG_FACTORIALS[int(k)]
    return loggam(k + 1.0)


@jit
def ptrs(state: np.uint64, lam: float) -> float:
    """The Poisson count at rate ``lam`` (from PTRS_FROM) by transformed rejection with squeeze
    (Hörmann 1993, PTRS) of the draw whose place ``(month, index)`` has SplitMix64's state
    ``state``: attempt ``a`` takes u from place ``(month, index)`` and v from ``(month, index +
    1)`` of attempt ``a``; the count is the first accepted attempt's k. A draw rejected by all 64
    attempts (probability below 1e-50) is its rounded rate."""
    b = 0.931 + 2.53 * math.sqrt(lam)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    for attempt in range(MAX_ATTEMPTS):
        shift = np.uint64(attempt) << _ATTEMPT_SHIFT
        u = unit(state + shift * GAMMA) - 0.5
        v = unit(state + (shift + _ONE) * GAMMA)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + lam + 0.43)  # u = -0.5: us = 0, k = -inf, rejected
        if us >= 0.07 and v <= vr:  # the squeeze: most draws stop here
            return k
        if k >= 0.0 and not (us < 0.013 and v > us):
            lhs = (compiled_log(v) + compiled_log(1.1239 + 1.1328 / (b - 3.4))
                   - compiled_log(a / (us * us) + b))
            rhs = -lam + k * compiled_log(lam) - log_factorial(k)
            if lhs <= rhs:
                return k
    return np.rint(lam)


@jit
def counts(lam: np.ndarray, keys: np.ndarray, per_key: int, base: np.uint64) -> np.ndarray:
    """The kernel: the Poisson counts (float64) of the flat rates ``lam`` (C-contiguous float64,
    checked finite and >= 0), rate ``s x per_key + i`` drawn from stream ``keys[s]`` (C-contiguous
    uint64) at place ``(month, 2 i)``, ``base`` (uint64) being the counter of ``(month, 0)``
    (``month << 30``). A rate of 0 gives 0.

    Raises:
        ValueError: ``lam`` does not hold ``per_key`` rates for each key (nothing is read), or a
            rate is negative or not finite (:func:`sim.engine.rng.poisson`'s message).
    """
    if per_key < 0 or lam.size != keys.size * per_key:
        raise ValueError("lam: the kernel needs per_key rates for each key")
    out = np.zeros(lam.size)
    for s in range(keys.size):
        key = keys[s]
        for i in range(per_key):
            at = s * per_key + i
            rate = lam[at]
            if rate == 0.0:
                continue
            if not (rate > 0.0 and rate < math.inf):
                raise ValueError(BAD_RATE)
            state = (base + _TWO * np.uint64(i)) * GAMMA + key
            if rate < PTRS_FROM:
                out[at] = small_count(unit(state), rate)
            else:
                out[at] = ptrs(state, rate)
    return out
