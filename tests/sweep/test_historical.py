"""The one world we know happened, beside a sweep's verdict (issue 24): a sweep whose experiment
sets ``historical_replay`` runs the historical replay on that many seeds, writes its verdict per
AES state and cost basis into the folder, and the report prints it."""

from __future__ import annotations

import json

import pytest

from sim.analysis.load import load_sweep
from sim.analysis.report import build_report
from sim.config import ConfigError
from sim.sweep.experiment import ExperimentConfig, validate_experiment
from sim.sweep.historical import FILE, historical_replay
from sim.sweep.runner import run_sweep


def test_the_replay_gives_the_verdict_per_state_and_basis_over_its_seeds():
    h = historical_replay(2)
    assert h["seeds"] == 2 and sum(h["verdict"].values()) == 2
    assert set(h["cost_ratio_by_basis"]) == {"cash", "outlays", "full"}
    assert set(h["by_state"]) == {"mali", "burkina_faso", "niger"}
    mali = h["by_state"]["mali"]["lead_months"]
    assert mali["min"] <= mali["median"] <= mali["max"] and mali["defined"] == 2
    assert 0 <= h["security_win"] <= 2 and 0 <= h["cheap"] <= 2


def test_a_sweep_writes_the_replay_and_its_report_prints_it(tmp_path):
    exp = ExperimentConfig(name="h", base=["end=2019-06", "metrics.twin=false"], replicates=1,
                           historical_replay=2)
    folder = tmp_path / "sweep"
    run_sweep(exp, folder, n_workers=1, progress=False)
    stored = json.loads((folder / FILE).read_text())
    assert stored["seeds"] == 2
    # it ran on a worker beside the chunks, and gives what it gives in this process
    assert stored == json.loads(json.dumps(historical_replay(2)))
    (folder / FILE).unlink()  # a finished sweep resumed: no worker runs, this process writes it
    run_sweep(exp, folder, n_workers=1, progress=False)
    assert json.loads((folder / FILE).read_text()) == stored
    data = load_sweep(folder)
    assert data.historical == stored
    report = build_report(folder, n_boot=50)
    assert "The one world we know happened" in report.html
    assert list(report.tables["historical_replay"]["state"]) == ["mali", "burkina_faso", "niger"]


def _replay_that_fails(seeds, _=None):
    raise RuntimeError("no replay on this worker")


def test_the_replay_in_parts_is_the_replay_in_one():
    """A sweep's workers run the replay a part of its seeds each; put together, the parts give
    what one run of every seed gives."""
    from sim.sweep.historical import replay_parts, replay_summaries, replay_verdict

    assert replay_parts(20, 2) == [range(10), range(10, 20)]
    assert replay_parts(5, 3) == [range(1), range(1, 3), range(3, 5)]
    assert replay_parts(1, 4) == [range(1)] and replay_parts(3, 1) == [range(3)]
    overrides = ["end=2019-06"]
    whole = historical_replay(3, overrides)
    parts = [s for seeds in replay_parts(3, 2) for s in replay_summaries(seeds, overrides)]
    assert replay_verdict(parts, overrides) == whole


def test_a_replay_that_fails_on_a_worker_runs_again_in_the_sweeps_process(tmp_path, monkeypatch,
                                                                          caplog):
    from sim.sweep import runner

    monkeypatch.setattr(runner, "replay_job", _replay_that_fails)
    exp = ExperimentConfig(name="h", base=["end=2019-03", "metrics.twin=false"], replicates=1,
                           historical_replay=2)
    folder = tmp_path / "sweep"
    with caplog.at_level("WARNING"):
        run_sweep(exp, folder, n_workers=1, progress=False)
    assert "no replay on this worker" in caplog.text
    assert json.loads((folder / FILE).read_text())["seeds"] == 2


def test_a_sweep_without_it_writes_none_and_the_report_says_why(tmp_path):
    exp = ExperimentConfig(name="h", base=["end=2019-03", "metrics.twin=false"], replicates=1)
    folder = tmp_path / "sweep"
    run_sweep(exp, folder, n_workers=1, progress=False)
    assert not (folder / FILE).exists() and load_sweep(folder).historical is None
    assert "experiment.historical_replay" in build_report(folder, n_boot=50).html


def test_a_negative_number_of_seeds_is_refused():
    with pytest.raises(ConfigError, match="experiment.historical_replay=-1"):
        validate_experiment(ExperimentConfig(name="h", historical_replay=-1))
