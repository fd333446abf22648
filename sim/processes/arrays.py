"""Small array helpers shared by the processes.

The model's arrays are small (a few states, powers and groups; tens of regions in the Sahel
world), so a month's cost is mostly the number of numpy calls, not their size: these helpers do
common steps in as few calls as the arithmetic allows, with the same floating-point results as
the plain expressions they replace.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ratio"]


def ratio(num: np.ndarray, den: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """``num / den`` where ``den > 0``, ``fill`` elsewhere.

    Args:
        num: numerator; it has the shape of the result.
        den: denominator, broadcast to ``num``'s shape; entries <= 0 give ``fill``.
        fill: the value where the denominator is not positive.

    Returns:
        A new array of ``num``'s shape.
    """
    out = np.empty(num.shape)
    out.fill(fill)
    return np.divide(num, den, out=out, where=den > 0)
