"""A calibration's report: ``report.md`` and its figures, from the files of its run folder.

- ``prior_posterior.png``: each calibrated assumption's posterior (weighted histogram) over its
  uniform prior;
- ``pairs.png``: the posterior of the most-shifted assumptions, two by two (point size by
  weight);
- ``predictive.png``: each target's pass rate in the prior and in the posterior predictive
  checks (new worlds, new seeds), the held-out targets marked;
- ``generations.png``: the tolerance, acceptance rate and effective sample size by generation;
- ``screening.png``: the assumptions' PAWN indices (the largest over the targets).

Everything is read from ``diagnostics.json``, ``posterior.parquet`` and ``calibration.json``,
so ``python -m sim.calibrate.report FOLDER`` redraws a report at any time. Figures use
matplotlib's object API (:mod:`sim.plotstyle`), never pyplot.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.plotstyle import new_figure

__all__ = ["FIGURES", "write_report"]

FIGURES = ("prior_posterior.png", "pairs.png", "predictive.png", "generations.png",
           "screening.png")
_POST, _PRIOR, _HELD = "#1f4e9c", "#bbbbbb", "#ff7f0e"


def _short(name: str) -> str:
    """A parameter path shortened for a figure (its last two parts)."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def _calibrated(diag: dict[str, Any]) -> list[dict[str, Any]]:
    names = set(diag.get("screening", {}).get("calibrated") or [])
    rows = diag.get("parameters", [])
    return [r for r in rows if not names or r["name"] in names]


