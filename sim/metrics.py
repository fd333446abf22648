"""The hypothesis as numbers (docs/ODD.md section 8), computed from a run's output tables only
(or from the same columns in wide form, :class:`sim.record.RunArrays`, as :func:`sim.api.run`
does).

Definitions (docs/ODD.md, "Observation", says why):

- influence gain of a power: mean over the AES states of its influence in the last month of the
  horizon minus the first; also time-averaged (mean over the horizon of influence minus the first
  month's). ``west``'s influence in a state is the sum of france, usa, un and eu.
- own net cost: gross spending - host payments - concession revenue, summed over the horizon.
- full cost: own net cost + political cost of its casualties.
- cost per influence point: own net cost / influence points held, where points held = 100 x the
  mean over the AES states of the power's time-averaged influence share. (Per point *gained* is
  reported beside it; it is undefined where the gain is not positive, as it is for a power that
  loses influence.)
- cheap-win index = west's cost per point / russia's (russia's own net cost floored at USD 1, so
  that a free win gives a large finite index). Above 1: russia buys influence more cheaply.
- win: russia is the largest foreign partner in at least ``k`` AES states at the end.
- cheap: russia's own net cost <= ``phi`` x west's.
- verdict: ``both`` (the hypothesis holds), ``win``, ``cheap`` or ``neither``.

Like for like (issue 11; the headline, docs/ODD.md section 8 says why), Russia against the West
as blocs, over the horizon and the AES states only:

- influence by dimension: security (share of the host's security capacity), arms (share of the
  12-month arms memory), aid (share of the aid), diplomatic (the regime's standing of the
  partner, or the agreement flag where regimes do not rank partners) and opinion
  (receptivity). A bloc's share is the sum of its members'; its diplomatic and opinion values
  are its best member's.
- security win: in a state, russia leads the host's security for at least
  ``security_months`` consecutive months up to the horizon's end: its share exceeds the West's
  by ``security_margin`` and is not below any other single power's. ``security_win``: in at
  least ``k`` AES states.
- full cost by who pays: russia's own net cost in the AES (gross - host cash - concessions; arms
  given or not paid for are in it) + political cost of its casualties there + a reputational
  and sanctions cost per state-month present + its assessed share of the UN missions' cost there;
  the West's: france, usa and eu's own net and political costs there + the Western members'
  assessed share of the UN missions' cost (the rest of a mission is paid by other members).
- ``cost_ratio``: russia's full cost per security point held over the West's (a point = 0.01 of
  security share, time-averaged over the horizon and the AES states); ``cheap_like_for_like``:
  ``cost_ratio <= cheap_cost_ratio``.
- ``verdict_like_for_like``: ``both``, ``win``, ``cheap`` or ``neither`` of these two.
- ``who_pays``: what the hosts paid, deaths and territory lost, beside every verdict.

Sums over months are the ones a pandas ``groupby(...).sum()`` of the tables gives (compensated,
in row order), so that the summary does not depend on which form of the outputs it is read from.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.config import AES, WEST, MetricsConfig, parse_month
from sim.record import TABLES, RunArrays

__all__ = ["DIMENSIONS", "UN_MISSIONS", "arrays_from_tables", "horizon_steps", "summarize",
           "summarize_arrays"]

#: Dimension of influence -> its presence column (docs/ODD.md section 8).
DIMENSIONS = {"security": "security_share", "arms": "arms_share", "aid": "aid_share",
              "diplomatic": "diplomatic", "opinion": "receptivity"}
#: Dimensions that are shares: a bloc's value is the sum of its members' (else its best member's).
SHARE_DIMENSIONS = ("security", "arms", "aid")
#: Powers that are UN missions: their cost is paid by the UN members' assessed shares.
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
    """[P, K] sums over time of ``values`` [T, P, K], as pandas' ``groupby("power").sum()`` of
    the long table computes them: Kahan-compensated in step order where the rows of several
    powers interleave, ``np.add.reduceat`` where there is one power."""
    n_t, n_p, n_k = values.shape
    if n_p == 1:
        return np.add.reduceat(values[:, 0, :].T.copy(), [0], axis=1).T if n_t else \
            np.zeros((1, n_k))
    total, comp = np.zeros((n_p, n_k)), np.zeros((n_p, n_k))
    finite = bool(np.isfinite(values).all())
    for v in values:
        y = v - comp
        t = total + y
        comp = (t - total) - y
        if not finite:
            comp[np.isnan(comp)] = 0.0  # an infinite value leaves no compensation
        total = t
    return total


def summarize(tables: dict[str, pd.DataFrame], metrics: MetricsConfig, start: str, end: str,
              ) -> dict[str, Any]:
    """The section-5 numbers of one run from its tables (one row per key, as
    :meth:`sim.record.Recorder.tables` writes them)."""
    return summarize_arrays(arrays_from_tables(tables), metrics, start, end)


def summarize_arrays(arrays: RunArrays, metrics: MetricsConfig, start: str, end: str,
                     ) -> dict[str, Any]:
    """The section-5 numbers of one run from its tables in wide form."""
    h0, h1 = horizon_steps(metrics, start, end)
    states, powers = list(arrays.state_ids), list(arrays.power_ids)
    pres = {k: v[h0:h1 + 1] for k, v in arrays.presence.items()}
    aes = [s for s in AES if s in states]
    aes_rows = sorted(states.index(s) for s in aes)  # the AES states in table order
    west = [p for p in WEST if p in powers]
    # sums and means below run over C-ordered (flattened) arrays: the order of the table's rows
    infl = np.ascontiguousarray(pres["influence"][:, [states.index(s) for s in aes]])  # [T, A, P]

    def influence_of(members: list[str]) -> np.ndarray:
        """[T, n_aes] influence of a power or a bloc."""
        if not aes or not members:
            return np.zeros((h1 - h0 + 1, len(aes)))
        return np.ascontiguousarray(infl[:, :, [powers.index(p) for p in members]]).sum(axis=2)

    costs = np.stack([arrays.powers[c][h0:h1 + 1] for c in COSTS], axis=2)  # [T, P, K]
    totals = _column_sums(costs)

    def actor(members: list[str]) -> dict[str, Any]:
        series = influence_of(members)
        start_v, end_v = series[0], series[-1]
        gain = float(np.mean(end_v - start_v)) if aes else 0.0
        gain_avg = float(np.mean(series - start_v)) if aes else 0.0
        held = 100.0 * float(np.mean(series)) if aes else 0.0
        rows = totals[[powers.index(p) for p in members]]
        t = dict(zip(COSTS, rows.T.copy().sum(axis=1).tolist()))  # each column's sum
        net = t["net_cost_usd"]
        cpp_held = net / held if held > 0 else math.inf
        cpp_gain = net / (100.0 * gain) if gain > 0 else math.nan
        return {
            "influence_start": float(np.mean(start_v)) if aes else 0.0,
            "influence_end": float(np.mean(end_v)) if aes else 0.0,
            "influence_gain": gain,
            "influence_gain_time_avg": gain_avg,
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

    russia = actor(["russia"] if "russia" in powers else [])
    west_a = actor(west)
    r_net = max(russia["own_net_cost_usd"], 1.0)
    r_cpp = r_net / russia["influence_points_held"] if russia["influence_points_held"] > 0 else math.inf
    w_cpp = west_a["cost_per_point_held_usd"] if west_a["cost_per_point_held_usd"] is not None else math.inf
    index = w_cpp / r_cpp if math.isfinite(r_cpp) and r_cpp > 0 else (0.0 if math.isfinite(w_cpp) else math.nan)

    # the largest partner of every state at the end: the first power with the most influence
    largest: dict[str, str | None] = {}
    for s, row in zip(states, pres["influence"][-1]):
        top = int(np.argmax(row))
        largest[s] = powers[top] if row[top] > 0 else None
    russia_first = sum(1 for s in aes if largest.get(s) == "russia")
    win = russia_first >= metrics.k
    cheap = bool(west_a["own_net_cost_usd"] > 0
                 and russia["own_net_cost_usd"] <= metrics.phi * west_a["own_net_cost_usd"])
    verdict = "both" if win and cheap else "win" if win else "cheap" if cheap else "neither"

    st = {k: np.ravel(v[h0:h1 + 1, aes_rows]) for k, v in arrays.states.items()}  # [T x n_aes]
    host_paid = pres["host_paid_usd"][:, aes_rows]  # [T, n_aes, P]
    concessions = pres["concessions_usd"][:, aes_rows]
    r = powers.index("russia") if "russia" in powers else None
    end_control = st["control"][-len(aes_rows):] if aes_rows else st["control"]
    fighters = arrays.groups["fighters"]  # [T, G]

    def fighters_at(step: int) -> float:
        """All groups' fighters at ``step`` (a groupby sum of the groups table's rows)."""
        if step >= len(fighters) or not fighters.shape[1]:
            return 0.0
        return float(np.add.reduceat(fighters[step], [0])[0])

    who_pays = {
        "host_cost_usd": float(np.ravel(host_paid + concessions).sum()),
        "host_paid_russia_usd": (float(np.ravel(host_paid[..., r]).sum()
                                       + np.ravel(concessions[..., r]).sum())
                                 if r is not None else 0.0),
        "civilian_fatalities_aes": float(st["civilian_fatalities"].sum()),
        "fatalities_aes": float(st["fatalities"].sum()),
        "aes_territory_outside_control": (float(1.0 - end_control.mean())
                                          if aes_rows else 0.0),
    }
    like = like_for_like(pres, states, powers, aes, metrics)
    return {
        "horizon": {"first_step": h0, "last_step": h1},
        "verdict": verdict,
        "hypothesis": bool(win and cheap),
        "win": bool(win),
        "cheap": cheap,
        "k": metrics.k,
        "phi": metrics.phi,
        "russia_largest_partner_in": russia_first,
        "cheap_win_index": _finite(index),
        "russia": russia,
        "west": west_a,
        "largest_partner_at_end": largest,
        "host_cost_usd": who_pays["host_cost_usd"],
        "host_paid_russia_usd": who_pays["host_paid_russia_usd"],
        "fatalities_aes": who_pays["fatalities_aes"],
        "civilian_fatalities_aes": who_pays["civilian_fatalities_aes"],
        "fighters_start": fighters_at(h0),
        "fighters_end": fighters_at(h1),
        "aes_territory_outside_control": who_pays["aes_territory_outside_control"],
        **like,
        "who_pays": who_pays,
    }


def _bloc(values: np.ndarray, powers: list[str], members: list[str], share: bool) -> np.ndarray:
    """[T, A] a bloc's value from ``values`` [T, A, P]: the sum of its members' shares, or its
    best member's value (``share`` false); 0 for a bloc without members in the world."""
    idx = [powers.index(p) for p in members if p in powers]
    if not idx:
        return np.zeros(values.shape[:2])
    sub = values[:, :, idx]
    return sub.sum(axis=2) if share else sub.max(axis=2)


