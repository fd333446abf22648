"""sim.engine.fmath: exp, log and power with the same floats on every CPU.

The functions are built from IEEE 754's basic operations only (docs/ODD.md 3.1, "The same numbers
on every CPU"): these tests check their accuracy against 40-digit decimal arithmetic, that a
result depends on nothing but its argument (not the array's shape, layout, batch or numpy's
dispatch level), that the scalar twins the compiled kernel uses give the same bits, and that the
shipped tables are what decimal arithmetic gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import ROOT

from sim.engine import fmath


def _ulps(got: np.ndarray, exact: list[Decimal]) -> np.ndarray:
    """|got - exact| in units of the last place of the double nearest ``exact``."""
    out = []
    for g, e in zip(got.tolist(), exact, strict=True):
        near = float(e)
        out.append(float(abs(Decimal(g) - e) / Decimal(float(np.spacing(abs(near))))))
    return np.array(out)


def test_exp_is_within_0_51_ulp_of_the_true_value():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-20, 5, 1500), rng.uniform(-708, 709, 500),
                        rng.normal(0, 1e-3, 300), -rng.uniform(0, 10, 700)])
    with localcontext() as ctx:
        ctx.prec = 40
        exact = [Decimal(v).exp() for v in x.tolist()]
    err = _ulps(fmath.exp(x), exact)
    assert err.max() < 0.51, err.max()
    # it agrees with a correctly rounded exp on all but a fraction of a percent
    assert np.mean(fmath.exp(x) != np.array([float(e) for e in exact])) < 0.005


def test_log_is_within_1_ulp_of_the_true_value():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(0, 100, 1500), 10.0 ** rng.uniform(-300, 300, 500),
                        1.0 + rng.normal(0, 1e-6, 300), rng.integers(1, 2**53, 500) * 2.0**-53])
    with localcontext() as ctx:
        ctx.prec = 40
        exact = [Decimal(v).ln() for v in x.tolist()]
    err = _ulps(fmath.log(x), exact)
    assert err.max() < 1.0, err.max()


def test_special_values_follow_ieee():
    tiny = 5e-324
    assert fmath.exp(0.0) == 1.0 and fmath.exp(-0.0) == 1.0
    assert fmath.exp(np.inf) == np.inf and fmath.exp(-np.inf) == 0.0
    assert np.isnan(fmath.exp(np.nan))
    assert fmath.exp(709.8) == np.inf and fmath.exp(-746.0) == 0.0
    assert fmath.exp(-745.0) == tiny  # the smallest subnormal
    assert fmath.exp(709.78) < np.inf
    assert fmath.log(0.0) == -np.inf and fmath.log(-0.0) == -np.inf
    assert np.isnan(fmath.log(-1.0)) and np.isnan(fmath.log(np.nan))
    assert fmath.log(np.inf) == np.inf and fmath.log(1.0) == 0.0
    assert fmath.log(tiny) == pytest.approx(-744.4400719213812, rel=1e-15)
    assert fmath.power(0.0, 2.0) == 0.0 and fmath.power(0.0, 0.0) == 1.0
    assert fmath.power(0.0, -1.0) == np.inf and fmath.power(np.inf, 2.0) == np.inf
    assert fmath.power(np.inf, -2.0) == 0.0 and np.isnan(fmath.power(-1.0, 2.0))
    assert np.isnan(fmath.power(2.0, np.nan))


def test_power_is_exactly_the_base_at_exponent_one_and_close_elsewhere():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1e6, 5000)
    assert np.array_equal(fmath.power(x, 1.0), x)
    for y in (0.6, 1.4, 2.0, 3.0):
        assert np.allclose(fmath.power(x, y), x ** y, rtol=2e-14, atol=0.0)
    assert fmath.power(3.0, 2.0) == pytest.approx(9.0, rel=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1,
                max_size=40))
def test_a_result_depends_on_its_argument_only(values):
    """Arrays of any shape, layout or company give each element the bits it gets alone; the
    scalar twins (which the compiled kernel runs) give them too."""
    a = np.array(values)
    with np.errstate(all="ignore"):
        for fn, one in ((fmath.exp, fmath.exp_scalar), (fmath.log, fmath.log_scalar)):
            whole = fn(a)
            alone = np.array([fn(v) for v in values])
            scalar = np.array([one(v) for v in values])
            assert np.array_equal(whole, alone, equal_nan=True)
            assert np.array_equal(whole, scalar, equal_nan=True)
            wide = np.repeat(a[None, :], 3, axis=0)
            assert np.array_equal(fn(wide.T).T[1], whole, equal_nan=True)  # a transposed view
            assert np.array_equal(fn(np.concatenate([a, a])[::2][: a.size]),
                                  fn(np.concatenate([a, a]))[::2][: a.size], equal_nan=True)
        # power: a number exponent and an array of them give the same bits (numpy's ** does not)
        pos = np.abs(a)
        for y in (0.6, 1.0, 2.0):
            assert np.array_equal(fmath.power(pos, y), fmath.power(pos, np.full(a.shape, y)),
                                  equal_nan=True)
            assert np.array_equal(fmath.power(pos[:, None], np.array([[y, 1.5]]))[:, 0],
                                  fmath.power(pos, y), equal_nan=True)


def test_the_shipped_tables_are_decimal_arithmetics():
    exp2, logf = fmath.table_values()
    assert np.array_equal(exp2, fmath.EXP2_TABLE)
    assert np.array_equal(logf, fmath.LOG_FACTORIALS)


_PROBE = textwrap.dedent("""
    import hashlib, numpy as np
    from sim.engine import fmath
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.uniform(-745, 709, 20000), rng.uniform(-20, 5, 20000)])
    y = fmath.exp(rng.uniform(-690, 690, 20000))  # (numpy's 10.0 ** x is not the same everywhere)
    h = hashlib.sha256()
    for a in (fmath.exp(x), fmath.log(y), fmath.power(y[:5000], rng.uniform(0.2, 3, 5000)),
              x.reshape(-1, 40).sum(axis=1), (x[:, None] * y[:40000:1000][None, :40]).sum(axis=1),
              np.bincount(rng.integers(0, 9, x.size), weights=x), np.sqrt(y), x / 3.7):
        h.update(np.ascontiguousarray(a).tobytes())
    print(h.hexdigest())
