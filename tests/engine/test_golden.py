"""Results stay byte-identical across refactorings and CPUs: several configurations' tables and
summaries match fingerprints recorded before the change (``tests/golden.py``).

The fingerprints are the same on every CPU numpy supports, because the engine's arithmetic is
(docs/ODD.md 3.1, "The same numbers on every CPU"): a failure here is a change of results, not of
machine. tests/engine/test_dispatch_levels.py runs this test again at every lower SIMD dispatch
level of the machine. Each configuration runs with the compiled kernels (the Poisson counts,
process 3's rates) and without them (numpy only): the same fingerprints."""

from __future__ import annotations

import json

import pytest
from golden import CONFIGS, fingerprint
from paths import TESTS

from sim.engine import rng

EXPECTED = json.loads((TESTS / "golden_fingerprints.json").read_text())


@pytest.mark.parametrize("kernel", ["numba", "numpy"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_results_match_the_recorded_fingerprints(name, kernel, monkeypatch):
    """Every table and the summary of the configuration hash to the recorded values, with the
    compiled kernels and without them."""
    monkeypatch.setattr(rng, "_KERNEL", kernel)
    got = fingerprint(CONFIGS[name])
    assert set(got) == set(EXPECTED[name]), f"{name}: tables {sorted(got)}, recorded " \
        f"{sorted(EXPECTED[name])}"
    differ = {k: (EXPECTED[name].get(k), v) for k, v in got.items() if EXPECTED[name].get(k) != v}
    assert not differ, f"{name}: results changed in {sorted(differ)} (expected, got): {differ}"
