"""pyABC's multivariate normal transition, its arithmetic in a fixed order.

pyABC's ``MultivariateNormalTransition`` fits its kernel's covariance with ``numpy.cov`` (a
matrix product: OpenBLAS picks its kernels by CPU, with fused multiply-adds or without), samples
with ``numpy.random.multivariate_normal`` (an SVD by LAPACK) and evaluates its density with
``scipy.stats`` (numpy's exp, whose AVX-512 kernel differs from the others by an ulp). The same
calibration then proposes other worlds on another CPU from its second generation on (measured:
the same prior generation, other last bits after it, with ``NPY_DISABLE_CPU_FEATURES`` and
``OPENBLAS_CORETYPE``). :class:`FixedOrderNormalTransition` is the same kernel (a Gaussian KDE
of the last population, Silverman's bandwidth times ``scaling``) computed from IEEE basic
operations in an order of its own:

- the weighted mean and covariance by ``math.fsum`` (exactly rounded sums);
- the bandwidth and the normalising constant by :mod:`sim.engine.fmath`;
- the Cholesky factor in Python, one square root at a time;
- a proposal's step as ``L z`` (``z`` standard normal, numpy's legacy generator), each entry an
  exactly rounded sum;
- the density by forward substitution over the population, elementwise (no reduction),
  ``fmath.exp``, and ``math.fsum`` over the components.

So a calibration gives the same populations on every CPU numpy supports
(``tests/calibrate/test_calibration_cpu.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.transition.exceptions import NotEnoughParticles

from sim.engine import fmath

__all__ = ["FixedOrderNormalTransition"]

_LOG_2PI = math.log(2.0 * math.pi)  # a constant: the same float everywhere


class FixedOrderNormalTransition(pyabc.MultivariateNormalTransition):
    """pyABC's multivariate normal transition (module docstring), with ``scaling`` times
    Silverman's bandwidth."""

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        if len(X) == 0:
            raise NotEnoughParticles("Fitting not possible.")
        x = np.ascontiguousarray(X.to_numpy(dtype=float))
        w = np.asarray(w, dtype=float)
        n, d = x.shape
        total = math.fsum(w.tolist())
        mean = [math.fsum((w * x[:, k]).tolist()) / total for k in range(d)]
        dev = x - np.array(mean)
        w2 = math.fsum((w * w).tolist())
        # numpy.cov's weighted, unbiased normalisation (aweights, ddof 1): v1 - v2 / v1
        norm = total - w2 / total if n > 1 else total
        cov = [[0.0] * d for _ in range(d)]
        for k in range(d):
            for j in range(k + 1):
                c = math.fsum((w * dev[:, k] * dev[:, j]).tolist()) / norm
                cov[k][j] = cov[j][k] = c
        eff = total * total / w2
        # Silverman: (4 / (n (d + 2))) ** (1 / (d + 4)), as exp(log(.) / (d + 4))
        bw = fmath.exp_scalar(fmath.log_scalar(4.0 / (eff * (d + 2))) / (d + 4))
        factor = bw * bw * self.scaling
        self.cov = np.array([[c * factor for c in row] for row in cov])
        self._L = _cholesky(self.cov)
        self._X_arr = x
        self._range = np.arange(n)
        self._log_norm = -0.5 * (d * _LOG_2PI) - math.fsum(
            fmath.log_scalar(self._L[k, k]) for k in range(d))

    def rvs_single(self) -> pyabc.Parameter:
        i = np.random.choice(self._range, p=self.w, replace=True)
        d = self._L.shape[0]
        z = np.random.standard_normal(d).tolist()
        base = self._X_arr[i]
        step = [math.fsum(self._L[k, j] * z[j] for j in range(k + 1)) for k in range(d)]
        return pyabc.Parameter({col: float(base[k] + step[k])
                                for k, col in enumerate(self.X.columns)})

    def rvs(self, size: int | None = None) -> Any:
        if size is None:
            return self.rvs_single()
        return pd.DataFrame([dict(self.rvs_single()) for _ in range(size)])

    def _pdf_single(self, x: np.ndarray) -> float:
        diff = np.asarray(x, dtype=float) - self._X_arr  # [n, d], elementwise
        d = diff.shape[1]
        y = np.empty_like(diff)
        quad = np.zeros(diff.shape[0])
        for k in range(d):  # forward substitution, one column at a time
            acc = diff[:, k].copy()
            for j in range(k):
                acc = acc - self._L[k, j] * y[:, j]
            y[:, k] = acc / self._L[k, k]
            quad = quad + y[:, k] * y[:, k]
        dens = fmath.exp(-0.5 * quad) * self.w
        return math.fsum(dens.tolist()) * fmath.exp_scalar(self._log_norm)


def _cholesky(a: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of ``a`` (symmetric), in Python floats; a pivot that is not
    positive (a parameter the population holds constant) becomes a tiny one."""
    d = a.shape[0]
    low = [[0.0] * d for _ in range(d)]
    for k in range(d):
        s = a[k, k] - math.fsum(low[k][j] * low[k][j] for j in range(k))
        floor = 1e-12 * max(abs(float(a[k, k])), 1e-300)
        low[k][k] = math.sqrt(max(floor, s))
        for i in range(k + 1, d):
            t = a[i, k] - math.fsum(low[i][j] * low[k][j] for j in range(k))
            low[i][k] = t / low[k][k]
    return np.array(low)
