"""experiments/bench_figures.py (``make bench``): issue 27's four figures, side by side with
another revision. Its arguments, its table, and one cheap figure measured for real (figure 3, a
run in a fresh interpreter; its time is reported, never asserted)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from paths import ROOT


@pytest.fixture(scope="module")
def bench():
    path = ROOT / "experiments" / "bench_figures.py"
    spec = importlib.util.spec_from_file_location("bench_figures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_figures_are_chosen_by_number_or_name(bench):
    a = bench.parser().parse_args([])
    assert a.only == ["1", "2", "3", "4"] and a.repeats == 3 and a.against is None
    assert bench.parser().parse_args(["--only", "first, 2,run"]).only == ["2", "3", "4"]


@pytest.mark.parametrize("args", [["--only", "5"], ["--only", ","], ["--repeats", "0"],
                                  ["--runs", "0"]])
def test_a_bad_argument_is_refused(bench, args, capsys):
    with pytest.raises(SystemExit):
        bench.main(args)
    assert "allowed" in capsys.readouterr().err


def test_the_table_shows_both_sides_and_their_ratio(bench):
    def q(this, other):
        return {"this": {"median": this}, "against": {"median": other}, "ratio": this / other}

    result = {"against": "abc1234", "figures": {
        "rules": {"rules_runs_per_s": q(10.0, 20.0), "default_runs_per_s": q(40.0, 40.0),
                  "rules_over_default": q(0.25, 0.5)},
        "first": {"s": q(1.5, 1.2)}}}
    text = bench.table(result, ["2", "4"], 140)
    assert "this / abc1234" in text and "rules_comparison, 140 runs" in text
    assert "plausible_worlds" not in text and "in process" not in text
    first = next(line for line in text.splitlines() if line.startswith("4."))
    assert first.split()[-3:] == ["1.50", "1.20", "x1.25"]


def test_figure_3_is_measured_and_printed(bench, tmp_path, capsys):
    out = tmp_path / "figures.json"
    result = bench.main(["--only", "3", "--repeats", "1", "--runs", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    ms = result["figures"]["run"]["ms"]["this"]["median"]
    assert ms > 0 and json.loads(out.read_text())["figures"]["run"]["ms"]["this"]["median"] == ms
    row = next(line for line in printed.splitlines() if line.startswith("3."))
    assert f"{ms:.0f}" in row.split() and "<= 60 ms" in row
    assert result["against"] is None and "load" in printed
