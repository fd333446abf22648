"""Analysis of sweep results (sim.analysis): each statistic recovers a known answer.

Synthetic data with planted answers: PRIM finds a planted box, Sobol indices match the
Ishigami function's analytic values, bootstrap intervals cover the true proportion about as
often as they claim, paired differences recover a planted effect. One tiny real sweep (4 design
points x 2 replicates on an 8-region synthetic world, half of them failing by design) checks that
a sweep folder loads.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.analysis import (
    load_sweep,
    paired_difference,
    prim_boxes,
    probability,
    sobol_indices,
)

# --------------------------------------------------------------------------- layering


def test_analysis_runs_without_importing_mesa():
    """Analysis (PRIM and its EMA Workbench import included) never pulls the model in."""
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from sim.analysis import prim_boxes, probability\n"
        "rng = np.random.default_rng(0)\n"
        "df = pd.DataFrame({'x': rng.uniform(size=200)})\n"
        "df['hypothesis'] = df.x > 0.5\n"
        "prim_boxes(df, ['x'], 'hypothesis')\n"
        "probability(df, by=[])\n"
        "print(sorted(m for m in sys.modules if m == 'mesa' or m.startswith('mesa.')))\n"
    )
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- probability


def test_probability_groups_by_design_point_and_ignores_error_rows():
    runs = pd.DataFrame({
        "point": [0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
        "status": ["ok", "ok", "ok", "ok", "ok", "ok", "error", "error", "error", "ok"],
        # error rows say True (and one None): they must not count
        "hypothesis": [True, False, True, True, False, False, True, True, None, False],
    })
    out = probability(runs, by=["point"], n_boot=500)
    assert out["point"].tolist() == [0, 1, 2]
    assert out["n"].tolist() == [4, 2, 1]
    assert out["p"].tolist() == pytest.approx([0.75, 0.0, 0.0])
    assert (out["lo"] <= out["p"]).all() and (out["p"] <= out["hi"]).all()
    # unanimous groups have a degenerate interval at their proportion
    assert out.loc[1, ["lo", "hi"]].tolist() == [0.0, 0.0]


def test_probability_groups_by_several_columns_and_over_everything():
    runs = pd.DataFrame({"scenario": ["a", "a", "b", "b", "b", "a"],
                         "rule": ["x", "y", "x", "x", "y", "x"],
                         "win": [True, False, True, False, True, True]})
    out = probability(runs, by=["scenario", "rule"], outcome="win", n_boot=200)
    got = {(r.scenario, r.rule): (r.n, r.p) for r in out.itertuples()}
    assert got == {("a", "x"): (2, 1.0), ("a", "y"): (1, 0.0), ("b", "x"): (2, 0.5),
                   ("b", "y"): (1, 1.0)}
    total = probability(runs, by=[], outcome="win", n_boot=200)
    assert len(total) == 1 and total.loc[0, "n"] == 6 and total.loc[0, "p"] == pytest.approx(4 / 6)


def test_probability_is_reproducible_from_its_seed():
    rng = np.random.default_rng(5)
    runs = pd.DataFrame({"g": rng.integers(0, 3, 300), "hypothesis": rng.uniform(size=300) < 0.4})
    a = probability(runs, by=["g"], seed=3)
    pd.testing.assert_frame_equal(a, probability(runs, by=["g"], seed=3))
    assert not a[["lo", "hi"]].equals(probability(runs, by=["g"], seed=4)[["lo", "hi"]])


def test_bootstrap_interval_covers_the_true_proportion_about_95_percent_of_the_time():
    """1,000 datasets of 101 runs with p = 0.3: the 95% percentile interval (Efron & Tibshirani
    1993) should contain 0.3 in about 95% of them."""
    rng = np.random.default_rng(2024)
    k, n, p = 1000, 101, 0.3
    runs = pd.DataFrame({"dataset": np.repeat(np.arange(k), n),
                         "hypothesis": rng.uniform(size=k * n) < p, "status": "ok"})
    out = probability(runs, by=["dataset"], ci=0.95, seed=1)
    assert len(out) == k and (out["n"] == n).all()
    coverage = ((out["lo"] <= p) & (p <= out["hi"])).mean()
    assert 0.92 <= coverage <= 0.98
    # and the 80% interval covers less often
    out80 = probability(runs, by=["dataset"], ci=0.80, seed=1)
    coverage80 = ((out80["lo"] <= p) & (p <= out80["hi"])).mean()
    assert 0.75 <= coverage80 <= 0.85


def test_probability_rejects_a_numeric_outcome_and_names_missing_columns():
    runs = pd.DataFrame({"point": [0, 1], "cost": [1.5, 2.0]})
    with pytest.raises(ValueError, match="not boolean"):
        probability(runs, by=["point"], outcome="cost")
    with pytest.raises(KeyError, match="scenario"):
        probability(runs, by=["scenario"], outcome="cost")


# --------------------------------------------------------------------------- paired differences


def _pairs(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Runs of three scenarios on the same seeds: the seed moves the outcome a lot (sd 5); 'a'
    adds 2 to the baseline, 'b' adds nothing (each plus a little own noise)."""
    rng = np.random.default_rng(seed)
    base = 10 + rng.normal(0, 5, n)
    rows = []
    for s, effect in (("historical", 0.0), ("a", 2.0), ("b", 0.0)):
        y = base + effect + (rng.normal(0, 0.5, n) if s != "historical" else 0.0)
        rows.append(pd.DataFrame({"pair_id": [f"p0-r{i}" for i in range(n)], "scenario": s,
                                  "y": y, "status": "ok"}))
    return pd.concat(rows, ignore_index=True)


