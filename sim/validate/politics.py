"""The pre-2020 political targets P1-P6, each scored from output tables.

The calibration patterns C1-C10 (:mod:`sim.validate.patterns`) hold the model to the record of
violence, forces and costs; these hold the host and power mechanisms (opinion, protest,
cooperation agreements, entries, expulsions) to the political record of 2017-2019
(shared/data/pre2020-politics.md, sections 3 and 6). They are scored on *politics hindcasts*:
the validated scenario's hindcast (2017-01 .. 2019-12) with coups, sanctions, partner choice and
casualty withdrawal endogenous and Russia given a rule where the scenario gives it none
(:func:`sim.validate.config.politics_hindcast_config`).

Like the C patterns, every target is a function of the output tables of docs/ODD.md section 10
(``states.protests``, ``presence.receptivity`` and ``personnel``, the ``events`` table) and of
nothing else, takes the list of replicate table-dicts and returns a
:class:`~sim.validate.patterns.PatternResult` (median and 90% interval across replicates, the
target as text, pass or fail, per-item details, the data of its figure for
:mod:`sim.validate.plots`). A target whose months are outside the runs is *not measurable in this
horizon*. Receptivity is read as the favourable share among respondents with an opinion, and
dissatisfaction as ``1 - receptivity``.

- P1, P2, P3 pass when every item's median across replicates is in range (as C1, C4).
- P4, P5, P6 are properties of a replicate (yes or no): they pass when the share of replicates
  that have it reaches a threshold; their median is that share, their interval its 90% Wilson
  score interval (the uncertainty of a share over a finite number of replicates).

This module never imports Mesa.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.validate import patterns as P
from sim.validate.patterns import SAHEL, PatternResult, Tables

__all__ = [
    "COOPERATION",
    "FIGURE_NAMES",
    "FORCED_EXITS",
    "GUINDO_2019",
    "POLITICS",
    "REPORTED_DISSATISFACTION",
    "REPORTED_PROTESTS",
    "REPORTED_RECEPTIVITY",
    "evaluate_politics",
    "p1_opinion_mali_2019",
    "p2_dissatisfaction_mali",
    "p3_demonstrations",
    "p4_no_russian_deployment",
    "p5_cooperation_agreements",
    "p6_no_expulsion",
    "score_politics_run",
]

# --------------------------------------------------------------------------- reported figures

#: The state whose opinion surveys P1 and P2 read.
SURVEY_STATE = "mali"

#: P1: Institut Guindo, Bamako, 6-10 Apr 2019, n = 1,275 (pre2020-politics 3a): favourable and
#: unfavourable, percent (the rest had no opinion). MINUSMA is the power ``un``.
GUINDO_2019: dict[str, tuple[float, float]] = {
    "russia": (68.3, 15.6), "china": (70.5, 19.5), "usa": (54.2, 33.8),
    "france": (16.9, 80.3), "un": (16.5, 76.5)}
GUINDO_MONTH = "2019-04"
#: P1: receptivity = the favourable share among respondents with an opinion.
REPORTED_RECEPTIVITY: dict[str, float] = {p: f / (f + u) for p, (f, u) in GUINDO_2019.items()}
#: P1, P2: an item passes when its median is within this of the reported share.
OPINION_TOLERANCE = 0.15

#: P2: FES Mali-Metre (pre2020-politics 3a): (power, month) -> dissatisfied share among
#: respondents with an opinion. France 2017-03 (MM-8: 36% dissatisfied, 48.6% satisfied);
#: France 2019-11 (MM-11: 79.3% dissatisfied, 12.7% satisfied); UN 2019-11 (MM-11: 77.9%
#: dissatisfied, no satisfied share reported: Barkhane's no-opinion share of 8% is assumed, 0.779
#: / 0.92).
REPORTED_DISSATISFACTION: dict[tuple[str, str], float] = {
    ("france", "2017-03"): 36.0 / (48.6 + 36.0),
    ("france", "2019-11"): 79.3 / (79.3 + 11.6 + 1.1),
    ("un", "2019-11"): 0.779 / 0.92,
}

#: P3: ACLED demonstration events per year, all causes (pre2020-politics 3c).
REPORTED_PROTESTS: dict[str, dict[int, float]] = {
    "mali": {2017: 30, 2018: 68, 2019: 139},
    "burkina_faso": {2017: 86, 2018: 106, 2019: 149},
    "niger": {2017: 10, 2018: 27, 2019: 37},
}
#: P3: a state-year passes within this factor of the reported count (either side), as C1.
PROTEST_FACTOR = 2.0
PROTEST_YEARS = (2017, 2018, 2019)

#: P4: Russia had no deployment in the Sahel (SAHEL: Mali, Burkina Faso, Niger, Chad, Mauritania)
#: in 2019; its pre-2020 deployments were CAR, Sudan, Libya, Mozambique, Madagascar
#: (pre2020-politics 6a).
RUSSIA = "russia"
NO_DEPLOYMENT_YEAR = 2019
#: P4: the least share of replicates without a deployment.
NO_DEPLOYMENT_SHARE = 0.8

#: P5: military-cooperation agreements signed with Russia (pre2020-politics 6c): state -> date.
COOPERATION: dict[str, str] = {"burkina_faso": "2018-08-21", "mali": "2019-06-25"}
COOPERATION_KIND = "cooperation"
#: Signed by the end of 2019, at any month of the hindcast: the record's point is agreements
#: without deployments. The model signs them in the first months of a run, not in Aug 2018 and
#: Jun 2019: the timing is not reproduced, and not tested (docs/ODD.md section 11.7).
COOPERATION_WINDOW = ("2017-01", "2019-12")
COOPERATION_SHARE = 0.5

#: P6: the event kinds by which a host forces a foreign force out.
FORCED_EXITS = ("expulsion", "agreement_ended")
STAY_WINDOW = ("2017-01", "2019-12")
STAY_SHARE = 0.8

#: The 90% interval of a share of replicates: the Wilson score interval at this z (5%-95%).
_Z90 = 1.6448536269514722

#: File-name stem of each target's figure (``<id>_<name>.png``).
FIGURE_NAMES: dict[str, str] = {
    "P1": "opinion_mali_2019",
    "P2": "dissatisfaction_mali",
    "P3": "demonstrations",
    "P4": "no_russian_deployment",
    "P5": "cooperation_agreements",
    "P6": "no_expulsion",
}


# --------------------------------------------------------------------------- helpers


def _months(runs: Sequence[Tables], table: str = "states") -> list[set[str]]:
    """The months (``YYYY-MM``) each run has in ``table``."""
    return [set(P.month_of(t[table]).unique()) for t in runs]


def _window(start: str, end: str) -> list[str]:
    """The months ``start`` .. ``end`` (``YYYY-MM``), inclusive."""
    return [d.strftime("%Y-%m") for d in pd.date_range(f"{start}-01", f"{end}-01", freq="MS")]


def _gap(runs: Sequence[Tables], months: Sequence[str], table: str = "states") -> str | None:
    """Why the runs cannot measure ``months`` (None when every run has every one of them)."""
    if not runs:
        return "no politics hindcast runs"
    need = set(months)
    if all(need <= have for have in _months(runs, table)):
        return None
    what = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    return (f"needs {'the month' if len(months) == 1 else 'the months'} {what} in the politics "
            f"hindcast runs; they cover {P.span(runs, table)}")


def _share(flags: np.ndarray | Sequence[bool]) -> tuple[float, float, float]:
    """Share of true ``flags`` and its 90% Wilson score interval (NaN if there are none)."""
    a = np.asarray(flags, dtype=bool)
    n = a.size
    if not n:
        return math.nan, math.nan, math.nan
    p = float(a.mean())
    z2 = _Z90 * _Z90
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z90 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _share_item(name: str, flags: np.ndarray, least: float, reported: Any = None,
                **extra: Any) -> dict[str, Any]:
    """A detail item: the share of replicates with a property, and whether it reaches ``least``."""
    share, lo, hi = _share(flags)
    return {"item": name, "kind": "share", "median": share, "low": lo, "high": hi,
            "reported": reported, "allowed": [least, 1.0], "passed": bool(share >= least),
            **extra}


def _share_series(label: str, months: Sequence[str], flags: np.ndarray) -> dict[str, Any]:
    """A figure series: per month (columns of ``flags``, replicates x months), the share of
    replicates with the property and its 90% Wilson interval (drawn as the 5-95% band)."""
    stats = [_share(flags[:, k]) for k in range(flags.shape[1])]
    return {"label": label, "x": list(months), "median": [s[0] for s in stats],
            "low": [s[1] for s in stats], "high": [s[2] for s in stats]}


def _share_result(pid: str, title: str, what: str, target: str, flags: np.ndarray, least: float,
                  details: list[dict[str, Any]], figure: dict[str, Any], result: str,
                  reason: str) -> PatternResult:
    """A target passed by a share of replicates: ``flags`` are the replicates' yes or no."""
    share, lo, hi = _share(flags)
    passed = bool(share >= least)
    return PatternResult(
        id=pid, title=title, measured=f"{what}, 90% Wilson interval", kind="share",
        target=target, passed=passed, median=share, low=lo, high=hi, result=result,
        reason="" if passed else reason, n_replicates=len(flags), details=details,
        figure=figure)


