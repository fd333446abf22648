"""The verdict against its own definitions: P(security win), P(cheap) and P(both) over a grid of
the analyst's choices, recomputed from a sweep's rows alone (no rerun).

The choices that turn a world's graded answers into a yes or a no are the analyst's, not the
world's (docs/ODD.md section 8): how many AES states Russia must lead (``k``), by how much
(``margin``: absolute, or relative to Russia's own share, one of
:data:`sim.config.MARGIN_GRID`), for how many months up to the end (``months``), on which cost
basis (``basis``, :data:`sim.config.COST_BASES`) and below which ratio of costs per security
point Russia's win counts as cheap (``threshold``). Every run's row carries what these need: its
lead months per AES state at every margin of the grid (``by_state.<state>.lead_months_by_margin.
<margin>``) and its cost ratio on every basis (``cost_ratio_by_basis.<basis>``).

- :func:`verdict_surface`: the probabilities at every combination of the choices (per group of
  runs, e.g. per scenario), with Wilson intervals;
- :func:`own_choices`, :func:`choices_text`, :func:`surface_grid`: the choices the runs were
  judged at, in words, and the grid that holds them;
- :func:`surface_cells`, :func:`surface_table`: one probability of the surface laid out over two
  sets of choices, the others fixed (the report's and the app's tables).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import wilson_interval
from sim.config import AES, COST_BASES, MARGIN_GRID

__all__ = ["CHOICES", "DEFAULT_GRID", "choices_text", "margin_label", "missing_columns",
           "own_choices", "surface_cells", "surface_grid", "surface_table", "verdict_surface"]

#: The grid :func:`verdict_surface` reads by default: the run's own defaults (k 2, margin
#: 0.02 absolute, 12 months, cash, 0.1) and choices around them.
DEFAULT_GRID = {"k": (1, 2, 3), "margin": tuple(MARGIN_GRID), "months": (6, 12, 24),
                "basis": COST_BASES, "threshold": (0.05, 0.1, 0.25, 0.5, 1.0)}
#: The analyst's choices, in the surface's column order.
CHOICES = ("k", "margin", "months", "basis", "threshold")
#: The choices each probability depends on (the others leave it unchanged).
_DEPENDS = {"win": ("k", "margin", "months"), "cheap": ("basis", "threshold"),
            "both": CHOICES}


def margin_label(margin: str) -> str:
    """A margin of :data:`sim.config.MARGIN_GRID` in words: ``abs_0.02`` -> ``abs 0.02`` (the
    West's share + 0.02), ``rel_0.25`` -> ``rel 0.25`` (the West's + 0.25 x Russia's)."""
    return margin.replace("_", " ")


def _lead_column(state: str, margin: str) -> str:
    return f"by_state.{state}.lead_months_by_margin.{margin}"


def missing_columns(runs: pd.DataFrame) -> list[str]:
    """The kinds of columns the surface needs and the rows lack (empty: the surface can be read):
    ``by_state.<state>.lead_months_by_margin.<margin>`` and ``cost_ratio_by_basis.<basis>``."""
    out = []
    if not any(_lead_column(s, m) in runs.columns for s in AES for m in MARGIN_GRID):
        out.append("by_state.<state>.lead_months_by_margin.<margin>")
    if not any(f"cost_ratio_by_basis.{b}" in runs.columns for b in COST_BASES):
        out.append("cost_ratio_by_basis.<basis>")
    return out


def verdict_surface(runs: pd.DataFrame, k: Sequence[int] = DEFAULT_GRID["k"],
                    margin: Sequence[str] = DEFAULT_GRID["margin"],
                    months: Sequence[int] = DEFAULT_GRID["months"],
                    basis: Sequence[str] = DEFAULT_GRID["basis"],
                    threshold: Sequence[float] = DEFAULT_GRID["threshold"],
                    ci: float = 0.95, by: Sequence[str] = ()) -> pd.DataFrame:
    """P(security win), P(cheap) and P(both) of the runs at every combination of the choices.

    Args:
        runs: a sweep's rows (``SweepData.runs``); failed runs (``status`` other than ``ok``) are
            left out.
        k, margin, months, basis, threshold: the choices (module docstring).
        ci: the Wilson intervals' level.
        by: columns whose groups of runs get a surface each (``["scenario"]``); none: one
            surface over all the finished runs.

    Returns:
        One row per group and combination (the ``by`` columns first, in the runs' order, then
        the choices in the grid's order): ``n`` (finished runs), ``p_win``, ``p_cheap``,
        ``p_both`` and each one's ``_lo`` and ``_hi`` (Wilson).

    Raises:
        KeyError: a column the choices need is not in the rows (naming it and the choice).
        ValueError: an unknown margin or basis (naming it and what is allowed).
    """
    for name, values, allowed in (("margin", margin, tuple(MARGIN_GRID)),
                                  ("basis", basis, COST_BASES)):
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(f"{name}={bad[0]!r} is unknown; allowed: {', '.join(allowed)}")
    missing = [c for c in by if c not in runs.columns]
    if missing:
        raise KeyError(f"by={missing} not in the runs; allowed: columns of the runs")
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    states = [s for s in AES if _lead_column(s, "abs_0") in ok.columns]
    if not states:
        raise KeyError(f"{_lead_column('mali', 'abs_0')!r} (and the other AES states') not in "
                       "the runs; allowed: rows of a sweep whose runs have AES states")
    for m in margin:
        for s in states:
            if _lead_column(s, m) not in ok.columns:
                raise KeyError(f"{_lead_column(s, m)} not in the runs (margin={m!r})")
    for b in basis:
        if f"cost_ratio_by_basis.{b}" not in ok.columns:
            raise KeyError(f"cost_ratio_by_basis.{b} not in the runs (basis={b!r})")
    if by:
        groups = [(key if isinstance(key, tuple) else (key,), sub)
                  for key, sub in ok.groupby(list(by), sort=False, dropna=False)]
    else:
        groups = [((), ok)]
    frames = [_surface(sub, states, k, margin, months, basis, threshold, ci)
              .assign(**dict(zip(by, key, strict=True))) for key, sub in groups]
    if not frames:
        frames = [_surface(ok, states, k, margin, months, basis, threshold, ci)
                  .iloc[:0].assign(**{c: [] for c in by})]
    out = pd.concat(frames, ignore_index=True)
    return out[[*by, *[c for c in out.columns if c not in by]]]


def _surface(ok: pd.DataFrame, states: list[str], k: Sequence[int], margin: Sequence[str],
             months: Sequence[int], basis: Sequence[str], threshold: Sequence[float],
             ci: float) -> pd.DataFrame:
    """:func:`verdict_surface` of the finished runs ``ok`` (one group)."""
    n = len(ok)
    # [runs, states] lead months at each margin; [runs] cost ratio on each basis
    leads = {m: np.column_stack([pd.to_numeric(ok[_lead_column(s, m)], errors="coerce")
                                 .fillna(0).to_numpy(float) for s in states]) for m in margin}
    ratios = {b: pd.to_numeric(ok[f"cost_ratio_by_basis.{b}"], errors="coerce").to_numpy(float)
              for b in basis}
    combos = list(itertools.product(k, margin, months, basis, threshold))
    hits = {name: np.empty(len(combos)) for name in ("win", "cheap", "both")}
    for i, (kk, m, mo, b, t) in enumerate(combos):
        win = (leads[m] >= mo).sum(axis=1) >= kk
        with np.errstate(invalid="ignore"):
            cheap = ratios[b] <= t  # a ratio that is not defined (NaN) is not cheap
        for name, h in (("win", win), ("cheap", cheap), ("both", win & cheap)):
            hits[name][i] = h.sum()
    out = pd.DataFrame(combos, columns=list(CHOICES)).assign(n=n)
    for name, h in hits.items():
        p = h / n if n else np.full(len(combos), np.nan)
        lo, hi = wilson_interval(p, n, ci)
        out[f"p_{name}"], out[f"p_{name}_lo"], out[f"p_{name}_hi"] = p, lo, hi
    return out


def _single(values: pd.Series) -> Any:
    """The one value a column takes (None if it takes several or none)."""
    distinct = values.dropna().unique()
    return distinct[0] if len(distinct) == 1 else None


def own_choices(runs: pd.DataFrame) -> dict[str, Any]:
    """The choices the finished runs were judged at (their ``k``, ``security_margin`` and its
    kind, ``security_months``, ``cost_basis`` and ``cheap_cost_ratio``), each None where the
    runs differ on it or do not say; ``margin`` is the name of the margin in
    :data:`sim.config.MARGIN_GRID` (None if the runs' margin is not on the grid)."""
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs

    def one(column: str) -> Any:
        return _single(ok[column]) if column in ok.columns else None

    out: dict[str, Any] = {"k": one("k"), "months": one("security_months"),
                           "basis": one("cost_basis"), "threshold": one("cheap_cost_ratio")}
    for key, cast in (("k", int), ("months", int), ("threshold", float), ("basis", str)):
        if out[key] is not None:
            out[key] = cast(out[key])
    value = one("security_margin")
    kind = one("security_margin_kind") if "security_margin_kind" in ok.columns else "absolute"
    out["margin"] = next((name for name, (kd, v) in MARGIN_GRID.items()
                          if value is not None and kd == kind
                          and math.isclose(v, float(value), abs_tol=1e-12)), None)
    return {c: out[c] for c in CHOICES}


def choices_text(own: dict[str, Any]) -> str:
    """The runs' own choices (:func:`own_choices`) in words, ``varies`` where they differ or
    fall off the grid: ``k = 2, margin abs 0.02, 12 months, cash basis, threshold 0.1``."""
    def v(key: str, fmt: Any = str) -> str:
        return fmt(own[key]) if own.get(key) is not None else "varies"

    return (f"k = {v('k')}, margin {v('margin', margin_label)}, {v('months')} months, "
            f"{v('basis')} basis, threshold {v('threshold', lambda t: f'{t:g}')}")


def surface_grid(own: dict[str, Any] | None = None) -> dict[str, tuple[Any, ...]]:
    """:data:`DEFAULT_GRID` with the runs' own ``k``, ``months`` and ``threshold``
    (:func:`own_choices`) added where they are not on it, so that the surface holds the verdict
    the runs were judged at."""
    grid = {c: tuple(v) for c, v in DEFAULT_GRID.items()}
    for c in ("k", "months", "threshold"):
        v = (own or {}).get(c)
        if v is not None and v not in grid[c]:
            grid[c] = tuple(sorted((*grid[c], v)))
    return grid


def surface_cells(surface: pd.DataFrame, what: str = "both",
                  rows: Sequence[str] = ("margin", "months"),
                  columns: Sequence[str] = ("basis", "threshold"),
                  **fixed: Any) -> pd.DataFrame:
    """One probability of a surface over two sets of choices, the others fixed.

    Args:
        surface: :func:`verdict_surface` (of one group of runs).
        what: ``win``, ``cheap`` or ``both``.
        rows, columns: the choices laid out (in the surface's order of their values).
        fixed: the value of every other choice ``what`` depends on (a choice it does not depend
            on is taken at its first value; one the surface holds a single value of need not be
            given).

    Returns:
        ``[*rows, *columns, n, p, lo, hi]``, one row per cell, in the surface's order.

    Raises:
        ValueError: an unknown ``what``, a fixed value the surface does not hold, or a choice
            ``what`` depends on that takes several values and is neither laid out nor fixed.
    """
    if what not in _DEPENDS:
        raise ValueError(f"what={what!r} is unknown; allowed: {', '.join(_DEPENDS)}")
    sub = surface
    for c in CHOICES:
        if c in (*rows, *columns):
            continue
        values = list(dict.fromkeys(sub[c]))
        if c in fixed:
            if fixed[c] not in values:
                raise ValueError(f"{c}={fixed[c]!r} is not on the surface; allowed: "
                                 f"{', '.join(map(str, values))}")
            value = fixed[c]
        elif c not in _DEPENDS[what] or len(values) <= 1:
            value = values[0] if values else None
        else:
            raise ValueError(f"P({what}) depends on {c}, which takes {len(values)} values: lay it "
                             f"out or fix it ({c}=...); allowed: "
                             f"{', '.join(map(str, values))}")
        sub = sub[sub[c] == value]
    out = sub[[*rows, *columns, "n", f"p_{what}", f"p_{what}_lo", f"p_{what}_hi"]]
    out = out.drop_duplicates(subset=[*rows, *columns])
    return out.set_axis([*rows, *columns, "n", "p", "lo", "hi"], axis=1).reset_index(drop=True)


def _cell_text(p: float, lo: float, hi: float) -> str:
    return "" if not np.isfinite(p) else f"{p:.2f} [{lo:.2f}, {hi:.2f}]"


def surface_table(surface: pd.DataFrame, what: str = "both",
                  rows: Sequence[str] = ("margin", "months"),
                  columns: Sequence[str] = ("basis", "threshold"),
                  **fixed: Any) -> pd.DataFrame:
    """:func:`surface_cells` as a table: one row per combination of ``rows``, one column per
    combination of ``columns`` (each level's values in the surface's order), cells
    ``"p [lo, hi]"``."""
    cells = surface_cells(surface, what, rows, columns, **fixed)
    cells["cell"] = [_cell_text(p, lo, hi) for p, lo, hi in
                     zip(cells["p"], cells["lo"], cells["hi"], strict=True)]
    table = cells.pivot(index=list(rows), columns=list(columns), values="cell")

    def ordered(names: Sequence[str]) -> pd.Index:
        keys = list(dict.fromkeys(zip(*(cells[c] for c in names), strict=True)))
        if len(names) == 1:
            return pd.Index([key[0] for key in keys], name=names[0])
        return pd.MultiIndex.from_tuples(keys, names=list(names))

    return table.reindex(index=ordered(rows), columns=ordered(columns))
