"""The story of a scenario across replicates: how often and when each coup, sanction, invitation,
expulsion, entry and exit happens in the AES states, and in which order Russia came.

Usage: python experiments/story.py [--replicates N] [--csv FILE] [overrides ...]
e.g.   python experiments/story.py --replicates 20 scenario=endogenous

Replicate seeds are spawned from the config's ``seed`` (sim.engine.seeds.replicate_seeds). Everything is
read from the output tables (presence and events), as a reader of a run folder would, by
sim.analysis.story. "n" says in how many replicates a thing happened; the median and the range
are of its first month, over those replicates.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.analysis.story import entry_order, occurrences, summarize
from sim.api import load_config, run
from sim.config import month_str, parse_month
from sim.engine.seeds import replicate_seeds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--csv", help="also write the summary table to this CSV file")
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    if not any(o.split("=", 1)[0] == "metrics.twin" for o in args.overrides):
        args.overrides.append("metrics.twin=false")  # the story needs no twin world
    cfg0 = load_config(overrides=args.overrides)
    start = parse_month(cfg0.start, "start")
    seeds = replicate_seeds(cfg0.seed, args.replicates)
    found, orders = [], []
    for seed in seeds:
        res = run(load_config(overrides=[*args.overrides, f"seed={seed}"]))
        found.append(occurrences(res.tables))
        orders.append(entry_order(res.tables))
    table = summarize(found, args.replicates)
    print(f"{cfg0.scenario.name}: {args.replicates} replicates (seeds spawned from {cfg0.seed}); "
          f"first month of each event in the AES states, {cfg0.start}..{cfg0.end}")
    if table.empty:
        print("  nothing happened")
    for row in table.itertuples():
        who = f"{row.actor or '-'} -> {row.target or '-'}"
        print(f"  {row.kind:16s} {who:30s} n={row.n:2d}/{row.runs}  median "
              f"{month_str(start + int(row.median))}  range {month_str(start + row.first)}.."
              f"{month_str(start + row.last)}  ({row.origins})")
    entries = pd.concat(orders, ignore_index=True) if orders else pd.DataFrame()
    print("Russia's first entry into each AES state, by order:")
    if entries.empty:
        print("  Russia never entered an AES state")
    else:
        for (state, order), g in entries.groupby(["state", "order"]):
            print(f"  {state:13s} {order:20s} {len(g):2d}/{args.replicates} replicates "
                  f"(invited first in {int(g['invited'].sum())})")
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
