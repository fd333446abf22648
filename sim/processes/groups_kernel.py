"""Compiled kernels (Numba) of process 2, for the compiled path (:func:`sim.engine.rng.compiled`):
the recruits' Poisson rates (:func:`recruit_rates`, the numpy :func:`sim.processes.groups.recruit`
before its draw) and the fighters' moves (:func:`move`, :func:`sim.processes.groups.move`).

The numpy code's operations in its order, as :mod:`sim.processes.combat_kernel` explains. Two
sums are numpy's own reductions and are reproduced as numpy takes them: a sum over the regions
of a row of a C-contiguous array is numpy's pairwise summation added to +0.0 (:func:`row_sum`:
eight running sums over the first multiple of 8 terms, combined as a tree, then the rest one by
one; up to 128 terms, which is why the wrappers send longer rows to numpy), and a sum over the
groups, the middle axis, adds the groups in order. The edges' sums are ``bincount``'s: each bin
from +0.0, its edges in order. Tested bit for bit against the numpy code
(``tests/processes/test_compiled_processes.py``).
"""

from __future__ import annotations

import numpy as np

from sim.engine.rng_kernel import jit, jit_inline
from sim.processes.arrays import PAIRWISE_MAX
from sim.processes.hosts_kernel import np_max, np_min

__all__ = ["PAIRWISE_MAX", "move", "recruit_rates", "row_sum"]



@jit_inline
def row_sum(x: np.ndarray) -> float:
    """numpy's ``x.sum()`` of a 1-D float64 array of at most :data:`PAIRWISE_MAX` elements, bit
    for bit: +0.0 plus its pairwise sum (numpy's ``pairwise_sum``: below 8 terms one after the
    other from +0.0; else eight running sums r[j] of the terms j, j + 8, ... up to the last
    multiple of 8, added as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the remaining
    terms one by one)."""
    n = x.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += x[i]
        return 0.0 + res
    r0, r1, r2, r3 = x[0], x[1], x[2], x[3]
    r4, r5, r6, r7 = x[4], x[5], x[6], x[7]
    i = 8
    stop = n - (n % 8)
    while i < stop:
        r0 += x[i]
        r1 += x[i + 1]
        r2 += x[i + 2]
        r3 += x[i + 3]
        r4 += x[i + 4]
        r5 += x[i + 5]
        r6 += x[i + 6]
        r7 += x[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += x[i]
        i += 1
    return 0.0 + res


@jit
def recruit_rates(fighters: np.ndarray, harm_memory: np.ndarray, massacre_memory: np.ndarray,
                  legitimacy: np.ndarray, control: np.ndarray, rs: np.ndarray,
                  population: np.ndarray, population_floor: np.ndarray, rent: np.ndarray,
                  tax_rate: np.ndarray, illicit_income: np.ndarray, upkeep: np.ndarray,
                  recruit_rate: np.ndarray, prm: np.ndarray) -> np.ndarray:
    """[B, G, R] the month's recruitment rates (:func:`sim.processes.groups.recruit`): grievance,
    room under the cap, income against upkeep. ``prm`` [B, 8]: each world's numbers in the order
    of :data:`sim.processes.groups.RECRUIT_PARAMS`."""
    BASE, HARM, LEGIT, ABSENCE, REPRISAL, CAP, ELASTICITY, FUNDING_CAP = range(8)
    n_b, n_g, n_r = fighters.shape
    lam = np.empty((n_b, n_g, n_r))
    grievance = np.empty(n_r)
    total = np.empty(n_r)
    room = np.empty(n_r)
    taxed = np.empty(n_r)
    for b in range(n_b):
        for r in range(n_r):
            per_10k = 1e4 / population_floor[r]
            grievance[r] = (prm[b, BASE] + prm[b, HARM] * harm_memory[b, r] * per_10k
                            + prm[b, LEGIT] * (1.0 - legitimacy[b, rs[r]])
                            + prm[b, ABSENCE] * (1.0 - control[b, r])
                            + prm[b, REPRISAL] * massacre_memory[b, r] * per_10k)
            t = 0.0
            for g in range(n_g):
                t += fighters[b, g, r]
            total[r] = t
            cap = prm[b, CAP] * population[r]
            room[r] = np_min(np_max(1.0 - t / np_max(cap, 1.0), 0.0), 1.0)
        for g in range(n_g):
            for r in range(n_r):
                share = fighters[b, g, r] / total[r] if total[r] > 0 else 0.0
                taxed[r] = share * ((1.0 - control[b, r]) * rent[r])
            income = tax_rate[b, g] * row_sum(taxed) + illicit_income[b, g]
            cost = upkeep[b, g] * np_max(row_sum(fighters[b, g]), 1.0)
            funding = 1.0 + prm[b, ELASTICITY] * np_min(income / cost, prm[b, FUNDING_CAP])
            rate = recruit_rate[b, g] * funding
            for r in range(n_r):
                lam[b, g, r] = rate * grievance[r] * fighters[b, g, r] * room[r]
    return lam


@jit
def move(fighters: np.ndarray, control: np.ndarray, rent_attraction: np.ndarray,
         src: np.ndarray, dst: np.ndarray, mobility: np.ndarray, move_floor: np.ndarray) -> None:
    """Move each group's mobile fighters along the edges, in place
    (:func:`sim.processes.groups.move`). ``move_floor`` [B]."""
    n_b, n_g, n_r = fighters.shape
    n_e = src.size
    frac = np.empty(n_e)
    norm = np.empty(n_r)
    out = np.empty(n_r)
    received = np.empty(n_r)
    for b in range(n_b):
        norm[:] = 0.0
        for e in range(n_e):
            norm[src[e]] += (1.0 - control[b, dst[e]] + move_floor[b]) * rent_attraction[dst[e]]
        for e in range(n_e):
            frac[e] = (1.0 - control[b, dst[e]] + move_floor[b]) * rent_attraction[dst[e]] \
                / norm[src[e]]
        for g in range(n_g):
            for r in range(n_r):
                out[r] = mobility[b, g] * fighters[b, g, r]
            received[:] = 0.0
            for e in range(n_e):
                received[dst[e]] += out[src[e]] * frac[e]
            for r in range(n_r):
                fighters[b, g, r] = fighters[b, g, r] + (received[r] - out[r])
