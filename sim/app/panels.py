"""The run view's panels as figures and tables of a finished run, up to a chosen month.

Each function takes a run's tables (``RunResult.tables``) and the month the slider is on
(``YYYY-MM``) and returns a matplotlib Figure (drawn with :mod:`sim.plotstyle`) or a DataFrame.
The month is marked on every time series (time runs in decimal years); nothing after it is
hidden, so the eye can follow where the run goes.
"""

from __future__ import annotations

import pandas as pd

from sim.config import AES, WEST
from sim.plotstyle import POWER_COLOURS, colour_of, display_name, new_figure, usd_tick

__all__ = ["EVENT_KINDS", "compare_figure", "cost_figure", "events_table", "influence_figure",
           "personnel_figure"]

#: The events the timeline shows first (the rest follow when asked for).
EVENT_KINDS = ("coup", "coup_attempt", "suspension", "sanctions", "transition", "invitation",
               "entry", "exit", "expulsion", "withdrawal", "downgrade", "agreement_ended",
               "massacre", "army_mass_casualty")


def _year(month: str) -> float:
    """``YYYY-MM`` as a decimal year (2019-07 -> 2019.5)."""
    return int(month[:4]) + (int(month[5:7]) - 1) / 12.0


def _dates(df: pd.DataFrame) -> pd.Series:
    """The rows' months as decimal years: plain numbers draw twice as fast as dates."""
    months = df["date"].astype(str).str[:7]
    return months.str[:4].astype(int) + (months.str[5:7].astype(int) - 1) / 12.0


def _mark(ax, month: str | None) -> None:
    if month:
        ax.axvline(_year(month), color="0.2", lw=1, ls="--", zorder=1)


def influence_figure(tables: dict[str, pd.DataFrame], month: str | None = None,
                     column: str = "influence"):
    """Influence (or another presence column, e.g. ``security_share``) of each power in each AES
    state over time, one panel per state."""
    presence = tables["presence"]
    states = [s for s in AES if s in set(presence["state"])] or list(
        dict.fromkeys(presence["state"]))[:3]
    fig = new_figure((11.0, 3.2))
    axes = fig.subplots(1, len(states), sharey=True, squeeze=False)[0]
    powers = list(dict.fromkeys(presence["power"]))
    for ax, state in zip(axes, states, strict=True):
        sub = presence[presence["state"] == state]
        for p in powers:
            s = sub[sub["power"] == p]
            if s[column].abs().sum() == 0:
                continue
            ax.plot(_dates(s), s[column], color=colour_of(p, POWER_COLOURS, powers),
                    label=display_name(p), lw=1.6)
        _mark(ax, month)
        ax.set_title(display_name(state))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(column.replace("_", " "))
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="upper right", fontsize="small", frameon=False, ncol=4)
    fig.suptitle(f"{column.replace('_', ' ').capitalize()} by power in the AES states", x=0.25)
    return fig


def personnel_figure(tables: dict[str, pd.DataFrame], month: str | None = None):
    """Personnel of each foreign power in the AES states (summed) over time."""
    presence = tables["presence"]
    aes = presence[presence["state"].isin(AES)]
    by = aes.groupby(["date", "power"], sort=False)["personnel"].sum().reset_index()
    fig = new_figure((11.0, 3.0))
    ax = fig.subplots()
    powers = list(dict.fromkeys(by["power"]))
    for p in powers:
        s = by[by["power"] == p]
        if s["personnel"].sum() == 0:
            continue
        ax.plot(_dates(s), s["personnel"], label=display_name(p),
                color=colour_of(p, POWER_COLOURS, powers), lw=1.6)
    _mark(ax, month)
    ax.set_ylabel("personnel in the AES states")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", frameon=False, ncol=4)
    ax.set_title("Foreign personnel (troops, contractors, peacekeepers)")
    return fig


def cost_figure(tables: dict[str, pd.DataFrame], month: str | None = None):
    """Cumulative cost by who paid: Russia's own net cost, what the hosts paid Russia in cash
    and in concessions, and the West's own net cost (its members' forces, UN missions by
    assessed share), over time."""
    powers = tables["powers"].copy()
    presence = tables["presence"]
    fig = new_figure((11.0, 3.2))
    ax = fig.subplots()
    t = powers[powers["power"] == "russia"]
    if len(t):
        ax.plot(_dates(t), t["cum_net_cost_usd"], label="Russia's own net cost",
                color=POWER_COLOURS.get("russia", "C3"), lw=1.8)
    ru = presence[presence["power"] == "russia"].groupby("date", sort=True)[
        ["host_paid_usd", "concessions_usd"]].sum().cumsum().reset_index()
    if len(ru):
        ax.plot(_dates(ru), ru["host_paid_usd"], label="hosts paid Russia (cash)", color="C1",
                lw=1.4, ls="-.")
        ax.plot(_dates(ru), ru["concessions_usd"], label="hosts paid Russia (concessions)",
                color="C5", lw=1.4, ls=":")
    west = powers[powers["power"].isin(WEST)].groupby("date", sort=True)[
        "net_cost_usd"].sum().cumsum().reset_index()
    if len(west):
        ax.plot(_dates(west), west["net_cost_usd"], label="the West's own net cost",
                color=POWER_COLOURS.get("france", "C0"), lw=1.8)
    _mark(ax, month)
    ax.yaxis.set_major_formatter(usd_tick)
    ax.set_ylabel("cumulative, USD")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", frameon=False, ncol=2)
    ax.set_title("Cumulative cost, by who paid")
    return fig


def events_table(tables: dict[str, pd.DataFrame], month: str | None = None,
                 kinds: tuple[str, ...] | None = EVENT_KINDS) -> pd.DataFrame:
    """The events up to ``month`` (all when None), newest first: date, kind, actor, target,
    detail and origin (``scheduled`` or ``emergent``); only ``kinds`` when given."""
    ev = tables["events"].copy()
    if kinds is not None:
        ev = ev[ev["kind"].isin(kinds)]
    ev["month"] = ev["date"].astype(str).str[:7]
    if month:
        ev = ev[ev["month"] <= month]
    cols = [c for c in ("month", "kind", "actor", "target", "detail", "origin") if c in ev]
    return ev.sort_values("month", ascending=False, kind="stable")[cols].reset_index(drop=True)


def compare_figure(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], label_a: str,
                   label_b: str):
    """Russia's security share (mean over the AES states) and civilian deaths (cumulative, AES)
    in two runs over time."""
    fig = new_figure((11.0, 3.2))
    ax1, ax2 = fig.subplots(1, 2)
    for tables, label, ls in ((a, label_a, "-"), (b, label_b, "--")):
        p = tables["presence"]
        ru = p[(p["power"] == "russia") & p["state"].isin(AES)].groupby("date", sort=True)[
            "security_share"].mean().reset_index()
        ax1.plot(_dates(ru), ru["security_share"], ls=ls, label=label, lw=1.6)
        st = tables["states"]
        civ = st[st["state"].isin(AES)].groupby("date", sort=True)[
            "civilian_fatalities"].sum().cumsum().reset_index()
        ax2.plot(_dates(civ), civ["civilian_fatalities"], ls=ls, label=label, lw=1.6)
    ax1.set_title("Russia's security share (mean over the AES states)")
    ax2.set_title("Civilian deaths in the AES (cumulative)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", frameon=False)
    return fig
