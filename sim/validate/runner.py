"""Run the replicates of a validation and score them against the patterns.

Each replicate is two runs with the same seed: the scenario (``start`` .. ``end``) and its
hindcast (``hindcast_start`` .. ``hindcast_end``). Replicates run as batches of the engine
(:func:`sim.api.run_batch`), in-process or in parallel worker processes (joblib) when ``n_jobs``
is not 1; a tqdm bar counts the replicates. Seeds are spawned from ``SeedSequence(seed)`` (:func:`replicate_seeds`), so the
results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.config import RunConfig
from sim.validate.config import (
    ValidateConfig,
    hindcast_config,
    replicate_seeds,
    scenario_config,
)
from sim.validate.patterns import PatternResult, evaluate

__all__ = ["Validation", "run_batch_of_replicates", "run_replicate", "run_replicates",
           "run_validation"]

BATCH = 50  # replicates per batch of the engine

Tables = dict[str, pd.DataFrame]


def run_replicate(scenario: RunConfig, hindcast: RunConfig, seed: int) -> tuple[Tables, Tables]:
    """Run one replicate: the scenario and its hindcast with ``seed``; return both runs' tables."""
    return run_batch_of_replicates(scenario, hindcast, [seed])[0]


def run_batch_of_replicates(scenario: RunConfig, hindcast: RunConfig,
                            seeds: list[int]) -> list[tuple[Tables, Tables]]:
    """Run the replicates of ``seeds``: the scenarios as one batch of the engine, the hindcasts as
    another (:func:`sim.api.run_batch`; each run is what it would be alone); return both runs'
    tables per seed."""
    import logging

    from sim.api import run_batch

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    no_twin = dataclasses.replace(scenario.metrics, twin=False)  # the patterns need no twin
    a = run_batch(dataclasses.replace(scenario, seed=seeds[0], metrics=no_twin), seeds)
    b = run_batch(dataclasses.replace(hindcast, seed=seeds[0],
                                      metrics=dataclasses.replace(hindcast.metrics, twin=False)),
                  seeds)
    return [(dict(x.tables), dict(y.tables)) for x, y in zip(a, b, strict=True)]


def run_replicates(cfg: ValidateConfig, seeds: list[int], progress: bool = True,
                   ) -> tuple[list[Tables], list[Tables]]:
    """Run every replicate (one per seed), in batches of the engine (at most :data:`BATCH`
    seeds each, split evenly over the ``n_jobs`` processes); return the scenario runs' and the
    hindcast runs' tables, in seed order. The tqdm bar counts replicates."""
    import os

    from tqdm import tqdm

    scenario, hindcast = scenario_config(cfg), hindcast_config(cfg)
    bar = tqdm(total=len(seeds), desc=f"validate {cfg.scenario.name}", unit="replicate",
               disable=not progress)
    jobs = cfg.n_jobs if cfg.n_jobs > 0 else (os.cpu_count() or 1)
    size = max(1, min(BATCH, -(-len(seeds) // max(1, jobs))))
    batches = [seeds[k:k + size] for k in range(0, len(seeds), size)]
    out: list[tuple[Tables, Tables]] = []
    if cfg.n_jobs == 1:
        for batch in batches:
            out.extend(run_batch_of_replicates(scenario, hindcast, batch))
            bar.update(len(batch))
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=cfg.n_jobs, return_as="generator")(
            delayed(run_batch_of_replicates)(scenario, hindcast, b) for b in batches)
        for r in results:
            out.extend(r)
            bar.update(len(r))
    bar.close()
    return [a for a, _ in out], [b for _, b in out]


@dataclass
class Validation:
    """A scored validation: the config, the replicate seeds and one result per pattern."""

    config: ValidateConfig
    seeds: list[int]
    results: list[PatternResult]
    provenance: dict[str, Any] = field(default_factory=dict)
    checks: list[PatternResult] = field(default_factory=list)  # K1: beside C1-C10, not scored

    @property
    def score(self) -> dict[str, int]:
        """Patterns passed, failed and not measurable in this horizon, of the total."""
        st = [r.status for r in self.results]
        return {"passed": st.count("PASS"), "failed": st.count("FAIL"),
                "not_measured": st.count("n/a"), "of": len(st)}

    @property
    def score_text(self) -> str:
        """``k of 10 passed`` with the failures and patterns not measured."""
        s = self.score
        return (f"{s['passed']} of {s['of']} passed ({s['failed']} failed, {s['not_measured']} "
                "not measurable in this horizon)")

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able data: settings, seeds, provenance, score and results."""
        from sim.config import to_plain

        c = self.config
        return {
            "scenario": c.scenario.name,
            "world": c.world.name,
            "replicates": c.replicates,
            "seed": c.seed,
            "replicate_seeds": list(self.seeds),
            "scenario_runs": {"start": c.start, "end": c.end},
            "hindcast_runs": {"start": c.hindcast_start, "end": c.hindcast_end},
            "n_jobs": c.n_jobs,
            **self.provenance,
            "score": self.score,
            "score_text": self.score_text,
            "patterns": [r.to_dict() for r in self.results],
            "checks": [r.to_dict() for r in self.checks],
            "config": to_plain(c),
        }


def run_validation(cfg: ValidateConfig, progress: bool = True) -> Validation:
    """Run ``cfg.replicates`` replicates of the scenario and its hindcast and score C1-C10; then
    check K1, the coup hazard, over 30-year runs with the same seeds
    (:func:`sim.validate.coups.coup_check`).

    ``cfg`` must have been checked with :func:`sim.validate.config.validate_config`.
    """
    from sim.provenance import provenance
    from sim.validate.coups import coup_check

    seeds = replicate_seeds(cfg.seed, cfg.replicates)
    scenario, hindcast = run_replicates(cfg, seeds, progress)
    checks = [coup_check(scenario_config(cfg), seeds, scenario_runs=scenario)]
    return Validation(config=cfg, seeds=seeds, results=evaluate(scenario, hindcast),
                      provenance=provenance(cfg), checks=checks)
