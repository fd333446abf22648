"""The story of a scenario across replicates, from the output tables only (no Mesa).

For each replicate (its ``presence`` and ``events`` tables) :func:`occurrences` lists the first
month of every political and military event of the AES states: coups and failed attempts,
suspensions and sanctions, concessions and transitions, invitations, downgrades, expulsions,
ended agreements, entries, exits and withdrawals, by actor and target. :func:`summarize` turns
the replicates' lists into how often each happens (in how many replicates) and when (median and
range of its first month). :func:`entry_order` answers the seed article's question of order for
every Russian entry: did Russia come while Western forces were still in the country (the host
invited it, or it filled a gap beside them), or only after they had all left (it filled the
vacuum)?
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["KINDS", "entry_order", "occurrences", "summarize"]

#: The event kinds the story follows, in the order it reports them.
KINDS = ("coup", "coup_attempt", "suspension", "sanctions", "concession", "transition",
         "invitation", "downgrade", "expulsion", "agreement_ended", "withdrawal", "entry", "exit")
WEST = ("france", "usa", "un", "eu")
AES = ("mali", "burkina_faso", "niger")


def occurrences(tables: dict[str, pd.DataFrame], states: Sequence[str] = AES) -> pd.DataFrame:
    """The first step of each (kind, actor, target) of ``KINDS`` in a run, where the actor or the
    target is one of ``states``; columns kind, actor, target, step, origin."""
    ev = tables["events"]
    ev = ev[ev["kind"].isin(KINDS) & (ev["actor"].isin(states) | ev["target"].isin(states))]
    if ev.empty:
        return pd.DataFrame(columns=["kind", "actor", "target", "step", "origin"])
    origin = ev["origin"] if "origin" in ev.columns else pd.Series("", index=ev.index)
    ev = ev.assign(origin=origin)
    first = ev.sort_values("step").groupby(["kind", "actor", "target"], sort=False).first()
    return first.reset_index()[["kind", "actor", "target", "step", "origin"]]


def summarize(runs: Iterable[pd.DataFrame], n_runs: int | None = None) -> pd.DataFrame:
    """How often and when each (kind, actor, target) happens across runs.

    Args:
        runs: :func:`occurrences` of each replicate.
        n_runs: the number of replicates (default: the number of frames given).

    Returns:
        One row per (kind, actor, target): ``n`` (replicates in which it happens), ``runs``,
        ``median``, ``first`` and ``last`` (steps of its first month across those replicates),
        and ``origins`` (scheduled, emergent or both), ordered by kind then median.
    """
    frames = list(runs)
    total = n_runs if n_runs is not None else len(frames)
    if not frames or all(f.empty for f in frames):
        return pd.DataFrame(columns=["kind", "actor", "target", "n", "runs", "median", "first",
                                     "last", "origins"])
    allrows = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    rows = []
    for (kind, actor, target), g in allrows.groupby(["kind", "actor", "target"], sort=False):
        steps = g["step"].to_numpy()
        rows.append({"kind": kind, "actor": actor, "target": target, "n": len(g), "runs": total,
                     "median": float(statistics.median(steps)), "first": int(steps.min()),
                     "last": int(steps.max()), "origins": "/".join(sorted(set(g["origin"])))})
    out = pd.DataFrame(rows)
    order = {k: i for i, k in enumerate(KINDS)}
    out["_k"] = out["kind"].map(order)
    return out.sort_values(["_k", "median", "actor", "target"]).drop(columns="_k").reset_index(
        drop=True)


def entry_order(tables: dict[str, pd.DataFrame], states: Sequence[str] = AES,
                west: Sequence[str] = WEST, russia: str = "russia") -> pd.DataFrame:
    """For each state where Russia's personnel first become positive: whether Western personnel
    were still there that month, and whether the host had invited Russia before.

    Returns:
        One row per state Russia entered: ``state``, ``step``, ``west_present`` (Western
        personnel > 0 in the month of entry), ``invited`` (an invitation to Russia at or before
        the entry) and ``order``: ``beside the West`` or ``after the West left``.
    """
    pr, ev = tables["presence"], tables["events"]
    invites = ev[(ev["kind"] == "invitation") & (ev["target"] == russia)]
    rows = []
    for state in states:
        ru = pr[(pr["power"] == russia) & (pr["state"] == state)].sort_values("step")
        pos = np.flatnonzero(ru["personnel"].to_numpy() > 0)
        if not len(pos):
            continue
        step = int(ru["step"].iloc[pos[0]])
        w = pr[pr["power"].isin(west) & (pr["state"] == state) & (pr["step"] == step)]
        present = bool((w["personnel"] > 0).any())
        invited = bool((invites[(invites["actor"] == state)]["step"] <= step).any())
        rows.append({"state": state, "step": step, "west_present": present, "invited": invited,
                     "order": "beside the West" if present else "after the West left"})
    return pd.DataFrame(rows, columns=["state", "step", "west_present", "invited", "order"])
