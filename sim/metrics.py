"""The hypothesis as numbers (docs/ODD.md section 8), computed from a run's output tables only.

One implementation, over a batch of worlds: :func:`_numbers` reads the worlds' columns as
``[T, B, ...]`` arrays and gives each world's numbers, which :func:`_assemble` turns into its
summary. The entry points only choose what it reads:

- :func:`summarize_batch`: every world of a batch run at once, from its recorder's arrays
  (:class:`_Recorded`; the columns the tables derive, derived alike);
- :func:`summarize_arrays`: one run's tables in wide form (:class:`sim.record.RunArrays`), as a
  batch of one world (:class:`_OneWorld`: each column viewed with a world axis of length 1);
- :func:`summarize`: one run's tables, through :func:`arrays_from_tables` and the above.

A world's sums run over its own values in its tables' row order whatever its batch (last
paragraph), so its summary is the same bit for bit alone, in any batch, or read from its tables.

The verdict (docs/ODD.md section 8 says why), Russia against the West as blocs, over the horizon
and the AES states only, its books in one set: every cost is booked to the bloc that receives
the security points it buys. The West is france, usa and eu; a UN mission is a third party, its
points and its costs in neither bloc's (its cost, and each bloc's assessed share of it, are
reported beside the books).

- influence by dimension: security (share of the host's security capacity), arms (share of the
  12-month arms memory), aid (share of the aid), diplomatic (the regime's standing of the
  partner, or the agreement flag where regimes do not rank partners) and opinion
  (receptivity). A bloc's share is the sum of its members'; its diplomatic and opinion values
  are its best member's.
- graded, per AES state (``by_state``): russia's months leading the state's security up to the
  horizon's end (its share positive, exceeding the West's by ``security_margin``, absolute or
  relative to its own share, and not below any other single power's, the UN missions
  included), the same at every margin of :data:`MARGIN_GRID`, the share gap at the end, and
  each bloc's cash per security point held there.
- the books by cost basis (:data:`sim.config.COST_BASES`): ``cash`` (what a bloc's treasury
  paid: spending - the hosts' cash - concessions - arms given), ``outlays`` (+ arms given in
  kind), ``full`` (+ its casualties valued + ``non_cash_usd_per_person_month`` per
  person-month); ``cost_ratio_by_basis``: russia's cost per security point held over the
  West's (a point = 0.01 of security share, time-averaged over the horizon and the AES
  states).
- the binary views at the run's thresholds: ``security_win`` (a lead of ``security_months`` in
  at least ``k`` states), ``cheap`` (``cost_ratio_by_basis[cost_basis] <= cheap_cost_ratio``),
  ``verdict``: ``both`` (the hypothesis holds), ``win``, ``cheap`` or ``neither``
  (``verdict_like_for_like`` is the same).
- ``who_pays``: what the hosts paid, deaths and territory lost, beside every verdict.

The first version's verdict, under ``first_version`` (docs/ODD.md section 8.3): win when russia
is the largest foreign partner (all dimensions of influence) in at least ``k`` AES states at the
end; cheap when russia's own net cost <= ``phi`` x the West's (france, usa, un, eu); with the
cheap-win index = west's cost per influence point held / russia's. The actors' influence and
costs (``russia``, ``west``: influence start, end, gain, points held; gross cost, host payments,
concessions, own net cost, political cost, casualties, cost per point) stay at the top.

Sums over months are the ones a pandas ``groupby(...).sum()`` of the tables gives (compensated,
in row order), so that the summary does not depend on which form of the outputs it is read from;
every other sum or mean runs over a contiguous copy of each world's values in its table's order
(:func:`_sums`, :func:`_means`, :func:`_time_means`), or over the last axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import AES, COST_BASES, MARGIN_GRID, WEST, MetricsConfig, parse_month
from sim.record import TABLES, Recorder, RunArrays

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DIMENSIONS", "UN_MISSIONS", "arrays_from_tables",
           "horizon_steps", "summarize", "summarize_arrays", "summarize_batch"]

#: Dimension of influence -> its presence column (docs/ODD.md section 8).
DIMENSIONS = {"security": "security_share", "arms": "arms_share", "aid": "aid_share",
              "diplomatic": "diplomatic", "opinion": "receptivity"}
#: Dimensions that are shares: a bloc's value is the sum of its members' (else its best member's).
SHARE_DIMENSIONS = ("security", "arms", "aid")
#: Powers that are UN missions: a third party in the verdict's books (their security points and
#: their costs are in neither bloc's; their cost and each bloc's assessed share of it are reported
#: beside the books).
UN_MISSIONS = ("un",)


def horizon_steps(metrics: MetricsConfig, start: str, end: str) -> tuple[int, int]:
    """First and last step (inclusive) of the metrics horizon."""
    s0 = parse_month(start, "start")
    h0 = parse_month(metrics.horizon_start, "metrics.horizon_start") - s0 if metrics.horizon_start else 0
    h1 = (parse_month(metrics.horizon_end, "metrics.horizon_end") if metrics.horizon_end
          else parse_month(end, "end")) - s0
    return h0, h1


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


COSTS = ("gross_cost_usd", "host_payments_usd", "concession_revenue_usd", "net_cost_usd",
         "casualties", "political_cost_usd")


def _codes(column: pd.Series, ids: list[str]) -> np.ndarray:
    """Integer code of each row's id in ``ids``; ids not yet in ``ids`` are appended to it in
    order of first appearance."""
    import pandas as pd

    codes, uniques = pd.factorize(column)
    for u in uniques:
        if str(u) not in ids:
            ids.append(str(u))
    return np.array([ids.index(str(u)) for u in uniques], dtype=np.intp)[codes]


def arrays_from_tables(tables: dict[str, pd.DataFrame]) -> RunArrays:
    """The wide form of a run's states, presence, powers and groups tables; ids in order of first
    appearance.

    Raises:
        ValueError: unless each table has one row per step (0 to T-1) and entity.
    """
    state_ids: list[str] = []
    power_ids: list[str] = []
    group_ids: list[str] = []
    entity_ids = {"state": state_ids, "power": power_ids, "group": group_ids}

    def wide(name: str) -> dict[str, np.ndarray]:
        df = tables[name]
        keys, values = TABLES[name]
        step = df["step"].to_numpy()
        index = [step] + [_codes(df[k], entity_ids[k]) for k in keys[2:]]
        shape = (int(step.max()) + 1 if len(step) else 0,
                 *(len(entity_ids[k]) for k in keys[2:]))
        flat = np.ravel_multi_index(tuple(index), shape) if len(df) else np.zeros(0, np.intp)
        if len(df) != math.prod(shape) or np.bincount(flat).max(initial=0) > 1:
            raise ValueError(f"the {name} table needs one row per step (0 to T-1) and "
                             f"{', '.join(keys[2:])}")
        out = {}
        for c in values:
            col = df[c]
            values_c = ((col == "military").to_numpy().astype(float) if c == "regime"
                        else col.to_numpy())
            out[c] = np.zeros(shape, dtype=values_c.dtype)
            out[c][tuple(index)] = values_c
        return out

    states, presence = wide("states"), wide("presence")
    powers, groups = wide("powers"), wide("groups")
    return RunArrays(state_ids=tuple(state_ids), power_ids=tuple(power_ids),
                     group_ids=tuple(group_ids), states=states, presence=presence,
                     powers=powers, groups=groups)


def _column_sums(values: np.ndarray) -> np.ndarray:
    """[B, P, K] sums over time of ``values`` [T, B, P, K] (B worlds), each world's as pandas'
    ``groupby("power").sum()`` of its long table computes them: Kahan-compensated in step order
    where the rows of several powers interleave, ``np.add.reduceat`` where there is one power."""
    n_t, n_b, n_p, n_k = values.shape
    if n_p == 1:
        if not n_t:
            return np.zeros((n_b, 1, n_k))
        by_time = np.ascontiguousarray(values[:, :, 0, :].transpose(1, 2, 0))  # [B, K, T]
        return np.add.reduceat(by_time, [0], axis=2).transpose(0, 2, 1)
    total, comp = np.zeros((n_b, n_p, n_k)), np.zeros((n_b, n_p, n_k))
    # an infinite value leaves no compensation in its world
    infinite = ~np.isfinite(values).all(axis=(0, 2, 3))[:, None, None]
    any_infinite = bool(infinite.any())
    for v in values:
        y = v - comp
        t = total + y
        comp = (t - total) - y
        if any_infinite:
            comp[np.isnan(comp) & infinite] = 0.0
        total = t
    return total


@dataclass
class _Actor:
    """A power's or a bloc's numbers over the horizon: its influence (means over the AES
    states; 0 where the world has none) and its :data:`COSTS`, summed."""

    start: float
    end: float
    gain: float
    gain_time_avg: float
    points_held: float
    costs: list[float]

    def summary(self) -> dict[str, Any]:
        """Its part of the summary, costs per point held and gained included."""
        t = dict(zip(COSTS, self.costs))
        net, held, gain = t["net_cost_usd"], self.points_held, self.gain
        cpp_held = net / held if held > 0 else math.inf
        cpp_gain = net / (100.0 * gain) if gain > 0 else math.nan
        return {
            "influence_start": self.start,
            "influence_end": self.end,
            "influence_gain": gain,
            "influence_gain_time_avg": self.gain_time_avg,
            "influence_points_held": held,
            "gross_cost_usd": t["gross_cost_usd"],
            "host_payments_usd": t["host_payments_usd"],
            "concession_revenue_usd": t["concession_revenue_usd"],
            "own_net_cost_usd": net,
            "political_cost_usd": t["political_cost_usd"],
            "full_cost_usd": net + t["political_cost_usd"],
            "casualties": t["casualties"],
            "cost_per_point_held_usd": _finite(cpp_held),
            "cost_per_point_gained_usd": _finite(cpp_gain),
        }


@dataclass
class _Dimension:
    """A dimension of influence in each AES state (:data:`AES` order): russia's and the West's
    values at the horizon's end and averaged over it; the leading power at the end (index of the
    first listed of the highest values, and whether that value is positive)."""

    russia: list[float]
    west: list[float]
    russia_mean: list[float]
    west_mean: list[float]
    leader: list[int]
    positive: list[bool]


@dataclass
class _LikeNumbers:
    """A run's numbers of the like-for-like half of its summary (:func:`_like_summary`).

    Per AES state (:data:`AES` order): ``lead_months``, russia's months leading its security up
    to the horizon's end at the run's margin, and ``lead_by_margin`` at each margin of
    :data:`MARGIN_GRID`; ``share_end``: bloc -> its security share at the end; ``state_totals``:
    (presence column, bloc) -> its sum over the horizon; ``state_points``: bloc -> its security
    points held. Over the AES states: ``totals`` ((presence column, bloc) -> its sum over the
    horizon; blocs ``russia``, ``west`` and ``un``), ``person_months``: bloc -> its personnel
    summed over the horizon; ``security``: bloc -> (security points held, security gain)."""

    dimensions: dict[str, _Dimension]
    lead_months: list[int]
    lead_by_margin: dict[str, list[int]]
    share_end: dict[str, list[float]]
    state_totals: dict[tuple[str, str], list[float]]
    state_points: dict[str, list[float]]
    totals: dict[tuple[str, str], float]
    person_months: dict[str, float]
    security: dict[str, tuple[float, float]]


@dataclass
class _Numbers:
    """A run's numbers over the metrics horizon, which :func:`_assemble` turns into its summary:
    the actors', the largest partner of each state at the end (index of the first power with the
    most influence, and whether it has any; table order), who pays, the fighters at the
    horizon's first and last step, and the like-for-like numbers."""

    russia: _Actor
    west: _Actor
    largest: list[int]
    largest_positive: list[bool]
    who_pays: dict[str, float]
    fighters_start: float
    fighters_end: float
    like: _LikeNumbers


