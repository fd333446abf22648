"""The constants the two implementations of the Poisson counts share (:mod:`sim.engine.rng`, the
vectorized one, and :mod:`sim.engine.rng_kernel`, the compiled one): SplitMix64's, the counter's
layout, PTRS's tables and the bad-rate error. They live below both, so that the two cannot drift
apart and neither imports the other for them."""

from __future__ import annotations

import numpy as np

from sim.engine import fmath

__all__ = ["ATTEMPT_BITS", "BAD_RATE", "BLOCK", "GAMMA", "INDEX_BITS", "LOGGAM_A", "LOG_FACTORIALS",
           "M1", "M2", "MAX_ATTEMPTS", "PTRS_FROM", "S11", "S27", "S30", "S31", "TO_UNIT"]

# SplitMix64's constants, the counter's layout, PTRS's tables and the bad-rate error below are
# shared by sim.engine.rng and sim.engine.rng_kernel
GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
INDEX_BITS = 24  # positions per month and attempt: 16.7 million
ATTEMPT_BITS = 6  # rejection attempts per draw: 64
#: Rates from which :func:`sim.engine.rng.poisson` uses PTRS rather than inversion (numpy: 10
#: too).
PTRS_FROM = 10.0
MAX_ATTEMPTS = 1 << ATTEMPT_BITS
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: 53 random bits as a number in [0, 1)
#: The error of a rate that is negative or not finite (both implementations raise it).
BAD_RATE = "lam: a Poisson rate is negative or not finite; allowed: finite rates >= 0"
BLOCK = 8  # terms of the CDF per step of the inversion (both implementations)
#: log k! for k < 4,096 (exact to the double: :data:`sim.engine.fmath.LOG_FACTORIALS`).
LOG_FACTORIALS = fmath.LOG_FACTORIALS
#: The Stirling series' coefficients of numpy's ``random_loggam``.
LOGGAM_A = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
             -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03,
             6.410256410256410e-03, -2.955065359477124e-02, 1.796443723688307e-01,
             -1.39243221690590e00)