def _prior_posterior(folder: Path, post: pd.DataFrame, rows: list[dict[str, Any]]) -> None:
    n = max(len(rows), 1)
    cols = min(4, n)
    lines = math.ceil(n / cols)
    fig = new_figure((3.2 * cols, 2.4 * lines))
    w = post["weight"].to_numpy(dtype=float)
    for k, r in enumerate(rows):
        ax = fig.add_subplot(lines, cols, k + 1)
        bins = np.linspace(r["lo"], r["hi"], 21)
        ax.hist(post[r["name"]].to_numpy(dtype=float), bins=bins, weights=w, density=True,
                color=_POST, alpha=0.8, label="posterior")
        ax.axhline(1.0 / (r["hi"] - r["lo"]), color=_PRIOR, lw=2, label="prior")
        ax.set_title(_short(r["name"]), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
        if k == 0:
            ax.legend(fontsize=7, frameon=False)
    fig.suptitle("Calibrated assumptions: posterior (bars) over the uniform prior (line)",
                 fontsize=9)
    fig.savefig(folder / "prior_posterior.png")


def _pairs(folder: Path, post: pd.DataFrame, rows: list[dict[str, Any]], k: int = 4) -> None:
    top = rows[:k]
    n = len(top)
    fig = new_figure((2.4 * max(n, 1), 2.4 * max(n, 1)))
    w = post["weight"].to_numpy(dtype=float)
    size = 4 + 40 * w / (w.max() if len(w) and w.max() > 0 else 1.0)
    for i, a in enumerate(top):
        for j, b in enumerate(top):
            ax = fig.add_subplot(n, n, i * n + j + 1)
            if i == j:
                ax.hist(post[a["name"]], bins=np.linspace(a["lo"], a["hi"], 16), weights=w,
                        color=_POST)
                ax.set_yticks([])
            else:
                ax.scatter(post[b["name"]], post[a["name"]], s=size, color=_POST, alpha=0.35,
                           linewidths=0)
                ax.set_xlim(b["lo"], b["hi"])
                ax.set_ylim(a["lo"], a["hi"])
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(_short(b["name"]), fontsize=7)
            if j == 0:
                ax.set_ylabel(_short(a["name"]), fontsize=7)
    fig.suptitle("The most-shifted assumptions, two by two (posterior; size: weight)",
                 fontsize=9)
    fig.savefig(folder / "pairs.png")


def _predictive(folder: Path, diag: dict[str, Any]) -> None:
    rates = diag.get("predictive", {}).get("pass_rate", {})
    held = set(diag.get("predictive", {}).get("held_out", []))
    ids = list(rates)
    k1 = diag.get("predictive", {}).get("K1") or {}
    if k1:
        ids.append("K1")
    fig = new_figure((max(6.0, 0.55 * len(ids) + 1.5), 3.2))
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(ids))

    def rate(tid: str, side: str) -> float:
        got = k1.get(side) if tid == "K1" else rates[tid].get(side)
        return np.nan if got is None else got

    ax.bar(x - 0.2, [rate(t, "prior") for t in ids], 0.4, color=_PRIOR, label="prior")
    ax.bar(x + 0.2, [rate(t, "posterior") for t in ids], 0.4, color=_POST, label="posterior")
    ax.set_xticks(x, [f"{t}*" if t in held else t for t in ids], fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel("share of worlds passing", fontsize=8)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
    ax.set_title("Predictive checks: each target's pass rate in new worlds and seeds "
                 "(* not a calibration target)", fontsize=9)
    fig.savefig(folder / "predictive.png")


def _generations(folder: Path, diag: dict[str, Any]) -> None:
    gens = diag.get("generations", [])
    fig = new_figure((9.0, 2.6))
    t = [g["t"] for g in gens]
    panels = (("tolerance", [g["epsilon"] if g["epsilon"] is not None else np.nan
                             for g in gens]),
              ("acceptance rate", [g["acceptance_rate"] for g in gens]),
              ("effective sample size", [g["ess"] for g in gens]))
    for k, (label, values) in enumerate(panels):
        ax = fig.add_subplot(1, 3, k + 1)
        ax.plot(t, values, marker="o", color=_POST)
        ax.set_xlabel("generation", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.tick_params(labelsize=7)
        if label == "effective sample size":
            ax.axhline(500, color=_HELD, lw=1, ls="--")
    fig.savefig(folder / "generations.png")


def _screening(folder: Path, diag: dict[str, Any], k: int = 25) -> None:
    rows = diag.get("screening", {}).get("assumptions", [])[:k]
    fig = new_figure((7.5, 0.22 * max(len(rows), 4) + 1.0))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(rows))[::-1]
    ax.barh(y, [r["score"] for r in rows],
            color=[_POST if r["selected"] else _PRIOR for r in rows])
    ax.set_yticks(y, [_short(r["name"]) for r in rows], fontsize=7)
    ax.set_xlabel("PAWN index (largest over the targets)", fontsize=8)
    ax.set_title("Screening: what the targets respond to (blue: calibrated)", fontsize=9)
    fig.savefig(folder / "screening.png")


def _eps(x: float | None) -> str:
    return "inf" if x is None else f"{x:.3f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _markdown(diag: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    gens = diag.get("generations", [])
    pred = diag.get("predictive", {})
    held = set(pred.get("held_out", []))
    out = [
        "# Calibration",
        "",
        f"Method: {diag.get('method', '')}.",
        "",
        (f"- effective sample size of the posterior: **{diag.get('ess', 0):.0f}** "
        f"(population {diag.get('population')})"),
        (f"- simulations: {diag.get('simulations')} (screening "
        f"{diag.get('screening', {}).get('worlds', 0)}), wall time "
        f"{diag.get('wall_time_s', 0):.0f} s, {len(gens)} generations, stopped by "
        f"{diag.get('stopped_by')}"),
        (f"- targets: {', '.join(diag.get('targets', []))}; held out (dated after 2019): "
        f"{', '.join(diag.get('held_out', []))}"),
        (f"- version {diag.get('version')}, commit {diag.get('git_commit')}, seed "
        f"{diag.get('settings', {}).get('seed')}"),
        "",
        "## Generations",
        "",
        "| generation | tolerance | acceptance | ESS | simulations | seconds |",
        "|---|---|---|---|---|---|",
        *(f"| {g['t']} | {_eps(g['epsilon'])} | {g['acceptance_rate']:.3f} | {g['ess']:.0f} | "
          f"{g['simulations']} | {g['seconds']:.0f} |" for g in gens),
        "",
        "![generations](generations.png)",
        "",
        "## The calibrated assumptions",
        "",
        ("Shift: the posterior mean's distance from the prior's, in prior standard deviations; "
        "narrowing: the posterior's standard deviation over the prior's."),
        "",
        "| assumption | prior | posterior mean | posterior sd | shift | narrowing |",
        "|---|---|---|---|---|---|",
        *(f"| `{r['name']}` | {r['lo']:.4g} .. {r['hi']:.4g} | {r['posterior_mean']:.4g} | "
          f"{r['posterior_sd']:.4g} | {r['shift']:+.2f} | {r['narrowing']:.2f} |"
          for r in rows),
        "",
        "![prior and posterior](prior_posterior.png)",
        "",
        "![pairs](pairs.png)",
        "",
        "## Predictive checks",
        "",
        (f"{pred.get('worlds', 0)} worlds drawn from the posterior and as many from the prior, "
        "each simulated once on a new seed: the share that passes each target."),
        "",
        "| target | prior | posterior |",
        "|---|---|---|",
        *(f"| {t}{' (held out)' if t in held else ''} | {_pct(r.get('prior'))} | "
          f"{_pct(r.get('posterior'))} |" for t, r in pred.get("pass_rate", {}).items()),
    ]
    if pred.get("K1"):
        out.append(f"| K1 (coup hazard, {diag.get('settings', {}).get('ppc_coups', '')} worlds) "
                   f"| {_pct(pred['K1'].get('prior'))} | {_pct(pred['K1'].get('posterior'))} |")
    out += ["", "![predictive](predictive.png)", "", "## Screening", "",
            "![screening](screening.png)", ""]
    return "\n".join(out)


def write_report(folder: str | Path) -> Path:
    """Draw the figures and write ``report.md`` into ``folder``; return the report's path."""
    folder = Path(folder)
    diag = json.loads((folder / "diagnostics.json").read_text())
    rows = _calibrated(diag)
    post_path = folder / "posterior.parquet"
    if post_path.exists() and rows:
        post = pd.read_parquet(post_path)
        _prior_posterior(folder, post, rows)
        _pairs(folder, post, rows)
    if diag.get("predictive"):
        _predictive(folder, diag)
    if diag.get("generations"):
        _generations(folder, diag)
    if diag.get("screening", {}).get("assumptions"):
        _screening(folder, diag)
    path = folder / "report.md"
    path.write_text(_markdown(diag, rows))
    return path


if __name__ == "__main__":  # python -m sim.calibrate.report FOLDER
    print(write_report(sys.argv[1]))