def _verdict(win: bool, cheap: bool) -> str:
    return "both" if win and cheap else "win" if win else "cheap" if cheap else "neither"


def _assemble(n: _Numbers, metrics: MetricsConfig, h0: int, h1: int, states: list[str],
              powers: list[str]) -> dict[str, Any]:
    """The summary of a run from its numbers (the world's state and power ids in array
    order)."""
    aes = [s for s in AES if s in states]
    russia, west_a = n.russia.summary(), n.west.summary()
    r_net, r_held = max(russia["own_net_cost_usd"], 1.0), russia["influence_points_held"]
    r_cpp = r_net / r_held if r_held > 0 else math.inf
    w_cpp = west_a["cost_per_point_held_usd"]
    w_cpp = w_cpp if w_cpp is not None else math.inf
    index = (w_cpp / r_cpp if math.isfinite(r_cpp) and r_cpp > 0
             else 0.0 if math.isfinite(w_cpp) else math.nan)
    largest = {s: powers[top] if positive else None
               for s, top, positive in zip(states, n.largest, n.largest_positive)}
    russia_first = sum(1 for s in aes if largest.get(s) == "russia")
    win = russia_first >= metrics.k
    cheap = bool(west_a["own_net_cost_usd"] > 0
                 and russia["own_net_cost_usd"] <= metrics.phi * west_a["own_net_cost_usd"])
    who_pays = n.who_pays
    like = _like_summary(n.like, aes, powers, metrics)
    return {
        "horizon": {"first_step": h0, "last_step": h1},
        "verdict": like["verdict_like_for_like"],
        "hypothesis": like["hypothesis_like_for_like"],
        "k": metrics.k,
        **like,
        "first_version": {
            "verdict": _verdict(win, cheap),
            "hypothesis": bool(win and cheap),
            "win": bool(win),
            "cheap": cheap,
            "phi": metrics.phi,
            "russia_largest_partner_in": russia_first,
            "cheap_win_index": _finite(index),
            "largest_partner_at_end": largest,
        },
        "russia": russia,
        "west": west_a,
        "host_cost_usd": who_pays["host_cost_usd"],
        "host_paid_russia_usd": who_pays["host_paid_russia_usd"],
        "fatalities_aes": who_pays["fatalities_aes"],
        "civilian_fatalities_aes": who_pays["civilian_fatalities_aes"],
        "fighters_start": n.fighters_start,
        "fighters_end": n.fighters_end,
        "aes_territory_outside_control": who_pays["aes_territory_outside_control"],
        "who_pays": who_pays,
    }


