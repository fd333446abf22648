"""The look every figure shares: colours, display names, number formats, figure and axis helpers.

One place for the style of the run-level figures (:mod:`sim.plots`), the sweep figures
(:mod:`sim.analysis.figures`, the report) and the calibration-pattern figures
(:mod:`sim.validate.plots`), so that a power has the same colour and a dollar amount the same
format everywhere.

Layer rule (the project's house rules: plotting and analysis never import Mesa or the model):
this module imports only pandas at import time; matplotlib is imported inside the functions that
draw, and nothing here imports Mesa, Hydra or the model. Figures are built with matplotlib's object API (:class:`matplotlib.figure.Figure`),
never through ``pyplot``, so the helpers are safe headless and in worker processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "FALLBACK_COLOURS",
    "POWER_COLOURS",
    "STATE_COLOURS",
    "SYMLOG_LINTHRESH_USD",
    "colour_of",
    "display_name",
    "figure_legend",
    "format_date_axis",
    "mark_empty",
    "new_figure",
    "panel_grid",
    "persons_tick",
    "table_dates",
    "usd_tick",
    "usd_tick_symlog",
]

#: One colour per power, the same in every figure; ``west`` is the bloc france+usa+un+eu
#: (docs/ODD.md section 8).
POWER_COLOURS: dict[str, str] = {
    "france": "#1f4e9c",
    "usa": "#6baed6",
    "un": "#2ca02c",
    "eu": "#bcbd22",
    "russia": "#d62728",
    "china": "#ff7f0e",
    "turkey": "#9467bd",
    "west": "#000000",
}
#: Colours of the host states: the AES states (mali, burkina_faso, niger) strong, the others muted.
STATE_COLOURS: dict[str, str] = {
    "mali": "#d62728",
    "burkina_faso": "#ff7f0e",
    "niger": "#1f4e9c",
    "chad": "#9467bd",
    "mauritania": "#8c564b",
    "senegal": "#2ca02c",
    "guinea": "#bcbd22",
    "cote_divoire": "#17becf",
}
#: Colours for powers or states not named above (synthetic worlds), in order of appearance.
FALLBACK_COLOURS = ("#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#393b79", "#637939", "#8c6d31",
                    "#843c39", "#7b4173", "#3182bd")
#: Resolution of the run and sweep figures (dots per inch), on screen and in saved PNGs.
DPI = 100
#: Half-width of the linear band of a symmetric-log cost axis (USD): amounts within USD 1m of zero
#: are drawn linearly, larger ones one decade (a factor of 10, the ``cheap`` threshold phi = 0.1
#: of docs/ODD.md section 8) per step.
SYMLOG_LINTHRESH_USD = 1e6

#: Display names that are not the title-cased id.
_SPECIAL_NAMES = {"usa": "USA", "un": "UN", "eu": "EU", "cote_divoire": "Côte d'Ivoire"}


def colour_of(name: str, known: dict[str, str], order: Sequence[str]) -> str:
    """The fixed colour of a power or state, or a fallback for names without one.

    Args:
        name: The power or state id.
        known: The fixed colours (:data:`POWER_COLOURS` or :data:`STATE_COLOURS`).
        order: Every name the figure shows, in order; a name not in ``known`` gets the
            :data:`FALLBACK_COLOURS` entry of its position among the unknown names, so the same
            world gets the same colours in every figure.

    Returns:
        A hex colour.
    """
    if name in known:
        return known[name]
    unknown = [n for n in order if n not in known]
    if name in unknown:
        return FALLBACK_COLOURS[unknown.index(name) % len(FALLBACK_COLOURS)]
    return FALLBACK_COLOURS[0]


def display_name(name: str) -> str:
    """A power's or state's id as shown in figures: ``burkina_faso`` -> ``Burkina Faso``,
    ``usa`` -> ``USA``, ``cote_divoire`` -> ``Côte d'Ivoire``."""
    return _SPECIAL_NAMES.get(name, name.replace("_", " ").title())


def table_dates(values: pd.Series | pd.Index) -> pd.DatetimeIndex:
    """The ``date`` column of an output table (``YYYY-MM-01`` strings, README "Outputs") as
    datetimes."""
    return pd.DatetimeIndex(pd.to_datetime(pd.Index(values).astype(str), format="%Y-%m-%d"))


def usd_tick(x: float, _pos: int | None = None) -> str:
    """An amount in USD as a short label with k/m/bn suffixes: ``1.52e10`` -> ``15.2bn``.

    Usable as a matplotlib tick formatter (``ax.yaxis.set_major_formatter(usd_tick)``) and for
    numbers in tables; three significant digits.
    """
    if x == 0:
        return "0"
    for suffix, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:,.3g}{suffix}"
    return f"{x:,.3g}"


def usd_tick_symlog(x: float, pos: int | None = None) -> str:
    """Like :func:`usd_tick`, but blank inside the linear band of a symlog axis
    (:data:`SYMLOG_LINTHRESH_USD`) except at 0, where labels would crowd into one another."""
    return "" if 0 < abs(x) < SYMLOG_LINTHRESH_USD else usd_tick(x, pos)


def persons_tick(x: float, _pos: int | None = None) -> str:
    """A number of persons as a tick label: thousands as ``12.5k`` from 10,000 up."""
    return f"{x / 1e3:,.3g}k" if abs(x) >= 1e4 else f"{x:,.0f}"


def new_figure(figsize: tuple[float, float], dpi: int = DPI) -> Figure:
    """A new matplotlib Figure (object API, constrained layout), not registered with pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=dpi, layout="constrained")


def format_date_axis(ax: Axes, maxticks: int = 8) -> None:
    """Concise date ticks (``2019``, ``Apr``, ...) on the x axis, at most ``maxticks`` of them."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=2, maxticks=maxticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def mark_empty(ax: Axes, text: str) -> None:
    """Write ``text`` (why the panel is empty) in grey in the middle of ``ax``."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def panel_grid(fig: Figure | None, n: int, ncols: int, figsize_per: tuple[float, float],
               sharey: bool) -> tuple[Figure, list[Axes]]:
    """``n`` panels on a grid of ``ncols`` columns, in ``fig`` or a new figure.

    Args:
        fig: An empty Figure to draw into; a new one sized from ``figsize_per`` if None.
        n: The number of panels (at least one is made).
        ncols: The most columns of the grid.
        figsize_per: Width and height of one panel (inches), for a new figure.
        sharey: Whether the panels share their y axis.

    Returns:
        The Figure and its ``n`` Axes in reading order; the spare cells of the last row are
        removed, and every panel keeps its x tick labels.
    """
    n = max(n, 1)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if fig is None:
        fig = new_figure((figsize_per[0] * ncols, figsize_per[1] * nrows + 0.6))
    grid = fig.subplots(nrows, ncols, sharex=True, sharey=sharey, squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[n:]:
        ax.remove()
    for ax in axes[:n]:
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig, axes[:n]


def figure_legend(fig: Figure, axes: Sequence[Axes], ncols: int,
                  fontsize: str | None = None) -> None:
    """One legend below the figure from the labelled artists of all panels, without duplicates.

    Args:
        fig: The Figure (with constrained layout: the legend goes ``outside lower center``).
        axes: The panels whose labelled artists are collected, in order.
        ncols: The most legend columns.
        fontsize: The legend's font size (matplotlib's default if None).
    """
    seen: dict[str, object] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    if seen:
        fig.legend(list(seen.values()), list(seen.keys()), loc="outside lower center",
                   ncols=min(len(seen), ncols), frameon=False,
                   **({"fontsize": fontsize} if fontsize is not None else {}))
