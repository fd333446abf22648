"""Elementary functions that give the same floats on every CPU: ``exp``, ``log`` and ``power``
written with IEEE 754's basic operations only.

numpy picks its kernels for ``exp``, ``log`` and ``power`` by CPU at run time (AVX-512 has its
own, and on AVX-512 ``x ** y`` with an array ``y`` goes to SVML while ``x ** 2.0`` with a number
is ``x * x``); the C library chooses its own by CPU too (glibc's FMA variants), and so do BLAS
and numpy's ``einsum``. Their results differ in the last bit from one CPU, or one array layout,
to another. The engine takes none of them: its exponentials and logarithms are the functions
below, whose every step is one of

- ``+ - * /`` and ``sqrt`` on float64 (correctly rounded by IEEE 754 on every CPU; numpy never
  fuses a multiply and an add, and neither does Python or Numba without ``fastmath``),
- exact operations: ``floor``, comparisons, ``frexp``, ``ldexp`` (exact, or one rounding into
  the subnormal range), integer arithmetic, table look-ups,

in a fixed order. So a result depends on its argument only: not on the CPU, numpy's dispatch
level, the array's shape, layout or batch, nor on whether numpy or the compiled kernel
(:mod:`sim.engine.rng_kernel`, which compiles the ``*_scalar`` functions below) computes it.

``sin``, ``cos`` (fdlibm's kernels, for the regions' coordinates) and ``log10`` are built the
same way.

Accuracy (``tests/engine/test_fmath.py``, against 40-digit decimal arithmetic): ``exp`` within
0.51 ulp (table of 2^(j/128) in two doubles, Taylor polynomial of degree 5 on |r| <= ln 2/256);
``log`` within 1 ulp (fdlibm's ``e_log.c``); ``power(x, y)`` is ``exp(y log x)`` for x > 0, within
``1 + |y log x|`` ulp or so, and exactly ``x`` where ``y`` is 1. The first two agree with a
correctly rounding libm on all but a fraction of a percent of arguments; none of this changes
the model's science (``tests/engine/test_engine_distribution.py``), it fixes which of two
neighbouring floats the engine gets.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = ["EXP2_TABLE", "LN10", "LOG_FACTORIALS", "cos", "exp", "exp_scalar", "log", "log10",
           "log_scalar", "power", "sin", "table_values"]

_TABLES = Path(__file__).with_name("tables")
EXP_BITS = 7
EXP_N = 1 << EXP_BITS  # 128 table entries: 2^(j/128), j = 0..127
#: [128, 2]: 2^(j/128) as the nearest double (column 0) and the nearest double to the rest
#: (column 1), from 40-digit decimal arithmetic (:func:`table_values`).
EXP2_TABLE = np.load(_TABLES / "exp2_128.npy")
_T_HI = np.ascontiguousarray(EXP2_TABLE[:, 0])
_T_LO = np.ascontiguousarray(EXP2_TABLE[:, 1])
#: log k! for k = 0 .. 4095, each the double nearest the true value (40-digit decimal
#: arithmetic, :func:`table_values`), for the Poisson counts' rejection step (sim.engine.rng).
LOG_FACTORIALS = np.load(_TABLES / "log_factorials_4096.npy")
for _t in (EXP2_TABLE, _T_HI, _T_LO, LOG_FACTORIALS):
    _t.flags.writeable = False

# exp: x = k ln2/128 + r; k = 128 e + j; exp(x) = 2^e 2^(j/128) exp(r)
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+7")  # 128 / ln 2
# ln 2 / 128 in two parts: the first with 32 significant bits, so that k x it is exact for
# |k| < 2^21 and x - k x it is exact (Sterbenz) wherever k != 0
_LN2_N_HI = float.fromhex("0x1.62e42fefp-8")
_LN2_N_LO = float.fromhex("0x1.473de6af278edp-41")
# the Taylor coefficients of exp(r) - 1 = r + r^2/2 + r^3/6 + r^4/24 + r^5/120 (|r| <= 0.0028:
# the next term is below 2^-60 of the result)
_C3, _C4, _C5 = 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0
_EXP_MAX = 709.782712893384  # above: inf (the largest double is exp(709.7827128933840))
_EXP_MIN = -745.1332191019412  # below: 0 (half the smallest subnormal is exp(-745.13321910194122))

# log: fdlibm's e_log.c (Sun Microsystems, 1993): x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2),
# s = f / (2 + f), log(1 + f) = f - s (f - R(s^2)), R a polynomial of degree 14 in s
_LN2_HI = float.fromhex("0x1.62e42feep-1")  # 6.93147180369123816490e-01
_LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")  # 1.90821492927058770002e-10
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_SQRT_HALF = 0.7071067811865476
LN10 = 2.302585092994046  # the double nearest ln 10

# sin and cos: fdlibm's k_sin.c and k_cos.c polynomials on |y| <= pi/4
_INV_PIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e+00  # the first 33 bits of pi/2
_PIO2_1T = 6.07710050650619224932e-11  # pi/2 - _PIO2_1
_S1, _S2, _S3 = -1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04
_S4, _S5, _S6 = 2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10
_CC1, _CC2, _CC3 = 4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05
_CC4, _CC5, _CC6 = -2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11


def _expm1_small(r):
    """exp(r) - 1 for |r| <= ln 2/256 (arrays or numbers): the Taylor polynomial of degree 5, in
    this order."""
    return r + r * r * (0.5 + r * (_C3 + r * (_C4 + r * _C5)))


def _log_reduced(f, k):
    """log(2^k (1 + f)) for sqrt(2)/2 - 1 <= f < sqrt(2) - 1 and a whole number k (float), arrays
    or numbers: fdlibm's formula, in its order."""
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


