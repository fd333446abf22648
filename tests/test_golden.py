"""Results stay byte-identical across refactorings: several configurations' tables and summaries
match fingerprints recorded before the change (``tests/golden.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden import CONFIGS, fingerprint

EXPECTED = json.loads((Path(__file__).resolve().parent / "golden_fingerprints.json").read_text())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_results_match_the_recorded_fingerprints(name):
    """Every table and the summary of the configuration hash to the recorded values."""
    got = fingerprint(CONFIGS[name])
    differ = {k: (EXPECTED[name].get(k), v) for k, v in got.items() if EXPECTED[name].get(k) != v}
    assert not differ, f"{name}: results changed in {sorted(differ)} (expected, got): {differ}"
