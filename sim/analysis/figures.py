"""Figures of a sweep: the cheap-win evidence in pictures (issue 5).

Every function takes plain DataFrames (the sweep store's rows and monthly series, or the result
objects of :mod:`sim.analysis`), draws on a caller's Axes (one panel) or Figure (several panels)
if one is given, and returns the Figure. Colours, display names, number formats and axis helpers
come from :mod:`sim.plotstyle`, shared with the run figures of :mod:`sim.plots`. Like those,
figures are built with matplotlib's object API, never through ``pyplot``: nothing here selects a
backend, so the functions run headless, in reports and in notebooks (pass a pyplot Axes or Figure
to draw inline).

Figures:

- :func:`influence_envelopes`: influence of each power in each AES state over time, median and
  5-95% band across runs (monthly series ``presence.influence``).
- :func:`price_of_influence`: own net cost against influence gained, russia and west, one point
  per run (docs/ODD.md section 8).
- :func:`cheap_win_heatmap`: P(cheap win) (the verdict ``both``) with its bootstrap interval over
  two swept columns.
- :func:`verdict_surface_heatmap`: P(cheap win) over the analyst's choices (margin x months
  against cost basis x threshold, at one k), from :func:`sim.analysis.verdict_surface`.
- :func:`sobol_bars`: first-order and total Sobol indices with their confidence intervals.
- :func:`prim_tradeoff`, :func:`prim_box_limits`, :func:`prim_figure`: PRIM's peeling trajectory
  (coverage against density) and the limits of a box, normalised to each parameter's range.
- :func:`region_map`: the regions (their polygons: the map of :mod:`sim.analysis.geo`; points
  at their coordinates in a world off the map), coloured by their state's largest foreign or
  security partner, by government control or by the month's fatalities at a date
  (:func:`map_layer`: the values and colours, shared with the app's map).
- :func:`paired_forest`: paired differences between scenarios with their intervals.
- :func:`host_cost_and_toll`: what the hosts paid and the civilian toll, split by verdict.
- :func:`validation_figures`: the pattern bands of a ``sahel-sim-validate`` output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis.load import ok_runs
from sim.config import AES
from sim.plotstyle import (
    POWER_COLOURS,
    SYMLOG_LINTHRESH_USD,
    colour_of,
    display_name,
    figure_legend,
    format_date_axis,
    mark_empty,
    new_figure,
    panel_grid,
    table_dates,
    usd_tick,
    usd_tick_symlog,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "MAP_KINDS",
    "VERDICTS",
    "VERDICT_COLOURS",
    "MapLayer",
    "cheap_win_heatmap",
    "host_cost_and_toll",
    "influence_envelopes",
    "largest_partners",
    "map_layer",
    "paired_forest",
    "parameter_bounds",
    "price_of_influence",
    "prim_box_limits",
    "prim_figure",
    "prim_tradeoff",
    "region_map",
    "sobol_bars",
    "validation_figures",
    "verdict_surface_heatmap",
]

#: The verdicts of a run (docs/ODD.md section 8), in the order the figures show them: ``both``
#: (the cheap win: the security win and cheap), ``win`` (the security win alone), ``cheap`` and
#: ``neither``.
VERDICTS = ("both", "win", "cheap", "neither")
#: Probability labels of the boolean outcomes the heatmaps draw.
OUTCOME_LABELS = {"hypothesis": "P(cheap win)", "security_win": "P(security win)",
                  "cheap": "P(cheap)", "vacuum_premium.because_of_vacuum":
                  "P(win because of the vacuum)",
                  "first_version.hypothesis": "P(cheap win, first version)",
                  "first_version.win": "P(win, first version)",
                  "first_version.cheap": "P(cheap, first version)"}
#: One colour per verdict: ``both`` is the cheap win.
VERDICT_COLOURS = {"both": "#d62728", "win": "#ff7f0e", "cheap": "#6baed6", "neither": "#7f7f7f",
                   "True": "#d62728", "False": "#7f7f7f"}
#: Colour of regions whose state has no foreign partner (no influence above zero).
_NO_PARTNER = "#d9d9d9"


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig = new_figure(figsize)
        return fig, fig.add_subplot()
    return ax.figure, ax


def _levels(values: pd.Series) -> list[Any]:
    """The distinct values of a column: sorted if numeric or boolean, else in order of appearance."""
    distinct = list(dict.fromkeys(values.dropna().tolist()))
    if all(isinstance(v, (bool, int, float, np.number)) for v in distinct):
        return sorted(distinct)
    return distinct


def _level_text(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


def _name(column: str) -> str:
    """A column name for an axis label: ``russia.own_net_cost_usd`` -> ``russia own net cost usd``."""
    return column.replace(".", " ").replace("_", " ")


# --------------------------------------------------------------------------- influence envelopes


def influence_envelopes(monthly: pd.DataFrame, states: Sequence[str] | None = None,
                        powers: Sequence[str] | None = None, band: tuple[float, float] = (0.05, 0.95),
                        fig: Figure | None = None, title: str | None = None) -> Figure:
    """Influence of each power in each state over time across the runs of a sweep: the median
    (line) and the 5-95% band (shaded) of the runs at every recorded month (docs/ODD.md section 3,
    process 6).

    Args:
        monthly: The monthly series ``presence.influence`` of a sweep (``run_id``, ``date``,
            ``state``, ``power``, ``influence``), e.g. ``SweepData.monthly("presence.influence")``,
            filtered to the runs to show (one scenario, one design point, ...).
        states: One panel per state; default the AES states present, or every state (synthetic
            worlds).
        powers: The powers drawn; default every power whose band rises above zero somewhere.
        band: The quantiles of the shaded band.
        fig: An empty Figure to draw into; a new one if None.
        title: The figure's title (default names the number of runs).

    Returns:
        The Figure: one Axes per state, in each a median line (labelled with the power) and a
        band per power shown.
    """
    present = list(dict.fromkeys(monthly["state"]))
    if states is None:
        states = [s for s in AES if s in present] or present
    all_powers = list(dict.fromkeys(monthly["power"]))
    q = (monthly.groupby(["state", "power", "date"], sort=True)["influence"]
         .quantile([band[0], 0.5, band[1]]).unstack())
    if powers is None:
        top = q[band[1]].groupby(level="power").max() if len(q) else pd.Series(dtype=float)
        powers = [p for p in all_powers if top.get(p, 0.0) > 0]
    n_runs = monthly["run_id"].nunique() if "run_id" in monthly.columns else 1
    fig, axes = panel_grid(fig, len(states), 3, (4.6, 3.4), sharey=True)
    for ax, state in zip(axes, states, strict=False):
        drawn = 0
        for p in powers:
            if (state, p) not in q.index.droplevel("date"):
                continue
            s = q.loc[(state, p)]
            x = table_dates(s.index)
            colour = colour_of(p, POWER_COLOURS, all_powers)
            ax.fill_between(x, s[band[0]].to_numpy(), s[band[1]].to_numpy(), color=colour,
                            alpha=0.2, linewidth=0)
            ax.plot(x, s[0.5].to_numpy(), color=colour, linewidth=1.6, label=display_name(p))
            drawn += 1
        if not drawn:
            mark_empty(ax, "no foreign influence")
        ax.set_title(display_name(state))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        format_date_axis(ax, maxticks=6)
    axes[0].set_ylabel("influence (share of the state, 0-1)")
    pct = f"{100 * band[0]:g}-{100 * band[1]:g}%"
    fig.suptitle(title or f"Influence by power: median and {pct} band of {n_runs} runs")
    figure_legend(fig, axes, ncols=8)
    return fig


# --------------------------------------------------------------------------- price of influence


def price_of_influence(runs: pd.DataFrame, actors: Sequence[str] = ("russia", "west"),
                       ax: Axes | None = None, log: bool = True) -> Figure:
    """Own net cost against influence gained, one point per run and actor: the price of
    influence (docs/ODD.md section 8: own net cost = gross - host payments - concessions; the gain
    is the mean change of the actor's influence over the AES states across the horizon).

    Args:
        runs: Result rows of a sweep with ``<actor>.influence_gain`` and
            ``<actor>.own_net_cost_usd`` (``status != "ok"`` rows are left out).
        actors: The actors, ``russia`` and the bloc ``west``.
        ax: An Axes to draw on; a new Figure if None.
        log: Logarithmic cost axis (symmetric-log, linear within USD 1m of zero, if a cost is
            zero or negative), so that a russian bill in the millions shows beside a western
            one in the billions.

    Returns:
        The Figure: one scatter (PathCollection) per actor, labelled, and a cross at each
        actor's median.
    """
    ok = ok_runs(runs)
    fig, ax = _axes(ax, (7.5, 5.0))
    for a in actors:
        x = 100 * ok[f"{a}.influence_gain"].to_numpy(dtype=float)
        y = ok[f"{a}.own_net_cost_usd"].to_numpy(dtype=float)
        colour = POWER_COLOURS.get(a, "#8c564b")
        ax.scatter(x, y, s=18, alpha=0.55, color=colour, edgecolors="none",
                   label=f"{display_name(a)} ({len(x)} runs)")
        if len(x):
            ax.plot([np.nanmedian(x)], [np.nanmedian(y)], marker="X", markersize=11,
                    color=colour, markeredgecolor="white", linestyle="none",
                    label=f"{display_name(a)} median")
    ax.axvline(0, color="0.5", linewidth=0.8)
    costs = np.concatenate([ok[f"{a}.own_net_cost_usd"].to_numpy(dtype=float) for a in actors])
    costs = costs[np.isfinite(costs)]
    if log and len(costs) and (costs > 0).all():
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(usd_tick)
    elif log:
        ax.set_yscale("symlog", linthresh=SYMLOG_LINTHRESH_USD)
        ax.yaxis.set_major_formatter(usd_tick_symlog)
    else:
        ax.yaxis.set_major_formatter(usd_tick)
    ax.set_xlabel("influence gained over the horizon (percentage points, mean of the AES states)")
    ax.set_ylabel("own net cost (USD)" + (f", {ax.get_yscale()} scale" if log else ""))
    ax.set_title("The price of influence: own net cost against influence gained")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return fig


# --------------------------------------------------------------------------- heatmap


def cheap_win_heatmap(runs: pd.DataFrame, x: str, y: str, outcome: str = "hypothesis",
                      ax: Axes | None = None, n_boot: int = 2000, ci: float = 0.95,
                      seed: int = 0) -> Figure:
    """P(cheap win) (or another boolean outcome) over two swept columns, with the bootstrap
    interval written in every cell.

    Each cell is :func:`sim.analysis.probability` of ``outcome`` over the runs at that pair of
    values, pooling every other parameter and every replicate (so with more than two swept
    parameters a cell averages over the others). Numeric values ascend (upwards on the vertical
    axis); names (rules, scenarios) keep the order in which the runs hold them, which is the
    experiment's, top to bottom.

    Args:
        runs: Result rows of a sweep.
        x: The column on the horizontal axis (a parameter or ``scenario``).
        y: The column on the vertical axis.
        outcome: A boolean outcome: ``hypothesis`` (the cheap win: the security win and
            cheap), ``security_win``, ``cheap``, or the first version's
            (``first_version.hypothesis``, ``first_version.win``, ``first_version.cheap``).
        ax: An Axes to draw on; a new Figure if None.
        n_boot, ci, seed: The bootstrap of :func:`~sim.analysis.probability`.

    Returns:
        The Figure: one image (AxesImage) of the proportions in [0, 1], a colour bar, and one
        text per cell (``p``, ``[lo, hi]`` and ``n``).
    """
    from sim.analysis.stats import probability

    table = probability(runs, by=[y, x], outcome=outcome, n_boot=n_boot, ci=ci, seed=seed)
    # numbers ascending; names in the order the runs have them (the experiment's order)
    xs = [v for v in _levels(runs[x]) if v in set(table[x])]
    ys = [v for v in _levels(runs[y]) if v in set(table[y])]
    numeric_y = all(isinstance(v, (bool, int, float, np.number)) for v in ys)
    grid = {c: np.full((len(ys), len(xs)), np.nan) for c in ("p", "lo", "hi", "n")}
    for rec in table.to_dict("records"):
        i, j = ys.index(rec[y]), xs.index(rec[x])
        for c, values in grid.items():
            values[i, j] = rec[c]
    fig, ax = _axes(ax, (max(4.5, 1.4 * len(xs) + 2.5), max(3.2, 0.9 * len(ys) + 1.8)))
    image = ax.imshow(grid["p"], vmin=0, vmax=1, cmap="viridis", aspect="auto",
                      origin="lower" if numeric_y else "upper")
    for i in range(len(ys)):
        for j in range(len(xs)):
            p = grid["p"][i, j]
            if np.isnan(p):
                text = "no runs"
            else:
                text = (f"{p:.2f}\n[{grid['lo'][i, j]:.2f}, {grid['hi'][i, j]:.2f}]\n"
                        f"n={int(grid['n'][i, j])}")
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="white" if np.isnan(p) or p < 0.6 else "black")
    ax.set_xticks(range(len(xs)), [_level_text(v) for v in xs],
                  rotation=30 if any(isinstance(v, str) for v in xs) else 0, ha="right"
                  if any(isinstance(v, str) for v in xs) else "center")
    ax.set_yticks(range(len(ys)), [_level_text(v) for v in ys])
    ax.set_xlabel(_name(x))
    ax.set_ylabel(_name(y))
    label = OUTCOME_LABELS.get(outcome, f"P({outcome})")
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(f"{label} with {100 * ci:g}% bootstrap interval, over the finished runs of "
                 "each cell", fontsize="medium")
    return fig


# --------------------------------------------------------------------------- verdict surface


def verdict_surface_heatmap(surface: pd.DataFrame, k: int | None = None, what: str = "both",
                            by: str | None = None, mark: Mapping[str, Any] | None = None,
                            fig: Figure | None = None, max_panels: int = 8) -> Figure:
    """The verdict against its own definitions: P(cheap win) of the runs at each combination of
    the analyst's choices, one cell each, at one ``k``: rows the security margin and the months
    of lead, columns the cost basis and the cheap threshold (docs/ODD.md section 8).

    Args:
        surface: :func:`sim.analysis.verdict_surface` (with a ``by`` column if it has groups).
        k: The AES states Russia must lead; default 2 if the surface has it, else its first.
        what: ``both`` (the cheap win), ``win`` (the security win) or ``cheap``.
        by: A column of ``surface`` with one panel per value (``scenario``), in its order; at
            most ``max_panels`` are drawn.
        mark: The runs' own choices (``margin``, ``months``, ``basis``, ``threshold``;
            :func:`sim.analysis.verdict.own_choices`): their cell is outlined.
        fig: An empty Figure to draw into; a new one if None.
        max_panels: The most panels drawn.

    Returns:
        The Figure: per panel one image (AxesImage) of the probabilities in [0, 1] (the number
        in each cell when there are at most two panels), and a colour bar.
    """
    from matplotlib.patches import Rectangle

    from sim.analysis.verdict import margin_label, surface_cells

    ks = list(dict.fromkeys(surface["k"]))
    k = k if k is not None else (2 if 2 in ks else ks[0])
    groups = (list(dict.fromkeys(surface[by]))[:max_panels] if by else [None])
    rows, columns = ("margin", "months"), ("basis", "threshold")
    fig, axes = panel_grid(fig, len(groups), 3, (6.2, 6.4), sharey=True)
    image = None
    for ax, group in zip(axes, groups, strict=True):
        sub = surface if group is None else surface[surface[by] == group]
        cells = surface_cells(sub, what, rows, columns, k=k)
        row_keys = list(dict.fromkeys(zip(cells["margin"], cells["months"], strict=True)))
        col_keys = list(dict.fromkeys(zip(cells["basis"], cells["threshold"], strict=True)))
        grid = np.full((len(row_keys), len(col_keys)), np.nan)
        for rec in cells.to_dict("records"):
            grid[row_keys.index((rec["margin"], rec["months"])),
                 col_keys.index((rec["basis"], rec["threshold"]))] = rec["p"]
        image = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        if len(groups) <= 2:
            for i in range(len(row_keys)):
                for j in range(len(col_keys)):
                    p = grid[i, j]
                    ax.text(j, i, "" if np.isnan(p) else f"{p:.2f}", ha="center", va="center",
                            fontsize=6, color="white" if np.isnan(p) or p < 0.6 else "black")
        # white lines between margins and between bases; each basis named above its columns
        n_months = len(dict.fromkeys(m for _, m in row_keys)) or 1
        for i in range(n_months, len(row_keys), n_months):
            ax.axhline(i - 0.5, color="white", linewidth=1.2)
        bases = list(dict.fromkeys(b for b, _ in col_keys))
        for b in bases:
            idx = [j for j, (bb, _) in enumerate(col_keys) if bb == b]
            if idx[0] > 0:
                ax.axvline(idx[0] - 0.5, color="white", linewidth=2.0)
            ax.text((idx[0] + idx[-1]) / 2, -0.7, b, ha="center", va="bottom",
                    fontsize="small", fontweight="bold")
        if mark and all(mark.get(c) is not None for c in (*rows, *columns)):
            rk, ck = (mark["margin"], mark["months"]), (mark["basis"], mark["threshold"])
            if rk in row_keys and ck in col_keys:
                i, j = row_keys.index(rk), col_keys.index(ck)
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor="#d62728", linewidth=2.2,
                                       label="the runs' own choices"))
        ax.set_xticks(range(len(col_keys)), [_level_text(t) for _, t in col_keys],
                      fontsize="small")
        ax.set_yticks(range(len(row_keys)), [f"{margin_label(m)}, {mo} months"
                                             for m, mo in row_keys], fontsize="small")
        ax.set_xlabel("cheap: Russia's cost per security point at most this x the West's")
        n = int(cells["n"].iloc[0]) if len(cells) else 0
        ax.set_title((f"{group}: " if group is not None else "") + f"{n} finished runs",
                     fontsize="medium", pad=16)
    axes[0].set_ylabel("security win: margin over the West, months of lead up to the end")
    label = {"both": "P(cheap win)", "win": "P(security win)", "cheap": "P(cheap)"}[what]
    if image is not None:
        fig.colorbar(image, ax=axes, label=label, shrink=0.8)
    more = (f" (the first {len(groups)} of {surface[by].nunique()} {by} values)"
            if by and surface[by].nunique() > len(groups) else "")
    fig.suptitle(f"The verdict against its own definitions: {label} at k = {k} AES "
                 f"states{more}; outlined: the runs' own choices")
    return fig


# --------------------------------------------------------------------------- Sobol


def variance_share_bars(shares: pd.DataFrame, ax: Axes | None = None,
                        title: str | None = None) -> Figure:
    """For each outcome, the shares of its variance that come from the assumptions (between
    sampled worlds) and from chance (between the seeds of a world), as stacked horizontal bars.

    Args:
        shares: :func:`sim.analysis.stats.variance_shares` (``outcome``,
            ``assumptions_share``, ``seed_share``).
        ax: An Axes to draw on; a new Figure if None.
        title: The Axes title.

    Returns:
        The Figure: two BarContainers (assumptions, seeds).
    """
    df = shares.dropna(subset=["assumptions_share"]).reset_index(drop=True)
    fig, ax = _axes(ax, (7.5, 0.45 * max(len(df), 1) + 1.6))
    pos = np.arange(len(df))
    ax.barh(pos, df["assumptions_share"], color="#1f4e9c", label="the assumptions")
    ax.barh(pos, df["seed_share"], left=df["assumptions_share"], color="#bbbbbb",
            label="chance (seeds)")
    ax.set_yticks(pos, [str(o) for o in df["outcome"]])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the outcome's variance across runs")
    ax.invert_yaxis()
    ax.legend(fontsize="small", frameon=False, loc="lower right")
    ax.set_title(title or "Assumptions or chance?")
    return fig


def sobol_bars(result: Any, ax: Axes | None = None, title: str | None = None) -> Figure:
    """First-order (S1) and total (ST) Sobol indices per parameter, with their confidence
    intervals (SALib's bootstrap), largest total effect first.

    Args:
        result: A :class:`~sim.analysis.SobolResult` (the seed's share of the variance,
            ``seed_share``, is written under the title) or its ``indices`` DataFrame
            (``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``).
        ax: An Axes to draw on; a new Figure if None.
        title: The Axes title (default names the indices).

    Returns:
        The Figure: two bar groups (BarContainers S1 and ST) with error bars.
    """
    indices = result.indices if hasattr(result, "indices") else result
    df = indices.sort_values("ST", ascending=False).reset_index(drop=True)
    fig, ax = _axes(ax, (max(6.0, 0.7 * len(df) + 3.0), 4.2))
    pos = np.arange(len(df))
    width = 0.38
    ax.bar(pos - width / 2, df["S1"], width, yerr=df["S1_conf"], capsize=3, color="#1f4e9c",
           label="first order S1 (alone)")
    ax.bar(pos + width / 2, df["ST"], width, yerr=df["ST_conf"], capsize=3, color="#ff7f0e",
           label="total ST (with interactions)")
    ax.set_xticks(pos, [_name(p) for p in df["parameter"]], rotation=35, ha="right")
    ax.axhline(0, color="0.4", linewidth=0.8)
    ax.set_ylabel("share of the variance of the outcome")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small", frameon=False)
    heading = title or "Sobol indices (95% confidence intervals)"
    share = getattr(result, "seed_share", None)
    if share is not None and np.isfinite(share):
        heading += f"\nthe seed holds {100 * share:.0f}% of a single run's variance"
    ax.set_title(heading, fontsize="medium")
    return fig


# --------------------------------------------------------------------------- PRIM


def parameter_bounds(runs: pd.DataFrame, parameters: Sequence[str]) -> dict[str, tuple[float, float]]:
    """The range [min, max] each numeric parameter takes in the runs (for :func:`prim_box_limits`
    when the experiment's ranges are not at hand)."""
    out = {}
    for p in parameters:
        v = pd.to_numeric(runs[p], errors="coerce")
        if v.notna().any():
            out[p] = (float(v.min()), float(v.max()))
    return out


def prim_tradeoff(trajectory: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """PRIM's peeling trajectory: the coverage and density of each box as the box shrinks
    (Friedman and Fisher 1999; Bryant and Lempert 2010), coloured by the number of parameters
    it restricts; the step PRIM reports (``selected``) is circled.

    Args:
        trajectory: ``PrimResult.trajectory`` (``coverage``, ``density``, ``mass``,
            ``n_restricted``, optionally ``selected``), one row per peeling or pasting step.
        ax: An Axes to draw on; a new Figure if None.

    Returns:
        The Figure: one scatter of the trajectory (PathCollection) with a colour bar, and one
        more scatter circling the selected step if there is one.
    """
    fig, ax = _axes(ax, (6.4, 4.8))
    n = trajectory["n_restricted"].to_numpy(dtype=float)
    ax.plot(trajectory["coverage"], trajectory["density"], color="0.7", linewidth=0.8, zorder=1)
    points = ax.scatter(trajectory["coverage"], trajectory["density"], c=n, cmap="viridis",
                        s=22, vmin=0, vmax=max(1.0, float(np.nanmax(n)) if len(n) else 1.0),
                        zorder=2)
    fig.colorbar(points, ax=ax, label="parameters restricted")
    if "selected" in trajectory.columns and trajectory["selected"].astype(bool).any():
        sel = trajectory[trajectory["selected"].astype(bool)]
        ax.scatter(sel["coverage"], sel["density"], s=160, facecolors="none",
                   edgecolors="#d62728", linewidths=1.6, zorder=3, label="the reported box")
        ax.legend(fontsize="small", frameon=False, loc="lower left")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_title("PRIM peeling trajectory: coverage against density")
    ax.grid(alpha=0.3)
    return fig


def _box_limits(boxes: pd.DataFrame, box: Any) -> dict[str, Any]:
    if "box" in boxes.columns and box is not None:
        sel = boxes[boxes["box"] == box]
        row = sel.iloc[0] if len(sel) else boxes.iloc[0]
    else:
        row = boxes.iloc[0]
    return row.to_dict()


def prim_box_limits(boxes: pd.DataFrame, bounds: Mapping[str, tuple[float, float]],
                    box: Any = None, ax: Axes | None = None) -> Figure:
    """The limits of one PRIM box, each parameter's range normalised to [0, 1] (its full range
    in the experiment, grey) with the box's part of it coloured; restricted parameters first.

    A parameter with categories (text or booleans, ``<param>_levels`` in ``boxes``) is drawn
    as a full bar with the levels inside the box written beside it.

    Args:
        boxes: ``PrimResult.boxes`` (``box``, ``coverage``, ``density``, ``restricted``,
            ``<param>_lo`` and ``<param>_hi``, or ``<param>_levels``).
        bounds: Parameter -> (lo, hi) of the whole space for the numeric parameters (the
            experiment's ranges or :func:`parameter_bounds`); the categorical ones are found
            from their ``_levels`` columns.
        box: The box (value of the ``box`` column); default the first.
        ax: An Axes to draw on; a new Figure if None.

    Returns:
        The Figure: two horizontal bar groups (BarContainers), the full ranges and the box's,
        one bar per parameter each.
    """
    rec = _box_limits(boxes, box)
    named = [p.strip() for p in str(rec.get("restricted") or "").split(",") if p.strip()]
    nominal = [c[:-len("_levels")] for c in boxes.columns if c.endswith("_levels")]
    rows = []
    for p in [*bounds, *[q for q in nominal if q not in bounds]]:
        if p in nominal:
            levels = rec.get(f"{p}_levels")
            text = ", ".join(map(str, levels)) if isinstance(levels, (list, tuple, np.ndarray)) \
                else str(levels)
            rows.append((p, 0.0, 1.0, p in named, text))
            continue
        lo, hi = bounds[p]
        b_lo, b_hi = rec.get(f"{p}_lo", lo), rec.get(f"{p}_hi", hi)
        span = hi - lo if hi > lo else 1.0
        n_lo = max(0.0, (float(b_lo) - lo) / span)
        n_hi = min(1.0, (float(b_hi) - lo) / span)
        restricted = p in named if "restricted" in rec else (n_lo > 1e-9 or n_hi < 1 - 1e-9)
        rows.append((p, n_lo, n_hi, restricted, f"{_level_text(b_lo)} .. {_level_text(b_hi)}"))
    rows.sort(key=lambda r: (not r[3], r[2] - r[1]))
    fig, ax = _axes(ax, (6.8, 0.45 * len(rows) + 1.6))
    ypos = np.arange(len(rows))[::-1]
    ax.barh(ypos, [1.0] * len(rows), left=0.0, color="#e0e0e0", height=0.6,
            label="parameter's range")
    ax.barh(ypos, [r[2] - r[1] for r in rows], left=[r[1] for r in rows], height=0.6,
            color=["#d62728" if r[3] else "#fcbba1" for r in rows], label="the box")
    for y, r in zip(ypos, rows, strict=True):
        if r[3]:
            ax.text(1.02, y, r[4], va="center", fontsize="small")
    ax.set_yticks(ypos, [_name(r[0]) for r in rows])
    ax.set_xlim(0, 1.45)
    ax.set_xticks([0, 0.5, 1], ["lo", "mid", "hi"])
    ax.set_xlabel("position in the parameter's range (restricted: dark, limits beside)")
    cov, den = rec.get("coverage"), rec.get("density")
    head = f"PRIM box {rec.get('box', '')}".strip()
    if cov is not None and den is not None:
        head += f": coverage {float(cov):.2f}, density {float(den):.2f}"
    ax.set_title(head)
    return fig


def prim_figure(result: Any, bounds: Mapping[str, tuple[float, float]], box: Any = None,
                fig: Figure | None = None) -> Figure:
    """PRIM in one figure: the first box's trade-off (left) and the first (or given) box's
    limits (right).

    Args:
        result: A :class:`~sim.analysis.PrimResult` (``boxes``, ``trajectory``).
        bounds: Parameter -> (lo, hi) of the whole space.
        box: The box whose limits are drawn; default the first.
        fig: An empty Figure to draw into; a new one if None.

    Returns:
        The Figure with two Axes (plus the trade-off's colour bar).
    """
    if fig is None:
        fig = new_figure((13.0, max(4.8, 0.45 * len(bounds) + 1.6)))
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.1])
    prim_tradeoff(result.trajectory, ax=left)
    if len(result.boxes):
        prim_box_limits(result.boxes, bounds, box=box, ax=right)
    else:
        mark_empty(right, "PRIM found no box")
        right.set_axis_off()
    return fig


# --------------------------------------------------------------------------- map


def _at_date(df: pd.DataFrame, date: str | None) -> tuple[pd.DataFrame, str]:
    """The rows of ``df`` at ``date`` (``YYYY-MM`` or ``YYYY-MM-DD``; default the last date;
    else the last recorded date on or before it)."""
    dates = sorted(df["date"].astype(str).unique())
    if not dates:
        return df, ""
    if date is None:
        chosen = dates[-1]
    else:
        key = str(date)[:7]
        before = [d for d in dates if d[:7] <= key]
        chosen = before[-1] if before else dates[0]
    return df[df["date"].astype(str) == chosen], chosen


def largest_partners(presence: pd.DataFrame, date: str | None = None) -> pd.DataFrame:
    """The largest foreign partner of every state at ``date``: per run the power with the most
    influence (none if no power has any), then across runs the most frequent one.

    Returns:
        DataFrame[state, partner (None: no partner), share (of the runs that agree), date].
    """
    at, chosen = _at_date(presence, date)
    keys = ["run_id", "state"] if "run_id" in at.columns else ["state"]
    idx = at.groupby(keys, sort=False)["influence"].idxmax()
    top = at.loc[idx, [*keys, "power", "influence"]]
    top["partner"] = top["power"].where(top["influence"] > 0, "none")
    counts = top.groupby(["state", "partner"], sort=False).size().rename("k").reset_index()
    totals = counts.groupby("state")["k"].transform("sum")
    counts["share"] = counts["k"] / totals
    best = counts.sort_values(["state", "k"], ascending=[True, False]).drop_duplicates("state")
    best["partner"] = pd.Series([None if p == "none" else p for p in best["partner"]],
                                index=best.index, dtype=object)
    best["date"] = chosen
    return best[["state", "partner", "share", "date"]].reset_index(drop=True)


#: What a map can be coloured by (``colour_by``): the layer's words for its title.
MAP_KINDS = {"partner": "largest foreign partner of each region's state",
             "security": "leading security partner of each region's state",
             "control": "government control of each region",
             "fatalities": "fatalities in each region in the month"}


@dataclass
class MapLayer:
    """What a map shows at one month: one row per region with its value, its text and its
    colour, so that every drawing of it (the report's and the run figures' matplotlib maps, the
    app's plotly map) colours a region alike.

    Attributes:
        table: the coordinates' columns (``region``, ``name``, ``state``, ``lat``, ``lon``) and
            ``value`` (the partner's display name, or the number), ``text`` (the value as
            shown on hover) and ``colour`` (hex).
        date: the month shown (``YYYY-MM``; empty if the table had no rows).
        colour_by: ``partner``, ``security``, ``control`` or ``fatalities``.
        what: what the colours mean, for a title (:data:`MAP_KINDS`).
        legend: the legend's title or the colour bar's label.
        categories: (label, colour) of each category shown, in legend order (partner and
            security); empty for a scale.
        cmap, vmin, vmax, log: the colour scale (control and fatalities): a matplotlib colour
            map over [vmin, vmax] of the number (of fatalities + 1 when ``log``).
    """

    table: pd.DataFrame
    date: str
    colour_by: str
    what: str
    legend: str
    categories: list[tuple[str, str]] = field(default_factory=list)
    cmap: str = ""
    vmin: float = 0.0
    vmax: float = 1.0
    log: bool = False

    def norm(self) -> Any:
        """The matplotlib norm of the colour scale."""
        from matplotlib.colors import LogNorm, Normalize

        return (LogNorm(vmin=self.vmin, vmax=self.vmax) if self.log
                else Normalize(vmin=self.vmin, vmax=self.vmax))

    def scale_values(self) -> np.ndarray:
        """The numbers the colour scale maps (fatalities + 1 on a log scale)."""
        v = self.table["value"].astype(float).fillna(0.0).to_numpy()
        return v + 1.0 if self.log else v


def map_layer(coordinates: pd.DataFrame, presence: pd.DataFrame | None = None,
              regions: pd.DataFrame | None = None, date: str | None = None,
              colour_by: str = "partner") -> MapLayer:
    """The values, texts and colours a map shows at ``date`` (the arguments of
    :func:`region_map`).

    Raises:
        ValueError: ``colour_by`` is not one of :data:`MAP_KINDS`, or its table is missing.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if colour_by not in MAP_KINDS:
        raise ValueError(f"colour_by={colour_by!r} is invalid; allowed: partner, security, "
                         "control, fatalities")
    coords = coordinates.copy()
    if colour_by in ("partner", "security"):
        if presence is None:
            raise ValueError(f"colour_by={colour_by!r} needs the presence table")
        if colour_by == "security":
            if "security_share" not in presence.columns:
                raise ValueError("colour_by='security' needs presence.security_share")
            presence = presence.assign(influence=presence["security_share"])
        partners = largest_partners(presence, date)
        chosen = partners["date"].iloc[0] if len(partners) else ""
        coords = coords.merge(partners[["state", "partner", "share"]], on="state", how="left")
        powers = list(dict.fromkeys(presence["power"]))
        several = "run_id" in presence.columns and presence["run_id"].nunique() > 1
        values, texts, colours = [], [], []
        for p, share in zip(coords["partner"], coords["share"], strict=True):
            if isinstance(p, str):
                values.append(display_name(p))
                colours.append(colour_of(p, POWER_COLOURS, powers))
                texts.append(display_name(p) + (f" (in {share:.0%} of the runs)"
                                                if several else ""))
            else:
                values.append("no partner / no data")
                colours.append(_NO_PARTNER)
                texts.append("no partner / no data")
        coords["value"], coords["text"], coords["colour"] = values, texts, colours
        shown = [p for p in powers if (coords["partner"] == p).any()]
        categories = [(display_name(p), colour_of(p, POWER_COLOURS, powers)) for p in shown]
        if coords["partner"].isna().any():
            categories.append(("no partner / no data", _NO_PARTNER))
        title = "leading security partner" if colour_by == "security" else \
            "largest foreign partner"
        return MapLayer(coords.drop(columns=["partner", "share"]), str(chosen)[:7], colour_by,
                        MAP_KINDS[colour_by], title, categories)
    if colour_by == "fatalities":
        if regions is None or "fatalities" not in regions.columns:
            raise ValueError("colour_by='fatalities' needs the regions table (fatalities)")
        at, chosen = _at_date(regions, date)
        deaths = at.groupby("region")["fatalities"].median().rename("value")
        coords = coords.merge(deaths, left_on="region", right_index=True, how="left")
        coords["value"] = coords["value"].fillna(0.0)
        top = max(float(coords["value"].max()), 10.0)
        layer = MapLayer(coords, str(chosen)[:7], colour_by, MAP_KINDS[colour_by],
                         "fatalities in the month + 1 (log scale)", cmap="magma_r", vmin=1.0,
                         vmax=top + 1.0, log=True)
        coords["text"] = [f"{v:,.0f} deaths" for v in coords["value"]]
    else:
        if regions is None:
            raise ValueError("colour_by='control' needs the regions table (regions.control)")
        at, chosen = _at_date(regions, date)
        control = at.groupby("region")["control"].median().rename("value")
        coords = coords.merge(control, left_on="region", right_index=True, how="left")
        layer = MapLayer(coords, str(chosen)[:7], colour_by, MAP_KINDS[colour_by],
                         "government control (0-1)", cmap="RdYlGn", vmin=0.0, vmax=1.0)
        coords["text"] = ["no data" if pd.isna(v) else f"{v:.2f}" for v in coords["value"]]
    cmap, norm = colormaps[layer.cmap], layer.norm()
    coords["colour"] = [to_hex(cmap(norm(v))) if np.isfinite(v) else _NO_PARTNER
                        for v in layer.scale_values()]
    layer.table = coords
    return layer


def _path(polygon: list[list[tuple[float, float]]]) -> Any:
    """A matplotlib Path of a polygon with its holes (the builder orients them oppositely)."""
    from matplotlib.path import Path as MplPath

    return MplPath.make_compound_path(*[MplPath(np.asarray(ring), closed=True)
                                        for ring in polygon])


def _draw_shapes(ax: Axes, layer: MapLayer) -> Any:
    """The regions as polygons coloured by ``layer``, the states around in grey, the state names
    and the capitals; returns the regions' PatchCollection (one patch per polygon)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    from sim.analysis.geo import capitals, context_shapes, region_shapes, state_labels

    shapes = region_shapes(layer.table["region"])
    context = [PathPatch(_path(p)) for polys in context_shapes().values() for p in polys]
    ax.add_collection(PatchCollection(context, facecolor="#f2f2f2", edgecolor="#b0b0b0",
                                      linewidth=0.4, zorder=0))
    patches, values, colours = [], [], []
    for region, value, colour in zip(layer.table["region"], layer.scale_values()
                                     if layer.cmap else layer.table["value"],
                                     layer.table["colour"], strict=True):
        for poly in shapes[region]:
            patches.append(PathPatch(_path(poly)))
            values.append(value)
            colours.append(colour)
    coll = PatchCollection(patches, edgecolor="white", linewidth=0.5, zorder=2)
    if layer.cmap:
        coll.set_array(np.asarray(values, dtype=float))
        coll.set_cmap(layer.cmap)
        coll.set_norm(layer.norm())
    else:
        coll.set_facecolor(colours)
    ax.add_collection(coll)
    # the state borders over the region borders
    states = list(dict.fromkeys(layer.table["state"]))
    for state in states:
        ids = layer.table.loc[layer.table["state"] == state, "region"]
        outline = [PathPatch(_path(p)) for r in ids for p in shapes[r]]
        ax.add_collection(PatchCollection(outline, facecolor="none", edgecolor="0.35",
                                          linewidth=0.25, zorder=3))
    labels = state_labels().set_index("state")
    for state in states:
        if state in labels.index:
            lon, lat = labels.loc[state, ["lon", "lat"]]
            ax.text(lon, lat, display_name(state), ha="center", va="center",
                    fontsize="small", fontweight="bold", color="0.15", zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.6})
    caps = capitals()
    caps = caps[caps["state"].isin(states)]
    ax.scatter(caps["lon"], caps["lat"], marker="*", s=60, color="black", zorder=6,
               label="_capitals")
    for name, lon, lat in zip(caps["name"], caps["lon"], caps["lat"], strict=True):
        ax.annotate(name, (lon, lat), xytext=(3, -7), textcoords="offset points",
                    fontsize="x-small", color="0.1", zorder=6)
    xs = [x for r in shapes.values() for p in r for x, _ in p[0]]
    ys = [y for r in shapes.values() for p in r for _, y in p[0]]
    ax.set_xlim(min(xs) - 1.0, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_aspect(1.0 / np.cos(np.radians((min(ys) + max(ys)) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return coll


def region_map(coordinates: pd.DataFrame, presence: pd.DataFrame | None = None,
               regions: pd.DataFrame | None = None, date: str | None = None,
               colour_by: str = "partner", ax: Axes | None = None) -> Figure:
    """The regions coloured by their state's largest foreign partner (on influence, or on the
    security share: its leading security partner), by government control or by the month's
    fatalities at a date.

    The regions are drawn as their polygons (the map shipped with the package, with the states
    around in grey, the state names and the capitals: :mod:`sim.analysis.geo`) when every
    region is on it, else as points at their coordinates (a synthetic world). With several
    runs (a sweep's monthly series have ``run_id``) the partner is the one most runs agree on
    and control and fatalities are the median across runs.

    Args:
        coordinates: ``region``, ``name``, ``state``, ``lat``, ``lon``
            (:func:`sim.analysis.geo.region_coordinates`).
        presence: The ``presence`` table or the monthly series ``presence.influence``
            (``date``, ``state``, ``power``, ``influence``): needed for ``colour_by="partner"``.
        regions: The ``regions`` table or the series ``regions.control`` (``date``, ``region``,
            ``control``): needed for ``colour_by="control"``.
        date: ``YYYY-MM``: the last recorded month on or before it; default the last one.
        colour_by: ``partner`` (largest influence), ``security`` (largest ``security_share``
            of the presence table), ``control`` or ``fatalities`` (the ``regions`` table's
            fatalities of the month, on a logarithmic scale).
        ax: An Axes to draw on; a new Figure if None.

    Returns:
        The Figure. Polygons: one PatchCollection of the regions (one patch per polygon; for
        ``control`` and ``fatalities`` its array holds the numbers, with a colour bar), a
        legend of the partners, the state names and capitals as texts. Points: for
        ``partner`` one scatter (PathCollection) per partner shown (plus one for states
        without a partner), for ``control`` one scatter and a colour bar; one text label per
        state.

    Raises:
        ValueError: ``colour_by`` is not one of the four, or its table is missing.
    """
    from sim.analysis.geo import has_shapes

    layer = map_layer(coordinates, presence, regions, date, colour_by)
    coords = layer.table
    shapes = has_shapes(coords["region"])
    fig, ax = _axes(ax, (10.5, 6.0) if shapes else (9.5, 5.6))
    if shapes:
        coll = _draw_shapes(ax, layer)
        if layer.cmap:
            fig.colorbar(coll, ax=ax, label=layer.legend, shrink=0.8)
        else:
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(facecolor=c, edgecolor="0.4", label=lab)
                               for lab, c in layer.categories],
                      title=layer.legend, fontsize="small", frameon=False, loc="upper left",
                      bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f"The {layer.what}, {layer.date}")
        return fig
    if layer.cmap:
        points = ax.scatter(coords["lon"], coords["lat"], c=layer.scale_values(),
                            cmap=layer.cmap, norm=layer.norm(), s=70, edgecolors="black",
                            linewidths=0.4, zorder=3)
        fig.colorbar(points, ax=ax, label=layer.legend)
    else:
        for label, colour in layer.categories:
            sub = coords[coords["value"] == label]
            ax.scatter(sub["lon"], sub["lat"], s=70, color=colour, edgecolors="black",
                       linewidths=0.4, label=label, zorder=3)
        ax.legend(title=layer.legend, fontsize="small", frameon=False, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    for state, sub in coords.groupby("state", sort=False):
        ax.text(sub["lon"].mean(), sub["lat"].max() + 0.7, display_name(str(state)), ha="center",
                fontsize="small", color="0.25")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.grid(alpha=0.3)
    ax.set_title(f"The {layer.what}, {layer.date}")
    return fig


# --------------------------------------------------------------------------- paired differences


def paired_forest(table: pd.DataFrame, outcome: str = "", ax: Axes | None = None) -> Figure:
    """Paired differences of one outcome between each scenario and the baseline: the mean
    difference (dot) and its bootstrap interval (bar) per scenario, zero marked (a forest plot).

    Args:
        table: :func:`sim.analysis.paired_difference` of one outcome (``scenario``,
            ``n_pairs``, ``mean_diff``, ``lo``, ``hi``).
        outcome: The outcome's name, for the axis label.
        ax: An Axes to draw on; a new Figure if None.

    Returns:
        The Figure: one errorbar container with a point per scenario, and the zero line.
    """
    fig, ax = _axes(ax, (7.0, 0.5 * len(table) + 1.8))
    ypos = np.arange(len(table))[::-1]
    mean = table["mean_diff"].to_numpy(dtype=float)
    lo, hi = table["lo"].to_numpy(dtype=float), table["hi"].to_numpy(dtype=float)
    ax.errorbar(mean, ypos, xerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)], fmt="o",
                color="#1f4e9c", capsize=4)
    ax.axvline(0, color="0.3", linewidth=1.0, linestyle="--")
    ax.set_yticks(ypos, [f"{s} (n={n})" for s, n in zip(table["scenario"], table["n_pairs"],
                                                      strict=True)])
    if outcome.endswith("_usd"):
        ax.xaxis.set_major_formatter(usd_tick)
    ax.set_xlabel(f"{_name(outcome) or 'outcome'}: scenario - baseline, mean over pairs")
    ax.set_title(f"{_name(outcome) or 'outcome'}: paired difference, 95% interval",
                 fontsize="medium")
    ax.grid(alpha=0.3, axis="x")
    return fig


# --------------------------------------------------------------------------- hosts and toll


def host_cost_and_toll(runs: pd.DataFrame, by: str = "verdict", fig: Figure | None = None,
                       ) -> Figure:
    """What the hosts paid (host payments and concessions, ``host_cost_usd``) and the civilian
    toll in the AES states (``civilian_fatalities_aes``), split by the run's verdict: a box per
    verdict and every run as a point beside it (docs/ODD.md section 8, "who pays").

    Args:
        runs: Result rows of a sweep (``status != "ok"`` rows are left out).
        by: ``verdict`` (both, win, cheap, neither) or ``hypothesis`` (the cheap win or not), or
            any other column with few values (``scenario``).
        fig: An empty Figure to draw into; a new one if None.

    Returns:
        The Figure with two Axes (hosts' cost, civilian fatalities); in each, a box per group
        and one scatter of the runs per group.
    """
    ok = ok_runs(runs)
    keys = ok[by].astype(str)
    present = list(dict.fromkeys(keys))
    order = [v for v in (*VERDICTS, "True", "False") if v in present]
    order += [v for v in present if v not in order]
    if fig is None:
        fig = new_figure((max(8.0, 1.6 * len(order) + 5.0), 4.4))
    axes = list(fig.subplots(1, 2))
    specs = (("host_cost_usd", "paid by the hosts (USD)", "What the hosts paid"),
             ("civilian_fatalities_aes", "civilian fatalities in the AES states",
              "The civilian toll"))
    for ax, (col, ylabel, heading) in zip(axes, specs, strict=True):
        data = [ok.loc[keys == v, col].to_numpy(dtype=float) for v in order]
        if order:
            ax.boxplot(data, positions=range(len(order)), widths=0.5, showfliers=False,
                       medianprops={"color": "black"})
        for i, (v, values) in enumerate(zip(order, data, strict=True)):
            # evenly spread offsets: the points of a group side by side, without random jitter
            offsets = np.linspace(-0.18, 0.18, len(values)) if len(values) > 1 else np.zeros(1)
            ax.scatter(i + offsets[:len(values)], values, s=12, alpha=0.6, zorder=3,
                       color=VERDICT_COLOURS.get(v, "#1f77b4"), edgecolors="none")
        ax.set_xticks(range(len(order)), [f"{v}\n(n={len(d)})" for v, d in zip(order, data,
                                                                              strict=True)])
        ax.set_xlabel(_name(by))
        ax.set_ylabel(ylabel)
        ax.set_title(heading)
        ax.grid(alpha=0.3, axis="y")
        if col.endswith("_usd"):
            ax.yaxis.set_major_formatter(usd_tick)
        if not order:
            mark_empty(ax, "no finished runs")
    fig.suptitle(f"Who pays: the hosts' bill and the civilian toll by {_name(by)}")
    return fig


# --------------------------------------------------------------------------- validation


def validation_figures(validation: str | Path | Mapping[str, Any]) -> list[Figure]:
    """The figures of a validation (``sahel-sim-validate``): one per calibration pattern, the
    simulated band (median, 5-95% across replicates) against the reported figures, drawn by
    :func:`sim.validate.plots.plot_pattern`.

    Args:
        validation: ``validation.json`` (its path, the folder holding it, or its parsed data).

    Returns:
        One Figure per pattern, in the order of the file.
    """
    import dataclasses

    from sim.validate.patterns import PatternResult
    from sim.validate.plots import plot_pattern

    if not isinstance(validation, Mapping):
        path = Path(validation)
        if path.is_dir():
            path = path / "validation.json"
        validation = json.loads(path.read_text())
    names = {f.name for f in dataclasses.fields(PatternResult)}
    figures = []
    for d in validation["patterns"]:
        result = PatternResult(**{k: v for k, v in d.items() if k in names})
        figures.append(plot_pattern(result))
    return figures