def test_paired_difference_recovers_a_planted_effect_and_its_absence():
    runs = _pairs()
    out = paired_difference(runs, "y", baseline="historical").set_index("scenario")
    assert list(out.index) == ["a", "b"]
    wide = runs.pivot(index="pair_id", columns="scenario", values="y")
    assert out.loc["a", "mean_diff"] == pytest.approx((wide["a"] - wide["historical"]).mean())
    assert out.loc["a", "mean_diff"] == pytest.approx(2.0, abs=0.15)
    assert out.loc["a", "lo"] > 0  # the effect is detected ...
    assert out.loc["b", "lo"] < 0 < out.loc["b", "hi"]  # ... and no effect is not
    # pairing removes the shared seed noise: the interval is far narrower than sd 5 would give
    assert out.loc["a", "hi"] - out.loc["a", "lo"] < 0.5
    assert (out["n_pairs"] == 200).all()


def test_paired_difference_drops_pairs_with_a_failed_run_and_handles_booleans():
    runs = _pairs(n=50)
    failed = (runs["scenario"] == "a") & (runs["pair_id"] == "p0-r3")
    runs.loc[failed, "status"] = "error"
    runs.loc[failed, "y"] = 1e9  # an error row's value must not count
    out = paired_difference(runs, "y", baseline="historical").set_index("scenario")
    assert out.loc["a", "n_pairs"] == 49 and out.loc["b", "n_pairs"] == 50
    assert out.loc["a", "mean_diff"] < 10

    flags = pd.DataFrame({"pair_id": ["p0", "p1", "p2"] * 2,
                          "scenario": ["base"] * 3 + ["alt"] * 3,
                          "win": [False, False, False, True, True, True]})
    res = paired_difference(flags, "win", baseline="base", n_boot=100).iloc[0]
    assert (res["scenario"], res["mean_diff"], res["lo"], res["hi"]) == ("alt", 1.0, 1.0, 1.0)


def test_paired_difference_names_the_allowed_baselines():
    with pytest.raises(ValueError, match="historical"):
        paired_difference(_pairs(n=5), "y", baseline="histroical")


# --------------------------------------------------------------------------- Sobol


def _ishigami_runs(second_order: bool, replicates: int = 3, noise_sd: float = 0.5,
                   n: int = 1024) -> pd.DataFrame:
    """Runs of the Ishigami function on a Saltelli sample, ``replicates`` noisy runs per point."""
    from SALib.sample import sobol as saltelli
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    x = saltelli.sample(problem, n, calc_second_order=second_order, seed=3)
    y = Ishigami.evaluate(x)
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"point": np.arange(len(x)), "replicate": r, "scenario": "s",
                            "status": "ok", "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2],
                            "y": y + rng.normal(0, noise_sd, len(x))})
              for r in range(replicates)]
    return pd.concat(frames, ignore_index=True)


#: Analytic Sobol indices of the Ishigami function (a=7, b=0.1).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def test_sobol_recovers_the_ishigami_indices_and_the_seed_variance():
    runs = _ishigami_runs(second_order=False)
    res = sobol_indices(runs, ["x1", "x2", "x3"], "y")
    assert res.indices["parameter"].tolist() == ["x1", "x2", "x3"]
    assert res.indices["S1"].tolist() == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert res.indices["ST"].tolist() == pytest.approx(ISHIGAMI_ST, abs=0.05)
    assert (res.indices[["S1_conf", "ST_conf"]] > 0).all().all()
    assert res.n_points == 1024 * 5 and not res.second_order  # detected from the sample
    # the replicates' spread is the planted noise (variance 0.25); the design's is ~13.8
    assert res.within_variance == pytest.approx(0.25, rel=0.1)
    assert res.between_variance == pytest.approx(13.84, rel=0.1)
    assert res.n_replicates == 3
    assert res.seed_share == pytest.approx(0.25 / (0.25 + 13.84), rel=0.2)


