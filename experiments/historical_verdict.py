"""The one world we know happened: the historical replay's verdict, per AES state and by cost
basis, over 20 seeds (issue 24, docs/ODD.md section 11).

    python experiments/historical_verdict.py [--seeds 20] [--json out.json]

Prints, over the seeds: the verdict's counts; the cost ratio on each basis (median and range);
and per state the months Russia led its security up to the end, the share gap at the end and the
cash ratio (median and range). The replay is the default scenario (``historical``), 2019-01 to
2025-12, each run with its twin.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter

from sim.api import load_config, run_batch
from sim.config import COST_BASES


def _spread(values: list[float | None]) -> dict[str, float | int | None]:
    xs = [v for v in values if v is not None]
    if not xs:
        return {"median": None, "min": None, "max": None, "defined": 0}
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "defined": len(xs)}


def historical_verdict(seeds: int = 20, overrides: list[str] | None = None) -> dict:
    """The replay's verdict over ``seeds`` seeds (0 .. seeds - 1): see the module docstring."""
    results = run_batch(load_config(overrides or []), list(range(seeds)))
    sums = [r.summary for r in results]
    states = list(sums[0]["by_state"])
    return {
        "seeds": seeds,
        "verdict": dict(Counter(s["verdict"] for s in sums)),
        "security_win": sum(s["security_win"] for s in sums),
        "cheap": sum(s["cheap"] for s in sums),
        "because_of_vacuum": sum(bool((s["vacuum_premium"] or {}).get("because_of_vacuum"))
                                 for s in sums),
        "first_version_verdict": dict(Counter(s["first_version"]["verdict"] for s in sums)),
        "cost_ratio_by_basis": {b: _spread([s["cost_ratio_by_basis"][b] for s in sums])
                                for b in COST_BASES},
        "by_state": {st: {k: _spread([s["by_state"][st][k] for s in sums])
                          for k in ("lead_months", "share_gap", "cash_ratio")}
                     for st in states},
        "host_paid_russia_usd": _spread([s["host_paid_russia_usd"] for s in sums]),
    }


def _fmt(d: dict) -> str:
    if d["median"] is None:
        return "n/a"
    return f"{d['median']:.3g} [{d['min']:.3g}, {d['max']:.3g}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--json", default=None, help="also write the numbers to this file")
    args = ap.parse_args()
    out = historical_verdict(args.seeds)
    print(f"historical replay, {out['seeds']} seeds: verdict {out['verdict']}; security win "
          f"{out['security_win']}, cheap {out['cheap']}, because of the vacuum "
          f"{out['because_of_vacuum']}; first version {out['first_version_verdict']}")
    print("cost ratio by basis (median [min, max]): " + "; ".join(
        f"{b} {_fmt(v)}" for b, v in out["cost_ratio_by_basis"].items()))
    for st, d in out["by_state"].items():
        print(f"  {st}: lead months {_fmt(d['lead_months'])}, share gap {_fmt(d['share_gap'])}, "
              f"cash ratio {_fmt(d['cash_ratio'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
