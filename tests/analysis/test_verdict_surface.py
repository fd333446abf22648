"""The verdict against its own definitions (sim.analysis.verdict): P(security win), P(cheap) and
P(both) read again from a sweep's rows at other choices of k, margin, months, cost basis and
threshold.

Most tests read a handful of rows built by hand, whose probabilities are counted in the comments;
one runs a tiny sweep of the default world and reads its report, and one reads the same sweep as
if it were written before the surface existed (a note, not a crash).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.load import load_sweep, one_verdict
from sim.analysis.stats import wilson_interval
from sim.analysis.verdict import (
    DEFAULT_GRID,
    missing_columns,
    own_choices,
    surface_cells,
    surface_grid,
    surface_table,
    verdict_surface,
)
from sim.config import MARGIN_GRID

BIN = Path(sys.executable).parent
STATES = ("mali", "burkina_faso", "niger")
ALL = {m: None for m in MARGIN_GRID}  # every margin of the grid


def _row(leads: dict[str, dict[str, int]], ratios: tuple[float, float, float],
         status: str = "ok", scenario: str = "a") -> dict:
    """One run's row: its lead months per state and margin (0 where not given) and its cost
    ratio on the cash, outlays and full bases."""
    row = {"status": status, "scenario": scenario}
    for s in STATES:
        for m in MARGIN_GRID:
            row[f"by_state.{s}.lead_months_by_margin.{m}"] = leads.get(s, {}).get(m, 0)
    for b, r in zip(("cash", "outlays", "full"), ratios, strict=True):
        row[f"cost_ratio_by_basis.{b}"] = r
    return row


def _all(months: int) -> dict[str, int]:
    return {m: months for m in MARGIN_GRID}


def rows() -> pd.DataFrame:
    """Five finished runs and one failed run (which must not count):

    - r1: mali leads 24 months at margins up to abs 0.02 (12 at abs 0.05, 6 at abs 0.1; rel 0.1:
      24, rel 0.25: 12, rel 0.5: 0); niger 12 months up to abs 0.02 (6 at abs 0.05; rel 0.1: 12,
      rel 0.25: 6); cost ratios cash 0.05, outlays 0.08, full 0.3;
    - r2: mali 12 months at abs 0 and 0.01, 6 at abs 0.02 (rel 0.1: 12, rel 0.25: 6); ratios
      0.1 (exactly the default threshold), 0.2, 0.5;
    - r3: all three states 30 months at every margin; no cost ratio (NaN: Russia holds no
      security point), so never cheap;
    - r4: no lead anywhere; ratios 0.02, 0.02, 0.04 (cheap without a win);
    - r5: niger 8 months at abs 0 and 0.01; ratios 1.5, 2, 3;
    - a failed run that would win and be cheap at every choice.
    """
    nan = float("nan")
    return pd.DataFrame([
        _row({"mali": {"abs_0": 24, "abs_0.01": 24, "abs_0.02": 24, "abs_0.05": 12,
                       "abs_0.1": 6, "rel_0.1": 24, "rel_0.25": 12},
              "niger": {"abs_0": 12, "abs_0.01": 12, "abs_0.02": 12, "abs_0.05": 6,
                        "rel_0.1": 12, "rel_0.25": 6}}, (0.05, 0.08, 0.3)),
        _row({"mali": {"abs_0": 12, "abs_0.01": 12, "abs_0.02": 6, "rel_0.1": 12,
                       "rel_0.25": 6}}, (0.1, 0.2, 0.5)),
        _row({s: _all(30) for s in STATES}, (nan, nan, nan), scenario="b"),
        _row({}, (0.02, 0.02, 0.04), scenario="b"),
        _row({"niger": {"abs_0": 8, "abs_0.01": 8}}, (1.5, 2.0, 3.0), scenario="b"),
        _row({s: _all(99) for s in STATES}, (0.01, 0.01, 0.01), status="error"),
    ])


@pytest.fixture(scope="module")
def surface() -> pd.DataFrame:
    return verdict_surface(rows())


def _at(surface: pd.DataFrame, **choices) -> pd.Series:
    sub = surface
    for c, v in choices.items():
        sub = sub[sub[c] == v]
    assert len(sub) == 1, choices
    return sub.iloc[0]


def test_the_surface_has_one_row_per_combination_of_the_grid(surface):
    sizes = [len(v) for v in DEFAULT_GRID.values()]
    assert len(surface) == math.prod(sizes) == 3 * 8 * 3 * 3 * 5
    assert list(surface.columns[:6]) == ["k", "margin", "months", "basis", "threshold", "n"]
    assert (surface["n"] == 5).all()  # the failed run is left out


@pytest.mark.parametrize("choices, p_win", [
    # k = 1, abs 0.02, 12 months: r1 (mali 24) and r3
    ({"k": 1, "margin": "abs_0.02", "months": 12}, 0.4),
    # k = 2: r1 (mali 24 and niger 12) and r3
    ({"k": 2, "margin": "abs_0.02", "months": 12}, 0.4),
    # k = 2, 24 months: niger's 12 months no longer count for r1: r3 alone
    ({"k": 2, "margin": "abs_0.02", "months": 24}, 0.2),
    ({"k": 3, "margin": "abs_0.02", "months": 12}, 0.2),
    # no margin, 6 months: r1, r2 (12), r3, r5 (niger 8)
    ({"k": 1, "margin": "abs_0", "months": 6}, 0.8),
    # 12 months: r5's 8 months fall short
    ({"k": 1, "margin": "abs_0", "months": 12}, 0.6),
    # abs 0.1: r1's mali has 6 months, enough for 6 only
    ({"k": 1, "margin": "abs_0.1", "months": 6}, 0.4),
    ({"k": 1, "margin": "abs_0.1", "months": 12}, 0.2),
    # relative margins: rel 0.25, 12 months: r1 (mali 12) and r3; r2 has 6
    ({"k": 1, "margin": "rel_0.25", "months": 12}, 0.4),
    # rel 0.5: r3 alone
    ({"k": 1, "margin": "rel_0.5", "months": 6}, 0.2),
    # k = 2, rel 0.1, 12 months: r1 (mali 24, niger 12) and r3; r2 leads one state
    ({"k": 2, "margin": "rel_0.1", "months": 12}, 0.4),
])
def test_p_security_win_is_the_share_counted_by_hand(surface, choices, p_win):
    row = _at(surface, **choices, basis="cash", threshold=0.1)
    assert row["p_win"] == pytest.approx(p_win)
    assert (row["p_win_lo"], row["p_win_hi"]) == pytest.approx(wilson_interval(p_win, 5))


@pytest.mark.parametrize("basis, threshold, p_cheap", [
    ("cash", 0.1, 0.6),     # r1 0.05, r2 0.1 (at most: cheap), r4 0.02; r3 NaN is not cheap
    ("cash", 0.05, 0.4),    # r1, r4
    ("outlays", 0.1, 0.4),  # r1 0.08, r4 0.02
    ("full", 0.25, 0.2),    # r4 alone (r1 is 0.3 on the full basis)
    ("full", 1.0, 0.6),     # r1, r2, r4: r3's NaN stays not cheap at any threshold
    ("cash", 1.0, 0.6),
])
def test_p_cheap_is_the_share_counted_by_hand_and_no_ratio_is_not_cheap(surface, basis,
                                                                         threshold, p_cheap):
    row = _at(surface, k=1, margin="abs_0", months=6, basis=basis, threshold=threshold)
    assert row["p_cheap"] == pytest.approx(p_cheap)


@pytest.mark.parametrize("choices, p_both", [
    # win {r1, r3} and cheap {r1, r2, r4}
    ({"k": 1, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 0.1}, 0.2),
    # win {r1, r2, r3, r5} and cheap {r1, r2, r4}
    ({"k": 1, "margin": "abs_0", "months": 6, "basis": "cash", "threshold": 0.1}, 0.4),
    ({"k": 1, "margin": "abs_0", "months": 6, "basis": "full", "threshold": 1.0}, 0.4),
    ({"k": 1, "margin": "abs_0", "months": 6, "basis": "full", "threshold": 0.25}, 0.0),
    # r3 wins at k = 3 but has no cost ratio: not cheap, so no cheap win even at threshold 1
    ({"k": 3, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 1.0}, 0.0),
    # rel 0.25, 12 months: win {r1, r3}, cheap on outlays at 0.1 {r1, r4}
    ({"k": 1, "margin": "rel_0.25", "months": 12, "basis": "outlays", "threshold": 0.1}, 0.2),
])
def test_p_both_needs_the_win_and_cheap_in_the_same_run(surface, choices, p_both):
    row = _at(surface, **choices)
    assert row["p_both"] == pytest.approx(p_both)
    assert (row["p_both_lo"], row["p_both_hi"]) == pytest.approx(wilson_interval(p_both, 5))
    assert row["p_both"] <= min(row["p_win"], row["p_cheap"])


def test_groups_get_a_surface_each():
    grouped = verdict_surface(rows(), k=[1], margin=["abs_0.02"], months=[12], basis=["cash"],
                              threshold=[0.1], by=["scenario"])
    assert grouped["scenario"].tolist() == ["a", "b"] and list(grouped.columns[:2]) == [
        "scenario", "k"]
    a, b = grouped.iloc[0], grouped.iloc[1]
    assert (a["n"], a["p_win"], a["p_cheap"], a["p_both"]) == (2, 0.5, 1.0, 0.5)  # r1, r2
    assert (b["n"], b["p_win"], b["p_cheap"]) == (3, pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert b["p_both"] == 0.0  # r3 wins, r4 is cheap


def test_an_unknown_margin_or_basis_is_named():
    with pytest.raises(ValueError, match=r"margin='abs_0\.03' is unknown; allowed: abs_0, "):
        verdict_surface(rows(), margin=["abs_0.02", "abs_0.03"])
    with pytest.raises(ValueError, match="basis='cost' is unknown; allowed: cash, outlays, full"):
        verdict_surface(rows(), basis=["cost"])


def test_missing_columns_are_named():
    df = rows()
    with pytest.raises(KeyError, match=r"cost_ratio_by_basis\.full not in the runs \(basis='full'\)"):
        verdict_surface(df.drop(columns=["cost_ratio_by_basis.full"]))
    # the other bases can still be read
    assert len(verdict_surface(df.drop(columns=["cost_ratio_by_basis.full"]),
                               basis=["cash", "outlays"])) == 3 * 8 * 3 * 2 * 5
    lead = [c for c in df.columns if ".lead_months_by_margin." in c]
    with pytest.raises(KeyError, match="lead_months_by_margin"):
        verdict_surface(df.drop(columns=lead))
    with pytest.raises(KeyError, match=r"by_state\.niger\.lead_months_by_margin\.rel_0\.5 not in "
                                       r"the runs \(margin='rel_0\.5'\)"):
        verdict_surface(df.drop(columns=["by_state.niger.lead_months_by_margin.rel_0.5"]))
    with pytest.raises(KeyError, match="by=\\['world'\\]"):
        verdict_surface(df, by=["world"])
    assert missing_columns(df) == []
    assert missing_columns(df.drop(columns=lead)) == [
        "by_state.<state>.lead_months_by_margin.<margin>"]
    ratios = [c for c in df.columns if c.startswith("cost_ratio_by_basis.")]
    assert len(missing_columns(df.drop(columns=lead + ratios))) == 2


def test_no_finished_run_gives_nan_not_an_error():
    df = rows().assign(status="error")
    s = verdict_surface(df, k=[1], margin=["abs_0"], months=[6], basis=["cash"], threshold=[0.1])
    assert s["n"].tolist() == [0] and np.isnan(s["p_both"].iloc[0])
    assert np.isnan(s["p_both_lo"].iloc[0])


def test_the_runs_own_choices_and_the_grid_that_holds_them():
    df = rows().assign(k=2, security_margin=0.02, security_margin_kind="absolute",
                       security_months=18, cost_basis="outlays", cheap_cost_ratio=0.2)
    own = own_choices(df)
    assert own == {"k": 2, "margin": "abs_0.02", "months": 18, "basis": "outlays",
                   "threshold": 0.2}
    grid = surface_grid(own)
    assert grid["months"] == (6, 12, 18, 24) and grid["threshold"] == (0.05, 0.1, 0.2, 0.25,
                                                                       0.5, 1.0)
    assert grid["k"] == (1, 2, 3) and grid["margin"] == tuple(MARGIN_GRID)
    # a relative margin is named; one off the grid, or choices that vary, are None
    assert own_choices(df.assign(security_margin=0.25, security_margin_kind="relative"))[
        "margin"] == "rel_0.25"
    assert own_choices(df.assign(security_margin=0.03))["margin"] is None
    varied = df.assign(k=[1, 2, 1, 2, 1, 2])
    assert own_choices(varied)["k"] is None and surface_grid(own_choices(varied)) == {
        **DEFAULT_GRID, "months": (6, 12, 18, 24), "threshold": grid["threshold"]}
    # rows that do not say (a sweep of another version) have no own choices
    assert set(own_choices(rows()).values()) == {None}


def test_a_table_lays_one_probability_out_over_two_sets_of_choices(surface):
    table = surface_table(surface, "both", k=1)
    assert table.shape == (8 * 3, 3 * 5)
    assert table.index.names == ["margin", "months"]
    assert table.columns.names == ["basis", "threshold"]
    assert table.index[0] == ("abs_0", 6) and table.columns[0] == ("cash", 0.05)
    lo, hi = wilson_interval(0.2, 5)
    assert table.loc[("abs_0.02", 12), ("cash", 0.1)] == f"0.20 [{lo:.2f}, {hi:.2f}]"
    win = surface_table(surface, "win", ("margin",), ("k", "months"))
    assert win.shape == (8, 9)  # P(win) does not depend on the basis or the threshold
    assert win.loc["abs_0.02", (2, 24)].startswith("0.20 ")
    cheap = surface_cells(surface, "cheap", ("basis",), ("threshold",))
    assert cheap["p"].tolist()[:5] == pytest.approx([0.4, 0.6, 0.6, 0.6, 0.6])  # cash
    with pytest.raises(ValueError, match="P\\(both\\) depends on k, which takes 3 values"):
        surface_cells(surface, "both")
    with pytest.raises(ValueError, match="k=7 is not on the surface"):
        surface_cells(surface, "both", k=7)
    with pytest.raises(ValueError, match="what='lose' is unknown"):
        surface_cells(surface, "lose")


def test_the_heatmap_draws_the_surface_and_marks_the_runs_choices(surface):
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle

    from sim.analysis.figures import verdict_surface_heatmap

    own = {"k": 1, "margin": "abs_0.02", "months": 12, "basis": "cash", "threshold": 0.1}
    fig = verdict_surface_heatmap(surface, k=1, mark=own)
    ax = fig.axes[0]
    (image,) = [im for im in ax.get_images() if isinstance(im, AxesImage)]
    cells = surface_cells(surface, "both", k=1)
    assert np.asarray(image.get_array()).ravel() == pytest.approx(cells["p"].to_numpy())
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    # abs_0.02 is the third margin (rows 6-8), 12 months its second; cash 0.1 the second column
    assert box.get_xy() == (1 - 0.5, 7 - 0.5)
    assert "k = 1" in fig.get_suptitle()
    grouped = verdict_surface(rows(), by=["scenario"])
    fig = verdict_surface_heatmap(grouped, k=1, by="scenario")
    assert [a.get_title().split(":")[0] for a in fig.axes if a.get_images()] == ["a", "b"]


def test_old_rows_are_read_in_todays_layout_with_a_note():
    old = pd.DataFrame({"verdict": ["cheap"], "hypothesis": [False], "win": [False],
                        "cheap": [True], "phi": [0.1], "cheap_win_index": [40.0],
                        "largest_partner_at_end.mali": ["china"],
                        "verdict_like_for_like": ["win"], "hypothesis_like_for_like": [False],
                        "cheap_like_for_like": [False], "security_win": [True]})
    new, notes = one_verdict(old)
    assert new["verdict"].tolist() == ["win"] and new["first_version.verdict"].tolist() == [
        "cheap"]
    assert new["cheap"].tolist() == [False] and new["first_version.cheap"].tolist() == [True]
    assert new["first_version.largest_partner_at_end.mali"].tolist() == ["china"]
    assert "win" not in new.columns and "first_version.phi" in new.columns
    assert len(notes) == 1 and "issue 24" in notes[0]
    today, none = one_verdict(new)
    assert none == [] and today is new


# --------------------------------------------------------------------------- a real sweep


@pytest.fixture(scope="module")
def default_world(tmp_path_factory) -> Path:
    """The shipped default_world experiment, 6 replicates over the default horizon, through the
    command."""
    folder = tmp_path_factory.mktemp("surface") / "default_world"
    proc = subprocess.run([str(BIN / "sahel-sim-sweep"), "experiment=default_world",
                           "replicates=6", f"hydra.run.dir={folder}"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return folder


def test_the_surface_at_the_runs_own_choices_is_their_verdict(default_world):
    runs = load_sweep(default_world).runs
    own = own_choices(runs)
    assert own == {"k": 2, "margin": "abs_0.02", "months": 12, "basis": "cash",
                   "threshold": 0.1}
    row = _at(verdict_surface(runs, **surface_grid(own)), **own)
    assert row["n"] == 6
    assert row["p_win"] == runs["security_win"].mean()
    assert row["p_cheap"] == runs["cheap"].mean()
    assert row["p_both"] == runs["hypothesis"].mean()


def test_the_report_shows_the_surface(default_world):
    from sim.analysis.report import SURFACE_TITLE, build_report

    report = build_report(default_world, n_boot=100)
    surface = report.tables["verdict_surface"]
    assert (surface["n"] == 6).all() and "scenario" not in surface.columns  # one scenario
    title = f"{SURFACE_TITLE}: P(cheap win)"
    assert report.figures[0] == title
    html = report.html
    # after the verdict, its figure first, before the other figures
    assert html.index("<h2>Verdict</h2>") < html.index(f"<h2>{SURFACE_TITLE}</h2>") < html.index(
        f"Figure 1. {title}") < html.index("<h2>Figures</h2>") < html.index("Figure 2. ")
    assert "P(cheap win) at k = 2, over 6 finished runs" in html
    assert "P(security win), over the same 6 runs" in html
    assert "P(cheap), over the same 6 runs" in html
    assert "k = 2, margin abs 0.02, 12 months, cash basis, threshold 0.1" in html
    # the runs' own cell is outlined, and holds the verdict table's P(cheap win)
    own = _at(surface, k=2, margin="abs_0.02", months=12, basis="cash", threshold=0.1)
    assert f'class="own" style="background: rgba(31, 78, 156, {0.55 * own["p_both"]:.2f})">' \
           f'{own["p_both"]:.2f}<br>' in html
    assert html.count('class="own"') == 3  # one cell in each of the three tables
    assert "over all the finished runs (every replicate pooled)" in html


def _as_before_the_surface(folder: Path, to: Path) -> Path:
    """A copy of a sweep folder whose rows are laid out as before issue 24: no lead months by
    margin, no cost ratio by basis, the first version's verdict at the top."""
    shutil.copytree(folder, to)
    for part in (to / "results").glob("part-*.parquet"):
        df = pd.read_parquet(part)
        df = df.drop(columns=[c for c in df.columns if ".lead_months_by_margin." in c
                              or c.startswith("cost_ratio_by_basis.")])
        df = df.drop(columns=["verdict", "hypothesis", "cheap"]).rename(columns={
            c: c.removeprefix("first_version.") for c in df.columns
            if c.startswith("first_version.")})
        df = df.assign(verdict_like_for_like="win", hypothesis_like_for_like=False,
                       cheap_like_for_like=False)
        df.to_parquet(part)
    return to


