"""One self-contained HTML report of a sweep: ``sahel-sim-report <sweep folder> [--out FILE]``.

The report answers the experiment's question with its uncertainty, from the sweep folder alone
(no model code, no Mesa):

1. the question (from the experiment file kept in the manifest) and what ran;
2. the verdict table: P(cheap win) (the verdict: the security win and cheap), P(security win),
   P(cheap), P(win because of the vacuum) and the first version's P(cheap win), with bootstrap
   intervals, and the median cost ratio over all runs and over the security wins, per scenario
   and, for small factorial designs, per design point (:func:`sim.analysis.probability`);
3. the verdict against its own definitions: P(cheap win), P(security win) and P(cheap) read
   again from the rows at other choices of k, margin, months, cost basis and threshold, with
   Wilson intervals, as tables and a figure (:func:`sim.analysis.verdict_surface`; a note
   instead for sweeps whose rows lack the columns it needs);
4. paired differences between each scenario and the first one, on common seeds
   (:func:`sim.analysis.paired_difference`), when the sweep pairs scenarios;
5. the sections that apply to the sweep, figures (:mod:`sim.analysis.figures`) embedded as
   base64 PNG and tables: the worlds that reproduce history (sweeps that score the calibration
   patterns: the verdict in all sampled worlds and in the kept ones, and what history says about
   each assumption), assumptions or chance (Latin hypercubes over priors), the price of
   influence and who pays, paired differences (paired scenarios), P(cheap win)
   over two swept columns (factorial designs), influence envelopes and the map (when
   ``presence.influence`` or ``regions.control`` was kept), Sobol indices (``design: sobol``),
   PRIM boxes where the cheap win holds and where it fails (numeric or categorical parameters,
   both outcomes present). Each is a section registered in :data:`SECTIONS` (:func:`section`):
   a small function that looks at the loaded sweep and answers :func:`will_render` (with the
   figures it will draw) or :func:`skip` (with the reason, listed in the report). The work
   (Sobol indices, PRIM, coordinates, drawing) is done when the section is rendered; a figure
   that cannot be drawn then is listed with its reason too;
6. the design (parameters, levels or ranges, paths, replicates, scenarios, base overrides);
7. the provenance (package version, git commit, library versions, seeds, base configs).

Every number says over which runs it is taken: the finished runs of its row or cell, the
security wins only, or the worlds kept by the history filter.

``sahel-sim-report FOLDER --against OTHER`` writes no HTML: it compares the two sweeps' verdicts
(each headline probability and each AES state's lead, with Wilson intervals, side by side:
:func:`sim.analysis.compare.compare_verdicts`), prints the table and writes it to
``FOLDER/comparison.md`` (e.g. a sweep of worlds drawn from a calibrated posterior against the
same experiment over the priors).

Example:
    sahel-sim-report outputs/sweeps/rules_comparison_2026-01-01_12-00-00
    sahel-sim-report outputs/sweeps/cheap_win_map --out cheap_win_map.html
    sahel-sim-report outputs/sweeps/posterior_worlds --against outputs/sweeps/plausible_worlds
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import functools
import html
import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis import figures as F
from sim.analysis.load import SweepData, load_sweep, ok_runs
from sim.analysis.stats import paired_difference, probability
from sim.analysis.verdict import (
    choices_text,
    margin_label,
    missing_columns,
    own_choices,
    surface_cells,
    surface_grid,
    verdict_surface,
)
from sim.plotstyle import DPI, new_figure, usd_tick

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SECTIONS", "FigureSpec", "RenderOptions", "Report", "SectionOutput", "SectionPlan",
           "build_report", "format_value", "main", "plan_sections", "section", "skip",
           "will_render", "write_report"]

PROG = "sahel-sim-report"
#: Boolean outcomes of the verdict table, with their column titles: the verdict (``hypothesis``:
#: the security win and cheap), its halves, the vacuum's part, and the first version's.
VERDICT_OUTCOMES = {"hypothesis": "P(cheap win)",
                    "security_win": "P(security win)",
                    "cheap": "P(cheap)",
                    "vacuum_premium.because_of_vacuum": "P(win because of the vacuum)",
                    "first_version.hypothesis": "P(cheap win, first version)"}
#: Outcomes compared between paired scenarios.
PAIRED_OUTCOMES = ("hypothesis", "security_win", "cheap", "cost_ratio",
                   "vacuum_premium.security_end", "costs_like_for_like.russia.cash_usd",
                   "costs_like_for_like.west.cash_usd", "host_cost_usd",
                   "civilian_fatalities_aes", "first_version.hypothesis")
#: Outcomes whose Sobol indices are reported (``design: sobol``).
SOBOL_OUTCOMES = ("cost_ratio", "hypothesis")
#: The k of the verdict surface's tables when the runs were judged at several.
SURFACE_K = 2
#: Title of the verdict surface's section.
SURFACE_TITLE = "The verdict against its own definitions"
#: Most scenarios drawn as influence envelopes (one figure each).
MAX_ENVELOPES = 8
#: Most rows of the verdict table before design points are pooled.
MAX_TABLE_ROWS = 60
#: Most distinct values a column may take to be a heatmap axis.
MAX_LEVELS = 12

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em;
       margin-top: 2em; }
.question { font-size: 1.25em; font-style: italic; margin: 0.5em 0 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.92em; color: #444; margin-top: 0.3em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #555; font-size: 0.92em; }
.warning { background: #fff4e5; border-left: 4px solid #f0a020; padding: 0.4em 0.8em; }
table.surface { font-size: 0.82em; }
table.surface td, table.surface th { white-space: nowrap; }
table.surface td { text-align: center; padding: 0.15em 0.35em; line-height: 1.15; }
table.surface td small { color: #333; font-size: 0.85em; }
table.surface td.own { outline: 2px solid #d62728; font-weight: bold; }
table.surface th { font-weight: normal; text-align: center; }
table.surface th.level { font-weight: bold; } table.surface th.text { text-align: left; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: bold; }
"""


@dataclass
class Report:
    """A rendered report.

    Attributes:
        html: the whole self-contained HTML document.
        figures: the titles of the embedded figures, in order (one ``<img>`` each).
        skipped: (figure, reason) of the figures that do not apply to this sweep.
        tables: the tables shown, by name (``verdicts``, ``paired``, ``prim_holds``, ...).
        sections: the plan of every registered figure section (:data:`SECTIONS`), in order.
    """

    html: str
    figures: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sections: list[SectionPlan] = field(default_factory=list)


# --------------------------------------------------------------------------- HTML pieces


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _png(fig: Figure) -> str:
    """The figure as a base64 PNG data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def format_value(v: Any) -> str:
    """A value as the report's tables show it: no NaN (empty), ints with thousands separators,
    amounts of a million and up as ``15.2bn``/``340m``, other numbers to 3 significant digits
    (0 decimals from 100 up), booleans as ``True``/``False``; shared with the app's sweep
    view."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        a = abs(float(v))
        if a >= 1e6:  # 15.2bn, 340m: USD amounts and large counts alike
            return usd_tick(float(v))
        if a >= 100:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    return str(v)


_fmt = format_value


