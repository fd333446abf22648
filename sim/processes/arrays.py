"""Small array helpers shared by the processes.

The model's arrays are small (a few states, powers and groups; tens of regions in the Sahel
world), so a month's cost is mostly the number of numpy calls, not their size: these helpers do
common steps in as few calls as the arithmetic allows, with the same floating-point results as
the plain expressions they replace.
"""

from __future__ import annotations

import numpy as np

from sim.engine.rng import compiled, plain

__all__ = ["KERNEL_TERMS", "PAIRWISE_MAX", "compiled_batch", "dot_last", "param_columns",
           "per_power", "person_index", "ratio", "sum_axis", "sum_last", "weighted_rows"]

#: The longest row of which the compiled kernels reproduce numpy's sum (numpy's pairwise block:
#: it splits a longer row in halves, which they do not; :func:`sim.processes.groups_kernel.row_sum`).
PAIRWISE_MAX = 128
#: The compiled kernels add the powers and the instruments one after the other, as numpy adds a
#: trailing axis of fewer than this many terms (a longer one it sums pairwise).
KERNEL_TERMS = 8
#: Below this many sums, :func:`sum_last` leaves the work to one numpy reduction (fewer calls).
_FEW_SUMS = 512


def ratio(num: np.ndarray, den: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """``num / den`` where ``den > 0``, ``fill`` elsewhere.

    Args:
        num: numerator; it has the shape of the result.
        den: denominator, broadcast to ``num``'s shape; entries <= 0 give ``fill``.
        fill: the value where the denominator is not positive.

    Returns:
        A new array of ``num``'s shape.
    """
    positive = np.greater(den, 0)
    if positive.all():  # a plain division: the same quotients, without the mask's slower loop
        return np.divide(num, den, out=np.empty(num.shape))
    out = np.empty(num.shape)
    out.fill(fill)
    return np.divide(num, den, out=out, where=positive)


def sum_last(x: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """``x.sum(axis=-1, keepdims=keepdims)`` for a float64 array, the same floats.

    numpy adds a last axis of fewer than 8 elements one element after the other, from +0.0,
    whatever the array's memory layout; over many rows it spends most of its time starting a
    short loop per row. This adds the columns one after the other instead, each call serving
    every row. A longer axis (summed pairwise by numpy) and a few rows go to ``x.sum``.
    """
    n = x.shape[-1]
    if n >= 8 or x.size < _FEW_SUMS * n:
        return x.sum(axis=-1, keepdims=keepdims)
    out = np.zeros(x.shape[:-1])
    for k in range(n):
        out += x[..., k]
    return out[..., None] if keepdims else out


# ---------------------------------------------------------------- sums in an explicit order
# The engine never leaves the order of a sum of products to a library whose order depends on the
# CPU or the array's layout (BLAS behind ``@``, numpy's ``einsum`` kernels): the sums over a short
# entity axis (instruments, powers, groups, states) below add one slice after the other, in index
# order, each step an elementwise IEEE operation (docs/ODD.md 3.1, "The same numbers on every CPU").


def sum_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """``x`` summed over ``axis`` in index order, ``((x[0] + x[1]) + x[2]) + ...`` elementwise (a
    fresh array): the same floats whatever the CPU, the batch or the memory layout."""
    x = np.moveaxis(x, axis, 0)
    out = x[0].copy()
    for k in range(1, x.shape[0]):
        out += x[k]
    return out


def dot_last(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sum over the last axis of ``a * b`` (broadcast together), in index order:
    ``((a0 b0 + a1 b1) + a2 b2) + ...``, each product and sum rounded on its own (a fresh
    array)."""
    n = max(a.shape[-1], b.shape[-1])
    out = a[..., 0] * b[..., 0]
    for k in range(1, n):
        out += a[..., k if a.shape[-1] > 1 else 0] * b[..., k if b.shape[-1] > 1 else 0]
    return out


def per_power(level: np.ndarray, per_person: np.ndarray) -> np.ndarray:
    """``[B, P, S]``: each power's levels ``[B, P, S, I]`` weighted by a per-instrument value
    ``[B, P, I]`` (effectiveness, exposure, harm...), summed over the instruments in order
    (by :func:`sim.processes.arrays_kernel.per_power` when the compiled kernels are in use: the
    same floats)."""
    if (compiled() and level.ndim == 4 and per_person.shape == (*level.shape[:2], level.shape[3])
            and level.dtype == per_person.dtype == np.float64):
        from sim.processes.arrays_kernel import per_power as kernel

        return kernel(plain(level), plain(per_person))
    return dot_last(level, per_person[:, :, None, :])


def weighted_rows(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``[B, R]``: the rows of ``x`` ``[B, G, R]`` weighted by ``w`` ``[B, G]`` and added in
    order of ``G`` (``w[:, None, :] @ x`` with a fixed order)."""
    out = w[:, 0, None] * x[:, 0]
    for g in range(1, x.shape[1]):
        out += w[:, g, None] * x[:, g]
    return out


def compiled_batch(st: object) -> bool:
    """Whether the processes' compiled kernels (``sim/processes/*_kernel.py``) take this batch
    now: they are in use (:func:`sim.engine.rng.compiled`), the state is a batch's (``[B, ...]``
    arrays), and its axes are those whose sums the kernels take as numpy does (fewer than
    :data:`KERNEL_TERMS` powers and instruments, at most :data:`PAIRWISE_MAX` regions). Any other
    batch runs the numpy code: the same numbers."""
    level = st.level  # type: ignore[attr-defined]
    return (compiled() and level.ndim == 4 and level.shape[1] < KERNEL_TERMS
            and level.shape[3] < KERNEL_TERMS
            and st.fighters.shape[-1] <= PAIRWISE_MAX)  # type: ignore[attr-defined]


def person_index(world: object) -> np.ndarray:
    """The person instruments' indices (``World.person_columns``) as an int64 array, for a
    compiled kernel."""
    return np.asarray(world.person_columns, dtype=np.int64)  # type: ignore[attr-defined]


_COLUMNS_KEPT = 64  # the param columns a batch keeps (param_columns)


def param_columns(memo: dict, params: object, names: tuple[str, ...], rows: int) -> np.ndarray:
    """``[rows, len(names)]``: each world's value of each named param (the ``[B, 1]`` arrays of
    a batch's config, or numbers, broadcast to ``rows`` worlds), one column per name, for a
    compiled kernel (read-only).

    A batch's params do not change in place (an event that sets one restacks the config: new
    objects), so the columns of the same params object are built once and kept in the batch's
    ``memo`` (``World.memo``; the last 64, each with its params object, so that the object's id
    stays its own while the entry lives)."""
    kept = memo.setdefault("param_columns", {})
    key = (id(params), names, rows)
    entry = kept.get(key)
    if entry is not None and entry[0] is params:
        return entry[1]
    columns = np.ascontiguousarray(np.broadcast_to(np.concatenate(
        [np.asarray(getattr(params, n), dtype=float).reshape(-1, 1) for n in names], axis=1),
        (rows, len(names))))
    columns.flags.writeable = False
    if len(kept) >= _COLUMNS_KEPT:
        kept.pop(next(iter(kept)))
    kept[key] = (params, columns)
    return columns