def summarize(tables: dict[str, pd.DataFrame], metrics: MetricsConfig, start: str, end: str,
              ) -> dict[str, Any]:
    """The section-5 numbers of one run from its tables (one row per key, as
    :meth:`sim.record.Recorder.tables` writes them)."""
    return summarize_arrays(arrays_from_tables(tables), metrics, start, end)


def summarize_arrays(arrays: RunArrays, metrics: MetricsConfig, start: str, end: str,
                     ) -> dict[str, Any]:
    """The section-5 numbers of one run from its tables in wide form: the batch path's, on the
    run as a batch of one world (:class:`_OneWorld`)."""
    h0, h1 = horizon_steps(metrics, start, end)
    (numbers,) = _numbers(_OneWorld(arrays), h0, h1, np.array([metrics.security_margin]),
                          np.array([metrics.security_margin_kind == "relative"]))
    return _assemble(numbers, metrics, h0, h1, list(arrays.state_ids), list(arrays.power_ids))


def summarize_batch(recorder: Recorder, metrics: MetricsConfig | Sequence[MetricsConfig],
                    start: str, end: str) -> list[dict[str, Any]]:
    """The section-5 numbers of every world of a batch run, from the recorder's ``[T, B, ...]``
    arrays at once: world b's summary is ``summarize_arrays(recorder.arrays(b), metrics_b,
    start, end)``, bit for bit, without building the worlds' arrays.

    Args:
        recorder: the batch's recorder, every month recorded.
        metrics: the worlds' metrics, one for all or one per world (the worlds with the same
            horizon are summarized together).
        start, end: the run's first and last month (shared by the batch).

    Raises:
        ValueError: neither one metrics nor one per world.
    """
    each = [metrics] * recorder.worlds if isinstance(metrics, MetricsConfig) else list(metrics)
    if len(each) != recorder.worlds:
        raise ValueError(f"metrics: {len(each)} for a batch of {recorder.worlds} worlds; "
                         "allowed: one, or one per world")
    horizons = {id(m): horizon_steps(m, start, end) for m in {id(m): m for m in each}.values()}
    groups: dict[tuple[int, int], list[int]] = {}  # the worlds of each horizon
    for b, m in enumerate(each):
        groups.setdefault(horizons[id(m)], []).append(b)
    states, powers = list(recorder.world.state_ids), list(recorder.world.power_ids)
    out: list[dict[str, Any]] = [{}] * recorder.worlds
    for (h0, h1), worlds in groups.items():
        sel = slice(None) if len(worlds) == recorder.worlds else np.array(worlds)
        margins = np.array([each[b].security_margin for b in worlds])
        relative = np.array([each[b].security_margin_kind == "relative" for b in worlds])
        for b, n in zip(worlds, _numbers(_Recorded(recorder, sel), h0, h1, margins, relative),
                        strict=True):
            out[b] = _assemble(n, each[b], h0, h1, states, powers)
    return out


