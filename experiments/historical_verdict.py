"""The one world we know happened: the historical replay's verdict, per AES state and by cost
basis, over 20 seeds (issue 24, docs/ODD.md section 11; :mod:`sim.sweep.historical`).

    python experiments/historical_verdict.py [--seeds 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json

from sim.sweep.historical import historical_replay


def _fmt(d: dict) -> str:
    if d["median"] is None:
        return "n/a"
    return f"{d['median']:.3g} [{d['min']:.3g}, {d['max']:.3g}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--json", default=None, help="also write the numbers to this file")
    args = ap.parse_args()
    out = historical_replay(args.seeds)
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
