"""Record the engine's reference distributions: key summary numbers of many seeds in a few
configs, to which tests/engine/test_engine_distribution.py compares the current engine
(two-sample KS).

Run it only when the engine's results change on purpose *and* the change is meant to keep their
distribution (a new random-number design, say): record first with the old engine, then change
the engine and let the test compare. ``python tests/engine_reference.py [--seeds N]`` writes
tests/data/engine_reference.json. The file was first recorded with the engine of commit 335cc16
(numpy's sequential generators, one per actor and world), 300 seeds per config; issue 26 changed
the model's science (opinion, blame, commitment, the 2019 European presence, Russia's courting
instruments), so it was recorded again, 300 seeds per config, with the model of that change: from
there on it guards changes of the engine, not of the model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.api import load_config, run_batch
from sim.engine.seeds import replicate_seeds
from sim.sweep.worker import flatten

#: Configs compared, by name.
CONFIGS = {
    "historical": ["metrics.twin=false"],
    "endogenous": ["scenario=endogenous", "metrics.twin=false"],
    "endogenous-cost-benefit": ["scenario=endogenous", "rules.vacuum.russia=cost_benefit",
                                "metrics.twin=false"],
}
#: Summary numbers compared.
KEYS = ("civilian_fatalities_aes", "fatalities_aes", "aes_territory_outside_control",
        "fighters_end", "cost_ratio", "cheap_win_index", "russia.influence_end",
        "russia.own_net_cost_usd", "west.influence_end", "host_cost_usd")
#: Summary numbers whose definition changed since the references were recorded (a measure, not
#: the engine): the tests compare the others. ``cost_ratio``: issue 24's books (the cash basis;
#: the UN missions a third party).
CHANGED_DEFINITIONS = {"cost_ratio"}
ROOT_SEED = 20261128
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "engine_reference.json"


def _ten_digits(x: float | None) -> float:
    """``x`` to 10 significant digits; NaN for a number a run does not define (``cost_ratio``
    where Russia spent nothing)."""
    return float("nan") if x is None else float(f"{x:.10g}")


def measure(overrides: list[str], seeds: list[int]) -> dict[str, list[float]]:
    """Each of :data:`KEYS` over the runs of ``seeds`` (one batch)."""
    results = run_batch(load_config(overrides), seeds)
    rows = [flatten(r.summary) for r in results]
    # the first version's numbers live under first_version (issue 24)
    out = {k: [_ten_digits(row.get(k, row.get(f"first_version.{k}"))) for row in rows]
           for k in KEYS}
    out["emergent_events"] = [float((r.tables["events"]["origin"] == "emergent").sum())
                              for r in results]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    args = ap.parse_args()
    seeds = replicate_seeds(ROOT_SEED, args.seeds)
    data = {"root_seed": ROOT_SEED, "n": args.seeds, "configs": CONFIGS,
            "values": {name: measure(ov, seeds) for name, ov in CONFIGS.items()}}
    OUT.write_text(json.dumps(data, separators=(",", ":")))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
