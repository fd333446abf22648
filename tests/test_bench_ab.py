"""experiments/bench_ab.py: a command of this checkout against another revision's, alternated
(the script's own pieces; its timings are reported, never asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from paths import ROOT


@pytest.fixture(scope="module")
def bench_ab():
    spec = importlib.util.spec_from_file_location("bench_ab", ROOT / "experiments" / "bench_ab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_revision_is_extracted_with_its_package_and_configs(bench_ab, tmp_path):
    short = bench_ab.extract("HEAD", tmp_path)
    assert short and (tmp_path / "sim" / "__init__.py").is_file()
    assert (tmp_path / "configs" / "config.yaml").is_file()
    assert bench_ab.scripts_of(tmp_path) == bench_ab.scripts_of(ROOT)  # its pyproject.toml too
    assert not (tmp_path / "tests").exists()
    # with its bytecode written, whatever PYTHONDONTWRITEBYTECODE says (both sides alike)
    assert list((tmp_path / "sim" / "__pycache__").glob("__init__.*.pyc"))


def test_an_unknown_revision_is_refused_naming_it(bench_ab, tmp_path):
    with pytest.raises(SystemExit, match="no_such_revision"):
        bench_ab.extract("no_such_revision", tmp_path)


def test_the_placeholders_and_the_projects_scripts(bench_ab, tmp_path):
    cmd = bench_ab.command(["sahel-sim", "hydra.run.dir={out}", "x={fresh}/y"], tmp_path / "o",
                           tmp_path / "f")
    assert cmd[1:] == [f"hydra.run.dir={tmp_path / 'o'}", f"x={tmp_path / 'f'}/y"]
    script = Path(sys.executable).parent / "sahel-sim"
    assert cmd[0] == (str(script) if script.exists() else "sahel-sim")


def test_each_side_starts_its_own_entry_points(bench_ab, tmp_path):
    """A side's console script is started as its own pyproject.toml names it (an older revision
    lacks the modules a newer one's installed scripts import), with the script's path as
    ``argv[0]``; a folder without pyproject.toml has no scripts."""
    scripts = bench_ab.scripts_of(ROOT)
    assert scripts["sahel-sim-sweep"] == "sim.console:sweep"
    assert bench_ab.scripts_of(tmp_path) == {}
    cmd = bench_ab.command(["sahel-sim-sweep", "out={out}"], tmp_path / "o", tmp_path / "f",
                           {"sahel-sim-sweep": "some.module:entry"})
    assert cmd[0] == sys.executable and cmd[1] == "-c"
    assert "from some.module import entry; sys.exit(entry())" in cmd[2]
    assert repr(str(Path(sys.executable).parent / "sahel-sim-sweep")) in cmd[2]
    assert cmd[3:] == [f"out={tmp_path / 'o'}"]
    # it runs: the command's own status and output
    done = subprocess.run(bench_ab.command(["sahel-sim-rerun", "--help"], tmp_path, tmp_path,
                                           scripts), capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "usage: sahel-sim-rerun" in done.stdout


def test_a_failing_command_stops_with_its_error(bench_ab, tmp_path):
    with pytest.raises(SystemExit, match="boom"):
        bench_ab.timed_run([sys.executable, "-c", "import sys; sys.exit('boom')"], {}, tmp_path)
    assert bench_ab.timed_run([sys.executable, "-c", "pass"], {}, tmp_path) > 0
