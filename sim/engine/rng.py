"""Counter-based random numbers for the batch engine: every draw is a pure function of its key and
its place, so a batch of worlds draws all its numbers in one call and a world's numbers never
depend on its batch.

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

The counts have two implementations that give the same floats, bit for bit (the same numbers,
formulas and order of operations; ``exp`` and ``log`` of :mod:`sim.engine.fmath` in both, which
give the same floats on every CPU; ``tests/engine/test_rng_kernel.py``):

- a compiled kernel (Numba, :mod:`sim.engine.rng_kernel`), one draw after another: about x40 faster per
  call, but importing Numba and loading the kernel cost about 0.9 s once per process;
- a vectorized numpy one (below), which needs no start-up; a call's few rates from
  :data:`PTRS_FROM` (up to :data:`FEW_PTRS`: a small batch's month) are drawn one by one in
  Python floats (:func:`_ptrs_few`, the same operations), cheaper than the vectorized steps' two
  rounds of numpy calls, and so are its few draws past F(1) below it (:func:`_inversion_few`, up
  to :data:`FEW_INVERSIONS`).

:func:`set_kernel` (or ``SAHEL_SIM_KERNEL``) chooses: ``auto`` (the default) takes the kernel
once a call has :data:`KERNEL_FROM` nonzero rates or more (a batch of about 60 worlds and more),
once the vectorized counts have spent :data:`KERNEL_AFTER_S` seconds in the process (what the
kernel's start-up costs: a process that runs many small batches, as a notebook running one run
after another, pays for it after a few runs), or when Numba is loaded already; so a single run
starts fast and a sweep runs fast. ``numba`` and ``numpy`` force one. Since both give the same
counts, the choice changes speed only (which is why it may depend on a measured time).
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
import zlib
from collections.abc import Sequence

import numpy as np

from sim.engine import fmath
from sim.engine.rng_constants import (
    ATTEMPT_BITS,
    BAD_RATE,
    BLOCK,
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

__all__ = ["KERNELS", "KERNEL_AFTER_S", "KERNEL_FROM", "compiled", "load_kernels", "plain",
           "poisson", "set_kernel", "stream_keys", "uniforms"]

#: The choices of :func:`set_kernel` (and of ``SAHEL_SIM_KERNEL``).
KERNELS = ("auto", "numba", "numpy")
#: Nonzero rates in one call of :func:`poisson` from which ``auto`` loads the compiled kernel.
KERNEL_FROM = 16384
#: Seconds the vectorized counts spend in a process before ``auto`` loads the kernel: its
#: start-up (importing Numba, loading the compiled kernel) takes 0.7-0.9 s, and a default run
#: with its twin spends about 0.2 s in the vectorized counts against 0.01 s in the kernel (their
#: cost per rate grows with the rate: Hörmann's rejection loops in numpy). Loading the kernel once
#: the counts have spent what it costs never loses more than twice the best choice, whatever
#: comes next (the ski-rental rule); a single run never loads it.
KERNEL_AFTER_S = 0.8
_spent = 0.0  # seconds the vectorized counts have spent in this process


def set_kernel(kernel: str) -> None:
    """Choose how :func:`poisson` counts (module docstring): ``auto``, ``numba`` or ``numpy``.

    Raises:
        ValueError: naming the value and the choices.
    """
    global _KERNEL
    _KERNEL = _check_kernel("kernel", kernel)


def _check_kernel(name: str, value: str) -> str:
    if value not in KERNELS:
        raise ValueError(f"{name}={value!r} is unknown; allowed: {', '.join(KERNELS)}")
    return value


_KERNEL = _check_kernel("SAHEL_SIM_KERNEL", os.environ.get("SAHEL_SIM_KERNEL", "auto"))


def stream_keys(seeds: Sequence[int], name: str) -> np.ndarray:
    """``[B]`` uint64: the key of stream ``name`` in each world (one seed per world), from
    ``SeedSequence(seed, spawn_key=(crc32(name),))`` as :func:`sim.engine.seeds.stream` spawns it: the
    first uint64 of its ``generate_state``.

    The keys are numpy's, bit for bit, but computed for all the seeds at once
    (:func:`_seed_sequence_keys`) rather than one SeedSequence per seed (about x30 faster for a
    batch of 256 worlds, where each batch asks for some 15 streams). Seeds that need the same
    number of 32-bit words are computed together; a negative seed goes to SeedSequence itself,
    for its error.

    Raises:
        ValueError: a seed is negative (SeedSequence's error).
    """
    tag = zlib.crc32(name.encode())
    ints = [int(seed) for seed in seeds]
    if not ints:
        return np.empty(0, dtype=np.uint64)
    if min(ints) < 0:
        return _spawned_keys(ints, tag)
    if max(ints) < 1 << 64:  # every seed in at most 2 words, padded to the pool's 4
        as_u64 = np.array(ints, dtype=np.uint64)
        words = np.zeros((SS_POOL_SIZE, len(ints)), dtype=np.uint32)
        words[0] = as_u64 & np.uint64(_MASK32)
        words[1] = as_u64 >> np.uint64(32)
        return _seed_sequence_keys(words, tag)
    # seeds of 2**64 and more: grouped by their words (4 at least, the pool's size)
    groups: dict[int, list[int]] = {}
    for b, seed in enumerate(ints):
        groups.setdefault(max(SS_POOL_SIZE, -(-seed.bit_length() // 32)), []).append(b)
    out = np.empty(len(ints), dtype=np.uint64)
    for n_words, at in groups.items():
        words = np.array([[(ints[b] >> (32 * w)) & _MASK32 for b in at] for w in range(n_words)],
                         dtype=np.uint32)
        out[at] = _seed_sequence_keys(words, tag)
    return out


def _spawned_keys(seeds: list[int], tag: int) -> np.ndarray:
    """:func:`stream_keys` one SeedSequence per distinct seed (a run and its twin share one): the
    reference, kept for the seeds the vectorized keys do not take (negative ones, which
    SeedSequence refuses with its own error)."""
    known: dict[int, np.uint64] = {}
    out = np.empty(len(seeds), dtype=np.uint64)
    for b, seed in enumerate(seeds):
        key = known.get(seed)
        if key is None:
            key = known[seed] = np.random.SeedSequence(entropy=seed, spawn_key=(tag,)) \
                .generate_state(1, dtype=np.uint64)[0]
        out[b] = key
    return out


# numpy's SeedSequence (numpy/random/bit_generator.pyx; after Melissa O'Neill's seed_seq): the
# size of its entropy pool and the constants of its hash and mixing functions, on uint32 words
SS_POOL_SIZE = 4
SS_INIT_A, SS_MULT_A = 0x43B0D7E5, 0x931E8875
SS_INIT_B, SS_MULT_B = 0x8B51F9DD, 0x58F38DED
SS_MIX_MULT_L, SS_MIX_MULT_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
SS_XSHIFT = np.uint32(16)
_MASK32 = 0xFFFFFFFF


@functools.lru_cache(maxsize=8)
def _hash_constants(calls: int) -> tuple[np.ndarray, np.ndarray]:
    """``[calls, 1]`` uint32 twice: what SeedSequence's hash xors its value with, then multiplies
    it by, at each of its first ``calls`` calls while mixing the entropy in (the hash's constant
    moves on at every call, whatever the values hashed, so it can be computed beforehand).
    Cached: read only."""
    xor, mul = [], []
    h = SS_INIT_A
    for _ in range(calls):
        xor.append(h)
        h = (h * SS_MULT_A) & _MASK32
        mul.append(h)
    xor_a, mul_a = (np.array(x, dtype=np.uint32)[:, None] for x in (xor, mul))
    xor_a.flags.writeable = mul_a.flags.writeable = False
    return xor_a, mul_a


def _hashmix(value: np.ndarray, xor: np.ndarray, mul: np.ndarray) -> np.ndarray:
    """SeedSequence's ``hashmix`` of uint32 ``value`` with the constants ``xor`` and ``mul``
    (wrapping), broadcast together: a fresh array."""
    v = value ^ xor
    v *= mul
    v ^= v >> SS_XSHIFT
    return v


def _ss_mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SeedSequence's ``mix`` of uint32 ``x`` and ``y`` (wrapping), elementwise: a fresh
    array."""
    r = x * SS_MIX_MULT_L
    r -= y * SS_MIX_MULT_R
    r ^= r >> SS_XSHIFT
    return r


def _seed_sequence_keys(words: np.ndarray, tag: int) -> np.ndarray:
    """``[n]`` uint64: ``SeedSequence(seed, spawn_key=(tag,)).generate_state(1, np.uint64)[0]``
    of ``n`` seeds given as ``[W, n]`` uint32 ``words`` (W >= 4; least significant first,
    padded with zero words to 4, as SeedSequence pads the entropy of a spawned sequence to its
    pool's size), ``tag`` a uint32 spawn key.

    SeedSequence's steps, all the seeds at once: the entropy (the words, then the tag) fills the
    pool of 4 words through the hash; every pool word is mixed into every other one; the entropy
    past the pool's size is mixed into every pool word; the first two pool words, hashed with
    the output constants, are the low and high halves of the key."""
    n_entropy = len(words) + 1
    entropy = np.empty((n_entropy, words.shape[1]), dtype=np.uint32)
    entropy[:-1] = words
    entropy[-1] = tag
    pool_size = SS_POOL_SIZE
    # the hash's calls: one per pool word, one per ordered pair of two pool words, one per pool
    # word for each entropy word past the pool's size
    xor, mul = _hash_constants(pool_size + pool_size * (pool_size - 1)
                               + pool_size * (n_entropy - pool_size))
    pool = _hashmix(entropy[:pool_size], xor[:pool_size], mul[:pool_size])
    call = pool_size
    for src in range(pool_size):  # pool[src] is unchanged while mixed into the others
        dst = [d for d in range(pool_size) if d != src]
        end = call + len(dst)
        pool[dst] = _ss_mix(pool[dst], _hashmix(pool[src], xor[call:end], mul[call:end]))
        call = end
    for src in range(pool_size, n_entropy):
        end = call + pool_size
        pool = _ss_mix(pool, _hashmix(entropy[src], xor[call:end], mul[call:end]))
        call = end
    # generate_state: two uint32 words (one uint64, little-endian) from pool[0] and pool[1]
    b0 = SS_INIT_B
    b1 = (b0 * SS_MULT_B) & _MASK32
    b2 = (b1 * SS_MULT_B) & _MASK32
    state = _hashmix(pool[:2], np.array([[b0], [b1]], dtype=np.uint32),
                     np.array([[b1], [b2]], dtype=np.uint32)).astype(np.uint64)
    state[1] <<= np.uint64(32)
    return state[0] | state[1]


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function, elementwise on uint64 (wrapping arithmetic), in place of
    ``z`` (a fresh array)."""
    t = np.empty_like(z)
    np.right_shift(z, S30, out=t)
    z ^= t
    z *= M1
    np.right_shift(z, S27, out=t)
    z ^= t
    z *= M2
    np.right_shift(z, S31, out=t)
    z ^= t
    return z


def _counter(month: int, attempt: int | np.ndarray, index: np.ndarray) -> np.ndarray:
    """The counters of the places ``(month, index)`` at rejection ``attempt``, broadcast
    together: a fresh uint64 array (or number)."""
    base = np.uint64(int(month) << (INDEX_BITS + ATTEMPT_BITS))
    start = base + np.left_shift(np.asarray(attempt, dtype=np.uint64), np.uint64(INDEX_BITS))
    z = index.astype(np.uint64)
    if np.ndim(start):
        return z + start
    z += start
    return z


def _states(keys: np.ndarray, month: int, index: np.ndarray,
            attempt: int | np.ndarray = 0) -> np.ndarray:
    """SplitMix64's states ``key + counter x golden gamma`` (wrapping) of the places
    ``(month, index)`` at rejection ``attempt`` of the streams ``keys``, broadcast together: a
    fresh uint64 array."""
    with np.errstate(over="ignore"):
        z = _counter(month, attempt, index)
        z *= GAMMA
        return np.asarray(z + keys)


def _unit(z: np.ndarray) -> np.ndarray:
    """The uniform numbers in [0, 1) of the states ``z`` (a fresh uint64 array, used up): the
    top 53 bits of SplitMix64's output."""
    z = _mix(z)
    z >>= S11
    out = z.astype(np.float64)
    out *= TO_UNIT
    return out[()]  # a number for 0-d places


def uniforms(keys: np.ndarray, month: int, index: np.ndarray, attempt: int = 0) -> np.ndarray:
    """Uniform numbers in [0, 1) with 53 random bits: one for each pair of ``keys`` (uint64) and
    ``index`` (ints < 2**24), broadcast together, at ``month`` (and rejection ``attempt``)."""
    if np.any(index >= (1 << INDEX_BITS)) or np.any(index < 0):
        raise ValueError(f"index: {int(np.max(index))} is out of range; allowed: 0 <= index < "
                         f"{1 << INDEX_BITS}")
    return _uniforms(keys, month, index, attempt)


def _uniforms(keys: np.ndarray, month: int, index: np.ndarray,
              attempt: int | np.ndarray = 0) -> np.ndarray:
    """:func:`uniforms` without the check of ``index`` (the callers build it in range)."""
    return _unit(_states(keys, month, index, attempt))


def compiled() -> bool:
    """Whether the processes' compiled kernels (:mod:`sim.processes.combat_kernel`...) are in
    use now: always with the ``numba`` kernel, never with ``numpy``, and with ``auto`` once the
    Poisson kernel is loaded (Numba's start-up is then paid). Either way the numbers are the
    same."""
    return _KERNEL == "numba" or (_KERNEL == "auto" and "sim.engine.rng_kernel" in sys.modules)


def load_kernels() -> bool:
    """Load the compiled kernels now, unless ``numpy`` is chosen: import Numba and the Poisson
    kernel and call it once (from Numba's cache on disk, or compiled), so that :func:`compiled`
    holds from here on. A sweep's parent process calls this before it forks its workers, which
    then share it instead of each paying Numba's start-up (about 0.6 s) after counting slower
    without it. Returns whether they are in use."""
    if _KERNEL != "numpy":
        from sim.engine.rng_kernel import counts

        counts(np.ones(1), np.ones(1, dtype=np.uint64), 1, np.uint64(0))
    return compiled()


def poisson(keys: np.ndarray, month: int, lam: np.ndarray) -> np.ndarray:
    """Poisson counts (as floats) of the rates ``lam``, whose leading axes are those of ``keys``
    (``[B]`` for one stream per world, ``[B, G]`` for one per world and group...): the count at
    flat position ``i`` of ``lam[key's place]`` comes from that stream's numbers at places
    ``(month, 2 i)`` and ``(month, 2 i + 1)``. A rate of 0 gives 0 and uses no number.

    The rates are checked here; the counts come from the compiled kernel
    :func:`sim.engine.rng_kernel.counts` (Numba, imported on its first use; compiled once for
    C-contiguous float64 rates and uint64 keys, which every call passes) or from the vectorized
    :func:`_vector_counts`, the same floats (module docstring, :func:`set_kernel`).

    Raises:
        ValueError: a rate is negative or not finite.
    """
    global _spent
    lam = np.asarray(lam, dtype=float)
    keys = np.asarray(keys, dtype=np.uint64)
    if lam.shape[:keys.ndim] != keys.shape:
        raise ValueError(f"lam: shape {lam.shape} does not start with the keys' shape "
                         f"{keys.shape}")
    per_key = lam.reshape(keys.size, -1).shape[1]
    if 2 * per_key > (1 << INDEX_BITS):
        raise ValueError(f"lam: {per_key} rates per stream and month; allowed: at most "
                         f"{1 << (INDEX_BITS - 1)}")
    flat = lam.reshape(-1)
    if flat.size == 0:
        return np.zeros(lam.shape)
    if compiled():
        return _kernel_counts(keys, month, per_key, flat).reshape(lam.shape)
    low, high = flat.min(), flat.max()
    if not (low >= 0 and high < math.inf):
        raise ValueError(BAD_RATE)
    at = np.flatnonzero(flat != 0)  # where the rates are not 0 (nonzero is faster on bools)
    if at.size == 0:  # no number drawn
        return np.zeros(lam.shape)
    if _KERNEL == "auto" and (at.size >= KERNEL_FROM or _spent > KERNEL_AFTER_S):
        return _kernel_counts(keys, month, per_key, flat).reshape(lam.shape)
    t0 = time.perf_counter()
    out = np.zeros(lam.shape)
    out.reshape(-1)[at] = _vector_counts(keys, month, per_key, flat[at], at)
    _spent += time.perf_counter() - t0
    return out


def _kernel_counts(keys: np.ndarray, month: int, per_key: int, flat: np.ndarray) -> np.ndarray:
    """The counts of the flat rates by the compiled kernel (which checks each rate as it draws:
    :func:`poisson`'s ValueError)."""
    from sim.engine.rng_kernel import counts

    base = np.uint64(int(month) << (INDEX_BITS + ATTEMPT_BITS))  # the counter of (month, 0)
    return counts(plain(flat), plain(keys.reshape(-1)), per_key, base)


def plain(a: np.ndarray) -> np.ndarray:
    """``a`` if it is C-contiguous, aligned and writeable (the one kind of array the kernel is
    compiled for: Numba compiles again for read-only or unaligned arrays), else such a copy."""
    flags = a.flags
    if flags.c_contiguous and flags.aligned and flags.writeable:
        return a
    return np.array(a, order="C")


# ------------------------------------------------------------------ the vectorized counts
# The numbers, formulas and order of operations of sim.engine.rng_kernel, a whole array at a time; exp
# and log are sim.engine.fmath's, whose scalar twins the kernel compiles, so that the two give
# the same floats on every machine (numpy's own exp and log differ by an ulp from one CPU to
# another: AVX-512 has kernels of its own).


def _shift(attempt: np.ndarray, place: int) -> np.ndarray:
    """uint64: what the states move by from place ``(index, 0)`` to ``(index + place,
    attempt)`` (the counter's step times the golden gamma, wrapping)."""
    step = np.left_shift(attempt.astype(np.uint64), np.uint64(INDEX_BITS)) + np.uint64(place)
    step *= GAMMA
    return step


def _vector_counts(keys: np.ndarray, month: int, per_key: int, rate: np.ndarray,
                   at: np.ndarray) -> np.ndarray:
    """The counts of the nonzero rates ``rate`` at flat positions ``at`` (checked finite and
    > 0; ``per_key`` rates per stream of ``keys``), as :func:`sim.engine.rng_kernel.counts` gives
    them."""
    # the state of each rate's place (month, 2 i) in its stream
    state = _states(keys.reshape(-1, 1), month, np.arange(0, 2 * per_key, 2)).reshape(-1)[at]
    small = rate < PTRS_FROM
    big = np.flatnonzero(~small)
    big_state = state[big]
    u = _unit(state)
    # every draw at once up to k = 1 (most stop there): k = 0 below F(0) = p0, 1 below F(1)
    p0 = fmath.exp(-rate)
    cdf1 = rate * p0
    cdf1 += p0  # F(1) = p0 + p0 lam: the first sum of the blocked search
    past1 = u >= cdf1
    counts = np.add(u >= p0, past1, dtype=float)
    further = np.flatnonzero(past1 & small)
    if further.size:
        inversion = _inversion_few if further.size <= FEW_INVERSIONS else _inversion
        counts[further] = inversion(u[further], rate[further], p0[further])
    if big.size:
        ptrs = _ptrs_few if big.size <= FEW_PTRS else _ptrs
        counts[big] = ptrs(big_state, rate[big])
    return counts


def _inversion(u: np.ndarray, lam: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """Poisson by inversion of the CDF (rates below :data:`PTRS_FROM`) of the uniforms ``u``:
    the least k with u < F(k), searched upward from 0, :data:`BLOCK` terms of the CDF at a time
    for every draw not yet placed (``p0``: exp(-lam), F(0)). The block from k = n0 takes the
    terms ``p(n0 + j) = p(n0) x cumprod(lam / (n0 + 1 .. n0 + j))`` and the CDF
    ``F(n0 + j) = F(n0) + cumsum(p(n0 + 1 .. n0 + j))``, the products and sums formed in that
    order (so a CDF value is the same float whatever the draws searched with it)."""
    k = np.empty(lam.shape)
    active = np.arange(lam.size)  # the draws not yet placed, whose u, lam, p, cdf follow
    p, cdf = p0, p0
    n0 = 0
    while active.size:
        # [BLOCK, n]: the terms p(n0 + 1) .. p(n0 + BLOCK) and the CDF F(n0 + 1) .. F(n0 + BLOCK)
        pk = lam / (n0 + _STEPS)[:, None]
        for j in range(1, BLOCK):
            np.multiply(pk[j - 1], pk[j], out=pk[j])
        pk *= p
        ck = np.empty_like(pk)
        ck[0] = pk[0]
        for j in range(1, BLOCK):
            np.add(ck[j - 1], pk[j], out=ck[j])
        ck += cdf
        # the CDF grows with k: k is n0 plus the number of its values F(n0) .. at or below u
        past = (u >= ck).view(np.int8).sum(axis=0, dtype=np.int8)
        k[active] = past + (u >= cdf) + float(n0)
        more = np.flatnonzero(past == BLOCK)
        last_p, last_c = pk[-1, more], ck[-1, more]
        # a u above the largest CDF value floating point reaches (within 1e-16 of 1) stops where
        # the CDF stopped growing: the far tail, which carries no more mass
        stalled = (last_c <= cdf[more]) | (last_p <= 0)
        k[active[more[stalled]]] = n0
        go = ~stalled
        nxt = more[go]
        active, u, lam, p, cdf = active[nxt], u[nxt], lam[nxt], last_p[go], last_c[go]
        n0 += BLOCK
    return k


#: Draws past F(1) up to which :func:`_inversion_few` searches them one by one (a single run's
#: month has some 35 a call; the vectorized blocks cost some 0.2 ms a call whatever their size).
FEW_INVERSIONS = 64


def _inversion_few(u: np.ndarray, lam: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """:func:`_inversion`, one draw at a time (:func:`inversion_one`): the same counts."""
    return np.array([inversion_one(x, rate, first) for x, rate, first in
                     zip(u.tolist(), lam.tolist(), p0.tolist(), strict=True)], dtype=float)


_STEPS = np.arange(1, BLOCK + 1, dtype=float)
_TRIES = 4  # rejection attempts per step of PTRS after the first attempt
#: PTRS's steps, the attempts weighed together (attempt 0 alone, then TRIES at a time): the
#: shifts of the states of their uniforms u (place index) and v (index + 1)
_SHIFTS = [(_shift(a, 0), _shift(a, 1)) for a in
           [np.arange(1)] + [np.arange(a, min(a + _TRIES, MAX_ATTEMPTS))
                             for a in range(1, MAX_ATTEMPTS, _TRIES)]]


def _ptrs(state: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson by transformed rejection with squeeze (Hörmann 1993, PTRS; rates >= 10) of the
    draws whose place ``(month, index)`` has the states ``state``: attempt ``a`` takes the
    uniforms at places ``(month, index)`` and ``(month, index + 1)`` of attempt ``a``; a draw is
    its first accepted attempt (attempt 0 alone, then :data:`_TRIES` weighed at once). A draw
    rejected by every one of 64 attempts (probability below 1e-50) is set to its rounded rate."""
    b = 0.931 + 2.53 * np.sqrt(lam)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    k_out = np.rint(lam)
    todo = np.arange(lam.size)  # the draws not yet accepted, whose state, lam, a, b, vr follow
    for shift_u, shift_v in _SHIFTS:
        if todo.size == 0:
            break
        # [tries, n]: u at (index, attempt), v at (index + 1, attempt) of the step's attempts
        u = _unit(shift_u[:, None] + state) - 0.5
        v = _unit(shift_v[:, None] + state)
        us = 0.5 - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):  # u = 0: us = 0, k = -inf, rejected
            k = np.floor((2.0 * a / us + b) * u + lam + 0.43)
        accept = (us >= 0.07) & (v <= vr)  # the squeeze: most draws stop here
        weigh = np.flatnonzero(~accept & (k >= 0) & ~((us < 0.013) & (v > us)))
        if weigh.size:
            row = weigh % todo.size
            k_w, us_w, lam_w, b_w = k.ravel()[weigh], us.ravel()[weigh], lam[row], b[row]
            with np.errstate(divide="ignore", invalid="ignore"):
                lhs = (fmath.log(v.ravel()[weigh]) + fmath.log(1.1239 + 1.1328 / (b_w - 3.4))
                       - fmath.log(a[row] / (us_w * us_w) + b_w))
                rhs = -lam_w + k_w * fmath.log(lam_w) - _log_factorial(k_w)
            accept.ravel()[weigh] = lhs <= rhs
        pick = k[-1]  # the k of each draw's first accepted attempt
        for j in range(len(k) - 2, -1, -1):
            pick = np.where(accept[j], k[j], pick)
        done = accept.any(axis=0)
        hit, left = np.flatnonzero(done), np.flatnonzero(~done)
        k_out[todo[hit]] = pick[hit]
        todo, state, lam, a, b, vr = (x[left] for x in (todo, state, lam, a, b, vr))
    return k_out




#: Rates from PTRS_FROM up to which :func:`_ptrs_few` draws them one by one: the vectorized
#: steps cost some 0.2 ms each whatever their size (a single run's combat has some 20 such rates
#: a month, and takes two steps), a draw one by one some 5 us.
FEW_PTRS = 64
_MASK64 = (1 << 64) - 1
#: The shifts of :data:`_SHIFTS` one attempt at a time, as Python ints: u's and v's.
_SHIFT_U = [int(x) for x in _shift(np.arange(MAX_ATTEMPTS), 0)]
_SHIFT_V = [int(x) for x in _shift(np.arange(MAX_ATTEMPTS), 1)]
_M1, _M2, _R30, _R27, _R31, _R11 = (int(x) for x in (M1, M2, S30, S27, S31, S11))
_TO_UNIT = float(TO_UNIT)


def _unit_one(z: int) -> float:
    """:func:`_unit` of one state (a Python int below 2**64): the same float."""
    z ^= z >> _R30
    z = (z * _M1) & _MASK64
    z ^= z >> _R27
    z = (z * _M2) & _MASK64
    z ^= z >> _R31
    return float(z >> _R11) * _TO_UNIT


def _ptrs_few(state: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """:func:`_ptrs`, one draw at a time in Python floats (the same operations in the same
    order, ``log`` by :func:`sim.engine.fmath.log_scalar`, the twin of the vectorized
    :func:`sim.engine.fmath.log`): the same counts, for a few draws."""
    log = fmath.log_scalar
    out = np.empty(lam.size)
    for i, (z, rate) in enumerate(zip(state.tolist(), lam.tolist(), strict=True)):
        b = 0.931 + 2.53 * math.sqrt(rate)
        a = -0.059 + 0.02483 * b
        vr = 0.9277 - 3.6224 / (b - 2.0)
        count = float(round(rate))  # every attempt rejected (np.rint: halves to even)
        for shift_u, shift_v in zip(_SHIFT_U, _SHIFT_V, strict=True):
            u = _unit_one((shift_u + z) & _MASK64) - 0.5
            v = _unit_one((shift_v + z) & _MASK64)
            us = 0.5 - abs(u)
            if us == 0.0:  # u = -0.5: k = -inf in the vectorized steps, rejected
                continue
            k = float(math.floor((2.0 * a / us + b) * u + rate + 0.43))
            if us >= 0.07 and v <= vr:  # the squeeze
                count = k
                break
            if k >= 0.0 and not (us < 0.013 and v > us):
                lhs = (log(v) + log(1.1239 + 1.1328 / (b - 3.4))
                       - log(a / (us * us) + b))
                rhs = -rate + k * log(rate) - _log_factorial_one(k)
                if lhs <= rhs:
                    count = k
                    break
        out[i] = count
    return out


def _log_factorial_one(k: float) -> float:
    """:func:`_log_factorial` of one whole number k >= 0."""
    if k < len(LOG_FACTORIALS):
        return float(LOG_FACTORIALS[int(k)])
    return float(_log_factorial(np.array([k]))[0])


def _log_factorial(k: np.ndarray) -> np.ndarray:
    """log k! of whole numbers k >= 0: a table below 4,096, :func:`_loggam` above."""
    k = np.asarray(k, dtype=float)
    small = k < len(LOG_FACTORIALS)
    out = LOG_FACTORIALS[np.where(small, k, 0).astype(np.intp)]
    if not small.all():
        out[~small] = _loggam(k[~small] + 1.0)
    return out




def _loggam(x: np.ndarray) -> np.ndarray:
    """log Gamma(x) for x > 0, elementwise: numpy's ``random_loggam`` (the function its own PTRS
    uses), a Stirling series at x + n >= 7 brought down by the recurrence (not scipy's, whose
    import costs half a second). Non-finite or non-positive x give NaN."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        n = np.where((x < 7.0) & (x > 0), np.floor(7.0 - x), 0.0)
        x0 = x + n
        x2 = (1.0 / x0) * (1.0 / x0)
        gl0 = np.full(x.shape, LOGGAM_A[9])
        for a in LOGGAM_A[8::-1]:
            gl0 = gl0 * x2 + a
        gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * fmath.log(x0) - x0
        for k in range(1, int(n.max(initial=0.0)) + 1):
            step = n >= k
            x0 = np.where(step, x0 - 1.0, x0)
            gl = np.where(step, gl - fmath.log(x0), gl)
        gl = np.where((x == 1.0) | (x == 2.0), 0.0, gl)
        return np.where(x > 0, gl, np.nan)
