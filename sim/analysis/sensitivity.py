"""Variance-based (Sobol) sensitivity of a sweep outcome to the swept parameters.

The sweep's design must be a Saltelli sample (experiment ``design: sobol``): design point ``i``
is row ``i`` of ``SALib.sample.sobol.sample``. Each design point ran ``R`` replicates (seeds),
so the model is stochastic; following Marrel et al. (2012) the indices are computed on the
replicate *mean* of each point, and the variance between replicates of the same point (the
seed's share) is reported beside them, so a reader can judge how much of the outcome's variance
no parameter explains.

Indices and their bootstrap confidence intervals come from ``SALib.analyze.sobol`` (Herman &
Usher 2017), with Saltelli et al. (2010) estimators for first-order (S1) and Jansen's for total
(ST) indices: Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S.
(2010), "Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index", Computer Physics Communications 181(2), 259-270.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.load import ok_runs
from sim.analysis.stats import as_numeric

__all__ = ["SobolResult", "sobol_indices"]


@dataclass
class SobolResult:
    """Sobol indices of one outcome, and how much of its variance the seed holds.

    Attributes:
        indices: one row per parameter: ``parameter``, ``S1`` (first-order index: share of the
            variance of the point means explained by the parameter alone), ``S1_conf``
            (half-width of its bootstrap interval), ``ST`` (total index: alone and in
            interaction), ``ST_conf``.
        within_variance: mean over design points of the variance between replicates of the
            same point (the seed's variance; NaN with a single replicate).
        between_variance: variance of the design points' replicate means (what the indices
            decompose; it includes ``within_variance / R`` of seed noise).
        n_points: design points used.
        n_replicates: mean number of runs per design point that entered the means.
        second_order: whether the sample was a second-order Saltelli sample.
        S2: second-order indices (parameter x parameter) when ``second_order``, else None.
    """

    indices: pd.DataFrame
    within_variance: float
    between_variance: float
    n_points: int
    n_replicates: float = 1.0
    second_order: bool = False
    S2: pd.DataFrame | None = None

    @property
    def seed_share(self) -> float:
        """The seed's share of a single run's variance.

        A point mean's variance is the parameters' variance plus ``within / R``, so the
        parameters' part is estimated as ``between - within / R`` (at least 0) and the share
        is ``within / (within + that)``. NaN with a single replicate.
        """
        w = self.within_variance
        params = max(self.between_variance - w / max(self.n_replicates, 1.0), 0.0)
        return float(w / (w + params)) if w + params > 0 else float("nan")


def _detect_second_order(x: pd.DataFrame, n_points: int, d: int) -> bool:
    """Whether a Saltelli sample of ``n_points`` rows over ``d`` parameters is second order.

    A first-order sample is blocks of ``d + 2`` rows (A, AB_1..AB_d, B); a second-order one
    blocks of ``2d + 2`` (A, AB_1..AB_d, BA_1..BA_d, B). When both sizes divide ``n_points``,
    row ``d + 1`` decides: B in the first case, BA_1 (A's first column) in the second.
    """
    first, second = n_points % (d + 2) == 0, n_points % (2 * d + 2) == 0
    if first != second:
        return second
    if not first:
        raise ValueError(f"{n_points} design points is not a Saltelli sample over {d} "
                         f"parameters; allowed: a multiple of {d + 2} (first order) or "
                         f"{2 * d + 2} (second order) points, from an experiment with "
                         "design: sobol and every design point present")
    blocks = n_points // (2 * d + 2)
    votes = [x.iloc[b * (2 * d + 2) + d + 1, 0] == x.iloc[b * (2 * d + 2), 0]
             for b in range(blocks)]
    return bool(np.mean(votes) > 0.5)


def _salib_seed(seed: int) -> int:
    """A non-zero seed for SALib, derived from ``seed`` (SALib leaves its bootstrap unseeded when
    given 0, so ``seed=0`` would not be reproducible)."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1


def sobol_indices(runs: pd.DataFrame, parameters: Sequence[str], outcome: str,
                  bounds: dict[str, tuple] | None = None, seed: int = 0,
                  calc_second_order: bool | None = None, num_resamples: int = 100,
                  conf_level: float = 0.95) -> SobolResult:
    """First-order and total Sobol indices of an outcome over a Saltelli-sampled sweep.

    Finished runs (``status == "ok"``) with a known outcome are averaged per design point
    (column ``point``); the means, ordered by point as the Saltelli sample is, go to
    ``SALib.analyze.sobol.analyze`` (Saltelli et al. 2010). The runs must hold one scenario.

    Args:
        runs: result rows of a sweep with ``design: sobol``.
        parameters: the swept parameters in the experiment's order (``SweepData.parameters``).
        outcome: a numeric or boolean column (booleans: indices of the probability).
        bounds: parameter -> (lo, hi) for the SALib problem (cosmetic: the analysis uses only
            the order of the points); default: the range of each numeric column, else (0, 1).
        seed: seed of SALib's bootstrap of the confidence intervals.
        calc_second_order: whether the sample has second-order rows; default: detected from
            the number of points and the sample's structure.
        num_resamples: bootstrap resamples of the confidence intervals.
        conf_level: confidence level of ``S1_conf`` and ``ST_conf``.

    Returns:
        A :class:`SobolResult`. When the point means do not vary at all (no parameter moves the
        outcome; all its variance, if any, is the seed's), the indices are NaN and
        ``between_variance`` is 0.

    Raises:
        KeyError: a column is missing.
        ValueError: several scenarios, design points missing (every replicate failed or had no
            outcome), or a number of points that is not a Saltelli sample.
    """
    from SALib.analyze import sobol

    parameters = list(parameters)
    need = ["point", outcome, *parameters]
    missing = [c for c in need if c not in runs.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the runs; allowed: one of "
                       f"{', '.join(map(str, runs.columns))}")
    if not parameters:
        raise ValueError("parameters is empty; allowed: the swept parameters' names")
    ok = ok_runs(runs)
    if "scenario" in ok.columns and ok["scenario"].nunique() > 1:
        raise ValueError(f"the runs hold scenarios {sorted(ok['scenario'].unique())}; allowed: "
                         "one (filter: runs[runs.scenario == name])")
    frame = pd.DataFrame({"point": ok["point"].to_numpy(),
                          "y": as_numeric(ok[outcome], outcome).to_numpy()}).dropna()
    grouped = frame.groupby("point")["y"]
    means = grouped.mean().sort_index()
    all_points = np.sort(runs["point"].dropna().unique())
    n_points = int(all_points.max()) + 1 if len(all_points) else 0
    absent = sorted(set(range(n_points)) - set(means.index.astype(int)))
    if absent:
        raise ValueError(f"design point(s) {absent[:10]}{' ...' if len(absent) > 10 else ''} "
                         f"have no finished run with a known {outcome!r}; Sobol indices need "
                         "every point of the Saltelli sample (rerun the failed runs, or pick "
                         "an outcome every run has)")
    d = len(parameters)
    x = runs.sort_values("point").drop_duplicates("point")[parameters].reset_index(drop=True)
    second = (_detect_second_order(x, n_points, d) if calc_second_order is None
              else bool(calc_second_order))
    problem = {"num_vars": d, "names": parameters, "bounds": [
        list(bounds[p]) if bounds and p in bounds else _range(x[p]) for p in parameters]}
    y = means.to_numpy(dtype=float)
    between = float(np.var(y, ddof=1))
    var = grouped.var(ddof=1).dropna()
    within = float(var.mean()) if len(var) else float("nan")
    if between <= 1e-12 * max(float(np.mean(y * y)), 1e-300):
        # the parameters move no point's mean: the indices are 0/0, reported as NaN
        nan = np.full(d, np.nan)
        indices = pd.DataFrame({"parameter": parameters, "S1": nan, "S1_conf": nan, "ST": nan,
                                "ST_conf": nan})
        s2 = (pd.DataFrame(np.nan, index=parameters, columns=parameters) if second else None)
    else:
        si = sobol.analyze(problem, y, calc_second_order=second, num_resamples=num_resamples,
                           conf_level=conf_level, print_to_console=False,
                           seed=_salib_seed(seed))
        indices = pd.DataFrame({"parameter": parameters, "S1": si["S1"],
                                "S1_conf": si["S1_conf"], "ST": si["ST"],
                                "ST_conf": si["ST_conf"]})
        s2 = (pd.DataFrame(si["S2"], index=parameters, columns=parameters) if second else None)
    return SobolResult(indices=indices, within_variance=within,
                       between_variance=between, n_points=n_points,
                       n_replicates=float(grouped.size().mean()),
                       second_order=second, S2=s2)


def _range(col: pd.Series) -> list[float]:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        lo, hi = float(col.min()), float(col.max())
        return [lo, hi] if hi > lo else [lo, lo + 1.0]
    return [0.0, 1.0]
