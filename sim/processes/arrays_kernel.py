"""Compiled twins (Numba) of two of :mod:`sim.processes.arrays`' sums over the instruments, for
the compiled path (:func:`sim.engine.rng.compiled`): :func:`per_power` and :func:`bills`, the
instruments added one after the other from the first product, as ``dot_last`` adds them, so the
same floats. numpy spends most of such a call looping over rows of a few elements; here each is
one loop. Imported by :mod:`sim.processes.arrays` and :mod:`sim.processes.hosts` when the
compiled kernels are in use; compiled on first use and cached on disk like the Poisson kernel.
"""

from __future__ import annotations

import numpy as np

from sim.engine.rng_kernel import jit, jit_inline

__all__ = ["bills", "effective", "per_power", "persons"]


@jit
def per_power(level: np.ndarray, per_person: np.ndarray) -> np.ndarray:
    """``[B, P, S]``: levels ``[B, P, S, I]`` weighted by ``per_person`` ``[B, P, I]``, summed
    over the instruments in order (:func:`sim.processes.arrays.per_power`)."""
    n_b, n_p, n_s, n_i = level.shape
    out = np.empty((n_b, n_p, n_s))
    for b in range(n_b):
        for p in range(n_p):
            for s in range(n_s):
                v = level[b, p, s, 0] * per_person[b, p, 0]
                for i in range(1, n_i):
                    v += level[b, p, s, i] * per_person[b, p, i]
                out[b, p, s] = v
    return out


@jit
def bills(level: np.ndarray, billing: np.ndarray) -> np.ndarray:
    """``[K, B, P, S]``: levels ``[B, P, S, I]`` times each of the K billing rates
    ``[B, K, P, I]``, summed over the instruments in order (:func:`sim.processes.hosts._bills`
    before its transpose)."""
    n_b, n_p, n_s, n_i = level.shape
    n_k = billing.shape[1]
    out = np.empty((n_k, n_b, n_p, n_s))
    for k in range(n_k):
        for b in range(n_b):
            for p in range(n_p):
                for s in range(n_s):
                    v = level[b, p, s, 0] * billing[b, k, p, 0]
                    for i in range(1, n_i):
                        v += level[b, p, s, i] * billing[b, k, p, i]
                    out[k, b, p, s] = v
    return out


@jit_inline
def persons(level: np.ndarray, person_columns: np.ndarray, b: int, p: int, s: int) -> float:
    """The persons of ``level[b, p, s]`` [B, P, S, I]: the person instruments added from +0.0
    (:func:`sim.processes.powers.personnel`)."""
    total = 0.0
    for c in person_columns:
        total += level[b, p, s, c]
    return total


@jit_inline
def effective(level: np.ndarray, person_effectiveness: np.ndarray, downgraded_any: bool,
              effect_factor: np.ndarray, b: int, p: int, s: int) -> float:
    """Power ``p``'s effective personnel in state ``s`` of world ``b``: its levels weighted by
    ``person_effectiveness`` [B, P, I] from the first product (:func:`per_power`), cut by its
    ``effect_factor`` [B, S, P] when any partner of the batch is downgraded
    (:func:`sim.processes.hosts.security_capacity`)."""
    v = level[b, p, s, 0] * person_effectiveness[b, p, 0]
    for i in range(1, level.shape[3]):
        v += level[b, p, s, i] * person_effectiveness[b, p, i]
    if downgraded_any:
        v = v * effect_factor[b, s, p]
    return v
