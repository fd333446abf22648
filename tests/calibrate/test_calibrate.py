"""sahel-sim-calibrate end to end on a small experiment: its files, its resumption after a
stop, its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate import run as R
from sim.calibrate.command import main
from sim.calibrate.config import CalibrateConfig, check_calibrate
from sim.config import ConfigError

EXPERIMENT = """\
name: calibrate_test
question: a small calibration for the tests
base: [scenario=endogenous]
parameters:
  params.hosts.failure_blame_weight: {range: [0.5, 3.0]}
  params.partners.mood_weight: {range: [0.5, 2.0]}
  world.states.*.civilian_harm: {range: [0.5, 2.0], scale: true}
design: latin_hypercube
samples: 1
seed: 1
"""


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("exp") / "calibrate_test.yaml"
    path.write_text(EXPERIMENT)
    return str(path)


def _cfg(experiment: str, **kw) -> CalibrateConfig:
    base = {"priors": experiment, "population": 12, "budget": 160, "screen": 0, "generations": 3,
                "ppc": 4, "ppc_coups": 0, "n_workers": 1, "chunk": 16, "progress": False,
                "targets": ["C1", "C4", "P1", "P3", "P4"]}
    return CalibrateConfig(**{**base, **kw})


@pytest.fixture(scope="module")
def finished(experiment: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cal") / "a"
    R.calibrate(_cfg(experiment), folder, out=None)
    return folder


def test_it_writes_the_posterior_and_the_diagnostics(finished: Path) -> None:
    diag = json.loads((finished / "diagnostics.json").read_text())
    post = pd.read_parquet(finished / "posterior.parquet")
    assert len(post) == 12 and post["weight"].sum() == pytest.approx(1.0)
    assert diag["ess"] == pytest.approx(1 / (post["weight"] ** 2).sum())
    assert [g["t"] for g in diag["generations"]] == [0, 1, 2]
    assert diag["simulations"] >= 36 and diag["wall_time_s"] > 0
    assert diag["stopped_by"] == "generations"
    # every pre-2020 target's pass rate, prior and posterior, and the held-out ones named
    assert set(diag["predictive"]["pass_rate"]) >= {"C1", "C4", "C6", "P1", "P6"}
    assert diag["held_out"] == ["C7", "C8"]
    for name in ("params.hosts.failure_blame_weight", "world.states.*.civilian_harm"):
        assert post[name].between(0.5, 3.0).all()
    assert {"d.C1", "d.P4", "pass.C1", "generation", "distance"} <= set(post.columns)
    pops = pd.read_parquet(finished / "populations.parquet")
    assert sorted(pops["generation"].unique()) == [0, 1, 2]
    # the tolerance falls: every particle of the last generation within its tolerance
    eps = diag["generations"][-1]["epsilon"]
    assert (post["distance"] <= eps).all()


def test_a_stopped_calibration_resumes_to_the_same_posterior(
        experiment: str, finished: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = R._write_outputs, []

    def stop_after_one(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:  # after generation 1 is stored
            raise KeyboardInterrupt(15)
        return out

    monkeypatch.setattr(R, "_write_outputs", stop_after_one)
    with pytest.raises(R.CalibrationInterrupted) as stop:
        R.calibrate(_cfg(experiment), tmp_path, out=None)
    assert stop.value.signum == 15 and stop.value.generations == 2
    monkeypatch.setattr(R, "_write_outputs", real)
    R.calibrate(_cfg(experiment), tmp_path, out=None)
    cols = ["params.hosts.failure_blame_weight", "params.partners.mood_weight", "weight"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "posterior.parquet")[cols],
                                  pd.read_parquet(finished / "posterior.parquet")[cols])


def test_a_folder_with_other_settings_is_refused(experiment: str, finished: Path) -> None:
    with pytest.raises(ConfigError, match="holds a calibration with other settings"):
        R.calibrate(_cfg(experiment, seed=7), finished, out=None)


@pytest.mark.parametrize(("change", "message"), [
    ({"budget": 5}, "budget=5 is invalid"),
    ({"population": 3}, "population=3 is invalid"),
    ({"targets": ["C11"]}, "targets"),
    ({"targets": ["C1", "C1"]}, "names a target twice"),
    ({"quantile": 1.5}, "quantile=1.5 is invalid"),
    ({"screen": 50}, "screen=50 is invalid"),
    ({"backend": "spark"}, "backend"),
])
def test_bad_settings_are_named_before_anything_runs(experiment: str, change: dict,
                                                     message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_calibrate(_cfg(experiment, **change))


def test_many_assumptions_without_a_screening_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="104 assumptions|assumptions; allowed"):
        R.calibrate(CalibrateConfig(budget=300, population=20, screen=0, n_workers=1,
                                    progress=False), tmp_path, out=None)


def test_the_command_writes_the_report(experiment: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([f"priors={experiment}", "population=12", "budget=60", "screen=0",
              "generations=2", "ppc=2", "ppc_coups=0", "n_workers=1", "progress=false",
              "targets=[C1,P1]", f"hydra.run.dir={tmp_path}"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "ESS" in out and "posterior.parquet" in out
    assert "ess" in json.loads((tmp_path / "diagnostics.json").read_text())
    report = (tmp_path / "report.md").read_text()
    assert "effective sample size" in report and "| C1 |" in report
    assert (tmp_path / "prior_posterior.png").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["budget=5"], "budget=5 is invalid"),
    (["bogus=1"], "bogus"),
])
def test_the_command_names_bad_input(args: list[str], message: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(args)
    assert done.value.code == 2
    assert message in capsys.readouterr().err


def test_a_small_budget_shrinks_the_population_and_stops_before_a_generation_that_cannot_fit(
        ) -> None:
    small = CalibrateConfig(budget=2000)
    assert R.screen_size(small) == 500  # a quarter of the budget
    assert R.population_size(small) == 750  # half of what the screening leaves
    assert R.population_size(CalibrateConfig()) == 2000
    gens = [{"acceptance_rate": 1.0, "epsilon": None}]
    # the next generation is expected to take 750 / (1.0 x 0.7) = 1,071 simulations
    assert R.expected_simulations(small, gens) == pytest.approx(750 / 0.7)
    assert R._stop_reason(small, gens, 500 + 750) == "budget"
    assert R._stop_reason(CalibrateConfig(), gens, 4000) is None
    assert R._stop_reason(CalibrateConfig(generations=1), gens, 4000) == "generations"
    low = [*gens, {"acceptance_rate": 0.005, "epsilon": 1.0}]
    assert R._stop_reason(CalibrateConfig(budget=10**9), low, 4000) == "acceptance"


def test_it_runs_on_dask_with_the_same_first_generation(experiment: str, finished: Path,
                                                        tmp_path: Path) -> None:
    """The same calibration's worlds simulated by a local Dask cluster: the same prior
    generation (each world's result does not depend on where it ran)."""
    R.calibrate(_cfg(experiment, backend="dask", n_workers=1, generations=1, ppc=0), tmp_path,
                out=None)
    got = pd.read_parquet(tmp_path / "populations.parquet")
    want = pd.read_parquet(finished / "populations.parquet")
    cols = ["params.hosts.failure_blame_weight", "weight", "distance", "d.C1", "d.P3"]
    pd.testing.assert_frame_equal(got[got["generation"] == 0][cols].reset_index(drop=True),
                                  want[want["generation"] == 0][cols].reset_index(drop=True))


def test_fewer_predictive_worlds_than_coup_checks_is_fine(experiment: str) -> None:
    check_calibrate(_cfg(experiment, ppc=0, ppc_coups=10))  # K1 runs on at most ppc worlds