def _events(t: Tables) -> pd.DataFrame:
    """The run's events, with their month (``YYYY-MM``) as ``month_of``."""
    ev = t.get("events")
    if ev is None:
        ev = pd.DataFrame(columns=["step", "date", "kind", "actor", "target", "detail", "origin"])
    return ev.assign(month_of=P.month_of(ev))


def _first_month(ev: pd.DataFrame) -> str | None:
    return str(ev["month_of"].min()) if len(ev) else None


# --------------------------------------------------------------------------- P1


def p1_opinion_mali_2019(runs: Sequence[Tables]) -> PatternResult:
    """P1: opinion of foreign powers in Mali, April 2019 (Institut Guindo, Bamako, n = 1,275).

    Mali's ``receptivity`` (``presence`` table) in the month 2019-04, for Russia, China, the US,
    France and the UN (MINUSMA), against the favourable share among respondents with an opinion:
    0.814, 0.783, 0.616, 0.174, 0.177 (:data:`REPORTED_RECEPTIVITY`). Pass: every power's median
    across replicates within :data:`OPINION_TOLERANCE`. The survey is of Bamako only; the model's
    receptivity is the state's.
    """
    pid, title = "P1", "Opinion of foreign powers in Mali, April 2019"
    rep = REPORTED_RECEPTIVITY
    target = (f"Mali's receptivity at {GUINDO_MONTH}, every median within +-{OPINION_TOLERANCE:g} "
              "of the favourable share with an opinion (Institut Guindo, Bamako, 6-10 Apr 2019, "
              "n = 1,275): " + ", ".join(f"{p} {v:.3f}" for p, v in rep.items()))
    what = "powers within +-0.15"
    if why := _gap(runs, [GUINDO_MONTH], "presence"):
        return P.not_measurable(pid, title, what, "count", target, why, len(runs))
    powers = list(rep)
    values = np.full((len(runs), len(powers)), np.nan)
    for i, t in enumerate(runs):
        p = t["presence"]
        p = p[(p["state"] == SURVEY_STATE) & (P.month_of(p) == GUINDO_MONTH)]
        values[i] = p.set_index("power")["receptivity"].reindex(powers).to_numpy(dtype=float)
    items = [(p, rep[p] - OPINION_TOLERANCE, rep[p] + OPINION_TOLERANCE, rep[p]) for p in powers]
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "category",
              "ylabel": f"receptivity in {SURVEY_STATE}, {GUINDO_MONTH}", "log": False,
              "ylim": [0, 1],
              "panels": [{"title": f"{SURVEY_STATE}: favourable share with an opinion",
                          "series": [P.band(f"simulated ({GUINDO_MONTH})", powers, values)],
                          "reported": [{"label": "Institut Guindo, Apr 2019 (bars: +-0.15)",
                                        "x": powers, "y": [rep[p] for p in powers],
                                        "low": [i[1] for i in items],
                                        "high": [i[2] for i in items]}]}]}
    return P.items_result(pid, title, what, "share", target, values, items, figure)