#: Up to this many numbers, :func:`exp` and :func:`log` take them one by one through their scalar
#: twins (:func:`exp_scalar`, :func:`log_scalar`: the same floats): about 1.3 us a number in
#: Python against 25-40 us for the twenty-odd numpy calls of the vectorized steps at these sizes
#: (8 numbers: 11 us against 32-42 us). A single run calls them some 1,000 times on a few
#: numbers each (a state's trend, a decay factor, the Poisson counts of a few large rates before
#: the compiled kernel is loaded).
SMALL = 16


def _one_by_one(one, a: np.ndarray):
    """``one`` (a scalar twin) of each number of ``a`` (float64): a number for a 0-d array, else an
    array of ``a``'s shape and memory layout (as numpy's elementwise functions give)."""
    if a.ndim == 0:
        return float(one(float(a)))
    out = np.empty_like(a)
    out.flat = [one(v) for v in a.ravel().tolist()]  # in C order, both
    return out


def exp(x):
    """e^x, elementwise (float64): the same float for the same x on every CPU (module
    docstring). inf above 709.78, 0 below -745.13, NaN for NaN. A number gives a number."""
    a = np.asarray(x, dtype=float)
    if a.size <= SMALL:
        return _one_by_one(exp_scalar, a)
    return _exp_array(a)


def _exp_array(a: np.ndarray):
    """:func:`exp` by numpy's vectorized steps (a 0-d array gives a number)."""
    scalar = a.ndim == 0
    a = a.reshape(-1) if scalar else a
    finite = (a >= _EXP_MIN) & (a <= _EXP_MAX)  # NaN is neither
    xs = np.where(finite, a, 0.0)
    k = np.floor(xs * _INV_LN2_N + 0.5)
    r = (xs - k * _LN2_N_HI) - k * _LN2_N_LO
    ki = k.astype(np.int64)
    j = ki & (EXP_N - 1)
    hi = _T_HI[j]
    out = np.ldexp(hi + (hi * _expm1_small(r) + _T_LO[j]), (ki >> EXP_BITS).astype(np.int32))
    if not finite.all():
        out = np.where(finite, out, np.where(a > _EXP_MAX, np.inf, np.where(a < _EXP_MIN, 0.0, a)))
    return float(out[0]) if scalar else out


def log(x):
    """The natural logarithm, elementwise (float64): the same float for the same x on every CPU
    (module docstring). -inf at 0 (and -0), NaN below 0 and for NaN, inf at inf. A number gives
    a number."""
    a = np.asarray(x, dtype=float)
    if a.size <= SMALL:
        return _one_by_one(log_scalar, a)
    return _log_array(a)


def _log_array(a: np.ndarray):
    """:func:`log` by numpy's vectorized steps (a 0-d array gives a number)."""
    scalar = a.ndim == 0
    a = a.reshape(-1) if scalar else a
    finite = (a > 0) & (a < np.inf)
    m, e = np.frexp(np.where(finite, a, 1.0))  # m in [0.5, 1), exact (subnormals too)
    low = m < _SQRT_HALF
    m = np.where(low, m + m, m)
    f = m - 1.0  # exact (Sterbenz)
    k = (e - low).astype(float)
    out = _log_reduced(f, k)
    if not finite.all():
        out = np.where(finite, out, np.where(a == 0, -np.inf, np.where(a == np.inf, np.inf,
                                                                       np.nan)))
    return float(out[0]) if scalar else out


def log10(x):
    """The base-10 logarithm, elementwise: :func:`log` divided by ln 10 (within 2 ulp; the same
    float on every CPU)."""
    return log(x) / LN10


def _sin_kernel(y, z):
    """sin(y) for |y| <= pi/4 (z = y^2): fdlibm's ``k_sin.c`` polynomial, in its order."""
    return y + y * z * (_S1 + z * (_S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))))


def _cos_kernel(z):
    """cos(y) for |y| <= pi/4 (z = y^2): fdlibm's ``k_cos.c``, in its order."""
    r = z * (_CC1 + z * (_CC2 + z * (_CC3 + z * (_CC4 + z * (_CC5 + z * _CC6)))))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + z * r)


