"""Two sweeps' verdicts side by side: ``sahel-sim-report FOLDER --against OTHER``.

The question a posterior sweep answers (``experiment.posterior``: worlds drawn from what
``sahel-sim-calibrate`` learnt from history) is how far history moves the verdict from what the
priors alone give. :func:`compare_verdicts` reads each headline outcome that ``sahel-sim-sweep``
prints when a sweep ends (:data:`sim.sweep.cli.HEADLINE`: P(cheap win), P(security win),
P(cheap), P(win caused by the vacuum)) in both folders, then the graded answer per AES state
(Russia's lead of the state's security, ``by_state.<state>.lead_months``, at least the run's own
``security_months``: the state counts toward the security win), each as the share of the
finished runs that have the outcome with its 95% Wilson interval; :func:`comparison_markdown`
lays it out as a markdown table (``comparison.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.load import SweepData, load_sweep, ok_runs
from sim.analysis.stats import wilson_interval
from sim.config import AES
from sim.sweep.cli import HEADLINE

__all__ = ["AMOUNTS", "DEFINITIONS", "FILE", "compare_amounts", "compare_definitions",
           "compare_verdicts", "comparison_markdown", "folder_labels"]

#: Who pays and what the war costs after 2019, compared by their median and 5-95% range.
AMOUNTS = {
    "fatalities_aes": "AES fatalities 2019-2025",
    "civilian_fatalities_aes": "AES civilian fatalities 2019-2025",
    "aes_territory_outside_control": "AES territory outside state control at the end (share)",
    "host_paid_russia_usd": "what the AES hosts paid Russia (USD)",
    "cost_ratio_by_basis.cash": "Russia's cash per security point over the West's",
}
#: The definitions of the verdict compared (sim.analysis.verdict_surface): the run's own (k = 2,
#: 0.02, 12 months, cash <= 0.1) and looser ones of "cheap" and of "win".
DEFINITIONS = [
    {"k": 2, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 0.1},
    {"k": 2, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 0.5},
    {"k": 1, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 0.1},
    {"k": 1, "margin": "abs_0", "months": 6, "basis": "cash", "threshold": 1.0},
]

#: The file ``sahel-sim-report FOLDER --against OTHER`` writes into FOLDER.
FILE = "comparison.md"


def _runs(sweep: str | Path | SweepData) -> pd.DataFrame:
    """The rows of a sweep: a folder (loaded here) or a sweep loaded before."""
    return (sweep if isinstance(sweep, SweepData) else load_sweep(sweep)).runs


def _column(ok: pd.DataFrame, column: str, numeric: bool = False) -> pd.Series:
    """A result column of the rows (as numbers with ``numeric``: NaN where not one), all NaN
    where the rows lack it."""
    if column not in ok.columns:
        return pd.Series(np.nan, index=ok.index)
    return pd.to_numeric(ok[column], errors="coerce") if numeric else ok[column]


def _measures(runs: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(title, column, yes/no per finished run, NaN where not measured) of every compared
    outcome the rows hold."""
    ok = ok_runs(runs)
    out = []
    for column, title in HEADLINE.items():
        values = _column(ok, column)
        yes = values.dropna().astype(bool).astype(float)
        out.append((title, column, yes.reindex(values.index)))
    # after 2019: did Russia send forces at all, and the targets held out of the calibration (their
    # figures are dated after 2019: C7 the host's price per contractor, C8 the contingent)
    column = "costs_like_for_like.russia.person_months"  # its forces, not its covert money
    months = _column(ok, column, numeric=True)
    out.append(("P(Russian forces in the AES states, 2019-2025)", column,
                (months > 0).astype(float).where(months.notna())))
    for state in AES:  # who stays, and whom the public favours, at the end
        column = f"by_state.{state}.west_share_end"
        share = _column(ok, column, numeric=True)
        out.append((f"P(the West still holds security in {state} at the end)", column,
                    (share > 0).astype(float).where(share.notna())))
        column = f"leaders_at_end.{state}.opinion"
        leader = _column(ok, column)
        out.append((f"P(Russia leads {state}'s opinion at the end)", column,
                    (leader == "russia").astype(float).where(leader.notna())))
    for pid, what in (("C7", "the host's price per contractor (held out)"),
                      ("C8", "the size of Russia's contingent in Mali (held out)")):
        column = f"calibration.{pid}"
        out.append((f"P({pid} passes: {what})", column, _column(ok, column, numeric=True)))
    months = (pd.to_numeric(ok["security_months"], errors="coerce")
              if "security_months" in ok.columns else None)
    for state in AES:
        column = f"by_state.{state}.lead_months"
        title = f"P(Russia leads {state}'s security)"
        if months is None or column not in ok.columns:
            out.append((title, column, pd.Series(np.nan, index=ok.index)))
            continue
        lead = pd.to_numeric(ok[column], errors="coerce")
        yes = (lead >= months).astype(float).where(lead.notna() & months.notna())
        out.append((title, column, yes))
    return out


