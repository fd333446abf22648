"""Run the replicates of a validation and score them against the patterns and targets.

Each replicate is three runs with the same seed: the scenario (``start`` .. ``end``) and its
hindcast (``hindcast_start`` .. ``hindcast_end``), scored on C1-C10, and the politics hindcast
(the hindcast with the host politics endogenous,
:func:`~sim.validate.config.politics_hindcast_config`), scored on the pre-2020 political
targets P1-P6. Replicates run as batches of the engine (:func:`sim.api.run_batch`), in-process or
in parallel worker processes (joblib) when ``n_jobs`` is not 1; a tqdm bar counts the
replicates. Seeds are spawned from ``SeedSequence(seed)`` (:func:`replicate_seeds`), so the
results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.config import RunConfig
from sim.validate.config import (
    ValidateConfig,
    hindcast_config,
    politics_hindcast_config,
    replicate_seeds,
    scenario_config,
)
from sim.validate.patterns import PatternResult, evaluate
from sim.validate.politics import evaluate_politics

__all__ = ["Validation", "run_batch_of_replicates", "run_batch_of_runs", "run_politics_hindcasts",
           "run_replicate", "run_replicates", "run_validation"]

BATCH = 50  # replicates per batch of the engine

Tables = dict[str, pd.DataFrame]


def run_replicate(scenario: RunConfig, hindcast: RunConfig, seed: int) -> tuple[Tables, Tables]:
    """Run one replicate: the scenario and its hindcast with ``seed``; return both runs' tables."""
    return run_batch_of_replicates(scenario, hindcast, [seed])[0]


def run_batch_of_runs(config: RunConfig, seeds: list[int]) -> list[Tables]:
    """Run ``config`` with each of ``seeds`` as one batch of the engine, without twin
    (:func:`sim.api.run_batch`; each run is what it would be alone); return each run's tables."""
    import logging

    from sim.api import run_batch

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    no_twin = dataclasses.replace(config.metrics, twin=False)  # the patterns need no twin
    return [dict(r.tables) for r in
            run_batch(dataclasses.replace(config, seed=seeds[0], metrics=no_twin), seeds)]


def run_batch_of_replicates(scenario: RunConfig, hindcast: RunConfig,
                            seeds: list[int]) -> list[tuple[Tables, Tables]]:
    """Run the replicates of ``seeds``: the scenarios as one batch of the engine, the hindcasts as
    another (:func:`run_batch_of_runs`); return both runs' tables per seed."""
    a = run_batch_of_runs(scenario, seeds)
    b = run_batch_of_runs(hindcast, seeds)
    return list(zip(a, b, strict=True))