def _quadrant(x):
    """``(y, q)``: x = q pi/2 + y with |y| <= pi/4 (about), q in 0..3 (|x| < 2^19: fdlibm's
    medium reduction, pi/2 in two parts, the first with 33 bits)."""
    a = np.asarray(x, dtype=float)
    n = np.floor(a * _INV_PIO2 + 0.5)
    y = (a - n * _PIO2_1) - n * _PIO2_1T
    return y, n.astype(np.int64) & 3


def sin(x):
    """The sine of ``x`` (radians, |x| < 2^19), elementwise: within 1.5 ulp, the same float
    on every CPU (numpy's own sin has SIMD kernels that differ)."""
    y, q = _quadrant(x)
    z = y * y
    s, c = _sin_kernel(y, z), _cos_kernel(z)
    return np.where(q == 0, s, np.where(q == 1, c, np.where(q == 2, -s, -c)))


def cos(x):
    """The cosine of ``x`` (radians, |x| < 2^19), elementwise: within 1.5 ulp, the same float
    on every CPU."""
    y, q = _quadrant(x)
    z = y * y
    s, c = _sin_kernel(y, z), _cos_kernel(z)
    return np.where(q == 0, c, np.where(q == 1, -s, np.where(q == 2, -c, s)))


def power(x, y):
    """``x ** y`` for x >= 0, elementwise and broadcast (float64): exactly ``x`` where y is 1,
    else ``exp(y log x)`` with IEEE's answers at x = 0 (0 for y > 0, 1 for y = 0, inf for
    y < 0) and x = inf; NaN for x < 0 or NaN. The same float on every CPU, whatever the
    shapes (numpy's ``**`` takes another kernel for a number exponent than for an array's)."""
    xa, ya = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    scalar = xa.ndim == 0
    if scalar:
        xa, ya = xa.reshape(-1), ya.reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        positive = (xa > 0) & (xa < np.inf)
        out = exp(ya * log(np.where(positive, xa, 1.0)))
        if not positive.all():
            edge = np.where(xa == 0, np.where(ya > 0, 0.0, np.where(ya < 0, np.inf, 1.0)),
                            np.where(xa == np.inf, np.where(ya > 0, np.inf,
                                                            np.where(ya < 0, 0.0, 1.0)), np.nan))
            edge = np.where(np.isnan(ya) & ~np.isnan(xa), np.nan, edge)
            out = np.where(positive, out, edge)
        out = np.where(ya == 1.0, xa, out)
    return float(out[0]) if scalar else out


def exp_scalar(x: float) -> float:
    """:func:`exp` of one number, step for step (compiled by :mod:`sim.engine.rng_kernel`; the same
    float as :func:`exp`)."""
    if not (x >= _EXP_MIN and x <= _EXP_MAX):
        if x > _EXP_MAX:
            return math.inf
        return 0.0 if x < _EXP_MIN else x
    kf = math.floor(x * _INV_LN2_N + 0.5)  # the steps of exp, written out for Numba
    r = (x - kf * _LN2_N_HI) - kf * _LN2_N_LO
    k = int(kf)
    j = k & (EXP_N - 1)
    hi = _T_HI[j]
    return math.ldexp(hi + (hi * (r + r * r * (0.5 + r * (_C3 + r * (_C4 + r * _C5))))
                            + _T_LO[j]), k >> EXP_BITS)


def log_scalar(x: float) -> float:
    """:func:`log` of one number, step for step (compiled by :mod:`sim.engine.rng_kernel`; the same
    float as :func:`log`)."""
    if not (x > 0 and x < math.inf):
        if x == 0:
            return -math.inf
        return math.inf if x == math.inf else math.nan
    m, e = math.frexp(x)
    # the steps of _log_reduced written out: Numba compiles this function, and cannot call a
    # plain Python one
    if m < _SQRT_HALF:
        m = m + m
        e = e - 1
    f = m - 1.0
    k = float(e)
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * _LN2_HI - ((hfsq - (s * (hfsq + r) + k * _LN2_LO)) - f)


def table_values() -> tuple[np.ndarray, np.ndarray]:
    """The tables computed afresh with 40-digit decimal arithmetic (which does not depend on the
    CPU): ``(EXP2_TABLE, LOG_FACTORIALS)``. The shipped files hold these (tested); regenerate
    them with ``python -m sim.engine.fmath``."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        exp2 = np.empty((EXP_N, 2))
        for j in range(EXP_N):
            v = Decimal(2) ** (Decimal(j) / EXP_N)
            hi = float(v)
            exp2[j] = hi, float(v - Decimal(hi))
        logf = np.empty(4096)
        acc = Decimal(0)
        for k in range(4096):
            if k > 1:
                acc += Decimal(k).ln()
            logf[k] = float(acc)
    return exp2, logf


if __name__ == "__main__":  # regenerate the tables
    _TABLES.mkdir(exist_ok=True)
    _exp2, _logf = table_values()
    np.save(_TABLES / "exp2_128.npy", _exp2)
    np.save(_TABLES / "log_factorials_4096.npy", _logf)
    print(f"wrote {_TABLES}")
