"""Process 3: security forces meet armed groups in each contested region.

The host army's effectiveness per soldier rises with the arms it received (12-month memory):
``army_eff = army_effectiveness x (1 + arms_effect x arms USD per soldier / 10,000)``.

A Tullock contest-success function p = S^m / (S^m + A^m) (S: effective security strength divided
by ``force_ratio``; A: hostile armed strength) moves government control toward p. Casualties on
each side and civilian deaths are Poisson draws; civilian harm differs by force type (each
instrument's ``civilian_harm``; contractors' is high: ACLED recorded Wagner targeting civilians in
most of its activity in Mali in 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import CombatParams
from sim.state import SimState
from sim.world.build import World

__all__ = ["CombatResult", "security_allocation", "combat"]

_DECAY12 = np.exp(-1.0 / 12.0)


@dataclass
class CombatResult:
    """What combat did this month (for events and recording)."""

    massacre_regions: np.ndarray  # region indices with a mass-casualty month


def hostile_strength(world: World, st: SimState) -> np.ndarray:
    """[R] A: fighters x effectiveness x hostility, summed over groups."""
    return (world.group_effectiveness * world.hostility) @ st.fighters


def security_allocation(world: World, st: SimState, garrison_share: float,
                        a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where forces stand: returns ``(army_r, threat_share_r)``.

    The host army is split between a garrison spread by population (``garrison_share``) and a
    field force sent where the hostile strength is; foreign forces go where the threat is. Where a
    state has no threat at all, the threat share falls back to the population share.
    """
    rs, n_s = world.region_state, len(world.state_ids)
    pop_share = world.population / np.maximum(world.state_population[rs], 1.0)
    a_state = np.bincount(rs, weights=a, minlength=n_s)
    threat_share = np.where(a_state[rs] > 0, a / np.maximum(a_state[rs], 1e-12), pop_share)
    army_r = st.army[rs] * (garrison_share * pop_share + (1.0 - garrison_share) * threat_share)
    return army_r, threat_share