def _states(x: np.ndarray, rows: list[int]) -> np.ndarray:
    """The states ``rows`` (axis 2) of ``x`` [T, B, S, ...]: a view where they are
    consecutive, else a copy."""
    if rows and rows == list(range(rows[0], rows[0] + len(rows))):
        return x[:, :, rows[0]:rows[0] + len(rows)]
    return np.take(x, rows, axis=2)


class _Recorded:
    """Worlds ``worlds`` of a recorded batch, the columns :func:`_numbers` reads: each
    ``[T, B, ...]`` over the steps ``months``, of the states ``rows`` where asked; the columns
    :meth:`Recorder.arrays` derives, derived alike (for those states only)."""

    def __init__(self, rec: Recorder, worlds: slice | np.ndarray):
        self.rec, self.worlds = rec, worlds
        self.state_ids, self.power_ids = list(rec.world.state_ids), list(rec.world.power_ids)

    def presence(self, col: str, months: slice) -> np.ndarray:
        """[T, B, S, P] a recorded presence column."""
        return self.rec.presence[col][months, self.worlds]

    def political_cost(self, months: slice, rows: list[int]) -> np.ndarray:
        """[T, B, A, P] the presence column ``political_cost_usd``."""
        rec, w = self.rec, self.worlds
        return (_states(rec.casualties[months, w].swapaxes(2, 3), rows)
                * rec.political_cost[months, w][:, :, None, :])

    def personnel(self, p: int, months: slice, rows: list[int]) -> np.ndarray:
        """[T, B, A] power ``p``'s presence column ``personnel``."""
        level = _states(self.rec.level[months, self.worlds][:, :, p], rows)  # [T, B, A, I]
        return (level * self.rec.world.is_person).sum(axis=3)

    def powers(self, months: slice) -> dict[str, np.ndarray]:
        """The powers table's columns, [T, B, P] each."""
        return self.rec.power_columns(self.worlds, months)

    def deaths(self, col: str, months: slice, rows: list[int]) -> np.ndarray:
        """[T, B, A] a fatalities column of the states table (rounded as the table's)."""
        return _states(self.rec.states[col][months, self.worlds], rows).round(6)

    def control(self, step: int) -> np.ndarray:
        """[B, S] the states table's control at ``step``."""
        return self.rec.control(self.worlds, step)

    def fighters(self, step: int) -> np.ndarray | None:
        """[B, G] the groups table's fighters at ``step``; None past the run."""
        fighters = self.rec.groups["fighters"]
        return fighters[step, self.worlds] if step < len(fighters) else None


class _OneWorld:
    """A run's tables in wide form as a batch of one world: :class:`_Recorded`'s columns, each
    a view of the run's with a world axis of length 1 (``[T, 1, ...]``)."""

    def __init__(self, arrays: RunArrays):
        self.arrays = arrays
        self.state_ids, self.power_ids = list(arrays.state_ids), list(arrays.power_ids)

    def presence(self, col: str, months: slice) -> np.ndarray:
        return self.arrays.presence[col][months, None]

    def political_cost(self, months: slice, rows: list[int]) -> np.ndarray:
        return _states(self.presence("political_cost_usd", months), rows)

    def personnel(self, p: int, months: slice, rows: list[int]) -> np.ndarray:
        return _states(self.presence("personnel", months)[..., p], rows)

    def powers(self, months: slice) -> dict[str, np.ndarray]:
        return {c: v[months, None] for c, v in self.arrays.powers.items()}

    def deaths(self, col: str, months: slice, rows: list[int]) -> np.ndarray:
        return _states(self.arrays.states[col][months, None], rows)

    def control(self, step: int) -> np.ndarray:
        return self.arrays.states["control"][step, None]

    def fighters(self, step: int) -> np.ndarray | None:
        fighters = self.arrays.groups["fighters"]
        return fighters[step, None] if step < len(fighters) else None


