"""The run view's panels as figures and tables of a finished run, up to a chosen month.

Each function takes a run's tables (``RunResult.tables``) and the month the slider is on
(``YYYY-MM``) and returns a matplotlib Figure (drawn with :mod:`sim.plotstyle`), a plotly Figure
(the map: :func:`map_figure`, hover a region for its name, value and month) or a DataFrame (the
events: :func:`events_view`, politics first, the violence summed per state and month, regions
and states named). The month is marked on every time series (time runs in decimal years);
nothing after it is hidden, so the eye can follow where the run goes.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pandas as pd

from sim.config import AES, WEST
from sim.plotstyle import POWER_COLOURS, colour_of, display_name, new_figure, usd_tick

__all__ = ["EVENT_KINDS", "EVENT_VIEWS", "POLITICAL_KINDS", "VIOLENT_KINDS", "compare_figure",
           "cost_figure", "events_table", "events_view", "influence_figure", "map_figure",
           "personnel_figure"]

#: The political events (coups, sanctions, invitations, entries, exits, expulsions and the
#: rest of what states and powers decide), shown first.
POLITICAL_KINDS = ("coup", "coup_attempt", "suspension", "sanctions", "transition",
                   "invitation", "entry", "deploy", "agreement", "concession", "exit",
                   "expulsion", "withdrawal", "redeploy", "downgrade", "restore",
                   "agreement_ended", "budget", "param")
#: The violent events: a massacre of civilians (in a region), a mass-casualty attack on an army
#: (in a state); many a month, so summed per state and month unless asked for one by one.
VIOLENT_KINDS = ("massacre", "army_mass_casualty")
#: Every event kind the timeline knows, politics first.
EVENT_KINDS = POLITICAL_KINDS + VIOLENT_KINDS
#: What the events panel can show (:func:`events_view`).
EVENT_VIEWS = {"political": "political events",
               "violence": "violence, summed per state and month",
               "violent_events": "each violent event"}


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
    # outside the panels, on their own line: never over a panel's title
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", frameon=False,
               ncol=len(labels))
    fig.suptitle(f"{column.replace('_', ' ').capitalize()} by power in the AES states")
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


# --------------------------------------------------------------------------- events, readable

_DEATHS = re.compile(r"(\d[\d,]*) (?:civilians|soldiers|people|persons)? ?killed")


def _deaths(detail: str) -> int:
    m = _DEATHS.search(str(detail))
    return int(m.group(1).replace(",", "")) if m else 0


def _namer(names: dict[str, str] | None):
    """A function naming an id: a region by its name and state (``Mopti (Mali)``), a state or
    power by its display name (``burkina_faso`` -> ``Burkina Faso``), anything else as is."""
    names = names or {}

    def name(x: Any) -> str:
        x = "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)
        if x in names:
            return names[x]
        return display_name(x) if x and re.fullmatch(r"[a-z_]+", x) else x

    return name


def _words(detail: str, name) -> str:
    """An event's detail with the ids in it named (``750 personnel from burkina_faso`` ->
    ``... from Burkina Faso``; region codes by their names)."""
    return re.sub(r"\b([a-z]+_[a-z_]+|[A-Z]{2}-[A-Z0-9]+)\b",
                  lambda m: name(m.group(1)), str(detail))


def events_view(tables: dict[str, pd.DataFrame], month: str | None = None,
                show: str = "political", names: dict[str, str] | None = None) -> pd.DataFrame:
    """The events up to ``month`` (all when None), newest first, for a reader to scan.

    Args:
        tables: the run's tables (``events``; ``regions`` for each region's state).
        month: ``YYYY-MM``: the last month shown.
        show: ``political`` (every event but the violent ones: month, event, by, on, detail,
            origin), ``violence`` (massacres and mass-casualty attacks on armies summed per
            state and month: their numbers, the dead, the regions) or ``violent_events`` (each
            of them, its region named).
        names: region id -> name shown (:func:`sim.app.core.region_names`); states and powers
            are named by their display names.

    Raises:
        ValueError: ``show`` is not one of :data:`EVENT_VIEWS`.
    """
    if show not in EVENT_VIEWS:
        raise ValueError(f"show={show!r} is invalid; allowed: {', '.join(EVENT_VIEWS)}")
    name = _namer(names)
    ev = tables["events"].copy()
    ev["month"] = ev["date"].astype(str).str[:7]
    if month:
        ev = ev[ev["month"] <= month]
    ev = ev.sort_values("month", ascending=False, kind="stable")
    if show == "political":
        ev = ev[~ev["kind"].isin(VIOLENT_KINDS)]
        # a scheduled parameter change names a config path: it goes to the detail
        param = ev["kind"].isin(("param", "budget"))
        return pd.DataFrame({
            "month": ev["month"], "event": ev["kind"].str.replace("_", " "),
            "by": [name(a) for a in ev["actor"]],
            "on": ["" if p else name(t) for p, t in zip(param, ev["target"], strict=True)],
            "detail": [f"{t}: {_words(d, name)}" if p else _words(d, name)
                       for p, t, d in zip(param, ev["target"], ev["detail"], strict=True)],
            "origin": ev["origin"]}).reset_index(drop=True)
    ev = ev[ev["kind"].isin(VIOLENT_KINDS)]
    regions = tables.get("regions")
    state_of = (dict(zip(regions["region"], regions["state"], strict=False))
                if regions is not None and len(regions) else {})
    ev = ev.assign(state=[t if k != "massacre" else state_of.get(t, "")
                          for k, t in zip(ev["kind"], ev["target"], strict=True)],
                   deaths=[_deaths(d) for d in ev["detail"]])
    if show == "violent_events":
        return pd.DataFrame({"month": ev["month"], "event": ev["kind"].str.replace("_", " "),
                             "state": [name(s) for s in ev["state"]],
                             "where": [name(t) for t in ev["target"]],
                             "dead": ev["deaths"],
                             "origin": ev["origin"]}).reset_index(drop=True)
    rows = []
    for (m, state), g in ev.groupby(["month", "state"], sort=False):
        mass = g[g["kind"] == "massacre"]
        army = g[g["kind"] == "army_mass_casualty"]
        where = mass["target"].value_counts()
        rows.append({"month": m, "state": name(state), "massacres": len(mass),
                     "civilians killed": int(mass["deaths"].sum()),
                     "attacks on the army": len(army),
                     "soldiers killed": int(army["deaths"].sum()),
                     "regions (massacres)": ", ".join(
                         f"{name(r)}" + (f" x{n}" if n > 1 else "") for r, n in where.items())})
    cols = ["month", "state", "massacres", "civilians killed", "attacks on the army",
            "soldiers killed", "regions (massacres)"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- the map (plotly)


def _rings(polys: list) -> tuple[list[float | None], list[float | None]]:
    """The exteriors of polygons as one trace's x and y, separated by gaps (None)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for poly in polys:
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [x for x, _ in poly[0]]
        ys += [y for _, y in poly[0]]
    return xs, ys


