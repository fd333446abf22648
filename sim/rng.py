"""Counter-based random numbers for the batch engine: every draw is a pure function of its key and
its place, so a batch of worlds draws all its numbers in one vectorized call and a world's numbers
never depend on its batch.

A *stream* is keyed by a run's seed and a name (``group:jnim/recruit``, ``process:combat``, ...):
:func:`stream_keys` gives one 64-bit key per world. A draw's place is ``(month, index)``: the
month of the run and the position of the number in that month's array for the stream (a region,
a row of the combat rates...). The number is SplitMix64's output function (Steele, Lea & Flood
2014; the generator of Java's ``SplittableRandom``) of ``key + counter x golden gamma``, with the
counter built from the place: stream ``key`` at position ``counter`` of SplitMix64's sequence.
SplitMix64 passes BigCrush; numpy's own ``SeedSequence`` spreads the seeds into keys.

Because a number depends only on (seed, name, month, index):

- a world's results are the same alone or in any batch, in any order, with any number of
  workers;
- common random numbers across paired scenarios hold place by place: the same region in the same
  month gets the same uniform in a run and in its twin, however differently the two runs
  unfolded before (a sequential generator shifts every later draw once one draw is added).

:func:`poisson` turns uniforms into Poisson counts, exact in distribution: inversion of the CDF
for rates below :data:`PTRS_FROM`, Hörmann's transformed rejection (PTRS, the algorithm numpy
uses) above, with fresh uniforms for each attempt.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["poisson", "stream_keys", "uniforms"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INDEX_BITS = 24  # positions per month and attempt: 16.7 million
_ATTEMPT_BITS = 6  # rejection attempts per draw: 64
#: Rates from which :func:`poisson` uses PTRS rather than inversion (numpy uses 10 too).
PTRS_FROM = 10.0
_MAX_ATTEMPTS = 1 << _ATTEMPT_BITS


def stream_keys(seeds: Sequence[int], name: str) -> np.ndarray:
    """``[B]`` uint64: the key of stream ``name`` in each world (one seed per world), from
    ``SeedSequence(seed, spawn_key=(crc32(name),))`` as :func:`sim.seeds.stream` spawns it."""
    tag = zlib.crc32(name.encode())
    return np.array([np.random.SeedSequence(entropy=int(s), spawn_key=(tag,))
                     .generate_state(1, dtype=np.uint64)[0] for s in seeds], dtype=np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function, elementwise on uint64 (wrapping arithmetic), in place of
    ``z`` (a fresh array)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _counter(month: int, attempt: int | np.ndarray, index: np.ndarray) -> np.ndarray:
    base = np.uint64(int(month) << (_INDEX_BITS + _ATTEMPT_BITS))
    step = np.left_shift(np.asarray(attempt, dtype=np.uint64), np.uint64(_INDEX_BITS))
    return base + step + index.astype(np.uint64)


def uniforms(keys: np.ndarray, month: int, index: np.ndarray, attempt: int = 0) -> np.ndarray:
    """Uniform numbers in [0, 1) with 53 random bits: one for each pair of ``keys`` (uint64) and
    ``index`` (ints < 2**24), broadcast together, at ``month`` (and rejection ``attempt``)."""
    if np.any(index >= (1 << _INDEX_BITS)) or np.any(index < 0):
        raise ValueError(f"index: {int(np.max(index))} is out of range; allowed: 0 <= index < "
                         f"{1 << _INDEX_BITS}")
    return _uniforms(keys, month, index, attempt)


def _uniforms(keys: np.ndarray, month: int, index: np.ndarray,
              attempt: int | np.ndarray = 0) -> np.ndarray:
    """:func:`uniforms` without the check of ``index`` (the callers build it in range)."""
    with np.errstate(over="ignore"):
        z = _counter(month, attempt, index)
        z *= _GAMMA
        z = _mix(z + keys)
    z >>= _S11
    return z.astype(np.float64) * (1.0 / 9007199254740992.0)


def poisson(keys: np.ndarray, month: int, lam: np.ndarray) -> np.ndarray:
    """Poisson counts (as floats) of the rates ``lam``, whose leading axes are those of ``keys``
    (``[B]`` for one stream per world, ``[B, G]`` for one per world and group...): the count at
    flat position ``i`` of ``lam[key's place]`` comes from that stream's numbers at places
    ``(month, 2 i)`` and ``(month, 2 i + 1)``. A rate of 0 gives 0 and uses no number.

    Raises:
        ValueError: a rate is negative or not finite.
    """
    lam = np.asarray(lam, dtype=float)
    keys = np.asarray(keys, dtype=np.uint64)
    if lam.shape[:keys.ndim] != keys.shape:
        raise ValueError(f"lam: shape {lam.shape} does not start with the keys' shape "
                         f"{keys.shape}")
    out = np.zeros(lam.shape)
    flat = lam.reshape(keys.size, -1)
    if 2 * flat.shape[1] > (1 << _INDEX_BITS):
        raise ValueError(f"lam: {flat.shape[1]} rates per stream and month; allowed: at most "
                         f"{1 << (_INDEX_BITS - 1)}")
    bi, ii = np.nonzero(flat)
    if bi.size == 0:
        return out
    rate = flat[bi, ii]
    if not rate.min() >= 0 or not np.isfinite(rate.sum()):
        raise ValueError("lam: a Poisson rate is negative or not finite; allowed: finite rates "
                         ">= 0")
    key = keys.reshape(-1)[bi]
    counts = np.empty(rate.shape)
    small = rate < PTRS_FROM
    if small.any():
        counts[small] = _inversion(key[small], month, 2 * ii[small], rate[small])
    big = ~small
    if big.any():
        counts[big] = _ptrs(key[big], month, 2 * ii[big], rate[big])
    out.reshape(keys.size, -1)[bi, ii] = counts
    return out


def _inversion(key: np.ndarray, month: int, index: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson by inversion of the CDF (rates below :data:`PTRS_FROM`): the least k with
    u < F(k), searched upward from 0, :data:`_BLOCK` terms of the CDF at a time for every draw
    not yet placed."""
    u = _uniforms(key, month, index)
    p = np.exp(-lam)
    cdf = p.copy()
    k = np.zeros(lam.shape)
    active = np.flatnonzero(u >= cdf)
    n0 = 0
    while active.size:
        terms = lam[active][:, None] / (n0 + _STEPS)[None, :]
        pk = p[active][:, None] * np.cumprod(terms, axis=1)  # p(n0 + 1) .. p(n0 + BLOCK)
        ck = cdf[active][:, None] + np.cumsum(pk, axis=1)
        below = u[active][:, None] < ck
        found = below.any(axis=1)
        k[active[found]] = n0 + 1 + np.argmax(below[found], axis=1)
        rest = ~found
        last_p, last_c = pk[rest, -1], ck[rest, -1]
        on = active[rest]
        # a u above the largest CDF value floating point reaches (within 1e-16 of 1) stops where
        # the CDF stopped growing: the far tail, which carries no more mass
        stalled = (last_c <= cdf[on]) | (last_p <= 0)
        k[on[stalled]] = n0
        p[on], cdf[on] = last_p, last_c
        n0 += _BLOCK
        active = on[~stalled]
    return k


_BLOCK = 8  # terms of the CDF per step of the inversion
_STEPS = np.arange(1, _BLOCK + 1, dtype=float)
_TRIES = 4  # rejection attempts per step of PTRS
#: PTRS's places (index offset 0 for u, 1 for v) and attempts of the step starting at attempt a
_PLACE = {a: np.repeat([0, 1], _TRIES)[None, :] for a in range(0, _MAX_ATTEMPTS, _TRIES)}
_ATTEMPT = {a: np.tile(np.arange(a, a + _TRIES), 2)[None, :]
            for a in range(0, _MAX_ATTEMPTS, _TRIES)}


def _ptrs(key: np.ndarray, month: int, index: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson by transformed rejection with squeeze (Hörmann 1993, PTRS; rates >= 10): attempt
    ``a`` takes the uniforms at places ``(month, index)`` and ``(month, index + 1)`` of attempt
    ``a``; a draw is its first accepted attempt (:data:`_TRIES` attempts are weighed at once). A
    draw rejected by every one of 64 attempts (probability below 1e-50) is set to its rounded
    rate."""
    slam = np.sqrt(lam)
    loglam = np.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k_out = np.rint(lam)
    todo = np.arange(lam.size)
    for first in range(0, _MAX_ATTEMPTS, _TRIES):
        if todo.size == 0:
            break
        # [n, 2 x TRIES]: u at (index, attempt), v at (index + 1, attempt), TRIES attempts
        both = _uniforms(key[todo][:, None], month, index[todo][:, None] + _PLACE[first],
                         _ATTEMPT[first])
        u, v = both[:, :_TRIES] - 0.5, both[:, _TRIES:]
        us = 0.5 - np.abs(u)
        a_t, b_t, lam_t = a[todo][:, None], b[todo][:, None], lam[todo][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):  # u = 0: us = 0, k = -inf, rejected
            k = np.floor((2.0 * a_t / us + b_t) * u + lam_t + 0.43)
        accept = (us >= 0.07) & (v <= vr[todo][:, None])  # the squeeze: most draws stop here
        rows, cols = np.nonzero(~accept & (k >= 0) & ~((us < 0.013) & (v > us)))
        if rows.size:
            t_all = todo[rows]
            k_t, us_t = k[rows, cols], us[rows, cols]
            with np.errstate(divide="ignore", invalid="ignore"):
                lhs = (np.log(v[rows, cols]) + np.log(invalpha[t_all])
                       - np.log(a[t_all] / (us_t * us_t) + b[t_all]))
                rhs = -lam[t_all] + k_t * loglam[t_all] - _log_factorial(k_t)
            accept[rows, cols] = lhs <= rhs
        done = accept.any(axis=1)
        pick = np.argmax(accept[done], axis=1)
        k_out[todo[done]] = k[np.flatnonzero(done), pick]
        todo = todo[~done]
    return k_out


_LOG_FACTORIALS = np.array([math.lgamma(k + 1.0) for k in range(4096)])


def _log_factorial(k: np.ndarray) -> np.ndarray:
    """log k! of whole numbers k >= 0: a table below 4,096, :func:`_loggam` above."""
    k = np.asarray(k, dtype=float)
    small = k < len(_LOG_FACTORIALS)
    out = _LOG_FACTORIALS[np.where(small, k, 0).astype(np.intp)]
    if not small.all():
        out[~small] = _loggam(k[~small] + 1.0)
    return out


_LOGGAM_A = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
             -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03,
             6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01,
             -1.39243221690590e00)


def _loggam(x: np.ndarray) -> np.ndarray:
    """log Gamma(x) for x > 0, elementwise: numpy's ``random_loggam`` (the function its own PTRS
    uses), a Stirling series at x + n >= 7 brought down by the recurrence (not scipy's, whose
    import costs half a second). Non-finite or non-positive x give NaN."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        n = np.where((x < 7.0) & (x > 0), np.floor(7.0 - x), 0.0)
        x0 = x + n
        x2 = (1.0 / x0) * (1.0 / x0)
        gl0 = np.full(x.shape, _LOGGAM_A[9])
        for a in _LOGGAM_A[8::-1]:
            gl0 = gl0 * x2 + a
        gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * np.log(x0) - x0
        for k in range(1, int(n.max(initial=0.0)) + 1):
            step = n >= k
            x0 = np.where(step, x0 - 1.0, x0)
            gl = np.where(step, gl - np.log(x0), gl)
        gl = np.where((x == 1.0) | (x == 2.0), 0.0, gl)
        return np.where(x > 0, gl, np.nan)