# --------------------------------------------------------------------------- P2


def p2_dissatisfaction_mali(runs: Sequence[Tables]) -> PatternResult:
    """P2: dissatisfaction with Barkhane and MINUSMA in Mali, 2017-2019 (FES Mali-Metre).

    ``1 - receptivity`` of Mali for France and the UN (``presence`` table) in the survey months,
    against the dissatisfied share among respondents with an opinion
    (:data:`REPORTED_DISSATISFACTION`): France 2017-03 0.426 (MM-8), France 2019-11 0.862
    (MM-11), UN 2019-11 0.847 (MM-11's 77.9% dissatisfied over 0.92: MM-11 gives no satisfied
    share for MINUSMA, so Barkhane's no-opinion share of 8% is assumed for it). Pass: every
    item's median across replicates within :data:`OPINION_TOLERANCE`.
    """
    pid, title = "P2", "Dissatisfaction with Barkhane and MINUSMA in Mali, 2017-2019"
    rep = REPORTED_DISSATISFACTION
    target = (f"1 - Mali's receptivity, every median within +-{OPINION_TOLERANCE:g} of "
              "Mali-Metre's dissatisfied share with an opinion: "
              + ", ".join(f"{p} {m} {v:.3f}" for (p, m), v in rep.items())
              + " (UN: 77.9% dissatisfied over an assumed 92% with an opinion, Barkhane's)")
    what = "survey items within +-0.15"
    needed = sorted({m for _, m in rep})
    if why := next((g for m in needed if (g := _gap(runs, [m], "presence"))), None):
        return P.not_measurable(pid, title, what, "count", target,
                               f"needs the survey months {', '.join(needed)}: {why}", len(runs))
    keys = list(rep)
    values = np.full((len(runs), len(keys)), np.nan)
    for i, t in enumerate(runs):
        p = t["presence"]
        p = p[p["state"] == SURVEY_STATE]
        month = P.month_of(p)
        for j, (power, m) in enumerate(keys):
            r = p.loc[(p["power"] == power) & (month == m), "receptivity"]
            if len(r):
                values[i, j] = 1.0 - float(r.iloc[0])
    items = [(f"{p} {m}", v - OPINION_TOLERANCE, v + OPINION_TOLERANCE, v)
             for (p, m), v in rep.items()]

    def dissatisfaction(power: str) -> Callable[[pd.DataFrame], pd.Series]:
        def select(df: pd.DataFrame) -> pd.Series:
            s = df[(df["state"] == SURVEY_STATE) & (df["power"] == power)]
            return 1.0 - s.set_index(P.month_of(s))["receptivity"]
        return select

    panels = []
    for power in dict.fromkeys(p for p, _ in keys):
        months, stack = P.monthly_stack(runs, "presence", dissatisfaction(power))
        mine = [(m, v) for (p, m), v in rep.items() if p == power]
        panels.append({"title": f"{power} in {SURVEY_STATE}",
                       "series": [P.band("simulated 1 - receptivity", months, stack)],
                       "reported": [{"label": "Mali-Metre (bars: +-0.15)",
                                     "x": [m for m, _ in mine], "y": [v for _, v in mine],
                                     "low": [v - OPINION_TOLERANCE for _, v in mine],
                                     "high": [v + OPINION_TOLERANCE for _, v in mine]}]})
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "dissatisfied share (1 - receptivity)", "log": False, "ylim": [0, 1],
              "panels": panels}
    return P.items_result(pid, title, what, "share", target, values, items, figure)


