"""The counter-based random numbers of the batch engine (sim.rng): uniform, independent across
streams, places and months, Poisson exact in distribution, and the same for a world whatever its
batch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.rng import PTRS_FROM, poisson, stream_keys, uniforms


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

    from sim.rng import _loggam

    x = np.array([1.0, 2.0, 3.0, 0.5, 6.99, 7.0, 10.5, 101.0, 1e5, 1e9])
    expected = np.array([math.lgamma(v) for v in x])
    assert np.allclose(_loggam(x), expected, rtol=1e-13, atol=1e-13)
    assert np.isnan(_loggam(np.array([0.0, -1.0]))).all()


def test_too_many_rates_for_a_stream_are_refused():
    with pytest.raises(ValueError, match="rates per stream"):
        poisson(stream_keys([1], "big"), 0, np.zeros((1, (1 << 23) + 1)))


def test_log_factorial_is_lgamma_of_k_plus_one():
    import math

    from sim.rng import _log_factorial

    k = np.array([0.0, 1.0, 5.0, 4095.0, 4096.0, 1e6])
    assert np.allclose(_log_factorial(k), [math.lgamma(v + 1.0) for v in k], rtol=1e-13)


def test_a_uniform_beyond_the_largest_cdf_value_stays_in_the_tail():
    """The floating-point CDF of some rates stops just below 1 (0.5: 0.9999999999999999); the
    largest uniforms then get a count where the CDF stopped growing, not one far beyond."""
    from sim.rng import _inversion

    lam = np.array([0.5, 7.0])
    top = np.array([1.0 - 2.0**-53] * 2)
    import sim.rng as R

    real = R._uniforms
    try:
        R._uniforms = lambda *a, **k: top
        k = _inversion(np.zeros(2, dtype=np.uint64), 0, np.array([0, 2]), lam)
    finally:
        R._uniforms = real
    assert k[0] <= 30 and k[1] <= 50, k