def _bloc(values: np.ndarray, powers: list[str], members: list[str], share: bool) -> np.ndarray:
    """[...] a bloc's value from ``values`` [..., P]: the sum of its members' shares, or its
    best member's value (``share`` false); 0 for a bloc without members in the world."""
    idx = [powers.index(p) for p in members if p in powers]
    if not idx:
        return np.zeros(values.shape[:-1])
    sub = values[..., idx]
    return sub.sum(axis=-1) if share else sub.max(axis=-1)


def _trailing_run(x: np.ndarray) -> np.ndarray:
    """[...] the number of consecutive True values of ``x`` [T, ...] up to its last row."""
    if not len(x):
        return np.zeros(x.shape[1:], dtype=int)
    rev = x[::-1]
    return np.where(rev.all(axis=0), len(x), np.argmin(rev, axis=0)).astype(int)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _blocs(powers: list[str]) -> dict[str, list[str]]:
    """The blocs' members in the world: ``russia``, ``west`` (the verdict's books, its points and
    its costs: the Western powers but the UN missions, a third party), ``west_bloc`` (the first
    version's influence: with the UN missions) and ``un``."""
    return {"russia": ["russia"] if "russia" in powers else [],
            "west": [p for p in WEST if p in powers and p not in UN_MISSIONS],
            "west_bloc": [p for p in WEST if p in powers],
            "un": [p for p in UN_MISSIONS if p in powers]}


#: The presence columns of a bloc's cash and in-kind costs (summed per state and over the AES).
_COST_COLUMNS = ("spending_usd", "host_paid_usd", "concessions_usd", "arms_delivered_usd",
                 "arms_paid_usd", "political_cost_usd")
#: (presence column, bloc) pairs whose totals the books need
_TOTALS = (*((c, b) for b in ("russia", "west") for c in _COST_COLUMNS),
           *((c, "un") for c in ("spending_usd", "host_paid_usd", "concessions_usd")))




def _books(totals: dict[tuple[str, str], float], bloc: str, person_months: float,
           non_cash_rate: float) -> dict[str, float]:
    """A bloc's costs by basis from its totals (:data:`COST_BASES`): ``cash_usd`` (what its
    treasury paid: spending - the hosts' cash - concessions - arms given), ``in_kind_usd`` (arms
    given or not paid for, at their delivered value: delivered - paid, the part of the spending
    no host paid for), ``casualties_usd`` (its casualties valued), ``non_cash_usd`` (its
    person-months x ``non_cash_rate``), and each basis's total: ``cash``, ``outlays`` (cash + in
    kind), ``full`` (+ casualties + non-cash)."""
    def t(col: str) -> float:
        return totals[(col, bloc)]

    own_net = t("spending_usd") - t("host_paid_usd") - t("concessions_usd")
    in_kind = max(0.0, t("arms_delivered_usd") - t("arms_paid_usd"))
    cash = own_net - in_kind
    casualties = t("political_cost_usd")
    non_cash = non_cash_rate * person_months
    return {"cash_usd": cash, "in_kind_usd": in_kind, "casualties_usd": casualties,
            "non_cash_usd": non_cash, "own_net_cost_usd": own_net, "cash": cash,
            "outlays": cash + in_kind, "full": cash + in_kind + casualties + non_cash}


def _ratio_per_point(r_cost: float, r_points: float, w_cost: float, w_points: float
                     ) -> float | None:
    """Russia's cost per security point over the West's: null where russia holds no points, or
    the West neither holds points nor spent anything (or spent a negative amount per point); 0
    where the West spent without any points."""
    r_cpp = _ratio(r_cost, r_points)
    w_cpp = (_ratio(w_cost, w_points) if w_points > 0
             else math.inf if w_cost > 0 else None)
    if r_cpp is None or w_cpp is None or w_cpp <= 0:
        return None
    return 0.0 if math.isinf(w_cpp) else r_cpp / w_cpp


