"""One figure per calibration pattern and per pre-2020 political target: the simulated band
against the reported figures.

Each :class:`~sim.validate.patterns.PatternResult` (C1-C10, P1-P6) carries the data of its figure
(``figure``): panels, each with simulated series (median line and 5-95% band across
replicates), reported points (with tolerance bars where the pattern has them), target bands and
reference lines. This
module draws that data with matplotlib's object API (no pyplot, no backend selection), like
:mod:`sim.plots`, with the shared helpers of :mod:`sim.plotstyle`. A pattern not measurable in
the run's horizon gets a figure that says so.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.plotstyle import figure_legend, format_date_axis, new_figure
from sim.validate import politics
from sim.validate.patterns import FIGURE_NAMES, PatternResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["figure_file", "plot_pattern", "save_pattern_plots"]

#: Resolution of the pattern figures (dots per inch): a little finer than the run figures'
#: (:data:`sim.plotstyle.DPI`), as these carry more annotation.
_DPI = 110
SIMULATED_COLOURS = ("#1f4e9c", "#ff7f0e", "#2ca02c")
REPORTED_COLOUR = "#000000"
TARGET_COLOUR = "#2ca02c"


def figure_file(result: PatternResult) -> str:
    """File name of a pattern's or target's figure, e.g. ``C1_fatalities_by_state.png``,
    ``P4_no_russian_deployment.png``."""
    name = (FIGURE_NAMES.get(result.id) or politics.FIGURE_NAMES.get(result.id)
            or result.figure.get("name") or "figure")
    return f"{result.id}_{name}.png"


def _x(values: Sequence[Any], kind: str) -> Any:
    if kind == "month":
        return pd.to_datetime([f"{str(v)[:7]}-01" for v in values])
    return list(values)


def _arr(values: Sequence[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _draw_panel(ax: Axes, panel: dict[str, Any], kind: str, log: bool) -> None:
    for k, s in enumerate(panel.get("series", [])):
        colour = SIMULATED_COLOURS[k % len(SIMULATED_COLOURS)]
        x, med, lo, hi = _x(s["x"], kind), _arr(s["median"]), _arr(s["low"]), _arr(s["high"])
        if kind == "category":
            pos = np.arange(len(x)) - 0.1
            ax.errorbar(pos, med, yerr=[np.maximum(med - lo, 0), np.maximum(hi - med, 0)],
                        fmt="o", color=colour, capsize=4, label=f"{s['label']} (median, 5-95%)")
            ax.set_xticks(np.arange(len(x)), [str(v) for v in x], rotation=20, ha="right")
        else:
            ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0,
                            label=f"{s['label']} 5-95%")
            ax.plot(x, med, color=colour, marker="o" if kind == "year" else None,
                    markersize=4, label=f"{s['label']} median")
    for r in panel.get("reported", []):
        y = _arr(r["y"])
        if kind == "category":
            x = np.arange(len(r["x"])) + 0.1
        else:
            x = _x(r["x"], kind)
        yerr = None
        if r.get("low") is not None and r.get("high") is not None:
            yerr = [np.maximum(y - _arr(r["low"]), 0), np.maximum(_arr(r["high"]) - y, 0)]
        ax.errorbar(x, y, yerr=yerr, fmt="D", color=REPORTED_COLOUR, capsize=4, markersize=5,
                    linestyle="none", label=r["label"])
    for b in panel.get("bands", []):
        ax.axhspan(b["low"], b["high"], color=TARGET_COLOUR, alpha=0.12, label=b["label"])
    for ln in panel.get("lines", []):
        ax.axhline(ln["y"], color="0.3", linestyle=ln.get("style", "--"), linewidth=1,
                   label=ln["label"])
    if log:
        ax.set_yscale("symlog", linthresh=10)
    ax.set_title(panel.get("title", "").replace("_", " "), fontsize="medium")
    ax.grid(alpha=0.3)
    if kind == "year":
        ax.xaxis.get_major_locator().set_params(integer=True)
    elif kind == "month":
        format_date_axis(ax, maxticks=8)


def plot_pattern(result: PatternResult, fig: Figure | None = None) -> Figure:
    """Draw a pattern's figure: one panel per entry of ``result.figure['panels']``.

    Args:
        result: A scored pattern.
        fig: A Figure to draw into (a new one if None).

    Returns:
        The Figure; its title gives the pattern, its status and the measured value.
    """
    spec = result.figure
    panels = spec.get("panels", [])
    n = max(len(panels), 1)
    ncols = min(spec.get("ncols", 2), n)
    nrows = -(-n // ncols)
    if fig is None:
        fig = new_figure((max(5.2 * ncols, 9.0), 3.4 * nrows + 1.2), dpi=_DPI)
    axes = list(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.remove()
    width = int(fig.get_figwidth() * 13)  # characters of the subtitle per line
    fig.suptitle(f"{result.id} {result.title}: {result.status}\n"
                 + textwrap.fill(result.target, width), fontsize="medium")
    if not panels:
        axes[0].text(0.5, 0.5, textwrap.fill(result.reason or "no data", 70), ha="center",
                     va="center", transform=axes[0].transAxes, color="0.3")
        axes[0].set_axis_off()
        return fig
    for ax, panel in zip(axes, panels, strict=False):
        _draw_panel(ax, panel, spec.get("xkind", "year"), bool(spec.get("log")))
        ax.set_ylabel(spec.get("ylabel", ""))
        if spec.get("ylim"):
            ax.set_ylim(*spec["ylim"])
    figure_legend(fig, axes[:n], ncols=3, fontsize="small")
    return fig


def save_pattern_plots(results: Sequence[PatternResult], folder: str | Path) -> list[Path]:
    """Write one PNG per pattern into ``folder``; return the paths, in the order of ``results``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        fig = plot_pattern(r)
        path = folder / figure_file(r)
        fig.savefig(path, dpi=_DPI)
        fig.clear()
        written.append(path)
    return written
