"""The calibration's targets as distances: each target's measured quantities, scaled by its
tolerance (docs/ODD.md section 11.9).

A target of ``sahel-sim-validate`` passes or fails; a calibration needs to know *how far* a run
is from passing. For every item a target reads (a state-year's fatalities, a civilian share, a
footprint, an opinion share...) :func:`deviation` measures how far the run's value lies outside
the item's band, in units of the band's own tolerance:

- ``log`` (counts and money judged by a factor: C1's x2, C6's cost range, C9, C10, P3): the
  distance of ``log1p(value)`` from the band ``[log1p(lo), log1p(hi)]``, divided by half the
  band's width in logs (``log 2`` for a band of x2 either side); a one-sided band divides by
  ``log 2``;
- ``linear`` (shares and sizes judged by a tolerance: C4 and P1-P2 +-0.15, C5 +-5%): the
  distance from ``[lo, hi]`` divided by half the band's width;
- ``flag`` (a property a run has or not: P4-P6, a run with no deployment...): 0 if it has it,
  1 if not.

0 is inside the band; 1 is one tolerance outside it. A value the run cannot give (no fatalities
for a civilian share, an onset never reached) counts as :data:`MISSING`, two tolerances out, and
no item counts more than :data:`CAP` tolerances: a France that left (a cost of 0 against a band
of USD 0.66-1.1bn is 80 tolerances in logs) or a footprint off by hundreds of persons must not
outweigh every other target (a robust distance, as Huber's clips the largest misfits). A
target's distance is the root mean square of its items' (:func:`target_distances`), so every
target weighs the same whatever its number of items, and the calibration's distance is the
Euclidean norm over the targets (``pyabc.PNormDistance``).

Which figures are "before 2020" (the calibration's default targets) and which are held out is
:data:`PRE_2020` and :data:`HELD_OUT`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sim.validate import patterns as P

__all__ = ["CALIBRATION_TARGETS", "CAP", "HELD_OUT", "MISSING", "PRE_2020", "deviation",
           "pattern_bands", "target_distances"]

#: A value the run cannot give: this many tolerances out.
MISSING = 2.0
#: The most tolerances an item counts.
CAP = 5.0
#: The targets whose reported figures are dated before 2020 (shared/data/): the calibration's
#: default. C6 and C9 read the simulated 2019-2021 against reported pre-2020 figures (France's
#: Barkhane costs and deaths to 2019; MINUSMA's budget is its 2021/22 one, the same order as its
#: 2018/19 budget of USD 1.07bn, docs/ODD.md 11.9).
PRE_2020 = ("C1", "C2", "C3", "C4", "C5", "C6", "C9", "C10", "P1", "P2", "P3", "P4", "P5", "P6")
#: Targets held out of the calibration: their figures are dated after 2019 (C7: Mali's payments
#: for contractors from 2021-12; C8: the contingent in Mali 2022-2025), so a calibration on them
#: would tune the model on what it is meant to forecast. They are scored in the posterior
#: predictive check, as out-of-sample tests.
HELD_OUT = ("C7", "C8")
#: Every target a calibration can use.
CALIBRATION_TARGETS = (*(p for p in P.PATTERNS), "P1", "P2", "P3", "P4", "P5", "P6")

Band = tuple[np.ndarray, np.ndarray, str]


def deviation(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, kind: str) -> np.ndarray:
    """How far ``values`` ``[n, k]`` lie outside their bands ``[lo, hi]`` (``[k]``), in
    tolerances (module docstring), at most :data:`CAP`; NaN values count :data:`MISSING`.

    Raises:
        ValueError: an unknown kind.
    """
    values = np.asarray(values, dtype=float)
    lo = np.broadcast_to(np.asarray(lo, dtype=float), values.shape[-1:])
    hi = np.broadcast_to(np.asarray(hi, dtype=float), values.shape[-1:])
    if kind == "flag":
        out = np.where(values >= lo, 0.0, 1.0)
    elif kind == "linear":
        half = np.where(np.isfinite(hi - lo) & (hi > lo), (hi - lo) / 2.0, 1.0)
        out = (np.maximum(lo - values, 0.0) + np.maximum(values - hi, 0.0)) / half
    elif kind == "log":
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.log1p(np.maximum(values, 0.0))
            a, b = np.log1p(lo), np.log1p(hi)
        half = np.where(np.isfinite(b - a) & (b > a), (b - a) / 2.0, math.log(2.0))
        out = (np.maximum(a - x, 0.0) + np.maximum(x - b, 0.0)) / half
    else:
        raise ValueError(f"kind: {kind!r} is unknown; allowed: log, linear, flag")
    return np.where(np.isnan(values), MISSING, np.minimum(out, CAP))


def _years(values: dict[str, dict[int, float]], factor: float) -> tuple[np.ndarray, np.ndarray]:
    rep = np.array([float(values[s][y]) for s in values for y in P.HINDCAST_YEARS])
    return rep / factor, rep * factor


def pattern_bands() -> dict[str, Band]:
    """Each C pattern made of items (:data:`sim.validate.batch.ITEMS`): the band of each item,
    in the items' order, and its kind; from :mod:`sim.validate.patterns`' constants."""
    c4 = np.array([P.REPORTED_CIVILIAN_SHARE[s][y] for s in P.REPORTED_CIVILIAN_SHARE
                   for y in P.HINDCAST_YEARS])
    foot = np.array([v for *_, v in P.FOOTPRINT])
    return {
        "C1": (*_years(P.REPORTED_FATALITIES, P.FATALITY_FACTOR), "log"),
        "C4": (c4 - P.SHARE_TOLERANCE, c4 + P.SHARE_TOLERANCE, "linear"),
        # 5% either side; Russia's 0 is exact: any personnel is one tolerance (5% of 1) per
        # person over, so a Russian presence at the start is far out
        "C5": (foot * (1 - P.FOOTPRINT_TOLERANCE), np.where(
            foot > 0, foot * (1 + P.FOOTPRINT_TOLERANCE), 0.0), "linear"),
        "C6": (np.array([P.COST_RANGES[p][0] for p in P.COST_RANGES for _ in P.COST_YEARS]),
               np.array([P.COST_RANGES[p][1] for p in P.COST_RANGES for _ in P.COST_YEARS]),
               "log"),
        "C9": (np.array([P.CASUALTY_RANGES[p][0] for p in P.CASUALTY_RANGES
                         for _ in P.CASUALTY_YEARS]),
               np.array([P.CASUALTY_RANGES[p][1] for p in P.CASUALTY_RANGES
                         for _ in P.CASUALTY_YEARS]), "log"),
    }


def _c2(items: np.ndarray) -> np.ndarray:
    """C2's deviations ``[n, 2]``: the onset (the first year Burkina Faso passes 1,000
    fatalities) within a year of 2019, and the jump of at least x3 at it."""
    series, jump = items[:, :len(P.HINDCAST_YEARS)], items[:, len(P.HINDCAST_YEARS)]
    years = np.asarray(P.HINDCAST_YEARS, dtype=float)
    above = series > P.ONSET_THRESHOLD
    reached = above.any(axis=1)
    onset = np.where(reached, years[above.argmax(axis=1)], np.nan)
    late = np.abs(onset - P.ONSET_YEAR) - P.ONSET_TOLERANCE_YEARS
    # never reached: how far the largest year is below the threshold, in factors of 2
    short = deviation(np.nanmax(np.where(np.isnan(series), -1.0, series), axis=1)[:, None],
                      np.array([P.ONSET_THRESHOLD]), np.array([np.inf]), "log")[:, 0]
    timing = np.where(reached, np.maximum(late, 0.0), 1.0 + short)
    size = deviation(jump[:, None], np.array([P.ONSET_JUMP]), np.array([np.inf]), "log")[:, 0]
    return np.stack([timing, size], axis=1)


def _c10(items: np.ndarray) -> np.ndarray:
    """C10's deviations: each group's size at the start below the low estimate, and its peak
    below the ceiling (x3 the high estimate)."""
    groups = list(P.FIGHTER_ESTIMATES)
    g = len(groups)
    low = np.array([P.FIGHTER_ESTIMATES[x][0] for x in groups])
    ceil = np.array([P.FIGHTER_CEILING_FACTOR * P.FIGHTER_ESTIMATES[x][1] for x in groups])
    start = deviation(items[:, :g], np.zeros(g), low, "log")
    peak = deviation(items[:, g:], np.zeros(g), ceil, "log")
    return np.concatenate([start, peak], axis=1)


def target_distances(ids: Sequence[str], items: dict[str, np.ndarray],
                     measured: dict[str, np.ndarray],
                     bands: dict[str, Band]) -> dict[str, np.ndarray]:
    """Each target's distance ``[n]`` (the root mean square of its items' deviations) from the
    scores of ``n`` runs (:class:`sim.validate.batch.BatchScores`' ``items`` and ``measured``):
    the C patterns' bands are :func:`pattern_bands`' and the targets without items' (C3, C7,
    C8) their measured statistic's; ``bands`` adds the others' (P1-P6:
    :data:`sim.validate.politics_batch.POLITICS_BANDS`).

    Raises:
        ValueError: a target with neither items nor a rule here.
    """
    bands = {**pattern_bands(), **bands}
    out: dict[str, np.ndarray] = {}
    for pid in ids:
        if pid == "C2":
            dev = _c2(items[pid])
        elif pid == "C10":
            dev = _c10(items[pid])
        elif pid == "C3":  # the negative controls' largest year below 200
            dev = deviation(measured[pid][:, None], np.zeros(1),
                            np.array([P.QUIET_LIMIT]), "log")
        elif pid == "C7":  # the host's price per contractor-month; never deployed: missing
            lo, hi = P.CONTRACTOR_PRICE_RANGE
            dev = deviation(measured[pid][:, None], np.array([lo]), np.array([hi]), "log")
        elif pid == "C8":  # the share of deployed months with a contingent in its range
            dev = deviation(measured[pid][:, None], np.ones(1), np.ones(1), "linear")
        elif pid in bands and pid in items:
            lo, hi, kind = bands[pid]
            dev = deviation(items[pid], lo, hi, kind)
        else:
            raise ValueError(f"target {pid!r} has no distance; allowed: "
                             f"{', '.join(CALIBRATION_TARGETS)}")
        out[pid] = np.sqrt(np.mean(np.square(dev), axis=1))
    return out
