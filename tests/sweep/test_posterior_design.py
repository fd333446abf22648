"""Plausible worlds drawn from a calibrated posterior (``experiment.posterior``): the design draws
the posterior's rows by weight (``numpy.random.default_rng(seed)``), the file is checked before
any run, its content enters the experiment's hash, a sweep runs end to end (Python and command
line), and two sweeps' verdicts are read side by side (``sahel-sim-report FOLDER --against``).

The posteriors are small synthetic files written by the tests (the columns ``sahel-sim-calibrate``
writes: one per parameter, ``weight``, ``generation``, ``distance``, ``d.*``, ``pass.*``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.sweep.designs import build_design, read_posterior
from sim.sweep.experiment import (
    ExperimentConfig,
    ParameterSpec,
    experiment_hash,
    load_experiment,
)
from sim.sweep.runner import folder_key, plan, run_sweep
from sim.sweep.store import read_manifest, read_results

PARAMS = {"metrics.phi": ParameterSpec(range=[0.05, 0.5]),
          "metrics.k": ParameterSpec(range=[1, 3], int=True)}
ROWS = pd.DataFrame({"metrics.phi": [0.1, 0.2, 0.3, 0.4], "metrics.k": [1, 2, 3, 2],
                     "weight": [0.0, 0.0, 1.0, 0.0], "generation": 3, "distance": 0.2,
                     "d.C1": 0.1, "pass.C1": True, "unrelated": "ignored"})


def write(path: Path, frame: pd.DataFrame) -> str:
    frame.to_parquet(path, index=False)
    return str(path)


def experiment(posterior: str, **kw) -> ExperimentConfig:
    fields = {"name": "post", "parameters": dict(PARAMS), "design": "latin_hypercube",
              "samples": 12, "seed": 5, "posterior": posterior, **kw}
    return ExperimentConfig(**fields)


# --------------------------------------------------------------------------- the design

def test_every_point_takes_the_one_row_that_holds_all_the_weight(tmp_path):
    design = build_design(experiment(write(tmp_path / "p.parquet", ROWS)))
    assert design.n_points == 12 and list(design.table.columns) == ["point", *PARAMS]
    assert (design.posterior_rows == 2).all()
    assert design.problem is None and design.unit_samples is None
    for i in range(design.n_points):
        values = design.values(i)
        assert values == {"metrics.phi": 0.3, "metrics.k": 3}
        assert type(values["metrics.k"]) is int and type(values["metrics.phi"]) is float


def test_rows_are_drawn_in_proportion_to_their_weight_with_the_experiments_seed(tmp_path):
    weights = np.array([3.0, 1.0, 0.0, 0.0])  # not normalized: drawn in proportion all the same
    path = write(tmp_path / "p.parquet", ROWS.assign(weight=weights))
    exp = experiment(path, samples=400)
    design = build_design(exp)
    expected = np.random.default_rng(5).choice(4, size=400, replace=True, p=weights / 4.0)
    assert design.posterior_rows.tolist() == expected.tolist()
    assert set(design.posterior_rows) == {0, 1}
    assert 0.68 < (design.posterior_rows == 0).mean() < 0.82
    drawn = ROWS.iloc[design.posterior_rows].reset_index(drop=True)
    assert design.table["metrics.phi"].tolist() == drawn["metrics.phi"].tolist()
    assert design.table["metrics.k"].tolist() == drawn["metrics.k"].tolist()
    # reproducible: the same experiment and file give the same points; another seed others
    pd.testing.assert_frame_equal(build_design(exp).table, design.table)
    assert not build_design(dataclasses.replace(exp, seed=6)).table.equals(design.table)


def test_a_full_factorial_with_continuous_ranges_draws_from_the_posterior_too(tmp_path):
    """The posterior replaces the sampler: a continuous range needs no levels."""
    exp = experiment(write(tmp_path / "p.parquet", ROWS), design="full_factorial", samples=3)
    assert build_design(exp).table["metrics.phi"].tolist() == [0.3, 0.3, 0.3]


# --------------------------------------------------------------------------- the checks

def _bad_file(tmp_path: Path, case: str) -> tuple[ExperimentConfig, str]:
    """An experiment whose posterior (or whose use of one) is wrong in one way, and the words
    the error must hold."""
    path = tmp_path / "p.parquet"
    good = write(path, ROWS)
    if case == "missing file":
        return experiment(str(tmp_path / "nowhere.parquet")), r"nowhere\.parquet' is not a file"
    if case == "not parquet":
        path.write_text("weight,metrics.phi\n1,0.1\n")
        return experiment(good), "is not a readable Parquet file"
    if case == "no weight column":
        write(path, ROWS.drop(columns="weight"))
        return experiment(good), "has no 'weight' column"
    if case == "missing parameter column":
        write(path, ROWS.drop(columns="metrics.k"))
        return experiment(good), "has no column for the parameter 'metrics.k'"
    if case == "value out of range":
        write(path, ROWS.assign(**{"metrics.phi": [0.1, 0.2, 0.9, 0.4]}))
        return experiment(good), (r"column 'metrics.phi' holds 0\.9 in row 2, outside the "
                                  r"parameter's range \[0\.05, 0\.5\]")
    if case == "integer not whole":
        write(path, ROWS.assign(**{"metrics.k": [1.0, 2.5, 3.0, 2.0]}))
        return experiment(good), r"column 'metrics.k' holds 2\.5 in row 1, not a whole number"
    if case == "negative weight":
        write(path, ROWS.assign(weight=[0.5, -0.1, 0.6, 0.0]))
        return experiment(good), r"weight -0\.1 in row 1 is invalid; allowed: finite weights"
    if case == "NaN weight":
        write(path, ROWS.assign(weight=[0.5, np.nan, 0.5, 0.0]))
        return experiment(good), r"weight nan in row 1 is invalid"
    if case == "weights summing to 0":
        write(path, ROWS.assign(weight=0.0))
        return experiment(good), "the weights sum to 0; allowed"
    if case == "levels parameter":
        exp = experiment(good)
        exp.parameters["metrics.k"] = ParameterSpec(levels=[1, 2])
        return exp, "the parameter 'metrics.k' has levels; allowed with a posterior: parameters "
    if case == "sobol design":
        return experiment(good, design="sobol"), "experiment.design='sobol' cannot draw from"
    if case == "no samples":
        return experiment(good, samples=0), "experiment.samples=0 is invalid"
    raise AssertionError(case)


@pytest.mark.parametrize("case", [
    "missing file", "not parquet", "no weight column", "missing parameter column",
    "value out of range", "integer not whole", "negative weight", "NaN weight",
    "weights summing to 0", "levels parameter", "sobol design", "no samples"])
def test_each_wrong_posterior_is_refused_naming_what_is_wrong(tmp_path, case):
    exp, message = _bad_file(tmp_path, case)
    with pytest.raises(ConfigError, match=message) as err:
        build_design(exp)
    text = str(err.value)
    assert "experiment." in text and "allowed" in text, text
    if case not in ("sobol design", "no samples"):
        assert f"experiment.posterior={exp.posterior!r}" in text, text


def test_the_columns_that_are_not_parameters_are_ignored(tmp_path):
    frame = read_posterior(experiment(write(tmp_path / "p.parquet", ROWS)))
    assert list(frame.columns) == ["weight", *PARAMS]


# --------------------------------------------------------------------------- the hash

def test_the_experiment_hash_follows_the_files_content_not_its_path(tmp_path):
    first = write(tmp_path / "a.parquet", ROWS)
    exp = experiment(first)
    digest = experiment_hash(exp)
    assert len(digest) == 16
    moved = write(tmp_path / "b.parquet", ROWS)  # the same bytes elsewhere
    assert experiment_hash(experiment(moved)) == digest
    write(tmp_path / "a.parquet", ROWS.assign(weight=[0.5, 0.0, 0.5, 0.0]))
    assert experiment_hash(exp) != digest, "another posterior at the same path"
    assert experiment_hash(experiment("")) != experiment_hash(exp)
    with pytest.raises(ConfigError, match="experiment.posterior='.*nowhere.parquet' cannot be"):
        experiment_hash(experiment(str(tmp_path / "nowhere.parquet")))


def test_an_experiment_without_a_posterior_keeps_the_hash_it_had_before_the_field():
    """Sweep folders started before ``posterior`` existed still resume."""
    exp = load_experiment("cheap_win_map")
    data = dataclasses.asdict(exp)
    for key in ("replicates", "question", "posterior"):
        data.pop(key)
    text = json.dumps(data, sort_keys=True, default=str)
    assert experiment_hash(exp) == hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- end to end

def plausible(**kw) -> ExperimentConfig:
    """plausible_worlds on a short horizon: 4 worlds, 1 seed, no calibration, no replay."""
    exp = load_experiment("plausible_worlds")
    return dataclasses.replace(exp, base=[*exp.base, "end=2019-06"], calibrate=[],
                               historical_replay=0, samples=4, replicates=1, **kw)


def synthetic_posterior(parameters: dict[str, ParameterSpec], n: int, seed: int) -> pd.DataFrame:
    """A posterior over every parameter, values inside their ranges, unequal weights."""
    rng = np.random.default_rng(seed)
    cols = {name: (rng.integers(int(s.range[0]), int(s.range[1]) + 1, n) if s.int
                   else rng.uniform(s.range[0], s.range[1], n))
            for name, s in parameters.items()}
    weight = rng.uniform(0.1, 1.0, n)
    return pd.DataFrame({"generation": 3, **cols, "weight": weight / weight.sum(),
                         "distance": rng.uniform(0, 1, n), "d.C1": 0.0, "pass.C1": True})


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """The same plausible worlds over the priors and drawn from a synthetic posterior."""
    root = tmp_path_factory.mktemp("posterior")
    prior = plausible()
    parameters = plan(prior).experiment.parameters
    posterior = write(root / "posterior.parquet", synthetic_posterior(parameters, 10, 1))
    run_sweep(prior, root / "prior", n_workers=1, progress=False)
    run_sweep(plausible(posterior=posterior), root / "posterior_sweep", n_workers=1,
              progress=False)
    return {"root": root, "prior": root / "prior", "posterior": root / "posterior_sweep",
            "file": Path(posterior)}


def test_a_plausible_sweep_runs_the_worlds_drawn_from_the_posterior(sweeps):
    folder, file = sweeps["posterior"], sweeps["file"]
    rows = read_results(folder)
    assert len(rows) == 4 and (rows["status"] == "ok").all(), rows["error"].dropna().tolist()
    manifest = read_manifest(folder)
    assert manifest["design"]["kind"] == "posterior"
    assert manifest["design"]["salib_problem"] is None
    record = manifest["posterior"]
    assert record["path"] == str(file.resolve()) == manifest["experiment"]["posterior"]
    assert record["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    posterior = pd.read_parquet(file)
    drawn = posterior.iloc[record["drawn_rows"]].reset_index(drop=True)
    design = pd.read_parquet(folder / "design.parquet")
    names = manifest["design"]["parameters"]
    assert len(names) > 50 and set(names) <= set(posterior.columns)
    pd.testing.assert_frame_equal(design[names], drawn[names], check_dtype=False)
    for name in names:  # every run ran its design point's values
        by_point = rows.set_index("point")[name].sort_index()
        assert np.allclose(by_point.to_numpy(float), design[name].to_numpy(float)), name
    ints = [n for n in names if pd.api.types.is_integer_dtype(posterior[n])]
    assert ints and all(pd.api.types.is_integer_dtype(design[n]) for n in ints)


def test_the_same_sweep_resumes_and_another_posterior_is_refused(sweeps):
    folder, file = sweeps["posterior"], sweeps["file"]
    again = run_sweep(plausible(posterior=str(file)), folder, n_workers=1, progress=False)
    assert (again.n_skipped, again.n_ok) == (4, 0)
    other = sweeps["root"] / "other.parquet"
    frame = pd.read_parquet(file)
    write(other, frame.assign(weight=frame["weight"][::-1].to_numpy()))
    exp = plausible(posterior=str(other))
    assert folder_key(plan(exp)) != folder_key(plan(plausible(posterior=str(file))))
    with pytest.raises(ConfigError, match="was started on another posterior"):
        run_sweep(exp, folder, n_workers=1, progress=False)
    with pytest.raises(ConfigError, match=r"sha256 none: the priors"):
        run_sweep(exp, sweeps["prior"], n_workers=1, progress=False)


def test_the_command_line_takes_a_posterior(sweeps, monkeypatch, capsys):
    from sim.sweep.cli import main

    out = sweeps["root"] / "cli"
    monkeypatch.chdir(sweeps["root"])  # a relative path, read from the current folder
    with pytest.raises(SystemExit) as exc:
        main(["experiment=plausible_worlds", "experiment.posterior=posterior.parquet",
              "experiment.samples=2", "replicates=1",
              "experiment.base=['scenario=endogenous','end=2019-03']",
              "experiment.calibrate=[]", "experiment.historical_replay=0", "n_workers=1",
              "progress=false", f"hydra.run.dir={out}"])
    assert exc.value.code == 0, capsys.readouterr().err
    manifest = read_manifest(out)
    assert manifest["posterior"]["path"] == str(sweeps["file"].resolve())
    assert len(read_results(out)) == 2
    with pytest.raises(SystemExit) as exc:
        main(["experiment=plausible_worlds", "experiment.posterior=nowhere.parquet",
              f"hydra.run.dir={sweeps['root'] / 'cli2'}"])
    assert exc.value.code == 2
    assert "experiment.posterior='nowhere.parquet' is not a file" in capsys.readouterr().err


# --------------------------------------------------------------------------- side by side

def test_compare_verdicts_sets_the_two_sweeps_side_by_side(sweeps):
    from sim.analysis.compare import compare_verdicts
    from sim.analysis.stats import wilson_interval
    from sim.sweep.cli import HEADLINE

    table = compare_verdicts(sweeps["prior"], sweeps["posterior"])
    for label in ("prior", "posterior"):
        assert {label, f"{label}_lo", f"{label}_hi", f"{label}_n"} <= set(table.columns)
    assert table["outcome"].tolist()[:4] == list(HEADLINE.values())
    assert table["outcome"].str.endswith("'s security)").sum() == 3  # each AES state's lead
    assert table["outcome"].str.endswith("'s opinion at the end)").sum() == 3
    for label, key in (("prior", "prior"), ("posterior", "posterior")):
        rows = read_results(sweeps[key])
        for column in HEADLINE:
            rec = table[table["column"] == column].iloc[0]
            y = rows[column].dropna().astype(bool)
            assert rec[f"{label}_n"] == len(y) == 4
            assert rec[label] == pytest.approx(y.mean())
            assert (rec[f"{label}_lo"], rec[f"{label}_hi"]) == pytest.approx(
                wilson_interval(y.mean(), len(y)))
    with pytest.raises(ValueError, match="two distinct names"):
        compare_verdicts(sweeps["prior"], sweeps["posterior"], labels=("a", "a"))


def test_the_comparison_reads_after_2019_the_held_out_targets_and_other_definitions(sweeps):
    from sim.analysis.compare import (
        AMOUNTS,
        DEFINITIONS,
        compare_amounts,
        compare_definitions,
        compare_verdicts,
    )

    verdicts = compare_verdicts(sweeps["prior"], sweeps["posterior"])
    column = "costs_like_for_like.russia.person_months"
    deploys = verdicts[verdicts["column"] == column].iloc[0]
    rows = read_results(sweeps["prior"])
    assert deploys["prior"] == pytest.approx((rows[column] > 0).mean())
    assert {"calibration.C7", "calibration.C8"} <= set(verdicts["column"])
    amounts = compare_amounts(sweeps["prior"], sweeps["posterior"])
    assert amounts["column"].tolist() == list(AMOUNTS)
    fat = amounts[amounts["column"] == "fatalities_aes"].iloc[0]
    assert fat["prior"] == pytest.approx(rows["fatalities_aes"].median())
    assert fat["prior_p5"] <= fat["prior"] <= fat["prior_p95"] and fat["prior_n"] == 4
    defs = compare_definitions(sweeps["prior"], sweeps["posterior"])
    assert len(defs) == len(DEFINITIONS) and (defs["prior_n"] == 4).all()
    # a looser "cheap" never gives fewer cheap wins than the run's own definition
    assert defs["prior"].iloc[1] >= defs["prior"].iloc[0]
    assert defs[["prior", "posterior"]].stack().between(0, 1).all()


def test_the_report_command_compares_against_another_folder(sweeps, capsys):
    from sim.analysis.report import main

    main([str(sweeps["posterior"]), "--against", str(sweeps["prior"])])
    out = capsys.readouterr().out
    text = (sweeps["posterior"] / "comparison.md").read_text()
    assert out.startswith(text) and out.rstrip().endswith("comparison.md")
    assert "| outcome | prior | posterior |" in text and "| P(cheap win) | " in text
    assert "worlds drawn from the posterior" in text
    assert "## The verdict against its own definitions" in text
    assert "## After 2019: the war and who pays" in text and "AES fatalities" in text
    with pytest.raises(SystemExit) as exc:
        main([str(sweeps["posterior"]), "--against", str(sweeps["root"] / "nowhere")])
    assert exc.value.code == 2
    assert "--against=" in capsys.readouterr().err


def test_the_report_of_a_posterior_sweep_skips_what_needs_a_samplers_matrix(sweeps):
    from sim.analysis.load import load_sweep
    from sim.analysis.report import build_report, plan_sections

    plans = {p.name: p for p in plan_sections(load_sweep(sweeps["posterior"]))}
    assert plans["sobol"].status == "skipped" and "posterior" in plans["sobol"].reason
    report = build_report(sweeps["posterior"], n_boot=20)
    assert "worlds drawn by weight" in report.html and str(sweeps["file"].resolve()) in (
        report.html)
