"""The sweep report (``sahel-sim-report``): one self-contained HTML file with the question, the
verdict table with intervals, every figure that applies embedded as a PNG, the design and the
provenance. Built on the tiny sweeps of tests/analysis/test_figures.py (shared by the session)."""

from __future__ import annotations

import base64
import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis import load_sweep, probability
from sim.analysis.report import (
    PRIM_OUTCOMES,
    SECTIONS,
    RenderOptions,
    Report,
    build_report,
    paired_table,
    plan_sections,
    skip,
    verdict_table,
)
from tests.analysis.test_figures import tiny_sobol, tiny_sweep

BIN = Path(sys.executable).parent
IMG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    return tiny_sweep(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def report(sweep) -> Report:
    return build_report(sweep, n_boot=300, seed=4)


@pytest.fixture(scope="module")
def command_output(sweep, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("report") / "tiny.html"
    proc = subprocess.run([str(BIN / "sahel-sim-report"), str(sweep), "--out", str(out)],
                          check=False, capture_output=True, text=True)
    return proc, out


def test_the_command_writes_html_with_every_figure_embedded(command_output):
    proc, out = command_output
    assert proc.returncode == 0, proc.stderr
    assert f"report: {out}" in proc.stdout
    text = out.read_text()
    images = IMG.findall(text)
    figures = re.findall(r'<figure id="figure-\d+">', text)
    assert len(images) == len(figures) >= 9
    for data in images:  # every figure is a whole PNG inside the file: nothing to fetch
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert "src=\"http" not in text and "<script" not in text


def _both(runs: pd.DataFrame, outcome: str) -> bool:
    """Whether a boolean outcome both holds and fails among the finished runs."""
    return runs.loc[runs["status"] == "ok", outcome].dropna().astype(bool).nunique() == 2


def _prim_label(runs: pd.DataFrame) -> str:
    """The label of the first outcome PRIM looks for boxes of that both holds and fails."""
    return next(label for outcome, label in PRIM_OUTCOMES if _both(runs, outcome))


def test_the_report_names_the_figures_that_apply_and_why_others_do_not(report, sweep):
    assert report.html.count('<img src="data:image/png;base64,') == len(report.figures)
    must = {"The verdict against its own definitions: P(cheap win)", "The price of influence",
            "Who pays", "Paired differences against historical",
            "P(cheap win) over russia_rule and host_can_pay",
            "Influence envelopes (historical)", "Influence envelopes (france_stays)",
            "Map: largest partner", "Map: control"}
    assert must <= set(report.figures)
    # the cheap win (else the security win) holds in some runs and fails in others: PRIM looks
    # for boxes both ways and draws those it finds (a box needs enough runs on its side; with 16
    # runs, not always both)
    prim = {f for f in report.figures if f.startswith("PRIM: where")}
    label = _prim_label(load_sweep(sweep).runs)
    assert label == "the cheap win"  # the tiny sweep's cheap win holds in some runs
    assert prim and prim <= {f"PRIM: where {label} holds", f"PRIM: where {label} fails"}
    assert ("Sobol indices", "the design is full_factorial, not sobol") in report.skipped
    assert ("Assumptions or chance?", "needs one scenario (the worlds differ by their "
            "assumptions only)") in report.skipped
    # a PRIM box that is not drawn says why
    assert all(why for _, why in report.skipped)
    assert "Sobol indices: the design is full_factorial, not sobol" in report.html


def test_the_verdict_table_holds_the_bootstrap_intervals_of_probability(sweep, report):
    table = report.tables["verdicts"]
    assert list(table.columns[:4]) == ["scenario", "russia_rule", "host_can_pay", "runs"]
    expected = probability(load_sweep(sweep).runs, by=["scenario", "russia_rule",
                                                       "host_can_pay"], n_boot=300, seed=4)
    assert table["runs"].tolist() == expected["n"].tolist() == [2] * 8
    cells = [f"{p:.2f} [{lo:.2f}, {hi:.2f}]" for p, lo, hi in
             zip(expected["p"], expected["lo"], expected["hi"], strict=True)]
    assert table["P(cheap win)"].tolist() == cells
    assert len({p for p in expected["p"]}) > 1  # the verdict varies across the rows
    for cell in cells:
        assert cell in report.html
    # the cost ratio's medians over all the finished runs of a row and over its security wins
    runs = load_sweep(sweep).runs
    row = table.iloc[-1]
    sub = runs[(runs["scenario"] == row["scenario"]) & (runs["russia_rule"] == row["russia_rule"])
               & (runs["host_can_pay"] == row["host_can_pay"])]
    wins = sub[sub["security_win"].astype(bool)]
    assert row["median cost ratio (all runs)"] == pytest.approx(sub["cost_ratio"].median())
    assert row["security wins"] == len(wins)
    if len(wins):
        assert row["median cost ratio (security wins)"] == pytest.approx(
            wins["cost_ratio"].median())


def test_the_report_states_question_design_and_provenance(sweep, command_output):
    _, out = command_output
    text = out.read_text()
    manifest = load_sweep(sweep).manifest
    assert "Does russia&#x27;s rule decide the cheap win in a tiny sweep?" in text
    assert "<h2>Verdict</h2>" in text and "<h2>Paired differences against historical</h2>" in text
    assert "params.resources.host_can_pay" in text and "rules.vacuum.russia" in text
    assert "full_factorial" in text and "16 planned, 16 stored, 16 ok, 0 failed" in text
    assert str(manifest["git_commit"]) in text and manifest["version"] in text
    for seed in manifest["seeds"]["replicates"]:
        assert str(seed) in text
    assert "base config of historical" in text and "host_can_pay:" in text


def test_the_tables_are_the_same_for_the_same_folder_and_seed(sweep):
    data = load_sweep(sweep)
    assert verdict_table(data, n_boot=200, seed=1).equals(verdict_table(data, n_boot=200, seed=1))
    a, b = paired_table(data, n_boot=200, seed=1), paired_table(data, n_boot=200, seed=1)
    assert a.equals(b) and len(a) == 10  # ten outcomes, france_stays against historical


def test_a_sobol_sweep_reports_its_indices(tmp_path_factory):
    folder = tiny_sobol(tmp_path_factory.getbasetemp())
    report = build_report(folder, n_boot=200)
    assert "Sobol indices of cost_ratio" in report.figures
    indices = report.tables["sobol_cost_ratio"]
    assert indices["parameter"].tolist() == ["host_can_pay", "influence_rate"]
    assert report.html.count('<img src="data:image/png;base64,') == len(report.figures)
    # a Saltelli sample is no grid: no heatmap, and the report says why
    assert any(title == "P(cheap win) heatmap" for title, _ in report.skipped)


# --------------------------------------------------------------------------- the section registry


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory) -> Path:
    return tiny_sobol(tmp_path_factory.getbasetemp())


@pytest.mark.parametrize("which", ["factorial", "sobol"])
def test_every_registered_section_renders_or_says_why_not(which, sweep, sobol_sweep):
    """Each section of the registry, on a tiny sweep, either draws the figures it planned (or
    names the one it could not draw, with a reason) or is skipped with a reason the report
    shows; the report's figures are exactly the planned sections' figures, in registry order."""
    folder = sweep if which == "factorial" else sobol_sweep
    data = load_sweep(folder)
    plans = plan_sections(data)
    assert [p.name for p in plans] == list(SECTIONS)
    drawn_all = []
    for plan in plans:
        if plan.status == "skipped":
            assert plan.reason and not plan.renders and plan.render is None
            continue
        assert plan.renders and not plan.reason
        out = plan.render(RenderOptions(n_boot=100, seed=2))
        drawn = [b.title for b in out.blocks if not isinstance(b, str)]
        assert set(drawn) <= set(plan.renders)
        if set(plan.renders) - set(drawn):  # a figure it could not draw says why
            assert out.skipped and all(reason for _, reason in out.skipped)
        drawn_all += drawn
    report = build_report(folder, n_boot=100, seed=2)
    assert report.figures == drawn_all
    assert [p.status for p in report.sections] == [p.status for p in plans]
    for plan in plans:
        if plan.status == "skipped":
            assert (plan.title, plan.reason) in report.skipped
            assert html.escape(f"{plan.title}: {plan.reason}") in report.html


def test_both_kinds_of_tiny_sweep_skip_different_sections(sweep, sobol_sweep):
    factorial = {p.name: p.status for p in plan_sections(load_sweep(sweep))}
    sobol = {p.name: p.status for p in plan_sections(load_sweep(sobol_sweep))}
    assert factorial["sobol"] == "skipped" and sobol["sobol"] == "planned"
    assert factorial["cheap_win_heatmap"] == "planned" and sobol["cheap_win_heatmap"] == "skipped"
    assert factorial["paired_differences"] == "planned"
    assert sobol["paired_differences"] == "skipped"  # one scenario: nothing to pair


def test_planning_computes_no_sobol_indices_and_no_prim_boxes(sweep, sobol_sweep, monkeypatch):
    """Sobol and PRIM run when their section is rendered, never while the report plans."""
    from sim.analysis import discovery, sensitivity

    def forbidden(*args, **kwargs):
        raise AssertionError("computed while planning")

    monkeypatch.setattr(sensitivity, "sobol_indices", forbidden)
    monkeypatch.setattr(discovery, "prim_boxes", forbidden)
    prim = {p.name: p for p in plan_sections(load_sweep(sweep))}["prim"]
    sobol = {p.name: p for p in plan_sections(load_sweep(sobol_sweep))}["sobol"]
    label = _prim_label(load_sweep(sweep).runs)
    assert prim.renders == (f"PRIM: where {label} holds", f"PRIM: where {label} fails")
    assert sobol.renders == ("Sobol indices of cost_ratio", "Sobol indices of hypothesis")
    for plan in (prim, sobol):
        with pytest.raises(AssertionError, match="computed while planning"):
            plan.render(RenderOptions())


def test_a_skipped_sections_reason_appears_in_the_html(sweep, monkeypatch):
    monkeypatch.setitem(SECTIONS, "never_applies",
                        ("A section for this test", lambda data: skip("it never applies <here>")))
    report = build_report(sweep, n_boot=100)
    assert report.skipped[-1] == ("A section for this test", "it never applies <here>")
    assert report.sections[-1].status == "skipped"
    assert "<li>A section for this test: it never applies &lt;here&gt;</li>" in report.html
    assert "it never applies <here>" not in report.html  # escaped, like every text


def test_bad_folder_exits_2_with_a_message(tmp_path):
    proc = subprocess.run([str(BIN / "sahel-sim-report"), str(tmp_path / "missing")],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "sahel-sim-report: error:" in proc.stderr and "is not a folder" in proc.stderr
    proc = subprocess.run([str(BIN / "sahel-sim-report"), str(tmp_path)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 2 and "holds no sweep results" in proc.stderr


def test_sobol_intervals_are_reproducible_with_the_default_seed():
    """Exposes a bug in sim.analysis.sensitivity (not in the report): SALib's
    ``sobol.analyze`` seeds its bootstrap only ``if seed:``, so ``sobol_indices(..., seed=0)``
    (the default) draws unseeded intervals that differ from call to call. The report passes
    ``seed + 1`` to stay reproducible."""
    import numpy as np
    import pandas as pd
    from SALib.sample import sobol as saltelli

    from sim.analysis import sobol_indices

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    x = saltelli.sample(problem, 16, calc_second_order=False, seed=3)
    runs = pd.DataFrame({"point": np.arange(len(x)), "a": x[:, 0], "b": x[:, 1],
                         "y": x[:, 0] + 0.3 * x[:, 1] ** 2, "status": "ok"})
    first = sobol_indices(runs, ["a", "b"], "y").indices
    second = sobol_indices(runs, ["a", "b"], "y").indices
    pd.testing.assert_frame_equal(first, second)
