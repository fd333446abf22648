"""Reruns say what differs: the CPU features numpy dispatches for (sim.provenance.cpu_features,
recorded in a sweep's manifest) and the kind of each difference sahel-sim-rerun finds (a float's
last bits, the build, or a real change).

The end-to-end tests run one tiny sweep (one run of a small synthetic world over three months)
and corrupt copies of its stored row.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.provenance import cpu_features, provenance
from sim.sweep.experiment import ExperimentConfig
from sim.sweep.rerun import (
    ULP_TOLERANCE,
    RerunResult,
    classify,
    describe,
    main,
    rerun,
    ulp_distance,
)
from sim.sweep.runner import run_sweep
from sim.sweep.store import read_manifest, read_results

CPU_KEYS = {"machine", "baseline", "dispatch", "enabled", "npy_disable_cpu_features",
            "npy_enable_cpu_features"}
TINY = ExperimentConfig(name="cpu", base=["scenario=synthetic", "world.synthetic.n_regions=8",
                                          "end=2019-03"], replicates=1, seed=3)


def _up(x: float, n: int = 1) -> float:
    """The float ``n`` doubles above ``x``."""
    for _ in range(n):
        x = math.nextafter(x, math.inf)
    return x


def _cpu_in_subprocess(**env: str) -> dict:
    """cpu_features() as a fresh interpreter reports it with these environment variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    proc = subprocess.run(
        [sys.executable, "-c",
         "import json; from sim.provenance import cpu_features; print(json.dumps(cpu_features()))"],
        env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- CPU features

def test_cpu_features_name_the_machine_numpy_baseline_and_enabled_targets():
    from numpy._core import _multiarray_umath as umath

    cpu = cpu_features()
    assert set(cpu) == CPU_KEYS
    assert isinstance(cpu["machine"], str) and cpu["machine"]
    assert cpu["baseline"] == list(umath.__cpu_baseline__)
    assert cpu["dispatch"] == list(umath.__cpu_dispatch__)
    assert all(isinstance(t, str) for t in cpu["baseline"] + cpu["dispatch"] + cpu["enabled"])
    # the enabled targets, in numpy's order: the compiled ones this CPU has
    assert cpu["enabled"] == [t for t in umath.__cpu_dispatch__ if umath.__cpu_features__[t]]
    assert cpu["npy_disable_cpu_features"] == os.environ.get("NPY_DISABLE_CPU_FEATURES")
    assert json.loads(json.dumps(cpu)) == cpu
    cpu["enabled"].append("X")  # a copy: the cached answer stays
    assert "X" not in cpu_features()["enabled"]


def test_the_environment_provenance_holds_the_cpu_and_a_run_summary_does_not():
    """The manifest's provenance (libraries=True) records the CPU; a run's summary (a sweep
    row, a golden fingerprint) holds results, not the machine."""
    assert provenance(libraries=True)["cpu"] == cpu_features()
    assert "cpu" not in provenance()


def test_disabling_the_highest_targets_shrinks_the_reported_dispatch():
    enabled = _cpu_in_subprocess()["enabled"]
    if not enabled:
        pytest.skip("numpy dispatches to nothing above its baseline on this CPU")
    top = _cpu_in_subprocess(NPY_DISABLE_CPU_FEATURES=enabled[-1])
    assert top["enabled"] == enabled[:-1]
    assert top["npy_disable_cpu_features"] == enabled[-1]
    rest = " ".join(enabled[1:])
    if rest:
        low = _cpu_in_subprocess(NPY_DISABLE_CPU_FEATURES=rest)
        assert low["enabled"] == enabled[:1]
        assert low["npy_disable_cpu_features"] == rest
        assert (low["baseline"], low["dispatch"]) == (top["baseline"], top["dispatch"])


# --------------------------------------------------------------------------- classification

def test_ulp_distance_counts_doubles_through_zero_and_across_powers_of_two():
    assert ulp_distance(1.0, _up(1.0)) == 1
    assert ulp_distance(2.0, math.nextafter(2.0, 0.0)) == 1  # below a power of two
    assert ulp_distance(0.0, -0.0) == 0
    assert ulp_distance(-5e-324, 5e-324) == 2
    assert ulp_distance(-1.0, 1.0) > 2**62


@pytest.mark.parametrize(("stored", "new", "kind"), [
    (1.0, _up(1.0), "ulp"),
    (327415.55, _up(327415.55, ULP_TOLERANCE), "ulp"),
    (-1e300, _up(-1e300, 2), "ulp"),
    (np.float64(0.1), np.float64(_up(0.1)), "ulp"),
    (3, _up(3.0), "ulp"),  # an int stored in a float column
    (1.0, _up(1.0, ULP_TOLERANCE + 1), "real"),
    (1.0, 1.0 + 1e-6, "real"),
    (1e-300, 2e-300, "real"),
    (3, 4, "real"),
    (np.int64(3), 4, "real"),
    (float("nan"), 1.0, "real"),
    (1.0, float("nan"), "real"),
    (math.inf, 1.7976931348623157e308, "real"),
    (None, 1.0, "real"),
    (True, False, "real"),
    ("cheap", "both", "real"),
])
def test_a_difference_is_a_floats_last_bits_or_real(stored, new, kind):
    assert classify(stored, new) == kind


def _result(differences: dict, kinds: dict, sweep_cpu: dict | None = None) -> RerunResult:
    here = cpu_features()
    return RerunResult(row={"run_id": "p0-x-r0", "a": 1.0}, stored={"run_id": "p0-x-r0"},
                       differences=differences, result=None, kinds=kinds,
                       cpu={"sweep": here if sweep_cpu is None else sweep_cpu, "here": here})


def test_the_verdict_and_exit_status_follow_the_kinds():
    up = _up(2.5)
    ulp = _result({"a": (2.5, up)}, {"a": "ulp"})
    lines, status = describe(ulp)
    assert (ulp.ulp_only, ulp.reproduced, status) == (True, False, 1)
    assert any(line.startswith("differs only in the last bits of 1 float column(s) (CPU or "
                               "library arithmetic)") for line in lines)
    assert f"  a: stored 2.5, now {up!r} (ulp, 1 ulp(s) apart)" in lines
    assert describe(ulp, tolerate_ulps=True)[1] == 0

    both = _result({"a": (2.5, up), "k": (3, 4)}, {"a": "ulp", "k": "real"})
    lines, status = describe(both)
    assert (both.ulp_only, status) == (False, 1)
    assert "DIFFERS: real change in 1 column(s) (and 1 more in the last bits only)" in lines
    assert describe(both, tolerate_ulps=True)[1] == 1
    assert lines.index("  k: stored 3, now 4 (real)") < lines.index(
        f"  a: stored 2.5, now {up!r} (ulp, 1 ulp(s) apart)")  # real changes first

    build = _result({"git_commit": ("a" * 40, "b" * 40)}, {"git_commit": "build"})
    lines, status = describe(build)
    assert (build.reproduced, build.ulp_only, status) == (True, False, 0)
    assert any(line.startswith("reproduced:") and "only the build differs" in line
               for line in lines)


def test_the_report_compares_the_cpu_features_with_the_sweeps():
    same = describe(_result({}, {}))[0]
    assert same[0].startswith("CPU features: the same as the sweep's: ")
    other = {**cpu_features(), "enabled": [], "npy_disable_cpu_features": None,
             "npy_enable_cpu_features": None}
    res = _result({"k": (3, 4)}, {"k": "real"}, sweep_cpu=other)
    lines, _ = describe(res)
    assert res.cpu_differs
    assert lines[0].startswith("CPU features DIFFER from the sweep's")
    assert lines[1].startswith("  sweep: ") and " enabled (none) of " in lines[1]
    assert any("the CPUs differ: a last-bit difference inside the run can grow" in line
               for line in lines)
    old = RerunResult(row={"a": 1}, stored={"a": 1}, differences={}, result=None,
                      cpu={"sweep": None, "here": cpu_features()})
    assert old.cpu_differs is None
    assert describe(old)[0][0].startswith("CPU features: the sweep's manifest does not record")


# --------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, str, str]:
    """A one-run sweep: its folder, the run id, and a float column with a nonzero value."""
    folder = tmp_path_factory.mktemp("cpu") / "tiny"
    run_sweep(TINY, folder, n_workers=1, progress=False)
    df = read_results(folder)
    row = df.iloc[0]
    col = next(c for c in df.columns if c != "duration_s" and df[c].dtype == "float64"
               and math.isfinite(row[c]) and row[c] != 0)
    return folder, row["run_id"], col


def _corrupt(src: Path, dst: Path, col: str, change) -> object:
    """Copy the sweep ``src`` to ``dst`` with ``change`` applied to the stored ``col``."""
    shutil.copytree(src, dst)
    (part,) = sorted((dst / "results").glob("part-*.parquet"))
    table = pq.read_table(part)
    i = table.schema.get_field_index(col)
    values = table.column(i).to_pylist()
    values[0] = change(values[0])
    pq.write_table(table.set_column(i, col, pa.array(values, table.schema.field(i).type)), part)
    return values[0]


def test_the_sweep_manifest_records_the_cpu_and_a_rerun_reproduces(tiny, capsys):
    folder, rid, _ = tiny
    assert read_manifest(folder)["cpu"] == cpu_features()
    assert not [c for c in read_results(folder).columns if c.startswith("cpu")]
    main([str(folder), rid])
    out = capsys.readouterr().out
    assert "CPU features: the same as the sweep's" in out
    assert "reproduced: every column of the stored row is the same" in out


def test_a_stored_float_one_ulp_off_is_reported_as_its_last_bits(tiny, tmp_path, capsys):
    folder, rid, col = tiny
    stored = _corrupt(folder, tmp_path / "ulp", col, _up)
    res = rerun(tmp_path / "ulp", rid)
    assert list(res.differences) == [col] and res.kinds == {col: "ulp"}
    assert res.ulp_only and not res.reproduced
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "ulp"), rid])
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "differs only in the last bits of 1 float column(s) (CPU or library arithmetic)" in out
    assert f"  {col}: stored {stored!r}, now {res.row[col]!r} (ulp, 1 ulp(s) apart)" in out
    main([str(tmp_path / "ulp"), rid, "--tolerate-ulps"])  # exits 0: returns
    assert "tolerated (--tolerate-ulps)" in capsys.readouterr().out


