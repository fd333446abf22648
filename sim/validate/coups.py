"""Check K1 of ``sahel-sim-validate``: the coup hazard against the 1990-2019 record.

The record (docs/sources-politics.md section 1): 44 attempts in 510 country-years of 17 West
African states (0.086 per country-year), 19 of them successful (0.43), and 12 attempts followed
by another in the same state within 12 months against 5.6 expected at constant rates (the coup
trap, x2.1).

The check runs the scenario's coup process (its ``params.coups``) over long runs of a generic
world at the reference conditions, where the correlates (insecurity, losses, legitimacy) are
neutral: 17 states over ``years`` years per replicate, a synthetic world with the correlates'
weights set to 0. It passes when, over all replicates, attempts per country-year are within
``RATE_BAND`` of the record, the repeat ratio within ``REPEAT_BAND`` and the success share
within ``SUCCESS_BAND``. Beside it, it reports what the scenario's own runs produced in their
states (attempts per country-year and successes), as a finding, never a target.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.config import RunConfig
from sim.engine import fmath
from sim.validate.patterns import PatternResult

__all__ = ["RATE_BAND", "RECORD", "REPEAT_BAND", "SUCCESS_BAND", "coup_check", "coup_counts",
           "long_run_config"]

#: The 1990-2019 record of 17 West African states (Powell & Thyne).
RECORD = {"attempts_per_country_year": 44 / 510, "success_share": 19 / 44,
          "repeat_ratio": 12 / 5.6}
RATE_BAND = (0.5 * RECORD["attempts_per_country_year"], 1.5 * RECORD["attempts_per_country_year"])
REPEAT_BAND = (1.3, 3.5)
SUCCESS_BAND = (0.25, 0.6)
STATES = 17
BATCH = 50  # long runs per batch of the engine
Tables = dict[str, pd.DataFrame]


def long_run_config(cfg: RunConfig, years: int, seed: int) -> RunConfig:
    """A synthetic world of 17 states (one region each) over ``years`` years, with ``cfg``'s coup
    parameters and the correlates' weights at 0 (the reference conditions), coups on and
    nothing else of the scenario's politics."""
    from sim.config.schema import ScenarioConfig, WorldConfig

    coups = dataclasses.replace(cfg.params.coups, insecurity_weight=0.0, losses_weight=0.0,
                                legitimacy_weight=0.0)
    world = WorldConfig(name="coup_check", kind="synthetic")
    world.synthetic = dataclasses.replace(world.synthetic, n_states=STATES, n_regions=STATES)
    return dataclasses.replace(
        cfg, seed=seed, start="2019-01", end=f"{2018 + years}-12", world=world,
        scenario=ScenarioConfig(name="coup_check", description="long runs for check K1",
                                endogenous_coups=True),
        params=dataclasses.replace(cfg.params, coups=coups),
        rules=dataclasses.replace(cfg.rules, vacuum={}, default_vacuum="none"),
        metrics=dataclasses.replace(cfg.metrics, horizon_start="", horizon_end="", twin=False))


def coup_counts(runs: Sequence[Tables], states: Sequence[str] | None = None,
                window: int = 12) -> dict[str, float]:
    """Attempts, successes, country-years and attempts followed by another within ``window``
    months in the same state, over runs (``states``: the states counted; default every state)."""
    attempts = successes = followed = 0
    country_years = 0.0
    for t in runs:
        st = t["states"]
        names = sorted(set(st["state"])) if states is None else [s for s in states
                                                                 if s in set(st["state"])]
        country_years += len(names) * st["step"].nunique() / 12.0
        ev = t["events"]
        ev = ev[ev["kind"].isin(["coup", "coup_attempt"]) & ev["target"].isin(names)]
        attempts += len(ev)
        successes += int((ev["kind"] == "coup").sum())
        for _, steps in ev.groupby("target")["step"]:
            followed += int((np.diff(np.sort(steps.to_numpy())) <= window).sum())
    return {"attempts": attempts, "successes": successes, "country_years": country_years,
            "followed": followed}


