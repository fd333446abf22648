"""The validation's outputs: the printed table, ``validation.json``, ``validation.md``, figures.

Each shows the calibration patterns C1-C10 and their score, the check K1, then the pre-2020
political targets P1-P6 (scored on the politics hindcasts) and their own score.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.validate.patterns import PatternResult, fmt, plain

if TYPE_CHECKING:
    from sim.validate.runner import Validation

__all__ = ["POLITICS_HEADING", "format_table", "markdown", "write_validation"]


#: The heading of the pre-2020 political targets in the printed table and validation.md.
POLITICS_HEADING = "Pre-2020 political targets (2017-2019 hindcast, host politics endogenous)"
_HEADER = f"{'id':<4} {'status':<6} measured: median [5%, 95%] across replicates  |  target"


def _row(r: PatternResult) -> tuple[str, str, str, str]:
    return r.id, r.status, f"{r.measured}: {r.measured_text}", r.target


def _lines(results: list[PatternResult]) -> list[str]:
    """Two lines per pattern or target: id, status, measured and target; then what the rule
    used (or why it failed or could not be measured)."""
    lines = []
    for r in results:
        pid, status, measured, target = _row(r)
        lines.append(f"{pid:<4} {status:<6} {measured}  |  {target}")
        note = r.result if r.measurable else r.reason
        lines.append(f"{'':<11} -> {note}")
    return lines


def _politics_runs(v: Validation) -> str:
    """The politics hindcasts in words: window, switches, the rules set."""
    from sim.validate.config import politics_hindcast_config

    c = v.config
    rules = politics_hindcast_config(c).rules.vacuum
    given = ", ".join(f"{p}={r}" for p, r in sorted(rules.items()) if r != "none") or "none"
    return (f"politics hindcast runs {c.hindcast_start}..{c.hindcast_end}: coups, sanctions, "
            f"partner choice and casualty withdrawal endogenous; rules: {given}")


def format_table(v: Validation) -> str:
    """The table printed by the command: pattern id, status, measured (median [5%, 95%]) and
    target, with the statistic the rule used (or the reason) on a second line; then the score and
    K1; then the pre-2020 political targets P1-P6 in the same form and their score."""
    c = v.config
    lines = [(f"sahel-sim-validate  scenario={c.scenario.name}  world={c.world.name}  "
             f"replicates={c.replicates}  seed={c.seed}  runs {c.start}..{c.end}, hindcast "
             f"{c.hindcast_start}..{c.hindcast_end}"),
             _HEADER]
    lines.append("-" * 100)
    lines += _lines(v.results)
    lines.append("-" * 100)
    lines.append(f"score: {v.score_text}")
    for r in v.checks:
        lines.append(f"{r.id}   {r.status:<6} {r.title}: {r.result}  |  {r.target}")
        if r.reason:
            lines.append(f"{'':<11} -> {r.reason}")
    if v.politics:
        lines += ["", POLITICS_HEADING, _politics_runs(v), _HEADER, "-" * 100]
        lines += _lines(v.politics)
        lines.append("-" * 100)
        lines.append(f"politics score: {v.politics_score_text}")
    return "\n".join(lines)


def _cell(x: Any, kind: str) -> str:
    if x is None:
        return ""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return fmt(float(x), kind)
    if isinstance(x, (list, tuple)):
        lo, hi = (list(x) + [None, None])[:2]
        if lo is None and hi is None:
            return ""
        if hi is None:
            return f">= {_cell(lo, kind)}"
        if lo is None:
            return f"<= {_cell(hi, kind)}"
        return _cell(lo, kind) if lo == hi else f"{_cell(lo, kind)} - {_cell(hi, kind)}"
    return str(x)


def _details_kind(r: PatternResult) -> str:
    return {"C4": "share", "C6": "usd", "C7": "usd", "C8": "count", "C2": "count",
            "K1": "ratio", "P1": "share", "P2": "share", "P4": "share", "P5": "share",
            "P6": "share"}.get(r.id, "count")


def _summary_table(results: list[PatternResult]) -> list[str]:
    out = ["| id | pattern | measured: median [5%, 95%] | target | result | status |",
           "|---|---|---|---|---|---|"]
    for r in results:
        note = r.result if r.measurable else r.reason
        out.append(f"| {r.id} | {r.title} | {r.measured}: {r.measured_text} | {r.target} | "
                   f"{note} | **{r.status}** |")
    return out


def _notes(results: list[PatternResult], figures: dict[str, str] | None) -> list[str]:
    """Per pattern, check or target: its status, reason, items and figure."""
    out: list[str] = []
    for r in results:
        out += [f"## {r.id} {r.title}: {r.status}", ""]
        if r.id.startswith("K"):
            out += [f"{r.result}. Target: {r.target}.", ""]
        if r.reason:
            out += [f"{r.reason}.", ""]
        if r.details:
            default = _details_kind(r)
            out += ["| item | median | 5% | 95% | reported | allowed | pass |",
                    "|---|---|---|---|---|---|---|"]
            for d in r.details:
                kind = d.get("kind", default)
                ok = {True: "yes", False: "no"}.get(d.get("passed"), "")
                out.append(f"| {d['item']} | {_cell(d.get('median'), kind)} | "
                           f"{_cell(d.get('low'), kind)} | {_cell(d.get('high'), kind)} | "
                           f"{_cell(d.get('reported'), kind)} | {_cell(d.get('allowed'), kind)} | "
                           f"{ok} |")
            out.append("")
        if figures and r.id in figures:
            out += [f"![{r.id}]({figures[r.id]})", ""]
    return out


def markdown(v: Validation, figures: dict[str, str] | None = None) -> str:
    """``validation.md``: the settings, the table, the score, and per pattern a short note with
    its items and figure; then the same for the pre-2020 political targets."""
    c = v.config
    prov = v.provenance
    out = [f"# Validation: scenario `{c.scenario.name}`, world `{c.world.name}`", "",
           (f"- replicates: {c.replicates} (seeds spawned from SeedSequence({c.seed}): "
           f"{', '.join(str(s) for s in v.seeds[:5])}{', ...' if len(v.seeds) > 5 else ''})"),
           (f"- scenario runs: {c.start} .. {c.end}; hindcast runs: {c.hindcast_start} .. "
           f"{c.hindcast_end}"),
           (f"- config hash {prov.get('config_hash')}, version {prov.get('version')}, "
           f"git commit {prov.get('git_commit')}"), "",
           f"**Score: {v.score_text}.**", ""]
    out += _summary_table(v.results)
    out += ["", ("Medians and intervals are across replicates (5th-95th percentile). Items pass "
            "in the median of the replicates unless the target says otherwise. `n/a`: the runs "
            "do not cover what the pattern needs (not counted as a failure)."), ""]
    out += _notes([*v.results, *v.checks], figures)
    if v.politics:
        out += [f"# {POLITICS_HEADING}", "", f"- {_politics_runs(v)}", "",
                f"**Politics score: {v.politics_score_text}.**", ""]
        out += _summary_table(v.politics)
        out += ["", ("P1-P3: medians and intervals across replicates, items pass in the median. "
                "P4-P6 are yes or no per replicate: the measured value is the share of "
                "replicates, its interval the 90% Wilson score interval."), ""]
        out += _notes(v.politics, figures)
    return "\n".join(out)


def write_validation(v: Validation, folder: str | Path, plots: bool = True) -> dict[str, Path]:
    """Write ``validation.json``, ``validation.md`` and (if ``plots``) one PNG per pattern and
    per political target into ``folder``; return the paths by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    figures: dict[str, str] = {}
    if plots:
        from sim.validate.plots import save_pattern_plots

        drawn = [*v.results, *v.politics]
        for r, p in zip(drawn, save_pattern_plots(drawn, folder), strict=True):
            paths[p.name] = p
            figures[r.id] = p.name
    data = v.to_dict()
    for d, r in zip(data["patterns"], v.results, strict=True):
        d["figure_file"] = figures.get(r.id)
    for d, r in zip(data["politics"], v.politics, strict=True):
        d["figure_file"] = figures.get(r.id)
    paths["validation.json"] = folder / "validation.json"
    paths["validation.json"].write_text(json.dumps(plain(data), indent=1, default=str, allow_nan=False) + "\n")
    paths["validation.md"] = folder / "validation.md"
    paths["validation.md"].write_text(markdown(v, figures) + "\n")
    return paths