# --------------------------------------------------------------------------- P3


def p3_demonstrations(runs: Sequence[Tables]) -> PatternResult:
    """P3: demonstrations per year, 2017-2019, within a factor 2 of ACLED.

    The annual sum of ``protests`` (``states`` table: expected demonstration events in the
    month) for Mali, Burkina Faso and Niger, against ACLED's demonstration events, all causes
    (:data:`REPORTED_PROTESTS`). Pass: every state-year's median across replicates within a
    factor :data:`PROTEST_FACTOR` of the reported count (as C1).
    """
    pid, title = "P3", "Demonstrations per year, 2017-2019"
    rep = REPORTED_PROTESTS
    target = (f"every state-year median within x{PROTEST_FACTOR:g} of ACLED demonstration events "
              "(Mali 30/68/139; BF 86/106/149; Niger 10/27/37)")
    what = "state-years within x2 of ACLED"
    years = list(PROTEST_YEARS)
    if why := _gap(runs, _window(f"{years[0]}-01", f"{years[-1]}-12")):
        return P.not_measurable(pid, title, what, "count", target, why, len(runs))
    if missing := [i for i, t in enumerate(runs) if "protests" not in t["states"].columns]:
        return P.not_measurable(pid, title, what, "count", target,
                               f"the states table of {len(missing)} of {len(runs)} runs has no "
                               "'protests' column (a model that does not record protests)",
                               len(runs))
    states = list(rep)
    stack = P.annual_stack(runs, "states", "state", "protests", states, years)
    items = [(f"{s} {y}", rep[s][y] / PROTEST_FACTOR, rep[s][y] * PROTEST_FACTOR, float(rep[s][y]))
             for s in states for y in years]
    panels = [{"title": s, "series": [P.band("simulated (politics hindcast)", years, stack[:, j])],
               "reported": [{"label": "ACLED (bars: x2 tolerance)", "x": years,
                             "y": [rep[s][y] for y in years],
                             "low": [rep[s][y] / PROTEST_FACTOR for y in years],
                             "high": [rep[s][y] * PROTEST_FACTOR for y in years]}]}
              for j, s in enumerate(states)]
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "year",
              "ylabel": "demonstration events per year", "log": True, "panels": panels}
    return P.items_result(pid, title, what, "count", target, stack.reshape(len(runs), -1),
                           items, figure)


