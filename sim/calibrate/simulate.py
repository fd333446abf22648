"""What a calibration simulates for each sampled world, in batches of the engine.

Each proposal (a world's assumptions, one seed) runs twice, both as batches of many worlds
(:func:`sim.api.run_worlds`: worlds that differ only in their numbers share a batch):

- its **politics hindcast** (2017-01 .. 2019-12, :func:`sim.validate.config.politics_hindcast_of`:
  the host politics endogenous, Russia opportunistic where the scenario gives it no rule), on
  which C1, C2, C4, C10's hindcast part and P1-P6 are scored;
- its **scenario's first years** (the scenario from its start to :data:`SCENARIO_END`, no twin),
  on which C3, C5, C6, C9 and C10's other part are scored (C6 and C9 read 2019-2021).

Both are scored from the batches' recorded arrays (:mod:`sim.validate.batch`,
:mod:`sim.validate.politics_batch`), and every target's distance is computed
(:func:`sim.calibrate.targets.target_distances`). A chunk that fails runs its proposals one by
one, so a failing world is recorded (its distance infinite: never accepted) and the others keep
their results.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from sim.config import RunConfig

__all__ = ["SCENARIO_END", "Setup", "simulate_chunk", "world_configs"]

#: The end of the scenario runs a calibration scores (C6 and C9 read 2019-2021).
SCENARIO_END = "2021-12"


@dataclass(frozen=True)
class Setup:
    """What every chunk of a calibration shares (sent with each chunk; small).

    Attributes:
        context: the experiment's sweep context (base overrides, parameters).
        targets: the targets whose distances are computed.
        scored: the targets whose pass or fail is recorded too (the targets and, where the
            runs measure them, the held-out ones).
        politics_rules: power -> rule in the politics hindcasts where the scenario has none.
    """

    context: Any
    targets: tuple[str, ...]
    scored: tuple[str, ...] = ()
    politics_rules: dict[str, str] = field(default_factory=dict)


def world_configs(setup: Setup, proposals: list[tuple[int, dict[str, Any], int]]
                  ) -> list[RunConfig]:
    """Each proposal's run config: the experiment's base with its values and seed set."""
    from sim.sweep.worker import Task, point_configs

    tasks = [Task(run_id=str(i), pair_id=str(i), point=i, replicate=0, scenario="", seed=seed,
                  values=values) for i, values, seed in proposals]
    return point_configs(setup.context, tasks)


def _score(setup: Setup, proposals: list[tuple[int, dict[str, Any], int]]
           ) -> list[tuple[int, dict[str, float]]]:
    from sim.api import per_config, run_worlds
    from sim.calibrate.targets import target_distances
    from sim.engine.plan import Memo
    from sim.validate.batch import score_runs
    from sim.validate.config import hindcast_of, politics_hindcast_of
    from sim.validate.politics_batch import POLITICS_BANDS, score_politics_runs

    cfgs = world_configs(setup, proposals)
    seeds = [seed for _, _, seed in proposals]
    memo = Memo()  # the two runs of a world share its sections: each serialised, checked once
    # the scenario's first years: its window from its start, without a twin or a horizon
    # both scored from their arrays: their summaries are not read
    scenario = run_worlds(per_config(cfgs, lambda c: hindcast_of(c, c.start, SCENARIO_END)),
                          seeds, memo, summaries=False)
    hindcast = run_worlds(per_config(cfgs, lambda c: politics_hindcast_of(
        c, setup.politics_rules)), seeds, memo, summaries=False)
    ids = tuple(dict.fromkeys((*setup.targets, *setup.scored)))
    c_ids = tuple(t for t in ids if t.startswith("C"))
    p_ids = tuple(t for t in ids if t.startswith("P"))
    cs = score_runs(scenario, hindcast, c_ids)
    ps = score_politics_runs(hindcast, p_ids)
    items = {**cs.items, **ps.items}
    measured = {**cs.measured, **ps.measured}
    passed = {**cs.passed, **ps.passed}
    dist = target_distances(setup.targets, items, measured, POLITICS_BANDS)
    out = []
    for k, (i, _, _) in enumerate(proposals):
        row = {f"d.{t}": float(dist[t][k]) for t in setup.targets}
        row.update({f"pass.{t}": float(passed[t][k]) for t in ids})
        row["error"] = 0.0
        out.append((i, row))
    return out


def _failed(setup: Setup, i: int) -> tuple[int, dict[str, float]]:
    row = {f"d.{t}": math.inf for t in setup.targets}
    row.update({f"pass.{t}": math.nan for t in dict.fromkeys((*setup.targets, *setup.scored))})
    row["error"] = 1.0
    return i, row


def simulate_chunk(setup: Setup, proposals: list[tuple[int, dict[str, Any], int]]
                   ) -> list[tuple[int, dict[str, float]]]:
    """Simulate and score a chunk of proposals ``(index, values, seed)``; never raises.

    Returns:
        ``(index, statistics)`` for each proposal: ``d.<target>`` its distance on each target,
        ``pass.<target>`` 1.0, 0.0 or NaN (not measurable) on each scored target, ``error``
        1.0 if its run failed (its distances then infinite).
    """
    from sim.sweep.worker import quiet_mesa

    quiet_mesa()
    try:
        return _score(setup, proposals)
    except Exception:
        if len(proposals) > 1:
            return [out for p in proposals for out in simulate_chunk(setup, [p])]
        logging.getLogger(__name__).warning("a calibration world failed: %s", proposals[0][1],
                                            exc_info=True)
        return [_failed(setup, proposals[0][0])]
