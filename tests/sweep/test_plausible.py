"""Plausible worlds: the world's own assumptions and their priors, the calibration patterns
scored on every run of a sweep, and the filter that keeps the worlds reproducing history
(approximate Bayesian computation by rejection) before the verdict is read.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from sim import load_config
from sim.analysis.stats import PRE_2020, plausible, posterior_shift
from sim.config import ConfigError
from sim.config.checks import check_world_priors
from sim.config.priors import world_priors
from sim.sweep.experiment import ExperimentConfig, ParameterSpec, with_priors
from sim.sweep.params import check_values
from sim.sweep.runner import plan, run_sweep
from sim.sweep.store import _guess_type, read_results


@pytest.fixture(scope="module")
def sahel():
    return load_config([])


# --------------------------------------------------------------------------- the world's priors

def test_the_sahel_world_declares_priors_on_its_own_assumptions(sahel):
    found = world_priors(sahel.world)
    paths = {p.path for p in found}
    assert len(found) >= 20 and all(p.lo < p.hi for p in found)
    # the priors block holds factors; the value_priors block, ranges of the values themselves
    assert all(p.scale == (p.path.removeprefix("world.") in sahel.world.priors) for p in found)
    for path in ("world.states.*.army_effectiveness", "world.states.*.receptivity.russia",
                 "world.powers.russia.budget_ceiling_usd",
                 "world.powers.russia.instruments.contractors.effectiveness"):
        assert path in paths


def test_every_world_prior_keeps_every_value_in_its_allowed_range(sahel):
    """Both ends of each factor, on every value its path names (a receptivity in [0, 1])."""
    exp = with_priors(ExperimentConfig(name="w", sample_priors=["world"]), sahel)
    values = {name: spec.range for name, spec in exp.parameters.items()}
    check_values(sahel, exp.parameters, values)  # raises on any value out of range


def test_a_world_prior_out_of_range_stops_the_sweep_with_the_value_named(sahel):
    cfg = copy.deepcopy(sahel)
    spec = {"world.states.*.receptivity.france": ParameterSpec(
        range=[0.7, 2.0], paths=["world.states.*.receptivity.france"], scale=True)}
    with pytest.raises(ConfigError, match=r"receptivity\.france=.* out of range; allowed: \[0, 1\]"):
        check_values(cfg, spec, {"world.states.*.receptivity.france": [0.7, 2.0]})


@pytest.mark.parametrize("path, prior, message", [
    ("states.*.army_efectiveness", [0.5, 2.0], "did you mean 'army_effectiveness'"),
    ("states.*.name", [0.5, 2.0], "holds 'Mali'; allowed: paths to numbers"),
    ("states.*.army_effectiveness", [2.0, 0.5], "allowed: 0 <= lo < hi"),
    ("states.*.army_effectiveness", [0.5], r"allowed: \[lo, hi\]"),
    ("powers.rusia.budget_ceiling_usd", [0.5, 2.0], "did you mean 'russia'"),
])
def test_a_malformed_world_prior_is_refused_with_what_is_allowed(sahel, path, prior, message):
    world = copy.deepcopy(sahel.world)
    world.priors = {path: prior}
    with pytest.raises(ConfigError, match=message) as err:
        check_world_priors(world)
    assert f"world.priors.{path}" in str(err.value)


@pytest.mark.parametrize("path, prior, message", [
    ("powers.russia.instruments.contractors.concession_share", [0.5, 0.1], "allowed: lo < hi"),
    ("powers.russia.name", [0.0, 1.0], "holds 'Russia'; allowed: paths to numbers"),
    ("powers.russia.instruments.contractors.concession_share", [0.1], r"allowed: \[lo, hi\]"),
])
def test_a_malformed_value_prior_is_refused_with_what_is_allowed(sahel, path, prior, message):
    """A prior on the values themselves may start below 0 but must be [lo, hi], lo < hi, on
    numbers."""
    world = copy.deepcopy(sahel.world)
    world.priors, world.value_priors = {}, {path: prior}
    with pytest.raises(ConfigError, match=message) as err:
        check_world_priors(world)
    assert f"world.value_priors.{path}" in str(err.value)
    world.value_priors = {path: [-1.0, 0.5]} if "share" in path else {}
    check_world_priors(world)  # lo may be negative for a value


def test_a_command_line_value_is_not_refused_by_the_prior_around_it():
    """The prior is a factor around the file's value; a user's own value is checked against the
    schema's range only (0.9 x 1.6 would leave [0, 1], and must not matter here)."""
    cfg = load_config(["world.powers.france.conditionality=0.9"])
    assert cfg.world.powers["france"].conditionality == 0.9


