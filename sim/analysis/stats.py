"""Proportions and paired scenario differences across replicates, with bootstrap intervals.

Intervals are bootstrap percentile intervals (Efron & Tibshirani 1993, *An Introduction to the
Bootstrap*, ch. 13): resample the runs (or the pairs) with replacement ``n_boot`` times,
recompute the statistic, and take the ``(1 - ci) / 2`` and ``(1 + ci) / 2`` quantiles. All
resampling draws from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.load import ok_runs
from sim.validate.patterns import PRE_2020  # the default filter of plausible()

__all__ = ["PRE_2020", "as_numeric", "bootstrap_mean", "paired_difference", "plausible",
           "posterior_shift", "probability", "rank_influence", "variance_shares"]


def as_numeric(values: pd.Series, name: str) -> pd.Series:
    """An outcome column as floats (True -> 1.0, False -> 0.0, None -> NaN).

    Raises:
        ValueError: the column holds text or other values that are not numbers or booleans.
    """
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    try:
        return values.map(lambda v: np.nan if v is None or v is pd.NA else float(v)).astype(float)
    except (TypeError, ValueError):
        sample = values.dropna().unique()[:3].tolist()
        raise ValueError(f"outcome {name!r} is not numeric or boolean (values such as "
                         f"{sample}); allowed: a numeric or boolean column") from None


def _check_columns(runs: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise KeyError(f"{what} {missing} not in the runs; allowed: one of "
                       f"{', '.join(map(str, runs.columns))}")


def bootstrap_mean(x: np.ndarray, n_boot: int, ci: float,
                   rng: np.random.Generator) -> tuple[float, float]:
    """Bootstrap percentile interval of the mean of ``x`` (Efron & Tibshirani 1993).

    Args:
        x: the observations (no NaN).
        n_boot: bootstrap resamples.
        ci: coverage of the interval, e.g. 0.95.
        rng: the generator the resamples draw from.

    Returns:
        ``(lo, hi)``; NaN for an empty ``x``.
    """
    n = len(x)
    if n == 0:
        return float("nan"), float("nan")
    means = np.empty(n_boot)
    chunk = max(1, 2_000_000 // n)  # bounded memory for many observations
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = x[idx].mean(axis=1)
    alpha = (1.0 - ci) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _check_ci(n_boot: int, ci: float) -> None:
    if n_boot < 1:
        raise ValueError(f"n_boot={n_boot!r} is invalid; allowed: >= 1")
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci={ci!r} is invalid; allowed: 0 < ci < 1")


#: ``scipy.stats.norm.ppf(0.975)``, scipy's own float: the usual 95% interval needs no scipy
#: import (about 0.6 s of a sweep's command; tests/analysis check it against scipy's).
Z_95 = 1.959963984540054


def wilson_interval(p: float | np.ndarray, n: int, ci: float = 0.95
                    ) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``p`` among ``n`` runs (Wilson 1927; Agresti &
    Coull 1998): it stays informative when ``p`` is 0 or 1. ``p`` may be an array of
    proportions, each among ``n``: then two arrays. NaN where ``n`` is not positive or ``p`` is
    not finite."""
    scalar = np.ndim(p) == 0
    p = np.asarray(p, dtype=float)
    if n <= 0:
        lo, hi = np.full(p.shape, np.nan), np.full(p.shape, np.nan)
    else:
        if ci == 0.95:
            z = Z_95
        else:
            from scipy.stats import norm

            z = float(norm.ppf(0.5 + ci / 2.0))
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        with np.errstate(invalid="ignore"):
            half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        lo, hi = np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)
    return (float(lo), float(hi)) if scalar else (lo, hi)


