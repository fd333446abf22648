"""The counter-based random numbers of the batch engine (sim.engine.rng): uniform, independent across
streams, places and months, Poisson exact in distribution, and the same for a world whatever its
batch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine import fmath
from sim.engine.rng import PTRS_FROM, poisson, stream_keys, uniforms


def test_uniforms_are_uniform_and_a_pure_function_of_their_place():
    keys = stream_keys([1, 2, 3], "test")
    index = np.arange(40_000)
    u = uniforms(keys[:, None], 5, index[None, :])
    assert u.shape == (3, 40_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    for row in u:
        assert stats.kstest(row, "uniform").pvalue > 1e-3
    # the same place gives the same number; another month, stream or place another one
    assert np.array_equal(u, uniforms(keys[:, None], 5, index[None, :]))
    assert not np.array_equal(u[0], uniforms(keys[0], 6, index))
    assert abs(np.corrcoef(u[0], u[1])[0, 1]) < 0.03
    assert abs(np.corrcoef(u[0, :-1], u[0, 1:])[0, 1]) < 0.03  # neighbouring places
    assert abs(np.corrcoef(u[0], uniforms(keys[0], 6, index))[0, 1]) < 0.03  # next month


def test_stream_keys_differ_by_seed_and_name_and_follow_the_seed_only():
    a = stream_keys([7, 8], "group:jnim:recruit")
    assert a[0] != a[1]
    assert stream_keys([7], "group:jnim:attacks")[0] != a[0]
    assert stream_keys([8, 7], "group:jnim:recruit").tolist() == [a[1], a[0]]


@pytest.mark.parametrize("lam", [0.01, 0.7, 3.0, 9.99, PTRS_FROM, 25.0, 310.0, 8000.0])
def test_poisson_has_the_mean_and_variance_of_its_rate(lam):
    n = 20_000
    keys = stream_keys([11], f"lam{lam}")
    x = poisson(keys, 3, np.full((1, n), lam))[0]
    assert np.all(x == np.floor(x)) and x.min() >= 0
    se = np.sqrt(lam / n)
    assert abs(x.mean() - lam) < 5 * se
    # the sample variance over the rate: standard error sqrt((1 / lam + 2) / n) for a Poisson
    assert abs(x.var() / lam - 1.0) < 5 * np.sqrt((1.0 / lam + 2.0) / n)


@pytest.mark.parametrize("lam", [2.5, 40.0])
def test_poisson_fits_the_distribution(lam):
    n = 30_000
    x = poisson(stream_keys([5], "fit"), 0, np.full((1, n), lam))[0].astype(int)
    lo, hi = int(stats.poisson.ppf(0.001, lam)), int(stats.poisson.ppf(0.999, lam))
    observed = np.array([(x <= lo).sum(), *[(x == k).sum() for k in range(lo + 1, hi)],
                         (x >= hi).sum()])
    probs = np.array([stats.poisson.cdf(lo, lam),
                      *[stats.poisson.pmf(k, lam) for k in range(lo + 1, hi)],
                      stats.poisson.sf(hi - 1, lam)])
    chi2 = (((observed - n * probs) ** 2) / (n * probs)).sum()
    assert stats.chi2.sf(chi2, len(probs) - 1) > 1e-3


def test_a_zero_rate_is_zero_and_a_worlds_counts_never_depend_on_its_batch():
    keys = stream_keys([1, 2, 3], "batch")
    lam = np.array([[0.0, 4.0, 30.0], [2.0, 0.0, 500.0], [1.0, 1.0, 1.0]])
    together = poisson(keys, 9, lam)
    assert together[0, 0] == 0 and together[1, 1] == 0
    for b in range(3):
        assert np.array_equal(poisson(keys[b:b + 1], 9, lam[b:b + 1]), together[b:b + 1])
    # a rate elsewhere in the world does not move this place's count
    other = lam.copy()
    other[0, 2] = 0.0
    assert poisson(keys[:1], 9, other[:1])[0, 1] == together[0, 1]


def test_keys_per_world_and_group():
    keys = stream_keys([1, 2], "a")[:, None] + np.array([0, 1], dtype=np.uint64)[None, :]
    lam = np.full((2, 2, 5), 6.0)
    out = poisson(keys, 0, lam)
    assert out.shape == (2, 2, 5)
    assert np.array_equal(out[1, 0], poisson(keys[1:, :1], 0, lam[1:, :1])[0, 0])


def test_bad_rates_are_refused():
    keys = stream_keys([1], "bad")
    for bad in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="lam"):
            poisson(keys, 0, np.array([[1.0, bad]]))
    with pytest.raises(ValueError, match="shape"):
        poisson(keys, 0, np.ones((2, 3)))
    with pytest.raises(ValueError, match="index"):
        uniforms(keys, 0, np.array([1 << 30]))


def test_log_gamma_is_lgamma():
    import math

    from sim.engine.rng_kernel import loggam

    x = np.array([1.0, 2.0, 3.0, 0.5, 6.99, 7.0, 10.5, 101.0, 1e5, 1e9])
    expected = np.array([math.lgamma(v) for v in x])
    assert np.allclose([loggam(v) for v in x], expected, rtol=1e-13, atol=1e-13)
    assert np.isnan([loggam(0.0), loggam(-1.0), loggam(np.nan)]).all()


def test_too_many_rates_for_a_stream_are_refused():
    with pytest.raises(ValueError, match="rates per stream"):
        poisson(stream_keys([1], "big"), 0, np.zeros((1, (1 << 23) + 1)))


def test_log_factorial_is_lgamma_of_k_plus_one():
    import math

    from sim.engine.rng_kernel import log_factorial

    k = np.array([0.0, 1.0, 5.0, 4095.0, 4096.0, 1e6])
    assert np.allclose([log_factorial(v) for v in k], [math.lgamma(v + 1.0) for v in k],
                       rtol=1e-13)


def test_a_uniform_beyond_the_largest_cdf_value_stays_in_the_tail():
    """The floating-point CDF of some rates stops just below 1 (0.5: 0.9999999999999999); the
    largest uniforms then get a count where the CDF stopped growing, not one far beyond."""
    from sim.engine.rng_kernel import inversion

    k = [inversion(1.0 - 2.0**-53, lam, fmath.exp(-lam)) for lam in (0.5, 7.0)]
    assert k[0] <= 30 and k[1] <= 50, k


def _reference_inversion(u: float, lam: float) -> tuple[int, list[float]]:
    """The count of ``u`` at rate ``lam`` by inversion, one term at a time in plain floats, and
    the CDF values it passed: the terms and sums formed in :func:`sim.engine.rng_kernel.inversion`'s order
    (blocks of 8 from F(n0): p(n0 + j) = p(n0) x (lam / (n0 + 1) x ... x lam / (n0 + j)),
    F(n0 + j) = F(n0) + (p(n0 + 1) + ... + p(n0 + j))), stopping where the CDF stops growing."""
    p = cdf = fmath.exp_scalar(-lam)  # the engine's exp
    seen = [cdf]
    if u < cdf:
        return 0, seen
    n0 = 0
    while True:
        t = s = 0.0
        for j in range(1, 9):
            t = lam / (n0 + j) if j == 1 else t * (lam / (n0 + j))
            pk = p * t
            s = pk if j == 1 else s + pk
            seen.append(cdf + s)
            if u < cdf + s:
                return n0 + j, seen
        if cdf + s <= cdf or pk <= 0:
            return n0, seen
        p, cdf, n0 = pk, cdf + s, n0 + 8


def test_inversion_matches_a_term_by_term_reference_at_the_cdf_boundaries():
    """Poisson's first step (k = 0 or 1) and its blocked search beyond give the reference's count
    for uniforms at, just below and just above every CDF value, at rates from 1e-6 to just below
    10: the CDF values are the same floats. (The kernel's count of a rate below PTRS_FROM is
    ``small_count`` of the uniform at its place, tested here on chosen uniforms.)"""
    from sim.engine.rng_kernel import small_count

    rates = np.concatenate([np.geomspace(1e-6, 9.9, 150), [0.5, 1.0, 2.0, 7.0, 1e-300, 5e-324,
                                                          np.nextafter(PTRS_FROM, 0.0)]])
    us, lams, expected = [], [], []
    for lam in rates:
        _, cdf = _reference_inversion(1.0 - 2.0**-53, float(lam))
        cdf = np.array(cdf[:40])
        for u in np.concatenate([cdf, np.nextafter(cdf, 0.0), np.nextafter(cdf, 1.0),
                                 [0.0, 0.5, 1.0 - 2.0**-53]]):
            if u < 1.0:
                us.append(float(u))
                lams.append(float(lam))
                expected.append(_reference_inversion(float(u), float(lam))[0])
    got = [small_count(u, lam) for u, lam in zip(us, lams, strict=True)]
    assert len(expected) > 4000 and max(expected) >= 30 and expected.count(1) > 100
    assert got == expected


def test_ptrs_is_the_first_accepted_attempt_weighed_one_at_a_time():
    """Poisson counts at rates >= 10 are those of PTRS run one attempt at a time on the public
    uniforms (u at place 2 i, v at 2 i + 1, attempt a): the first accepted attempt is kept."""
    from sim.engine.rng import _log_factorial

    keys = stream_keys([3, 4], "ptrs")
    lam = np.concatenate([np.geomspace(PTRS_FROM, 3e4, 2000), np.full(2000, 10.5)])
    lam = np.stack([lam, lam[::-1]])
    got = poisson(keys, 7, lam)
    key = np.repeat(keys, lam.shape[1])
    index = np.tile(2 * np.arange(lam.shape[1]), 2)
    lam = lam.ravel()
    b = 0.931 + 2.53 * np.sqrt(lam)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    expected = np.full(lam.size, np.nan)
    attempts = np.zeros(lam.size, dtype=int)
    for attempt in range(64):
        todo = np.flatnonzero(np.isnan(expected))
        u = uniforms(key[todo], 7, index[todo], attempt) - 0.5
        v = uniforms(key[todo], 7, index[todo] + 1, attempt)
        us = 0.5 - np.abs(u)
        at, bt, lt = a[todo], b[todo], lam[todo]
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((2.0 * at / us + bt) * u + lt + 0.43)
            lhs = (fmath.log(v) + fmath.log(1.1239 + 1.1328 / (bt - 3.4))
                   - fmath.log(at / (us * us) + bt))
            rhs = -lt + k * fmath.log(lt) - _log_factorial(np.maximum(k, 0.0))
        accept = ((us >= 0.07) & (v <= vr[todo])) | (
            (k >= 0) & ~((us < 0.013) & (v > us)) & (lhs <= rhs))
        expected[todo[accept]] = k[accept]
        attempts[todo[accept]] = attempt
    assert not np.isnan(expected).any()
    assert (attempts >= 1).sum() > 500 and (attempts >= 5).sum() > 0  # later steps are used
    assert np.array_equal(got.ravel(), expected)


def test_a_single_place_gives_a_number():
    keys = stream_keys([1, 2], "one")
    u = uniforms(keys[0], 4, np.int64(9))
    assert isinstance(u, np.float64)
    assert u == uniforms(keys, 4, np.array([9, 9]))[0]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 90),
       st.lists(st.floats(1.0, 7.0), min_size=1, max_size=4))
def test_ptrs_one_by_one_is_the_vectorized_ptrs(seed, n, exponents):
    """The few big rates of a small batch are drawn one by one (rng._ptrs_few): the counts are
    the vectorized PTRS's, bit for bit, at every size, with log factorials from the table and
    from log Gamma (k >= 4096)."""
    from sim.engine.rng import _ptrs, _ptrs_few

    gen = np.random.default_rng(seed)
    state = gen.integers(0, 2**64, n, dtype=np.uint64, endpoint=False)
    lam = 10.0 ** gen.uniform(1.0, max(exponents), n)
    lam[gen.random(n) < 0.2] = PTRS_FROM
    assert _ptrs_few(state, lam).tobytes() == _ptrs(state, lam).tobytes()


def test_a_uniform_one_by_one_is_the_vectorized_uniform():
    from sim.engine.rng import _unit, _unit_one

    z = np.concatenate([np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64),
                        np.random.default_rng(5).integers(0, 2**64, 2000, dtype=np.uint64)])
    assert [_unit_one(int(x)) for x in z] == _unit(z.copy()).tolist()


@pytest.mark.parametrize("few", [0, 10**9])
def test_the_numpy_counts_are_the_kernels_with_few_or_many_big_rates(few, monkeypatch):
    """A small batch's month (a few rates from PTRS_FROM among many small ones) counted by
    numpy, with the big rates and the draws past F(1) one by one or vectorized, gives the
    compiled kernel's counts."""
    from sim.engine import rng

    keys = stream_keys([11, 12], "few")
    gen = np.random.default_rng(9)
    lam = np.where(gen.random((2, 400)) < 0.05, 10.0 ** gen.uniform(1, 4, (2, 400)),
                   gen.exponential(0.8, (2, 400)))
    lam[gen.random((2, 400)) < 0.3] = 0.0
    monkeypatch.setattr(rng, "FEW_PTRS", few)
    monkeypatch.setattr(rng, "FEW_INVERSIONS", few)
    monkeypatch.setattr(rng, "_KERNEL", "numpy")
    by_numpy = poisson(keys, 5, lam)
    monkeypatch.setattr(rng, "_KERNEL", "numba")
    assert (lam >= PTRS_FROM).sum() > 20
    assert np.array_equal(by_numpy, poisson(keys, 5, lam))


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 90), st.floats(0.05, PTRS_FROM, exclude_max=True))
def test_an_inversion_one_by_one_is_the_vectorized_inversion(seed, n, top):
    """The few draws past F(1) of a small batch are searched one by one (rng._inversion_few): the
    counts are the vectorized blocks', bit for bit, up to the far tail (u within 1e-16 of 1)."""
    from sim.engine.rng import _inversion, _inversion_few

    gen = np.random.default_rng(seed)
    lam = gen.uniform(0.01, top, n)
    p0 = fmath.exp(-lam)
    u = gen.uniform(lam * p0 + p0, 1.0)
    u[gen.random(n) < 0.1] = 1.0 - 2.0**-53
    assert _inversion_few(u, lam, p0).tobytes() == _inversion(u, lam, p0).tobytes()
