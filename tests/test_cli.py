"""The ``sahel-sim`` command end to end (``python -m sim`` in a subprocess, in a temporary folder).

A run writes the output contract of docs/ODD.md section 10 into its run folder: one Parquet file per
table of :data:`sim.record.TABLES` with every column, ``date`` as YYYY-MM-01, ``summary.json`` with
the section-5 numbers and the run's provenance, the resolved ``config.yaml`` and PNG plots. A bad
input exits with status 2 before anything is written, naming the parameter, the value and what is
allowed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.record import TABLES
from tests.bad_inputs import BAD_INPUTS, POWERS, SCENARIOS, STATES, WORLDS

DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-01$")
SECTION_5 = ("verdict", "verdict_like_for_like", "security_win", "cheap", "hypothesis", "k",
             "cost_basis", "cost_ratio", "cost_ratio_by_basis", "by_state", "first_version",
             "russia", "west", "host_cost_usd", "host_paid_russia_usd",
             "civilian_fatalities_aes", "fatalities_aes", "fighters_start", "fighters_end",
             "aes_territory_outside_control")
#: The first version's numbers, kept under ``first_version``.
FIRST_VERSION = ("verdict", "win", "cheap", "hypothesis", "phi", "russia_largest_partner_in",
                 "cheap_win_index", "largest_partner_at_end")
ACTOR_NUMBERS = ("influence_gain", "influence_gain_time_avg", "own_net_cost_usd", "full_cost_usd",
                 "cost_per_point_held_usd", "political_cost_usd")
PROVENANCE = ("seed", "config_hash", "version", "git_commit")


def sahel_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m sim *args`` in ``cwd``; return the finished process (text output)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


# --------------------------------------------------------------------------- a good run

SEED = 7
GOOD = ("scenario=historical", f"seed={SEED}", "start=2020-01", "end=2020-06")


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One short run of the CLI (historical 2020-01..2020-06: France's Pau deploy in 2020-02)."""
    tmp = tmp_path_factory.mktemp("cli")
    out = tmp / "run"
    proc = sahel_sim(*GOOD, f"hydra.run.dir={out}", cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    return proc, out


def test_run_writes_every_file_of_the_contract(good_run):
    """Every table, summary.json, config.yaml and the PNG plots are in the run folder."""
    _, out = good_run
    for name in TABLES:
        assert (out / f"{name}.parquet").is_file(), f"{name}.parquet missing"
    assert (out / "summary.json").is_file()
    assert (out / "config.yaml").is_file()
    pngs = sorted(out.glob("*.png"))
    assert pngs, "no PNG plot written (output.plots is on by default)"
    for png in pngs:
        head = png.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n", f"{png.name} is not a PNG"
        assert png.stat().st_size > 1000, f"{png.name} is nearly empty"


@pytest.mark.parametrize("table", list(TABLES))
def test_every_table_has_its_columns_and_monthly_dates(good_run, table):
    """Each Parquet file has every key and value column of TABLES, dates as YYYY-MM-01 in range."""
    _, out = good_run
    df = pd.read_parquet(out / f"{table}.parquet")
    keys, values = TABLES[table]
    missing = [c for c in (*keys, *values) if c not in df.columns]
    assert not missing, f"{table}.parquet lacks {missing}"
    dates = df["date"].astype(str)
    bad = sorted(d for d in set(dates) if not DATE.match(d))
    assert not bad, f"{table}.parquet has dates not as YYYY-MM-01: {bad[:5]}"
    assert set(dates) <= {f"2020-{m:02d}-01" for m in range(1, 7)}
    if table != "events":
        assert sorted(set(dates)) == [f"2020-{m:02d}-01" for m in range(1, 7)]
        assert not df.duplicated(list(keys)).any(), f"{table}.parquet: one row per {keys} expected"
        steps = df.groupby("date")["step"].unique()
        assert all(len(s) == 1 for s in steps), "each date must map to a single step"


def test_events_file_has_the_scheduled_deploy_at_its_date(good_run):
    """events.parquet records France's Pau reinforcement of Mali in 2020-02 (dated YYYY-MM-01)."""
    _, out = good_run
    ev = pd.read_parquet(out / "events.parquet")
    rows = ev[(ev["kind"] == "deploy") & (ev["actor"] == "france") & (ev["target"] == "mali")]
    assert list(rows["date"].astype(str)) == ["2020-02-01"]


def test_summary_json_has_the_hypothesis_numbers_and_provenance(good_run):
    """summary.json holds the section-5 numbers, the seed, config hash, version and git commit."""
    _, out = good_run
    summary = json.loads((out / "summary.json").read_text())
    missing = [k for k in (*SECTION_5, *PROVENANCE) if k not in summary]
    assert not missing, f"summary.json lacks {missing}"
    for actor in ("russia", "west"):
        lacking = [k for k in ACTOR_NUMBERS if k not in summary[actor]]
        assert not lacking, f"summary.json[{actor!r}] lacks {lacking}"
    assert not [k for k in FIRST_VERSION if k not in summary["first_version"]]
    assert summary["verdict"] in {"both", "win", "cheap", "neither"}
    assert summary["verdict"] == summary["verdict_like_for_like"]
    assert summary["hypothesis"] == (summary["verdict"] == "both")
    assert set(summary["cost_ratio_by_basis"]) == {"cash", "outlays", "full"}
    assert summary["cost_ratio"] == summary["cost_ratio_by_basis"][summary["cost_basis"]]
    assert {"lead_months", "share_gap", "russia_cash_per_point_usd", "west_cash_per_point_usd",
            "cash_ratio"} <= set(summary["by_state"]["mali"])
    assert summary["seed"] == SEED
    assert summary["scenario"] == "historical"
    assert (summary["start"], summary["end"]) == ("2020-01", "2020-06")
    assert re.fullmatch(r"[0-9a-f]{8,64}", summary["config_hash"])
    assert summary["version"] == version("sahel-sim")
    assert summary["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", summary["git_commit"])
    assert set(summary["first_version"]["largest_partner_at_end"]) == set(STATES)


def test_config_yaml_is_the_resolved_run_config(good_run):
    """config.yaml holds the run's resolved values, overrides included."""
    _, out = good_run
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["seed"] == SEED
    assert (cfg["start"], cfg["end"]) == ("2020-01", "2020-06")
    assert cfg["scenario"]["name"] == "historical"
    assert len(cfg["world"]["regions"]) == 38
    assert set(cfg["world"]["powers"]) == set(POWERS)


def test_printed_summary_names_the_verdict_first_and_the_first_version_after(good_run):
    """The CLI prints the verdict, the cost ratio by basis, each state's graded answer, the first
    version's verdict after them, and where the files are."""
    proc, out = good_run
    summary = json.loads((out / "summary.json").read_text())
    lines = proc.stdout.splitlines()
    assert lines[1].startswith(f"verdict: {summary['verdict']}")
    assert any(line.startswith("cost ratio by basis: cash") for line in lines)
    assert any(line.startswith("by state: mali: lead") for line in lines)
    first = next(i for i, line in enumerate(lines) if line.startswith("first version: "))
    assert lines[first].startswith(f"first version: {summary['first_version']['verdict']}")
    assert "cheap-win index" in lines[first]
    assert str(out) in proc.stdout


def test_a_run_ends_with_its_absolute_folder_its_files_and_the_verdict_in_one_line(good_run):
    """The last lines: ``outputs: <absolute folder>``, the files it holds (summary.json,
    config.yaml, .hydra/, every table, every plot), and the verdict with its numbers."""
    proc, out = good_run
    summary = json.loads((out / "summary.json").read_text())
    lines = proc.stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("outputs: "))
    folder = Path(lines[start].removeprefix("outputs: "))
    assert folder.is_absolute() and folder == out.resolve()
    tail = "\n".join(lines[start + 1:-1])
    written = [p.name + ("/" if p.is_dir() else "") for p in out.iterdir()]
    assert written and all(name in tail for name in written), (written, tail)
    assert f"tables: {', '.join(sorted(f'{t}.parquet' for t in TABLES))}" in tail
    assert "plots: " in tail and "summary.json" in tail and ".hydra/" in tail
    last = lines[-1]
    assert last.startswith(f"verdict: {summary['verdict']} (security win: "
                           f"{'yes' if summary['security_win'] else 'no'}, Russia leads in "
                           f"{summary['russia_security_leader_in']} of 3 AES states")
    assert f"cheap: {'yes' if summary['cheap'] else 'no'}" in last
    assert "caused by the vacuum: " in last


