"""The vacuum premium: what Russia gained because the West left, against a twin world in which
it did not (docs/ODD.md section 8).

The twin of a run is the same configuration and seed (common random numbers) with the Western
exit taken out: every Western power (france, usa, un, eu) is protected (never expelled, its
agreement never ended, never leaving a hostile host or over casualties), the scenario's cut of
Western forces (``scenario.west_withdrawal_share``) is 0, and the scenario's scheduled
withdrawals of Western powers and expulsions of them are dropped. Everything else is the same,
so the difference between the run and its twin is what the Western exit caused:

``premium = Russia's influence (and cost) in the run - the same in the twin``.

A win counts as caused by the vacuum (``because_of_vacuum``) when Russia wins in the run (the
like-for-like security win), does not win in the twin, and its premium at the end (influence or
security share) exceeds ``metrics.premium_margin``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import AES, WEST, RunConfig

if TYPE_CHECKING:
    from sim.record import LazyRunArrays, RunArrays

__all__ = ["premium", "russia_influence_by_state", "twin_config"]


def twin_config(cfg: RunConfig, powers: Sequence[str] | None = None) -> RunConfig:
    """The twin of ``cfg``: the same world and seed without the Western exit (module docstring).
    The twin never has a twin of its own (``metrics.twin`` false).

    Args:
        cfg: the run's configuration.
        powers: the world's power ids (default: ``cfg.world.powers``; give them for a synthetic
            world, whose powers exist only once it is generated).
    """
    ids = list(cfg.world.powers) if powers is None else list(powers)
    west = [p for p in WEST if p in ids]
    sc = cfg.scenario
    events = [e for e in sc.events
              if not ((e.kind == "withdraw" and e.actor in west)
                      or (e.kind == "expel" and e.target in west))]
    kept_ids = {e.id for e in events if e.id}
    scenario = dataclasses.replace(
        sc, events=events, exclude_events=[x for x in sc.exclude_events if x in kept_ids],
        protected=sorted(set(sc.protected) | set(west)), west_withdrawal_share=0.0)
    return dataclasses.replace(cfg, scenario=scenario,
                               metrics=dataclasses.replace(cfg.metrics, twin=False),
                               output=dataclasses.replace(cfg.output, plots=False))


def russia_influence_by_state(arrays: RunArrays | LazyRunArrays, first_step: int,
                              last_step: int, power: str = "russia") -> dict[str, dict[str, float]]:
    """Russia's influence in each AES state (from a run's arrays, :meth:`Recorder.arrays`): at
    the horizon's end and averaged over it."""
    if power not in arrays.power_ids:
        return {}
    pi = arrays.power_ids.index(power)
    influence = arrays.influence()  # [T, S, P]
    out = {}
    for si, state in enumerate(arrays.state_ids):
        if state not in AES:
            continue
        series = np.ascontiguousarray(influence[first_step:last_step + 1, si, pi])
        if len(series):
            out[state] = {"end": float(series[-1]), "time_avg": float(series.sum() / len(series))}
    return out


def premium(run: dict[str, Any], twin: dict[str, Any], run_arrays: RunArrays | LazyRunArrays,
            twin_arrays: RunArrays | LazyRunArrays, margin: float) -> dict[str, Any]:
    """The vacuum premium of a run against its twin (their summaries and arrays).

    Returns:
        ``influence_end`` and ``influence_time_avg`` (Russia's mean over the AES states, run
        minus twin), ``by_state`` (the same per AES state, at the end), ``own_net_cost_usd``,
        ``cash_usd`` and ``full_cost_usd`` (Russia's, in the verdict's books: run minus twin),
        the twin's ``verdict`` and ``win``, and ``because_of_vacuum``.
    """
    h = run["horizon"]
    a = russia_influence_by_state(run_arrays, h["first_step"], h["last_step"])
    b = russia_influence_by_state(twin_arrays, h["first_step"], h["last_step"])
    states = [s for s in AES if s in a and s in b]

    def mean(d: dict[str, dict[str, float]], key: str) -> float:
        return float(np.mean([d[s][key] for s in states])) if states else 0.0

    end = mean(a, "end") - mean(b, "end")
    avg = mean(a, "time_avg") - mean(b, "time_avg")
    r, t = run["russia"], twin["russia"]
    rc, tc = run["costs_like_for_like"]["russia"], twin["costs_like_for_like"]["russia"]
    security = _security_end(run) - _security_end(twin)
    key = "security_win"  # the verdict's win: the leading security partner
    won, twin_won = bool(run[key]), bool(twin[key])
    return {
        "influence_end": end,
        "influence_time_avg": avg,
        "security_end": security,
        "by_state": {s: a[s]["end"] - b[s]["end"] for s in states},
        "own_net_cost_usd": r["own_net_cost_usd"] - t["own_net_cost_usd"],
        "cash_usd": rc["cash_usd"] - tc["cash_usd"],
        "full_cost_usd": rc["full_cost_usd"] - tc["full_cost_usd"],
        "twin_verdict": twin["verdict"],
        "twin_win": twin_won,
        "win_measure": key,
        "margin": margin,
        "because_of_vacuum": bool(won and not twin_won and max(end, security) > margin),
    }


def _security_end(summary: dict[str, Any]) -> float:
    """Russia's share of the AES hosts' security capacity at the horizon's end (mean over the
    AES states), from the summary's influence by dimension (0 when it has none)."""
    sec = (summary.get("influence_by_dimension") or {}).get("security") or {}
    values = [v["russia"] for v in sec.values() if isinstance(v, dict) and "russia" in v]
    return float(np.mean(values)) if values else 0.0
