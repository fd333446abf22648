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
from sim.processes.arrays import ratio
from sim.state import SimState
from sim.world.build import World

__all__ = ["CombatResult", "combat", "security_allocation"]

_DECAY12 = np.exp(-1.0 / 12.0)


@dataclass
class CombatResult:
    """What combat did this month (for events and recording)."""

    massacre_regions: np.ndarray  # region indices with a mass-casualty month


def hostile_strength(world: World, st: SimState) -> np.ndarray:
    """[R] A: fighters x effectiveness x hostility, summed over groups."""
    return world.hostile_effectiveness @ st.fighters


def security_allocation(world: World, st: SimState, garrison_share: float,
                        a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where forces stand: returns ``(army_r, threat_share_r)``.

    The host army is split between a garrison spread by population (``garrison_share``) and a
    field force sent where the hostile strength is; foreign forces go where the threat is. Where a
    state has no threat at all, the threat share falls back to the population share.
    """
    rs, pop_share = world.region_state, world.population_share
    a_state = world.by_state(a)[rs]
    threat_share = np.where(a_state > 0, a / np.maximum(a_state, 1e-12), pop_share)
    army_r = st.army[rs] * (garrison_share * pop_share + (1.0 - garrison_share) * threat_share)
    return army_r, threat_share


def _split(draws: np.ndarray, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Consecutive row blocks of ``draws`` with the given numbers of rows (views)."""
    out, k = [], 0
    for n in sizes:
        out.append(draws[k:k + n])
        k += n
    return out


def combat(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
           rng: np.random.Generator, army_harm: np.ndarray) -> CombatResult:
    """Run one month of fighting in every region at once; update control, fighters, the army,
    foreign casualties, civilian harm and fatalities in ``st``.

    Every Poisson count of the month (deaths on each side, civilians, rival clashes) comes from
    one draw over a stacked array of rates, in a fixed row order (see ``lam`` below): the same
    numbers as one draw per kind in that order.
    """
    rs = world.region_state
    n_p, n_g = st.level.shape[0], st.fighters.shape[0]
    arms_per_soldier = st.arms_memory.sum(axis=1) / np.maximum(st.army, 1.0) / 1e4
    st.army_eff = world.army_effectiveness * (1.0 + p.arms_effect * arms_per_soldier)
    a = hostile_strength(world, st)
    army_r, ts = security_allocation(world, st, p.garrison_share, a)
    if st.downgraded.any():  # a downgraded partner loses part of its effect
        foreign_eff = (np.einsum("psi,pi->sp", st.level, world.person_effectiveness)
                       * st.effect_factor).sum(axis=1)
    else:
        foreign_eff = np.einsum("psi,pi->s", st.level, world.person_effectiveness)  # [S]
    s_eff = army_r * st.army_eff[rs] + ts * foreign_eff[rs]
    s_scaled = s_eff / p.force_ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        sm, am = s_scaled ** p.tullock_m, a ** p.tullock_m
        success = np.where(a > 0, sm / (sm + am), 1.0)
    success[np.isnan(success)] = 1.0  # inf / inf: overwhelming strength on both sides
    st.control += p.control_speed * (success - st.control)
    st.control.clip(0.0, 1.0, out=st.control)

    engaged_strength = np.minimum(s_eff, p.force_ratio * a)
    engaged = ratio(engaged_strength, s_eff)
    hostile_attacks = world.hostility @ attacks  # [R]
    e_state = p.lethality_state * hostile_attacks * (1.0 - success)
    e_fighters = p.lethality_fighters * hostile_attacks * success + p.operations_rate * engaged_strength

    # who among the state side dies: army by presence, foreign forces by exposure and targeting
    ft_num = world.hostile_foreign_targeting @ attacks
    ft = ratio(ft_num, hostile_attacks, 1.0)
    exposure_ps = np.einsum("psi,pi->ps", st.level, world.person_exposure)  # [P, S]
    w_foreign = exposure_ps[:, rs] * ts * ft  # [P, R]
    w_total = army_r + w_foreign.sum(axis=0)
    share_army = ratio(army_r, w_total, 1.0)
    share_foreign = ratio(w_foreign, w_total)
    harm_ps = np.einsum("psi,pi->ps", st.level, world.person_civilian_harm)  # [P, S]
    pairs = world.rival_pairs
    lam = np.concatenate((
        (e_state * share_army)[None, :],  # army deaths
        e_state * share_foreign,  # foreign deaths [P, R]
        e_fighters[None, :],  # fighter deaths
        world.civilian_targeting[:, None] * attacks,  # civilians killed by groups [G, R]
        harm_ps[:, rs] * ts * engaged,  # civilians killed by foreign forces [P, R]
        (army_harm[rs] * army_r * engaged)[None, :],  # civilians killed by the army
        # rival groups fight each other where both are present [pairs, R]
        (p.clash_rate * world.rival_weight)[:, None]
        * np.minimum(st.fighters[pairs[:, 0]], st.fighters[pairs[:, 1]]),
    ))
    draws = rng.poisson(lam).astype(float)
    army_deaths, foreign_deaths, fighter_deaths, civ_groups, civ_foreign, civ_army, clash_deaths = \
        _split(draws, (1, n_p, 1, n_g, n_p, 1, len(pairs)))
    army_deaths, fighter_deaths, civ_army = army_deaths[0], fighter_deaths[0], civ_army[0]
    clash = world.rival_incidence.T @ (clash_deaths / 2.0)  # [G, R] half of a clash's dead each

    # fighters lose their dead, in proportion to their presence
    total_f = st.fighters.sum(axis=0)
    f_share = ratio(st.fighters, total_f)
    st.fighters -= f_share * fighter_deaths + clash
    np.maximum(st.fighters, 0.0, out=st.fighters)

    state_side = army_deaths + foreign_deaths.sum(axis=0)
    civ_state_side = civ_army + civ_foreign.sum(axis=0)
    civilians = civ_groups.sum(axis=0) + civ_state_side
    st.fatalities = state_side + fighter_deaths + civilians + clash.sum(axis=0)
    st.civilian_fatalities = civilians
    # per state (counts, so the order of the sums does not matter)
    by_state = world.by_state(np.vstack((army_deaths, foreign_deaths, civ_foreign, st.fatalities,
                                         civilians)))
    army_s, casualties, civ_by_power, fat_s, civ_s = _split(by_state, (1, n_p, n_p, 1, 1))
    st.army = np.maximum(st.army - army_s[0], 0.0)
    st.army_deaths = army_s[0]
    st.casualties = casualties  # [P, S]
    st.harm_memory = st.harm_memory * _DECAY12 + civ_state_side
    st.harm_attributed = st.harm_attributed * _DECAY12 + civ_by_power.T
    st.state_fatalities = fat_s[0]
    st.state_civilian = civ_s[0]

    # per group: attacks, deaths it inflicted (its share of hostile attacks), civilians it killed
    h_att = world.hostility[:, None] * attacks
    att_share = ratio(h_att, hostile_attacks)
    st.attacks = attacks.sum(axis=1)
    st.group_civilian = civ_groups.sum(axis=1)
    st.inflicted = (att_share @ state_side + st.group_civilian
                    + world.rival_share.T @ clash.sum(axis=1))
    return CombatResult(massacre_regions=np.flatnonzero(civilians >= p.mass_casualty_threshold))
