"""The calibration patterns scored on a batch's recorded arrays, every world of a batch at once.

:func:`sim.validate.patterns.score_run` scores one run from its output tables (pandas
DataFrames), which a sweep would build for every run only to score it: some 0.25 s a run, most
of a calibrated sweep's time. :func:`score_runs` scores the same runs from the ``[T, B, ...]``
arrays their batch recorded (:class:`sim.record.Recorder`, held by each run's
:class:`~sim.record.LazyRunArrays` until its arrays are built), vectorised over the worlds of a
batch, with the same result as ``score_run`` for each run: 1.0 passed, 0.0 failed, NaN not
measurable, and the same measured quantities (:attr:`BatchScores.measured`, the per-replicate
statistic a :class:`~sim.validate.patterns.PatternResult` of one replicate holds in ``median``;
:attr:`BatchScores.items`, the values its pass rule reads).

The numbers are those of the tables, computed in the same order: the tables' columns come from
the same arrays by the same operations (:meth:`Recorder.arrays`), and each sum is done as pandas
does it for the DataFrame path (``pandas >= 3.1``): a pivot's annual sums by entity and year
with compensated (Kahan) summation, a sum over groups that come in order (France's monthly
spending by date) with ``numpy.add.reduceat``, a column's sum with ``numpy.sum``. Fatalities
and casualties are whole numbers, so their sums are exact in any order.
``tests/validate/test_batch_scores.py`` compares both paths pattern by pattern over many runs.
The validation command (``sahel-sim-validate``) keeps the DataFrame path, which also draws the
figures and the details across replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import INSTRUMENT_KINDS, parse_month
from sim.record import LazyRunArrays
from sim.validate import patterns as P

if TYPE_CHECKING:
    from sim.record import Recorder, RunArrays

__all__ = ["ITEMS", "BatchScores", "Panel", "items_passed", "positions", "run_source", "score_runs",
           "take_columns"]

_CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
#: The month of the reported first Russian deployment, as a month number.
_RUSSIA_ENTRY = parse_month(P.RUSSIA_ENTRY, "RUSSIA_ENTRY")
_FOOTPRINT_MONTH = parse_month(P.FOOTPRINT_DATE, "FOOTPRINT_DATE")


@dataclass
class BatchScores:
    """The scores of ``n`` runs, each its scenario and hindcast taken as one replicate.

    Attributes:
        ids: the patterns scored, in order.
        n: the number of runs.
        passed: pattern id -> ``[n]``: 1.0 passed, 0.0 failed, NaN not measurable (what
            :func:`sim.validate.patterns.score_run` gives each run).
        measured: pattern id -> ``[n]``: the measured statistic of the run (the ``median``,
            ``low`` and ``high`` of the pattern's result on one replicate; NaN where that is
            None).
        items: pattern id -> ``[n, k]``: the values the pass rule reads (the ``median`` of each
            of the result's ``details`` that decide it, in their order; NaN where None), for
            the patterns made of items (C1, C2, C4, C5, C6, C9, C10; see :data:`ITEMS`).
    """

    ids: tuple[str, ...]
    n: int = 0
    passed: dict[str, np.ndarray] = field(default_factory=dict)
    measured: dict[str, np.ndarray] = field(default_factory=dict)
    items: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self) -> list[dict[str, float]]:
        """Each run's ``{pattern id: 1.0, 0.0 or NaN}``, as :func:`score_run` returns it."""
        cols = [self.passed[pid].tolist() for pid in self.ids]
        return [{pid: col[i] for pid, col in zip(self.ids, cols, strict=True)}
                for i in range(self.n)]


#: Pattern id -> the names of the items of :attr:`BatchScores.items` (the ``item`` of each of
#: the result's ``details`` it holds the ``median`` of), in order.
ITEMS: dict[str, tuple[str, ...]] = {
    "C1": tuple(f"{s} {y}" for s in P.REPORTED_FATALITIES for y in P.HINDCAST_YEARS),
    "C2": (*(f"{P.ONSET_STATE} {y}" for y in P.HINDCAST_YEARS), "jump at onset (x)"),
    "C4": tuple(f"{s} {y}" for s in P.REPORTED_CIVILIAN_SHARE for y in P.HINDCAST_YEARS),
    "C5": tuple(label for label, *_ in P.FOOTPRINT),
    "C6": tuple(f"{p} {y}" for p in P.COST_RANGES for y in P.COST_YEARS),
    "C9": tuple(f"{p} {y}" for p in P.CASUALTY_RANGES for y in P.CASUALTY_YEARS),
    "C10": (*(f"{g} at start" for g in P.FIGHTER_ESTIMATES),
            *(f"{g} peak" for g in P.FIGHTER_ESTIMATES)),
}


# --------------------------------------------------------------------------- the worlds' arrays


class Panel:
    """The recorded arrays of some worlds of one batch (or of one run's built arrays), ``[T, W,
    ...]``, with the batch's ids and calendar: only the columns the patterns read, computed as
    :meth:`sim.record.Recorder.arrays` computes them."""

    def __init__(self, start: int, n: int, w: int, ids: tuple[tuple[str, ...], ...],
                 recorder: Recorder | None = None, worlds: slice | np.ndarray = slice(None),
                 arrays: RunArrays | None = None):
        self.start, self.n, self.w = start, n, w
        self.state_ids, self.power_ids, self.group_ids = ids
        self._rec, self._index, self._a = recorder, worlds, arrays

    @classmethod
    def of_recorder(cls, rec: Recorder, worlds: list[int]) -> Panel:
        """Worlds ``worlds`` (indices) of a batch's recorder."""
        index: slice | np.ndarray = np.asarray(worlds, dtype=np.intp)
        if len(index) and (np.diff(index) == 1).all():  # consecutive: views
            index = slice(int(index[0]), int(index[-1]) + 1)
        ids = (rec.world.state_ids, rec.world.power_ids, rec.world.group_ids)
        return cls(rec.start, rec.n, len(worlds), ids, recorder=rec, worlds=index)

    @classmethod
    def of_arrays(cls, arrays: RunArrays, start: int) -> Panel:
        """One run's built arrays, its first month ``start``."""
        n = next(iter(arrays.states.values())).shape[0]
        ids = (tuple(arrays.state_ids), tuple(arrays.power_ids), tuple(arrays.group_ids))
        return cls(start, n, 1, ids, arrays=arrays)

    def _worlds(self, x: np.ndarray) -> np.ndarray:
        """The panel's worlds of a recorded ``[T, B, ...]`` array, ``[T, W, ...]``."""
        return x[:, self._index]

    def state(self, column: str) -> np.ndarray:
        """``[T, W, S]`` a states-table column (fatalities or civilian fatalities)."""
        if self._a is not None:
            return self._a.states[column][:, None]
        return self._worlds(self._rec.states[column]).round(6)

    def personnel(self, p: int, steps: slice = slice(None)) -> np.ndarray:
        """``[t, W, S]`` the personnel of power ``p`` in months ``steps``."""
        if self._a is not None:
            return self._a.presence["personnel"][steps, :, p][:, None]
        raw = self._worlds(self._rec.level[steps, :, p])  # [t, W, S, I]
        return (raw * self._rec.world.is_person).sum(axis=-1)

    def contractors(self, p: int) -> np.ndarray:
        """``[T, W, S]`` power ``p``'s contractors."""
        if self._a is not None:
            return self._a.presence["contractors"][:, :, p][:, None]
        return self._worlds(self._rec.level[:, :, p, :, _CONTRACTORS])

    def presence(self, column: str, p: int) -> np.ndarray:
        """``[T, W, S]`` a recorded presence column of power ``p`` (spending_usd, host_paid_usd,
        arms_paid_usd)."""
        if self._a is not None:
            return self._a.presence[column][:, :, p][:, None]
        return self._worlds(self._rec.presence[column][..., p])

    def gross_cost(self, p: int) -> np.ndarray:
        """``[T, W]`` power ``p``'s gross cost in USD (the powers table's gross_cost_usd)."""
        if self._a is not None:
            return self._a.powers["gross_cost_usd"][:, p][:, None]
        return self._worlds(self._rec.cents["gross"][:, :, p]) / 100.0

    def casualties(self, p: int) -> np.ndarray:
        """``[T, W]`` power ``p``'s casualties (the powers table's casualties)."""
        if self._a is not None:
            return self._a.powers["casualties"][:, p][:, None]
        return self._worlds(self._rec.casualties[:, :, p]).sum(axis=-1)

    def fighters(self) -> np.ndarray:
        """``[T, W, G]`` each group's fighters."""
        if self._a is not None:
            return self._a.groups["fighters"][:, None]
        return self._worlds(self._rec.groups["fighters"])

    @property
    def end(self) -> int:
        """The last month recorded (a month number)."""
        return self.start + self.n - 1

    def full_years(self) -> list[int]:
        """The calendar years of which every month is recorded (:func:`patterns.full_years`)."""
        first = self.start // 12 + (self.start % 12 > 0)
        last = (self.end + 1) // 12 - 1
        return list(range(first, last + 1))

    def covers(self, years: Sequence[int]) -> bool:
        """Whether every one of ``years`` is recorded in full (:func:`patterns._covered`)."""
        return set(years) <= set(self.full_years())

    def annual(self, x: np.ndarray, years: Sequence[int], grouped_in_order: bool) -> np.ndarray:
        """``[W, E, Y]`` the annual sums of ``x`` ``[T, W, E]`` over ``years`` (full years), as
        a pivot of a table by year and entity sums them (:func:`patterns._annual`): with
        ``numpy.add.reduceat`` where the table's groups come in order (``grouped_in_order``: one
        entity), else by compensated summation."""
        out = np.empty((x.shape[1], x.shape[2], len(years)))
        for k, y in enumerate(years):
            t0 = y * 12 - self.start
            rows = x[t0:t0 + 12]
            out[:, :, k] = _reduceat(rows) if grouped_in_order else _kahan(rows)
        return out


def _kahan(rows: np.ndarray) -> np.ndarray:
    """The sum over the first axis of ``rows``, element by element, as pandas' grouped sum adds
    the rows of a group in order (compensated summation, a NaN compensation reset to 0)."""
    total = np.zeros(rows.shape[1:])
    comp = np.zeros(rows.shape[1:])
    for v in rows:
        y = v - comp
        t = total + y
        comp = (t - total) - y
        comp[np.isnan(comp)] = 0.0
        total = t
    return total


def _reduceat(rows: np.ndarray) -> np.ndarray:
    """The sum over the first axis of ``rows`` as ``numpy.add.reduceat`` adds a segment: its first
    element plus the (pairwise) sum of the rest."""
    if len(rows) == 1:
        return rows[0].copy()
    rest = np.ascontiguousarray(np.moveaxis(rows[1:], 0, -1))
    return rows[0] + rest.sum(axis=-1)


def positions(ids: Sequence[str], wanted: Sequence[str]) -> list[int | None]:
    pos = {x: i for i, x in enumerate(ids)}
    return [pos.get(x) for x in wanted]


def take_columns(x: np.ndarray, cols: Sequence[int | None]) -> np.ndarray:
    """``x[..., cols]`` with NaN where a column is None (an entity absent from the world)."""
    out = np.full((*x.shape[:-1], len(cols)), np.nan)
    for j, c in enumerate(cols):
        if c is not None:
            out[..., j] = x[..., c]
    return out


# --------------------------------------------------------------------------- the patterns

def items_passed(values: np.ndarray, lo: np.ndarray, hi: np.ndarray,
           exact: np.ndarray | None = None, reported: np.ndarray | None = None,
           ) -> tuple[np.ndarray, np.ndarray]:
    """(passed, measured) of a pattern made of items (:func:`patterns.items_result`) over
    ``values`` ``[W, k]``: passed where every item is in its range (or equal to its reported
    value where ``exact``); measured, how many items are in their range."""
    in_range = (values >= lo) & (values <= hi)
    ok = in_range
    if exact is not None and exact.any():
        ok = np.where(exact, values == reported, in_range)
    ok = ok & np.isfinite(values)
    return ok.all(axis=1).astype(float), in_range.sum(axis=1).astype(float)


def _c1(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    states, years = list(P.REPORTED_FATALITIES), list(P.HINDCAST_YEARS)
    w = h.w
    if not h.covers(years):
        return _nan(w), _nan(w), np.full((w, len(states) * len(years)), np.nan)
    fat = take_columns(h.state("fatalities"), positions(h.state_ids, states))
    values = h.annual(fat, years, len(h.state_ids) == 1).reshape(w, -1)
    rep = np.array([float(P.REPORTED_FATALITIES[st][y]) for st in states for y in years])
    passed, measured = items_passed(values, rep / P.FATALITY_FACTOR, rep * P.FATALITY_FACTOR)
    return passed, measured, values


def _c2(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = h.w
    years = h.full_years()
    if not h.covers(P.HINDCAST_YEARS):
        return _nan(w), _nan(w), np.full((w, len(P.HINDCAST_YEARS) + 1), np.nan)
    bf = take_columns(h.state("fatalities"), positions(h.state_ids, [P.ONSET_STATE]))
    series = h.annual(bf, years, len(h.state_ids) == 1)[:, 0]  # [W, Y]
    above = series > P.ONSET_THRESHOLD
    reached = above.any(axis=1)
    k = above.argmax(axis=1)
    onset = np.where(reached, np.asarray(years, dtype=float)[k], np.nan)
    prev = series[np.arange(w), np.maximum(k - 1, 0)]
    here = series[np.arange(w), k]
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(prev > 0, here / np.where(prev > 0, prev, 1.0), np.inf)
    seen = reached & (k > 0)  # an onset after the first year
    jump = np.where(seen, jump, np.nan)
    in_time = np.abs(onset - P.ONSET_YEAR) <= P.ONSET_TOLERANCE_YEARS
    passed = (seen & in_time & (jump >= P.ONSET_JUMP)).astype(float)
    shown = series[:, [years.index(y) for y in P.HINDCAST_YEARS]]
    return passed, onset, np.concatenate([shown, jump[:, None]], axis=1)


def _c3(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, None]:
    controls = list(P.REPORTED_CONTROL_MAXIMA)
    w = s.w
    peaks = np.zeros((w, len(controls)))
    measurable = False
    for run in (s, h):
        years = run.full_years()
        if not years:
            continue
        measurable = True
        fat = take_columns(run.state("fatalities"), positions(run.state_ids, controls))
        annual = run.annual(fat, years, len(run.state_ids) == 1)  # [W, C, Y]
        peaks = np.maximum(peaks, np.nan_to_num(annual, nan=0.0).max(axis=2))
    if not measurable:
        return _nan(w), _nan(w), None
    passed = (peaks < P.QUIET_LIMIT).all(axis=1).astype(float)  # a share of 1 or 0 of one run
    return passed, peaks.max(axis=1), None


def _c4(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    states, years = list(P.REPORTED_CIVILIAN_SHARE), list(P.HINDCAST_YEARS)
    w = h.w
    if not h.covers(years):
        return _nan(w), _nan(w), np.full((w, len(states) * len(years)), np.nan)
    cols = positions(h.state_ids, states)
    in_order = len(h.state_ids) == 1
    fat = h.annual(take_columns(h.state("fatalities"), cols), years, in_order)
    civ = h.annual(take_columns(h.state("civilian_fatalities"), cols), years, in_order)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(fat > 0, civ / np.where(fat > 0, fat, 1.0), np.nan)
    share = share.reshape(w, -1)
    lo = np.array([P.REPORTED_CIVILIAN_SHARE[st][y] - P.SHARE_TOLERANCE
                   for st in states for y in years])
    hi = np.array([P.REPORTED_CIVILIAN_SHARE[st][y] + P.SHARE_TOLERANCE
                   for st in states for y in years])
    passed, measured = items_passed(share, lo, hi)
    return passed, measured, share


def _c5(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    w = s.w
    if not s.start <= _FOOTPRINT_MONTH <= s.end:
        return _nan(w), _nan(w), np.full((w, len(P.FOOTPRINT)), np.nan)
    step = _FOOTPRINT_MONTH - s.start
    values = np.zeros((w, len(P.FOOTPRINT)))
    for j, (_, power, states, _) in enumerate(P.FOOTPRINT):
        p = positions(s.power_ids, [power])[0]
        if p is None:
            continue  # no rows: a sum of 0
        cols = [i for i, x in enumerate(s.state_ids) if states is None or x in states]
        if cols:
            pers = s.personnel(p, slice(step, step + 1))[0]  # [W, S]
            values[:, j] = np.ascontiguousarray(pers[:, cols]).sum(axis=1)
    reported = np.array([v for *_, v in P.FOOTPRINT])
    passed, measured = items_passed(values, reported * (1 - P.FOOTPRINT_TOLERANCE),
                              reported * (1 + P.FOOTPRINT_TOLERANCE),
                              exact=reported == 0, reported=reported)
    return passed, measured, values


def _c6(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    powers, years = list(P.COST_RANGES), list(P.COST_YEARS)
    w = s.w
    if not s.covers(years):
        return _nan(w), _nan(w), np.full((w, len(powers) * len(years)), np.nan)
    fr, un = positions(s.power_ids, ["france", "un"])
    cols = [i for i, x in enumerate(s.state_ids) if x in P.BARKHANE_STATES]
    monthly = np.full((s.n, w, 2), np.nan)  # [T, W, (france, un)]
    has_france = fr is not None and bool(cols)
    if has_france:
        spending = s.presence("spending_usd", fr)[:, :, cols]  # [T, W, k] by date in order
        monthly[:, :, 0] = _reduceat(np.moveaxis(spending, 2, 0))
    if un is not None:
        monthly[:, :, 1] = s.gross_cost(un)
    # the pivot's groups (year, power) come in order when only one power has rows
    stack = s.annual(monthly, years, not (has_france and un is not None))  # [W, 2, Y]
    values = stack.reshape(w, -1)
    lo = np.array([P.COST_RANGES[p][0] for p in powers for _ in years])
    hi = np.array([P.COST_RANGES[p][1] for p in powers for _ in years])
    passed, measured = items_passed(values, lo, hi)
    return passed, measured, values


def _c7(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, None]:
    w = s.w
    prices = np.full(w, np.nan)
    p = positions(s.power_ids, [P.CONTRACTOR_POWER])[0]
    if p is not None:
        contractors = s.contractors(p)  # [T, W, S]
        on = contractors > 0
        deployed = on.any(axis=(0, 2))
        if deployed.any():
            host, arms = s.presence("host_paid_usd", p), s.presence("arms_paid_usd", p)
            for b in np.flatnonzero(deployed).tolist():
                m = on[:, b]  # rows of the presence table in order: by step, then state
                prices[b] = ((host[:, b][m] - arms[:, b][m]).sum()
                             / contractors[:, b][m].sum())
    lo, hi = P.CONTRACTOR_PRICE_RANGE
    failed = np.nan if s.end < _RUSSIA_ENTRY else 0.0  # never deployed: measurable after entry
    passed = np.where(np.isfinite(prices), (lo <= prices) & (prices <= hi), failed)
    return passed.astype(float), prices, None


def _c8(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, None]:
    w = s.w
    p = positions(s.power_ids, [P.CONTRACTOR_POWER])[0]
    m = positions(s.state_ids, [P.CONTINGENT_STATE])[0]
    failed = np.nan if s.end < _RUSSIA_ENTRY else 0.0
    if p is None or m is None:
        return np.full(w, failed), _nan(w), None
    level = s.personnel(p)[:, :, m]  # [T, W]
    on = level > 0
    first = on.argmax(axis=0)
    deployed = on.any(axis=0)
    t = np.arange(s.n)[:, None]
    window = (t >= first[None, :] + P.RAMP_UP_MONTHS) & on
    lo, hi = P.CONTINGENT_RANGE
    counted = window.sum(axis=0)
    inside = (window & (level >= lo) & (level <= hi)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counted > 0, inside / np.maximum(counted, 1), np.nan)
    # never deployed: failed (or not measurable before the reported entry); deployed only
    # within the ramp-up: not measurable
    passed = np.where(~deployed, failed, np.where(counted > 0, share >= 1.0, np.nan))
    return passed.astype(float), share, None


def _c9(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    powers, years = list(P.CASUALTY_RANGES), list(P.CASUALTY_YEARS)
    w = s.w
    if not s.covers(years):
        return _nan(w), _nan(w), np.full((w, len(powers) * len(years)), np.nan)
    monthly = np.full((s.n, w, len(powers)), np.nan)
    for j, p in enumerate(positions(s.power_ids, powers)):
        if p is not None:
            monthly[:, :, j] = s.casualties(p)
    values = s.annual(monthly, years, len(s.power_ids) == 1).reshape(w, -1)
    lo = np.array([P.CASUALTY_RANGES[p][0] for p in powers for _ in years])
    hi = np.array([P.CASUALTY_RANGES[p][1] for p in powers for _ in years])
    passed, measured = items_passed(values, lo, hi)
    return passed, measured, values


def _c10(s: Panel, h: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    groups = list(P.FIGHTER_ESTIMATES)
    w = s.w
    cols = positions(s.group_ids, groups)
    fighters = s.fighters()
    start = np.nan_to_num(take_columns(fighters[0], cols), nan=0.0)  # [W, G]
    peak = np.zeros((w, len(groups)))
    for run in (s, h):
        f = run.fighters()
        if len(f):
            top = np.nan_to_num(take_columns(f.max(axis=0), positions(run.group_ids, groups)), nan=0.0)
            peak = np.maximum(peak, top)
    lo_est = np.array([P.FIGHTER_ESTIMATES[g][0] for g in groups])
    ceil = np.array([P.FIGHTER_CEILING_FACTOR * P.FIGHTER_ESTIMATES[g][1] for g in groups])
    passed = ((start < lo_est).all(axis=1) & (peak <= ceil).all(axis=1)).astype(float)
    ratio = (peak / ceil[None, :]).max(axis=1)
    return passed, ratio, np.concatenate([start, peak], axis=1)


_SCORERS = {"C1": _c1, "C2": _c2, "C3": _c3, "C4": _c4, "C5": _c5, "C6": _c6, "C7": _c7,
            "C8": _c8, "C9": _c9, "C10": _c10}


def _nan(w: int) -> np.ndarray:
    return np.full(w, np.nan)


# --------------------------------------------------------------------------- the entry point


def run_source(run: Any) -> tuple[Any, Any]:
    """(batch key, how to read it) of a run's recorded arrays: its batch's recorder and world
    while its arrays are not built (:class:`~sim.record.LazyRunArrays`), else its own arrays
    (with its start month)."""
    arrays = run.arrays
    batch = arrays.batch() if isinstance(arrays, LazyRunArrays) else None
    if batch is not None:
        recorder, b = batch
        return (id(recorder), recorder), b
    built = arrays.built() if isinstance(arrays, LazyRunArrays) else arrays
    return (id(built), None), (built, parse_month(run.config.start, "start"))


def score_runs(scenario: Sequence[Any], hindcast: Sequence[Any],
               ids: Sequence[str] = tuple(P.PATTERNS)) -> BatchScores:
    """Score each run of ``scenario`` with its hindcast (``hindcast[i]``, the same world from
    2017-01) on the patterns of ``ids``: what :func:`sim.validate.patterns.score_run` gives each
    pair's tables, from the recorded arrays of their batches (the runs of
    :func:`sim.api.run_worlds`: each with ``arrays`` and ``config``). Runs of the same pair of
    batches are scored at once.

    Raises:
        ValueError: an unknown pattern id, or not one hindcast per run.
    """
    ids = tuple(ids)
    for pid in ids:
        if pid not in P.PATTERNS:
            raise ValueError(f"pattern {pid!r} is unknown; allowed: {', '.join(P.PATTERNS)}")
    if len(hindcast) != len(scenario):
        raise ValueError(f"hindcast: {len(hindcast)} runs for {len(scenario)} scenario runs; "
                         "allowed: one hindcast per run")
    n = len(scenario)
    out = BatchScores(ids=ids, n=n)
    for pid in ids:
        out.passed[pid] = np.full(n, np.nan)
        out.measured[pid] = np.full(n, np.nan)
    groups: dict[tuple[int, int], tuple[Any, Any, list[int], list[Any], list[Any]]] = {}
    for i, (a, b) in enumerate(zip(scenario, hindcast, strict=True)):
        (ka, ra), wa = run_source(a)
        (kb, rb), wb = run_source(b)
        g = groups.setdefault((ka, kb), (ra, rb, [], [], []))
        g[2].append(i)
        g[3].append(wa)
        g[4].append(wb)
    for ra, rb, rows, wa, wb in groups.values():
        s = Panel.of_recorder(ra, wa) if ra is not None else Panel.of_arrays(*wa[0])
        h = Panel.of_recorder(rb, wb) if rb is not None else Panel.of_arrays(*wb[0])
        for pid in ids:
            passed, measured, items = _SCORERS[pid](s, h)
            out.passed[pid][rows] = passed
            out.measured[pid][rows] = measured
            if items is not None:
                if pid not in out.items:
                    out.items[pid] = np.full((n, items.shape[1]), np.nan)
                out.items[pid][rows] = items
    return out
