"""The pre-2020 political targets P1-P6 scored on a batch's recorded arrays, every world of a batch
at once.

:func:`sim.validate.politics.score_politics_run` scores one politics hindcast run from its output
tables (pandas DataFrames), which a calibration would build for every run only to score it (some
0.25 s a run). :func:`score_politics_runs` scores the same runs from the ``[T, B, ...]`` arrays
and the event lists their batch recorded (:class:`sim.record.Recorder`), as
:func:`sim.validate.batch.score_runs` does for the calibration patterns C1-C10 (whose panel of a
batch's worlds it reads), with the same result as ``score_politics_run`` for each run: 1.0
passed, 0.0 failed, NaN not measurable. Each run is a single replicate, so a target's median
across replicates is the run's own value:

- P1, P2, P3 (items in range): the run passes when every item is in its range
  (:data:`POLITICS_BANDS`); the measured statistic is how many are.
- P4, P5, P6 (a share of replicates with a property): the share of one replicate is 1.0 if the
  run has the property, else 0.0; the run passes when that reaches the target's threshold
  (:data:`~sim.validate.politics.NO_DEPLOYMENT_SHARE`, ``COOPERATION_SHARE``, ``STAY_SHARE``:
  with a threshold in (0, 1], when it has the property). The measured statistic and the one item
  are that share.

The numbers are the tables': receptivity is recorded as the presence table has it, Russia's
personnel and the annual sums of ``protests`` (rounded to 6 decimals, as the states table) are
computed as :meth:`Recorder.arrays` and pandas' pivot compute them (:class:`sim.validate.batch.
Panel`), and the events are the recorder's, whose rows the events table holds in the same order.
``tests/validate/test_politics_batch.py`` compares both paths target by target over many runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.config import parse_month
from sim.validate import politics as T
from sim.validate.batch import BatchScores, Panel, items_passed, positions, run_source, take_columns
from sim.validate.patterns import SAHEL

__all__ = ["POLITICS_BANDS", "POLITICS_ITEMS", "score_politics_runs"]

#: An event as the recorder holds it: (step, kind, actor, target, ...).
Event = tuple[Any, ...]

_GUINDO = parse_month(T.GUINDO_MONTH, "GUINDO_MONTH")
_SURVEYS = tuple(parse_month(m, "REPORTED_DISSATISFACTION") for _, m in T.REPORTED_DISSATISFACTION)
_COOPERATION = tuple(parse_month(m, "COOPERATION_WINDOW") for m in T.COOPERATION_WINDOW)
_STAY = tuple(parse_month(m, "STAY_WINDOW") for m in T.STAY_WINDOW)
_PROTESTS = (T.PROTEST_YEARS[0] * 12, T.PROTEST_YEARS[-1] * 12 + 11)  # 2017-01 .. 2019-12
_NO_DEPLOYMENT = (T.NO_DEPLOYMENT_YEAR * 12, T.NO_DEPLOYMENT_YEAR * 12 + 11)

#: Target id -> the names of the items of :attr:`BatchScores.items`, in order: for P1-P3 the
#: ``item`` of each of the result's ``details`` whose ``median`` it holds; for P4 and P6 the
#: ``item`` of the first detail (the share of replicates with the property, whose one replicate
#: is the run); for P5 the lower of the states' shares (the result's ``median``: 1.0 where every
#: state signed).
POLITICS_ITEMS: dict[str, tuple[str, ...]] = {
    "P1": tuple(T.REPORTED_RECEPTIVITY),
    "P2": tuple(f"{p} {m}" for p, m in T.REPORTED_DISSATISFACTION),
    "P3": tuple(f"{s} {y}" for s in T.REPORTED_PROTESTS for y in T.PROTEST_YEARS),
    "P4": (f"no russian personnel in any of the {len(SAHEL)} states",),
    "P5": (f"{' and '.join(T.COOPERATION)} signed {'..'.join(T.COOPERATION_WINDOW)}",),
    "P6": (f"no {' or '.join(T.FORCED_EXITS)}",),
}


def _bands() -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    tol = T.OPINION_TOLERANCE
    rec = [T.REPORTED_RECEPTIVITY[p] for p in POLITICS_ITEMS["P1"]]
    dis = list(T.REPORTED_DISSATISFACTION.values())
    protests = [T.REPORTED_PROTESTS[s][y] for s in T.REPORTED_PROTESTS for y in T.PROTEST_YEARS]
    one = np.ones(1)
    return {
        "P1": (np.array([v - tol for v in rec]), np.array([v + tol for v in rec]), "linear"),
        "P2": (np.array([v - tol for v in dis]), np.array([v + tol for v in dis]), "linear"),
        "P3": (np.array([v / T.PROTEST_FACTOR for v in protests]),
               np.array([v * T.PROTEST_FACTOR for v in protests]), "log"),
        "P4": (one, one.copy(), "flag"),
        "P5": (one.copy(), one.copy(), "flag"),
        "P6": (one.copy(), one.copy(), "flag"),
    }


#: Target id -> ``(lo, hi, kind)``: each item's allowed range (``[k]`` arrays, the items of
#: :data:`POLITICS_ITEMS`, bounds included) and how it is judged: ``"linear"``, a share within
#: :data:`~sim.validate.politics.OPINION_TOLERANCE` of the reported one (P1, P2); ``"log"``, a
#: count within a factor :data:`~sim.validate.politics.PROTEST_FACTOR` of the reported one
#: (P3); ``"flag"``, a property the run must have (P4-P6: lo = hi = 1.0).
POLITICS_BANDS: dict[str, tuple[np.ndarray, np.ndarray, str]] = _bands()


# --------------------------------------------------------------------------- coverage


def _covers(s: Panel, first: int, last: int, presence: bool = False) -> bool:
    """Whether the panel's states table (or presence table, with ``presence``) has every month
    ``first`` .. ``last`` (month numbers): ``politics._gap`` of one run. A table without
    entities has no months."""
    rows = len(s.state_ids) * (len(s.power_ids) if presence else 1)
    return rows > 0 and s.start <= first and last <= s.end


def _not_measurable(s: Panel, pid: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nan = np.full(s.w, np.nan)
    return nan, nan.copy(), np.full((s.w, len(POLITICS_ITEMS[pid])), np.nan)


def _receptivity(s: Panel, month: int, powers: Sequence[str]) -> np.ndarray:
    """``[W, k]`` the survey state's receptivity of each of ``powers`` in ``month`` (NaN where
    the state or the power is absent)."""
    out = np.full((s.w, len(powers)), np.nan)
    m = positions(s.state_ids, [T.SURVEY_STATE])[0]
    if m is None:
        return out
    step = month - s.start
    for j, p in enumerate(positions(s.power_ids, powers)):
        if p is not None:
            out[:, j] = s.presence("receptivity", p)[step, :, m]
    return out


#: The least share of replicates with its property each of P4-P6 needs.
_LEAST = {"P4": T.NO_DEPLOYMENT_SHARE, "P5": T.COOPERATION_SHARE, "P6": T.STAY_SHARE}


def _flag(s: Panel, pid: str, has: np.ndarray, first: int, last: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(passed, measured, items) of a target passed by a share of replicates with a property,
    over one-replicate runs: ``has`` [W] whether each run has it (its share, 1 or 0)."""
    if not _covers(s, first, last, presence=pid == "P4"):
        return _not_measurable(s, pid)
    share = has.astype(float)
    return (share >= _LEAST[pid]).astype(float), share, share[:, None].copy()


