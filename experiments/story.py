"""The story of a scenario across replicates: when Western forces reach zero in each AES state,
when Russia first deploys there, and whether each follows a coup in that state.

Usage: python experiments/story.py [--replicates N] [--window MONTHS] [overrides ...]
e.g.   python experiments/story.py --replicates 20 scenario=endogenous

Everything is read from the output tables (presence and events), as a reader of a run folder
would. Medians are over the replicates in which the thing happens; "n" says in how many it did.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import pandas as pd

from sim.api import load_config, run
from sim.config import AES, month_str, parse_month

WATCH = (("france", "reaches 0"), ("un", "reaches 0"), ("usa", "reaches 0"), ("russia", "first deploys"))


def story(tables: dict[str, pd.DataFrame], window: int) -> list[dict]:
    """One row per (power, AES state): the step of the watched change and the last coup before it."""
    pr, ev = tables["presence"], tables["events"]
    coups = ev[ev["kind"] == "coup"]
    rows = []
    for power, what in WATCH:
        for state in AES:
            s = pr[(pr["power"] == power) & (pr["state"] == state)].sort_values("step")
            pers = s["personnel"].to_numpy()
            if what == "reaches 0":
                had = np.flatnonzero(pers > 0)
                if not len(had):
                    continue  # never there: nothing to leave
                zero = np.flatnonzero((pers <= 0) & (np.arange(len(pers)) > (had[0] if len(had) else -1)))
                step = int(s["step"].iloc[zero[0]]) if len(had) and len(zero) else None
            else:
                pos = np.flatnonzero(pers > 0)
                step = int(s["step"].iloc[pos[0]]) if len(pos) else None
            before = coups[(coups["target"] == state) & (coups["step"] <= (step if step is not None else -1))]
            last_coup = int(before["step"].max()) if len(before) else None
            rows.append({"power": power, "what": what, "state": state, "step": step,
                         "after_coup": step is not None and last_coup is not None
                         and step - last_coup <= window})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--window", type=int, default=24, help="months after a coup that count as following it")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg0 = load_config(overrides=args.overrides)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(cfg0.seed).spawn(args.replicates)]
    start = parse_month(cfg0.start, "start")
    table = []
    for seed in seeds:
        res = run(load_config(overrides=[*args.overrides, f"seed={seed}"]))
        table += story(res.tables, args.window)
    df = pd.DataFrame(table)
    print(f"{cfg0.scenario.name}: {args.replicates} replicates (seeds spawned from {cfg0.seed}); "
          f"'after coup' = within {args.window} months of a coup in that state")
    if df.empty:
        print("  nothing to report")
        return
    for (power, what, state), g in df.groupby(["power", "what", "state"], sort=False):
        happened = g["step"].dropna()
        when = month_str(start + int(statistics.median(happened))) if len(happened) else "never"
        print(f"  {power:7s} {what:14s} {state:13s} median {when:8s} n={len(happened):2d}/{len(g)}"
              f"  after a coup: {int(g['after_coup'].sum())}/{len(happened)}")


if __name__ == "__main__":
    main()