def test_a_sweep_written_before_the_surface_gets_a_note_not_a_crash(default_world, tmp_path):
    import html as h

    from sim.analysis.report import SURFACE_TITLE, build_report
    from sim.app import core

    old = _as_before_the_surface(default_world, tmp_path / "old")
    report = build_report(old, n_boot=100)
    assert "verdict_surface" not in report.tables
    (reason,) = [r for t, r in report.skipped if t == SURFACE_TITLE]
    assert "by_state.<state>.lead_months_by_margin.<margin>" in reason
    assert "cost_ratio_by_basis.<basis>" in reason
    assert f'<p class="note">{h.escape(SURFACE_TITLE)}: {h.escape(reason)}</p>' in report.html
    assert '<p class="warning">These runs were written before the verdict was made one' in (
        report.html)
    # the verdict table reads the old like-for-like verdict as the verdict
    verdicts = report.tables["verdicts"]
    runs = load_sweep(old).runs  # the first version's columns, renamed as the old sweeps had them
    first = runs["security_win"].astype("boolean").fillna(False).astype(float).mean()
    assert verdicts["P(security win)"].tolist()[0].startswith(f"{first:.2f} [")
    assert "P(cheap win, first version)" in verdicts.columns
    s = core.open_sweep(old)
    assert s["surface"] is None and "lead_months_by_margin" in s["surface_note"]
    assert s["notes"] and "verdict" in s["runs"].columns
    with pytest.raises(ValueError, match="lead_months_by_margin"):
        core.surface_view(s)