def probability(runs: pd.DataFrame, by: Sequence[str], outcome: str = "hypothesis",
                n_boot: int = 2000, ci: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """The proportion of runs in which a boolean outcome holds, per group, with a bootstrap CI.

    Only finished runs count (``status == "ok"``), and runs whose outcome is missing are left
    out. The interval is the bootstrap percentile interval (Efron & Tibshirani 1993): the
    proportion among ``n`` runs drawn with replacement, ``n_boot`` times. For a proportion this
    is a draw of ``Binomial(n, p) / n``, which is how it is computed. When every run agrees
    (``p`` is 0 or 1) the bootstrap interval collapses to that point, so the Wilson score
    interval (Wilson 1927), which does not, is reported beside it (``wilson_lo``, ``wilson_hi``):
    20 of 20 runs give [0.84, 1] at 95%, not [1, 1].

    Args:
        runs: result rows (e.g. ``load_sweep(folder).runs``).
        by: columns to group by, e.g. ``["scenario"]`` or ``["point"]`` (a design point's
            replicates); empty: one row for all runs.
        outcome: a boolean column (``hypothesis``, ``win``, ``cheap``, ...); 0/1 numbers work.
        n_boot: bootstrap resamples.
        ci: interval coverage.
        seed: seed of the resampling.

    Returns:
        One row per group, sorted by ``by``: the ``by`` columns, ``n`` (runs), ``p``
        (proportion), ``lo``, ``hi`` (bootstrap), ``wilson_lo``, ``wilson_hi``.

    Raises:
        KeyError: a column is missing.
        ValueError: the outcome is not boolean, or ``n_boot``/``ci`` are invalid.
    """
    by = list(by)
    _check_columns(runs, [*by, outcome], "column(s)")
    _check_ci(n_boot, ci)
    ok = ok_runs(runs)
    y = as_numeric(ok[outcome], outcome)
    keep = y.notna()
    y = y[keep]
    if not y.isin([0.0, 1.0]).all():
        bad = y[~y.isin([0.0, 1.0])].unique()[:3].tolist()
        raise ValueError(f"outcome {outcome!r} is not boolean (values such as {bad}); allowed: "
                         "True/False or 0/1 (use paired_difference or a threshold for numbers)")
    frame = ok.loc[keep, by].copy()
    frame["_y"] = y.to_numpy()
    rng = np.random.default_rng(seed)
    alpha = (1.0 - ci) / 2.0
    rows = []
    groups = frame.groupby(by, sort=True, dropna=False) if by else [((), frame)]
    for key, g in groups:
        n = len(g)
        p = float(g["_y"].mean()) if n else float("nan")
        draws = rng.binomial(n, p, size=n_boot) / n
        lo, hi = np.quantile(draws, [alpha, 1.0 - alpha])
        key = key if isinstance(key, tuple) else (key,)
        w_lo, w_hi = wilson_interval(p, n, ci)
        rows.append({**dict(zip(by, key, strict=True)), "n": n, "p": p, "lo": float(lo),
                     "hi": float(hi), "wilson_lo": w_lo, "wilson_hi": w_hi})
    out = pd.DataFrame(rows, columns=[*by, "n", "p", "lo", "hi", "wilson_lo", "wilson_hi"])
    return out.astype({"n": int}) if len(out) else out


def paired_difference(runs: pd.DataFrame, outcome: str, baseline: str,
                      scenario_col: str = "scenario", pair_col: str = "pair_id",
                      n_boot: int = 2000, ci: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Mean difference of an outcome between each scenario and a baseline, over paired runs.

    Runs pair when they share ``pair_col`` (same design point and seed: common random
    numbers). For each other scenario the difference ``scenario - baseline`` is taken within
    each pair in which both runs finished with a known outcome; the interval is the bootstrap
    percentile interval of the mean difference, resampling pairs (Efron & Tibshirani 1993).
    Pairing removes the seed-to-seed noise the two runs share, so the interval is narrower than
    comparing two independent samples.

    Args:
        runs: result rows.
        outcome: a numeric or boolean column (booleans: a difference in probability).
        baseline: the reference scenario's label in ``scenario_col``.
        scenario_col: column naming the scenario.
        pair_col: column identifying pairs.
        n_boot: bootstrap resamples.
        ci: interval coverage.
        seed: seed of the resampling.

    Returns:
        One row per scenario other than the baseline, in order of appearance: ``scenario``,
        ``n_pairs``, ``mean_diff``, ``lo``, ``hi``, and ``mean_baseline`` and
        ``mean_scenario`` (the outcome's means over the same pairs).

    Raises:
        KeyError: a column is missing.
        ValueError: the baseline is not among the scenarios, a pair holds a scenario twice, the
            outcome is not numeric, or ``n_boot``/``ci`` are invalid.
    """
    _check_columns(runs, [outcome, scenario_col, pair_col], "column(s)")
    _check_ci(n_boot, ci)
    ok = ok_runs(runs)
    frame = pd.DataFrame({"scenario": ok[scenario_col].to_numpy(),
                          "pair": ok[pair_col].to_numpy(),
                          "y": as_numeric(ok[outcome], outcome).to_numpy()})
    scenarios = list(dict.fromkeys(runs[scenario_col].dropna()))
    if baseline not in scenarios:
        raise ValueError(f"baseline={baseline!r} is not a scenario of the runs; allowed: "
                         f"{', '.join(map(str, scenarios))}")
    dup = frame.duplicated(["scenario", "pair"])
    if dup.any():
        s, p = frame.loc[dup, ["scenario", "pair"]].iloc[0]
        raise ValueError(f"pair {p!r} holds scenario {s!r} more than once; {pair_col!r} must "
                         "identify one run per scenario (filter the runs first)")
    wide = frame.pivot(index="pair", columns="scenario", values="y")
    rng = np.random.default_rng(seed)
    rows = []
    for s in scenarios:
        if s == baseline:
            continue
        if s in wide.columns and baseline in wide.columns:
            both = wide[[baseline, s]].dropna()
            base, other = both[baseline].to_numpy(), both[s].to_numpy()
        else:  # every run of one side failed
            base = other = np.array([])
        diff = other - base
        lo, hi = bootstrap_mean(diff, n_boot, ci, rng)
        nan = float("nan")
        rows.append({"scenario": s, "n_pairs": len(diff),
                     "mean_diff": float(diff.mean()) if len(diff) else nan, "lo": lo, "hi": hi,
                     "mean_baseline": float(base.mean()) if len(base) else nan,
                     "mean_scenario": float(other.mean()) if len(other) else nan})
    return pd.DataFrame(rows, columns=["scenario", "n_pairs", "mean_diff", "lo", "hi",
                                       "mean_baseline", "mean_scenario"])


def variance_shares(runs: pd.DataFrame, outcomes: Sequence[str],
                    by: Sequence[str] = ("point",)) -> pd.DataFrame:
    """How much of each outcome's variance comes from the assumptions and how much from chance.

    By the law of total variance, ``Var(Y) = Var(E[Y | world]) + E[Var(Y | world)]`` where a
    world is a design point (``by``) and its replicates differ only in their seed: the first term
    is the share of the assumptions, the second the seed noise. Finished runs only; booleans are
    0/1.

    Returns:
        One row per outcome: ``mean``, ``variance``, ``assumptions_share``, ``seed_share``, and
        the numbers of worlds and runs.
    """
    ok = ok_runs(runs)
    _check_columns(ok, list(by), "variance_shares")
    rows = []
    for outcome in outcomes:
        if outcome not in ok.columns:
            continue
        y = as_numeric(ok[outcome], outcome)
        frame = ok[list(by)].assign(_y=y.to_numpy()).dropna(subset=["_y"])
        if len(frame) < 2:
            continue
        total = float(frame["_y"].var(ddof=0))
        groups = frame.groupby(list(by))["_y"]
        within = float(groups.var(ddof=0).mean())
        between = max(total - within, 0.0)
        rows.append({"outcome": outcome, "mean": float(frame["_y"].mean()), "variance": total,
                     "assumptions_share": between / total if total > 0 else float("nan"),
                     "seed_share": within / total if total > 0 else float("nan"),
                     "worlds": int(groups.ngroups), "runs": len(frame)})
    return pd.DataFrame(rows)


def rank_influence(runs: pd.DataFrame, parameters: Sequence[str], outcome: str,
                   by: Sequence[str] = ("point",)) -> pd.DataFrame:
    """Which assumptions decide an outcome: the Spearman rank correlation of each parameter with
    the outcome's mean over each world's replicates (a screening for Latin-hypercube designs,
    where Sobol indices are not available), strongest first."""
    ok = ok_runs(runs)
    y = as_numeric(ok[outcome], outcome)
    frame = ok[[*by, *parameters]].assign(_y=y.to_numpy())
    means = frame.groupby(list(by)).agg({**{p: "first" for p in parameters}, "_y": "mean"})
    rows = []
    for p in parameters:
        x = pd.to_numeric(means[p], errors="coerce")
        if x.nunique() < 2 or means["_y"].nunique() < 2:
            continue
        rho = float(x.rank().corr(means["_y"].rank()))
        rows.append({"parameter": p, "spearman": rho, "abs": abs(rho)})
    out = pd.DataFrame(rows, columns=["parameter", "spearman", "abs"])
    return out.sort_values("abs", ascending=False).drop(columns="abs").reset_index(drop=True)


def plausible(runs: pd.DataFrame, patterns: Sequence[str] = PRE_2020, share: float = 0.5,
              by: Sequence[str] = ("point",), min_passed: int | None = None) -> pd.Series:
    """Which runs belong to a world that reproduces history: approximate Bayesian computation by
    rejection (Pritchard et al. 1999; Beaumont 2010), with the calibration patterns as the
    summary statistics and pass or fail as the distance.

    A world (the design point, ``by``) passes a pattern when the pattern passed in at least
    ``share`` of its finished replicates (a pattern not measurable in a run counts as failed),
    and is accepted when it passes every pattern of ``patterns`` (or at least ``min_passed`` of
    them: the rejection's tolerance): the validation judges each pattern on the median of
    replicates, and a single run is one seed of a noisy world.

    Returns:
        A boolean Series on ``runs``' index: True for the runs of accepted worlds.

    Raises:
        KeyError: the sweep scored no calibration (``experiment.calibrate``), or lacks a pattern.
        ValueError: ``share`` outside (0, 1], or ``min_passed`` outside 1..len(patterns).
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share={share!r} is invalid; allowed: 0 < share <= 1")
    need = len(patterns) if min_passed is None else min_passed
    if not 1 <= need <= len(patterns):
        raise ValueError(f"min_passed={min_passed!r} is invalid; allowed: 1 to {len(patterns)} "
                         "(the number of patterns)")
    columns = [f"calibration.{p}" for p in patterns]
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise KeyError(f"columns {missing} not in the runs; allowed: a sweep whose experiment "
                       f"scores these patterns (experiment.calibrate: {list(patterns)})")
    ok = runs["status"].eq("ok") if "status" in runs.columns else pd.Series(True, runs.index)
    passed = runs[columns].apply(pd.to_numeric, errors="coerce").eq(1.0).astype(float)
    frame = pd.concat([runs[list(by)], passed.where(ok, np.nan)], axis=1)
    shares = frame.groupby(list(by))[columns].transform("mean")
    return shares.ge(share).sum(axis=1).ge(need) & ok


def posterior_shift(runs: pd.DataFrame, parameters: Sequence[str], accepted: pd.Series,
                    by: Sequence[str] = ("point",)) -> pd.DataFrame:
    """How history narrows each assumption: its accepted worlds against all sampled worlds.

    For each parameter: the prior's and the accepted worlds' medians, both as a position on the
    sampled range (0 = its lowest value, 1 = its highest), and the two-sample Kolmogorov-Smirnov
    statistic and p-value between the accepted worlds' values and the rejected ones' (one value
    per world). Sorted by the KS statistic, most constrained first.
    """
    from scipy.stats import ks_2samp

    worlds = runs.assign(_acc=accepted.to_numpy()).groupby(list(by)).agg(
        {**{p: "first" for p in parameters}, "_acc": "max"})
    acc = worlds["_acc"].astype(bool)
    rows = []
    for p in parameters:
        x = pd.to_numeric(worlds[p], errors="coerce")
        if x.nunique() < 2 or acc.sum() < 2 or (~acc).sum() < 2:
            continue
        lo, hi = float(x.min()), float(x.max())
        pos = (x - lo) / (hi - lo)
        ks = ks_2samp(x[acc].dropna(), x[~acc].dropna())
        rows.append({"parameter": p, "prior_median": float(pos.median()),
                     "accepted_median": float(pos[acc].median()), "ks": float(ks.statistic),
                     "p_value": float(ks.pvalue), "accepted_worlds": int(acc.sum()),
                     "worlds": len(acc)})
    out = pd.DataFrame(rows, columns=["parameter", "prior_median", "accepted_median", "ks",
                                      "p_value", "accepted_worlds", "worlds"])
    return out.sort_values("ks", ascending=False).reset_index(drop=True)
