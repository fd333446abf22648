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

from sim.analysis.load import load_sweep, ok_runs
from sim.analysis.stats import wilson_interval
from sim.config import AES
from sim.sweep.cli import HEADLINE

__all__ = ["FILE", "compare_verdicts", "comparison_markdown", "folder_labels"]

#: The file ``sahel-sim-report FOLDER --against OTHER`` writes into FOLDER.
FILE = "comparison.md"


def _measures(runs: pd.DataFrame) -> list[tuple[str, str, pd.Series]]:
    """(title, column, yes/no per finished run, NaN where not measured) of every compared
    outcome the rows hold."""
    ok = ok_runs(runs)
    out = []
    for column, title in HEADLINE.items():
        values = ok[column] if column in ok.columns else pd.Series(np.nan, index=ok.index)
        yes = values.dropna().astype(bool).astype(float)
        out.append((title, column, yes.reindex(values.index)))
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


def compare_verdicts(prior_folder: str | Path, posterior_folder: str | Path,
                     labels: Sequence[str] = ("prior", "posterior"),
                     ci: float = 0.95) -> pd.DataFrame:
    """Each headline outcome and each AES state's lead in two sweep folders, side by side.

    Args:
        prior_folder: a sweep folder (e.g. the plausible worlds drawn from the priors).
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
        for title, column, yes in _measures(load_sweep(folder).runs):
            row = rows.setdefault(title, {"outcome": title, "column": column})
            y = yes.dropna()
            n = len(y)
            p = float(y.mean()) if n else float("nan")
            lo, hi = wilson_interval(p, n, ci)
            row.update({label: p, f"{label}_lo": lo, f"{label}_hi": hi, f"{label}_n": n})
    return pd.DataFrame(list(rows.values()))


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
                        labels: Sequence[str] = ("prior", "posterior")) -> str:
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
    return "\n".join(lines) + "\n"