def test_sample_priors_world_samples_factors_on_the_base_worlds_values(sahel, tmp_path):
    exp = with_priors(ExperimentConfig(name="w", sample_priors=["params", "world"]), sahel)
    spec = exp.parameters["world.states.*.army_effectiveness"]
    assert spec.scale and spec.range == [0.7, 1.4]
    assert "params.partners.notice_months" in exp.parameters
    with pytest.raises(ConfigError, match="needs the base run config"):
        with_priors(ExperimentConfig(name="w", sample_priors=["world"]))
    with pytest.raises(ConfigError, match="experiment.sample_priors.*did you mean 'world'"):
        with_priors(ExperimentConfig(name="w", sample_priors=["wrld"]), sahel)
    # in a sweep, each run's values are the base's times one factor per entry
    sweep = ExperimentConfig(name="w", base=["end=2019-02"], sample_priors=["world"],
                             design="latin_hypercube", samples=2, replicates=1, seed=3)
    p = plan(sweep)
    assert "world.states.*.army_effectiveness" in p.experiment.parameters
    from sim.sweep.runner import iter_tasks
    from sim.sweep.worker import task_config
    task = next(iter_tasks(p))
    cfg = task_config(p.context, task)
    factor = task.values["world.states.*.army_effectiveness"]
    for s, state in cfg.world.states.items():
        assert math.isclose(state.army_effectiveness,
                            sahel.world.states[s].army_effectiveness * factor)


# --------------------------------------------------------------------------- scoring a run

def test_score_run_is_the_validation_of_one_replicate():
    from sim.api import run
    from sim.validate.config import hindcast_of
    from sim.validate.patterns import PATTERNS, evaluate, score_run

    cfg = load_config(["scenario=historical", "end=2021-12", "metrics.twin=false", "seed=5"])
    a = run(cfg).tables
    b = run(hindcast_of(cfg)).tables
    scores = score_run(a, b)
    assert list(scores) == list(PATTERNS)
    for r in evaluate([a], [b]):
        expected = float(r.passed) if r.measurable else float("nan")
        assert scores[r.id] == expected or (math.isnan(expected) and math.isnan(scores[r.id]))
    assert scores["C5"] == 1.0  # the 2019-01 footprint is an input
    with pytest.raises(ValueError, match="pattern 'C11' is unknown"):
        score_run(a, b, ["C11"])


def test_hindcast_of_keeps_the_run_and_changes_only_its_window():
    from sim.validate.config import hindcast_of

    cfg = load_config(["seed=9"])
    h = hindcast_of(cfg)
    assert (h.start, h.end, h.seed) == ("2017-01", "2019-12", 9)
    assert not h.metrics.twin and h.metrics.horizon_start == ""
    assert h.world == cfg.world and h.params == cfg.params


