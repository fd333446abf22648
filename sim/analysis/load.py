"""Reading a sweep folder into DataFrames for analysis (no model code, no Mesa).

A sweep folder (written by :mod:`sim.sweep`) holds ``results/part-*.parquet`` (one row per run),
``monthly/<table.column>/part-*.parquet`` (kept monthly series), ``design.parquet`` (one row per
design point) and ``manifest.json`` (experiment, seeds, versions). :func:`load_sweep` gathers them
into a :class:`SweepData`.

The rows of a sweep written before the verdict was made one (issue 24) are read in today's
layout (:func:`one_verdict`): their first version's columns under ``first_version.``, their
like-for-like verdict as ``verdict``, ``hypothesis`` and ``cheap``, with a note saying so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import FIRST_VERSION
from sim.sweep.store import read_manifest, read_monthly, read_results

__all__ = ["KEY_COLUMNS", "SweepData", "load_sweep", "ok_runs", "one_verdict"]

#: Columns every result row starts with (the run's identity and status), before the parameters.
KEY_COLUMNS = ("run_id", "pair_id", "point", "replicate", "scenario", "seed", "status", "error",
               "duration_s")
#: The first version's verdict columns (:data:`sim.config.FIRST_VERSION` but its mapping, whose
#: columns are ``largest_partner_at_end.<state>``), at the top of the rows of sweeps written
#: before issue 24, under ``first_version.`` since.
FIRST_VERSION_COLUMNS = tuple(c for c in FIRST_VERSION if c != "largest_partner_at_end")
#: Columns of those rows that become today's verdict: the like-for-like one.
_LIKE_FOR_LIKE = {"verdict_like_for_like": "verdict", "hypothesis_like_for_like": "hypothesis",
                  "cheap_like_for_like": "cheap"}


@dataclass
class SweepData:
    """A loaded sweep.

    Attributes:
        folder: the sweep folder.
        runs: one row per run, ``status`` "ok" and "error" rows alike (see :func:`ok_runs`);
            columns: the keys (``run_id``, ``pair_id``, ``point``, ``replicate``, ``scenario``,
            ``seed``, ``status``, ``error``, ``duration_s``), one column per swept parameter,
            then the flattened run summary (``hypothesis``, ``russia.own_net_cost_usd``, ...).
        manifest: the sweep's manifest (experiment, design, seeds, versions); empty if absent.
        design: one row per design point (``point`` and the parameters), or None if absent.
        parameters: the swept parameters' names, in the experiment's order.
        notes: what the reader must know about how the rows were read (a sweep written before
            the verdict was made one: :func:`one_verdict`); empty for a sweep of today.
        historical: the historical replay's verdict the sweep wrote beside its runs
            (``historical_replay.json``: ``experiment.historical_replay``), or None.
    """

    folder: Path
    runs: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    design: pd.DataFrame | None = None
    parameters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    historical: dict[str, Any] | None = None

    @property
    def monthly_series(self) -> list[str]:
        """The monthly series (``table.column``) stored in the folder."""
        root = self.folder / "monthly"
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    def monthly(self, series: str) -> pd.DataFrame:
        """One monthly series of every run, with the run's keys attached.

        Args:
            series: ``table.column`` as listed in the experiment's ``monthly`` (for example
                ``presence.influence``).

        Returns:
            The stored rows (``run_id``, the table's key columns such as ``month``, ``state``,
            ``power``, and the value column) joined with ``pair_id``, ``point``, ``replicate``,
            ``scenario``, ``seed`` and ``status`` of the run.

        Raises:
            KeyError: the series is not in the folder (the message lists those that are).
        """
        df = read_monthly(self.folder, series)
        if df.empty:
            raise KeyError(f"monthly series {series!r} is not in {self.folder}; available: "
                           f"{', '.join(self.monthly_series) or 'none'} (set the experiment's "
                           "monthly: [...] to keep more)")
        keys = [c for c in ("run_id", "pair_id", "point", "replicate", "scenario", "seed",
                            "status") if c in self.runs.columns]
        if "run_id" not in keys:
            return df
        extra = [c for c in keys if c != "run_id" and c not in df.columns]
        out = df.merge(self.runs[keys], on="run_id", how="left")
        first = ["run_id", *extra]
        return out[first + [c for c in out.columns if c not in first]]


def load_sweep(folder: str | Path) -> SweepData:
    """Load a sweep folder's runs, manifest, design and parameter names.

    Args:
        folder: a folder written by ``sahel-sim-sweep`` (or :func:`sim.sweep.run_sweep`).

    Returns:
        A :class:`SweepData`. ``runs`` keeps the error rows; the statistics in
        :mod:`sim.analysis.stats` drop them.

    Raises:
        FileNotFoundError: the folder holds no result parts.
    """
    folder = Path(folder)
    runs = read_results(folder)
    if runs.empty and "run_id" not in runs.columns:
        raise FileNotFoundError(f"{folder} holds no sweep results (expected "
                                f"{folder / 'results' / 'part-*.parquet'})")
    manifest = read_manifest(folder) or {}
    design_path = folder / "design.parquet"
    design = pd.read_parquet(design_path) if design_path.is_file() else None
    parameters = list(manifest.get("design", {}).get("parameters") or [])
    if not parameters and design is not None:
        parameters = [c for c in design.columns if c != "point"]
    if not parameters:
        parameters = list((manifest.get("experiment") or {}).get("parameters") or {})
    runs, notes = one_verdict(runs)
    replay = folder / "historical_replay.json"
    historical = json.loads(replay.read_text()) if replay.is_file() else None
    return SweepData(folder=folder, runs=runs, manifest=manifest, design=design,
                     parameters=parameters, notes=notes, historical=historical)


def one_verdict(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows of a sweep in today's layout, and a note if they were written before it.

    Since issue 24 a run has one verdict (``verdict``, ``hypothesis``, ``cheap``: the
    like-for-like one) and keeps the first version's numbers under ``first_version.``. Rows
    without any ``first_version.`` column but with the first version's at the top are older:
    those columns move under ``first_version.`` (``largest_partner_at_end.<state>`` too), and
    their like-for-like columns, if any, are copied to ``verdict``, ``hypothesis`` and ``cheap``.
    Rows of today come back unchanged, with no note.
    """
    if (any(c.startswith("first_version.") for c in runs.columns)
            or not any(c in runs.columns for c in FIRST_VERSION_COLUMNS)):
        return runs, []
    moved = {c: f"first_version.{c}" for c in runs.columns
             if c in FIRST_VERSION_COLUMNS or c.startswith("largest_partner_at_end.")}
    out = runs.rename(columns=moved)
    like = {old: new for old, new in _LIKE_FOR_LIKE.items() if old in out.columns}
    for old, new in like.items():
        out[new] = out[old]
    if like:
        note = ("These runs were written before the verdict was made one (issue 24): their "
                "first version's columns are read as first_version.*, and their like-for-like "
                "verdict as the verdict (its cheap half judged on that version's cost basis, "
                "Russia's full cost with its reputational cost); they hold no verdict surface.")
    else:
        note = ("These runs were written before the like-for-like verdict existed: they hold "
                "only the first version's verdict, read as first_version.*, and no verdict of "
                "today.")
    return out, [note]


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that finished (``status == "ok"``); all rows if there is no status."""
    if "status" not in runs.columns:
        return runs
    return runs[runs["status"] == "ok"]