def compare_verdicts(prior_folder: str | Path | SweepData,
                     posterior_folder: str | Path | SweepData,
                     labels: Sequence[str] = ("prior", "posterior"),
                     ci: float = 0.95) -> pd.DataFrame:
    """Each headline outcome and each AES state's lead in two sweep folders, side by side.

    Args:
        prior_folder: a sweep folder (e.g. the plausible worlds drawn from the priors), or the
            sweep loaded (:func:`sim.analysis.load.load_sweep`).
        posterior_folder: another (e.g. the same experiment with ``experiment.posterior``).
        labels: the two folders' names in the columns.
        ci: the Wilson intervals' level.

    Returns:
        One row per outcome (``outcome``: its title, ``column``: the result column it reads),
        then for each label ``<label>`` (the share of the finished runs that have the outcome
        where it holds), ``<label>_lo``, ``<label>_hi`` (its Wilson interval) and ``<label>_n``
        (those runs; 0 and NaN shares where the rows do not measure it).

    Raises:
        FileNotFoundError: a folder holds no results.
        ValueError: the labels are not two distinct names.
    """
    labels = list(labels)
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels={labels!r} is invalid; allowed: two distinct names")
    rows: dict[str, dict[str, Any]] = {}
    for label, folder in zip(labels, (prior_folder, posterior_folder), strict=True):
        for title, column, yes in _measures(_runs(folder)):
            row = rows.setdefault(title, {"outcome": title, "column": column})
            y = yes.dropna()
            n = len(y)
            p = float(y.mean()) if n else float("nan")
            lo, hi = wilson_interval(p, n, ci)
            row.update({label: p, f"{label}_lo": lo, f"{label}_hi": hi, f"{label}_n": n})
    return pd.DataFrame(list(rows.values()))


def compare_amounts(prior_folder: str | Path | SweepData,
                    posterior_folder: str | Path | SweepData,
                    labels: Sequence[str] = ("prior", "posterior")) -> pd.DataFrame:
    """The median and 5%-95% range of each of :data:`AMOUNTS` over each folder's finished runs
    (``<label>``, ``<label>_p5``, ``<label>_p95``, ``<label>_n``); a folder may be given loaded."""
    rows = []
    frames = [ok_runs(_runs(f)) for f in (prior_folder, posterior_folder)]
    for column, title in AMOUNTS.items():
        row: dict[str, Any] = {"outcome": title, "column": column}
        for label, ok in zip(labels, frames, strict=True):
            v = _column(ok, column, numeric=True).dropna()
            q = v.quantile([0.5, 0.05, 0.95]).tolist() if len(v) else [np.nan] * 3
            row.update({label: q[0], f"{label}_p5": q[1], f"{label}_p95": q[2],
                        f"{label}_n": len(v)})
        rows.append(row)
    return pd.DataFrame(rows)


def compare_definitions(prior_folder: str | Path | SweepData,
                        posterior_folder: str | Path | SweepData,
                        labels: Sequence[str] = ("prior", "posterior"),
                        definitions: Sequence[dict[str, Any]] = tuple(DEFINITIONS)
                        ) -> pd.DataFrame:
    """P(both: a win that is cheap) at each definition of :data:`DEFINITIONS` (the verdict
    surface, :func:`sim.analysis.verdict.verdict_surface`) in each folder (or sweep loaded),
    with its Wilson interval (``<label>``, ``<label>_lo``, ``<label>_hi``, ``<label>_n``)."""
    from sim.analysis.verdict import verdict_surface

    rows = []
    runs = [_runs(f) for f in (prior_folder, posterior_folder)]
    for d in definitions:
        title = (f"P(cheap win) at k={d['k']}, margin {d['margin']}, {d['months']} months, "
                 f"{d['basis']} <= {d['threshold']}")
        row: dict[str, Any] = {"outcome": title, "column": "verdict_surface"}
        for label, r in zip(labels, runs, strict=True):
            got = verdict_surface(r, k=[d["k"]], margin=[d["margin"]], months=[d["months"]],
                                  basis=[d["basis"]], threshold=[d["threshold"]]).iloc[0]
            row.update({label: float(got["p_both"]), f"{label}_lo": float(got["p_both_lo"]),
                        f"{label}_hi": float(got["p_both_hi"]), f"{label}_n": int(got["n"])})
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(p: float, lo: float, hi: float, n: int) -> str:
    if not n or not np.isfinite(p):
        return "not measured"
    return (f"{100 * p:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}] "
            f"({round(p * n):,} of {n:,} runs)")


