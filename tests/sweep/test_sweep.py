"""Experiments at scale (sim.sweep): designs, replicates on spawned seeds, paired scenarios,
executors, the resumable Parquet store, reruns, and quick sweeps through Hydra.

Every sweep here runs short horizons (2019-01..2019-06) on a small synthetic world or the Sahel
world, so that the whole file takes well under a minute on two cores.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.config import ConfigError, group_options
from sim.record import TABLES
from sim.sweep.designs import build_design, replicate_seeds
from sim.sweep.experiment import ExperimentConfig, ParameterSpec, load_experiment
from sim.sweep.rerun import rerun
from sim.sweep.runner import folder_key, plan, run_sweep
from sim.sweep.store import (
    ResultStore,
    cell_value,
    folder_lock,
    read_manifest,
    read_monthly,
    read_results,
)

TINY = ["scenario=synthetic", "world.synthetic.n_regions=8", "end=2019-06"]
BIN = Path(sys.executable).parent


def outcomes(df: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by run id, without the columns that legitimately differ between runs of the
    same task (duration)."""
    return df.drop(columns=["duration_s"]).sort_values("run_id").reset_index(drop=True)


# --------------------------------------------------------------------------- a paired sweep

PAIRED = ExperimentConfig(
    name="paired",
    base=["end=2019-06"],
    scenarios=["endogenous", "host_cannot_pay"],
    parameters={
        "russia_rule": ParameterSpec(levels=["none", "opportunistic"],
                                     paths=["rules.vacuum.russia"]),
        "metrics.phi": ParameterSpec(levels=[0.05, 0.2]),
        # a horizon that ends before the start passes the range checks but fails each run
        "end_month": ParameterSpec(levels=["2019-06", "2018-12"], paths=["end"]),
    },
    design="full_factorial",
    replicates=3,
    seed=7,
    monthly=["powers.net_cost_usd"],
    monthly_every=3,
)


