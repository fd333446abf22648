"""Sweeps under signals and errors: real ``python -m sim.sweep`` processes are stopped with
SIGTERM, SIGINT (to the process group, like Ctrl-C) and SIGKILL, and the tests check what a user
who kills jobs cares about: no process is left behind, every run the sweep reported finished is
on disk (at most the chunks in the workers are lost), and resuming completes the sweep exactly
(every run once). Refused inputs stop the command before it creates anything, in the project's
error format, and failed runs make it exit non-zero.

The sweep is 180 short runs of a small synthetic world (60 Latin-hypercube points x 3
replicates) on 2 workers, sent 2 runs at a time so that many chunks finish before the kill.
Processes are found by walking /proc (Linux only).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.cli import main
from sim.sweep.store import read_results

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="walks /proc to find the sweep's processes")

KILLABLE = """\
# Question: can a sweep be stopped and resumed?
name: killable
question: Does a sweep stopped by a signal resume to exactly every run?
base: [scenario=synthetic, world.synthetic.n_regions=8, end=2019-06]
parameters:
  metrics.phi: {range: [0.05, 0.5]}
design: latin_hypercube
samples: 60
replicates: 3
seed: 2
"""
N_RUNS = 180
CHUNK = 2
WORKERS = 2

FAILING = """\
# Question: does a sweep with failed runs say so?
name: failing
base: [scenario=synthetic, world.synthetic.n_regions=8]
parameters:
  end_month:
    levels: ["2019-03", "2018-12"]   # the second ends before the start: those runs fail
    paths: [end]
design: full_factorial
replicates: 2
seed: 3
"""


# --------------------------------------------------------------------------- processes

def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, from /proc/<pid>/stat; None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """Every process below ``root``: pid -> start time (to tell a reused pid apart)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None:
                children.setdefault(st[1], []).append(int(entry.name))
                starts[int(entry.name)] = st[2]
    out: dict[int, int] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out[pid] = starts[pid]
        todo.extend(children.get(pid, []))
    return out


def alive(processes: dict[int, int]) -> list[int]:
    """The recorded processes still running (a zombie has exited: it only waits to be reaped)."""
    out = []
    for pid, start in processes.items():
        st = _stat(pid)
        if st is not None and st[2] == start and st[0] not in "ZX":
            out.append(pid)
    return out


def assert_no_orphans(processes: dict[int, int], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(processes)
    assert not left, f"processes left behind: {left} of {sorted(processes)}"


class Sweep:
    """A ``python -m sim.sweep`` process whose stderr (the progress bar) is read as it runs."""

    def __init__(self, args: list[str], cwd: Path, *, new_session: bool = False) -> None:
        self.cmd = [sys.executable, "-m", "sim.sweep", *args]
        self.proc = subprocess.Popen(self.cmd, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     start_new_session=new_session)
        self.err = ""
        self.out = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.seen: dict[int, int] = {}

    def _read(self) -> None:
        for chunk in iter(lambda: self.proc.stderr.read(1), ""):
            self.err += chunk

    def reported(self) -> int:
        """Runs the progress bar has shown as done so far."""
        counts = re.findall(rf"(\d+)/{N_RUNS} \[", self.err)
        return int(counts[-1]) if counts else 0

    def run_until(self, folder_glob: str, cwd: Path, parts: int, timeout: float = 90) -> Path:
        """Wait until ``parts`` result parts are on disk, recording the process tree."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.seen.update(descendants(self.proc.pid))
            found = sorted(cwd.glob(folder_glob))
            if found and len(list((found[0] / "results").glob("part-*.parquet"))) >= parts:
                self.seen.update(descendants(self.proc.pid))
                return found[0]
            assert self.proc.poll() is None, f"the sweep ended early:\n{self.err}"
            time.sleep(0.02)
        raise AssertionError(f"no {parts} parts after {timeout} s:\n{self.err}")

    def wait(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout=timeout)
        self.out = self.proc.stdout.read()
        self._reader.join(timeout=5)
        return code


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """A config folder with the test experiments, on the sweep's search path."""
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "killable.yaml").write_text(KILLABLE)
    (tmp_path / "conf" / "experiment" / "failing.yaml").write_text(FAILING)
    return tmp_path / "conf"