def test_a_sweep_scores_the_calibration_patterns_of_every_run(tmp_path):
    exp = ExperimentConfig(name="cal", base=["end=2019-12"], calibrate=["C3", "C5", "C10"],
                           replicates=2, seed=4)
    run_sweep(exp, tmp_path, n_workers=1, progress=False)
    df = read_results(tmp_path)
    assert (df["status"] == "ok").all(), df["error"].dropna().tolist()
    assert list(df["calibration.C5"]) == [1.0, 1.0]
    assert df["calibration.passed"].dtype == np.int64
    assert (df["calibration.passed"] == df[["calibration.C3", "calibration.C5",
                                            "calibration.C10"]].eq(1.0).sum(axis=1)).all()
    with pytest.raises(ConfigError, match="experiment.calibrate.*'C12' is unknown"):
        plan(ExperimentConfig(name="cal", calibrate=["C12"]))


def test_a_calibrated_sweep_stores_the_scores_of_the_runs_tables(tmp_path, monkeypatch, caplog):
    """A sweep scores each batch from its recorded arrays (sim.validate.batch); the stored
    calibration columns are, cell for cell, those the runs' tables score (the DataFrame path,
    sim.validate.patterns.score_run), here on sampled-prior worlds of the endogenous scenario."""
    from sim.sweep import worker
    from sim.sweep.runner import iter_tasks

    ids = [f"C{i}" for i in range(1, 11)]
    exp = ExperimentConfig(name="cal", base=["scenario=endogenous"], sample_priors=["world"],
                           calibrate=ids, design="latin_hypercube", samples=6, replicates=2,
                           seed=11)
    run_sweep(exp, tmp_path, n_workers=1, progress=False)
    stored = read_results(tmp_path).set_index("run_id").sort_index()

    def refuse(*args, **kwargs):
        raise RuntimeError("not from the arrays")

    monkeypatch.setattr(worker, "calibration_batch", refuse)  # each run scored from its tables
    p = plan(exp)
    with caplog.at_level("WARNING", logger="sim.sweep.worker"):
        outs = worker.execute_batch(p.context, list(iter_tasks(p)))
    assert "scoring each run from its tables" in caplog.text
    tables = pd.DataFrame([out["row"] for out, _ in outs]).set_index("run_id").sort_index()
    assert list(stored.index) == list(tables.index) and len(stored) == 12
    columns = [f"calibration.{pid}" for pid in ids] + ["calibration.passed"]
    for c in columns:
        assert stored[c].dtype == (np.int64 if c == "calibration.passed" else np.float64), c
        pd.testing.assert_series_equal(stored[c], tables[c], check_exact=True)
    assert stored[columns[:-1]].notna().any().all()  # every pattern measured somewhere


def test_text_outcomes_are_typed_as_text_even_when_a_first_chunk_has_none():
    """A column whose first values are all None is typed from its name: a leader that is None in
    the first runs and 'un' later must not be a float column."""
    from sim.api import run
    from sim.sweep.worker import flatten

    summary = flatten(run(load_config(["end=2019-03", "metrics.twin=true"])).summary)
    text = [k for k, v in summary.items() if isinstance(v, str)]
    assert "leaders_at_end.mali.security" in text or any(k.startswith("leaders_at_end.")
                                                           for k in text)
    for name in text:
        assert str(_guess_type(name, [None, None])) == "string", name


# --------------------------------------------------------------------------- the filter

def _runs(passes: dict[int, list[list[float]]], patterns=("C1", "C2")) -> pd.DataFrame:
    """Runs of worlds (points): per world, per replicate, the pass (1/0/NaN) of each pattern."""
    rows = []
    for point, reps in passes.items():
        for r, flags in enumerate(reps):
            rows.append({"point": point, "replicate": r, "status": "ok", "x": float(point),
                         **{f"calibration.{p}": f for p, f in zip(patterns, flags, strict=True)}})
    return pd.DataFrame(rows)