def _like_summary(n: _LikeNumbers, aes: list[str], powers: list[str], metrics: MetricsConfig,
                  ) -> dict[str, Any]:
    """The verdict's half of a run's summary (module docstring) from its numbers: influence by
    dimension, the graded answer per AES state, the books by cost basis, and the binary views of
    them at the run's thresholds (``metrics``: ``k``, ``security_months``, ``security_margin``
    and its kind, ``cheap_cost_ratio``, ``cost_basis``, ``non_cash_usd_per_person_month``,
    ``un_share_russia`` and ``un_share_west``)."""
    by_dim = {dim: {s: {"russia": d.russia[a], "west": d.west[a],
                        "russia_mean": d.russia_mean[a], "west_mean": d.west_mean[a]}
                    for a, s in enumerate(aes)}
              for dim, d in n.dimensions.items()}
    leaders = {s: {dim: powers[d.leader[a]] if d.positive[a] else None
                   for dim, d in n.dimensions.items()} for a, s in enumerate(aes)}
    lead_in = [s for a, s in enumerate(aes) if n.lead_months[a] >= metrics.security_months]
    security_win = len(lead_in) >= metrics.k

    rate = metrics.non_cash_usd_per_person_month
    books = {b: _books(n.totals, b, n.person_months[b], rate) for b in ("russia", "west")}
    ratios = {basis: _ratio_per_point(books["russia"][basis], n.security["russia"][0],
                                      books["west"][basis], n.security["west"][0])
              for basis in COST_BASES}
    cost_ratio = ratios[metrics.cost_basis]
    cheap = cost_ratio is not None and cost_ratio <= metrics.cheap_cost_ratio

    def bloc_costs(bloc: str) -> dict[str, Any]:
        held, gain = n.security[bloc]
        b = books[bloc]
        return {**{k: b[k] for k in ("cash_usd", "in_kind_usd", "casualties_usd",
                                     "non_cash_usd", "own_net_cost_usd")},
                "political_cost_usd": b["casualties_usd"], "full_cost_usd": b["full"],
                "by_basis_usd": {basis: b[basis] for basis in COST_BASES},
                "security_points_held": held, "security_gain": gain,
                "cost_per_security_point_usd": {basis: _ratio(b[basis], held)
                                                for basis in COST_BASES},
                "person_months": n.person_months[bloc]}

    un_cost = (n.totals[("spending_usd", "un")] - n.totals[("host_paid_usd", "un")]
               - n.totals[("concessions_usd", "un")])
    by_state = {}
    for a, s in enumerate(aes):
        state_books = {b: _books({k: v[a] for k, v in n.state_totals.items()}, b, 0.0, 0.0)
                       for b in ("russia", "west")}
        r_pts, w_pts = n.state_points["russia"][a], n.state_points["west"][a]
        r_cash, w_cash = state_books["russia"]["cash"], state_books["west"]["cash"]
        by_state[s] = {
            "lead_months": n.lead_months[a],
            "lead_months_by_margin": {m: v[a] for m, v in n.lead_by_margin.items()},
            "russia_share_end": n.share_end["russia"][a],
            "west_share_end": n.share_end["west"][a],
            "share_gap": n.share_end["russia"][a] - n.share_end["west"][a],
            "russia_points_held": r_pts, "west_points_held": w_pts,
            "russia_cash_usd": r_cash, "west_cash_usd": w_cash,
            "russia_cash_per_point_usd": _ratio(r_cash, r_pts),
            "west_cash_per_point_usd": _ratio(w_cash, w_pts),
            "cash_ratio": _ratio_per_point(r_cash, r_pts, w_cash, w_pts),
        }
    return {
        "verdict_like_for_like": _verdict(security_win, cheap),
        "hypothesis_like_for_like": bool(security_win and cheap),
        "security_win": bool(security_win),
        "cheap": bool(cheap),
        "cheap_like_for_like": bool(cheap),
        "cost_basis": metrics.cost_basis,
        "cost_ratio": cost_ratio,
        "cost_ratio_by_basis": ratios,
        "security_margin": metrics.security_margin,
        "security_margin_kind": metrics.security_margin_kind,
        "security_months": metrics.security_months,
        "cheap_cost_ratio": metrics.cheap_cost_ratio,
        "by_state": by_state,
        "russia_security_lead_months": {s: n.lead_months[a] for a, s in enumerate(aes)},
        "russia_security_leader_in": len(lead_in),
        "influence_by_dimension": by_dim,
        "leaders_at_end": leaders,
        "costs_like_for_like": {
            "russia": bloc_costs("russia"),
            "west": {**bloc_costs("west"), "members": _blocs(powers)["west"]},
            # a third party: in neither bloc's books; each bloc's assessed share beside them
            "un_missions": {"members": _blocs(powers)["un"], "cost_usd": un_cost,
                            "russia_assessed_usd": metrics.un_share_russia * un_cost,
                            "west_assessed_usd": metrics.un_share_west * un_cost}},
    }


def _sums(x: np.ndarray) -> np.ndarray:
    """[B] each world's sum of ``x`` [T, B, ...]: the sum of its flattened ``[T, ...]`` array
    (each world's values copied to a contiguous row, in that order)."""
    return np.ascontiguousarray(x.swapaxes(0, 1)).reshape(x.shape[1], -1).sum(axis=1)


def _means(x: np.ndarray) -> np.ndarray:
    """[B] each world's mean of ``x`` [T, B, ...]: the mean of its flattened ``[T, ...]``
    array."""
    return np.ascontiguousarray(x.swapaxes(0, 1)).reshape(x.shape[1], -1).mean(axis=1)


def _time_means(x: np.ndarray) -> np.ndarray:
    """[B, A] each world's means over time of ``x`` [T, B, A], each over a contiguous row."""
    return np.ascontiguousarray(x.transpose(1, 2, 0)).mean(axis=2)