def base_args(conf: Path, *extra: str) -> list[str]:
    return ["experiment=killable", f"hydra.searchpath=[file://{conf}]", f"n_workers={WORKERS}",
            f"chunksize={CHUNK}", *extra]


def assert_complete(folder: Path) -> None:
    """Every run of the killable sweep is stored exactly once."""
    df = read_results(folder)
    assert len(df) == N_RUNS and df["run_id"].is_unique
    assert (df["status"] == "ok").all()
    per = df.groupby(["point", "replicate"]).size()
    assert len(per) == N_RUNS and (per == 1).all()
    assert sorted(df["replicate"].unique()) == [0, 1, 2]


def part_sizes(folder: Path) -> list[int]:
    return [len(pd.read_parquet(p, columns=["run_id"]))
            for p in sorted((folder / "results").glob("part-*.parquet"))]


# --------------------------------------------------------------------------- signals

def test_sigterm_stores_what_finished_says_how_to_resume_and_leaves_no_process(tmp_path, conf):
    folder = tmp_path / "sweep"
    sweep = Sweep(base_args(conf, f"hydra.run.dir={folder}"), cwd=tmp_path)
    sweep.run_until("sweep", tmp_path, parts=6)
    assert len(alive(sweep.seen)) == WORKERS  # no forkserver, no resource tracker: workers only
    shown = sweep.reported()
    sweep.proc.send_signal(signal.SIGTERM)
    assert sweep.wait() == 143
    assert_no_orphans(sweep.seen)
    last = sweep.err.strip().splitlines()[-1]
    m = re.fullmatch(rf"sahel-sim-sweep: interrupted by SIGTERM: (\d+) of {N_RUNS} runs are stored "
                     r"in (\S+); resume with: (.+)", last)
    assert m, sweep.err
    stored = len(read_results(folder))
    assert int(m.group(1)) == stored and Path(m.group(2)) == folder
    assert shown <= stored < N_RUNS
    assert max(part_sizes(folder)) <= CHUNK, "each chunk is written as it arrives"
    resume = shlex.split(m.group(3))
    assert f"hydra.run.dir={folder}" in resume
    res = subprocess.run(resume, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert f"{stored} were already there" in res.stdout
    assert_complete(folder)


def test_sigkill_loses_at_most_the_chunks_in_flight_and_leaves_no_process(tmp_path, conf):
    """SIGKILL to the sweep's process alone: its workers die with it, every run it reported
    done is on disk, and the plain command (the default folder) resumes it."""
    sweep = Sweep(base_args(conf), cwd=tmp_path)
    folder = sweep.run_until("outputs/sweeps/killable-*", tmp_path, parts=6)
    shown = sweep.reported()
    on_disk = len(read_results(folder))
    sweep.proc.kill()
    assert sweep.wait() == -signal.SIGKILL
    assert_no_orphans(sweep.seen)
    stored = len(read_results(folder))
    assert shown <= on_disk <= stored < N_RUNS
    # each chunk is on disk once it is back: only the chunks still out were lost
    assert max(part_sizes(folder)) <= CHUNK
    res = subprocess.run(sweep.cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert f"{stored} were already there" in res.stdout
    assert sorted((tmp_path / "outputs" / "sweeps").iterdir()) == [folder]
    assert_complete(folder)
    assert len(part_sizes(folder)) == 1, "the small parts are merged when the sweep ends"


def test_ctrl_c_to_the_process_group_stops_cleanly(tmp_path, conf):
    folder = tmp_path / "sweep"
    sweep = Sweep(base_args(conf, f"hydra.run.dir={folder}", "progress=false"), cwd=tmp_path,
                  new_session=True)
    sweep.run_until("sweep", tmp_path, parts=3)
    os.killpg(sweep.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    assert sweep.wait() == 130
    assert_no_orphans(sweep.seen)
    lines = sweep.err.strip().splitlines()
    assert "Traceback" not in sweep.err
    assert lines[-1].startswith("sahel-sim-sweep: interrupted by SIGINT: ")
    assert f"resume with: {shlex.quote(sys.executable)} -m sim.sweep experiment=killable" in (
        lines[-1])
    assert int(lines[-1].split(": ")[2].split()[0]) == len(read_results(folder))


# --------------------------------------------------------------------------- errors

def test_failed_runs_give_a_non_zero_exit_and_say_where_the_errors_are(tmp_path, conf):
    folder = tmp_path / "failing"
    res = subprocess.run(
        [sys.executable, "-m", "sim.sweep", "experiment=failing",
         f"hydra.searchpath=[file://{conf}]", "n_workers=1", "progress=false",
         f"hydra.run.dir={folder}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 1, res.stderr
    assert "4 runs in" in res.stdout and "(2 ok, 2 errors)" in res.stdout
    assert "sahel-sim-sweep: error: 2 of 4 runs failed" in res.stderr
    assert "end='2018-12' is before start" in res.stderr
    assert f"sahel-sim-rerun {folder} p1-synthetic-r" in res.stderr
    df = read_results(folder)
    assert (df.query("end_month == '2018-12'")["status"] == "error").all()


def test_the_typo_replicate_gets_a_did_you_mean_and_creates_nothing(tmp_path):
    for typo in ("replicate=2", "+replicate=2"):
        res = subprocess.run([sys.executable, "-m", "sim.sweep", "experiment=rules_comparison",
                              typo], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             check=False)
        assert res.returncode == 2
        assert res.stderr.startswith("sahel-sim-sweep: error: unknown parameter 'replicate' "
                                     "(no 'replicate' in (top level)); allowed: backend, ")
        assert res.stderr.rstrip().endswith("(did you mean 'replicates'?)")
        assert len(res.stderr.splitlines()) == 1 and res.stdout == ""
    assert list(tmp_path.iterdir()) == []


REFUSED = {
    "experiment name": (["experiment=rules_comparisn"],
                        ("experiment='rules_comparisn' is unknown; allowed: cheap_win_map, "
                         "counterfactuals, default_world, plausible_worlds, rules_comparison, "
                         "sobol_cheap_win (did you mean 'rules_comparison'?)")),
    "no experiment": ([], "experiment is missing; allowed: experiment=<name>"),
    "experiment field": (["experiment=rules_comparison", "experiment.sampels=4"],
                         "unknown parameter 'experiment.sampels' (no 'sampels' in experiment)"),
    "a type": (["experiment=rules_comparison", "replicates=two"],
               "replicates=two is invalid; allowed: a whole number (int) or null"),
    "a parameter the experiment lacks": (
        ["experiment=rules_comparison", "experiment.parameters.russia_rul.levels=[none]"],
        ("the experiment has no parameter 'russia_rul'; allowed: russia_rule "
         "(did you mean 'russia_rule'?)")),
    "a design value out of the schema's range": (
        ["experiment=cheap_win_map", "experiment.parameters.host_can_pay.levels=[0.0,5.0]"],
        "host_can_pay"),
    "a base override": (["experiment=rules_comparison", 'experiment.base=["end=2019-13"]'],
                        "end='2019-13'"),
    "the backend": (["experiment=rules_comparison", "backend=dsk"],
                    "backend='dsk' is unknown; allowed: dask, local (did you mean 'dask'?)"),
    "a count": (["experiment=rules_comparison", "n_workers=0"],
                "n_workers=0 is invalid; allowed: >= 1"),
    "a sweep of sweeps": (["experiment=rules_comparison", "-m"], "-m is not a flag"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_inputs_stop_before_anything_is_created(case, tmp_path, monkeypatch, capsys):
    argv, message = REFUSED[case]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("sahel-sim-sweep: error: ") and message in err, err
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_sweep_is_refused_and_left_alone(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["experiment=cheap_win_map", f"hydra.run.dir={folder}"])
    assert exc.value.code == 2
    assert "is not a sweep folder (no manifest.json; it holds summary.json)" in (
        capsys.readouterr().err)
    assert [p.name for p in folder.iterdir()] == ["summary.json"]