# --------------------------------------------------------------------------- P4


def p4_no_russian_deployment(runs: Sequence[Tables]) -> PatternResult:
    """P4: no Russian deployment in the Sahel in 2019.

    Per replicate: whether Russia's ``personnel`` (``presence`` table) is 0 in Mali, Burkina
    Faso, Niger, Chad and Mauritania (:data:`~sim.validate.patterns.SAHEL`) in every month of
    2019 (a state or power absent from the table counts as 0). Pass: true in at least
    :data:`NO_DEPLOYMENT_SHARE` of replicates. Russia's pre-2020 deployments were in CAR, Sudan,
    Libya, Mozambique and Madagascar (pre2020-politics 6a), none in the Sahel.
    """
    pid, title = "P4", "No Russian deployment in the Sahel in 2019"
    year = NO_DEPLOYMENT_YEAR
    target = (f"russia's personnel 0 in {', '.join(SAHEL)} in every month of {year}, in >= "
              f"{NO_DEPLOYMENT_SHARE:.0%} of replicates")
    what = f"share of replicates with no russian personnel in the Sahel in {year}"
    if why := _gap(runs, _window(f"{year}-01", f"{year}-12"), "presence"):
        return P.not_measurable(pid, title, what, "share", target, why, len(runs))
    n = len(runs)
    peak = np.zeros((n, len(SAHEL)))  # replicate x state: largest personnel in a month of the year
    first: list[str] = []
    for i, t in enumerate(runs):
        p = t["presence"]
        p = p[(p["power"] == RUSSIA) & p["state"].isin(SAHEL)]
        p = p[P.month_of(p).str.slice(0, 4) == str(year)]
        if len(p):
            peak[i] = p.groupby("state")["personnel"].max().reindex(SAHEL).fillna(0).to_numpy()
            on = p[p["personnel"] > 0]
            if len(on):
                first.append(str(P.month_of(on).min()))
    none = (peak <= 0).all(axis=1)
    details = [_share_item(f"no russian personnel in any of the {len(SAHEL)} states", none,
                           NO_DEPLOYMENT_SHARE, "none (6a)")]
    details += [_share_item(f"no russian personnel in {s}", peak[:, j] <= 0, NO_DEPLOYMENT_SHARE,
                            "none")
                for j, s in enumerate(SAHEL)]
    largest = peak.max(axis=1)
    m, a, b = P.spread(largest)
    details.append({"item": f"largest russian personnel in a Sahel state in {year}",
                    "kind": "count", "median": m, "low": a, "high": b, "reported": 0.0,
                    "allowed": [0.0, 0.0], "passed": None})
    deployed = [s for j, s in enumerate(SAHEL) if (peak[:, j] > 0).any()]
    result = f"{none.mean():.0%} of {n} replicates with none"
    if deployed:
        result += f"; deployed in {', '.join(deployed)} (earliest {min(first)})"

    def sahel(df: pd.DataFrame) -> pd.Series:
        mask = (df["power"] == RUSSIA) & df["state"].isin(SAHEL)
        return df["personnel"].where(mask, 0.0).groupby(P.month_of(df)).sum()

    months, stack = P.monthly_stack(runs, "presence", sahel)
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "russian personnel", "log": False,
              "panels": [{"title": f"russia in {', '.join(SAHEL)} (sum)",
                          "series": [P.band("simulated (politics hindcast)", months, stack)],
                          "lines": [{"label": "reported: none before 2020", "y": 0.0}]}]}
    return _share_result(pid, title, what, target, none, NO_DEPLOYMENT_SHARE, details, figure,
                         result, f"only {none.mean():.0%} of replicates keep russia out of the "
                                 f"Sahel in {year} (needs >= {NO_DEPLOYMENT_SHARE:.0%})")