def _numbers(src: _Recorded | _OneWorld, h0: int, h1: int, margins: np.ndarray,
             relative: np.ndarray) -> list[_Numbers]:
    """The :class:`_Numbers` of each world of ``src`` over the horizon ``h0..h1`` (``margins``:
    each world's ``security_margin``): the one implementation of the hypothesis numbers.

    The arrays keep the ``[T, B, ...]`` order; a sum or mean over several axes runs over each
    world's values in the order of its flattened ``[T, ...]`` array (:func:`_sums`,
    :func:`_means`), a mean over time over a contiguous row (:func:`_time_means`), and a sum
    over powers or states over the last axis: each world's the same whatever its batch."""
    states, powers = src.state_ids, src.power_ids
    months = slice(h0, h1 + 1)
    pres = {c: src.presence(c, months) for c in (  # [T, B, S, P]
        "influence", *DIMENSIONS.values(), "spending_usd", "host_paid_usd", "concessions_usd",
        "arms_delivered_usd", "arms_paid_usd")}
    n_t, n_b = pres["influence"].shape[:2]
    aes = [s for s in AES if s in states]
    rows = [states.index(s) for s in aes]  # in AES order
    table_rows = sorted(rows)  # in table order
    blocs = _blocs(powers)
    zeros = np.zeros(n_b)

    def members(x: np.ndarray, names: list[str]) -> np.ndarray:
        """[T, B, A, m] the powers ``names`` (last axis) of ``x`` [T, B, A, P]."""
        return np.take(x, [powers.index(p) for p in names], axis=3)

    aes_pres = {c: _states(v, rows) for c, v in pres.items()}  # [T, B, A, P]
    aes_pres["political_cost_usd"] = src.political_cost(months, rows)

    def actor(names: list[str]) -> dict[str, np.ndarray]:
        if not aes:
            return {"start": zeros, "end": zeros, "gain": zeros, "gain_time_avg": zeros,
                    "points_held": zeros}
        series = (members(aes_pres["influence"], names).sum(axis=3) if names
                  else np.zeros((n_t, n_b, len(aes))))  # [T, B, A]
        start_v, end_v = series[0], series[-1]
        return {"start": start_v.mean(axis=1), "end": end_v.mean(axis=1),
                "gain": (end_v - start_v).mean(axis=1), "gain_time_avg": _means(series - start_v),
                "points_held": 100.0 * _means(series)}

    power_columns = src.powers(months)
    totals = _column_sums(np.stack([power_columns[c] for c in COSTS], axis=3))  # [B, P, K]

    def costs(names: list[str]) -> np.ndarray:
        """[B, K] the powers' :data:`COSTS` over the horizon, each column's sum."""
        rows_k = totals[:, [powers.index(p) for p in names]]
        return np.ascontiguousarray(rows_k.transpose(0, 2, 1)).sum(axis=2)

    # the largest partner of every state at the end: the first power with the most influence
    end_influence = pres["influence"][-1]  # [B, S, P]
    largest = end_influence.argmax(axis=2)
    largest_positive = np.take_along_axis(end_influence, largest[..., None], axis=2)[..., 0] > 0

    # who pays, over the AES states in table order
    host_paid = _states(pres["host_paid_usd"], table_rows)  # [T, B, A, P]
    concessions = _states(pres["concessions_usd"], table_rows)
    deaths = {c: _sums(src.deaths(c, months, table_rows))
              for c in ("civilian_fatalities", "fatalities")}
    r = powers.index("russia") if "russia" in powers else None
    who_pays = {
        "host_cost_usd": _sums(host_paid + concessions),
        "host_paid_russia_usd": (_sums(host_paid[..., r]) + _sums(concessions[..., r])
                                 if r is not None else zeros),
        "civilian_fatalities_aes": deaths["civilian_fatalities"],
        "fatalities_aes": deaths["fatalities"],
        "aes_territory_outside_control": (1.0 - src.control(h1)[:, table_rows].mean(axis=1)
                                          if table_rows else zeros),
    }

    def fighters_at(step: int) -> np.ndarray:
        """[B] all groups' fighters at ``step`` (a groupby sum of the groups table's rows)."""
        fighters = src.fighters(step)  # [B, G]
        if fighters is None or not fighters.shape[1]:
            return zeros
        return np.add.reduceat(fighters, [0], axis=1)[:, 0]

    west = [p for p in WEST if p in powers]
    lists = _as_lists({
        "russia": {**actor(blocs["russia"]), "costs": costs(blocs["russia"])},
        "west": {**actor(west), "costs": costs(west)},
        "largest": largest, "largest_positive": largest_positive, "who_pays": who_pays,
        "fighters_start": fighters_at(h0), "fighters_end": fighters_at(h1)})
    like = _like_numbers(src, aes_pres, months, margins, relative, aes, rows, members)
    return [_Numbers(russia=_Actor(**_world(lists["russia"], b)),
                     west=_Actor(**_world(lists["west"], b)),
                     largest=lists["largest"][b], largest_positive=lists["largest_positive"][b],
                     who_pays=_world(lists["who_pays"], b),
                     fighters_start=lists["fighters_start"][b],
                     fighters_end=lists["fighters_end"][b], like=like[b])
            for b in range(n_b)]


def _as_lists(tree: dict[str, Any]) -> dict[str, Any]:
    """``tree`` with every array replaced by its :meth:`numpy.ndarray.tolist` (Python floats,
    ints and bools)."""
    return {k: _as_lists(v) if isinstance(v, dict) else v.tolist() for k, v in tree.items()}


def _world(tree: dict[str, Any], b: int) -> dict[str, Any]:
    """World ``b``'s values of ``tree``, a dict of lists over the worlds."""
    return {k: v[b] for k, v in tree.items()}