def test_sobol_orders_points_itself_and_detects_a_second_order_sample():
    runs = _ishigami_runs(second_order=True, replicates=2, n=512)
    shuffled = runs.sample(frac=1.0, random_state=1)
    res = sobol_indices(shuffled, ["x1", "x2", "x3"], "y")
    assert res.second_order and res.n_points == 512 * 8
    assert res.indices["S1"].tolist() == pytest.approx(ISHIGAMI_S1, abs=0.08)
    # the only interaction of the Ishigami function is x1 x x3: S13 = ST1 - S1 = 0.2437
    assert res.S2.loc["x1", "x3"] == pytest.approx(0.2437, abs=0.08)
    assert abs(res.S2.loc["x1", "x2"]) < 0.08


def test_sobol_uses_the_replicates_that_finished_and_refuses_a_missing_point():
    runs = _ishigami_runs(second_order=False, replicates=2, n=256)
    # one replicate of point 7 failed: the point's mean comes from the other one
    failed = (runs["point"] == 7) & (runs["replicate"] == 0)
    runs.loc[failed, ["status", "y"]] = ["error", np.nan]
    res = sobol_indices(runs, ["x1", "x2", "x3"], "y")
    assert res.n_points == 256 * 5
    # every replicate of point 9 failed: the Saltelli sample is incomplete
    runs.loc[runs["point"] == 9, "status"] = "error"
    with pytest.raises(ValueError, match=r"design point\(s\) \[9\]"):
        sobol_indices(runs, ["x1", "x2", "x3"], "y")


def test_sobol_of_an_outcome_no_parameter_moves_is_nan_with_all_variance_from_the_seed():
    runs = _ishigami_runs(second_order=False, replicates=2, n=64)
    # replicate r gives r at every point (common random numbers): only the seed matters
    runs["y"] = runs["replicate"].astype(float)
    res = sobol_indices(runs, ["x1", "x2", "x3"], "y")
    assert res.indices[["S1", "ST"]].isna().all().all()
    assert res.between_variance == 0.0
    assert res.within_variance == pytest.approx(0.5)
    assert res.seed_share == 1.0


def test_sobol_refuses_runs_of_several_scenarios():
    runs = _ishigami_runs(second_order=False, replicates=1, n=64)
    runs.loc[runs.index[:10], "scenario"] = "other"
    with pytest.raises(ValueError, match="one"):
        sobol_indices(runs, ["x1", "x2", "x3"], "y")


# --------------------------------------------------------------------------- PRIM


def test_prim_recovers_a_planted_box():
    """Outcome True iff 0.2 <= x1 <= 0.5 and x2 > 0.7, with 3% of outcomes flipped at random,
    on 2,000 uniform samples of three parameters (x3 is irrelevant)."""
    rng = np.random.default_rng(1)
    n = 2000
    runs = pd.DataFrame({"x1": rng.uniform(size=n), "x2": rng.uniform(size=n),
                         "x3": rng.uniform(size=n), "status": "ok"})
    planted = runs["x1"].between(0.2, 0.5) & (runs["x2"] > 0.7)
    runs["hypothesis"] = planted ^ (rng.uniform(size=n) < 0.03)
    # failed runs claiming the outcome everywhere must be ignored
    errors = pd.DataFrame({"x1": rng.uniform(size=300), "x2": rng.uniform(size=300),
                           "x3": rng.uniform(size=300), "status": "error",
                           "hypothesis": True})
    res = prim_boxes(pd.concat([runs, errors], ignore_index=True), ["x1", "x2", "x3"],
                     "hypothesis", threshold=0.9)
    assert res.n_runs == n and res.n_of_interest == int(runs["hypothesis"].sum())
    box = res.boxes.iloc[0]
    assert box["x1_lo"] == pytest.approx(0.2, abs=0.05)
    assert box["x1_hi"] == pytest.approx(0.5, abs=0.05)
    assert box["x2_lo"] == pytest.approx(0.7, abs=0.05)
    assert box["x2_hi"] > 0.95
    assert {"x1", "x2"} <= set(box["restricted"].split(", "))
    assert box["density"] >= 0.85
    # most runs of interest are inside (3% noise outside the box caps coverage near 0.76)
    assert box["coverage"] >= 0.6
    inside = (runs["x1"].between(box["x1_lo"], box["x1_hi"])
              & runs["x2"].between(box["x2_lo"], box["x2_hi"])
              & runs["x3"].between(box["x3_lo"], box["x3_hi"]))
    assert (inside & planted).sum() / planted.sum() >= 0.85
    assert box["mass"] == pytest.approx(inside.mean(), abs=0.01)
    # the trajectory starts from the whole space and marks the step reported
    traj = res.trajectory
    assert traj.loc[0, ["coverage", "mass"]].tolist() == [1.0, 1.0]
    assert traj.loc[0, "n_restricted"] == 0
    assert traj["selected"].sum() == 1
    chosen = traj[traj["selected"]].iloc[0]
    assert chosen["coverage"] == pytest.approx(box["coverage"])
    assert chosen["density"] == pytest.approx(box["density"])
    assert traj["density"].iloc[-1] > traj["density"].iloc[0]


