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

__all__ = ["arrays_from_tables", "horizon_steps", "summarize", "summarize_arrays"]


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
        "host_cost_usd": float(np.ravel(host_paid + concessions).sum()),
        "host_paid_russia_usd": (float(np.ravel(host_paid[..., r]).sum()
                                       + np.ravel(concessions[..., r]).sum())
                                 if r is not None else 0.0),
        "fatalities_aes": float(st["fatalities"].sum()),
        "civilian_fatalities_aes": float(st["civilian_fatalities"].sum()),
        "fighters_start": fighters_at(h0),
        "fighters_end": fighters_at(h1),
        "aes_territory_outside_control": (float(1.0 - end_control.mean())
                                          if aes_rows else 0.0),
    }