def _area(polys: list) -> float:
    ring = max((p[0] for p in polys), key=len)
    return abs(sum(x1 * y2 - x2 * y1
                   for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


def map_figure(layer: Any, width: int = 530, height: int = 360, title: bool = True):
    """The regions' polygons coloured by a map layer (:func:`sim.analysis.figures.map_layer`),
    in plotly: hover a region for its name, state, value and month. The states around are
    grey, the modelled states named and their capitals marked. A world whose regions are not
    on the map is drawn as points at their coordinates.

    Each region is one filled trace (its polygons; smaller regions over larger ones, so that
    an enclave such as Bamako shows), with the hover text as its ``text``; a legend (the
    partners) or a colour bar (control, fatalities) beside. The size is fixed (``width`` x
    ``height`` pixels: the run view's map column at 1280 px); ``title=False`` leaves the title
    (what the colours mean, the month) to the page.
    """
    import math

    import plotly.graph_objects as go

    from sim.analysis.geo import capitals, context_shapes, has_shapes, region_shapes, state_labels

    table = layer.table
    fig = go.Figure()
    texts = {r: f"<b>{n}</b> ({display_name(s)})<br>{layer.legend}: {t}<br>{layer.date}"
             for r, n, s, t in zip(table["region"], table["name"], table["state"],
                                   table["text"], strict=True)}
    shapes = has_shapes(table["region"])
    if shapes:
        polys = region_shapes(table["region"])
        order = sorted(table.index, key=lambda i: -_area(polys[table.at[i, "region"]]))
        for i in order:
            rid = table.at[i, "region"]
            xs, ys = _rings(polys[rid])
            fig.add_trace(go.Scatter(
                x=xs, y=ys, fill="toself", fillcolor=table.at[i, "colour"], mode="lines",
                line={"color": "white", "width": 0.6}, hoveron="fills", hoverinfo="text",
                text=texts[rid], name=str(table.at[i, "name"]), showlegend=False))
        for polys_ in context_shapes().values():
            xs, ys = _rings(polys_)
            fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor="#f2f2f2",
                                     mode="lines", line={"color": "#b0b0b0", "width": 0.5},
                                     hoverinfo="skip", showlegend=False))
        states = list(dict.fromkeys(table["state"]))
        labels = state_labels()
        labels = labels[labels["state"].isin(states)]
        fig.add_trace(go.Scatter(x=labels["lon"], y=labels["lat"], mode="text",
                                 text=[f"<b>{display_name(s)}</b>" for s in labels["state"]],
                                 textfont={"size": 12, "color": "#222"}, hoverinfo="skip",
                                 showlegend=False))
        caps = capitals()
        caps = caps[caps["state"].isin(states)]
        fig.add_trace(go.Scatter(x=caps["lon"], y=caps["lat"], mode="markers+text",
                                 marker={"symbol": "star", "size": 9, "color": "black"},
                                 text=list(caps["name"]), textposition="bottom right",
                                 textfont={"size": 10, "color": "#111"},
                                 hovertext=[f"{n}, capital of {display_name(s)}"
                                            for n, s in zip(caps["name"], caps["state"],
                                                            strict=True)],
                                 hoverinfo="text", showlegend=False, name="capitals"))
        xs_all = [x for p in polys.values() for q in p for x, _ in q[0]]
        ys_all = [y for p in polys.values() for q in p for _, y in q[0]]
    else:
        fig.add_trace(go.Scatter(x=table["lon"], y=table["lat"], mode="markers",
                                 marker={"size": 14, "color": list(table["colour"]),
                                         "line": {"color": "black", "width": 0.5}},
                                 hovertext=[texts[r] for r in table["region"]],
                                 hoverinfo="text", showlegend=False))
        xs_all, ys_all = list(table["lon"]), list(table["lat"])
    if layer.cmap:
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        cmap = colormaps[layer.cmap]
        scale = [[k / 10, to_hex(cmap(k / 10))] for k in range(11)]
        lo, hi = ((math.log10(layer.vmin), math.log10(layer.vmax)) if layer.log
                  else (layer.vmin, layer.vmax))
        bar: dict[str, Any] = {"title": {"text": layer.legend, "side": "right"},
                               "thickness": 14, "len": 0.8}
        if layer.log:
            ticks = list(range(math.floor(lo), math.ceil(hi) + 1))
            bar.update(tickvals=ticks, ticktext=[f"{10 ** t:,}" for t in ticks])
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False,
                                 hoverinfo="skip",
                                 marker={"color": [lo], "colorscale": scale, "cmin": lo,
                                         "cmax": hi, "showscale": True, "colorbar": bar}))
    else:
        for label, colour in layer.categories:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                     marker={"symbol": "square", "size": 12, "color": colour},
                                     showlegend=True))
    x0, x1 = min(xs_all) - 0.8, max(xs_all) + 0.5
    y0, y1 = min(ys_all) - 0.5, max(ys_all) + 0.5
    ratio = 1.0 / math.cos(math.radians((y0 + y1) / 2))
    fig.update_layout(
        title={"text": f"The {layer.what}, {layer.date}" if title else "", "x": 0.01,
               "font": {"size": 14}},
        width=width, height=height, margin={"l": 5, "r": 5, "t": 40 if title else 5, "b": 5},
        plot_bgcolor="white",
        legend={"title": {"text": layer.legend}, "x": 1.0, "y": 1.0, "xanchor": "left"},
        hoverlabel={"bgcolor": "white"}, dragmode="pan")
    fig.update_xaxes(visible=False, range=[x0, x1])
    fig.update_yaxes(visible=False, range=[y0, y1], scaleanchor="x", scaleratio=ratio)
    return fig
