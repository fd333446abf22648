"""Scenario discovery: boxes in parameter space where an outcome holds (or fails), with PRIM.

PRIM, the Patient Rule Induction Method (Friedman, J. H. & Fisher, N. I. (1999), "Bump hunting
in high-dimensional data", Statistics and Computing 9, 123-143), peels small slices off a box
in parameter space, each time the slice that raises the share of runs of interest inside most,
then pastes back slices that help; the sequence of boxes is the peeling trajectory, trading
coverage (share of all runs of interest that fall in the box) against density (share of runs in
the box that are of interest). As used for scenario discovery by Bryant & Lempert (2010),
"Thinking inside the box", Technological Forecasting and Social Change 77(1), 34-49.

The implementation is EMA Workbench's (``ema_workbench.analysis.prim``, Kwakkel 2017), imported
only when :func:`prim_boxes` runs (it is slow to import). It imports no Mesa.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.load import ok_runs

__all__ = ["PrimResult", "prim_boxes"]


@dataclass
class PrimResult:
    """Boxes found by PRIM and the first box's peeling trajectory.

    Attributes:
        boxes: one row per box, in the order found (each box is searched among the runs
            outside the earlier ones): ``box`` (0, 1, ...), ``coverage``, ``density``, ``mass``
            (share of all runs inside), ``n`` (runs inside), ``n_restricted``, ``restricted``
            (the restricted parameters, comma-separated), then per parameter ``<param>_lo`` and
            ``<param>_hi`` (the box's limits, inclusive; for an unrestricted parameter the
            data's range; floats, integer parameters included). A parameter with text or boolean values has ``<param>_levels`` (the
            levels inside the box, a sorted list) and NaN limits.
        trajectory: the first box's peeling and pasting trajectory, one row per step:
            ``step``, ``coverage``, ``density``, ``mass``, ``n_restricted``, and ``selected``
            (True on the step reported in ``boxes``).
        target: the outcome value the boxes are about.
        n_runs: runs used.
        n_of_interest: runs whose outcome equals ``target``.
    """

    boxes: pd.DataFrame
    trajectory: pd.DataFrame
    target: object = True
    n_runs: int = 0
    n_of_interest: int = 0


def _is_nominal(col: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col)


def prim_boxes(runs: pd.DataFrame, parameters: Sequence[str], outcome: str,
               target: object = True, threshold: float = 0.8, peel_alpha: float = 0.05,
               paste_alpha: float = 0.05, mass_min: float = 0.05,
               max_boxes: int = 3) -> PrimResult:
    """Find boxes of parameter values in which the runs' outcome mostly equals ``target``.

    Every finished run (``status == "ok"``) with a known outcome is one point (replicates are
    kept: the seed's noise is what density measures against). PRIM (Friedman & Fisher 1999) runs
    on the points; on each box's trajectory the step kept is the one with the highest coverage
    among those with density >= ``threshold``. Boxes are found one after another among the runs
    outside the earlier boxes, until no step reaches the threshold or ``max_boxes`` are found.

    Args:
        runs: result rows.
        parameters: the columns to find boxes over (numbers, or text/booleans as categories).
        outcome: the outcome column (e.g. ``hypothesis``).
        target: the value of interest: True finds where the outcome holds, False where it
            fails; for a non-boolean column, any value it takes.
        threshold: minimum density of a reported box.
        peel_alpha: share of the runs peeled off per step.
        paste_alpha: share of the runs pasted back per step.
        mass_min: smallest share of all runs a box may hold.
        max_boxes: most boxes to find.

    Returns:
        A :class:`PrimResult` (``boxes`` empty when no box reaches the threshold).

    Raises:
        KeyError: a column is missing.
        ValueError: invalid ``threshold``/``peel_alpha``/``max_boxes``, or no runs.
    """
    parameters = list(parameters)
    missing = [c for c in [outcome, *parameters] if c not in runs.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the runs; allowed: one of "
                       f"{', '.join(map(str, runs.columns))}")
    if not parameters:
        raise ValueError("parameters is empty; allowed: the swept parameters' names")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold={threshold!r} is invalid; allowed: 0 < threshold <= 1")
    if not 0.0 < peel_alpha < 0.5:
        raise ValueError(f"peel_alpha={peel_alpha!r} is invalid; allowed: 0 < peel_alpha < 0.5")
    if max_boxes < 1:
        raise ValueError(f"max_boxes={max_boxes!r} is invalid; allowed: >= 1")
    ok = ok_runs(runs)
    ok = ok[ok[outcome].notna()]
    if ok.empty:
        raise ValueError(f"no finished run with a known {outcome!r}")
    y = (ok[outcome] == target).to_numpy(dtype=bool)
    safe = {p: f"x{i}" for i, p in enumerate(parameters)}  # EMA drops a column named scenario
    x = pd.DataFrame(index=range(len(ok)))
    nominal = set()
    for p in parameters:
        col = ok[p].reset_index(drop=True)
        if _is_nominal(col):
            nominal.add(p)
            x[safe[p]] = col.astype(str).astype(object)
        else:  # integers too: EMA 3.0's integer pasting fails under pandas 3
            x[safe[p]] = col.astype(np.float64)
    columns = _box_columns(parameters, nominal)
    empty = PrimResult(boxes=pd.DataFrame(columns=columns),
                       trajectory=pd.DataFrame(columns=["step", "coverage", "density", "mass",
                                                        "n_restricted", "selected"]),
                       target=target, n_runs=len(y), n_of_interest=int(y.sum()))
    if not y.any():
        return empty

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim
    logging.getLogger("EMA").setLevel(logging.WARNING)

    with warnings.catch_warnings():  # EMA's own deprecation warnings under pandas 3
        warnings.simplefilter("ignore")
        prim = ema_prim.Prim(x, y.astype(int), peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                             mass_min=mass_min)
    rows = []
    trajectory = empty.trajectory
    for b in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = prim.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        ok_steps = np.flatnonzero(traj["density"].to_numpy(dtype=float) >= threshold - 1e-12)
        chosen = (int(ok_steps[np.argmax(traj["coverage"].to_numpy(dtype=float)[ok_steps])])
                  if len(ok_steps) else None)
        if b == 0:
            trajectory = pd.DataFrame({
                "step": np.arange(len(traj)),
                "coverage": traj["coverage"].to_numpy(dtype=float),
                "density": traj["density"].to_numpy(dtype=float),
                "mass": traj["mass"].to_numpy(dtype=float),
                "n_restricted": traj["res_dim"].to_numpy(dtype=int),
                "selected": np.arange(len(traj)) == (-1 if chosen is None else chosen)})
        if chosen is None:
            break
        box.select(chosen)
        lims = box.box_lims[chosen]
        init = prim.box_init
        row = {"box": b, "coverage": float(traj["coverage"].iloc[chosen]),
               "density": float(traj["density"].iloc[chosen]),
               "mass": float(traj["mass"].iloc[chosen]), "n": int(traj["n"].iloc[chosen])}
        restricted = []
        for p in parameters:
            c = safe[p]
            if c not in lims.columns:  # a category column with a single level: EMA drops it
                lo = hi = None
                levels = sorted(x[c].unique().tolist())
                changed = False
            elif p in nominal:
                levels = sorted(lims[c].iloc[0])
                changed = set(levels) != set(init[c].iloc[0])
            else:
                lo, hi = lims[c].iloc[0], lims[c].iloc[1]
                changed = bool(lo != init[c].iloc[0] or hi != init[c].iloc[1])
            if p in nominal:
                row[f"{p}_lo"] = row[f"{p}_hi"] = np.nan
                row[f"{p}_levels"] = levels
            else:
                row[f"{p}_lo"], row[f"{p}_hi"] = _py(lo), _py(hi)
            if changed:
                restricted.append(p)
        row["n_restricted"] = len(restricted)
        row["restricted"] = ", ".join(restricted)
        rows.append(row)
    boxes = pd.DataFrame(rows, columns=columns) if rows else empty.boxes
    return PrimResult(boxes=boxes, trajectory=trajectory, target=target, n_runs=len(y),
                      n_of_interest=int(y.sum()))


def _box_columns(parameters: list[str], nominal: set[str]) -> list[str]:
    cols = ["box", "coverage", "density", "mass", "n", "n_restricted", "restricted"]
    for p in parameters:
        cols += [f"{p}_lo", f"{p}_hi"] + ([f"{p}_levels"] if p in nominal else [])
    return cols


def _py(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v