def _table_html(df: pd.DataFrame) -> str:
    """A DataFrame as an HTML table, numbers right-aligned, text left-aligned."""
    head = "".join(f'<th class="{"text" if not pd.api.types.is_numeric_dtype(df[c]) else ""}">'
                   f"{_esc(c)}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec, strict=True):
            text = not pd.api.types.is_numeric_dtype(df[c]) or isinstance(v, (bool, np.bool_))
            cells.append(f'<td class="{"text" if text else ""}">{_esc(_fmt(v))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _interval(p: float, lo: float, hi: float) -> str:
    if not np.isfinite(p):
        return ""
    return f"{p:.2f} [{lo:.2f}, {hi:.2f}]"


# --------------------------------------------------------------------------- content


def _experiment(data: SweepData) -> dict[str, Any]:
    return dict(data.manifest.get("experiment") or {})


def _scenarios(data: SweepData) -> list[str]:
    listed = list(data.manifest.get("scenarios") or [])
    seen = list(dict.fromkeys(data.runs["scenario"].dropna())) if "scenario" in data.runs else []
    return [s for s in listed if s in seen] + [s for s in seen if s not in listed]


def _discrete(data: SweepData, column: str) -> bool:
    """Whether a column takes few enough values to be a table or heatmap axis."""
    spec = (_experiment(data).get("parameters") or {}).get(column) or {}
    if spec.get("levels") is not None:
        return len(spec["levels"]) <= MAX_LEVELS
    if data.manifest.get("design", {}).get("kind") not in (None, "full_factorial"):
        return False
    return column in data.runs and data.runs[column].nunique() <= MAX_LEVELS


def verdict_table(data: SweepData, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The verdict per scenario (if several) and per value of the swept parameters with levels,
    in the experiment's order, as long as the table keeps at most :data:`MAX_TABLE_ROWS` rows
    (the parameters left out are pooled): over the finished runs of each row (``runs``), each
    outcome of :data:`VERDICT_OUTCOMES` as a probability with its bootstrap interval, then the
    median cost ratio (Russia's cost per security point over the West's, on the runs' cost
    basis) over all of them and over the security wins alone (with their number)."""
    runs = data.runs
    by: list[str] = ["scenario"] if len(_scenarios(data)) > 1 else []
    ok = ok_runs(runs)
    for p in data.parameters:  # add discrete parameters while the table stays readable
        if p not in runs.columns or not _discrete(data, p):
            break
        if ok.groupby([*by, p], dropna=False).ngroups > MAX_TABLE_ROWS:
            break
        by.append(p)
    out: pd.DataFrame | None = None
    for outcome, title in VERDICT_OUTCOMES.items():
        if outcome not in runs.columns:
            continue
        t = probability(runs, by=by, outcome=outcome, n_boot=n_boot, seed=seed)
        col = pd.DataFrame({title: [_interval(p, lo, hi) for p, lo, hi in
                                    zip(t["p"], t["lo"], t["hi"], strict=True)]})
        if out is None:
            out = pd.concat([t[[*by, "n"]].reset_index(drop=True), col], axis=1)
        else:
            out[title] = col[title].to_numpy()
    if out is None:
        return pd.DataFrame()
    if "cost_ratio" in runs.columns:
        ratio = ok.assign(cost_ratio=pd.to_numeric(ok["cost_ratio"], errors="coerce"))
        wins = (ratio[ratio["security_win"].astype("boolean").fillna(False).to_numpy(bool)]
                if "security_win" in ratio.columns else ratio.iloc[:0])

        def per_row(frame: pd.DataFrame, how: str) -> list[float]:
            if not by:
                return [len(frame) if how == "size" else getattr(frame["cost_ratio"], how)()]
            grouped = getattr(frame.groupby(by, sort=True, dropna=False)["cost_ratio"], how)()
            keys = pd.MultiIndex.from_frame(out[by]) if len(by) > 1 else pd.Index(out[by[0]])
            return grouped.reindex(keys, fill_value=0 if how == "size" else np.nan).tolist()

        out["median cost ratio (all runs)"] = per_row(ratio, "median")
        if "security_win" in ratio.columns:
            out["security wins"] = [int(v) for v in per_row(wins, "size")]
            out["median cost ratio (security wins)"] = per_row(wins, "median")
    return out.rename(columns={"n": "runs"})


def paired_table(data: SweepData, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Mean paired difference (scenario - the first scenario) of each outcome in
    :data:`PAIRED_OUTCOMES` with its bootstrap interval, over runs sharing a ``pair_id``."""
    scenarios = _scenarios(data)
    rows = []
    for outcome in PAIRED_OUTCOMES:
        if outcome not in data.runs.columns:
            continue
        t = paired_difference(data.runs, outcome, baseline=scenarios[0], n_boot=n_boot,
                              seed=seed)
        for rec in t.to_dict("records"):
            rows.append({"outcome": outcome, "scenario": rec["scenario"],
                         "pairs": rec["n_pairs"], f"mean in {scenarios[0]}": rec["mean_baseline"],
                         "mean in scenario": rec["mean_scenario"],
                         "difference": rec["mean_diff"], "95% lo": rec["lo"],
                         "95% hi": rec["hi"]})
    return pd.DataFrame(rows)


def _bounds(data: SweepData, params: list[str]) -> dict[str, tuple[float, float]]:
    """Numeric parameters' ranges: the experiment's ``range`` or numeric ``levels``, else the
    data's."""
    specs = _experiment(data).get("parameters") or {}
    found = F.parameter_bounds(ok_runs(data.runs), params)
    out = {}
    for p in params:
        spec = specs.get(p) or {}
        if spec.get("range"):
            out[p] = (float(spec["range"][0]), float(spec["range"][1]))
        elif spec.get("levels") and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                         for v in spec["levels"]):
            out[p] = (float(min(spec["levels"])), float(max(spec["levels"])))
        elif p in found and pd.api.types.is_numeric_dtype(data.runs[p]) \
                and not pd.api.types.is_bool_dtype(data.runs[p]):
            out[p] = found[p]
    return out


def _both_outcomes(runs: pd.DataFrame, outcome: str) -> bool:
    values = ok_runs(runs)[outcome].dropna()
    return values.astype(bool).nunique() == 2


def _has_pairs(data: SweepData) -> bool:
    """Whether the sweep pairs scenarios (several scenarios, runs sharing a ``pair_id``)."""
    ok = ok_runs(data.runs)
    return (len(_scenarios(data)) > 1 and "pair_id" in ok.columns and len(ok) > 0
            and bool(ok.groupby("pair_id")["scenario"].nunique().max() > 1))


def _monthly_series(data: SweepData) -> list[str]:
    root = Path(data.folder) / "monthly"
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


# --------------------------------------------------------------------------- figure sections
#
# Dispatch by table, not by if/elif (the project's house rules; issue 8, "The house"): each
# figure section of the report is a small function registered in SECTIONS, in the order the
# report shows them. It looks at the sweep (columns, design, monthly series kept) and says whether
# it applies; the work (Sobol indices, PRIM boxes, reading coordinates, drawing) waits until the
# section is rendered. A new figure is one more registered function; nothing else changes.


@dataclass(frozen=True)
class RenderOptions:
    """What every rendered section shares: the bootstraps' size and seed.

    Attributes:
        n_boot: bootstrap resamples of every interval.
        seed: seed of the bootstraps (the report is the same for the same folder and seed).
    """

    n_boot: int = 2000
    seed: int = 0


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report, drawn only when the report embeds it.

    Attributes:
        title: the figure's title (its ``alt`` text and caption heading).
        caption: what the figure shows and where its numbers come from.
        draw: a function drawing the figure and returning it.
    """

    title: str
    caption: str
    draw: Callable[[], Figure]


@dataclass
class SectionOutput:
    """What a rendered section adds to the report.

    Attributes:
        blocks: in order, figures (:class:`FigureSpec`, numbered and embedded by the report) and
            HTML fragments (``str``, e.g. the PRIM box tables).
        tables: tables for :attr:`Report.tables`, by name.
        skipped: (figure, reason) of the figures the section planned but could not draw (a Sobol
            analysis that fails, a PRIM box below the density threshold, missing coordinates).
    """

    blocks: list[FigureSpec | str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SectionPlan:
    """A section's answer to "do you apply to this sweep?", given before any computation.

    Attributes:
        name: the section's key in :data:`SECTIONS`.
        title: the section's title, shown with the reason when it is skipped.
        renders: the titles of the figures it will draw (planned sections).
        reason: why it does not apply (skipped sections), shown in the report.
        render: computes and draws the section (None for a skipped section).
    """

    name: str
    title: str
    renders: tuple[str, ...] = ()
    reason: str = ""
    render: Callable[[RenderOptions], SectionOutput] | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        """``"planned"`` or ``"skipped"``."""
        return "skipped" if self.render is None else "planned"


#: The figure sections of the report, in the order they appear: name -> (title, planner).
SECTIONS: dict[str, tuple[str, Callable[[SweepData], SectionPlan]]] = {}


def section(name: str, title: str) -> Callable[[Callable[[SweepData], SectionPlan]],
                                               Callable[[SweepData], SectionPlan]]:
    """Register a figure section under ``name``; ``title`` names it in the skipped list.

    The decorated function takes the loaded sweep and returns :func:`will_render` or
    :func:`skip`; the name and title are filled in by :func:`plan_sections`.
    """

    def register(fn: Callable[[SweepData], SectionPlan]) -> Callable[[SweepData], SectionPlan]:
        if name in SECTIONS:
            raise ValueError(f"report section {name!r} is registered twice")
        SECTIONS[name] = (title, fn)
        return fn

    return register


def will_render(renders: Sequence[str],
                render: Callable[[RenderOptions], SectionOutput]) -> SectionPlan:
    """A section that applies: the figures it will draw and the function that draws them."""
    return SectionPlan(name="", title="", renders=tuple(renders), render=render)


def skip(reason: str) -> SectionPlan:
    """A section that does not apply to the sweep, and why (shown in the report)."""
    return SectionPlan(name="", title="", reason=reason)


def plan_sections(data: SweepData) -> list[SectionPlan]:
    """Ask every registered section whether it applies to ``data``; nothing is computed yet."""
    return [dataclasses.replace(plan(data), name=name, title=title)
            for name, (title, plan) in SECTIONS.items()]


def _figures(*specs: FigureSpec) -> Callable[[RenderOptions], SectionOutput]:
    """A render function for sections whose figures need no computation beforehand."""
    return lambda _opts: SectionOutput(blocks=list(specs))


#: How the surface tables write each choice's value.
_CHOICE_TEXT: dict[str, Callable[[Any], str]] = {
    "k": lambda v: f"k = {v}", "margin": lambda v: margin_label(str(v)),
    "months": lambda v: f"{v} months", "basis": lambda v: f"{v} basis",
    "threshold": lambda v: f"\u2264 {v:g}"}


def _surface_html(cells: pd.DataFrame, rows: Sequence[str], columns: Sequence[str],
                  mark: Mapping[str, Any] | None = None) -> str:
    """:func:`sim.analysis.verdict.surface_cells` as an HTML table: a header row per column level
    (groups spanning their columns), a header cell per row level (groups spanning their rows),
    and in each cell the probability over its 95% Wilson interval (``lo-hi``), shaded by the
    probability;
    the cell of the runs' own choices (``mark``) outlined."""
    row_keys = list(dict.fromkeys(zip(*(cells[c] for c in rows), strict=True)))
    col_keys = list(dict.fromkeys(zip(*(cells[c] for c in columns), strict=True)))
    values = {(tuple(r[c] for c in rows), tuple(r[c] for c in columns)): (r["p"], r["lo"], r["hi"])
              for r in cells.to_dict("records")}

    def spans(keys: list[tuple], level: int) -> list[tuple[int, int]]:
        """(start, length) of the runs of keys sharing their first ``level + 1`` values."""
        out: list[tuple[int, int]] = []
        for i, key in enumerate(keys):
            if i and keys[i - 1][:level + 1] == key[:level + 1]:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            else:
                out.append((i, 1))
        return out

    head = []
    for level, name in enumerate(columns):
        cells_html = ([f'<th class="text level" rowspan="{len(columns)}">{_esc(r)}</th>'
                       for r in rows] if level == 0 else [])
        cells_html += [f'<th colspan="{n}" class="{"level" if level == 0 else ""}">'
                       f"{_esc(_CHOICE_TEXT[name](col_keys[i][level]))}</th>"
                       for i, n in spans(col_keys, level)]
        head.append("<tr>" + "".join(cells_html) + "</tr>")
    starts = [{i: n for i, n in spans(row_keys, level)} for level in range(len(rows))]
    own_row = tuple(mark.get(c) for c in rows) if mark else None
    own_col = tuple(mark.get(c) for c in columns) if mark else None
    body = []
    for i, rk in enumerate(row_keys):
        tr = [f'<th class="text" rowspan="{starts[level][i]}">'
              f"{_esc(_CHOICE_TEXT[name](rk[level]))}</th>"
              for level, name in enumerate(rows) if i in starts[level]]
        for ck in col_keys:
            p, lo, hi = values.get((rk, ck), (np.nan, np.nan, np.nan))
            if not np.isfinite(p):
                tr.append("<td></td>")
                continue
            own = ' class="own"' if rk == own_row and ck == own_col else ""
            tr.append(f'<td{own} style="background: rgba(31, 78, 156, {0.55 * p:.2f})">'
                      f"{p:.2f}<br><small>{lo:.2f}&ndash;{hi:.2f}</small></td>")
        body.append("<tr>" + "".join(tr) + "</tr>")
    return (f'<table class="surface"><thead>{"".join(head)}</thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


@section("verdict_surface", SURFACE_TITLE)
def _verdict_surface(data: SweepData) -> SectionPlan:
    runs = data.runs
    missing = missing_columns(runs)
    if missing:
        return skip(f"the runs lack {' and '.join(missing)}: the sweep was written before the "
                    "verdict could be read again at other choices (issue 24); run it again to "
                    "read it")
    if not len(ok_runs(runs)):
        return skip("no finished run")
    scenarios = _scenarios(data)
    by = ["scenario"] if len(scenarios) > 1 else []
    title = f"{SURFACE_TITLE}: P(cheap win)"
    pooled = [p for p in data.parameters if p in runs.columns]

    def render(_opts: RenderOptions) -> SectionOutput:
        own = own_choices(runs)
        k = own["k"] if own["k"] is not None else SURFACE_K
        try:
            surface = verdict_surface(runs, by=by, **surface_grid(own))
        except (KeyError, ValueError) as exc:
            return SectionOutput(skipped=[(title, str(exc))])
        out = SectionOutput(tables={"verdict_surface": surface})
        where = ("the finished runs of the scenario" if by else "all the finished runs")
        out.blocks.append(
            f"<p>A run's yes or no rests on choices that are the analyst's, not the world's "
            f"(docs/ODD.md section 8): how many AES states Russia must lead (k), by what margin "
            f"over the West's bloc (absolute, or relative to Russia's own share), for how many "
            f"months up to the end; on which cost basis (cash: what its treasury paid; outlays: "
            f"and the arms given in kind; full: and its casualties valued and non-cash costs) and "
            f"below which ratio of Russia's cost per security point to the West's the win is "
            f"cheap. Here the verdict is read again at each of them from the rows alone. The "
            f"runs were judged at {_esc(choices_text(own))}; that cell is outlined (there "
            f"P(cheap win) is the verdict table's, pooled).</p>\n"
            f'<p class="note">Every probability is over {where} '
            + (f"(every design point and replicate pooled: {_esc(', '.join(pooled))})"
               if pooled else "(every replicate pooled)")
            + ", with its 95% Wilson interval beneath; a run whose cost ratio is undefined "
            "(Russia holds no security point) is not cheap.</p>")
        groups = ([(s, surface[surface["scenario"] == s]) for s in scenarios
                   if (surface["scenario"] == s).any()] if by else [(None, surface)])
        for i, (group, sub) in enumerate(groups):
            n = int(sub["n"].iloc[0]) if len(sub) else 0
            both = surface_cells(sub, "both", ("margin", "months"), ("basis", "threshold"), k=k)
            win = surface_cells(sub, "win", ("margin",), ("k", "months"))
            cheap = surface_cells(sub, "cheap", ("basis",), ("threshold",))
            tables = (
                f"<h3>P(cheap win) at k = {k}, over {n} finished runs</h3>\n"
                + _surface_html(both, ("margin", "months"), ("basis", "threshold"), own)
                + f"\n<h3>P(security win), over the same {n} runs</h3>\n"
                + _surface_html(win, ("margin",), ("k", "months"), own)
                + f"\n<h3>P(cheap), over the same {n} runs</h3>\n"
                + _surface_html(cheap, ("basis",), ("threshold",), own))
            if group is None:
                out.blocks.append(tables)
            else:
                out.blocks.append(f"<details{' open' if i == 0 else ''}><summary>scenario "
                                  f"{_esc(group)}: {n} finished runs</summary>\n{tables}"
                                  "</details>")
        shown = [g for g, _ in groups][:8]
        out.blocks.append(FigureSpec(
            title, f"P(cheap win) at k = {k} over {where}"
            + (f" (one panel per scenario: {', '.join(map(str, shown))})" if by else "")
            + ": rows the security margin and the months of lead up to the end, columns the "
            "cost basis and the cheap threshold; outlined, the runs' own choices.",
            functools.partial(F.verdict_surface_heatmap, surface, k=k,
                              by="scenario" if by else None, mark=own)))
        return out

    return will_render([title], render)


#: Outcomes whose variance the "assumptions or chance" section splits (those present).
SHARE_OUTCOMES = ("hypothesis", "security_win", "cheap", "cost_ratio",
                  "vacuum_premium.influence_end", "vacuum_premium.because_of_vacuum",
                  "host_cost_usd", "civilian_fatalities_aes", "first_version.hypothesis")


SHARES_TITLE = "Assumptions or chance: shares of the variance"

#: Outcomes the history filter compares between all sampled worlds and the accepted ones:
#: (column, how it is summarised: ``p`` a probability with its Wilson interval, ``median``).
FILTER_OUTCOMES = (("hypothesis", "p"), ("security_win", "p"), ("cheap", "p"),
                   ("vacuum_premium.because_of_vacuum", "p"), ("first_version.hypothesis", "p"),
                   ("cost_ratio", "median"), ("civilian_fatalities_aes", "median"),
                   ("host_cost_usd", "median"))


def filter_table(runs: pd.DataFrame, kept: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Each outcome of :data:`FILTER_OUTCOMES` over all finished runs (``all``) and over each
    subset of ``kept`` (label -> boolean Series on the runs, e.g. the worlds that reproduce
    history): a probability with its 95% Wilson interval, or a median with its 5-95% range, and
    the number of runs (``<label>``, ``<label>_lo``, ``<label>_hi``, ``<label>_n``)."""
    from sim.analysis.stats import as_numeric, wilson_interval

    ok = runs["status"].eq("ok") if "status" in runs.columns else pd.Series(True, runs.index)
    masks = {"all": ok, **{label: ok & mask for label, mask in kept.items()}}
    rows = []
    for column, kind in FILTER_OUTCOMES:
        if column not in runs.columns:
            continue
        row: dict[str, Any] = {"outcome": column, "summary": kind}
        for label, mask in masks.items():
            y = as_numeric(runs.loc[mask, column], column).dropna()
            n = len(y)
            if kind == "p":
                p = float(y.mean()) if n else float("nan")
                lo, hi = wilson_interval(p, n)
            else:
                p, lo, hi = (float(q) for q in np.nanquantile(y, [0.5, 0.05, 0.95])) if n else \
                    (float("nan"),) * 3
            row.update({label: p, f"{label}_lo": lo, f"{label}_hi": hi, f"{label}_n": n})
        rows.append(row)
    return pd.DataFrame(rows)


#: Fewest kept worlds for the posterior of the assumptions to be read on the strict filter
#: (below it, the tolerant filter's worlds are used, and the report says so).
MIN_KEPT_WORLDS = 20


@section("history_filter", "Worlds that reproduce history")
def _history_filter(data: SweepData) -> SectionPlan:
    from sim.analysis.stats import PRE_2020

    runs = data.runs
    columns = [f"calibration.{p}" for p in PRE_2020]
    if not set(columns) <= set(runs.columns):
        return skip("needs the pre-2020 calibration patterns scored on every run "
                    f"(experiment.calibrate: {list(PRE_2020)})")

    def render(_opts: RenderOptions) -> SectionOutput:
        from sim.analysis.stats import plausible, posterior_shift

        out = SectionOutput()
        ok = runs["status"].eq("ok")
        strict = plausible(runs)
        tolerant = plausible(runs, min_passed=len(PRE_2020) - 1)
        worlds = runs.loc[ok, "point"].nunique()
        n_strict = runs.loc[strict, "point"].nunique()
        n_tolerant = runs.loc[tolerant, "point"].nunique()
        passing = runs.loc[ok, columns].apply(pd.to_numeric, errors="coerce").eq(1.0)
        rates = pd.DataFrame({"pattern": [*PRE_2020, "all of them"],
                              "runs_passing": [*passing.mean().tolist(),
                                               float(passing.all(axis=1).mean())]})
        out.tables["pattern_pass_rates"] = rates
        table = filter_table(runs, {"history": strict, "history_tolerant": tolerant})
        out.tables["history_filter"] = table
        params = [p for p in data.parameters if p in runs.columns]
        basis, label = (strict, "strict") if n_strict >= MIN_KEPT_WORLDS else (
            tolerant, "tolerant")
        shift = posterior_shift(runs, params, basis) if params else pd.DataFrame()
        out.tables["posterior_shift"] = shift
        out.blocks.append(
            "<h3>Worlds that reproduce history</h3>\n"
            f"<p>Approximate Bayesian computation by rejection: a sampled world is kept when each "
            f"calibration pattern whose target dates from before 2020 ({', '.join(PRE_2020)}; "
            f"each scored on the run and on its 2017-01 hindcast) passes in at least half of its "
            f"seeds (<code>history</code>: <b>{n_strict} of {worlds} worlds</b>), or all of them "
            f"but one (<code>history_tolerant</code>: <b>{n_tolerant} of {worlds}</b>). What the "
            f"kept worlds do after 2019 is a finding, not a fit.</p>\n<h3>Share of runs passing "
            f"each pattern</h3>\n" + _table_html(rates)
            + "\n<h3>The verdict in all worlds and in the kept ones</h3>"
            "\n<p class=\"note\">Each outcome over the finished runs of all sampled worlds "
            "(<code>all</code>), of the worlds kept by the strict filter (<code>history</code>) "
            "and of those kept by the tolerant one (<code>history_tolerant</code>): "
            "probabilities with 95% Wilson intervals, medians with their 5-95% range; "
            "<code>_n</code>: the runs each is taken over.</p>\n" + _table_html(table))
        if len(shift):
            out.blocks.append(
                "<h3>What history says about the assumptions</h3>\n<p class=\"note\">Each "
                "assumption's median in all sampled worlds and in the kept ones "
                f"({label} filter), as a position on its prior range (0 lowest, 1 highest); "
                "Kolmogorov-Smirnov statistic between kept and rejected worlds; the 12 most "
                "constrained.</p>\n" + _table_html(shift.head(12)))
        return out

    return will_render([], render)




@section("assumptions_or_chance", "Assumptions or chance?")
def _assumptions_or_chance(data: SweepData) -> SectionPlan:
    runs = data.runs
    params = [p for p in data.parameters if p in runs.columns]
    if "replicate" not in runs.columns or runs["replicate"].nunique() < 2 or not params:
        return skip("needs swept parameters and at least two replicates per design point")
    if len(_scenarios(data)) > 1:
        return skip("needs one scenario (the worlds differ by their assumptions only)")

    def render(_opts: RenderOptions) -> SectionOutput:
        from sim.analysis.stats import rank_influence, variance_shares

        out = SectionOutput()
        outcomes = [o for o in SHARE_OUTCOMES if o in runs.columns]
        shares = variance_shares(runs, outcomes)
        out.tables["variance_shares"] = shares
        if shares["assumptions_share"].notna().any():
            out.blocks.append(FigureSpec(
                SHARES_TITLE, "How much of each outcome's variance across all finished runs "
                "comes from the assumptions (between the sampled worlds) and how much from "
                "chance (between the seeds of one world), by the law of total variance.",
                functools.partial(F.variance_share_bars, shares)))
        else:
            out.skipped.append((SHARES_TITLE, "no outcome varies across the runs"))
        out.blocks.append(_table_html(shares))
        for outcome in ("hypothesis", "security_win", "cheap",
                        "vacuum_premium.because_of_vacuum"):
            if outcome not in runs.columns or not _both_outcomes(runs, outcome):
                continue
            ranks = rank_influence(runs, params, outcome).head(12)
            out.tables[f"rank_{outcome}"] = ranks
            out.blocks.append(f"<h3>Which assumptions decide {_esc(outcome)}</h3>\n<p class="
                              "\"note\">Spearman rank correlation of each sampled assumption "
                              "with the share of its world's finished replicates where it "
                              "holds, over all sampled worlds; the 12 strongest.</p>\n"
                              + _table_html(ranks))
        return out

    return will_render([SHARES_TITLE], render)


@section("price_of_influence", "The price of influence")
def _price_of_influence(data: SweepData) -> SectionPlan:
    runs = data.runs
    needed = {"russia.own_net_cost_usd", "west.own_net_cost_usd"}
    if not needed <= set(runs.columns) or not len(ok_runs(runs)):
        return skip("needs finished runs with " + " and ".join(sorted(needed)))
    title = "The price of influence"
    return will_render([title], _figures(FigureSpec(
        title, "Own net cost (gross spending minus host payments and concessions, all states) "
        "against the influence gained over the horizon, one point per finished run (all of "
        "them); crosses: medians over all finished runs.",
        lambda: F.price_of_influence(runs))))


@section("who_pays", "Who pays")
def _who_pays(data: SweepData) -> SectionPlan:
    runs = data.runs
    needed = {"host_cost_usd", "civilian_fatalities_aes", "verdict"}
    if not needed <= set(runs.columns) or not len(ok_runs(runs)):
        return skip("needs finished runs with " + ", ".join(sorted(needed)))
    title = "Who pays"
    return will_render([title], _figures(FigureSpec(
        title, "What the host states paid (payments and concessions to every power) and the "
        "civilian fatalities in the AES states, over all finished runs split by the run's "
        "verdict (both: the cheap win; win: the security win, not cheap; cheap: cheap without "
        "the security win; neither), n runs under each box.",
        lambda: F.host_cost_and_toll(runs, by="verdict"))))


def _paired_figure(data: SweepData, baseline: str, n_boot: int, seed: int) -> Figure:
    outcomes = [o for o in ("vacuum_premium.security_end", "cost_ratio", "host_cost_usd",
                            "civilian_fatalities_aes") if o in data.runs.columns]
    if len(outcomes) < 4:  # sweeps without today's measures: the verdict, the first version's
        outcomes += [o for o in ("hypothesis", "first_version.hypothesis",
                                 "first_version.cheap_win_index") if o in data.runs.columns
                     ][:4 - len(outcomes)]
    n = len(_scenarios(data)) - 1
    fig = new_figure((12.0, 2 * (0.45 * n + 1.6)))
    axes = fig.subplots(2, 2, squeeze=False).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        table = paired_difference(data.runs, outcome, baseline=baseline, n_boot=n_boot,
                                  seed=seed)
        F.paired_forest(table, outcome=outcome, ax=ax)
    for ax in axes[len(outcomes):]:
        ax.remove()
    fig.suptitle(f"Paired differences against {baseline}")
    return fig


@section("paired_differences", "Paired differences")
def _paired_differences(data: SweepData) -> SectionPlan:
    if not _has_pairs(data):
        return skip("needs several scenarios run on common seeds (runs sharing a pair_id)")
    baseline = _scenarios(data)[0]
    title = f"Paired differences against {baseline}"
    caption = ("For each scenario, the mean difference from the baseline over the pairs of "
               "finished runs that share design point and seed, with its 95% bootstrap interval: "
               "Russia's vacuum premium in security share at the end (against its twin without "
               "the Western exit), the cost ratio (Russia's cost per security point over the "
               "West's, on the runs' cost basis), what the hosts paid and the civilian toll.")
    return will_render([title], lambda opts: SectionOutput(blocks=[FigureSpec(
        title, caption, lambda: _paired_figure(data, baseline, opts.n_boot, opts.seed))]))


@section("cheap_win_heatmap", "P(cheap win) heatmap")
def _cheap_win_heatmap(data: SweepData) -> SectionPlan:
    runs, scenarios = data.runs, _scenarios(data)
    params = [p for p in data.parameters if p in runs.columns]
    axes = [p for p in params if _discrete(data, p)] + (["scenario"] if len(scenarios) > 1
                                                        else [])
    if len(axes) < 2 or "hypothesis" not in runs.columns:
        return skip("needs two swept columns with few values (factorial levels or "
                       "scenarios)")
    x, y = axes[0], axes[1]
    pooled = axes[2:] + [p for p in params if p not in axes]
    note = (f" Cells pool the other columns ({', '.join(pooled)}) and the replicates."
            if pooled else " Cells pool the replicates.")
    title = f"P(cheap win) over {x} and {y}"
    caption = ("The share of the finished runs of each cell with a cheap win (the verdict "
               "both: Russia leads the security of at least k AES states by the margin for the "
               "months up to the end, at a cost per security point at most the threshold times "
               "the West's), with its 95% bootstrap interval and the number of runs." + note)
    return will_render([title], lambda opts: SectionOutput(blocks=[FigureSpec(
        title, caption, lambda: F.cheap_win_heatmap(runs, x=x, y=y, n_boot=opts.n_boot,
                                                    seed=opts.seed))]))


@section("influence_envelopes", "Influence envelopes")
def _influence_envelopes(data: SweepData) -> SectionPlan:
    if "presence.influence" not in _monthly_series(data):
        return skip("the sweep kept no monthly presence.influence (experiment: monthly: "
                       "[presence.influence])")
    shown = (_scenarios(data) or [None])[:MAX_ENVELOPES]
    titles = [f"Influence envelopes ({s})" if s else "Influence envelopes" for s in shown]

    def render(_opts: RenderOptions) -> SectionOutput:
        monthly = data.monthly("presence.influence")
        out = SectionOutput()
        for s, title in zip(shown, titles, strict=True):
            sub = monthly if s is None else monthly[monthly["scenario"] == s]
            label = f" ({s})" if s else ""
            out.blocks.append(FigureSpec(
                title, "Influence of each power in each AES state: median and 5-95% band across "
                "the runs" + (f" of scenario {s}" if s else "") + ".",
                functools.partial(F.influence_envelopes, sub,
                                  title=f"Influence by power{label}: median and 5-95% band of "
                                        f"{sub['run_id'].nunique()} runs")))
        return out

    return will_render(titles, render)


#: The map layers: colour_by of :func:`F.region_map`, the monthly series it needs, its title.
MAP_LAYERS = (("partner", "presence.influence", "Map: largest partner"),
              ("control", "regions.control", "Map: control"))


@section("map", "Map")
def _map(data: SweepData) -> SectionPlan:
    series = set(_monthly_series(data))
    layers = [layer for layer in MAP_LAYERS if layer[1] in series]
    if not layers:
        return skip("the sweep kept neither presence.influence nor regions.control")
    scenarios = _scenarios(data)
    base = scenarios[0] if scenarios else None

    def render(_opts: RenderOptions) -> SectionOutput:
        from sim.analysis.geo import region_coordinates

        try:
            coords = region_coordinates(data.folder)
        except (FileNotFoundError, ValueError) as exc:
            return SectionOutput(skipped=[("Map", f"no region coordinates: {exc}")])
        out = SectionOutput()
        for kind, name, title in layers:
            table = data.monthly(name)
            if base is not None and "scenario" in table.columns:
                table = table[table["scenario"] == base]
            what = ("the largest foreign partner of each region's state (the one most runs agree "
                    "on)" if kind == "partner" else
                    "government control of each region (median across runs)")
            layer = {"presence": table} if kind == "partner" else {"regions": table}
            out.blocks.append(FigureSpec(
                title, f"The regions (their admin-1 polygons, Natural Earth; points at their "
                f"coordinates in a world off the map) coloured by {what} at the last recorded "
                f"month" + (f", scenario {base}" if base else "") + ".",
                functools.partial(F.region_map, coords, colour_by=kind, **layer)))
        return out

    return will_render([title for _, _, title in layers], render)


@section("sobol", "Sobol indices")
def _sobol(data: SweepData) -> SectionPlan:
    design = (data.manifest.get("design") or {}).get("kind", "")
    if design != "sobol":
        return skip(f"the design is {design or 'unknown'}, not sobol")
    runs, scenarios = data.runs, _scenarios(data)
    params = [p for p in data.parameters if p in runs.columns]
    several = len(scenarios) > 1
    jobs = [(s, outcome, f"Sobol indices of {outcome}" + (f" ({s})" if several else ""))
            for s in scenarios or [None] for outcome in SOBOL_OUTCOMES if outcome in runs.columns]

    def render(opts: RenderOptions) -> SectionOutput:
        from sim.analysis.sensitivity import sobol_indices

        bounds = _bounds(data, params)
        out = SectionOutput()
        for s, outcome, title in jobs:
            sub = runs if s is None else runs[runs["scenario"] == s]
            try:  # seed + 1: SALib leaves its bootstrap unseeded when the seed is 0
                result = sobol_indices(sub, params, outcome, bounds=bounds, seed=opts.seed + 1)
            except (ValueError, KeyError) as exc:
                out.skipped.append((title, str(exc)))
                continue
            out.tables[f"sobol_{outcome}" + (f"_{s}" if several else "")] = result.indices
            out.blocks.append(FigureSpec(
                title, f"First-order (alone) and total (with interactions) Sobol indices of the "
                f"mean of {outcome} over the finished replicates of each design point "
                f"({result.n_points} points; a run whose {outcome} is undefined left out), with "
                f"SALib's 95% intervals; the seed's share of a run's variance is given under the "
                f"title.",
                functools.partial(F.sobol_bars, result,
                                  title=f"Sobol indices of {outcome} (95% intervals)")))
        return out

    return will_render([title for _, _, title in jobs], render)


def _prim_table_html(boxes: pd.DataFrame, where: str) -> str:
    """The PRIM boxes as an HTML table: interval columns that are all empty are left out, and
    categorical levels are listed."""
    cols = [c for c in boxes.columns if not c.endswith(("_lo", "_hi"))
            or not boxes[c].isna().all()]
    shown = boxes[cols].copy()
    for c in shown.columns:
        if c.endswith("_levels"):
            shown[c] = shown[c].map(lambda v: ", ".join(map(str, v))
                                    if isinstance(v, (list, tuple, np.ndarray)) else v)
    return f"<h3>PRIM boxes where {where}</h3>\n" + _table_html(shown)


#: Outcomes PRIM looks for boxes of, in order: the first that both holds and fails in the runs.
PRIM_OUTCOMES = (("hypothesis", "the cheap win"), ("security_win", "Russia's security win"),
                 ("first_version.hypothesis", "the first version's cheap win"))


@section("prim", "PRIM")
def _prim(data: SweepData) -> SectionPlan:
    runs, scenarios = data.runs, _scenarios(data)
    params = [p for p in data.parameters if p in runs.columns]
    prim_params = params + (["scenario"] if len(scenarios) > 1 else [])
    found = next(((o, label) for o, label in PRIM_OUTCOMES
                  if o in runs.columns and _both_outcomes(runs, o)), None)
    if not (prim_params and found):
        return skip("needs swept parameters and runs where the cheap win, the security win or "
                    "the first version's cheap win both holds and fails")
    outcome, label = found
    targets = ((True, "holds"), (False, "fails"))

    def render(_opts: RenderOptions) -> SectionOutput:
        from sim.analysis.discovery import prim_boxes

        bounds = _bounds(data, params)
        out = SectionOutput()
        tables = []
        for target, where in targets:
            result = prim_boxes(runs, prim_params, outcome, target=target)
            out.tables[f"prim_{where}"] = result.boxes
            title = f"PRIM: where {label} {where}"
            if result.boxes.empty:
                out.skipped.append((title, "no box reaches density 0.8"))
                continue
            out.blocks.append(FigureSpec(
                title, f"Scenario discovery (PRIM) on {outcome}: the peeling trajectory of the "
                f"first box where {label} {where} (coverage against density) and that box's "
                f"limits; over the {result.n_runs} finished runs with a known {outcome}, "
                f"{result.n_of_interest} of which are of interest.",
                functools.partial(F.prim_figure, result, bounds)))
            tables.append(_prim_table_html(result.boxes, f"{label} {where}"))
        out.blocks += tables  # the box tables follow the figures
        return out

    return will_render([f"PRIM: where {label} {where}" for _, where in targets], render)


@section("historical_replay", "The one world we know happened")
def _historical_replay(data: SweepData) -> SectionPlan:
    """The historical replay's verdict (``historical_replay.json``, :mod:`sim.sweep.historical`)
    beside the sweep's: per AES state and by cost basis, over its seeds."""
    h = data.historical
    if not h:
        return skip("the sweep ran no historical replay (experiment.historical_replay)")

    def spread(d: dict[str, Any]) -> str:
        if d.get("median") is None:
            return "undefined"
        return f"{_fmt(d['median'])} [{_fmt(d['min'])}, {_fmt(d['max'])}]"

    def render(_opts: RenderOptions) -> SectionOutput:
        n = h["seeds"]
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(h["verdict"].items()))
        rows = [{"state": st, **{k: spread(v) for k, v in d.items()}}
                for st, d in h["by_state"].items()]
        table = pd.DataFrame(rows)
        bases = "; ".join(f"{b}: {spread(v)}" for b, v in h["cost_ratio_by_basis"].items())
        html_rows = "".join(
            f"<tr><td>{_esc(r['state'])}</td><td>{_esc(r['lead_months'])}</td>"
            f"<td>{_esc(r['share_gap'])}</td><td>{_esc(r['cash_ratio'])}</td></tr>" for r in rows)
        text = (
            "<h2>The one world we know happened</h2>\n"
            f"<p>The default scenario, the historical replay (2019-01 to 2025-12, each run with "
            f"its twin), over {n} seeds (0 to {n - 1}): verdict {_esc(verdicts)}; a security win "
            f"in {h['security_win']} of {n}, cheap on the {_esc(h['cost_basis'])} basis (at most "
            f"{_fmt(h['cheap_cost_ratio'])} times the West's cost per security point) in "
            f"{h['cheap']} of {n}, a win caused by the vacuum in {h['because_of_vacuum']} of "
            f"{n}. Russia's cost per security point over the West's, median [min, max] over the "
            f"seeds: {_esc(bases)}.</p>\n"
            "<table><tr><th>AES state</th><th>months Russia led its security up to the end</th>"
            "<th>share gap at the end (Russia - West)</th><th>cash ratio (Russia's cash per "
            "point over the West's)</th></tr>" + html_rows + "</table>\n"
            f'<p class="note">Every number is over the {n} replay runs, median [min, max]; the '
            "sweep's numbers above are over its own runs.</p>")
        return SectionOutput(blocks=[text], tables={"historical_replay": table})

    return will_render([], render)


#: Sections rendered right after the verdict table, before the paired differences and the
#: figures.
LEAD_SECTIONS = ("verdict_surface", "historical_replay")


def _values(runs: pd.DataFrame, column: str, fmt: Callable[[Any], str] = _fmt) -> str:
    """The distinct values a column takes over the finished runs, in words (``?`` if absent)."""
    ok = ok_runs(runs)
    if column not in ok.columns or ok[column].dropna().empty:
        return "?"
    values = list(ok[column].dropna().unique())
    try:
        values = sorted(values)
    except TypeError:
        pass
    return ", ".join(fmt(v) for v in values)


def _verdict_definition(data: SweepData) -> str:
    """What the verdict table's columns mean, with the values the runs were judged at."""
    runs = data.runs
    if "hypothesis" not in runs.columns and "first_version.hypothesis" in runs.columns:
        return _esc("These runs hold only the first version's verdict (first_version.*: Russia "
                    "the largest foreign partner of at least k AES states at the end, at an own "
                    "net cost at most phi times the West's; docs/ODD.md section 8).")
    kind = _values(runs, "security_margin_kind", str)
    return _esc(
        "P(cheap win) is the verdict: the share of the finished runs of each row (runs) in "
        "which Russia wins on security and cheaply (the verdict both). The security "
        "win: Russia's bloc leads the security of at least k = "
        f"{_values(runs, 'k')} AES states (its share of the host's security capacity "
        f"above the West's bloc by {_values(runs, 'security_margin')} ({kind}), and not below "
        "any other single power's), each for at least "
        f"{_values(runs, 'security_months')} months up to the end of the horizon. Cheap: "
        "Russia's cost per security point held, on the "
        f"{_values(runs, 'cost_basis', str)} basis, at most "
        f"{_values(runs, 'cheap_cost_ratio')} times the West's, every cost booked to the bloc "
        "whose security points it buys (a UN mission is in neither bloc's books). The win is "
        "because of the vacuum when it does not hold in the twin world without the Western "
        "exit. The first version's cheap win (Russia the largest foreign partner, on all "
        "dimensions of influence, of at least k AES states at the end, at an own net cost at "
        f"most phi = {_values(runs, 'first_version.phi')} times the West's) is kept beside it "
        "for comparison. The cost ratio's medians are over all the finished runs of the row and "
        "over its security wins alone (docs/ODD.md section 8).")


def _design_html(data: SweepData) -> str:
    exp = _experiment(data)
    m = data.manifest
    rows = []
    for name, spec in (exp.get("parameters") or {}).items():
        values = (", ".join(map(str, spec["levels"])) if spec.get("levels") is not None
                  else f"[{spec['range'][0]}, {spec['range'][1]}]" if spec.get("range") else "")
        rows.append({"parameter": name, "levels or range": values,
                     "paths": ", ".join(spec.get("paths") or [name]),
                     "scale": "x base value" if spec.get("scale") else "set"})
    design = m.get("design") or {}
    items = [("design", design.get("kind", exp.get("design", ""))),
             ("design points", design.get("n_points", "")),
             ("scenarios (paired on common seeds)", ", ".join(_scenarios(data)) or "the base's"),
             ("replicates", exp.get("replicates", "")),
             ("runs", (f"{m.get('n_runs', len(data.runs))} planned, {len(data.runs)} stored, "
                      f"{int((data.runs.get('status') == 'ok').sum())} ok, "
                      f"{int((data.runs.get('status') == 'error').sum())} failed")),
             ("base overrides", " ".join(exp.get("base") or []) or "(none)"),
             ("monthly series kept", ", ".join(_monthly_series(data)) or "(none)")]
    if design.get("kind") in ("sobol", "latin_hypercube", "morris", "posterior"):
        items.append(("samples (N)", exp.get("samples", "")))
    posterior = m.get("posterior") or {}
    if exp.get("posterior"):
        items.append(("posterior (worlds drawn by weight)",
                      (f"{posterior.get('path') or exp['posterior']} (sha256 "
                       f"{posterior.get('sha256', '?')})")))
    out = ["<table>"] + [f'<tr><th class="text">{_esc(k)}</th><td class="text">{_esc(v)}</td>'
                         f"</tr>" for k, v in items] + ["</table>"]
    if rows:
        out.append(_table_html(pd.DataFrame(rows)))
    return "\n".join(out)


def _provenance_html(data: SweepData) -> str:
    m = data.manifest
    seeds = m.get("seeds") or {}
    reps = list(seeds.get("replicates") or [])
    items = [("package version", m.get("version", "")), ("git commit", m.get("git_commit", "")),
             ("sweep created", m.get("created", "")),
             ("experiment hash", m.get("experiment_hash", "")),
             ("experiment file", m.get("experiment_file") or "(given in Python)"),
             ("root seed", seeds.get("root", "")),
             ("replicate seeds", ", ".join(map(str, reps[:10])) + (" ..." if len(reps) > 10
                                                                   else "")),
             ("seeds", seeds.get("how", "")),
             ("library versions", ", ".join(f"{k} {v}" for k, v in
                                            (m.get("versions") or {}).items()))]
    for s, h in (m.get("base_config_hash") or {}).items():
        items.append((f"base config hash ({s})", h))
    out = ["<table>"] + [f'<tr><th class="text">{_esc(k)}</th><td class="text">{_esc(v)}</td>'
                         f"</tr>" for k, v in items] + ["</table>"]
    for s, rel in (m.get("base_config") or {}).items():
        path = Path(data.folder) / rel
        if path.is_file():
            out.append(f"<details><summary>base config of {_esc(s)} ({_esc(rel)})</summary>"
                       f"<pre>{_esc(path.read_text())}</pre></details>")
    return "\n".join(out)


def _render_sections(plans: Sequence[SectionPlan], opts: RenderOptions,
                     tables: dict[str, pd.DataFrame], first_figure: int = 1,
                     ) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Render the planned sections in order: their figures numbered (from ``first_figure``) and
    embedded one at a time, their HTML fragments, their tables added to ``tables``.

    Returns:
        The HTML pieces, the titles of the embedded figures, and (title, reason) of every section
        skipped at planning and every figure a section could not draw, in section order.
    """
    pieces: list[str] = []
    titles: list[str] = []
    skipped: list[tuple[str, str]] = []
    for plan in plans:
        if plan.render is None:
            skipped.append((plan.title, plan.reason))
            continue
        out = plan.render(opts)
        tables.update(out.tables)
        skipped += out.skipped
        for block in out.blocks:
            if isinstance(block, str):
                pieces.append(block)
                continue
            i = first_figure + len(titles)
            fig = block.draw()
            pieces.append(f'<figure id="figure-{i}"><img src="{_png(fig)}" '
                          f'alt="{_esc(block.title)}"><figcaption><b>Figure {i}. '
                          f"{_esc(block.title)}.</b> {_esc(block.caption)}</figcaption></figure>")
            fig.clear()
            titles.append(block.title)
    return pieces, titles, skipped


def build_report(folder: str | Path, n_boot: int = 2000, seed: int = 0) -> Report:
    """Render the HTML report of a sweep folder.

    Args:
        folder: a sweep folder (``sahel-sim-sweep`` output).
        n_boot: bootstrap resamples of every interval.
        seed: seed of the bootstraps (the report is the same for the same folder and seed).

    Returns:
        A :class:`Report` (``html`` is self-contained: figures are base64 PNG).

    Raises:
        FileNotFoundError: the folder holds no results.
    """
    data = load_sweep(folder)
    exp = _experiment(data)
    name = exp.get("name") or Path(folder).name
    question = exp.get("question") or "(the experiment states no question)"
    verdicts = verdict_table(data, n_boot=n_boot, seed=seed)
    tables: dict[str, pd.DataFrame] = {"verdicts": verdicts}
    scenarios = _scenarios(data)
    has_pairs = _has_pairs(data)
    if has_pairs:
        tables["paired"] = paired_table(data, n_boot=n_boot, seed=seed)
    plans = plan_sections(data)
    opts = RenderOptions(n_boot, seed)
    pooled = [p for p in data.parameters if p not in verdicts.columns]
    body = [f"<h1>Sweep report: {_esc(name)}</h1>",
            f'<p class="question">{_esc(question)}</p>',
            *[f'<p class="warning">{_esc(note)}</p>' for note in data.notes],
            (f'<p class="note">Folder <code>{_esc(Path(folder).resolve().name)}</code>; '
             f"{len(data.runs)} runs stored, {len(ok_runs(data.runs))} finished. Every number "
             "is taken over the finished runs it names (its row, cell or pair), over the "
             "security wins alone, or over the worlds kept by the history filter, as its "
             f"table or caption says. Intervals are 95% bootstrap percentile intervals "
             f"({n_boot} resamples, seed {seed}) unless marked Wilson.</p>"),
            "<h2>Verdict</h2>",
            f"<p>{_verdict_definition(data)}</p>",
            _table_html(verdicts) if len(verdicts) else "<p>No finished run.</p>"]
    if pooled and len(verdicts):
        body.append(f'<p class="note">Pooled in each row (too many combinations for one '
                    f"table): {_esc(', '.join(pooled))}.</p>")
    # the verdict against its own definitions follows the verdict; the figures come after
    lead = [p for p in plans if p.name in LEAD_SECTIONS]
    body.append(f"<h2>{_esc(SURFACE_TITLE)}</h2>")
    lead_html, lead_titles, lead_skipped = _render_sections(lead, opts, tables)
    body += lead_html + [f'<p class="note">{_esc(t)}: {_esc(r)}</p>' for t, r in lead_skipped]
    if has_pairs:
        body += [f"<h2>Paired differences against {_esc(scenarios[0])}</h2>",
                 ('<p class="note">Each difference is taken over the pairs of finished runs '
                  "that share the design point and the seed (common random numbers), so the "
                  "seed's noise cancels; booleans differ in probability.</p>"),
                 _table_html(tables["paired"])]
    body.append("<h2>Figures</h2>")
    figure_html, titles, skipped = _render_sections(
        [p for p in plans if p.name not in LEAD_SECTIONS], opts, tables,
        first_figure=len(lead_titles) + 1)
    titles, skipped = lead_titles + titles, lead_skipped + skipped
    body += figure_html
    if skipped:
        body.append("<h3>Figures that do not apply to this sweep</h3><ul>"
                    + "".join(f"<li>{_esc(t)}: {_esc(r)}</li>" for t, r in skipped) + "</ul>")
    body += ["<h2>Design</h2>", _design_html(data),
             "<h2>Provenance</h2>", _provenance_html(data)]
    doc = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>{_esc(name)}: sweep report</title><style>{_CSS}</style></head><body>\n"
           + "\n".join(body) + "\n</body></html>\n")
    return Report(html=doc, figures=titles, skipped=skipped, tables=tables, sections=plans)


def write_report(folder: str | Path, out: str | Path | None = None, n_boot: int = 2000,
                 seed: int = 0) -> Path:
    """Write the report of a sweep folder (default ``<folder>/report.html``); return its path."""
    report = build_report(folder, n_boot=n_boot, seed=seed)
    path = Path(out) if out is not None else Path(folder) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.html, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-report`` console script."""
    ap = argparse.ArgumentParser(
        prog=PROG, description="Write one self-contained HTML report of a sweep: the verdict "
        "with intervals, the verdict surface, the historical replay, paired differences, "
        "figures, design and provenance.",
        epilog="Exit status: 0 written, 2 bad input (a folder that is not a sweep's, --out in a "
               "folder that does not exist).")
    ap.add_argument("folder", help="the sweep folder (holds results/ and manifest.json)")
    ap.add_argument("--out", help="the HTML file to write, in an existing folder (default "
                    "<folder>/report.html)")
    ap.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples (default 2000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the bootstraps (default 0)")
    ap.add_argument("--against", metavar="OTHER", help="instead of the HTML report, compare the "
                    "verdict with another sweep folder's (e.g. the priors' against a posterior's): "
                    "each headline probability, each AES state's lead, Russia's deployment and "
                    "the held-out targets C7 and C8 with their Wilson intervals, the cheap win "
                    "at other definitions, and the war's toll and who pays after 2019, side by "
                    "side, printed and written to <folder>/comparison.md")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    for name, path in (("folder", folder), ("--against", Path(args.against or folder))):
        if not path.is_dir():
            shown = str(path) if name == "folder" else f"--against={path}"
            print(f"{PROG}: error: {shown} is not a folder; allowed: a sweep folder written by "
                  "sahel-sim-sweep", file=sys.stderr)
            sys.exit(2)
    if args.against is not None:
        if args.out is not None:
            print(f"{PROG}: error: --out={args.out} with --against: the comparison is written to "
                  f"{folder / 'comparison.md'}; allowed: one of --out (the HTML report) and "
                  "--against", file=sys.stderr)
            sys.exit(2)
        _compare(folder, Path(args.against))
        return
    if args.out is not None and not Path(args.out).resolve().parent.is_dir():
        parent = Path(args.out).resolve().parent
        print(f"{PROG}: error: --out={args.out} is in a folder that does not exist ({parent}); "
              f"allowed: a file in an existing folder (create it first: mkdir -p {parent})",
              file=sys.stderr)
        sys.exit(2)
    if args.out is not None and Path(args.out).is_dir():
        print(f"{PROG}: error: --out={args.out} is a folder; allowed: the HTML file to write, "
              f"e.g. {Path(args.out) / 'report.html'}", file=sys.stderr)
        sys.exit(2)
    if args.n_boot < 1:
        print(f"{PROG}: error: --n-boot={args.n_boot} is invalid; allowed: >= 1",
              file=sys.stderr)
        sys.exit(2)
    try:
        path = write_report(folder, args.out, n_boot=args.n_boot, seed=args.seed)
    except FileNotFoundError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"report: {path}")


def _compare(folder: Path, other: Path) -> None:
    """``--against``: the comparison of ``other`` (first column) and ``folder``, printed and
    written to ``folder``/comparison.md."""
    from sim.analysis.compare import (
        FILE,
        compare_amounts,
        compare_definitions,
        compare_verdicts,
        comparison_markdown,
        folder_labels,
    )

    labels = folder_labels(other, folder)
    try:
        sweeps = (load_sweep(other), load_sweep(folder))  # read once, for the three tables
        table = compare_verdicts(*sweeps, labels=labels)
        amounts = compare_amounts(*sweeps, labels=labels)
        try:
            definitions = compare_definitions(*sweeps, labels=labels)
        except KeyError:  # rows without the lead columns the surface reads
            definitions = None
    except FileNotFoundError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    text = comparison_markdown(table, (other, folder), labels=labels, amounts=amounts,
                               definitions=definitions)
    path = folder / FILE
    path.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"comparison: {path}")


if __name__ == "__main__":
    main()