def _like_numbers(src: _Recorded | _OneWorld, aes_pres: dict[str, np.ndarray], months: slice,
                  margins: np.ndarray, relative: np.ndarray, aes: list[str], rows: list[int],
                  members: Callable[[np.ndarray, list[str]], np.ndarray],
                  ) -> list[_LikeNumbers]:
    """The :class:`_LikeNumbers` of every world of ``aes_pres`` (``src``'s presence columns
    ``[T, B, A, P]`` over the horizon ``months`` and its AES states, whose rows are ``rows``;
    ``members`` picks powers from them; ``margins`` and ``relative``: each world's security
    margin and whether it is relative)."""
    powers = src.power_ids
    n_t, n_b = aes_pres["influence"].shape[:2]
    blocs = _blocs(powers)
    russia, west = blocs["russia"], blocs["west"]

    dimensions: dict[str, dict[str, Any]] = {}
    for dim, col in DIMENSIONS.items():
        share = dim in SHARE_DIMENSIONS
        at = aes_pres[col]
        r_v, w_v = _bloc(at, powers, russia, share), _bloc(at, powers, west, share)
        end = at[-1]  # [B, A, P]
        leader = end.argmax(axis=2)
        dimensions[dim] = _as_lists({
            "russia": r_v[-1], "west": w_v[-1], "russia_mean": _time_means(r_v),
            "west_mean": _time_means(w_v), "leader": leader,
            "positive": np.take_along_axis(end, leader[..., None], axis=2)[..., 0] > 0})

    sec = aes_pres["security_share"]
    r_sec, w_sec = _bloc(sec, powers, russia, True), _bloc(sec, powers, west, True)
    others = [powers.index(p) for p in powers if p not in russia and p not in west]
    rival = sec[..., others].max(axis=3) if others else np.zeros_like(r_sec)
    base = (r_sec > 0) & (r_sec >= rival)  # [T, B, A]
    gap = r_sec - w_sec

    def lead(margin: np.ndarray, rel: np.ndarray) -> np.ndarray:
        """[B, A] the trailing months of lead at each world's margin ([B] each)."""
        need = np.where(rel[:, None], margin[:, None] * r_sec, margin[:, None])
        return _trailing_run(base & (gap >= need))

    lead_months = lead(margins, relative).tolist()
    lead_by_margin = {name: lead(np.full(n_b, m), np.full(n_b, kind == "relative")).tolist()
                      for name, (kind, m) in MARGIN_GRID.items()}

    def total(col: str, names: list[str]) -> list[float]:
        """Each world's sum of the powers' ``col`` over the horizon and the AES states."""
        if not names or not aes:
            return [0.0] * n_b
        return _sums(members(aes_pres[col], names)).tolist()

    def state_total(col: str, names: list[str]) -> list[list[float]]:
        """Each world's sums of the powers' ``col`` over the horizon, per AES state."""
        if not names or not aes:
            return [[0.0] * len(aes) for _ in range(n_b)]
        by_time = members(aes_pres[col], names).sum(axis=3)  # [T, B, A]
        return np.ascontiguousarray(by_time.transpose(1, 2, 0)).sum(axis=2).tolist()

    totals = {(c, b): total(c, blocs[b]) for c, b in _TOTALS}
    state_totals = {(c, b): state_total(c, blocs[b]) for c in _COST_COLUMNS
                    for b in ("russia", "west")}

    def person_months(names: list[str]) -> list[float]:
        if not names or not aes:
            return [0.0] * n_b
        out = np.zeros(n_b)
        for p in names:
            out = out + _sums(src.personnel(powers.index(p), months, rows))
        return out.tolist()

    people = {"russia": person_months(russia), "west": person_months(west)}

    def points(series: np.ndarray) -> list[tuple[float, float]]:
        """Each world's (security points held, security gain) of ``series`` [T, B, A]."""
        if not aes:
            return [(0.0, 0.0)] * n_b
        held = (100.0 * _means(series)).tolist()
        gain = (series[-1] - series[0]).mean(axis=1).tolist()
        return list(zip(held, gain, strict=True))

    security = {"russia": points(r_sec), "west": points(w_sec)}
    no_states = [[] for _ in range(n_b)]
    state_points = ({"russia": (100.0 * _time_means(r_sec)).tolist(),
                     "west": (100.0 * _time_means(w_sec)).tolist()} if aes
                    else {"russia": no_states, "west": no_states})
    share_end = ({"russia": r_sec[-1].tolist(), "west": w_sec[-1].tolist()} if n_t and aes
                 else {"russia": no_states, "west": no_states})
    return [_LikeNumbers(dimensions={dim: _Dimension(**_world(d, b))
                                     for dim, d in dimensions.items()},
                         lead_months=lead_months[b],
                         lead_by_margin={k: v[b] for k, v in lead_by_margin.items()},
                         share_end={k: v[b] for k, v in share_end.items()},
                         state_totals={k: v[b] for k, v in state_totals.items()},
                         state_points={k: v[b] for k, v in state_points.items()},
                         totals={k: v[b] for k, v in totals.items()},
                         person_months={k: v[b] for k, v in people.items()},
                         security={k: v[b] for k, v in security.items()})
            for b in range(n_b)]