@pytest.fixture(scope="module")
def paired(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A full factorial (2 x 2 x 2 points) x 2 paired scenarios x 3 replicates on 2 workers."""
    folder = tmp_path_factory.mktemp("sweep") / "paired"
    report = run_sweep(PAIRED, folder, n_workers=2, batch_rows=7, progress=False)
    assert (report.n_ok, report.n_error) == (24, 24)
    return folder, read_results(folder)


def test_full_factorial_runs_every_point_scenario_and_replicate_once(paired):
    _, df = paired
    assert len(df) == 8 * 2 * 3
    assert df["run_id"].is_unique
    combos = df.groupby(["russia_rule", "metrics.phi", "end_month", "scenario"]).size()
    assert len(combos) == 16 and (combos == 3).all()


def test_replicate_seeds_are_distinct_reproducible_and_shared_by_every_point(paired):
    _, df = paired
    seeds = replicate_seeds(7, 3)
    assert len(set(seeds)) == 3
    assert replicate_seeds(7, 3) == seeds and replicate_seeds(7, 5)[:3] == seeds
    assert replicate_seeds(8, 3) != seeds
    by_rep = df.groupby("replicate")["seed"].agg(["nunique", "first"])
    assert (by_rep["nunique"] == 1).all()
    assert by_rep["first"].tolist() == seeds


def test_parameters_reach_the_runs(paired):
    ok = paired[1].query("status == 'ok'")
    assert (ok["rules.russia"] == ok["russia_rule"]).all()
    assert (ok["first_version.phi"] == ok["metrics.phi"]).all()
    assert (ok["end"] == ok["end_month"]).all()
    # host_cannot_pay is its own scenario: the hosts pay russia nothing there
    assert (ok.query("scenario == 'host_cannot_pay'")["host_paid_russia_usd"] == 0).all()


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(paired):
    _, df = paired
    bad = df[df["end_month"] == "2018-12"]
    assert (bad["status"] == "error").all()
    assert bad["error"].str.contains("end='2018-12' is before start").all()
    assert bad["verdict"].isna().all()
    assert (df[df["end_month"] == "2019-06"]["status"] == "ok").all()


def test_paired_runs_share_seed_and_parameters_across_scenarios(paired):
    ok = paired[1].query("status == 'ok'")
    for _, pair in ok.groupby("pair_id"):
        assert sorted(pair["scenario"]) == ["endogenous", "host_cannot_pay"]
        assert pair["seed"].nunique() == 1
        assert pair[["russia_rule", "metrics.phi", "end_month"]].drop_duplicates().shape[0] == 1


def test_common_random_numbers_across_design_points(paired):
    """phi only changes how a run is judged (the first version's cheap): runs that differ by phi
    alone simulate the same."""
    ok = paired[1].query("status == 'ok'")
    sim_cols = ["russia.own_net_cost_usd", "west.own_net_cost_usd", "civilian_fatalities_aes",
                "fighters_end"]
    lo = ok[ok["metrics.phi"] == 0.05].set_index(["scenario", "russia_rule", "replicate"])
    hi = ok[ok["metrics.phi"] == 0.2].set_index(["scenario", "russia_rule", "replicate"])
    pd.testing.assert_frame_equal(lo[sim_cols].sort_index(), hi[sim_cols].sort_index())
    # while different replicates do differ (the seeds are not all alike in effect)
    assert ok.groupby(["scenario", "russia_rule"])["civilian_fatalities_aes"].nunique().max() > 1


def test_monthly_series_kept_at_the_chosen_resolution(paired):
    folder, df = paired
    series = read_monthly(folder, "powers.net_cost_usd")
    ok_ids = set(df.loc[df["status"] == "ok", "run_id"])
    assert set(series["run_id"]) == ok_ids
    assert sorted(series["step"].unique()) == [2, 5]  # every 3 months of 2019-01..2019-06
    assert list(series.columns) == ["run_id", *TABLES["powers"][0], "net_cost_usd"]


def test_manifest_holds_design_seeds_base_config_and_provenance(paired):
    folder, _ = paired
    m = read_manifest(folder)
    assert m["n_runs"] == 48 and m["design"]["n_points"] == 8
    assert m["seeds"]["replicates"] == replicate_seeds(7, 3)
    assert m["scenarios"] == ["endogenous", "host_cannot_pay"]
    assert m["experiment"]["parameters"]["russia_rule"]["paths"] == ["rules.vacuum.russia"]
    assert "git_commit" in m and m["version"]
    assert len(pd.read_parquet(folder / "design.parquet")) == 8
    assert (folder / "base" / "host_cannot_pay.yaml").read_text().count("host_can_pay: 0.0") == 1


def test_rerun_by_id_reproduces_the_row_and_writes_the_output_contract(paired, tmp_path):
    folder, df = paired
    rid = df.query("status == 'ok' and russia_rule == 'opportunistic'")["run_id"].iloc[0]
    res = rerun(folder, rid, out=tmp_path / "run")
    assert res.reproduced, res.differences
    stored = df.set_index("run_id").loc[rid]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["seed"] == stored["seed"]
    assert summary["russia"]["own_net_cost_usd"] == stored["russia.own_net_cost_usd"]
    assert {f"{t}.parquet" for t in TABLES} <= {p.name for p in (tmp_path / "run").iterdir()}
    failed = df.query("status == 'error'")["run_id"].iloc[0]
    assert rerun(folder, failed).reproduced
    with pytest.raises(ConfigError, match="not in this sweep"):
        rerun(folder, "p99-endogenous-r0")


def test_rerun_command_says_whether_the_row_is_reproduced(paired, capsys):
    from sim.sweep.rerun import main

    folder, df = paired
    rid = df.query("status == 'ok'")["run_id"].iloc[-1]
    main([str(folder), rid])
    assert "reproduced: every column of the stored row is the same" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main([str(folder), "p0-nowhere-r0"])
    assert exc.value.code == 2
    assert "sahel-sim-rerun: error: run id 'p0-nowhere-r0' is not in this sweep" in (
        capsys.readouterr().err)


def test_resume_refuses_another_experiment_in_the_same_folder(paired):
    folder, _ = paired
    other = ExperimentConfig(**{**PAIRED.__dict__, "seed": 8})
    with pytest.raises(ConfigError, match="holds another experiment"):
        run_sweep(other, folder, progress=False)


def test_resume_of_a_complete_sweep_runs_nothing(paired):
    folder, df = paired
    report = run_sweep(PAIRED, folder, progress=False)
    assert (report.n_skipped, report.n_ok + report.n_error) == (48, 0)
    assert len(read_results(folder)) == len(df)


# --------------------------------------------------------------------------- sampled designs

SAMPLED = {
    # design: (samples, expected points for D=2 parameters)
    "latin_hypercube": (5, 5),
    "sobol": (4, 4 * (2 + 2)),
    "morris": (2, 2 * (2 + 1)),
}


@pytest.mark.parametrize("design", list(SAMPLED))
def test_sampled_design_end_to_end(design, tmp_path):
    samples, points = SAMPLED[design]
    exp = ExperimentConfig(
        name=design, base=TINY, design=design, samples=samples, replicates=2, seed=11,
        parameters={"metrics.phi": ParameterSpec(range=[0.05, 0.5]),
                    "metrics.k": ParameterSpec(range=[1, 3], int=True)})
    run_sweep(exp, tmp_path, n_workers=2, progress=False)
    df = read_results(tmp_path)
    assert len(df) == points * 2 and df["run_id"].is_unique
    assert (df["status"] == "ok").all(), df["error"].dropna().tolist()
    assert df["metrics.phi"].between(0.05, 0.5).all()
    assert set(df["metrics.k"]) <= {1, 2, 3} and df["metrics.k"].dtype == np.int64
    assert (df["first_version.phi"] == df["metrics.phi"]).all()
    assert (df["k"] == df["metrics.k"]).all()
    assert sorted(df["seed"].unique()) == sorted(replicate_seeds(11, 2))
    # the same experiment gives the same design; another seed another one
    again = build_design(exp).table
    pd.testing.assert_frame_equal(again, pd.read_parquet(tmp_path / "design.parquet"))
    if design != "morris":  # Morris's grid can repeat points across seeds
        other = build_design(ExperimentConfig(**{**exp.__dict__, "seed": 12})).table
        assert not other.equals(again)


def test_parameter_paths_and_values_are_checked(tmp_path):
    bad = ExperimentConfig(name="bad", base=TINY,
                           parameters={"params.resources.host_can_py": ParameterSpec(levels=[0])})
    with pytest.raises(ConfigError, match="did you mean 'host_can_pay'"):
        run_sweep(bad, tmp_path / "a", progress=False)
    assert not (tmp_path / "a").exists()
    with pytest.raises(ConfigError, match="continuous range cannot be enumerated"):
        plan(ExperimentConfig(name="x", base=TINY,
                              parameters={"metrics.phi": ParameterSpec(range=[0, 1])}))
    with pytest.raises(ConfigError, match="backend='dsk' is unknown"):
        run_sweep(ExperimentConfig(name="x", base=TINY), tmp_path / "b", backend="dsk")


def test_design_values_out_of_the_schema_range_stop_the_sweep_before_it_starts(tmp_path):
    exp = ExperimentConfig(name="pay", base=TINY, parameters={
        "host_can_pay": ParameterSpec(levels=[0.0, 5.0], paths=["params.resources.host_can_pay"])})
    with pytest.raises(ConfigError, match=r"host_can_pay.*5\.0"):
        run_sweep(exp, tmp_path / "pay", progress=False)
    assert not (tmp_path / "pay").exists()


def test_the_default_folder_key_names_one_experiment_on_one_set_of_configs():
    exp = ExperimentConfig(name="k", base=TINY, parameters={
        "metrics.phi": ParameterSpec(levels=[0.1, 0.2])})
    key = folder_key(plan(exp))
    assert key == folder_key(plan(exp, replicates=5)), "more replicates extend the same sweep"
    assert re.fullmatch(r"[0-9a-f]{8}", key)
    other = ExperimentConfig(**{**exp.__dict__, "seed": 1})
    assert folder_key(plan(other)) != key
    bigger = ExperimentConfig(**{**exp.__dict__, "base": [*TINY, "world.synthetic.n_regions=9"]})
    assert folder_key(plan(bigger)) != key


def test_a_folder_started_on_other_base_configs_or_in_use_is_refused(tmp_path):
    exp = ExperimentConfig(name="small", base=TINY, replicates=1,
                           parameters={"metrics.phi": ParameterSpec(levels=[0.1, 0.2])})
    folder = tmp_path / "small"
    run_sweep(exp, folder, n_workers=1, progress=False)
    manifest = read_manifest(folder)
    with folder_lock(folder), pytest.raises(ConfigError, match="is in use by another sweep"):
        run_sweep(exp, folder, n_workers=1, progress=False)
    manifest["base_config_hash"]["synthetic"] = "0" * 16
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match="was started on another base config of scenario "
                                          "'synthetic'"):
        run_sweep(exp, folder, n_workers=1, progress=False)


# --------------------------------------------------------------------------- the store

def _out(rid: str, with_series: bool = True) -> dict:
    row = {"run_id": rid, "status": "ok", "error": None, "x": float(len(rid))}
    series = {"powers.net_cost_usd": pd.DataFrame({"step": [0, 1], "net_cost_usd": [1.0, 2.0]})}
    return {"row": row, "monthly": series if with_series else None}


def test_each_chunk_is_a_part_and_small_parts_are_merged(tmp_path):
    store = ResultStore(tmp_path, part_rows=4, first_columns=["run_id", "status", "error"])
    ids = [f"r{i:02d}" for i in range(40)]
    for i in range(0, 40, 2):
        store.write([_out(rid) for rid in ids[i:i + 2]])
    parts = sorted((tmp_path / "results").glob("part-*.parquet"))
    assert len(parts) == 20 and store.rows_written == 40
    assert store.compact(min_small=16) == 20
    sizes = [len(pd.read_parquet(p)) for p in sorted((tmp_path / "results").glob("part-*"))]
    assert sizes == [4] * 10
    df = read_results(tmp_path)
    assert sorted(df["run_id"]) == ids and list(df.columns[:3]) == ["run_id", "status", "error"]
    assert sorted(read_monthly(tmp_path, "powers.net_cost_usd")["run_id"].unique()) == ids
    assert len(list((tmp_path / "monthly" / "powers.net_cost_usd").glob("part-*"))) == 10
    assert store.compact(min_small=16) == 0, "a few small parts are left alone"


def test_a_folder_of_few_parts_is_not_read_to_be_compacted(tmp_path, monkeypatch):
    """Compaction merges small parts only when there are more than ``min_small`` of them: with
    no more parts than that, none is opened (the end of every sweep of a few chunks)."""
    import sim.sweep.store as store_mod

    store = ResultStore(tmp_path, part_rows=100, first_columns=["run_id", "status", "error"])
    for i in range(3):
        store.write([_out(f"r{i}", with_series=False)])
    read = []
    monkeypatch.setattr(store_mod, "_run_ids", lambda part: read.append(part) or ["x"])
    assert store.compact(min_small=3) == 0 and read == []
    assert store.compact(min_small=2) == 3 and len(read) == 3  # more than 2: read and merged


def test_the_columns_are_the_first_ones_then_each_rows_new_ones_in_order_of_first_sight(
        tmp_path):
    store = ResultStore(tmp_path, first_columns=["run_id", "status", "error"])
    rows = [{"run_id": "a", "b": 1.0, "status": "ok", "a": 2.0, "error": None},
            {"run_id": "b", "c": 3.0, "a": 1.0, "status": "ok", "error": None},
            {"run_id": "c", "d": 4.0, "b": 5.0, "c": 6.0, "status": "ok", "error": None}]
    store.write([{"row": r, "monthly": None} for r in rows])
    assert list(read_results(tmp_path).columns) == ["run_id", "status", "error", "b", "a", "c",
                                                    "d"]


_CELLS = st.one_of(st.none(), st.text(max_size=4), st.binary(max_size=3), st.booleans(),
                   st.floats(), st.integers(-2**70, 2**70),
                   st.sampled_from([2**53 + 1, -2**63, 2**63]),
                   st.lists(st.integers(0, 3), max_size=2),
                   st.dictionaries(st.sampled_from("ab"), st.integers(0, 3), max_size=2))
_TYPED = {"text": "a", "number": 0.5, "count": 1, "flag": True}  # a first chunk's values


@settings(max_examples=300, deadline=None)
@example([{"text": b"ab"}])  # bytes Arrow would take as text, not as their str()
@given(st.lists(st.fixed_dictionaries({}, optional={k: _CELLS for k in _TYPED}), min_size=1,
                max_size=6))
def test_result_cells_are_stored_converted_to_their_columns_type(rows):
    """Rows of any values, written after a first chunk that typed the columns, are stored as
    each cell converts (:func:`cell_value`) or refused as Arrow refuses those cells; the
    keys' and parameters' types come from the design, the rest from the first chunk."""
    with tempfile.TemporaryDirectory() as folder:
        store = ResultStore(folder, first_columns=["run_id"], types={"run_id": pa.string()})
        store.write([{"row": {"run_id": "r0", **_TYPED}, "monthly": None}])
        schema = pq.read_schema(next((Path(folder) / "results").glob("part-*")))
        assert schema.types == [pa.string(), pa.string(), pa.float64(), pa.int64(), pa.bool_()]
        rows = [{"run_id": f"r{i + 1}", **row} for i, row in enumerate(rows)]
        try:
            expected = pa.Table.from_pydict(
                {f.name: [cell_value(r.get(f.name), f.type) for r in rows] for f in schema},
                schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError,
                                OverflowError)):
                store.write([{"row": r, "monthly": None} for r in rows])
            return
        store.write([{"row": r, "monthly": None} for r in rows])
        part = sorted((Path(folder) / "results").glob("part-*"))[1]
        stored = pq.read_table(part)
        assert stored.schema == schema
        assert repr(stored.to_pylist()) == repr(expected.to_pylist())  # NaN, -0.0 included


def test_a_compaction_cut_short_is_read_once_and_completed_on_the_next_start(tmp_path):
    """The journal is written once every merged part is whole; killed after it, readers skip
    the replaced parts and the next store completes the renames and deletions."""
    store = ResultStore(tmp_path, part_rows=10, first_columns=["run_id"])
    for i in range(6):
        store.write([_out(f"r{i}", with_series=False)])
    results = tmp_path / "results"
    old = sorted(p.name for p in results.glob("part-*"))
    merged = pd.concat([pd.read_parquet(results / name) for name in old])
    merged.to_parquet(results / "part-00006.parquet.tmp")
    (results / "compaction.json").write_text(json.dumps(
        {"old": old, "new": [["part-00006.parquet.tmp", "part-00006.parquet"]]}))
    (results / old[0]).unlink()  # killed while deleting the replaced parts
    (results / "part-00099.parquet.tmp").write_text("half a part")  # and a write cut short
    assert sorted(read_results(tmp_path)["run_id"]) == [f"r{i}" for i in range(6)]
    reopened = ResultStore(tmp_path, part_rows=10)
    assert sorted(p.name for p in results.iterdir()) == ["part-00006.parquet"]
    assert reopened.done_run_ids() == {f"r{i}" for i in range(6)}


def test_series_of_runs_without_a_result_row_are_dropped(tmp_path):
    """Killed between a chunk's monthly part and its result part: the runs are not done, so
    their series go (the runs will be run again)."""
    store = ResultStore(tmp_path, first_columns=["run_id"])
    store.write([_out("r0"), _out("r1")])
    series = tmp_path / "monthly" / "powers.net_cost_usd"
    pd.DataFrame({"run_id": ["r2", "r2"], "step": [0, 1], "net_cost_usd": [1.0, 2.0]}).to_parquet(
        series / "part-00001.parquet")
    assert set(read_monthly(tmp_path, "powers.net_cost_usd")["run_id"]) == {"r0", "r1"}
    ResultStore(tmp_path, first_columns=["run_id"])
    assert [p.name for p in series.glob("part-*")] == ["part-00000.parquet"]


# --------------------------------------------------------------------------- shipped experiments

SHIPPED = {"rules_comparison": 5, "cheap_win_map": 100, "sobol_cheap_win": None,
           "counterfactuals": 1}


@pytest.mark.parametrize("name", list(SHIPPED))
def test_shipped_experiment_is_valid_and_says_its_question(name):
    from sim.config import config_dir
    from sim.sweep.params import check_paths
    from sim.sweep.worker import base_config

    text = (config_dir() / "experiment" / f"{name}.yaml").read_text()
    assert text.startswith("# Question:")
    exp = load_experiment(name)
    assert exp.name == name and exp.question
    design = build_design(exp)
    if SHIPPED[name] is not None:
        assert design.n_points == SHIPPED[name]
    assert set(exp.scenarios) <= set(group_options("scenario"))
    check_paths(base_config(("scenario=endogenous",), ""), exp.parameters)


def test_shipped_experiments_cover_the_issue():
    rules = load_experiment("rules_comparison")
    assert rules.replicates == 30
    assert set(rules.parameters["russia_rule"].levels) == {
        "none", "proportional", "opportunistic", "cost_benefit", "rivalry"}
    sobol = load_experiment("sobol_cheap_win")
    assert sobol.design == "sobol" and len(sobol.parameters) >= 10
    cf = load_experiment("counterfactuals")
    assert set(cf.scenarios) == {"endogenous", "france_stays", "no_russia", "host_cannot_pay",
                                 "no_coups", "china_competes", "strong_insurgency"}


# --------------------------------------------------------------------------- dask

def test_dask_cluster_gives_the_same_rows_as_the_local_pool(tmp_path):
    from dask.distributed import LocalCluster

    exp = ExperimentConfig(
        name="dask", base=TINY, replicates=2, seed=5,
        parameters={"russia_rule": ParameterSpec(levels=["none", "opportunistic"],
                                                 paths=["rules.vacuum.russia"]),
                    "metrics.phi": ParameterSpec(levels=[0.1, 0.3])})
    run_sweep(exp, tmp_path / "local", n_workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        run_sweep(exp, tmp_path / "dask", backend="dask", scheduler=cluster.scheduler_address,
                  progress=False)
    local, dask = read_results(tmp_path / "local"), read_results(tmp_path / "dask")
    assert len(local) == 8 and (local["status"] == "ok").all()
    pd.testing.assert_frame_equal(outcomes(local), outcomes(dask))


def test_a_local_dask_cluster_runs_quietly(tmp_path, capfd):
    exp = ExperimentConfig(name="quiet", base=TINY, replicates=2, seed=5)
    run_sweep(exp, tmp_path, backend="dask", n_workers=1, progress=False)
    assert len(read_results(tmp_path)) == 2
    out, err = capfd.readouterr()
    assert "INFO" not in out + err and "distributed" not in out + err


# --------------------------------------------------------------------------- command line

def test_quick_sweep_through_hydra_multirun_with_joblib(tmp_path):
    """``sahel-sim -m ... hydra/launcher=joblib``: one job folder per combination, each holding
    the output contract."""
    res = subprocess.run(
        [str(BIN / "sahel-sim"), "-m", "rules.vacuum.russia=none,opportunistic", "seed=range(1)",
         "hydra/launcher=joblib", *TINY, "output.plots=false", f"hydra.sweep.dir={tmp_path}"],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    jobs = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(jobs) == 2
    rules = set()
    for job in jobs:
        assert {f"{t}.parquet" for t in TABLES} | {"summary.json", "config.yaml"} <= {
            p.name for p in job.iterdir()}
        rules.add(json.loads((job / "summary.json").read_text())["rules"]["russia"])
    assert rules == {"none", "opportunistic"}


def test_a_sweep_runs_a_users_own_scenario_and_experiment_from_config_dir(tmp_path):
    """--config-dir DIR adds DIR/experiment/<name>.yaml and DIR/scenario/<name>.yaml: the sweep
    composes the user's scenario in its workers too, and records the folder for reruns."""
    folder = tmp_path / "mine"
    (folder / "scenario").mkdir(parents=True)
    (folder / "experiment").mkdir()
    (folder / "scenario" / "mine.yaml").write_text(
        "# @package _global_\ndefaults:\n  - historical\n\n"
        "scenario:\n  name: mine\n  description: historical, shorter\n")
    (folder / "experiment" / "my_exp.yaml").write_text(
        "# @package _global_\nexperiment:\n  name: my_exp\n  question: Does it run?\n"
        "  base: [end=2019-03]\n  scenarios: [mine]\n  parameters:\n"
        "    phi: {levels: [0.1, 0.2], paths: [metrics.phi]}\n  replicates: 1\n")
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "sim.sweep", "--config-dir", str(folder),
                          "experiment=my_exp", "n_workers=1", "progress=false",
                          f"hydra.run.dir={out}"],
                         capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = read_results(out)
    assert len(rows) == 2 and set(rows["scenario"]) == {"mine"} and (rows["status"] == "ok").all()
    assert json.loads((out / "manifest.json").read_text())["config_dirs"] == [str(folder)]
    # it ends with its headline probabilities over the 2 runs and the report's command
    lines = res.stdout.splitlines()
    assert lines[-6] == "over the 2 finished runs (95% Wilson intervals):"
    assert [line.split()[0] for line in lines[-5:-1]] == [
        "P(cheap", "P(security", "P(cheap)", "P(win"]
    assert all(line.endswith(" of 2 runs)") for line in lines[-5:-1])
    assert lines[-1] == f"the HTML report: sahel-sim-report {out}"


def test_a_sweep_ends_with_its_headline_probabilities_and_the_report_command(paired):
    """Each headline probability (the cheap win, the security win, cheap, a win caused by the
    vacuum) is the share of the finished runs where it holds, with its 95% Wilson interval and
    the number of runs, as sahel-sim-sweep prints it when the sweep ends."""
    from sim.analysis.stats import wilson_interval
    from sim.sweep.cli import HEADLINE, headline

    folder, df = paired
    lines = headline(folder)
    ok = df[df["status"] == "ok"]
    assert lines[0] == f"over the {len(ok)} finished runs (95% Wilson intervals):"
    assert list(HEADLINE) == ["hypothesis", "security_win", "cheap",
                              "vacuum_premium.because_of_vacuum"]
    for line, (column, title) in zip(lines[1:5], HEADLINE.items(), strict=True):
        n, hits = len(ok), int(ok[column].astype(bool).sum())
        lo, hi = wilson_interval(hits / n, n)
        assert line.split()[:len(title.split())] == title.split()
        assert line.endswith(f"{100 * hits / n:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]  "
                             f"({hits} of {n} runs)"), line
    assert lines[5] == f"the HTML report: sahel-sim-report {folder.resolve()}"
    assert headline(folder.parent / "no_such_sweep") == [
        "no finished run: no headline probabilities"]


def test_sample_priors_makes_every_assumption_a_parameter_of_the_design():
    """experiment.sample_priors: every schema field with a prior under the named sections becomes
    a range parameter over its prior (whole numbers for integer fields), set at its own path;
    a parameter the experiment names itself is kept as it is."""
    from sim.config.priors import priors
    from sim.sweep.experiment import ExperimentConfig, ParameterSpec, with_priors

    exp = ExperimentConfig(name="p", sample_priors=["params"], design="latin_hypercube",
                           samples=4, parameters={"params.partners.mood_weight":
                                                  ParameterSpec(levels=[1.0])})
    out = with_priors(exp)
    expected = {p.path for p in priors(("params",))}
    assert set(out.parameters) == expected and len(expected) > 30
    assert out.parameters["params.partners.mood_weight"].levels == [1.0]
    spec = out.parameters["params.partners.notice_months"]
    assert spec.int and spec.paths == ["params.partners.notice_months"]
    assert with_priors(out) == out  # idempotent (a manifest's experiment expands to itself)
    with pytest.raises(ConfigError, match="experiment.sample_priors"):
        with_priors(ExperimentConfig(sample_priors=["world"]))


def test_every_prior_lies_inside_its_parameters_allowed_range():
    """A prior never lets a sweep sample a value the schema would refuse."""
    import dataclasses as dc

    from sim import load_config
    from sim.config import paths
    from sim.config.priors import priors

    cfg = load_config([])

    for p in priors():
        keys = p.path.split(".")
        lo, hi, _ = paths.bounds(cfg, keys)
        assert p.lo <= p.hi, p
        assert (lo is None or lo <= p.lo) and (hi is None or p.hi <= hi), p
    assert dc.is_dataclass(cfg)