def _batches(seeds: list[int], n_jobs: int) -> list[list[int]]:
    """``seeds`` in batches of at most :data:`BATCH`, split evenly over ``n_jobs`` processes."""
    import os

    jobs = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
    size = max(1, min(BATCH, -(-len(seeds) // max(1, jobs))))
    return [seeds[k:k + size] for k in range(0, len(seeds), size)]


def _in_batches(run: Callable[..., list[Any]], args: tuple[Any, ...], seeds: list[int],
                n_jobs: int, desc: str, progress: bool) -> list[Any]:
    """``run(*args, batch)`` for each batch of ``seeds`` (:func:`_batches`), in this process or in
    ``n_jobs`` worker processes (joblib); the results in seed order. The tqdm bar counts seeds."""
    from tqdm import tqdm

    bar = tqdm(total=len(seeds), desc=desc, unit="replicate", disable=not progress)
    batches = _batches(seeds, n_jobs)
    out: list[Any] = []
    if n_jobs == 1:
        for batch in batches:
            out.extend(run(*args, batch))
            bar.update(len(batch))
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(run)(*args, b) for b in batches)
        for r in results:
            out.extend(r)
            bar.update(len(r))
    bar.close()
    return out


def run_replicates(cfg: ValidateConfig, seeds: list[int], progress: bool = True,
                   ) -> tuple[list[Tables], list[Tables]]:
    """Run every replicate (one per seed), in batches of the engine (at most :data:`BATCH`
    seeds each, split evenly over the ``n_jobs`` processes); return the scenario runs' and the
    hindcast runs' tables, in seed order. The tqdm bar counts replicates."""
    out = _in_batches(run_batch_of_replicates, (scenario_config(cfg), hindcast_config(cfg)),
                      seeds, cfg.n_jobs, f"validate {cfg.scenario.name}", progress)
    return [a for a, _ in out], [b for _, b in out]


def run_politics_hindcasts(cfg: ValidateConfig, seeds: list[int], progress: bool = True,
                           ) -> list[Tables]:
    """Run the politics hindcast (:func:`~sim.validate.config.politics_hindcast_config`) with
    every seed, in batches of the engine as :func:`run_replicates` does (the same split over
    ``n_jobs`` processes); return the runs' tables, in seed order."""
    return _in_batches(run_batch_of_runs, (politics_hindcast_config(cfg),), seeds, cfg.n_jobs,
                       f"politics hindcast {cfg.scenario.name}", progress)


def _score(results: list[PatternResult]) -> dict[str, int]:
    st = [r.status for r in results]
    return {"passed": st.count("PASS"), "failed": st.count("FAIL"),
            "not_measured": st.count("n/a"), "of": len(st)}


def _score_text(s: dict[str, int]) -> str:
    return (f"{s['passed']} of {s['of']} passed ({s['failed']} failed, {s['not_measured']} "
            "not measurable in this horizon)")


@dataclass
class Validation:
    """A scored validation: the config, the replicate seeds, one result per pattern C1-C10, the
    check K1 and one result per pre-2020 political target P1-P6 (scored apart: ``score`` and
    ``score_text`` are about C1-C10, ``politics_score`` about P1-P6)."""

    config: ValidateConfig
    seeds: list[int]
    results: list[PatternResult]
    provenance: dict[str, Any] = field(default_factory=dict)
    checks: list[PatternResult] = field(default_factory=list)  # K1: beside C1-C10, not scored
    politics: list[PatternResult] = field(default_factory=list)  # P1-P6, on politics hindcasts

    @property
    def score(self) -> dict[str, int]:
        """Patterns passed, failed and not measurable in this horizon, of the total."""
        return _score(self.results)

    @property
    def score_text(self) -> str:
        """``k of 10 passed`` with the failures and patterns not measured."""
        return _score_text(self.score)

    @property
    def politics_score(self) -> dict[str, int]:
        """Pre-2020 political targets passed, failed and not measurable, of the total."""
        return _score(self.politics)

    @property
    def politics_score_text(self) -> str:
        """``k of 6 passed`` with the failures and targets not measured."""
        return _score_text(self.politics_score)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able data: settings, seeds, provenance, score and results."""
        from sim.config import to_plain
        from sim.validate.config import POLITICS_SWITCHES

        c = self.config
        politics = politics_hindcast_config(c)
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
            "politics_runs": {"start": c.hindcast_start, "end": c.hindcast_end,
                              "scenario": {k: getattr(politics.scenario, k)
                                           for k in POLITICS_SWITCHES},
                              "rules": dict(politics.rules.vacuum),
                              "default_rule": politics.rules.default_vacuum},
            "politics_score": self.politics_score,
            "politics_score_text": self.politics_score_text,
            "politics": [r.to_dict() for r in self.politics],
            "config": to_plain(c),
        }


def run_validation(cfg: ValidateConfig, progress: bool = True) -> Validation:
    """Run ``cfg.replicates`` replicates of the scenario and its hindcast and score C1-C10; then
    check K1, the coup hazard, over 30-year runs with the same seeds
    (:func:`sim.validate.coups.coup_check`); then run the politics hindcasts with the same seeds
    (:func:`run_politics_hindcasts`) and score the pre-2020 political targets P1-P6
    (:func:`sim.validate.politics.evaluate_politics`).

    ``cfg`` must have been checked with :func:`sim.validate.config.validate_config`.
    """
    from sim.provenance import provenance
    from sim.validate.coups import coup_check

    seeds = replicate_seeds(cfg.seed, cfg.replicates)
    scenario, hindcast = run_replicates(cfg, seeds, progress)
    checks = [coup_check(scenario_config(cfg), seeds, scenario_runs=scenario)]
    results = evaluate(scenario, hindcast)
    politics = evaluate_politics(run_politics_hindcasts(cfg, seeds, progress))
    return Validation(config=cfg, seeds=seeds, results=results, provenance=provenance(cfg),
                      checks=checks, politics=politics)
