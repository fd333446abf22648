"""The Poisson draws' scalar steps in Python floats, with neither numpy arrays nor Numba: one
source for the compiled kernel (:mod:`sim.engine.rng_kernel` compiles them with Numba) and for
numpy's path when a call has only a few draws to make (:mod:`sim.engine.rng`). Plain floats and
ints: Numba types them as doubles and 64-bit ints, so the compiled function makes the same
operations, rounded the same way.
"""

from __future__ import annotations

from sim.engine.rng_constants import BLOCK

__all__ = ["inversion_one"]


def inversion_one(u: float, lam: float, p0: float) -> float:
    """The Poisson count of the uniform ``u`` at rate ``lam`` (below PTRS_FROM) by inversion of the
    CDF: the least k with u < F(k), searched upward from 0 (``p0``: exp(-lam), F(0)), ``BLOCK``
    terms at a time. The block from k = n0 forms the ratios ``lam / (n0 + j)``, their
    running products ``r(j) = r(j - 1) x lam / (n0 + j)``, the terms ``p(n0 + j) = r(j) x p(n0)``
    and the CDF ``F(n0 + j) = (p(n0 + 1) + ... + p(n0 + j)) + F(n0)``, summed left to right; the
    count is n0 plus the number of the block's CDF values at or below u, plus 1 if u >= F(n0). A
    u beyond a whole block moves on to the next one, unless the CDF stopped growing over it (the
    far tail, within 1e-16 of 1: the largest CDF value floating point reaches), which gives n0.

    One function in Python floats for two callers: :func:`sim.engine.rng._inversion_few`
    (numpy's path, a few draws) and the compiled kernel (:data:`sim.engine.rng_kernel.inversion`,
    this function compiled by Numba); :func:`sim.engine.rng._inversion` is its vectorized twin
    (the same floats)."""
    p = p0
    cdf = p0
    n0 = 0
    while True:
        past = 0
        ratio = 0.0
        term = 0.0
        total = 0.0
        top = cdf
        for j in range(BLOCK):
            step = lam / (float(n0) + float(j + 1))
            ratio = step if j == 0 else ratio * step
            term = ratio * p
            total = term if j == 0 else total + term
            top = total + cdf
            if u >= top:
                past += 1
            else:  # F only grows (sums of terms >= 0): no later value of the block is <= u
                break
        if past < BLOCK:
            return float(past + (1 if u >= cdf else 0) + n0)
        if top <= cdf or term <= 0.0:
            return float(n0)
        p = term
        cdf = top
        n0 += BLOCK
