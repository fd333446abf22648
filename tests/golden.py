"""Golden fingerprints of several runs, to show that a refactoring keeps results byte-identical.

Each configuration's tables and summary are reduced to SHA-256 fingerprints of their full-precision
contents (not of the Parquet files, whose metadata carries library versions). The fingerprints are
written to ``tests/golden_fingerprints.json``; ``tests/engine/test_golden.py`` recomputes them.

A change that is meant to change results regenerates the file, and says so in its commit::

    .venv/bin/python tests/golden.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

#: Configurations that cover the scenarios, every rule, param/budget events, synthetic worlds,
#: endogenous coups and the 2017 hindcast snapshot.
CONFIGS: dict[str, list[str]] = {
    "historical_seed0": ["end=2022-12"],
    "endogenous_cost_benefit": ["scenario=endogenous", "seed=7",
                                "rules.vacuum.russia=cost_benefit", "end=2023-06"],
    "endogenous_coups_rivalry": ["scenario=endogenous", "seed=3", "scenario.endogenous_coups=true",
                                 "rules.vacuum.russia=rivalry", "rules.vacuum.china=proportional",
                                 "end=2023-06"],
    "host_cannot_pay": ["scenario=host_cannot_pay", "seed=5", "end=2023-06"],
    "france_stays_west_cut": ["scenario=france_stays", "seed=2",
                              "scenario.west_withdrawal_share=0.5", "end=2023-06"],
    "hindcast_2017": ["start=2017-01", "end=2019-12", "seed=4"],
    "synthetic": ["scenario=synthetic", "seed=9", "world.synthetic.n_regions=60", "end=2020-12"],
}
#: Summary keys that describe the build, not the results.
BUILD_KEYS = ("version", "git_commit", "config_hash")
HERE = Path(__file__).resolve().parent


def fingerprint(overrides: list[str]) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each output table and of the summary's results."""
    from sim import load_config, run

    result = run(load_config(overrides))
    out = {}
    for name, df in sorted(result.tables.items()):
        text = df.to_csv(index=False, float_format="%.17g")
        out[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    summary = {k: v for k, v in result.summary.items() if k not in BUILD_KEYS}
    out["summary"] = hashlib.sha256(
        json.dumps(summary, sort_keys=True, default=repr).encode()).hexdigest()[:16]
    return out


def main() -> None:
    data = {name: fingerprint(ov) for name, ov in CONFIGS.items()}
    (HERE / "golden_fingerprints.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(data)} fingerprints to {HERE / 'golden_fingerprints.json'}")


if __name__ == "__main__":
    main()