def test_a_run_in_the_default_folder_names_it_absolute(tmp_path):
    """Without hydra.run.dir the folder is relative to where the command runs: the run names it
    in full."""
    proc = sahel_sim("end=2019-02", "metrics.twin=false", "output.plots=false", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if line.startswith("outputs: "))
    folder = Path(line.removeprefix("outputs: "))
    assert folder.is_absolute() and folder.parent.parent == tmp_path.resolve() / "outputs"
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("verdict: ") and "caused by the vacuum" not in last  # no twin


def test_the_verdict_line_of_a_world_without_the_aes_states_says_it_is_not_defined():
    from sim.cli import verdict_line

    summary = {"first_version": {"largest_partner_at_end": {"state_0": "power_1"}}}
    assert verdict_line(summary).startswith("verdict: not defined (this world has none of the AES")


def test_default_run_folder_names_scenario_and_seed(tmp_path):
    """Without hydra.run.dir the run goes to outputs/<date>/<scenario>_seed<seed>_<time>/."""
    proc = sahel_sim("scenario=no_coups", "seed=5", "end=2019-02", "output.plots=false",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    folders = list(tmp_path.glob("outputs/**/no_coups_seed5_*"))
    assert len(folders) == 1, f"run folders found: {list(tmp_path.rglob('*'))[:20]}"
    assert (folders[0] / "summary.json").is_file()
    assert json.loads((folders[0] / "summary.json").read_text())["seed"] == 5


def test_help_lists_the_config_group_options(tmp_path):
    """``python -m sim --help`` lists every scenario and world and writes nothing."""
    proc = sahel_sim("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in (*SCENARIOS, *WORLDS):
        assert name in proc.stdout, f"--help does not list {name}"
    assert list(tmp_path.iterdir()) == []


def test_help_is_short_and_help_all_lists_every_parameter(tmp_path):
    """``--help`` fits on two screens with the common options first and no group the command
    does not use (``experiment``); ``--help-all`` adds every parameter with its default, the
    user's ``--config-dir`` scenarios and the overrides included."""
    short = sahel_sim("--help", cwd=tmp_path)
    lines = short.stdout.splitlines()
    assert short.returncode == 0 and len(lines) <= 120, len(lines)
    assert lines[0].startswith("usage: sahel-sim ")
    assert "experiment:" not in short.stdout and "plausible_worlds" not in short.stdout
    assert "docs/parameters.md" in short.stdout and "--help-all" in short.stdout
    assert short.stdout.index("scenario=NAME") < short.stdout.index("hydra.run.dir=DIR")
    folder = _user_configs(tmp_path / "mine")
    full = sahel_sim("--help-all", "--config-dir", str(folder), "seed=11", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    assert full.stdout.startswith(short.stdout.split("scenario=NAME")[0])
    assert "mine" in full.stdout.split("Common options:")[1].split("world=NAME")[0]
    config = yaml.safe_load(full.stdout.split("docs/parameters.md:\n", 2)[-1])
    assert config["seed"] == 11 and set(config["params"]) >= {"groups", "combat", "hosts"}
    assert "experiment" not in config
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_an_end_past_the_record_warns_that_it_is_a_projection_and_runs(tmp_path):
    """end after 2025-12: one warning on stderr (the months after 2025-12 are a projection,
    with no events of the record), and the run goes on; an end inside the record, or a
    synthetic world, gives no warning."""
    out = tmp_path / "run"
    proc = sahel_sim("start=2025-10", "end=2026-03", "metrics.twin=false", "output.plots=false",
                     f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warning = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert warning == [("sahel-sim: warning: end=2026-03 is past the record, which ends "
                        "2025-12: the months after 2025-12 are a projection, with no events of "
                        "the record (the model's own dynamics only)")]
    assert json.loads((out / "summary.json").read_text())["end"] == "2026-03"
    inside = sahel_sim("start=2025-10", "end=2025-12", "metrics.twin=false",
                       "output.plots=false", f"hydra.run.dir={tmp_path / 'inside'}", cwd=tmp_path)
    assert inside.returncode == 0 and "warning" not in inside.stderr
    synthetic = sahel_sim("scenario=synthetic", "world.synthetic.n_regions=8", "start=2025-10",
                          "end=2026-03", "metrics.twin=false", "output.plots=false",
                          f"hydra.run.dir={tmp_path / 'synthetic'}", cwd=tmp_path)
    assert synthetic.returncode == 0 and "warning" not in synthetic.stderr


def test_console_script_is_installed(tmp_path):
    """The ``sahel-sim`` console script exists and is the CLI (it rejects a bad scenario)."""
    bindir = Path(sys.executable).parent
    exe = shutil.which("sahel-sim", path=os.pathsep.join([str(bindir), os.environ.get("PATH", "")]))
    assert exe is not None, "sahel-sim is not installed next to the interpreter or on PATH"
    proc = subprocess.run([exe, "scenario=histrical"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "sahel-sim: error:" in proc.stderr and "historical" in proc.stderr


# --------------------------------------------------------------------------- bad inputs

#: (id, overrides, parameter named, value pattern, what must be listed as allowed)
CASES = [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS]


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """Run the CLI once per bad input (cached): the process and the folder it ran in."""

    @functools.cache
    def go(overrides: tuple[str, ...]) -> tuple[subprocess.CompletedProcess, Path]:
        tmp = tmp_path_factory.mktemp("bad")
        proc = sahel_sim(*overrides, f"hydra.run.dir={tmp / 'run'}", cwd=tmp)
        return proc, tmp

    return go


@pytest.mark.parametrize(("overrides", "param", "value", "allowed"), CASES)
def test_bad_input_exits_2_with_a_helpful_error(failed_run, overrides, param, value, allowed):
    """A bad input exits with status 2 and one error naming the parameter, value and allowed."""
    proc, _ = failed_run(tuple(overrides))
    assert proc.returncode == 2, f"exit {proc.returncode}; stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("sahel-sim: error: ")]
    assert len(lines) == 1, proc.stderr
    message = lines[0]
    assert param in message, f"parameter {param!r} not named in: {message}"
    assert re.search(value, message), f"value {value!r} not shown in: {message}"
    assert "allowed" in message, message
    tail = message[message.index("allowed"):]
    missing = [a for a in allowed if a not in tail]
    assert not missing, f"allowed options {missing} not listed in: {message}"


@pytest.mark.parametrize(("overrides", "param", "value", "allowed"), CASES)
def test_bad_input_writes_nothing(failed_run, overrides, param, value, allowed):
    """A rejected run leaves no run folder, no outputs/ and no log behind."""
    proc, tmp = failed_run(tuple(overrides))
    assert proc.returncode != 0
    written = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))
    assert written == [], f"files written before the error: {written}"


# --------------------------------------------------------------------------- folders and user configs

SHORT = ("end=2019-03", "output.plots=false")


def test_a_folder_holding_another_run_is_refused_before_the_run(tmp_path):
    """Reusing hydra.run.dir for another seed would mix two runs' files: it is refused (exit 2,
    naming the folder and output.overwrite) and the first run's files are left as they were."""
    out = tmp_path / "run"
    first = sahel_sim("seed=1", *SHORT, f"hydra.run.dir={out}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = (out / "summary.json").read_bytes()
    second = sahel_sim("seed=2", *SHORT, f"hydra.run.dir={out}", cwd=tmp_path)
    assert second.returncode == 2
    assert "hydra.run.dir" in second.stderr and "output.overwrite=true" in second.stderr
    assert "seed 1" in second.stderr
    assert (out / "summary.json").read_bytes() == before


def test_overwrite_replaces_the_other_runs_files_and_says_which(tmp_path):
    """With output.overwrite=true the other run's files (its PNGs included) are removed and
    listed; the folder then holds one run only."""
    out = tmp_path / "run"
    assert sahel_sim("seed=1", "end=2019-03", f"hydra.run.dir={out}", cwd=tmp_path).returncode == 0
    assert list(out.glob("*.png"))
    proc = sahel_sim("seed=2", *SHORT, "output.overwrite=true", f"hydra.run.dir={out}",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "replaced" in proc.stderr and "summary.json" in proc.stderr
    assert not list(out.glob("*.png")), "the seed-1 plots were left beside the seed-2 tables"
    assert json.loads((out / "summary.json").read_text())["seed"] == 2


def test_the_same_run_again_into_its_folder_is_allowed(tmp_path):
    """Running the same config and seed into its own folder again just rewrites it."""
    out = tmp_path / "run"
    for _ in range(2):
        proc = sahel_sim("seed=1", *SHORT, f"hydra.run.dir={out}", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr


def _user_configs(root: Path) -> Path:
    """A user's config folder with a scenario of its own (the historical record without the
    2020 coup in Mali)."""
    folder = root / "my_configs"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "mine.yaml").write_text(
        "# @package _global_\n"
        "defaults:\n  - historical\n\n"
        "scenario:\n  name: mine\n  description: historical without Mali's 2020 coup\n"
        "  exclude_events: [mali_coup_2020]\n")
    return folder


def test_config_dir_adds_a_scenario(tmp_path):
    """--config-dir DIR makes DIR/scenario/<name>.yaml a scenario option."""
    folder = _user_configs(tmp_path)
    out = tmp_path / "run"
    proc = sahel_sim("--config-dir", str(folder), "scenario=mine", *SHORT,
                     f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["scenario"] == "mine"


def test_config_dir_with_a_malformed_file_is_refused(tmp_path):
    """A YAML file that does not parse, or a top-level config.yaml that would be silently
    ignored, stops the command with exit 2 and names the file."""
    folder = _user_configs(tmp_path)
    (folder / "scenario" / "broken.yaml").write_text("scenario: [unclosed\n")
    proc = sahel_sim("--config-dir", str(folder), "scenario=mine", *SHORT, cwd=tmp_path)
    assert proc.returncode == 2 and "broken.yaml" in proc.stderr and "YAML" in proc.stderr
    (folder / "scenario" / "broken.yaml").unlink()
    (folder / "config.yaml").write_text("seed: [\n")
    proc = sahel_sim(f"--config-dir={folder}", "scenario=mine", *SHORT, cwd=tmp_path)
    assert proc.returncode == 2 and "config.yaml" in proc.stderr and "allowed" in proc.stderr


def test_unknown_scenario_lists_the_user_scenarios_too(tmp_path):
    """The did-you-mean of an unknown scenario includes the user folder's options."""
    folder = _user_configs(tmp_path)
    proc = sahel_sim("--config-dir", str(folder), "scenario=mien", *SHORT, cwd=tmp_path)
    assert proc.returncode == 2 and "did you mean 'mine'" in proc.stderr


def test_synthetic_world_summary_says_the_verdict_is_not_defined(tmp_path):
    """A world without AES states prints no "0/3 AES states" verdict: it says why there is none,
    and its costs and partners agree with summary.json."""
    out = tmp_path / "run"
    proc = sahel_sim("scenario=synthetic", "world.synthetic.n_regions=40", *SHORT,
                     f"hydra.run.dir={out}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "not defined" in proc.stdout and "/3 AES" not in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    for state, partner in summary["first_version"]["largest_partner_at_end"].items():
        assert f"{state}: {partner or 'none'}" in proc.stdout


def test_a_single_run_is_composed_once_and_keeps_hydras_record(tmp_path, monkeypatch, capsys):
    """The command composes the config once (no Hydra app around a single run) and writes
    Hydra's ``.hydra/`` record as ``hydra.main`` would: the config, Hydra's settings and the
    overrides."""
    import hydra

    from sim import cli

    monkeypatch.setenv("SAHEL_SIM_CACHE", str(tmp_path / "cache"))  # an empty cache: a miss
    calls = []
    real = hydra.compose

    def counting(*args, **kwargs):
        calls.append(kwargs.get("overrides"))
        return real(*args, **kwargs)

    monkeypatch.setattr(hydra, "compose", counting)
    out = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["sahel-sim", "end=2019-03", "seed=4", "metrics.twin=false",
                                      "output.plots=false", f"hydra.run.dir={out}"])
    cli.main()
    assert len(calls) == 1
    assert f"outputs: {out}" in capsys.readouterr().out
    record = out / ".hydra"
    assert yaml.safe_load((record / "overrides.yaml").read_text()) == [
        "end=2019-03", "seed=4", "metrics.twin=false", "output.plots=false"]
    assert yaml.safe_load((record / "config.yaml").read_text())["seed"] == 4
    assert yaml.safe_load((record / "hydra.yaml").read_text())["hydra"]["run"]["dir"] == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["end"] == "2019-03"


def test_a_command_composed_before_is_read_from_the_cache(tmp_path, monkeypatch, capsys):
    """The same command line again composes nothing (hydra is not called); its run folder's
    ${now:...} is the time of the new run; a bad value is never stored."""
    import hydra

    from sim import cli

    monkeypatch.setenv("SAHEL_SIM_CACHE", str(tmp_path / "cache"))
    calls = []
    real = hydra.compose
    monkeypatch.setattr(hydra, "compose", lambda *a, **k: calls.append(1) or real(*a, **k))
    args = ["sahel-sim", "end=2019-02", "metrics.twin=false", "output.plots=false",
            f"hydra.run.dir={tmp_path}/run_${{now:%H%M%S%f}}"]
    folders = []
    for _ in range(2):
        monkeypatch.setattr(sys, "argv", args)
        cli.main()
        folders.append(capsys.readouterr().out.split("outputs: ")[-1].splitlines()[0])
    assert len(calls) == 1  # the second command was read back
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1
    assert folders[0] != folders[1] and all(Path(f).is_dir() for f in folders)
    first, second = (json.loads((Path(f) / "summary.json").read_text()) for f in folders)
    assert first["config_hash"] == second["config_hash"]
    monkeypatch.setattr(sys, "argv", ["sahel-sim", "output.plots=flse"])
    for _ in range(2):
        with pytest.raises(SystemExit):
            cli.main()
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1


def test_the_cache_key_is_the_schema_source_this_process_imported(tmp_path):
    """A process that imported the schema before its file changed must not store its (old)
    compositions under the key of the changed source: the key reads the package's source once,
    when it is imported, and a process started after the change has another key."""
    import subprocess
    import sys

    from sim.config import compose_cache as cache

    key = cache.composition_key(["seed=1"])
    assert cache._PACKAGE_DIGEST == cache._package_digest()  # the files as imported
    fresh = subprocess.run(
        [sys.executable, "-c", ("from sim.config import compose_cache as c; "
                                "print(c.composition_key(['seed=1']))")],
        capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == key  # the same source gives the same key in every process
    original = cache._PACKAGE_DIGEST
    try:  # as if the source had changed after this process imported it
        cache._PACKAGE_DIGEST = b"another source"
        assert cache.composition_key(["seed=1"]) != key
    finally:
        cache._PACKAGE_DIGEST = original


def test_the_cache_key_follows_every_input_of_the_composition(tmp_path, monkeypatch):
    from sim.config import compose_cache as cache

    folder = tmp_path / "mine"
    (folder / "scenario").mkdir(parents=True)
    scenario = folder / "scenario" / "mine.yaml"
    scenario.write_text("# @package scenario\nname: mine\n")
    key = cache.composition_key(["scenario=mine"], [folder])
    assert key == cache.composition_key(["scenario=mine"], [folder])
    assert key != cache.composition_key(["scenario=mine", "seed=1"], [folder])
    scenario.write_text("# @package scenario\nname: mine\nendogenous_coups: true\n")
    assert key != cache.composition_key(["scenario=mine"], [folder])
    # store and load; a damaged entry is a miss; "off" turns the cache off
    monkeypatch.setenv("SAHEL_SIM_CACHE", str(tmp_path / "c"))
    cache.store("k", {"a": 1}, {"run_dir_template": "x"})
    assert cache.load("k") == ({"a": 1}, {"run_dir_template": "x"})
    (tmp_path / "c" / "k.pkl").write_bytes(b"not a pickle")
    assert cache.load("k") is None
    monkeypatch.setenv("SAHEL_SIM_CACHE", "off")
    assert cache.cache_folder() is None and cache.load("k") is None
    cache.store("k2", 1, {})
    assert not (tmp_path / "c" / "k2.pkl").exists()


def test_a_run_folder_naming_hydras_own_keys_is_composed_again(tmp_path, monkeypatch, capsys):
    """``${hydra.job.name}`` cannot be resolved from the cached run config: such a command is
    composed by Hydra every time, and still runs."""
    from sim import cli

    monkeypatch.setenv("SAHEL_SIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", [
        "sahel-sim", "end=2019-02", "metrics.twin=false", "output.plots=false",
        "output.overwrite=true", f"hydra.run.dir={tmp_path}/${{hydra.job.name}}"])
    for _ in range(2):
        cli.main()
        assert f"outputs: {tmp_path}/" in capsys.readouterr().out


# --------------------------------------------------------------------------- the same files, sooner


def _omegaconf_yaml(plain: dict) -> str:
    """config.yaml as OmegaConf writes it (what sim.io wrote before it used libyaml)."""
    from omegaconf import OmegaConf

    return OmegaConf.to_yaml(OmegaConf.create(plain))


@pytest.mark.parametrize("override", [f"scenario={s}" for s in SCENARIOS] +
                         [f"world={w}" for w in WORLDS])
def test_config_yaml_is_the_text_omegaconf_writes(override):
    """config.yaml of every scenario and world is, byte for byte, OmegaConf's text."""
    from sim.config import compose_config, to_plain
    from sim.io import config_yaml

    plain = to_plain(compose_config([override]))
    assert config_yaml(plain) == _omegaconf_yaml(plain)


#: Data written with libyaml's emitter: what YAML would read as another type, YAML syntax,
#: folding lengths, non-ASCII text, every scalar type, empty and nested containers.
PLAIN = {
    "bools": ["yes", "No", "on", "OFF", "y", "true", "null", "~", ""],
    "numbers": ["1", "-2", "1.5", "1e3", ".5", "+1", "0x1F", "1_000", "NaN", ".inf", "-Infinity",
                "2019-01", "12:30"],
    "syntax": ["- a", ": b", "#c", "a: b", "a #b", "'q'", '"q"', "!tag", "&a", "*a", "%x", "@x",
               "`x", "|", ">", "?", "[a]", "{a}", "a,b", "  lead", "trail  ", "---", "...", "???",
               "a$b", "a\\b"],
    "long": ["word " * 15 + "end", "x" * 120, "mot " * 40, "Ségou " * 30],
    "unicode": ["Ségou", "Ménaka", "Tillabéri", "中文", "Жщ"],
    "scalars": [0, -1, 10**20, 1e-7, 1e16, float("nan"), float("inf"), -0.0, True, False, None],
    "containers": [(), [], {}, (1, "a"), [{"k": (2.5, [None])}], {"a": {"b": {"c": []}}}],
    "k" * 100: 1,
}
#: Data that is left to OmegaConf (the emitters differ on it, or OmegaConf parses it).
NOT_PLAIN = {"tab": "a\tb", "break": "a\nb", "astral": "flag \U0001F600",
             "interpolation": "${seed}", "k" * 101: 1, "int_key": {1: 2}, "bytes": b"x"}


@pytest.mark.parametrize("extra", [None, *NOT_PLAIN], ids=lambda k: k and k[:12])
def test_config_yaml_text_is_omegaconfs_for_any_data(extra):
    """The text of config.yaml is OmegaConf's for plain data (libyaml's emitter) and for data
    that is not plain (OmegaConf itself)."""
    from sim.io import config_yaml

    data = dict(PLAIN) if extra is None else {**PLAIN, extra: NOT_PLAIN[extra]}
    assert config_yaml(data) == _omegaconf_yaml(data)


def test_the_run_folder_is_resolved_as_omegaconf_resolves_it():
    """hydra.run.dir from the cache: the usual templates are resolved without OmegaConf, to what
    OmegaConf gives; others (escapes, resolvers, list items) by OmegaConf."""
    import datetime

    from omegaconf import OmegaConf

    from sim.config import compose_cache, compose_config, to_plain

    cfg = compose_config(["seed=7", "metrics.premium_margin=1e-7"])

    def omegaconf(template: str) -> str:
        return str(OmegaConf.create({**to_plain(cfg), "_run_dir": template})._run_dir)

    for template in ("/tmp/x", "${seed}", "runs/${scenario.name}_seed${seed}", "",
                     "a_${metrics.premium_margin}_${output.plots}_${start}", "a$b_${seed}",
                     "a\\${seed}", "${oc.env:HOME,x}/${seed}", "${scenario.events.0.id}"):
        assert compose_cache.resolve_run_dir(template, cfg) == omegaconf(template), template
    before = datetime.datetime.now()
    got = compose_cache.resolve_run_dir("o/${now:%Y-%m-%d}/${scenario.name}_${now:%H-%M-%S}", cfg)
    after = datetime.datetime.now()
    assert got in {f"o/{t:%Y-%m-%d}/historical_{t:%H-%M-%S}" for t in (before, after)}


def test_a_command_read_from_the_cache_writes_the_same_files_without_hydra(tmp_path):
    """The second run of a command (read from the composition cache) imports neither Hydra nor
    OmegaConf, and writes the same files, byte for byte, as the first (composed) one; neither
    imports pandas or pyarrow.compute (the tables are written as Arrow tables), and the second
    not importlib.metadata either (the provenance's version is ``sim.__version__``)."""
    env = {**os.environ, "SAHEL_SIM_CACHE": str(tmp_path / "cache")}
    args = ["end=2019-03", "seed=3", "output.plots=false",
            f"hydra.run.dir={tmp_path}/run_${{now:%H%M%S%f}}"]
    probe = (f"import json, sys\nsys.argv = ['sahel-sim', *{args!r}]\nfrom sim.cli import main\n"
             "main()\nprint(json.dumps(sorted(m for m in ('hydra', 'omegaconf', 'pandas', "
             "'pyarrow.compute', 'importlib.metadata') "
             "if m in sys.modules)))\n")
    loaded = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        loaded.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert loaded == [["hydra", "omegaconf"], []]
    first, second = sorted(tmp_path.glob("run_*"))
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == len(TABLES) + 5  # the tables, summary, config and .hydra's three
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()] == []


def test_the_git_commit_is_read_from_the_git_folder(tmp_path, monkeypatch):
    """provenance reads HEAD's commit from .git as git would (a loose ref before packed-refs, a
    detached HEAD) and leaves every other case to git itself."""
    from sim import provenance

    monkeypatch.setattr(provenance.shutil, "which", lambda name: "/usr/bin/git")
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)
    commit, other = "a" * 40, "b" * 40
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "config").write_text("[core]\n\tbare = false\n")
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs with: peeled fully-peeled sorted\n"
                                     f"{other} refs/heads/main\n{commit} refs/heads/other\n")
    assert provenance._read_head(tmp_path) == other
    (git / "refs" / "heads" / "main").write_text(f"{commit}\n")
    assert provenance._read_head(tmp_path) == commit
    (git / "HEAD").write_text(f"{other}\n")
    assert provenance._read_head(tmp_path) == other
    for head in ("ref: refs/heads/gone\n", "ref: refs/heads/../../x\n", "nonsense\n"):
        (git / "HEAD").write_text(head)
        assert provenance._read_head(tmp_path) is None, head
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.setenv("GIT_DIR", str(git))
    assert provenance._read_head(tmp_path) is None
    monkeypatch.delenv("GIT_DIR")
    (git / "config").write_text("[extensions]\n\trefStorage = reftable\n")
    assert provenance._read_head(tmp_path) is None


def test_the_recorded_version_is_the_installed_distributions():
    """sim.__version__ is the one source of the package's version (pyproject.toml reads it), so
    the provenance's version is what the installed distribution says."""
    from importlib.metadata import version

    import sim
    from sim.provenance import package_version

    assert package_version() == version("sahel-sim") == sim.__version__
    assert package_version("no-such-distribution-here") == "missing"