""")


def _probe(disable: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    if disable:
        env["NPY_DISABLE_CPU_FEATURES"] = disable
    proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _higher_targets() -> list[str]:
    """numpy's dispatch targets enabled on this CPU above its baseline, highest last."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]


def test_the_engines_arithmetic_is_the_same_at_every_dispatch_level():
    """fmath's functions, and the numpy operations the engine relies on (pairwise sums of rows,
    bincount, sqrt, division), give the same bits with every SIMD target numpy would use on this
    CPU and with each higher one disabled in turn (``NPY_DISABLE_CPU_FEATURES``)."""
    targets = _higher_targets()
    levels = [None] + [" ".join(targets[i:]) for i in range(len(targets) - 1, -1, -1)]
    digests = {level or "all": _probe(level) for level in levels}
    assert len(set(digests.values())) == 1, digests
    print(f"dispatch levels checked: {list(digests)}")
    # and numpy's own exp differs between them where AVX-512 is on (why fmath exists)
    if "AVX512_SKX" in targets or "X86_V4" in targets:
        probe = "import numpy as np, math; x = np.linspace(-20, 5, 100001); " \
                "print(np.mean(np.exp(x) != np.array([math.exp(v) for v in x])))"
        share = float(subprocess.run([sys.executable, "-c", probe], text=True,
                                     capture_output=True, check=True).stdout)
        assert share > 0.001, share



def _decimal_sin_cos(x: float) -> tuple[Decimal, Decimal]:
    """sin and cos of ``x`` by their Taylor series in 40-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 45
        d = Decimal(x)
        s, c = Decimal(0), Decimal(0)
        term_s, term_c = d, Decimal(1)
        for n in range(60):
            s += term_s
            c += term_c
            term_s = -term_s * d * d / ((2 * n + 2) * (2 * n + 3))
            term_c = -term_c * d * d / ((2 * n + 1) * (2 * n + 2))
        return +s, +c


def test_sin_and_cos_are_within_1_5_ulp_and_log10_within_2():
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.uniform(-np.pi, np.pi, 1500), np.radians(rng.uniform(-30, 40, 500))])
    exact = [_decimal_sin_cos(v) for v in x.tolist()]
    assert _ulps(fmath.sin(x), [e[0] for e in exact]).max() <= 1.5  # 1.19 near pi
    assert _ulps(fmath.cos(x), [e[1] for e in exact]).max() <= 1.5
    y = rng.uniform(1.0, 1e6, 2000)
    with localcontext() as ctx:
        ctx.prec = 40
        exact10 = [Decimal(v).log10() for v in y.tolist()]
    assert _ulps(fmath.log10(y), exact10).max() <= 2.0
    assert fmath.sin(0.0) == 0.0 and fmath.cos(0.0) == 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=0,
                max_size=fmath.SMALL), st.sampled_from(["flat", "column", "transposed", "number"]))
def test_small_arrays_one_by_one_give_the_vectorized_bits(values, shape):
    """Up to ``fmath.SMALL`` numbers go one by one through the scalar twins: the bits, shape and
    memory layout of the vectorized steps, and a number for a number."""
    a = np.array(values, dtype=float)
    if shape == "column":
        a = a.reshape(-1, 1)
    elif shape == "transposed" and a.size:
        a = np.repeat(a[None, :], 2, axis=0)[:, : max(1, fmath.SMALL // 2 - 1)].T
    elif shape == "number":
        a = np.array(values[0] if values else 0.5)
    with np.errstate(all="ignore"):
        for fn, vector in ((fmath.exp, fmath._exp_array), (fmath.log, fmath._log_array)):
            assert a.size <= fmath.SMALL
            got, want = fn(a), vector(a)
            if a.ndim == 0:
                assert type(got) is float and type(want) is float
                assert np.array_equal(np.float64(got), np.float64(want), equal_nan=True)
                continue
            assert got.shape == want.shape and got.dtype == want.dtype == np.float64
            assert got.flags["C_CONTIGUOUS"] == want.flags["C_CONTIGUOUS"]
            assert got.flags["F_CONTIGUOUS"] == want.flags["F_CONTIGUOUS"]
            assert np.array_equal(got.view(np.int64)[~np.isnan(got)],
                                  want.view(np.int64)[~np.isnan(want)])  # bits, -0.0 too
            assert np.array_equal(np.isnan(got), np.isnan(want))
