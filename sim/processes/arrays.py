"""Small array helpers shared by the processes.

The model's arrays are small (a few states, powers and groups; tens of regions in the Sahel
world), so a month's cost is mostly the number of numpy calls, not their size: these helpers do
common steps in as few calls as the arithmetic allows, with the same floating-point results as
the plain expressions they replace.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ratio", "sum_last"]

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