def test_prim_with_target_false_finds_where_the_outcome_fails_over_a_categorical_parameter():
    """The hypothesis fails iff rule == 'cost_benefit' and x1 > 0.6 (rules as text levels)."""
    rng = np.random.default_rng(2)
    n = 1500
    runs = pd.DataFrame({"rule": rng.choice(["none", "proportional", "cost_benefit"], size=n),
                         "x1": rng.uniform(size=n), "x2": rng.integers(0, 10, size=n)})
    runs["hypothesis"] = ~((runs["rule"] == "cost_benefit") & (runs["x1"] > 0.6))
    res = prim_boxes(runs, ["rule", "x1", "x2"], "hypothesis", target=False, threshold=0.97)
    box = res.boxes.iloc[0]
    assert box["rule_levels"] == ["cost_benefit"]
    assert np.isnan(box["rule_lo"]) and np.isnan(box["rule_hi"])
    assert box["x1_lo"] == pytest.approx(0.6, abs=0.05)
    assert box["density"] >= 0.97 and box["coverage"] >= 0.9
    assert "x2" not in box["restricted"]
    assert (box["x2_lo"], box["x2_hi"]) == (0, 9)  # unrestricted: the data's range


def test_prim_reports_no_box_when_none_reaches_the_threshold():
    rng = np.random.default_rng(3)
    runs = pd.DataFrame({"x1": rng.uniform(size=500), "x2": rng.uniform(size=500)})
    runs["hypothesis"] = rng.uniform(size=500) < 0.3  # unrelated to the parameters
    res = prim_boxes(runs, ["x1", "x2"], "hypothesis", threshold=0.99)
    assert res.boxes.empty
    assert "x1_lo" in res.boxes.columns
    assert len(res.trajectory) > 1 and not res.trajectory["selected"].any()
    none = prim_boxes(runs.assign(hypothesis=False), ["x1", "x2"], "hypothesis")
    assert none.boxes.empty and none.n_of_interest == 0


# --------------------------------------------------------------------------- a real sweep folder


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    """A full factorial of 2 x 2 points x 2 replicates on an 8-region synthetic world over six
    months; an end of 2018-12 is before the start, so those 4 runs fail with an error row (a
    value out of a parameter's range would be refused before the sweep starts)."""
    from sim.sweep.experiment import ExperimentConfig, ParameterSpec
    from sim.sweep.runner import run_sweep

    exp = ExperimentConfig(
        name="tiny", base=["scenario=synthetic", "world.synthetic.n_regions=8", "end=2019-06"],
        parameters={"metrics.phi": ParameterSpec(levels=[0.05, 0.2]),
                    "end_month": ParameterSpec(levels=["2019-06", "2018-12"], paths=["end"])},
        design="full_factorial", replicates=2, seed=3, monthly=["presence.influence"],
        monthly_every=2)
    folder = tmp_path_factory.mktemp("analysis") / "tiny"
    report = run_sweep(exp, folder, n_workers=1, progress=False)
    assert (report.n_ok, report.n_error) == (4, 4)
    return folder