def combat(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
           rng: np.random.Generator, army_harm: np.ndarray) -> CombatResult:
    """Run one month of fighting in every region at once; update control, fighters, the army,
    foreign casualties, civilian harm and fatalities in ``st``."""
    rs, n_s, n_r = world.region_state, len(world.state_ids), world.n_regions
    person = world.is_person[None, None, :]
    arms_per_soldier = st.arms_memory.sum(axis=1) / np.maximum(st.army, 1.0) / 1e4
    st.army_eff = world.army_effectiveness * (1.0 + p.arms_effect * arms_per_soldier)
    a = hostile_strength(world, st)
    army_r, ts = security_allocation(world, st, p.garrison_share, a)
    lvl = st.level * person  # [P, S, I] persons only
    foreign_eff = np.einsum("psi,pi->s", lvl, world.effectiveness)  # [S]
    s_eff = army_r * st.army_eff[rs] + ts * foreign_eff[rs]
    s_scaled = s_eff / p.force_ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        sm, am = s_scaled ** p.tullock_m, a ** p.tullock_m
        success = np.where(a > 0, sm / (sm + am), 1.0)
    success = np.nan_to_num(success, nan=1.0)
    st.control += p.control_speed * (success - st.control)
    np.clip(st.control, 0.0, 1.0, out=st.control)

    engaged_strength = np.minimum(s_eff, p.force_ratio * a)
    engaged = np.divide(engaged_strength, s_eff, out=np.zeros(n_r), where=s_eff > 0)
    hostile_attacks = world.hostility @ attacks  # [R]
    e_state = p.lethality_state * hostile_attacks * (1.0 - success)
    e_fighters = p.lethality_fighters * hostile_attacks * success + p.operations_rate * engaged_strength

    # who among the state side dies: army by presence, foreign forces by exposure and targeting
    ft_num = (world.hostility * world.foreign_targeting) @ attacks
    ft = np.divide(ft_num, hostile_attacks, out=np.ones(n_r), where=hostile_attacks > 0)
    exposure_ps = np.einsum("psi,pi->ps", lvl, world.exposure)  # [P, S]
    w_foreign = exposure_ps[:, rs] * ts[None, :] * ft[None, :]  # [P, R]
    w_total = army_r + w_foreign.sum(axis=0)
    share_army = np.divide(army_r, w_total, out=np.ones(n_r), where=w_total > 0)
    share_foreign = np.divide(w_foreign, w_total[None, :], out=np.zeros_like(w_foreign),
                              where=w_total[None, :] > 0)
    army_deaths = rng.poisson(e_state * share_army).astype(float)
    foreign_deaths = rng.poisson(e_state[None, :] * share_foreign).astype(float)  # [P, R]
    fighter_deaths = rng.poisson(e_fighters).astype(float)

    # civilians: by groups (targeting) and by state-side forces (harm rate by force type)
    civ_groups = rng.poisson(world.civilian_targeting[:, None] * attacks).astype(float)  # [G, R]
    harm_ps = np.einsum("psi,pi->ps", lvl, world.civilian_harm)  # [P, S]
    civ_foreign = rng.poisson(harm_ps[:, rs] * ts[None, :] * engaged[None, :]).astype(float)
    civ_army = rng.poisson(army_harm[rs] * army_r * engaged).astype(float)

    # rival groups fight each other where both are present
    n_g = st.fighters.shape[0]
    clash = np.zeros_like(st.fighters)
    if n_g > 1 and world.rivals.any():
        for gi in range(n_g):
            for hi in range(gi + 1, n_g):
                if world.rivals[gi, hi] > 0:
                    lam = p.clash_rate * world.rivals[gi, hi] * np.minimum(st.fighters[gi], st.fighters[hi])
                    d = rng.poisson(lam).astype(float)
                    clash[gi] += d / 2.0
                    clash[hi] += d / 2.0

    # fighters lose their dead, in proportion to their presence
    total_f = st.fighters.sum(axis=0)
    f_share = np.divide(st.fighters, total_f, out=np.zeros_like(st.fighters), where=total_f > 0)
    st.fighters -= f_share * fighter_deaths[None, :] + clash
    np.maximum(st.fighters, 0.0, out=st.fighters)

    state_side = army_deaths + foreign_deaths.sum(axis=0)
    civ_state_side = civ_army + civ_foreign.sum(axis=0)
    civilians = civ_groups.sum(axis=0) + civ_state_side
    st.fatalities = state_side + fighter_deaths + civilians + clash.sum(axis=0)
    st.civilian_fatalities = civilians
    st.army = np.maximum(st.army - np.bincount(rs, weights=army_deaths, minlength=n_s), 0.0)
    st.casualties = np.stack([np.bincount(rs, weights=fd, minlength=n_s) for fd in foreign_deaths]) \
        if foreign_deaths.shape[0] else np.zeros((0, n_s))
    st.harm_memory = st.harm_memory * _DECAY12 + civ_state_side
    civ_by_power = np.stack([np.bincount(rs, weights=c, minlength=n_s) for c in civ_foreign]).T \
        if civ_foreign.shape[0] else np.zeros((n_s, 0))
    st.harm_attributed = st.harm_attributed * _DECAY12 + civ_by_power
    st.state_fatalities = np.bincount(rs, weights=st.fatalities, minlength=n_s)
    st.state_civilian = np.bincount(rs, weights=civilians, minlength=n_s)

    # per group: attacks, deaths it inflicted (its share of hostile attacks), civilians it killed
    h_att = world.hostility[:, None] * attacks
    att_share = np.divide(h_att, hostile_attacks[None, :], out=np.zeros_like(h_att),
                          where=hostile_attacks[None, :] > 0)
    st.attacks = attacks.sum(axis=1)
    st.group_civilian = civ_groups.sum(axis=1)
    rival_share = world.rivals / np.maximum(world.rivals.sum(axis=1, keepdims=True), 1e-12)
    st.inflicted = att_share @ state_side + st.group_civilian + rival_share.T @ clash.sum(axis=1)
    return CombatResult(massacre_regions=np.flatnonzero(civilians >= p.mass_casualty_threshold))
