"""The numbers do not depend on the CPU: the tests that claim bit-identity pass again at every
lower numpy SIMD dispatch level this machine can run, and every level computes the same numbers.

numpy picks its loops by CPU at import (AVX-512, AVX2, ... above its baseline);
``NPY_DISABLE_CPU_FEATURES`` turns the higher ones off, so one machine can run the arithmetic of
lesser CPUs (tests/dispatch.py finds the levels and checks that each took effect). Each level runs
in a subprocess. Deselect with ``-m "not dispatch"``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from dispatch import (
    ENV,
    ROOT,
    Level,
    cpu_features,
    describe,
    fingerprint_at,
    full_level,
    lower_levels,
    probe,
)

#: Set in the subprocesses' environment, so that they never run this file again.
NESTED = "SAHEL_SIM_DISPATCH_SUBPROCESS"

pytestmark = [pytest.mark.dispatch,
              pytest.mark.skipif(bool(os.environ.get(NESTED)),
                                 reason="already in a subprocess at a dispatch level")]

FEATURES = cpu_features()
FULL = full_level(FEATURES)
LEVELS = lower_levels(FEATURES)

#: The tests that claim bit-identity: the golden fingerprints, a world of a batch equals its run
#: alone (same config with other seeds; other values; the batch's order and size), reruns of a
#: seed give the same bytes (command line twice, the Python API, in one process, synthetic world).
SELECTION = [
    "tests/engine/test_golden.py",
    "tests/engine/test_batch_values.py::test_each_world_of_a_batch_runs_with_its_own_values_as_it_would_alone",
    "tests/engine/test_engine.py::test_a_world_of_a_batch_is_its_run_alone_bit_for_bit",
    "tests/engine/test_engine.py::test_the_order_and_size_of_a_batch_do_not_matter",
    "tests/engine/test_reproducibility.py::test_same_seed_twice_gives_byte_identical_files",
    "tests/engine/test_reproducibility.py::test_python_api_writes_what_the_cli_writes",
    "tests/engine/test_reproducibility.py::test_run_twice_in_process_gives_equal_dataframes",
    "tests/engine/test_reproducibility.py::test_synthetic_world_is_reproducible",
    "tests/processes/test_combat_kernel.py::test_whole_runs_are_the_same_with_the_compiled_rates",
]
assert not any("test_dispatch_levels" in node for node in SELECTION)


def _env(level: Level) -> dict[str, str]:
    return {**level.env(), NESTED: "1"}


def _checked(level: Level) -> dict:
    """The features a subprocess at ``level`` runs with, checked to be the level's."""
    got = probe(level)["features"]
    assert got["enabled"] == list(level.enabled), (
        f"{ENV}={level.disable!r} did not take effect: the subprocess runs with "
        f"{describe(got)}, not {list(level.enabled)}")
    return got


def test_the_ladder_removes_the_highest_targets_first_and_names_only_numpys():
    """Each level below disables one more target, from the top, by names numpy knows."""
    enabled = FEATURES["enabled"]
    assert len(LEVELS) == len(enabled)
    for i, level in enumerate(LEVELS):
        off = level.disable.split()
        assert set(off) <= set(FEATURES["dispatch"]), off
        assert list(level.enabled) == enabled[:len(enabled) - 1 - i]
        assert set(enabled) - set(off) == set(level.enabled)


@pytest.mark.parametrize("level", LEVELS or [pytest.param(None, marks=pytest.mark.skip(
    reason=f"numpy enables nothing above its baseline here ({describe(FEATURES)})"))],
    ids=[level.name for level in LEVELS] or ["none"])
def test_the_bit_identity_tests_pass_at_a_lower_dispatch_level(level):
    features = _checked(level)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--tb=short", *SELECTION], cwd=ROOT, env=_env(level),
                          capture_output=True, text=True, timeout=900, check=False)
    output = (proc.stdout + proc.stderr).strip()
    passed = proc.returncode == 0 and " passed" in output
    assert passed, (
        f"at {level.name} ({ENV}={level.disable!r}; {describe(features)}) the bit-identity "
        f"tests failed (exit {proc.returncode}):\n" + "\n".join(output.splitlines()[-60:]))


def test_every_dispatch_level_computes_the_same_numbers():
    """One short run alone and a batch of worlds with their own seeds and values give the same
    fingerprints at the full level and at every level below (no golden file involved)."""
    if not LEVELS:
        pytest.skip(f"numpy enables nothing above its baseline here ({describe(FEATURES)})")
    results = {}
    for level in (FULL, *LEVELS):
        got = fingerprint_at(level)
        assert got["features"]["enabled"] == list(level.enabled), (
            f"{level.name}: {ENV}={level.disable!r} did not take effect "
            f"({describe(got['features'])})")
        results[level.name] = got["fingerprint"]
    reference = results[FULL.name]
    differ = {}
    for level in LEVELS:
        mine = results[level.name]
        runs = {run: sorted(k for k in reference[run] if mine[run].get(k) != reference[run][k])
                for run in reference}
        if any(runs.values()):
            differ[f"{level.name} ({' '.join(level.enabled) or 'baseline only'})"] = {
                run: tables for run, tables in runs.items() if tables}
    assert not differ, (
        f"the numbers depend on numpy's dispatch level: against the full level "
        f"({describe(FEATURES)}), these levels differ in (run: tables) {differ}")