def _rate_summary(c: dict[str, float]) -> tuple[float, float, float]:
    rate = c["attempts"] / c["country_years"] if c["country_years"] else float("nan")
    expected = c["attempts"] * (1.0 - fmath.exp(-rate)) if c["attempts"] else 0.0
    ratio = c["followed"] / expected if expected > 0 else float("nan")
    share = c["successes"] / c["attempts"] if c["attempts"] else float("nan")
    return rate, ratio, share


def coup_check(cfg: RunConfig, seeds: Sequence[int], years: int = 30,
               scenario_runs: Sequence[Tables] = ()) -> PatternResult:
    """Check K1 (module docstring): long runs at reference conditions, one per seed."""
    from sim.api import run_batch

    long_runs, per_run = [], []
    seeds = list(seeds)
    for first in range(0, len(seeds), BATCH):  # the seeds' long runs, a batch at a time
        batch = seeds[first:first + BATCH]
        for result in run_batch(long_run_config(cfg, years, batch[0]), batch):
            tables = dict(result.tables)
            long_runs.append(tables)
            per_run.append(_rate_summary(coup_counts([tables]))[0])
    total = coup_counts(long_runs)
    rate, ratio, share = _rate_summary(total)
    ok_rate = RATE_BAND[0] <= rate <= RATE_BAND[1]
    ok_ratio = REPEAT_BAND[0] <= ratio <= REPEAT_BAND[1]
    ok_share = SUCCESS_BAND[0] <= share <= SUCCESS_BAND[1]
    details = [
        {"item": "attempts per country-year", "median": rate, "reported":
         RECORD["attempts_per_country_year"], "allowed": list(RATE_BAND), "passed": ok_rate,
         "kind": "ratio"},
        {"item": "repeat attempts within 12 months, x constant rate", "median": ratio,
         "reported": RECORD["repeat_ratio"], "allowed": list(REPEAT_BAND), "passed": ok_ratio,
         "kind": "ratio"},
        {"item": "success share", "median": share, "reported": RECORD["success_share"],
         "allowed": list(SUCCESS_BAND), "passed": ok_share, "kind": "share"},
    ]
    if scenario_runs:  # a finding, not a target
        own = coup_counts(scenario_runs)
        own_rate, _, own_share = _rate_summary(own)
        details.append({"item": f"the scenario's own runs: attempts per country-year "
                                f"({own['attempts']} in {own['country_years']:.0f} c-y; "
                                "finding, not a target)", "median": own_rate, "kind": "ratio"})
        details.append({"item": "the scenario's own runs: success share (finding)",
                        "median": own_share, "kind": "share"})
    lo, hi = (float(np.percentile(per_run, q)) for q in (5, 95))
    passed = ok_rate and ok_ratio and ok_share
    failing = [d["item"] for d in details[:3] if not d["passed"]]
    return PatternResult(
        id="K1", title="coup hazard against the 1990-2019 record",
        measured=f"attempts per country-year, {STATES} states x {years} years at reference "
                 "conditions, per replicate",
        kind="ratio", target=(f"{RATE_BAND[0]:.3f}-{RATE_BAND[1]:.3f} attempts/c-y (record "
                              f"0.086), repeat ratio {REPEAT_BAND[0]}-{REPEAT_BAND[1]} (record "
                              f"2.1), success share {SUCCESS_BAND[0]}-{SUCCESS_BAND[1]} (0.43)"),
        passed=passed, median=float(np.median(per_run)), low=lo, high=hi,
        result=(f"{total['attempts']} attempts in {total['country_years']:.0f} country-years: "
                f"{rate:.3f}/c-y, repeat ratio {ratio:.2f}, success share {share:.2f}"),
        reason="" if passed else "outside the band: " + ", ".join(failing),
        n_replicates=len(seeds), details=details, figure={})