def folder_labels(first: str | Path, second: str | Path) -> tuple[str, str]:
    """Names for two sweep folders in a comparison: ``prior`` and ``posterior`` when exactly one
    of them drew its worlds from a posterior (``experiment.posterior``), else the folders'
    names (``first``/``second`` appended when they are the same)."""
    from sim.sweep.store import read_manifest

    drew = [bool(((read_manifest(Path(f)) or {}).get("experiment") or {}).get("posterior"))
            for f in (first, second)]
    if drew == [False, True]:
        return "prior", "posterior"
    if drew == [True, False]:
        return "posterior", "prior"
    a, b = Path(first).resolve().name, Path(second).resolve().name
    return (a, b) if a != b else (f"{a} (first)", f"{b} (second)")


def comparison_markdown(table: pd.DataFrame, folders: Sequence[str | Path],
                        labels: Sequence[str] = ("prior", "posterior"),
                        amounts: pd.DataFrame | None = None,
                        definitions: pd.DataFrame | None = None) -> str:
    """:func:`compare_verdicts` as a markdown document: what each column is (its folder, its
    finished runs, the posterior it drew from) and one row per outcome, each cell the share in
    percent with its Wilson interval and its runs."""
    from sim.sweep.store import read_manifest

    lines = ["# Verdicts side by side", ""]
    for label, folder in zip(labels, folders, strict=True):
        manifest = read_manifest(Path(folder)) or {}
        exp = manifest.get("experiment") or {}
        post = manifest.get("posterior") or {}
        source = (f"worlds drawn from the posterior {post.get('path') or exp.get('posterior')}"
                  + (f" (sha256 {post['sha256'][:16]})" if post.get("sha256") else "")
                  if exp.get("posterior") else f"design {exp.get('design', '?')} over the priors")
        lines.append(f"- **{label}**: `{Path(folder).resolve()}` (experiment "
                     f"{exp.get('name', '?')}, {source})")
    lines += ["", ("Each cell: the share of the finished runs that have the outcome where it "
                   "holds, with its 95% Wilson interval, and those runs. A state's lead: Russia "
                   "led its security for at least the run's security_months up to the end (the "
                   "state counts toward the security win)."), ""]
    lines.append("| outcome | " + " | ".join(labels) + " |")
    lines.append("|---|" + "---|" * len(labels))
    for rec in table.to_dict("records"):
        cells = [_cell(rec[label], rec[f"{label}_lo"], rec[f"{label}_hi"], rec[f"{label}_n"])
                 for label in labels]
        lines.append(f"| {rec['outcome']} | " + " | ".join(cells) + " |")
    if definitions is not None and len(definitions):
        lines += ["", "## The verdict against its own definitions", "",
                  "| definition | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for rec in definitions.to_dict("records"):
            cells = [_cell(rec[label], rec[f"{label}_lo"], rec[f"{label}_hi"],
                           rec[f"{label}_n"]) for label in labels]
            lines.append(f"| {rec['outcome']} | " + " | ".join(cells) + " |")
    if amounts is not None and len(amounts):
        lines += ["", "## After 2019: the war and who pays (median, 5%-95%)", "",
                  "| outcome | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for rec in amounts.to_dict("records"):
            cells = [("not measured" if not rec[f"{label}_n"] else
                      f"{rec[label]:,.3g} ({rec[f'{label}_p5']:,.3g} to "
                      f"{rec[f'{label}_p95']:,.3g})") for label in labels]
            lines.append(f"| {rec['outcome']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