def test_a_stored_float_far_off_is_a_real_change(tiny, tmp_path, capsys):
    folder, rid, col = tiny
    _corrupt(folder, tmp_path / "real", col, lambda v: v * (1 + 1e-9))
    res = rerun(tmp_path / "real", rid)
    assert res.kinds == {col: "real"} and not res.ulp_only
    for extra in ([], ["--tolerate-ulps"]):
        with pytest.raises(SystemExit) as exc:
            main([str(tmp_path / "real"), rid, *extra])
        assert exc.value.code == 1
        assert "DIFFERS: real change in 1 column(s)" in capsys.readouterr().out


def test_a_rerun_with_numpys_top_targets_disabled_reports_both_cpus(tiny):
    folder, rid, _ = tiny
    cpu = cpu_features()
    enabled = cpu["enabled"]
    if not enabled:
        pytest.skip("numpy dispatches to nothing above its baseline on this CPU")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    proc = subprocess.run([sys.executable, "-m", "sim.sweep.rerun", str(folder), rid],
                          env={**env, "NPY_DISABLE_CPU_FEATURES": enabled[-1]},
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    lines = proc.stdout.splitlines()
    assert "CPU features DIFFER from the sweep's (numpy may pick other SIMD kernels):" in lines
    sweep = next(line for line in lines if line.startswith("  sweep: "))
    here = next(line for line in lines if line.startswith("  here:  "))
    assert sweep.endswith(f" enabled {' '.join(enabled)} of {' '.join(cpu['dispatch'])}")
    assert f" enabled {' '.join(enabled[:-1]) or '(none)'} of " in here
    assert f"NPY_DISABLE_CPU_FEATURES='{enabled[-1]}'" in here


def test_another_git_commit_alone_is_the_build_not_a_difference(tiny, tmp_path, capsys):
    folder, rid, _ = tiny
    _corrupt(folder, tmp_path / "build", "git_commit", lambda v: "0" * 40)
    res = rerun(tmp_path / "build", rid)
    assert res.kinds == {"git_commit": "build"} and res.reproduced
    main([str(tmp_path / "build"), rid])  # exits 0: returns
    out = capsys.readouterr().out
    assert "only the build differs" in out
    assert f"  git_commit: stored {'0' * 40!r}, now {res.row['git_commit']!r} (build)" in out