# --------------------------------------------------------------------------- the targets


def _p1(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    if not _covers(s, _GUINDO, _GUINDO, presence=True):
        return _not_measurable(s, "P1")
    values = _receptivity(s, _GUINDO, POLITICS_ITEMS["P1"])
    lo, hi, _ = POLITICS_BANDS["P1"]
    return (*items_passed(values, lo, hi), values)


def _p2(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    if not all(_covers(s, m, m, presence=True) for m in _SURVEYS):
        return _not_measurable(s, "P2")
    values = np.full((s.w, len(_SURVEYS)), np.nan)
    for j, ((power, _), month) in enumerate(zip(T.REPORTED_DISSATISFACTION, _SURVEYS,
                                                strict=True)):
        values[:, j] = 1.0 - _receptivity(s, month, [power])[:, 0]
    lo, hi, _ = POLITICS_BANDS["P2"]
    return (*items_passed(values, lo, hi), values)


def _p3(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    if not _covers(s, *_PROTESTS):
        return _not_measurable(s, "P3")
    states = list(T.REPORTED_PROTESTS)
    protests = take_columns(s.state("protests"), positions(s.state_ids, states))  # [T, W, k]
    values = s.annual(protests, T.PROTEST_YEARS, len(s.state_ids) == 1).reshape(s.w, -1)
    lo, hi, _ = POLITICS_BANDS["P3"]
    return (*items_passed(values, lo, hi), values)


def _p4(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    deployed = np.zeros(s.w, dtype=bool)
    p = positions(s.power_ids, [T.RUSSIA])[0]
    cols = [i for i, x in enumerate(s.state_ids) if x in SAHEL]
    first, last = _NO_DEPLOYMENT
    if p is not None and cols and s.start <= first and last <= s.end:
        steps = slice(first - s.start, last - s.start + 1)
        personnel = s.personnel(p, steps)[:, :, cols]  # [12, W, k]
        deployed = (personnel > 0).any(axis=(0, 2))
    return _flag(s, "P4", ~deployed, first, last)


def _signed(events: Sequence[Event], start: int, state: str) -> bool:
    """Whether ``state`` signed a cooperation agreement with Russia within the window."""
    lo, hi = _COOPERATION
    return any(e[1] == T.COOPERATION_KIND and e[3] == T.RUSSIA and e[2] == state
               and lo <= start + e[0] <= hi for e in events)


def _p5(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    signed = np.array([all(_signed(ev, s.start, st) for st in T.COOPERATION) for ev in events],
                      dtype=bool).reshape(s.w)
    return _flag(s, "P5", signed, *_COOPERATION)


def _p6(s: Panel, events: Sequence[Sequence[Event]]) -> tuple[np.ndarray, ...]:
    lo, hi = _STAY
    forced = np.array([any(e[1] in T.FORCED_EXITS and lo <= s.start + e[0] <= hi for e in ev)
                       for ev in events], dtype=bool).reshape(s.w)
    return _flag(s, "P6", ~forced, lo, hi)


_SCORERS = {"P1": _p1, "P2": _p2, "P3": _p3, "P4": _p4, "P5": _p5, "P6": _p6}


# --------------------------------------------------------------------------- the events


def _built_events(run: Any) -> Sequence[Event]:
    """The events of a run whose arrays are built (:class:`~sim.record.RunArrays` holds none):
    its batch's recorder's while its tables (:class:`~sim.engine.plan.LazyTables`) still hold it,
    else the rows of its built events table (Arrow, or the DataFrame of a plain table-dict), as
    ``(step, kind, actor, target)``. Builds no table."""
    tables = run.tables
    held = getattr(tables, "recorded_events", None)
    events = held() if held is not None else None
    if events is not None:
        return events
    names = ("step", "kind", "actor", "target")
    if hasattr(tables, "arrow"):  # LazyTables without its recorder: its tables are built
        ev = tables.arrow()["events"]
        return list(zip(*(ev.column(c).to_pylist() for c in names), strict=True))
    ev = tables["events"]
    return list(zip(*(ev[c].tolist() for c in names), strict=True))


# --------------------------------------------------------------------------- the entry point


def score_politics_runs(runs: Sequence[Any], ids: Sequence[str] = tuple(T.POLITICS)
                        ) -> BatchScores:
    """Score each politics hindcast run of ``runs`` (the results of :func:`sim.api.run_worlds`:
    each with ``arrays``, ``config`` and ``tables``) on the targets of ``ids``: what
    :func:`sim.validate.politics.score_politics_run` gives each run's tables, from the recorded
    arrays and events of their batches. Runs of the same batch are scored at once; a run whose
    arrays are built, from them.

    Returns:
        :class:`~sim.validate.batch.BatchScores`: ``passed``, ``measured`` (P1-P3: the items in
        range; P4-P6: the run's share, 1.0 or 0.0) and ``items`` (``[n, k]``, the items of
        :data:`POLITICS_ITEMS`, for every target; NaN where not measurable).

    Raises:
        ValueError: an unknown target id.
    """
    ids = tuple(ids)
    for pid in ids:
        if pid not in T.POLITICS:
            raise ValueError(f"target {pid!r} is unknown; allowed: {', '.join(T.POLITICS)}")
    n = len(runs)
    out = BatchScores(ids=ids, n=n)
    for pid in ids:
        out.passed[pid] = np.full(n, np.nan)
        out.measured[pid] = np.full(n, np.nan)
        out.items[pid] = np.full((n, len(POLITICS_ITEMS[pid])), np.nan)
    groups: dict[int, tuple[Any, list[int], list[Any]]] = {}
    for i, run in enumerate(runs):
        (key, recorder), where = run_source(run)
        g = groups.setdefault(key, (recorder, [], []))
        g[1].append(i)
        g[2].append(where if recorder is not None else (where, run))
    for recorder, rows, where in groups.values():
        if recorder is not None:
            panel = Panel.of_recorder(recorder, where)
            events: list[Sequence[Event]] = [recorder.events[b] for b in where]
        else:  # one run (listed as often as it is in runs)
            (built, start), run = where[0]
            panel = Panel.of_arrays(built, start)
            events = [_built_events(run)]
        for pid in ids:
            passed, measured, items = _SCORERS[pid](panel, events)
            out.passed[pid][rows] = passed
            out.measured[pid][rows] = measured
            out.items[pid][rows] = items
    return out