def test_a_world_is_kept_when_each_pattern_passes_in_half_its_replicates():
    runs = _runs({0: [[1, 1], [1, 0]],        # C1 2/2, C2 1/2: kept
                  1: [[1, 0], [1, 0]],        # C2 0/2: rejected
                  2: [[0, 1], [1, 0]],        # each 1/2 (never both in one run): kept
                  3: [[1, np.nan], [1, np.nan]]})  # C2 not measurable: fails
    kept = plausible(runs, patterns=("C1", "C2"))
    assert runs.loc[kept, "point"].unique().tolist() == [0, 2]
    strict = plausible(runs, patterns=("C1", "C2"), share=1.0)
    assert not strict.any()
    tolerant = plausible(runs, patterns=("C1", "C2"), min_passed=1)
    assert runs.loc[tolerant, "point"].unique().tolist() == [0, 1, 2, 3]


def test_failed_runs_never_count_and_bad_arguments_are_named():
    runs = _runs({0: [[1, 1], [1, 1]]})
    runs.loc[1, "status"] = "error"
    kept = plausible(runs, patterns=("C1", "C2"))
    assert kept.tolist() == [True, False]
    with pytest.raises(ValueError, match="share=0 is invalid"):
        plausible(runs, patterns=("C1", "C2"), share=0)
    with pytest.raises(ValueError, match="min_passed=3 is invalid; allowed: 1 to 2"):
        plausible(runs, patterns=("C1", "C2"), min_passed=3)
    with pytest.raises(KeyError, match="experiment.calibrate"):
        plausible(runs)  # the pre-2020 patterns by default: C3 ... are missing
    assert PRE_2020 == ("C1", "C2", "C3", "C4", "C5", "C10")


def test_posterior_shift_finds_the_assumption_history_constrains():
    rng = np.random.default_rng(0)
    worlds = pd.DataFrame({"point": np.arange(200), "a": rng.uniform(0, 1, 200),
                           "b": rng.uniform(0, 1, 200), "status": "ok"})
    accepted = worlds["a"] < 0.3  # history keeps the worlds with a low "a"; "b" is free
    shift = posterior_shift(worlds, ["a", "b"], accepted)
    assert shift["parameter"].tolist() == ["a", "b"]
    a = shift.iloc[0]
    assert a["accepted_median"] < 0.2 and 0.4 < a["prior_median"] < 0.6 and a["p_value"] < 1e-6
    assert shift.iloc[1]["p_value"] > 0.01
    assert a["accepted_worlds"] == accepted.sum() and a["worlds"] == 200


def test_the_report_reads_the_verdict_in_the_kept_worlds(tmp_path):
    from sim.analysis.load import load_sweep
    from sim.analysis.report import build_report, filter_table, plan_sections

    exp = ExperimentConfig(name="cal", base=["scenario=endogenous", "end=2020-06"],
                           calibrate=list(PRE_2020), design="latin_hypercube", samples=3,
                           replicates=2, seed=4, parameters={
                               "metrics.phi": ParameterSpec(range=[0.05, 0.3])})
    run_sweep(exp, tmp_path, n_workers=2, progress=False)
    data = load_sweep(tmp_path)
    plans = {p.name: p for p in plan_sections(data)}
    assert plans["history_filter"].status == "planned"
    report = build_report(tmp_path, n_boot=50)
    table = report.tables["history_filter"]
    assert {"all", "all_lo", "all_hi", "history", "history_n", "history_tolerant"} <= set(
        table.columns)
    kept = plausible(data.runs)
    assert (table["history_n"] <= kept.sum()).all()
    assert (table["history_n"] <= table["history_tolerant_n"]).all()
    both = filter_table(data.runs, {"everything": pd.Series(True, data.runs.index)})
    assert np.allclose(both["all"], both["everything"], equal_nan=True)
    assert "Worlds that reproduce history" in report.html
    # without calibration columns the section says why it is skipped
    no_cal = data.runs.drop(columns=[c for c in data.runs.columns
                                     if c.startswith("calibration.")])
    import dataclasses
    assert "experiment.calibrate" in {p.name: p for p in plan_sections(
        dataclasses.replace(data, runs=no_cal))}["history_filter"].reason