def test_load_sweep_returns_the_runs_parameters_design_and_manifest(tiny_sweep):
    data = load_sweep(tiny_sweep)
    assert data.parameters == ["metrics.phi", "end_month"]
    assert len(data.runs) == 8 and data.runs["run_id"].is_unique
    assert data.runs["status"].value_counts().to_dict() == {"ok": 4, "error": 4}
    assert set(data.runs.loc[data.runs["status"] == "error", "end_month"]) == {"2018-12"}
    assert {"pair_id", "point", "replicate", "scenario", "seed", "verdict", "hypothesis",
            "security_win", "cheap", "first_version.hypothesis",
            "russia.own_net_cost_usd"} <= set(data.runs.columns)
    assert data.notes == []  # rows of today: read as they are
    assert data.design is not None and len(data.design) == 4
    assert data.manifest["experiment"]["name"] == "tiny"
    # the statistics count only the runs that finished
    p = probability(data.runs, by=["end_month"], outcome="security_win", n_boot=100)
    assert p["end_month"].tolist() == ["2019-06"] and p["n"].tolist() == [4]


def test_load_sweep_monthly_series_carry_the_run_keys(tiny_sweep):
    data = load_sweep(tiny_sweep)
    assert data.monthly_series == ["presence.influence"]
    m = data.monthly("presence.influence")
    assert {"run_id", "scenario", "point", "replicate", "influence"} <= set(m.columns)
    ok_ids = set(data.runs.loc[data.runs["status"] == "ok", "run_id"])
    assert set(m["run_id"]) == ok_ids  # failed runs have no series
    assert m["influence"].between(0, 1).all()
    with pytest.raises(KeyError, match="presence.influence"):
        data.monthly("powers.net_cost_usd")


def test_load_sweep_of_an_empty_folder_says_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="results"):
        load_sweep(tmp_path)


def test_wilson_interval_stays_informative_when_every_run_agrees():
    """20 of 20 runs: the bootstrap interval collapses to [1, 1]; Wilson's is [0.839, 1]."""
    from sim.analysis.stats import wilson_interval

    runs = pd.DataFrame({"scenario": ["a"] * 20, "hypothesis": [True] * 20, "status": "ok"})
    row = probability(runs, by=["scenario"]).iloc[0]
    assert row["lo"] == row["hi"] == 1.0
    assert row["wilson_lo"] == pytest.approx(0.8389, abs=1e-3) and row["wilson_hi"] == 1.0
    lo, hi = wilson_interval(0.3, 100, 0.95)
    assert lo == pytest.approx(0.2189, abs=1e-3) and hi == pytest.approx(0.3958, abs=1e-3)


def test_wilson_interval_at_95_percent_uses_scipys_own_quantile():
    """The 95% interval's z is a constant (no scipy import): scipy's float, bit for bit; other
    levels ask scipy."""
    from scipy.stats import norm

    from sim.analysis import stats

    assert stats.Z_95 == float(norm.ppf(0.975))
    z90 = float(norm.ppf(0.95))
    lo, _ = stats.wilson_interval(0.3, 100, 0.90)
    denom = 1.0 + z90 * z90 / 100
    centre = (0.3 + z90 * z90 / 200) / denom
    half = z90 * np.sqrt(0.3 * 0.7 / 100 + z90 * z90 / 40000) / denom
    assert lo == centre - half


def test_variance_shares_split_assumptions_from_seed_noise():
    """Worlds whose means differ by 10 with seed noise of sd 1: the assumptions' share of the
    variance is about 100 / 101, the seed's about 1 / 101 (law of total variance)."""
    from sim.analysis.stats import variance_shares

    rng = np.random.default_rng(7)
    points = np.repeat(np.arange(400), 5)
    world = rng.choice([-5.0, 5.0], size=400)[points]
    runs = pd.DataFrame({"point": points, "status": "ok", "y": world + rng.normal(0, 1, len(points))})
    row = variance_shares(runs, ["y"]).iloc[0]
    assert row["assumptions_share"] == pytest.approx(25 / 26, abs=0.02)
    assert row["seed_share"] == pytest.approx(1 / 26, abs=0.02)
    assert (row["worlds"], row["runs"]) == (400, 2000)


def test_rank_influence_finds_the_assumption_that_decides():
    """Only parameter a drives the outcome: it ranks first, with a strong correlation."""
    from sim.analysis.stats import rank_influence

    rng = np.random.default_rng(3)
    points = np.repeat(np.arange(200), 3)
    a, b = rng.random(200), rng.random(200)
    runs = pd.DataFrame({"point": points, "status": "ok", "a": a[points], "b": b[points],
                         "won": (a[points] + 0.1 * rng.normal(size=600)) > 0.5})
    ranks = rank_influence(runs, ["a", "b"], "won")
    assert ranks["parameter"].tolist()[0] == "a" and ranks["spearman"].iloc[0] > 0.7
    assert abs(ranks.set_index("parameter").loc["b", "spearman"]) < 0.2