# --------------------------------------------------------------------------- P5


def p5_cooperation_agreements(runs: Sequence[Tables]) -> PatternResult:
    """P5: military-cooperation agreements signed with Russia by the end of 2019.

    Burkina Faso signed on 21 Aug 2018 and Mali on 25 Jun 2019 (pre2020-politics 6c), while no
    Russian force came (P4). Per replicate and state: whether the ``events`` table has an event of
    kind ``cooperation`` with actor that state and target ``russia`` dated within
    :data:`COOPERATION_WINDOW` (the hindcast, 2017-01 .. 2019-12; the month is not tested). Pass: each state signed in at least :data:`COOPERATION_SHARE` of replicates. The
    measured statistic is the lower of the two states' shares.
    """
    pid, title = "P5", "Cooperation agreements signed with Russia by 2019"
    lo_m, hi_m = COOPERATION_WINDOW
    target = (f"an event '{COOPERATION_KIND}' (state -> russia) dated {lo_m}..{hi_m} for each of "
              + ", ".join(f"{s} (signed {d})" for s, d in COOPERATION.items())
              + f", each in >= {COOPERATION_SHARE:.0%} of replicates")
    what = "share of replicates that signed (the lower state's)"
    window = _window(lo_m, hi_m)
    if why := _gap(runs, window):
        return P.not_measurable(pid, title, what, "share", target, why, len(runs))
    states = list(COOPERATION)
    n = len(runs)
    first = np.full((n, len(states)), None, dtype=object)  # first month signed in the window
    signed = np.zeros((n, len(states)), dtype=bool)  # signed in the window
    early = np.zeros((n, len(states)), dtype=bool)  # signed before the window
    for i, t in enumerate(runs):
        ev = _events(t)
        ev = ev[(ev["kind"] == COOPERATION_KIND) & (ev["target"] == RUSSIA)]
        for j, s in enumerate(states):
            mine = ev[ev["actor"] == s]
            early[i, j] = bool((mine["month_of"] < lo_m).any())
            first[i, j] = _first_month(mine[(mine["month_of"] >= lo_m) & (mine["month_of"] <= hi_m)])
            signed[i, j] = first[i, j] is not None
    details = []
    for j, s in enumerate(states):
        when = sorted(m for m in first[:, j] if m is not None)
        details.append(_share_item(f"{s} signed {lo_m}..{hi_m}", signed[:, j], COOPERATION_SHARE,
                                   COOPERATION[s][:7]))
        details.append({"item": f"{s}: first signed (earliest, latest)", "median": None,
                        "low": None, "high": None, "reported": COOPERATION[s][:7],
                        "allowed": [when[0], when[-1]] if when else [None, None],
                        "passed": None})
    shares = [d for d in details if d.get("kind") == "share"]
    worst = min(range(len(states)), key=lambda j: shares[j]["median"])
    parts = []
    for j, s in enumerate(states):
        text = f"{s} {signed[:, j].mean():.0%}"
        if early[:, j].any():
            text += f" (+{early[:, j].mean():.0%} before {lo_m}, not counted)"
        parts.append(text)
    result = f"signed in: {', '.join(parts)} of {n} replicates"
    failing = [s for j, s in enumerate(states) if not shares[j]["passed"]]
    panels = []
    for j, s in enumerate(states):
        by = np.array([[f is not None and f <= m for m in window] for f in first[:, j]],
                      dtype=bool).reshape(n, len(window))
        label = f"simulated share of replicates signed since {lo_m}"
        panels.append({"title": s, "series": [_share_series(label, window, by)],
                       "reported": [{"label": f"signed {COOPERATION[s]}",
                                     "x": [COOPERATION[s][:7]], "y": [1.0]}],
                       "lines": [{"label": f"pass: >= {COOPERATION_SHARE:.0%} by {hi_m}",
                                  "y": COOPERATION_SHARE}]})
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "share of replicates", "log": False, "ylim": [0, 1.05], "panels": panels}
    # the lower share reaches the threshold exactly when every state's does
    return _share_result(pid, title, what, target, signed[:, worst], COOPERATION_SHARE, details,
                         figure, result, f"{', '.join(failing)} signed in fewer than "
                                         f"{COOPERATION_SHARE:.0%} of replicates")


