"""Synthetic worlds: n_states, n_regions, n_groups, n_powers (docs/ODD.md section 2).

A generated world is an ordinary :class:`~sim.config.WorldConfig`, validated and built exactly as
the Sahel world is. Its geography comes from ``world.synthetic.world_seed`` (not the run seed), so
that replicates of a sweep share one world and differ only in their stochastic history.
Entity parameters not generated here keep their schema defaults.
"""

from __future__ import annotations

import copy

import numpy as np

from sim.config import (
    WEST,
    DeploymentConfig,
    GroupConfig,
    InstrumentConfig,
    PowerConfig,
    RegionConfig,
    RunConfig,
    SnapshotConfig,
    StateConfig,
    StateInitConfig,
    WorldConfig,
)
from sim.engine import fmath

__all__ = ["generate_world", "synthetic_ids"]

CANONICAL_POWERS = ("russia", "france", "usa", "un", "eu", "china", "turkey")
CANONICAL_GROUPS = ("jnim", "is_sahel", "csp")


def synthetic_ids(prefix: str, canonical: tuple[str, ...], n: int) -> list[str]:
    """The first ``n`` canonical ids, then ``prefix_<i>`` for the rest."""
    return [canonical[i] if i < len(canonical) else f"{prefix}_{i}" for i in range(n)]


def generate_world(cfg: RunConfig) -> RunConfig:
    """A copy of ``cfg`` whose world is generated from ``cfg.world.synthetic``."""
    syn = cfg.world.synthetic
    rng = np.random.default_rng(np.random.SeedSequence(syn.world_seed))
    n_s, n_r = syn.n_states, max(syn.n_regions, syn.n_states)
    states = [f"state_{i}" for i in range(n_s)]
    powers = synthetic_ids("power", CANONICAL_POWERS, syn.n_powers)
    groups = synthetic_ids("group", CANONICAL_GROUPS, syn.n_groups)

    # states are laid out on a rough grid of centres; regions scatter around their state's centre
    side = int(np.ceil(np.sqrt(n_s)))
    centres = np.array([(10.0 + 4.0 * (i // side), -10.0 + 4.0 * (i % side)) for i in range(n_s)])
    owner = np.concatenate([np.arange(n_s), rng.integers(0, n_s, n_r - n_s)])
    owner.sort(kind="stable")
    spread = 1.5
    lat = centres[owner, 0] + rng.normal(0, spread, n_r)
    lon = centres[owner, 1] + rng.normal(0, spread, n_r)
    pop = fmath.exp(rng.normal(fmath.log(5e5), 0.8, n_r))  # lognormal: the draws numpy's take
    rent = np.where(rng.random(n_r) < 0.2, fmath.exp(rng.normal(fmath.log(2e6), 1.0, n_r)), 0.0)
    width = len(str(n_r))
    regions = [RegionConfig(id=f"R{i:0{width}d}", name=f"region {i}", state=states[owner[i]],
                            lat=float(lat[i]), lon=float(lon[i]), population=float(pop[i]),
                            resource_rent_usd=float(rent[i])) for i in range(n_r)]
    state_pop = np.bincount(owner, weights=pop, minlength=n_s)

    state_cfgs = {s: StateConfig(name=s,
                                 receptivity={p: float(rng.uniform(0.3, 0.7)) for p in powers})
                  for i, s in enumerate(states)}
    power_cfgs = {}
    for p in powers:
        western = p in WEST
        instruments = {
            "troops": InstrumentConfig(unit_cost_usd=15_000.0, effectiveness=1.0,
                                       civilian_harm=0.0005, exposure=0.3),
            "arms": InstrumentConfig(unit_cost_usd=1.0, effectiveness=0.0),
            "info_ops": InstrumentConfig(unit_cost_usd=1.0, effectiveness=0.0),
        }
        if not western:
            instruments["contractors"] = InstrumentConfig(
                unit_cost_usd=12_000.0, effectiveness=0.8, civilian_harm=0.005, exposure=1.0,
                host_cash_share=0.9)
        power_cfgs[p] = PowerConfig(name=p, nationalism_exposure=1.0 if western else -0.2,
                                    arms_export_usd=2e6, arms_gift_share=0.2,
                                    redeploy_share=0.5, instruments=instruments)
    group_cfgs = {g: GroupConfig(name=g, kind="separatist" if g == "csp" else "jihadist")
                  for g in groups}

    snapshot = SnapshotConfig()
    for i, s in enumerate(states):
        army = float(state_pop[i] * 1e-3)
        snapshot.states[s] = StateInitConfig(regime="civilian", legitimacy=0.5,
                                             army_personnel=army,
                                             defence_budget_usd=army * 15_000.0)
    # Western powers start deployed in a third of the states, the others absent.
    for p in powers:
        if p in WEST:
            for s in rng.choice(states, size=max(1, n_s // 3), replace=False):
                snapshot.deployments.append(DeploymentConfig(
                    power=p, state=str(s), instrument="troops",
                    level=float(rng.uniform(500, 3000))))
                snapshot.states[str(s)].agreements.append(p)
    # Each group holds fighters in a tenth of the regions (at least one).
    for g in groups:
        held = rng.choice(n_r, size=max(1, n_r // 10), replace=False)
        snapshot.fighters[g] = {regions[r].id: float(rng.uniform(50, 500)) for r in held}

    out = copy.copy(cfg)
    out.world = WorldConfig(name=cfg.world.name, kind="synthetic", adjacency_k=cfg.world.adjacency_k,
                            regions=regions, states=state_cfgs, powers=power_cfgs,
                            groups=group_cfgs, snapshots={cfg.start: snapshot},
                            synthetic=syn)
    return out
