"""The hypothesis as numbers (MODEL.md section 5), computed from a run's output tables only.

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
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.config import AES, WEST, MetricsConfig, parse_month

__all__ = ["summarize", "horizon_steps"]


def horizon_steps(metrics: MetricsConfig, start: str, end: str) -> tuple[int, int]:
    """First and last step (inclusive) of the metrics horizon."""
    s0 = parse_month(start, "start")
    h0 = parse_month(metrics.horizon_start, "metrics.horizon_start") - s0 if metrics.horizon_start else 0
    h1 = (parse_month(metrics.horizon_end, "metrics.horizon_end") if metrics.horizon_end
          else parse_month(end, "end")) - s0
    return h0, h1


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def summarize(tables: dict[str, pd.DataFrame], metrics: MetricsConfig, start: str, end: str,
              ) -> dict[str, Any]:
    """The section-5 numbers of one run from its tables."""
    h0, h1 = horizon_steps(metrics, start, end)
    pres = tables["presence"]
    pres = pres[(pres["step"] >= h0) & (pres["step"] <= h1)]
    powers_ids = list(pres["power"].unique())
    present_states = set(pres["state"].unique())
    aes = [s for s in AES if s in present_states]
    infl = pres[pres["state"].isin(aes)].pivot_table(index="step", columns=["state", "power"],
                                                     values="influence", aggfunc="first")
    west = [p for p in WEST if p in powers_ids]

    def influence_of(members: list[str]) -> np.ndarray:
        """[T, n_aes] influence of a power or a bloc."""
        n_steps = h1 - h0 + 1
        cols = [np.asarray(infl[(s, p)]) for s in aes for p in members]
        if not cols:
            return np.zeros((n_steps, len(aes)))
        arr = np.stack(cols, axis=1).reshape(len(infl), len(aes), len(members))
        return arr.sum(axis=2)

    pw = tables["powers"]
    pw = pw[(pw["step"] >= h0) & (pw["step"] <= h1)]
    totals = pw.groupby("power", sort=False)[["gross_cost_usd", "host_payments_usd",
                                               "concession_revenue_usd", "net_cost_usd",
                                               "casualties", "political_cost_usd"]].sum()

    def actor(members: list[str]) -> dict[str, Any]:
        series = influence_of(members)
        start_v, end_v = series[0], series[-1]
        gain = float(np.mean(end_v - start_v)) if aes else 0.0
        gain_avg = float(np.mean(series - start_v)) if aes else 0.0
        held = 100.0 * float(np.mean(series)) if aes else 0.0
        t = totals.loc[[p for p in members if p in totals.index]].sum()
        net = float(t["net_cost_usd"])
        cpp_held = net / held if held > 0 else math.inf
        cpp_gain = net / (100.0 * gain) if gain > 0 else math.nan
        return {
            "influence_start": float(np.mean(start_v)) if aes else 0.0,
            "influence_end": float(np.mean(end_v)) if aes else 0.0,
            "influence_gain": gain,
            "influence_gain_time_avg": gain_avg,
            "influence_points_held": held,
            "gross_cost_usd": float(t["gross_cost_usd"]),
            "host_payments_usd": float(t["host_payments_usd"]),
            "concession_revenue_usd": float(t["concession_revenue_usd"]),
            "own_net_cost_usd": net,
            "political_cost_usd": float(t["political_cost_usd"]),
            "full_cost_usd": net + float(t["political_cost_usd"]),
            "casualties": float(t["casualties"]),
            "cost_per_point_held_usd": _finite(cpp_held),
            "cost_per_point_gained_usd": _finite(cpp_gain),
        }

    russia = actor(["russia"] if "russia" in powers_ids else [])
    west_a = actor(west)
    r_net = max(russia["own_net_cost_usd"], 1.0)
    r_cpp = r_net / russia["influence_points_held"] if russia["influence_points_held"] > 0 else math.inf
    w_cpp = west_a["cost_per_point_held_usd"] if west_a["cost_per_point_held_usd"] is not None else math.inf
    index = w_cpp / r_cpp if math.isfinite(r_cpp) and r_cpp > 0 else (0.0 if math.isfinite(w_cpp) else math.nan)

    end_rows = pres[pres["step"] == h1]
    largest: dict[str, str | None] = {}
    for s, grp in end_rows.groupby("state", sort=False):
        top = grp.loc[grp["influence"].idxmax()]
        largest[s] = str(top["power"]) if top["influence"] > 0 else None
    russia_first = sum(1 for s in aes if largest.get(s) == "russia")
    win = russia_first >= metrics.k
    cheap = bool(west_a["own_net_cost_usd"] > 0
                 and russia["own_net_cost_usd"] <= metrics.phi * west_a["own_net_cost_usd"])
    verdict = "both" if win and cheap else "win" if win else "cheap" if cheap else "neither"

    st = tables["states"]
    st_h = st[(st["step"] >= h0) & (st["step"] <= h1) & st["state"].isin(aes)]
    host_paid = pres[pres["state"].isin(aes)]
    gr = tables["groups"]
    fighters = gr.groupby("step")["fighters"].sum()
    st_end = st[(st["step"] == h1) & st["state"].isin(aes)]
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
        "host_cost_usd": float((host_paid["host_paid_usd"] + host_paid["concessions_usd"]).sum()),
        "host_paid_russia_usd": float(host_paid.loc[host_paid["power"] == "russia",
                                                    ["host_paid_usd", "concessions_usd"]].sum().sum()),
        "fatalities_aes": float(st_h["fatalities"].sum()),
        "civilian_fatalities_aes": float(st_h["civilian_fatalities"].sum()),
        "fighters_start": float(fighters.loc[h0]) if h0 in fighters.index else 0.0,
        "fighters_end": float(fighters.loc[h1]) if h1 in fighters.index else 0.0,
        "aes_territory_outside_control": float(1.0 - st_end["control"].mean()) if len(st_end) else 0.0,
    }
