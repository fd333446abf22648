"""The calibration patterns C1-C10 (docs/sources.md, section C), each scored from output tables.

Every pattern is a function of the output tables of docs/ODD.md section 10 (the dicts of DataFrames
that ``sim.run(cfg).tables`` returns; columns in :data:`sim.record.TABLES`) and of nothing else:
no model object, no side channel. A function takes the list of replicate table-dicts it needs:

- ``scenario``: the runs of the scenario being scored (default 2019-01 .. 2025-12);
- ``hindcast``: runs of the same scenario that start in 2017-01 and end in 2019-12, before
  Burkina Faso's onset (C1, C2, C4 need them; C3 and C10 also look at them when given).

and returns a :class:`PatternResult`: what was measured (median and 90% interval, 5th-95th
percentile, across replicates), the target as text, pass or fail, per-item details and the data of
the pattern's figure (drawn by :mod:`sim.validate.plots`). A pattern whose years are outside the
runs is *not measurable in this horizon*: ``passed=False``, ``measurable=False``, and reports count
it apart from the failures.

Targets and tolerances are those of ``calibration-patterns.md`` (kept as docs/sources.md, section
C); the reported figures are those of docs/sources.md sections 2-4 (ACLED fatalities [F 4a],
civilian fatalities [F 4b], forces [F 2a, 2c], costs [F 3]). This module never imports Mesa.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FIGURE_NAMES",
    "plain",
    "PATTERNS",
    "PRE_2020",
    "PatternResult",
    "Tables",
    "c1_fatalities",
    "c2_burkina_onset",
    "c3_negative_controls",
    "c4_civilian_share",
    "c5_initial_footprint",
    "c6_western_cost",
    "c7_contractor_price",
    "c8_russian_contingent",
    "c9_western_casualties",
    "c10_armed_groups",
    "evaluate",
    "score_run",
]

#: One run's output tables (table name -> DataFrame), as ``RunResult.tables``.
Tables = Mapping[str, pd.DataFrame]

#: The 90% interval across replicates: these percentiles.
LOW_Q, HIGH_Q = 5.0, 95.0
NOT_MEASURABLE = "not measurable in this horizon"

# --------------------------------------------------------------------------- reported figures

#: C1: ACLED annual fatalities, all political violence, 2017 / 2018 / 2019 [F 4a].
REPORTED_FATALITIES: dict[str, dict[int, float]] = {
    "mali": {2017: 946, 2018: 1739, 2019: 1873},
    "burkina_faso": {2017: 117, 2018: 303, 2019: 2220},
    "niger": {2017: 240, 2018: 506, 2019: 729},
    "chad": {2017: 296, 2018: 259, 2019: 567},
}
#: C1: a simulated year passes within this factor of the reported one (either side).
FATALITY_FACTOR = 2.0
#: C1, C2, C4: the hindcast years.
HINDCAST_YEARS = (2017, 2018, 2019)

#: C2: Burkina Faso's onset: first year above the threshold, its year, tolerance and jump.
ONSET_STATE = "burkina_faso"
ONSET_THRESHOLD = 1000.0
ONSET_YEAR = 2019
ONSET_TOLERANCE_YEARS = 1
ONSET_JUMP = 3.0

#: C3: negative controls and their 2012-2019 maximum annual fatalities [F 4a].
REPORTED_CONTROL_MAXIMA: dict[str, float] = {
    "mauritania": 3, "senegal": 29, "guinea": 131, "cote_divoire": 118}
QUIET_LIMIT = 200.0
QUIET_SHARE = 0.95

#: C4: ACLED civilian share of fatalities 2017 / 2018 / 2019 [F 4a, 4b].
REPORTED_CIVILIAN_SHARE: dict[str, dict[int, float]] = {
    "mali": {2017: 0.27, 2018: 0.50, 2019: 0.47},
    "burkina_faso": {2017: 0.57, 2018: 0.58, 2019: 0.61},
    "niger": {2017: 0.16, 2018: 0.30, 2019: 0.28},
}
SHARE_TOLERANCE = 0.15

#: C5: the foreign footprint at 2019-01 [F 2a]: (label, power, states or None for all, persons).
SAHEL = ("mali", "burkina_faso", "niger", "chad", "mauritania")
FOOTPRINT_DATE = "2019-01"
FOOTPRINT: tuple[tuple[str, str, tuple[str, ...] | None, float], ...] = (
    ("france in the Sahel", "france", SAHEL, 4500.0),
    ("france in mali", "france", ("mali",), 2400.0),
    ("un in mali", "un", ("mali",), 13000.0),
    ("usa in niger", "usa", ("niger",), 1100.0),
    ("russia (all states)", "russia", None, 0.0),
)
FOOTPRINT_TOLERANCE = 0.05

#: C6: exchange rate used to convert France's cost (USD per EUR).
USD_PER_EUR = 1.1
#: C6: annual gross cost ranges (USD/year) [F 3]: France EUR 0.6-1.0bn; MINUSMA USD 1.17bn,
#: accepted 1.0-1.35bn.
COST_RANGES: dict[str, tuple[float, float]] = {
    "france": (0.6e9 * USD_PER_EUR, 1.0e9 * USD_PER_EUR),
    "un": (1.0e9, 1.35e9),
}
COST_YEARS = (2019, 2020, 2021)

#: C7: USD the host pays per contractor-month (Mali: ~USD 10.8m/month for ~1,000 men [F 1]).
CONTRACTOR_POWER = "russia"
CONTRACTOR_PRICE_RANGE = (7_000.0, 11_000.0)
#: C7, C8: the reported first Russian deployment (Wagner in Mali, 2021-12 [F 1]).
RUSSIA_ENTRY = "2021-12"

#: C8: Russian personnel in Mali while deployed [F 2a], the state, and the ramp-up months skipped.
CONTINGENT_STATE = "mali"
CONTINGENT_RANGE = (800.0, 2500.0)
RAMP_UP_MONTHS = 3

#: C9: own deaths per year [F 3/F 1 via sources.md C9], 2019-2021.
CASUALTY_RANGES: dict[str, tuple[float, float]] = {"france": (2.0, 15.0), "un": (10.0, 60.0)}
CASUALTY_YEARS = (2019, 2020, 2021)

#: C10: fighters [F 2c]: the lower and upper 2025 estimates, and the ceiling factor.
FIGHTER_ESTIMATES: dict[str, tuple[float, float]] = {"jnim": (6000.0, 7000.0),
                                                     "is_sahel": (2000.0, 3000.0)}
FIGHTER_CEILING_FACTOR = 3.0


#: File-name stem of each pattern's figure (``<id>_<name>.png``).
FIGURE_NAMES: dict[str, str] = {
    "C1": "fatalities_by_state",
    "C2": "burkina_onset",
    "C3": "negative_controls",
    "C4": "civilian_share",
    "C5": "initial_footprint",
    "C6": "western_cost",
    "C7": "contractor_price",
    "C8": "russian_contingent",
    "C9": "western_casualties",
    "C10": "armed_groups",
}


# --------------------------------------------------------------------------- the result


@dataclass
class PatternResult:
    """The score of one pattern over replicates.

    Attributes:
        id: ``C1`` .. ``C10``.
        title: what the pattern is about.
        measured: what was measured, per replicate (the statistic of ``median``/``low``/``high``).
        kind: how the measured numbers are formatted: ``count``, ``share``, ``usd``, ``year``,
            ``ratio`` or ``persons``.
        median: median across replicates of the measured statistic (None if not measurable).
        low: its 5th percentile across replicates.
        high: its 95th percentile across replicates.
        target: the target and tolerance, as text.
        passed: whether the pattern passed (False when not measurable).
        measurable: False when the runs do not cover what the pattern needs.
        result: the statistic the pass rule is applied to, in words (e.g. "11 of 12 medians
            within x2"), with the failing items.
        reason: why it failed or could not be measured ("" when it passed).
        n_replicates: replicates used.
        details: one dict per item (state-year, power-year, ...): median, low, high, reported,
            allowed range and whether it passed.
        figure: the data of its figure (see :mod:`sim.validate.plots`).
    """

    id: str
    title: str
    measured: str
    kind: str
    target: str
    passed: bool
    median: float | None = None
    low: float | None = None
    high: float | None = None
    measurable: bool = True
    result: str = ""
    reason: str = ""
    n_replicates: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)
    figure: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``PASS``, ``FAIL`` or ``n/a`` (not measurable in this horizon)."""
        if not self.measurable:
            return "n/a"
        return "PASS" if self.passed else "FAIL"

    @property
    def measured_text(self) -> str:
        """``median [5%, 95%]`` of the measured statistic, formatted for its kind."""
        if self.median is None:
            return "n/a"
        return (f"{fmt(self.median, self.kind)} [{fmt(self.low, self.kind)}, "
                f"{fmt(self.high, self.kind)}]")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able data (NaN and infinities become None), with ``status``."""
        d = dataclasses.asdict(self)
        d["status"] = self.status
        d["measured_text"] = self.measured_text
        return plain(d)


def plain(x: Any) -> Any:
    """``x`` as JSON-able data: string keys, lists, Python numbers, None for NaN and infinities."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def fmt(x: float | None, kind: str) -> str:
    """Format a number for tables: counts with separators, shares with 2 decimals, USD in k/m/bn."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if kind == "share" or kind == "ratio":
        return f"{x:.2f}"
    if kind == "year":
        return f"{x:.0f}"
    if kind == "usd":
        for unit, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
            if abs(x) >= div:
                return f"{x / div:,.2f}{unit}"
        return f"{x:,.0f}"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.1f}"


# --------------------------------------------------------------------------- helpers


def spread(values: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """Median, 5th and 95th percentile of ``values``, ignoring NaN (NaN if none is finite)."""
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    if not a.size:
        return math.nan, math.nan, math.nan
    lo, med, hi = np.percentile(a, [LOW_Q, 50.0, HIGH_Q])
    return float(med), float(lo), float(hi)


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _year(df: pd.DataFrame) -> pd.Series:
    return df["date"].astype(str).str.slice(0, 4).astype(int)


def month_of(df: pd.DataFrame) -> pd.Series:
    return df["date"].astype(str).str.slice(0, 7)


def full_years(df: pd.DataFrame) -> list[int]:
    """Calendar years of which a table has all twelve months."""
    months = df["date"].astype(str).str.slice(0, 7).drop_duplicates()
    counts = months.str.slice(0, 4).astype(int).value_counts()
    return sorted(int(y) for y, n in counts.items() if n == 12)


def _covered(runs: Sequence[Tables], table: str, years: Sequence[int]) -> bool:
    """Whether every run has every one of ``years`` in full in ``table``."""
    return bool(runs) and all(set(years) <= set(full_years(t[table])) for t in runs)


def span(runs: Sequence[Tables], table: str) -> str:
    if not runs:
        return "no runs"
    dates = runs[0][table]["date"].astype(str).str.slice(0, 7)
    return f"{dates.min()}..{dates.max()}" if len(dates) else "no months"


def _annual(df: pd.DataFrame, entity: str, value: str) -> pd.DataFrame:
    """Annual sums of ``value``: rows year, columns entity (every year present, full or not)."""
    return df.assign(_year=_year(df)).pivot_table(index="_year", columns=entity, values=value,
                                                  aggfunc="sum", observed=True)


def _hindcast_gap(hindcast: Sequence[Tables]) -> str | None:
    """Why the hindcast runs cannot measure 2017-2019 (None when they can)."""
    if _covered(hindcast, "states", HINDCAST_YEARS):
        return None
    return f"needs full years 2017-2019 in the hindcast runs; they cover {span(hindcast, 'states')}"


def not_measurable(pid: str, title: str, measured: str, kind: str, target: str, why: str,
                    n: int) -> PatternResult:
    return PatternResult(id=pid, title=title, measured=measured, kind=kind, target=target,
                         passed=False, measurable=False, reason=f"{NOT_MEASURABLE} ({why})",
                         result=NOT_MEASURABLE, n_replicates=n)


def _item(name: str, values: np.ndarray, lo: float, hi: float, reported: float | None,
          exact: bool = False) -> dict[str, Any]:
    """One item: spread of ``values`` across replicates, and whether the median is in [lo, hi]."""
    med, p5, p95 = spread(values)
    ok = math.isfinite(med) and (med == reported if exact else lo <= med <= hi)
    return {"item": name, "median": _num(med), "low": _num(p5), "high": _num(p95),
            "reported": reported, "allowed": [lo, hi], "passed": bool(ok)}


def _items_in_range(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per replicate (rows), how many items (columns) are inside their range."""
    return ((values >= lo[None, :]) & (values <= hi[None, :])).sum(axis=1).astype(float)


def _failures(details: list[dict[str, Any]], kind: str, limit: int = 4) -> str:
    bad = [d for d in details if not d["passed"]]
    if not bad:
        return ""
    parts = []
    for d in bad[:limit]:
        lo, hi = d["allowed"]
        rng = fmt(lo, kind) if lo == hi else f"{fmt(lo, kind)}-{fmt(hi, kind)}"
        parts.append(f"{d['item']} {fmt(d['median'], kind)} (allowed {rng})")
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return "; fails: " + ", ".join(parts) + more


def items_result(pid: str, title: str, what: str, kind: str, target: str,
                  values: np.ndarray, items: list[tuple[str, float, float, float | None]],
                  figure: dict[str, Any], exact: Sequence[bool] | None = None) -> PatternResult:
    """A pattern made of items that must each pass in the median of the replicates.

    ``values`` is replicates x items; ``items`` is (name, lo, hi, reported) per column. The
    measured statistic is, per replicate, how many items are within their range; the pass rule
    is that every item's median across replicates is.
    """
    exact = list(exact) if exact is not None else [False] * len(items)
    details = [_item(name, values[:, j], lo, hi, rep, exact[j])
               for j, (name, lo, hi, rep) in enumerate(items)]
    lo = np.array([i[1] for i in items], dtype=float)
    hi = np.array([i[2] for i in items], dtype=float)
    per_rep = _items_in_range(values, lo, hi)
    med, p5, p95 = spread(per_rep)
    k = sum(d["passed"] for d in details)
    passed = k == len(details)
    result = f"{k} of {len(details)} item medians in range" + _failures(details, kind)
    return PatternResult(
        id=pid, title=title, measured=f"{what} (of {len(items)}), per replicate", kind="count",
        target=target, passed=passed, median=_num(med), low=_num(p5), high=_num(p95),
        result=result, reason="" if passed else f"{len(details) - k} item median(s) out of range",
        n_replicates=values.shape[0], details=details, figure=figure)


def annual_stack(runs: Sequence[Tables], table: str, entity: str, value: str,
                  entities: Sequence[str], years: Sequence[int]) -> np.ndarray:
    """replicates x entities x years array of annual sums (NaN where an entity is absent)."""
    out = np.full((len(runs), len(entities), len(years)), np.nan)
    for i, t in enumerate(runs):
        a = _annual(t[table], entity, value)
        for j, e in enumerate(entities):
            if e in a.columns:
                out[i, j] = a[e].reindex(years).to_numpy(dtype=float)
    return out


def band(label: str, x: Sequence[Any], values: np.ndarray) -> dict[str, Any]:
    """A figure series: median and 5-95% band across replicates (rows of ``values``) at each x."""
    with np.errstate(all="ignore"):
        stats = [spread(values[:, k]) for k in range(values.shape[1])]
    return {"label": label, "x": list(x), "median": [s[0] for s in stats],
            "low": [s[1] for s in stats], "high": [s[2] for s in stats]}


def monthly_stack(runs: Sequence[Tables], table: str, select: Callable[[pd.DataFrame], pd.Series],
                   ) -> tuple[list[str], np.ndarray]:
    """replicates x months array of a monthly value (``select`` maps a table to a Series by
    month ``YYYY-MM``), over the months of the first run."""
    months = sorted(month_of(runs[0][table]).unique())
    out = np.full((len(runs), len(months)), np.nan)
    for i, t in enumerate(runs):
        out[i] = select(t[table]).reindex(months).to_numpy(dtype=float)
    return months, out


# --------------------------------------------------------------------------- C1


def c1_fatalities(hindcast: Sequence[Tables]) -> PatternResult:
    """C1: annual conflict fatalities by state, 2017-2019, within a factor 2 of ACLED.

    Measured from the ``states`` table (``fatalities``) of the hindcast runs (2017-01 start):
    the annual sum per state and year. Pass: every state-year's median across replicates is
    within a factor :data:`FATALITY_FACTOR` of the reported figure [F 4a].
    """
    pid, title = "C1", "Annual fatalities by state, 2017-2019"
    target = (f"every state-year median within x{FATALITY_FACTOR:g} of ACLED (Mali 946/1,739/1,873;"
              " BF 117/303/2,220; Niger 240/506/729; Chad 296/259/567)")
    what = "state-years within x2 of ACLED"
    if why := _hindcast_gap(hindcast):
        return not_measurable(pid, title, what, "count", target, why, len(hindcast))
    states, years = list(REPORTED_FATALITIES), list(HINDCAST_YEARS)
    stack = annual_stack(hindcast, "states", "state", "fatalities", states, years)
    values = stack.reshape(len(hindcast), -1)
    items = []
    for s in states:
        for y in years:
            rep = float(REPORTED_FATALITIES[s][y])
            items.append((f"{s} {y}", rep / FATALITY_FACTOR, rep * FATALITY_FACTOR, rep))
    panels = [{"title": s,
               "series": [band("simulated (hindcast)", years, stack[:, j])],
               "reported": [{"label": "ACLED (bars: x2 tolerance)", "x": years,
                             "y": [REPORTED_FATALITIES[s][y] for y in years],
                             "low": [REPORTED_FATALITIES[s][y] / FATALITY_FACTOR for y in years],
                             "high": [REPORTED_FATALITIES[s][y] * FATALITY_FACTOR for y in years]}]}
              for j, s in enumerate(states)]
    figure = {"name": FIGURE_NAMES["C1"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "fatalities per year", "log": True, "panels": panels}
    return items_result(pid, title, what, "count", target, values, items, figure)


# --------------------------------------------------------------------------- C2


def c2_burkina_onset(hindcast: Sequence[Tables]) -> PatternResult:
    """C2: Burkina Faso's onset: the first year above 1,000 fatalities is 2019 +- 1, with a jump.

    Measured on the median across replicates of Burkina Faso's annual fatalities (``states``
    table) in the hindcast runs: the onset is the first full year whose median exceeds
    :data:`ONSET_THRESHOLD`; the jump is that year's median over the previous year's. Pass: onset
    within :data:`ONSET_YEAR` +- :data:`ONSET_TOLERANCE_YEARS` and jump >= :data:`ONSET_JUMP`.
    The measured statistic (median and interval) is each replicate's own onset year.
    """
    pid, title = "C2", "Burkina Faso's onset"
    target = (f"first year BF > {ONSET_THRESHOLD:,.0f} fatalities is {ONSET_YEAR} +- "
              f"{ONSET_TOLERANCE_YEARS}, with a year-on-year jump >= {ONSET_JUMP:g}x (median series)")
    what = "first year BF > 1,000 fatalities"
    if why := _hindcast_gap(hindcast):
        return not_measurable(pid, title, what, "year", target, why, len(hindcast))
    years = sorted(set.intersection(*(set(full_years(t["states"])) for t in hindcast)))
    series = annual_stack(hindcast, "states", "state", "fatalities", [ONSET_STATE], years)[:, 0]
    med = np.array([spread(series[:, k])[0] for k in range(len(years))])
    onsets = []
    for row in series:
        above = [y for y, v in zip(years, row, strict=True) if v > ONSET_THRESHOLD]
        onsets.append(float(above[0]) if above else math.nan)
    o_med, o_lo, o_hi = spread(onsets)
    reached = int(np.isfinite(onsets).sum())
    onset = next((y for y, v in zip(years, med, strict=True) if v > ONSET_THRESHOLD), None)
    jump = math.nan
    if onset is None:
        passed = False
        reason = (f"the median series stays below {ONSET_THRESHOLD:,.0f} through {years[-1]}"
                  + (f" ({years[-1] + 1} is outside the hindcast)"
                     if years[-1] < ONSET_YEAR + ONSET_TOLERANCE_YEARS else ""))
        result = reason
    elif onset == years[0]:
        passed = False
        reason = f"the median series is above {ONSET_THRESHOLD:,.0f} in {onset}, the first year " \
                 "of the run: no onset (and no jump) can be seen"
        result = reason
    else:
        prev = med[years.index(onset) - 1]
        jump = med[years.index(onset)] / prev if prev > 0 else math.inf
        in_time = abs(onset - ONSET_YEAR) <= ONSET_TOLERANCE_YEARS
        passed = bool(in_time and jump >= ONSET_JUMP)
        result = f"median series: onset {onset}, jump x{jump:.1f} over {onset - 1}"
        reason = "" if passed else "; ".join(
            ([f"onset {onset} is not {ONSET_YEAR} +- {ONSET_TOLERANCE_YEARS}"] if not in_time else [])
            + ([f"jump x{jump:.1f} < x{ONSET_JUMP:g}"] if jump < ONSET_JUMP else []))
    result += f" ({reached} of {len(hindcast)} replicates pass {ONSET_THRESHOLD:,.0f})"
    reported = REPORTED_FATALITIES[ONSET_STATE]
    details = [{"item": f"{ONSET_STATE} {y}", **{k: _num(v) for k, v in zip(
        ("median", "low", "high"), spread(series[:, k]), strict=True)},
        "reported": reported.get(y), "allowed": [None, None], "passed": None}
        for k, y in enumerate(years)]
    details.append({"item": "onset year (median series)", "kind": "year", "median": onset, "low": None,
                    "high": None, "reported": ONSET_YEAR,
                    "allowed": [ONSET_YEAR - ONSET_TOLERANCE_YEARS,
                                ONSET_YEAR + ONSET_TOLERANCE_YEARS],
                    "passed": onset is not None and abs(onset - ONSET_YEAR) <= ONSET_TOLERANCE_YEARS})
    details.append({"item": "jump at onset (x)", "kind": "ratio", "median": _num(jump), "low": None, "high": None,
                    "reported": reported[2019] / reported[2018], "allowed": [ONSET_JUMP, None],
                    "passed": bool(math.isfinite(jump) and jump >= ONSET_JUMP) or jump == math.inf})
    figure = {"name": FIGURE_NAMES["C2"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "fatalities per year", "log": True,
              "panels": [{"title": ONSET_STATE,
                          "series": [band("simulated (hindcast)", years, series)],
                          "reported": [{"label": "ACLED", "x": sorted(reported),
                                        "y": [reported[y] for y in sorted(reported)]}],
                          "lines": [{"label": "onset threshold", "y": ONSET_THRESHOLD}]}]}
    return PatternResult(id=pid, title=title, measured=f"{what}, per replicate", kind="year",
                         target=target, passed=passed, median=_num(o_med), low=_num(o_lo),
                         high=_num(o_hi), result=result, reason=reason,
                         n_replicates=len(hindcast), details=details, figure=figure)


# --------------------------------------------------------------------------- C3


def c3_negative_controls(scenario: Sequence[Tables],
                         hindcast: Sequence[Tables] = ()) -> PatternResult:
    """C3: the negative controls (Mauritania, Senegal, Guinea, Cote d'Ivoire) stay quiet.

    A replicate is its scenario run and, when given, its hindcast run (paired by position). Per
    replicate, the largest annual fatalities (``states`` table) of each control state over every
    full year of its runs. Pass: in at least :data:`QUIET_SHARE` of replicates every control state
    stays below :data:`QUIET_LIMIT` in every year. The measured statistic is the largest annual
    figure of any control state, per replicate.
    """
    pid, title = "C3", "Negative controls stay quiet"
    controls = list(REPORTED_CONTROL_MAXIMA)
    target = (f"each of {', '.join(controls)} < {QUIET_LIMIT:,.0f} per year in every year, in "
              f">= {QUIET_SHARE:.0%} of replicates")
    what = "largest annual fatalities in a control state"
    n = max(len(scenario), len(hindcast))
    reps = [[r[i] for r in (scenario, hindcast) if i < len(r)] for i in range(n)]
    years_by_run = [[full_years(t["states"]) for t in runs] for runs in reps]
    if not any(y for runs in years_by_run for y in runs):
        return not_measurable(pid, title, what, "count", target,
                               f"no full year in the runs ({span(scenario, 'states')})", n)
    peaks = np.zeros((n, len(controls)))  # replicate x control state: largest annual fatalities
    for i, runs in enumerate(reps):
        for t, years in zip(runs, years_by_run[i], strict=True):
            if years:
                a = _annual(t["states"], "state", "fatalities").reindex(years)
                peaks[i] = np.maximum(peaks[i], a.reindex(columns=controls).fillna(0).max().to_numpy())
    quiet = (peaks < QUIET_LIMIT).all(axis=1)
    share = float(quiet.mean())
    passed = share >= QUIET_SHARE
    details = []
    for j, s in enumerate(controls):
        med, p5, p95 = spread(peaks[:, j])
        details.append({"item": f"{s} (largest year)", "median": med, "low": p5, "high": p95,
                        "reported": REPORTED_CONTROL_MAXIMA[s], "allowed": [0, QUIET_LIMIT],
                        "share_below": float((peaks[:, j] < QUIET_LIMIT).mean()),
                        "passed": bool((peaks[:, j] < QUIET_LIMIT).mean() >= QUIET_SHARE)})
    loud = [f"{d['item'].split(' ')[0]} ({d['share_below']:.0%} quiet)" for d in details
            if not d["passed"]]
    result = f"{share:.0%} of replicates quiet" + (f"; loud: {', '.join(loud)}" if loud else "")
    med, p5, p95 = spread(peaks.max(axis=1))
    panels = []
    for j, s in enumerate(controls):
        series = []
        for label, runs in (("simulated (scenario)", scenario), ("simulated (hindcast)", hindcast)):
            yrs = sorted(set.intersection(*(set(full_years(t["states"])) for t in runs))) if runs else []
            if yrs:
                series.append(band(label, yrs, annual_stack(runs, "states", "state", "fatalities",
                                                              [s], yrs)[:, 0]))
        panels.append({"title": s, "series": series,
                       "lines": [{"label": "limit", "y": QUIET_LIMIT},
                                 {"label": "reported 2012-2019 maximum", "y":
                                  REPORTED_CONTROL_MAXIMA[s], "style": ":"}]})
    figure = {"name": FIGURE_NAMES["C3"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "fatalities per year", "log": False, "panels": panels}
    return PatternResult(id=pid, title=title, measured=f"{what}, per replicate", kind="count",
                         target=target, passed=passed, median=_num(med), low=_num(p5),
                         high=_num(p95), result=result,
                         reason="" if passed else f"only {share:.0%} of replicates stay quiet",
                         n_replicates=n, details=details, figure=figure)


# --------------------------------------------------------------------------- C4


def c4_civilian_share(hindcast: Sequence[Tables]) -> PatternResult:
    """C4: civilian share of fatalities, 2017-2019, within +-0.15 of ACLED.

    Per replicate and state-year, ``civilian_fatalities / fatalities`` of the annual sums
    (``states`` table, hindcast runs; undefined where a year has no fatality). Pass: every
    state-year's median across replicates within :data:`SHARE_TOLERANCE` of the reported share.
    """
    pid, title = "C4", "Civilian share of fatalities, 2017-2019"
    target = (f"every state-year median within +-{SHARE_TOLERANCE:g} of ACLED (Mali 0.27/0.50/0.47;"
              " BF 0.57/0.58/0.61; Niger 0.16/0.30/0.28)")
    what = "state-years within +-0.15 of ACLED"
    if why := _hindcast_gap(hindcast):
        return not_measurable(pid, title, what, "count", target, why, len(hindcast))
    states, years = list(REPORTED_CIVILIAN_SHARE), list(HINDCAST_YEARS)
    fat = annual_stack(hindcast, "states", "state", "fatalities", states, years)
    civ = annual_stack(hindcast, "states", "state", "civilian_fatalities", states, years)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(fat > 0, civ / np.where(fat > 0, fat, 1.0), np.nan)
    items = [(f"{s} {y}", REPORTED_CIVILIAN_SHARE[s][y] - SHARE_TOLERANCE,
              REPORTED_CIVILIAN_SHARE[s][y] + SHARE_TOLERANCE, REPORTED_CIVILIAN_SHARE[s][y])
             for s in states for y in years]
    panels = [{"title": s, "series": [band("simulated (hindcast)", years, share[:, j])],
               "reported": [{"label": "ACLED (bars: +-0.15)", "x": years,
                             "y": [REPORTED_CIVILIAN_SHARE[s][y] for y in years],
                             "low": [REPORTED_CIVILIAN_SHARE[s][y] - SHARE_TOLERANCE for y in years],
                             "high": [REPORTED_CIVILIAN_SHARE[s][y] + SHARE_TOLERANCE
                                      for y in years]}]}
              for j, s in enumerate(states)]
    figure = {"name": FIGURE_NAMES["C4"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "civilian share of fatalities", "log": False, "ylim": [0, 1],
              "panels": panels}
    res = items_result(pid, title, what, "share", target, share.reshape(len(hindcast), -1),
                        items, figure)
    return res


# --------------------------------------------------------------------------- C5


def c5_initial_footprint(scenario: Sequence[Tables]) -> PatternResult:
    """C5: the foreign footprint at 2019-01 (inputs: exact at start).

    ``personnel`` of the ``presence`` table in the month 2019-01 (step 0 of a 2019-01 start):
    France in the Sahel (Mali, Burkina Faso, Niger, Chad, Mauritania) ~4,500, of which ~2,400 in
    Mali; the UN (MINUSMA) ~13,000 in Mali; the US ~1,100 in Niger; Russia 0 everywhere [F 2a].
    Pass: each median within :data:`FOOTPRINT_TOLERANCE` (Russia exactly 0).
    """
    pid, title = "C5", "Initial foreign footprint, 2019-01"
    target = ("within 5% of: France 4,500 in the Sahel, 2,400 in Mali; UN 13,000 in Mali; "
              "US 1,100 in Niger; Russia exactly 0")
    what = "footprint items within 5%"
    date = f"{FOOTPRINT_DATE}-01"
    if not scenario or not all((t["presence"]["date"].astype(str) == date).any() for t in scenario):
        return not_measurable(pid, title, what, "count", target,
                               f"needs the month {FOOTPRINT_DATE} in the scenario runs; they cover "
                               f"{span(scenario, 'presence')}", len(scenario))
    values = np.zeros((len(scenario), len(FOOTPRINT)))
    for i, t in enumerate(scenario):
        p = t["presence"]
        p = p[p["date"].astype(str) == date]
        for j, (_, power, states, _) in enumerate(FOOTPRINT):
            sel = p[p["power"] == power]
            if states is not None:
                sel = sel[sel["state"].isin(states)]
            values[i, j] = float(sel["personnel"].sum())
    items = [(label, v * (1 - FOOTPRINT_TOLERANCE), v * (1 + FOOTPRINT_TOLERANCE), v)
             for label, _, _, v in FOOTPRINT]
    exact = [v == 0 for *_, v in FOOTPRINT]
    labels = [label for label, *_ in FOOTPRINT]
    figure = {"name": FIGURE_NAMES["C5"], "title": f"{pid} {title}", "xkind": "category",
              "ylabel": "personnel at 2019-01", "log": False,
              "panels": [{"title": "foreign personnel",
                          "series": [band("simulated", labels, values)],
                          "reported": [{"label": "reported (bars: +-5%)", "x": labels,
                                        "y": [v for *_, v in FOOTPRINT],
                                        "low": [i[1] for i in items],
                                        "high": [i[2] for i in items]}]}]}
    return items_result(pid, title, what, "persons", target, values, items, figure, exact)


# --------------------------------------------------------------------------- C6


#: Barkhane's theatre: France's cost in C6 is its spending in these states (its bases in Cote
#: d'Ivoire and Senegal were not part of Barkhane).
BARKHANE_STATES = ("mali", "burkina_faso", "niger", "chad", "mauritania")


def _sahel_cost(t: Tables) -> pd.DataFrame:
    """Monthly gross cost by power: France's spending in the Barkhane states (``presence``), the
    UN's whole gross cost (``powers``)."""
    pr = t["presence"]
    fr = (pr[(pr["power"] == "france") & pr["state"].isin(BARKHANE_STATES)]
          .groupby("date", as_index=False)["spending_usd"].sum().assign(power="france"))
    pw = t["powers"]
    un = (pw[pw["power"] == "un"][["date", "gross_cost_usd"]]
          .rename(columns={"gross_cost_usd": "spending_usd"}).assign(power="un"))
    return pd.concat([fr, un], ignore_index=True)


def c6_western_cost(scenario: Sequence[Tables]) -> PatternResult:
    """C6: annual gross cost of the Western presence, 2019-2021.

    Annual sums of France's gross spending in the Barkhane states (:data:`BARKHANE_STATES`,
    ``presence.spending_usd``: "Barkhane, all costs") and of the UN's ``gross_cost_usd``
    (``powers``) in each calendar year 2019-2021 of the scenario runs. Pass: every power-year
    median within France EUR 0.6-1.0bn (at :data:`USD_PER_EUR`) and UN USD 1.0-1.35bn (MINUSMA's
    reported USD 1.17bn, 2021/22 [F 3], accepted within that range).
    """
    pid, title = "C6", "Annual cost of the Western presence, 2019-2021"
    fr, un = COST_RANGES["france"], COST_RANGES["un"]
    target = (f"France EUR 0.6-1.0bn/yr (USD {fr[0] / 1e9:.2f}-{fr[1] / 1e9:.2f}bn at "
              f"{USD_PER_EUR} USD/EUR); UN USD {un[0] / 1e9:.2f}-{un[1] / 1e9:.2f}bn/yr (reported "
              "1.17bn, accepted 1.0-1.35bn); every year 2019-2021, median")
    what = "power-years in range"
    years = list(COST_YEARS)
    if not _covered(scenario, "powers", years):
        return not_measurable(pid, title, what, "count", target,
                               f"needs full years 2019-2021 in the scenario runs; they cover "
                               f"{span(scenario, 'powers')}", len(scenario))
    powers = list(COST_RANGES)
    costs = [{"cost": _sahel_cost(t)} for t in scenario]
    stack = annual_stack(costs, "cost", "power", "spending_usd", powers, years)
    items = [(f"{p} {y}", COST_RANGES[p][0], COST_RANGES[p][1], None) for p in powers for y in years]
    panels = [{"title": p, "series": [band("simulated gross cost", years, stack[:, j] / 1e9)],
               "bands": [{"label": "target", "low": COST_RANGES[p][0] / 1e9,
                          "high": COST_RANGES[p][1] / 1e9}]} for j, p in enumerate(powers)]
    figure = {"name": FIGURE_NAMES["C6"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "USD bn per year", "log": False, "panels": panels}
    return items_result(pid, title, what, "usd", target, stack.reshape(len(scenario), -1),
                         items, figure)


# --------------------------------------------------------------------------- C7


def _contractor_cash(presence: pd.DataFrame) -> pd.DataFrame:
    p = presence[(presence["power"] == CONTRACTOR_POWER) & (presence["contractors"] > 0)]
    return p.assign(cash=p["host_paid_usd"] - p["arms_paid_usd"])


def _ends_before(runs: Sequence[Tables], table: str, month: str) -> bool:
    return bool(runs) and all(month_of(t[table]).max() < month for t in runs)


def c7_contractor_price(scenario: Sequence[Tables]) -> PatternResult:
    """C7: what the host pays per contractor-month.

    Per replicate: the cash hosts paid Russia for contractors (``host_paid_usd - arms_paid_usd``
    of the ``presence`` table) summed over the state-months where Russia has contractors, divided
    by the contractor-months there. Pass: the median across the replicates where Russia deploys
    contractors is within USD 7k-11k (Mali paid ~USD 10.8m a month for ~1,000 men [F 1]).
    """
    pid, title = "C7", "Host payments per contractor-month"
    lo, hi = CONTRACTOR_PRICE_RANGE
    target = f"USD {lo / 1e3:.0f}k-{hi / 1e3:.0f}k per contractor-month (russia, median)"
    what = "USD paid by hosts per contractor-month"
    prices = np.full(len(scenario), np.nan)
    by_state: dict[str, list[float]] = {}
    for i, t in enumerate(scenario):
        c = _contractor_cash(t["presence"])
        if len(c):
            prices[i] = c["cash"].sum() / c["contractors"].sum()
            for s, g in c.groupby("state"):
                by_state.setdefault(str(s), []).append(g["cash"].sum() / g["contractors"].sum())
    deployed = int(np.isfinite(prices).sum())
    if not deployed:
        if not scenario or _ends_before(scenario, "presence", RUSSIA_ENTRY):
            return not_measurable(pid, title, what, "usd", target,
                                   f"russia has no contractors and the runs end before its reported "
                                   f"entry {RUSSIA_ENTRY} ({span(scenario, 'presence')})",
                                   len(scenario))
        return PatternResult(id=pid, title=title, measured=what, kind="usd", target=target,
                             passed=False, result="russia never has contractors",
                             reason="russia has no contractors in any replicate",
                             n_replicates=len(scenario))
    med, p5, p95 = spread(prices)
    passed = lo <= med <= hi
    details = [{"item": "all states", "median": med, "low": p5, "high": p95, "reported": 10_800.0,
                "allowed": [lo, hi], "passed": passed, "replicates": deployed}]
    for s, v in sorted(by_state.items()):
        m, a, b = spread(v)
        details.append({"item": s, "median": m, "low": a, "high": b, "reported": None,
                        "allowed": [lo, hi], "passed": lo <= m <= hi, "replicates": len(v)})

    def monthly(df: pd.DataFrame) -> pd.Series:
        c = _contractor_cash(df)
        g = c.assign(m=month_of(c)).groupby("m")[["cash", "contractors"]].sum()
        return g["cash"] / g["contractors"]

    months, stack = monthly_stack(scenario, "presence", monthly)
    figure = {"name": FIGURE_NAMES["C7"], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "USD per contractor-month", "log": False,
              "panels": [{"title": CONTRACTOR_POWER,
                          "series": [band("simulated (months with contractors)", months, stack)],
                          "reported": [{"label": "Mali 2021-12 (USD 10.8m / ~1,000 men)",
                                        "x": [RUSSIA_ENTRY], "y": [10_800.0]}],
                          "bands": [{"label": "target", "low": lo, "high": hi}]}]}
    return PatternResult(
        id=pid, title=title, measured=f"{what}, per replicate", kind="usd", target=target,
        passed=passed, median=med, low=p5, high=p95,
        result=f"median USD {fmt(med, 'usd')} ({deployed} of {len(scenario)} replicates with "
               "contractors)",
        reason="" if passed else f"median USD {fmt(med, 'usd')} outside {fmt(lo, 'usd')}-"
                                 f"{fmt(hi, 'usd')}",
        n_replicates=len(scenario), details=details, figure=figure)


# --------------------------------------------------------------------------- C8


def c8_russian_contingent(scenario: Sequence[Tables]) -> PatternResult:
    """C8: Russia's contingent in Mali stays between 800 and 2,500 while deployed.

    Per replicate: Russia's ``personnel`` in Mali (``presence`` table) by month; the months
    counted start :data:`RAMP_UP_MONTHS` months after the first month with personnel above 0 (the
    ramp-up is skipped: that first month and the two after it) and are those with personnel
    above 0. The measured statistic is the share of those months inside 800-2,500. Pass: Russia
    deploys in Mali in at least half of the replicates, and the median share across those
    replicates is 1 (at least half of the deploying replicates stay in range every month).
    """
    pid, title = "C8", "Russian contingent in Mali once deployed"
    lo, hi = CONTINGENT_RANGE
    target = (f"{lo:,.0f}-{hi:,.0f} russian personnel in {CONTINGENT_STATE} in every deployed month "
              f"after a {RAMP_UP_MONTHS}-month ramp-up; median share of months in range = 1")
    what = "share of deployed months in range"
    shares = np.full(len(scenario), np.nan)
    first: list[str] = []
    levels: list[np.ndarray] = []
    for i, t in enumerate(scenario):
        p = t["presence"]
        p = p[(p["power"] == CONTRACTOR_POWER) & (p["state"] == CONTINGENT_STATE)].sort_values("step")
        lvl = p["personnel"].to_numpy(dtype=float)
        on = np.flatnonzero(lvl > 0)
        if not on.size:
            continue
        first.append(str(p["date"].iloc[on[0]])[:7])
        window = lvl[on[0] + RAMP_UP_MONTHS:]
        window = window[window > 0]
        if window.size:
            levels.append(window)
            shares[i] = float(((window >= lo) & (window <= hi)).mean())
    deployed = int(np.isfinite(shares).sum())
    base = {"id": pid, "title": title, "measured": f"{what}, per replicate", "kind": "share",
                "target": target, "n_replicates": len(scenario)}
    if not first:
        if not scenario or _ends_before(scenario, "presence", RUSSIA_ENTRY):
            return not_measurable(pid, title, what, "share", target,
                                   f"russia never deploys in {CONTINGENT_STATE} and the runs end "
                                   f"before its reported entry {RUSSIA_ENTRY} "
                                   f"({span(scenario, 'presence')})", len(scenario))
        return PatternResult(**base, passed=False,
                             result=f"russia never deploys in {CONTINGENT_STATE}",
                             reason=f"russia never deploys in {CONTINGENT_STATE} in any replicate")
    if not deployed:
        return not_measurable(pid, title, what, "share", target,
                               f"russia deploys in {CONTINGENT_STATE} from {min(first)} but the "
                               f"runs end within its {RAMP_UP_MONTHS}-month ramp-up",
                               len(scenario))
    med, p5, p95 = spread(shares)
    enough = deployed * 2 >= len(scenario)
    passed = bool(enough and med >= 1.0)
    allv = np.concatenate(levels)
    details = [{"item": "share of months in range", "kind": "share", "median": med, "low": p5, "high": p95,
                "reported": 1.0, "allowed": [1.0, 1.0], "passed": bool(med >= 1.0)},
               {"item": "replicates deployed past ramp-up", "median": float(deployed),
                "low": None, "high": None, "reported": None,
                "allowed": [len(scenario) / 2, len(scenario)], "passed": enough},
               {"item": "personnel in deployed months", "median": float(np.median(allv)),
                "low": float(np.percentile(allv, LOW_Q)), "high": float(np.percentile(allv, HIGH_Q)),
                "reported": 1500.0, "allowed": [lo, hi],
                "passed": bool(lo <= np.median(allv) <= hi)},
               {"item": "first month deployed (earliest, latest)", "median": None, "low": None,
                "high": None, "reported": RUSSIA_ENTRY, "allowed": [min(first), max(first)],
                "passed": True}]

    def mali(df: pd.DataFrame) -> pd.Series:
        p = df[(df["power"] == CONTRACTOR_POWER) & (df["state"] == CONTINGENT_STATE)]
        return p.set_index(month_of(p))["personnel"]

    months, stack = monthly_stack(scenario, "presence", mali)
    figure = {"name": FIGURE_NAMES["C8"], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": f"russian personnel in {CONTINGENT_STATE}", "log": False,
              "panels": [{"title": f"russia in {CONTINGENT_STATE}",
                          "series": [band("simulated", months, stack)],
                          "bands": [{"label": "target", "low": lo, "high": hi}],
                          "reported": [{"label": "reported 1,000-2,000 (2022-2025)",
                                        "x": ["2022-06", "2025-06"], "y": [1000.0, 2000.0]}]}]}
    reason = "" if passed else (f"only {deployed} of {len(scenario)} replicates deploy past the "
                                "ramp-up" if not enough else
                                f"median share of months in range {med:.2f} < 1")
    return PatternResult(**base, passed=passed, median=med, low=p5, high=p95,
                         result=f"median share {med:.2f} ({deployed} of {len(scenario)} replicates "
                                f"deployed; personnel {np.median(allv):,.0f} "
                                f"[{np.percentile(allv, LOW_Q):,.0f}, "
                                f"{np.percentile(allv, HIGH_Q):,.0f}])",
                         reason=reason, details=details, figure=figure)


# --------------------------------------------------------------------------- C9


def c9_western_casualties(scenario: Sequence[Tables]) -> PatternResult:
    """C9: Western casualties are few: France 2-15, UN 10-60 deaths per year, 2019-2021.

    Annual sums of ``casualties`` (``powers`` table) of France and the UN in each year
    2019-2021 of the scenario runs. Pass: every power-year's median in its range.
    """
    pid, title = "C9", "Western casualties, 2019-2021"
    target = "France 2-15 and UN 10-60 deaths per year, each year 2019-2021, median"
    what = "power-years in range"
    years = list(CASUALTY_YEARS)
    if not _covered(scenario, "powers", years):
        return not_measurable(pid, title, what, "count", target,
                               f"needs full years 2019-2021 in the scenario runs; they cover "
                               f"{span(scenario, 'powers')}", len(scenario))
    powers = list(CASUALTY_RANGES)
    stack = annual_stack(scenario, "powers", "power", "casualties", powers, years)
    items = [(f"{p} {y}", CASUALTY_RANGES[p][0], CASUALTY_RANGES[p][1], None)
             for p in powers for y in years]
    panels = [{"title": p, "series": [band("simulated deaths", years, stack[:, j])],
               "bands": [{"label": "target", "low": CASUALTY_RANGES[p][0],
                          "high": CASUALTY_RANGES[p][1]}]} for j, p in enumerate(powers)]
    figure = {"name": FIGURE_NAMES["C9"], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "own deaths per year", "log": False, "panels": panels}
    return items_result(pid, title, what, "count", target, stack.reshape(len(scenario), -1),
                         items, figure)


# --------------------------------------------------------------------------- C10


def c10_armed_groups(scenario: Sequence[Tables], hindcast: Sequence[Tables] = ()) -> PatternResult:
    """C10: armed groups' order of magnitude.

    From the ``groups`` table (``fighters``): at the scenario runs' start (step 0) JNIM below
    6,000 and IS Sahel below 2,000 (the lower 2025 estimates [F 2c]) in the median of the
    replicates; and in every month of every run (scenario and hindcast), never above
    :data:`FIGHTER_CEILING_FACTOR` times the upper estimates (JNIM 21,000, IS Sahel 9,000) -
    every replicate, no exception. The measured statistic is, per replicate, the largest peak
    as a share of its ceiling (over both groups; below 1 passes).
    """
    pid, title = "C10", "Armed-group size"
    groups = list(FIGHTER_ESTIMATES)
    ceil = {g: FIGHTER_CEILING_FACTOR * hi for g, (_, hi) in FIGHTER_ESTIMATES.items()}
    target = ("start: jnim < 6,000, is_sahel < 2,000 (median); never above jnim 21,000, "
              "is_sahel 9,000 in any month of any replicate")
    what = "peak fighters / ceiling (largest group)"
    if not scenario:
        return not_measurable(pid, title, what, "ratio", target, "no scenario runs", 0)
    n = len(scenario)
    start = np.zeros((n, len(groups)))
    peak = np.zeros((n, len(groups)))
    for i, t in enumerate(scenario):
        g = t["groups"]
        first = g[g["step"] == g["step"].min()].set_index("group")["fighters"]
        start[i] = first.reindex(groups).fillna(0).to_numpy()
        runs = [t] + ([hindcast[i]] if i < len(hindcast) else [])
        for r in runs:
            peak[i] = np.maximum(peak[i], r["groups"].groupby("group")["fighters"].max()
                                 .reindex(groups).fillna(0).to_numpy())
    details = []
    for j, gid in enumerate(groups):
        lo_est, hi_est = FIGHTER_ESTIMATES[gid]
        m, a, b = spread(start[:, j])
        details.append({"item": f"{gid} at start", "median": m, "low": a, "high": b,
                        "reported": lo_est, "allowed": [0, lo_est], "passed": bool(m < lo_est)})
    for j, gid in enumerate(groups):
        m, a, b = spread(peak[:, j])
        worst = float(peak[:, j].max())
        details.append({"item": f"{gid} peak", "median": m, "low": a, "high": b, "max": worst,
                        "reported": FIGHTER_ESTIMATES[gid][1], "allowed": [0, ceil[gid]],
                        "passed": bool(worst <= ceil[gid])})
    passed = all(d["passed"] for d in details)
    ratio = (peak / np.array([ceil[g] for g in groups])[None, :]).max(axis=1)
    med, p5, p95 = spread(ratio)
    bad = [d for d in details if not d["passed"]]
    result = (f"start jnim {fmt(details[0]['median'], 'count')}, is_sahel "
              f"{fmt(details[1]['median'], 'count')}; largest peak jnim "
              f"{fmt(details[2]['max'], 'count')}, is_sahel {fmt(details[3]['max'], 'count')}")
    reason = "" if passed else "; ".join(
        f"{d['item']} {fmt(d.get('max', d['median']), 'count')} above {fmt(d['allowed'][1], 'count')}"
        for d in bad)

    def fighters(gid: str) -> Callable[[pd.DataFrame], pd.Series]:
        def select(df: pd.DataFrame) -> pd.Series:
            s = df[df["group"] == gid]
            return s.set_index(month_of(s))["fighters"]
        return select

    panels = []
    for gid in groups:
        series = []
        for label, runs in (("simulated (scenario)", scenario), ("simulated (hindcast)", hindcast)):
            if runs:
                months, stack = monthly_stack(runs, "groups", fighters(gid))
                series.append(band(label, months, stack))
        lo_est, hi_est = FIGHTER_ESTIMATES[gid]
        panels.append({"title": gid, "series": series,
                       "bands": [{"label": "2025 estimates", "low": lo_est, "high": hi_est}],
                       "lines": [{"label": f"ceiling {FIGHTER_CEILING_FACTOR:g}x upper estimate",
                                  "y": ceil[gid]}]})
    figure = {"name": FIGURE_NAMES["C10"], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "fighters", "log": False, "panels": panels}
    return PatternResult(id=pid, title=title, measured=f"{what}, per replicate", kind="ratio",
                         target=target, passed=passed, median=med, low=p5, high=p95,
                         result=result, reason=reason, n_replicates=n, details=details,
                         figure=figure)


# --------------------------------------------------------------------------- all patterns

#: Pattern id -> (function, the runs it takes): ``hindcast``, ``scenario`` or ``both``.
PATTERNS: dict[str, tuple[Callable[..., PatternResult], str]] = {
    "C1": (c1_fatalities, "hindcast"),
    "C2": (c2_burkina_onset, "hindcast"),
    "C3": (c3_negative_controls, "both"),
    "C4": (c4_civilian_share, "hindcast"),
    "C5": (c5_initial_footprint, "scenario"),
    "C6": (c6_western_cost, "scenario"),
    "C7": (c7_contractor_price, "scenario"),
    "C8": (c8_russian_contingent, "scenario"),
    "C9": (c9_western_casualties, "scenario"),
    "C10": (c10_armed_groups, "both"),
}


def evaluate(scenario: Sequence[Tables], hindcast: Sequence[Tables] = ()) -> list[PatternResult]:
    """Score every pattern C1-C10 on the replicate runs (paired by position)."""
    out = []
    for func, needs in PATTERNS.values():
        if needs == "hindcast":
            out.append(func(hindcast))
        elif needs == "scenario":
            out.append(func(scenario))
        else:
            out.append(func(scenario, hindcast))
    return out


#: The patterns whose targets date from before 2020 (calibration-patterns.md): a plausible world
#: is filtered on these, so that what it does after 2019 stays a finding, not a fit.
PRE_2020 = ("C1", "C2", "C3", "C4", "C5", "C10")


def score_run(scenario: Tables, hindcast: Tables,
              ids: Sequence[str] = tuple(PATTERNS)) -> dict[str, float]:
    """One run's pass or fail on each pattern of ``ids``, its scenario and hindcast runs taken as
    a single replicate: 1.0 passed, 0.0 failed, NaN not measurable (e.g. C7 where Russia never
    deployed contractors).

    Raises:
        ValueError: an unknown pattern id.
    """
    out: dict[str, float] = {}
    for pid in ids:
        if pid not in PATTERNS:
            raise ValueError(f"pattern {pid!r} is unknown; allowed: {', '.join(PATTERNS)}")
        func, needs = PATTERNS[pid]
        if needs == "hindcast":
            r = func([hindcast])
        elif needs == "scenario":
            r = func([scenario])
        else:
            r = func([scenario], [hindcast])
        out[pid] = float(r.passed) if r.measurable else float("nan")
    return out