# --------------------------------------------------------------------------- P6


def p6_no_expulsion(runs: Sequence[Tables]) -> PatternResult:
    """P6: no host expelled a foreign force or ended its agreement, 2017-2019.

    No host expelled a Russian deployment before 2020 (pre2020-politics 6a), and the Western
    forces stayed through the protests of 2019 (section 3b). Per replicate: whether the
    ``events`` table has no event of kind ``expulsion`` or ``agreement_ended``
    (:data:`FORCED_EXITS`) dated 2017-01 .. 2019-12. Pass: true in at least
    :data:`STAY_SHARE` of replicates.
    """
    pid, title = "P6", "No host expelled a foreign force, 2017-2019"
    lo_m, hi_m = STAY_WINDOW
    target = (f"no event {' or '.join(FORCED_EXITS)} dated {lo_m}..{hi_m}, in >= "
              f"{STAY_SHARE:.0%} of replicates")
    what = "share of replicates with no expulsion or ended agreement"
    window = _window(lo_m, hi_m)
    if why := _gap(runs, window):
        return P.not_measurable(pid, title, what, "share", target, why, len(runs))
    n = len(runs)
    by_kind = np.zeros((n, len(FORCED_EXITS)), dtype=bool)  # replicate x kind: any in the window
    first: list[str | None] = []
    pairs: dict[str, int] = {}
    for i, t in enumerate(runs):
        ev = _events(t)
        ev = ev[ev["kind"].isin(FORCED_EXITS) & (ev["month_of"] >= lo_m) & (ev["month_of"] <= hi_m)]
        for k, kind in enumerate(FORCED_EXITS):
            by_kind[i, k] = bool((ev["kind"] == kind).any())
        first.append(_first_month(ev))
        for key in sorted({f"{a} -> {b} ({k})" for a, b, k in
                           zip(ev["actor"], ev["target"], ev["kind"], strict=True)}):
            pairs[key] = pairs.get(key, 0) + 1
    stayed = ~by_kind.any(axis=1)
    details = [_share_item(f"no {' or '.join(FORCED_EXITS)}", stayed, STAY_SHARE, "none (3b, 6a)")]
    details += [_share_item(f"no {kind}", ~by_kind[:, k], STAY_SHARE, "none")
                for k, kind in enumerate(FORCED_EXITS)]
    common = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    result = f"{stayed.mean():.0%} of {n} replicates with none"
    if common:
        result += f"; most frequent: {', '.join(f'{k} in {v} of {n}' for k, v in common)}"
    still = np.array([[f is None or f > m for m in window] for f in first],
                     dtype=bool).reshape(n, len(window))
    figure = {"name": FIGURE_NAMES[pid], "title": f"{pid} {title}", "xkind": "month",
              "ylabel": "share of replicates", "log": False, "ylim": [0, 1.05],
              "panels": [{"title": "no host has expelled a force or ended an agreement so far",
                          "series": [_share_series("simulated share of replicates", window, still)],
                          "lines": [{"label": f"pass: >= {STAY_SHARE:.0%} at {hi_m}",
                                     "y": STAY_SHARE}]}]}
    return _share_result(pid, title, what, target, stayed, STAY_SHARE, details, figure, result,
                         f"only {stayed.mean():.0%} of replicates without an expulsion or ended "
                         f"agreement (needs >= {STAY_SHARE:.0%})")


