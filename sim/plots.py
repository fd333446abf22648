"""Run-level figures (PNG), each a function of the output tables (docs/ODD.md section 10).

Every figure function takes plain DataFrames, draws on a caller's Axes (single panel) or Figure
(several panels) if one is given, and returns the Figure. Figures are built with matplotlib's
object API (:class:`matplotlib.figure.Figure`), never through ``pyplot``: nothing here selects a
backend or registers figures in pyplot's global state, so the functions are safe headless and in
worker processes, and a saved figure is simply dropped. In a notebook, pass a pyplot Axes or
Figure to draw there instead. Colours, display names, number formats and the figure helpers
are shared with the other figures of the project through :mod:`sim.plotstyle`.

Figures (file names written by :func:`save_run_plots`):

- ``influence.png``: :func:`plot_influence`, influence share of each power in each AES state.
- ``personnel.png``: :func:`plot_personnel`, foreign personnel by power in each host state.
- ``net_cost.png``: :func:`plot_net_cost`, cumulative own net cost by power and for ``west``.
- ``fatalities.png``: :func:`plot_fatalities`, monthly fatalities (all and civilian) by state.
- ``map.png``: :func:`plot_map`, the regions' polygons coloured by government control in the
  last month (or by the state's largest partner, or the month's fatalities), with the state
  names and capitals (the map of :mod:`sim.analysis.geo`); not written for a world whose
  regions are not on the map (a synthetic one).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.config import AES, WEST
from sim.plotstyle import (
    DPI,
    POWER_COLOURS,
    STATE_COLOURS,
    SYMLOG_LINTHRESH_USD,
    colour_of,
    display_name,
    figure_legend,
    format_date_axis,
    mark_empty,
    new_figure,
    panel_grid,
    persons_tick,
    table_dates,
    usd_tick,
    usd_tick_symlog,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "POWER_COLOURS",
    "plot_fatalities",
    "plot_influence",
    "plot_map",
    "plot_net_cost",
    "plot_personnel",
    "save_run_plots",
]


def _wide(df: pd.DataFrame, entity: str, value: str) -> pd.DataFrame:
    """``value`` as a [date x entity] frame, rows in date order, columns in order of appearance."""
    wide = df.pivot_table(index="date", columns=entity, values=value, aggfunc="sum", sort=True)
    wide = wide.reindex(columns=list(dict.fromkeys(df[entity]))).fillna(0.0)
    wide.index = table_dates(wide.index)
    return wide


def plot_influence(presence: pd.DataFrame, events: pd.DataFrame | None = None,
                   states: Sequence[str] | None = None, fig: Figure | None = None) -> Figure:
    """Influence share of each power in each state over time (docs/ODD.md section 3, process 6).

    One panel per state, one line per power that ever has influence above zero there. Influence is
    a share in [0, 1]; the shares of a state sum to at most 1, the rest being its autonomy.

    Args:
        presence: The ``presence`` table (``date``, ``state``, ``power``, ``influence``).
        events: The ``events`` table; if given, coups are marked by dotted vertical lines in the
            panel of the state where they happen.
        states: The states to show, one panel each. Defaults to the AES states (mali,
            burkina_faso, niger) present in the table, or every state if none is (synthetic
            worlds).
        fig: An empty Figure to draw into; a new one if None.

    Returns:
        The Figure, with one Axes per state; each power's line is labelled with its name.
    """
    present = list(dict.fromkeys(presence["state"]))
    if states is None:
        states = [s for s in AES if s in present] or present
    powers = list(dict.fromkeys(presence["power"]))
    fig, axes = panel_grid(fig, len(states), 3, (4.6, 3.4), sharey=True)
    coups = None
    if events is not None and len(events):
        coups = events[events["kind"] == "coup"]
    for ax, state in zip(axes, states, strict=False):
        sub = presence[presence["state"] == state]
        wide = _wide(sub, "power", "influence") if len(sub) else pd.DataFrame()
        shown = [p for p in wide.columns if (wide[p] > 0).any()]
        for p in shown:
            ax.plot(wide.index, wide[p].to_numpy(), label=display_name(p),
                    color=colour_of(p, POWER_COLOURS, powers), linewidth=1.6)
        if not shown:
            mark_empty(ax, "no foreign influence")
        if coups is not None:
            for i, d in enumerate(table_dates(coups.loc[coups["target"] == state, "date"])):
                ax.axvline(d, color="0.45", linestyle=":", linewidth=1.0,
                           label="coup" if i == 0 else "_coup")
        ax.set_title(display_name(state))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        format_date_axis(ax, maxticks=7)
    axes[0].set_ylabel("influence (share of the state, 0-1)")
    fig.suptitle("Influence of foreign powers")
    figure_legend(fig, axes, ncols=8)
    return fig


def plot_personnel(presence: pd.DataFrame, states: Sequence[str] | None = None,
                   fig: Figure | None = None) -> Figure:
    """Foreign personnel (troops + contractors + peacekeepers) by power in each host state.

    One panel per state that ever hosts foreign personnel (AES states first), with the personnel
    of each power present there stacked.

    Args:
        presence: The ``presence`` table (``date``, ``state``, ``power``, ``personnel``).
        states: The states to show; default every state that ever hosts foreign personnel.
        fig: An empty Figure to draw into; a new one if None.

    Returns:
        The Figure, with one Axes per state (or one empty Axes if no state hosts anyone); each
        stacked area is labelled with its power.
    """
    powers = list(dict.fromkeys(presence["power"]))
    hosting = presence.groupby("state", sort=False)["personnel"].max()
    if states is None:
        hosts = [s for s in hosting.index if hosting[s] > 0]
        states = [s for s in AES if s in hosts] + [s for s in hosts if s not in AES]
    fig, axes = panel_grid(fig, len(states), 4, (3.6, 2.8), sharey=False)
    if not states:
        mark_empty(axes[0], "no foreign personnel in any state")
        axes[0].set_ylabel("persons")
    for i, (ax, state) in enumerate(zip(axes, states, strict=False)):
        wide = _wide(presence[presence["state"] == state], "power", "personnel")
        shown = [p for p in wide.columns if (wide[p] > 0).any()]
        if shown:
            ax.stackplot(wide.index, *[wide[p].to_numpy() for p in shown],
                         labels=[display_name(p) for p in shown],
                         colors=[colour_of(p, POWER_COLOURS, powers) for p in shown], alpha=0.85)
        else:
            mark_empty(ax, "no foreign personnel")
        ax.set_title(display_name(state))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(persons_tick)
        ax.grid(alpha=0.3)
        format_date_axis(ax, maxticks=5)
        if i % 4 == 0:
            ax.set_ylabel("persons")
    fig.suptitle("Foreign personnel by power (troops, contractors, peacekeepers)")
    figure_legend(fig, axes, ncols=8)
    return fig


def plot_net_cost(powers: pd.DataFrame, ax: Axes | None = None, log: bool = True) -> Figure:
    """Cumulative own net cost of each power, and of ``west`` (france+usa+un+eu), over time.

    Own net cost = gross spending - host payments - concession revenue (docs/ODD.md section 8). Uses
    ``cum_net_cost_usd`` if the table has it, else the running sum of ``net_cost_usd``. Powers
    whose cost is zero throughout are left out. The default symmetric-log scale keeps a power
    spending millions visible beside one spending billions, and a power whose net cost is
    negative (concessions repay it) below zero; one decade is a factor of 10, the ``cheap``
    threshold phi = 0.1 of docs/ODD.md section 8.

    Args:
        powers: The ``powers`` table (``date``, ``power``, ``cum_net_cost_usd`` or
            ``net_cost_usd``).
        ax: An Axes to draw on; a new Figure if None.
        log: Symmetric-log y axis (linear within USD 1m of zero, unlabelled there but for 0)
            if True, linear if False.

    Returns:
        The Figure; one line per power shown plus a ``west`` line, each labelled.
    """
    if "cum_net_cost_usd" in powers.columns:
        cum = _wide(powers, "power", "cum_net_cost_usd")
    else:
        cum = _wide(powers, "power", "net_cost_usd").cumsum()
    names = list(cum.columns)
    if ax is None:
        fig = new_figure((9.5, 4.8))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    shown = [p for p in names if (cum[p] != 0).any()]
    for p in shown:
        ax.plot(cum.index, cum[p].to_numpy(), label=display_name(p),
                color=colour_of(p, POWER_COLOURS, names), linewidth=1.6)
    west = [p for p in WEST if p in names]
    if west:
        ax.plot(cum.index, cum[west].sum(axis=1).to_numpy(),
                label="West (" + "+".join(display_name(p) for p in west) + ")",
                color=POWER_COLOURS["west"], linestyle="--", linewidth=2.4)
    if log:
        ax.set_yscale("symlog", linthresh=SYMLOG_LINTHRESH_USD)
        ax.yaxis.set_major_formatter(usd_tick_symlog)
    else:
        ax.yaxis.set_major_formatter(usd_tick)
    ax.set_ylabel("cumulative own net cost (USD)" + (", symlog scale" if log else ""))
    ax.set_title("Cumulative own net cost by power (gross - host payments - concessions)")
    ax.grid(alpha=0.3, which="major")
    format_date_axis(ax)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    else:
        mark_empty(ax, "no power has any net cost")
    return fig


def plot_fatalities(states: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """Monthly fatalities by host state: all fatalities (top) and civilians among them (bottom).

    One line per state that has any fatality; the AES states have the strongest colours.

    Args:
        states: The ``states`` table (``date``, ``state``, ``fatalities``,
            ``civilian_fatalities``).
        fig: An empty Figure to draw into; a new one if None.

    Returns:
        The Figure with two Axes (all, civilian); each line labelled with its state.
    """
    if fig is None:
        fig = new_figure((9.0, 6.4))
    axes = list(fig.subplots(2, 1, sharex=True))
    order = list(dict.fromkeys(states["state"]))
    total = _wide(states, "state", "fatalities")
    shown = [s for s in total.columns if (total[s] > 0).any()]
    shown = [s for s in AES if s in shown] + [s for s in shown if s not in AES]
    for ax, col, what in ((axes[0], "fatalities", "all fatalities"),
                          (axes[1], "civilian_fatalities", "civilian fatalities")):
        wide = total if col == "fatalities" else _wide(states, "state", col)
        for s in shown:
            ax.plot(wide.index, wide[s].to_numpy(), label=display_name(s),
                    color=colour_of(s, STATE_COLOURS, order),
                    linewidth=1.6 if s in AES else 1.0)
        if not shown:
            mark_empty(ax, "no fatalities")
        ax.set_ylabel(f"{what}\n(persons per month)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        format_date_axis(ax)
    axes[0].set_title("Fatalities by state (conflict deaths per month)")
    if shown:
        axes[0].legend(loc="upper left", fontsize="small", frameon=False,
                       ncols=min(len(shown), 4))
    return fig


def plot_map(regions: pd.DataFrame, presence: pd.DataFrame | None = None,
             date: str | None = None, colour_by: str = "control",
             ax: Axes | None = None) -> Figure:
    """The regions of a run on the map, coloured at one month (the last by default).

    Args:
        regions: The ``regions`` table (``date``, ``region``, ``state``, ``control``,
            ``fatalities``); its regions must be on the map
            (:func:`sim.analysis.geo.has_shapes`).
        presence: The ``presence`` table: needed for ``colour_by`` ``partner`` or
            ``security``.
        date: ``YYYY-MM``; default the last month.
        colour_by: ``control`` (default), ``fatalities``, ``partner`` or ``security``
            (:func:`sim.analysis.figures.region_map`).
        ax: An Axes to draw on; a new Figure if None.

    Returns:
        The Figure of :func:`sim.analysis.figures.region_map`.

    Raises:
        ValueError: a region of the table is not on the map, or ``colour_by`` is unknown.
    """
    from sim.analysis.figures import region_map
    from sim.analysis.geo import has_shapes, map_regions

    ids = list(dict.fromkeys(regions["region"]))
    if not has_shapes(ids):
        raise ValueError("the run's regions are not on the map (a synthetic world?); allowed: "
                         "the Sahel world's regions")
    coords = map_regions().set_index("region").loc[ids].reset_index()
    return region_map(coords, presence=presence, regions=regions, date=date,
                      colour_by=colour_by, ax=ax)


def save_run_plots(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write the run's figures as PNG into ``folder`` (created if needed).

    Writes ``influence.png`` and ``personnel.png`` (needs ``presence``; coups marked if
    ``events`` is given), ``net_cost.png`` (needs ``powers``), ``fatalities.png`` (needs
    ``states``) and ``map.png`` (needs ``regions``, whose regions are on the map). A figure
    whose table is missing is not written.

    Args:
        tables: The run's output tables (``RunResult.tables``).
        folder: The folder to write into.

    Returns:
        The paths written, in the order above.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    if "presence" in tables:
        jobs.append(("influence.png", lambda: plot_influence(tables["presence"],
                                                             events=tables.get("events"))))
        jobs.append(("personnel.png", lambda: plot_personnel(tables["presence"])))
    if "powers" in tables:
        jobs.append(("net_cost.png", lambda: plot_net_cost(tables["powers"])))
    if "states" in tables:
        jobs.append(("fatalities.png", lambda: plot_fatalities(tables["states"])))
    if "regions" in tables and len(tables["regions"]):
        from sim.analysis.geo import has_shapes

        if has_shapes(tables["regions"]["region"]):
            jobs.append(("map.png", lambda: plot_map(tables["regions"])))
    written = []
    for name, make in jobs:
        fig = make()
        path = folder / name
        fig.savefig(path, dpi=DPI)
        fig.clear()
        written.append(path)
    return written
