"""The model's dynamic state: every variable that changes month to month, as arrays with the
batch axis first (B worlds of a batch step together; a single run is a batch of one)."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.config import INSTRUMENT_KINDS, RunConfig
from sim.world.build import World, select_snapshot

__all__ = ["CIVILIAN", "MILITARY", "NEVER", "SimState", "initial_state"]

CIVILIAN, MILITARY = 0, 1
MEMORY = 12  # months of the ring buffers (casualty tolerance, rival gains)
NEVER = -10**6  # a month long before any run (for "last happened" arrays)


@dataclass
class SimState:
    """Dynamic arrays. Shapes: R regions, S states, P powers, G groups, I instruments; every array
    has a leading batch axis B (``control`` is ``[B, R]``, ``level`` is ``[B, P, S, I]``), which
    the comments below leave out. ``month`` is shared by the batch."""

    month: int
    # regions
    control: np.ndarray  # [R] government control share
    fighters: np.ndarray  # [G, R]
    harm_memory: np.ndarray  # [R] civilian deaths by state-side forces, 12-month memory
    militia: np.ndarray  # [R] self-defence militia members
    attack_memory: np.ndarray  # [R] hostile attacks, 3-month memory
    massacre_memory: np.ndarray  # [R] civilians killed in massacres, reprisal memory
    fatalities: np.ndarray  # [R] this month
    civilian_fatalities: np.ndarray  # [R] this month
    # states
    regime: np.ndarray  # [S] CIVILIAN / MILITARY
    legitimacy: np.ndarray  # [S]
    army: np.ndarray  # [S] personnel
    army_unit_cost: np.ndarray  # [S] USD per soldier-year implied by the snapshot
    army_eff: np.ndarray  # [S] combat power per soldier, arms received included
    budget: np.ndarray  # [S] USD/year
    budget0: np.ndarray  # [S]
    receptivity: np.ndarray  # [S, P]
    influence: np.ndarray  # [S, P]
    agreement: np.ndarray  # [S, P] bool
    banned_until: np.ndarray  # [S, P] month index (exclusive): expelled by the host
    cooldown_until: np.ndarray  # [S, P] month index (exclusive): stays out by its own decision
    vacuum: np.ndarray  # [S]
    capacity: np.ndarray  # [S]
    withdrawal_loss: np.ndarray  # [S]
    fat_short: np.ndarray  # [S] short fatality average
    fat_long: np.ndarray  # [S] long fatality average
    harm_attributed: np.ndarray  # [S, P] civilian deaths by each power, 12-month memory
    arms_memory: np.ndarray  # [S, P] arms delivered, 12-month memory
    last_exit: np.ndarray  # [S, P] month a power last began leaving (-10**6 never)
    # politics (process 4): coups, sanctions, the regime's choice of partners
    army_deaths: np.ndarray  # [S] this month
    army_loss_memory: np.ndarray  # [S] army deaths, 3-month memory
    last_attempt: np.ndarray  # [S] month of the last coup attempt (NEVER if none)
    last_coup: np.ndarray  # [S] month of the last successful coup (NEVER if none)
    sanction_at: np.ndarray  # [S] month the regional organisations act on a coup (NEVER: none due)
    suspended: np.ndarray  # [S] bool: suspended by the regional organisations
    sanctioned: np.ndarray  # [S] bool: under economic sanctions (embargo)
    suspension_until: np.ndarray  # [S] month a suspension without concession ends
    transition_at: np.ndarray  # [S] month civilian rule returns after a concession (NEVER: none)
    standing: np.ndarray  # [S, P] the regime's standing of each partner (smoothed value)
    low_months: np.ndarray  # [S, P] consecutive months a present partner stood below expel
    hostile_months: np.ndarray  # [S, P] consecutive months a present partner stood below downgrade
    downgraded: np.ndarray  # [S, P] bool
    effect_factor: np.ndarray  # [S, P] share of a power's combat effect the host lets it have
    invited_until: np.ndarray  # [S, P] month an invitation lapses (NEVER: none)
    cooperation: np.ndarray  # [S, P] bool: a military-cooperation agreement signed (no forces)
    protests: np.ndarray  # [S] expected demonstration events this month (an observable)
    protest_base: np.ndarray  # [S] demonstrations per month in the year before the snapshot
    grievance0: np.ndarray  # [S] the grievance of the first month (NaN before it)
    # powers
    level: np.ndarray  # [P, S, I]
    target: np.ndarray  # [P, S, I]
    rate: np.ndarray  # [P, S, I] units per month toward target
    offers: np.ndarray  # [P, S, I] pending offers for the host to decide
    casualty_ring: np.ndarray  # [MEMORY, P, S]
    influence_ring: np.ndarray  # [MEMORY, S, P]
    gross_cents: np.ndarray  # [P] cumulative, int64
    host_cents: np.ndarray  # [P]
    concession_cents: np.ndarray  # [P]
    casualties_total: np.ndarray  # [P]
    # this month's flows (recorded)
    spending: np.ndarray  # [S, P] USD
    host_paid: np.ndarray  # [S, P] USD cash (contractors and arms purchases)
    arms_paid: np.ndarray  # [S, P] USD cash for arms (part of host_paid)
    concessions: np.ndarray  # [S, P] USD
    arms_delivered: np.ndarray  # [S, P] USD
    casualties: np.ndarray  # [P, S]
    attacks: np.ndarray  # [G]
    inflicted: np.ndarray  # [G] deaths caused by each group
    group_civilian: np.ndarray  # [G] civilians killed by each group
    state_fatalities: np.ndarray  # [S]
    state_civilian: np.ndarray  # [S]


#: The initial arrays that depend on the world's per-entity values: a stacked world
#: (:func:`sim.world.build.stack_worlds`) gives them with their batch axis.
_FROM_WORLD_VALUES = frozenset({"army_unit_cost", "army_eff", "receptivity"})


def initial_state(cfg: RunConfig, world: World, n: int = 1) -> SimState:
    """The state of ``n`` worlds at ``cfg.start``, from the world's latest snapshot on or before
    it: every world of a batch starts from the same snapshot, with its own per-entity values when
    ``world`` is stacked over the batch (``[n, ...]``)."""
    one = _one_world(cfg, world)
    stacked = world.army_effectiveness.ndim == 2  # [B, S]: per-entity values over the batch

    def batched(name: str) -> np.ndarray:
        x = getattr(one, name)
        if stacked and name in _FROM_WORLD_VALUES:
            return np.broadcast_to(x, (n, *x.shape[1:])).copy()
        return np.repeat(x[None], n, axis=0)

    return SimState(month=0, **{f.name: batched(f.name) for f in fields(SimState)
                                if f.name != "month"})


def _one_world(cfg: RunConfig, world: World) -> SimState:
    """One world's initial arrays (without the batch axis)."""
    _, snap = select_snapshot(cfg.world, cfg.start)
    n_r, n_s = world.n_regions, len(world.state_ids)
    n_p, n_g, n_i = len(world.power_ids), len(world.group_ids), len(INSTRUMENT_KINDS)
    r_index = {r: i for i, r in enumerate(world.region_ids)}
    fighters = np.zeros((n_g, n_r))
    for gi, g in enumerate(world.group_ids):
        for r, v in snap.fighters.get(g, {}).items():
            fighters[gi, r_index[r]] = v
    control = np.ones(n_r)
    for r, v in snap.control.items():
        control[r_index[r]] = v
    inits = [snap.states[s] for s in world.state_ids]
    army = np.array([x.army_personnel for x in inits], dtype=float)
    budget = np.array([x.defence_budget_usd for x in inits], dtype=float)
    agreement = np.zeros((n_s, n_p), dtype=bool)
    for si, x in enumerate(inits):
        for p in x.agreements:
            agreement[si, world.power_ids.index(p)] = True
    level = np.zeros((n_p, n_s, n_i))
    for d in snap.deployments:
        pi, si = world.power_ids.index(d.power), world.state_ids.index(d.state)
        level[pi, si, INSTRUMENT_KINDS.index(d.instrument)] += d.level
        agreement[si, pi] = True
    z_s, z_sp, z_p = np.zeros(n_s), np.zeros((n_s, n_p)), np.zeros(n_p)
    # opinion at the snapshot where measured, else the long-run receptivity (stacked: [B, S, P])
    receptivity = world.base_receptivity.copy()
    for si, x in enumerate(inits):
        for p, v in x.receptivity.items():
            receptivity[..., si, world.power_ids.index(p)] = v
    return SimState(
        month=0,
        control=control,
        fighters=fighters,
        harm_memory=np.zeros(n_r),
        militia=np.zeros(n_r),
        attack_memory=np.zeros(n_r),
        massacre_memory=np.zeros(n_r),
        fatalities=np.zeros(n_r),
        civilian_fatalities=np.zeros(n_r),
        regime=np.array([MILITARY if x.regime == "military" else CIVILIAN for x in inits], dtype=np.int8),
        legitimacy=np.array([x.legitimacy for x in inits], dtype=float),
        army=army,
        army_unit_cost=np.where(army > 0, budget * (1 - world.arms_budget_share) / np.maximum(army, 1e-9), 0.0),
        army_eff=world.army_effectiveness.copy(),
        budget=budget.copy(),
        budget0=budget.copy(),
        receptivity=receptivity,
        influence=z_sp.copy(),
        agreement=agreement,
        banned_until=np.zeros((n_s, n_p), dtype=np.int64),
        cooldown_until=np.zeros((n_s, n_p), dtype=np.int64),
        vacuum=z_s.copy(),
        capacity=z_s.copy(),
        withdrawal_loss=z_s.copy(),
        fat_short=z_s.copy(),
        fat_long=z_s.copy(),
        harm_attributed=z_sp.copy(),
        arms_memory=z_sp.copy(),
        last_exit=np.full((n_s, n_p), NEVER, dtype=np.int64),
        army_deaths=z_s.copy(),
        army_loss_memory=z_s.copy(),
        last_attempt=np.full(n_s, NEVER, dtype=np.int64),
        last_coup=np.full(n_s, NEVER, dtype=np.int64),
        sanction_at=np.full(n_s, NEVER, dtype=np.int64),
        suspended=np.zeros(n_s, dtype=bool),
        sanctioned=np.zeros(n_s, dtype=bool),
        suspension_until=np.full(n_s, NEVER, dtype=np.int64),
        transition_at=np.full(n_s, NEVER, dtype=np.int64),
        standing=z_sp.copy(),
        low_months=np.zeros((n_s, n_p), dtype=np.int64),
        hostile_months=np.zeros((n_s, n_p), dtype=np.int64),
        downgraded=np.zeros((n_s, n_p), dtype=bool),
        effect_factor=np.ones((n_s, n_p)),
        invited_until=np.full((n_s, n_p), NEVER, dtype=np.int64),
        cooperation=np.zeros((n_s, n_p), dtype=bool),
        protests=z_s.copy(),
        protest_base=np.array([x.protests_per_year / 12.0 for x in inits], dtype=float),
        grievance0=np.full(n_s, np.nan),
        level=level,
        target=level.copy(),
        rate=np.zeros_like(level),
        offers=np.zeros_like(level),
        casualty_ring=np.zeros((MEMORY, n_p, n_s)),
        influence_ring=np.zeros((MEMORY, n_s, n_p)),
        gross_cents=np.zeros(n_p, dtype=np.int64),
        host_cents=np.zeros(n_p, dtype=np.int64),
        concession_cents=np.zeros(n_p, dtype=np.int64),
        casualties_total=z_p.copy(),
        spending=z_sp.copy(),
        host_paid=z_sp.copy(),
        arms_paid=z_sp.copy(),
        concessions=z_sp.copy(),
        arms_delivered=z_sp.copy(),
        casualties=np.zeros((n_p, n_s)),
        attacks=np.zeros(n_g),
        inflicted=np.zeros(n_g),
        group_civilian=np.zeros(n_g),
        state_fatalities=z_s.copy(),
        state_civilian=z_s.copy(),
    )