# --------------------------------------------------------------------------- all targets

#: Target id -> function of the politics hindcast runs (a list of table-dicts).
POLITICS: dict[str, Callable[[Sequence[Tables]], PatternResult]] = {
    "P1": p1_opinion_mali_2019,
    "P2": p2_dissatisfaction_mali,
    "P3": p3_demonstrations,
    "P4": p4_no_russian_deployment,
    "P5": p5_cooperation_agreements,
    "P6": p6_no_expulsion,
}


def evaluate_politics(runs: Sequence[Tables]) -> list[PatternResult]:
    """Score every target P1-P6 on the politics hindcast runs (one table-dict per replicate)."""
    return [func(runs) for func in POLITICS.values()]


def score_politics_run(tables: Tables, ids: Sequence[str] = tuple(POLITICS)) -> dict[str, float]:
    """One politics hindcast run's pass or fail on each target of ``ids``, the run taken as a
    single replicate: 1.0 passed, 0.0 failed, NaN not measurable.

    Raises:
        ValueError: an unknown target id.
    """
    out: dict[str, float] = {}
    for pid in ids:
        if pid not in POLITICS:
            raise ValueError(f"target {pid!r} is unknown; allowed: {', '.join(POLITICS)}")
        r = POLITICS[pid]([tables])
        out[pid] = float(r.passed) if r.measurable else float("nan")
    return out
