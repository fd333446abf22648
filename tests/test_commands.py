"""The commands as a newcomer meets them (issue 25): each ``--help`` fits on a screen or two
with no Sphinx markup, an ``end`` past the record warns, and ``sahel-sim-report --out`` into a
folder that does not exist is refused. (A run's and a sweep's last lines are tested with the
runs: tests/test_cli.py, tests/sweep/test_sweep.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim import load_config
from sim.config.checks import RECORD_END, projection_warning

BIN = Path(sys.executable).parent
#: Every command whose help this project writes (sahel-sim-app's is the app's own).
COMMANDS = ("sahel-sim", "sahel-sim-sweep", "sahel-sim-validate", "sahel-sim-rerun",
            "sahel-sim-report")
#: Two screens of a terminal.
MAX_LINES = 120


def _command(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / name), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_fits_on_two_screens_without_sphinx_markup(name, tmp_path):
    proc = _command(name, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert 5 <= len(lines) <= MAX_LINES, f"{name} --help: {len(lines)} lines"
    assert lines[0].startswith(f"usage: {name}")
    for markup in (":func:", ":class:", ":mod:", ":data:", "``"):
        assert markup not in proc.stdout, f"{name} --help shows {markup!r}"
    assert list(tmp_path.iterdir()) == [], f"{name} --help wrote files"


def test_the_sweeps_help_names_each_experiment_with_its_question(tmp_path):
    from sim.config import group_options

    out = _command("sahel-sim-sweep", "--help", cwd=tmp_path).stdout
    experiments = out.split("Experiments:\n")[1]
    for name in group_options("experiment"):
        assert f"  {name} " in experiments
    assert "Which vacuum-filling rule" in experiments
    assert "sahel-sim-report" in out


def test_the_validation_help_is_its_own_and_help_all_adds_every_parameter(tmp_path):
    import yaml

    short = _command("sahel-sim-validate", "--help", cwd=tmp_path).stdout
    assert "replicates=N" in short and "plausible_worlds" not in short
    full = _command("sahel-sim-validate", "--help-all", "replicates=3", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    config = yaml.safe_load(full.stdout.split("docs/parameters.md:\n", 2)[-1])
    assert config["replicates"] == 3 and config["hindcast_start"] == "2017-01"
    assert "params" in config and "experiment" not in config
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- an end past the record

def test_the_projection_warning_names_the_end_and_the_records_last_month():
    assert RECORD_END == "2025-12"
    assert projection_warning(load_config(["end=2025-12"])) is None
    assert projection_warning(load_config(["start=2020-01", "end=2021-06"])) is None
    message = projection_warning(load_config(["end=2040-12"]))
    assert message.startswith("end=2040-12 is past the record, which ends 2025-12: the months "
                              "after 2025-12 are a projection, with no events of the record")
    synthetic = load_config(["scenario=synthetic", "world.synthetic.n_regions=8", "end=2040-12"])
    assert projection_warning(synthetic) is None


def test_the_validation_warns_too_before_it_runs(tmp_path, monkeypatch, capsys):
    """sahel-sim-validate checks its config before Hydra starts the job: the warning comes then
    (Hydra's job is replaced here, so nothing runs); a bad input is still refused."""
    import hydra

    from sim.validate import command

    monkeypatch.chdir(tmp_path)
    started = []
    monkeypatch.setattr(hydra, "main", lambda **kw: lambda app: lambda: started.append(app))
    monkeypatch.setattr(sys, "argv", ["sahel-sim-validate", "end=2027-01", "replicates=2"])
    command.main()
    err = capsys.readouterr().err
    assert err.startswith("sahel-sim-validate: warning: end=2027-01 is past the record, which "
                          "ends 2025-12") and len(err.splitlines()) == 1
    assert len(started) == 1
    monkeypatch.setattr(sys, "argv", ["sahel-sim-validate", "end=2027-01", "replicates=0"])
    with pytest.raises(SystemExit) as exc:
        command.main()
    assert exc.value.code == 2
    assert "replicates=0 is out of range" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the report's --out

def test_the_report_refuses_an_out_in_a_folder_that_does_not_exist(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    missing = tmp_path / "no" / "such" / "dir"
    proc = _command("sahel-sim-report", str(sweep), "--out", str(missing / "r.html"),
                    cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"sahel-sim-report: error: --out={missing / 'r.html'} is in a "
                                  f"folder that does not exist ({missing}); allowed: a file in "
                                  "an existing folder")
    assert f"mkdir -p {missing}" in proc.stderr
    assert not (tmp_path / "no").exists() and list(sweep.iterdir()) == []
    proc = _command("sahel-sim-report", str(sweep), "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2 and "is a folder; allowed: the HTML file to write" in proc.stderr
    # the bad folder is still named first, as before
    proc = _command("sahel-sim-report", str(tmp_path / "nowhere"), "--out",
                    str(missing / "r.html"), cwd=tmp_path)
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