def _trailing_run(x: np.ndarray) -> np.ndarray:
    """[A] the number of consecutive True values of ``x`` [T, A] up to its last row."""
    if not len(x):
        return np.zeros(x.shape[1], dtype=int)
    rev = x[::-1]
    return np.where(rev.all(axis=0), len(x), np.argmin(rev, axis=0)).astype(int)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def like_for_like(pres: dict[str, np.ndarray], states: list[str], powers: list[str],
                  aes: list[str], metrics: MetricsConfig) -> dict[str, Any]:
    """The like-for-like half of the summary (module docstring): influence by dimension, the
    security win, the full cost by who pays, the cost ratio and their verdict.

    Args:
        pres: the presence columns over the horizon, [T, S, P] each.
        states, powers: the ids along the S and P axes.
        aes: the AES states of the world, in :data:`AES` order.
        metrics: ``k``, ``security_margin``, ``security_months``, ``cheap_cost_ratio``,
            ``un_share_russia``, ``un_share_west`` and ``russia_reputation_usd``.
    """
    rows = [states.index(s) for s in aes]
    west = [p for p in WEST if p in powers and p not in UN_MISSIONS]
    west_bloc = [p for p in WEST if p in powers]
    russia = ["russia"] if "russia" in powers else []
    un = [p for p in UN_MISSIONS if p in powers]
    at = {c: np.ascontiguousarray(pres[c][:, rows]) for c in (
        *DIMENSIONS.values(), "spending_usd", "host_paid_usd", "concessions_usd",
        "arms_delivered_usd", "arms_paid_usd", "political_cost_usd", "personnel")}  # [T, A, P]

    # influence by dimension: each bloc at the end and averaged over the horizon; the leading
    # power of each dimension at the end (the first listed of the highest positive values)
    by_dim: dict[str, dict[str, dict[str, float]]] = {}
    leaders: dict[str, dict[str, str | None]] = {s: {} for s in aes}
    for dim, col in DIMENSIONS.items():
        share = dim in SHARE_DIMENSIONS
        r_v, w_v = _bloc(at[col], powers, russia, share), _bloc(at[col], powers, west_bloc, share)
        by_dim[dim] = {s: {"russia": float(r_v[-1, a]), "west": float(w_v[-1, a]),
                           "russia_mean": float(r_v[:, a].mean()),
                           "west_mean": float(w_v[:, a].mean())}
                       for a, s in enumerate(aes)}
        for a, s in enumerate(aes):
            row = at[col][-1, a]
            top = int(np.argmax(row)) if len(row) else 0
            leaders[s][dim] = powers[top] if len(row) and row[top] > 0 else None

    # the security win: russia leads each host's security against the West as a bloc, by the
    # margin, and is behind no other single power, for the last security_months months
    sec = at["security_share"]
    r_sec, w_sec = _bloc(sec, powers, russia, True), _bloc(sec, powers, west_bloc, True)
    others = [powers.index(p) for p in powers if p not in russia and p not in west_bloc]
    rival = sec[:, :, others].max(axis=2) if others else np.zeros_like(r_sec)
    leads = (r_sec > 0) & (r_sec - w_sec >= metrics.security_margin) & (r_sec >= rival)
    months = _trailing_run(leads)
    lead_in = [s for a, s in enumerate(aes) if months[a] >= metrics.security_months]
    security_win = len(lead_in) >= metrics.k

    # full cost over the horizon in the AES states, by who pays
    def total(col: str, members: list[str]) -> float:
        idx = [powers.index(p) for p in members]
        return float(np.ravel(at[col][:, :, idx]).sum()) if idx and aes else 0.0

    def own_net(members: list[str]) -> float:
        return (total("spending_usd", members) - total("host_paid_usd", members)
                - total("concessions_usd", members))

    un_cost = own_net(un)
    present = (np.ravel(at["personnel"][:, :, powers.index("russia")] > 0).sum()
               if russia and aes else 0)

    def points(series: np.ndarray) -> tuple[float, float]:
        """(points held: 100 x the mean share over the horizon and the AES states, gain: the
        mean share at the end minus at the start)."""
        if not aes:
            return 0.0, 0.0
        return 100.0 * float(series.mean()), float(np.mean(series[-1] - series[0]))

    def bloc_cost(members: list[str], un_share: float, series: np.ndarray,
                  extra: dict[str, float]) -> dict[str, Any]:
        net, political = own_net(members), total("political_cost_usd", members)
        un_part = un_share * un_cost
        full = net + political + un_part + sum(extra.values())
        held, gain = points(series)
        return {"own_net_cost_usd": net, "political_cost_usd": political, **extra,
                "un_share_usd": un_part, "full_cost_usd": full, "security_points_held": held,
                "security_gain": gain,
                "cost_per_security_point_usd": _ratio(full, held),
                "cost_per_security_point_gained_usd": _ratio(full, 100.0 * gain)}

    r_cost = bloc_cost(russia, metrics.un_share_russia, r_sec, {
        "reputation_usd": metrics.russia_reputation_usd * float(present)})
    # arms given, or not paid for, at their delivered value: already in the own net cost (the
    # exporter books delivered x arms_cost_ratio as gross and the host pays only part of it)
    r_cost["of_which_arms_in_kind_usd"] = (total("arms_delivered_usd", russia)
                                           - total("arms_paid_usd", russia))
    w_cost = bloc_cost(west, metrics.un_share_west, w_sec, {})
    w_cost["members"] = west

    # cost per point, russia over the West: null where russia holds no security points, or the
    # West neither holds points nor spent anything; 0 where the West spent without any points
    r_cpp, w_held = r_cost["cost_per_security_point_usd"], w_cost["security_points_held"]
    w_cpp = (w_cost["cost_per_security_point_usd"] if w_held > 0
             else math.inf if w_cost["full_cost_usd"] > 0 else None)
    cost_ratio = (None if r_cpp is None or w_cpp is None or w_cpp <= 0
                  else 0.0 if math.isinf(w_cpp) else r_cpp / w_cpp)
    cheap = cost_ratio is not None and cost_ratio <= metrics.cheap_cost_ratio
    verdict = ("both" if security_win and cheap else "win" if security_win
               else "cheap" if cheap else "neither")
    return {
        "verdict_like_for_like": verdict,
        "hypothesis_like_for_like": bool(security_win and cheap),
        "security_win": bool(security_win),
        "cheap_like_for_like": bool(cheap),
        "cost_ratio": cost_ratio,
        "security_margin": metrics.security_margin,
        "security_months": metrics.security_months,
        "cheap_cost_ratio": metrics.cheap_cost_ratio,
        "russia_security_lead_months": {s: int(months[a]) for a, s in enumerate(aes)},
        "russia_security_leader_in": len(lead_in),
        "influence_by_dimension": by_dim,
        "leaders_at_end": leaders,
        "costs_like_for_like": {
            "russia": r_cost, "west": w_cost, "un_missions_cost_usd": un_cost,
            "un_paid_by_other_members_usd": max(
                0.0, 1.0 - metrics.un_share_russia - metrics.un_share_west) * un_cost},
    }
