"""Process 3: security forces meet armed groups in each contested region.

The host army's effectiveness per soldier rises with the arms it received (12-month memory) and
with its partners' air and ISR support (sorties a month per 1,000 soldiers):
``army_eff = army_effectiveness x (1 + arms_effect x arms USD per soldier / 10,000)
x (1 + air_effectiveness x sorties / (army / 1,000))``; each sortie also kills ``air_lethality``
fighters where the threat is. Self-defence militias fight beside the state and kill civilians
(:mod:`sim.processes.militias`); contractors' operations kill fighters at
``contractor_lethality`` times a regular force's rate. Where control falls below
``pullback_control`` the state pulls part of its rural garrison back to its towns.

A Tullock contest-success function p = S^m / (S^m + A^m) (S: effective security strength divided
by ``force_ratio``; A: hostile armed strength) moves government control toward p. Casualties on
each side and civilian deaths are Poisson draws; civilian harm differs by force type (each
instrument's ``civilian_harm``; contractors' is high: ACLED recorded Wagner targeting civilians in
most of its activity in Mali in 2022).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import INSTRUMENT_KINDS, CombatParams, MilitiaParams
from sim.processes.arrays import ratio
from sim.processes.militias import update_memories
from sim.processes.powers import personnel
from sim.rng import poisson
from sim.state import SimState
from sim.world.build import World

__all__ = ["CombatResult", "air_sorties", "combat", "hostile_strength", "security_allocation"]

_DECAY12 = np.exp(-1.0 / 12.0)
CONTRACTORS = INSTRUMENT_KINDS.index("contractors")


@dataclass
class CombatResult:
    """What combat did this month (for events and recording): ``(world, index)`` pairs."""

    massacre_regions: tuple[np.ndarray, np.ndarray]  # worlds and regions of mass-casualty months
    army_mass_casualty: tuple[np.ndarray, np.ndarray]  # worlds and states: attacks on the army


def hostile_strength(world: World, st: SimState) -> np.ndarray:
    """[B, R] A: fighters x effectiveness x hostility, summed over groups."""
    return (world.hostile_effectiveness[:, None, :] @ st.fighters)[:, 0]


def security_allocation(world: World, st: SimState, garrison_share: np.ndarray | float,
                        a: np.ndarray, pullback_control: np.ndarray | float = 0.0,
                        pullback_share: np.ndarray | float = 0.0,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Where forces stand: returns ``(army_r, threat_share_r)``, each [B, R].

    The host army is split between a garrison spread by population (``garrison_share``) and a
    field force sent where the hostile strength is; foreign forces go where the threat is. Where a
    state has no threat at all, the threat share falls back to the population share. Where a
    region's control is below ``pullback_control``, ``pullback_share`` of its garrison is pulled
    back to the state's towns (its regions' urban population; in a state without towns, its
    regions still held). The shares are numbers or ``[B, 1]`` per world (of one sign in a batch,
    :mod:`sim.batch`).
    """
    rs, pop_share = world.region_state, world.population_share
    a_state = world.by_state(a)[:, rs]
    threat_share = np.where(a_state > 0, a / np.maximum(a_state, 1e-12), pop_share)
    garrison = pop_share
    if np.any(np.asarray(pullback_share) > 0):
        low = st.control < pullback_control
        if low.any():
            # where the garrison goes: the state's towns (urban population); in a state without
            # towns, its regions still held; in a state with neither, it stays where it is
            towns = world.urban_share * world.population
            held = np.where(low, 0.0, world.population)
            dest = np.where(world.by_state(towns)[rs] > 0, towns, held)
            dest_total = world.by_state(dest)[:, rs]
            pulled = np.where(low & (dest_total > 0), pullback_share * pop_share, 0.0)
            garrison = pop_share - pulled + world.by_state(pulled)[:, rs] * dest / np.maximum(
                dest_total, 1e-12)
    army_r = st.army[:, rs] * (garrison_share * garrison + (1.0 - garrison_share) * threat_share)
    return army_r, threat_share


def _militia_harm(world: World, st: SimState, mp: MilitiaParams | None) -> np.ndarray | float:
    """Civilian deaths per militia member-month at full contest: ``civilian_harm`` x
    (1 + ``reprisal_amplifier`` x m / (1 + m)), m the massacres remembered per 10k people: the
    reprisal cycle raises militias' killing, up to (1 + amplifier) times."""
    if mp is None:
        return 0.0
    if np.all(mp.reprisal_amplifier <= 0):  # one sign in a batch (sim.batch)
        return mp.civilian_harm
    m = st.massacre_memory / world.population_floor * 1e4
    return mp.civilian_harm * (1.0 + mp.reprisal_amplifier * m / (1.0 + m))


def air_sorties(world: World, st: SimState) -> np.ndarray:
    """[B, S] partners' air and ISR sorties a month in each state: ``air_sorties`` per 1,000
    personnel present, cut where the host restricts a downgraded partner's overflights."""
    per_power = personnel(world, st.level) / 1e3 * world.air_sorties[:, :, None]
    if st.downgraded.any():
        per_power = per_power * st.effect_factor.transpose(0, 2, 1)
    return per_power.sum(axis=1)


def _split(draws: np.ndarray, sizes: tuple[int, ...]) -> list[np.ndarray]:
    """Consecutive blocks of rows (axis 1) of ``draws`` with the given numbers of rows
    (views)."""
    out, k = [], 0
    for n in sizes:
        out.append(draws[:, k:k + n])
        k += n
    return out


def combat(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
           keys: np.ndarray, mp: MilitiaParams | None = None,
           reprisal_months: np.ndarray | float = 6.0) -> CombatResult:
    """Run one month of fighting in every region of every world at once; update control,
    fighters, the army, foreign casualties, civilian harm and fatalities in ``st``.

    Every Poisson count of a world's month (deaths on each side, civilians, rival clashes) comes
    from its own combat stream (``keys`` [B], :mod:`sim.rng`), one draw over a stacked array of
    rates in a fixed row order (see ``lam`` below): each count has its own place (row, region).
    """
    rs = world.region_state
    n_p, n_g = st.level.shape[1], st.fighters.shape[1]
    arms_per_soldier = st.arms_memory.sum(axis=2) / np.maximum(st.army, 1.0) / 1e4
    st.army_eff = world.army_effectiveness * (1.0 + p.arms_effect * arms_per_soldier)
    sorties = air_sorties(world, st)  # [B, S]
    if sorties.any():
        st.army_eff = st.army_eff * (1.0 + p.air_effectiveness * sorties
                                     / np.maximum(st.army / 1e3, 1.0))
    a = hostile_strength(world, st)
    army_r, ts = security_allocation(world, st, p.garrison_share, a, p.pullback_control,
                                     p.pullback_share)
    foreign_eff = np.einsum("bpsi,bpi->bs", st.level, world.person_effectiveness)  # [B, S]
    cut = st.downgraded.any(axis=(1, 2))  # worlds where a downgraded partner loses effect
    if cut.any():  # computed as a world alone computes it (the sums' order is the world's own)
        foreign_eff[cut] = (np.einsum("bpsi,bpi->bsp", st.level[cut],
                                      world.person_effectiveness[cut])
                            * st.effect_factor[cut]).sum(axis=2)
    militia = st.militia
    militia_eff = 0.0 if mp is None else mp.effectiveness
    s_eff = army_r * st.army_eff[:, rs] + ts * foreign_eff[:, rs] + militia * militia_eff
    s_scaled = s_eff / p.force_ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        sm, am = s_scaled ** p.tullock_m, a ** p.tullock_m
        success = np.where(a > 0, sm / (sm + am), 1.0)
    success[np.isnan(success)] = 1.0  # inf / inf: overwhelming strength on both sides
    st.control += p.control_speed * (success - st.control)
    st.control.clip(0.0, 1.0, out=st.control)

    engaged_strength = np.minimum(s_eff, p.force_ratio * a)
    engaged = ratio(engaged_strength, s_eff)
    hostile_attacks = (world.hostility[:, None, :] @ attacks)[:, 0]  # [B, R]
    e_state = p.lethality_state * hostile_attacks * (1.0 - success)
    e_fighters = p.lethality_fighters * hostile_attacks * success + p.operations_rate * engaged_strength
    contractors = np.einsum("bps,bp->bs", st.level[:, :, :, CONTRACTORS],
                            world.person_effectiveness[:, :, CONTRACTORS])  # [B, S]
    if contractors.any():  # contractors' operations are more lethal than a regular force's
        e_fighters = e_fighters + (p.contractor_lethality - 1.0) * p.operations_rate \
            * ts * contractors[:, rs] * engaged
    if sorties.any():  # air strikes where the threat is
        e_fighters = e_fighters + p.air_lethality * sorties[:, rs] * ts * (a > 0)

    # who among the state side dies: army by presence, foreign forces by exposure and targeting
    ft_num = (world.hostile_foreign_targeting[:, None, :] @ attacks)[:, 0]
    ft = ratio(ft_num, hostile_attacks, 1.0)
    exposure_ps = np.einsum("bpsi,bpi->bps", st.level, world.person_exposure)  # [B, P, S]
    w_foreign = exposure_ps[:, :, rs] * ts[:, None, :] * ft[:, None, :]  # [B, P, R]
    w_total = army_r + w_foreign.sum(axis=1) + militia
    share_army = ratio(army_r, w_total, 1.0)
    share_foreign = ratio(w_foreign, w_total[:, None, :])
    share_militia = ratio(militia, w_total)
    harm_ps = np.einsum("bpsi,bpi->bps", st.level, world.person_civilian_harm)  # [B, P, S]
    pairs = world.rival_pairs
    lam = np.concatenate((
        (e_state * share_army)[:, None, :],  # army deaths
        e_state[:, None, :] * share_foreign,  # foreign deaths [B, P, R]
        e_fighters[:, None, :],  # fighter deaths
        world.civilian_targeting[:, :, None] * attacks,  # civilians killed by groups [B, G, R]
        harm_ps[:, :, rs] * ts[:, None, :] * engaged[:, None, :],  # civilians killed by foreign
        (world.army_harm[:, rs] * army_r * engaged)[:, None, :],  # civilians killed by the army
        # militia members killed, and civilians killed by militias (reprisals)
        (e_state * share_militia)[:, None, :],
        (_militia_harm(world, st, mp) * militia * engaged)[:, None, :],
        # rival groups fight each other where both are present [B, pairs, R]
        (p.clash_rate * world.rival_weight)[:, :, None]
        * np.minimum(st.fighters[:, pairs[:, 0]], st.fighters[:, pairs[:, 1]]),
    ), axis=1)
    draws = poisson(keys, st.month, lam)
    (army_deaths, foreign_deaths, fighter_deaths, civ_groups, civ_foreign, civ_army,
     militia_deaths, civ_militia, clash_deaths) = _split(
        draws, (1, n_p, 1, n_g, n_p, 1, 1, 1, len(pairs)))
    army_deaths, fighter_deaths, civ_army = army_deaths[:, 0], fighter_deaths[:, 0], civ_army[:, 0]
    militia_deaths, civ_militia = militia_deaths[:, 0], civ_militia[:, 0]
    st.militia = np.maximum(st.militia - militia_deaths, 0.0)
    clash = world.rival_incidence.T @ (clash_deaths / 2.0)  # [B, G, R] half of a clash's dead

    # fighters lose their dead, in proportion to their presence
    total_f = st.fighters.sum(axis=1)
    f_share = ratio(st.fighters, total_f[:, None, :])
    st.fighters -= f_share * fighter_deaths[:, None, :] + clash
    np.maximum(st.fighters, 0.0, out=st.fighters)

    state_side = army_deaths + foreign_deaths.sum(axis=1) + militia_deaths
    civ_state_side = civ_army + civ_foreign.sum(axis=1) + civ_militia
    civilians = civ_groups.sum(axis=1) + civ_state_side
    st.fatalities = state_side + fighter_deaths + civilians + clash.sum(axis=1)
    st.civilian_fatalities = civilians
    # per state (counts, so the order of the sums does not matter)
    by_state = world.by_state(np.concatenate((army_deaths[:, None], foreign_deaths, civ_foreign,
                                              st.fatalities[:, None], civilians[:, None]),
                                             axis=1))
    army_s, casualties, civ_by_power, fat_s, civ_s = _split(by_state, (1, n_p, n_p, 1, 1))
    st.army = np.maximum(st.army - army_s[:, 0], 0.0)
    st.army_deaths = army_s[:, 0]
    st.casualties = casualties  # [B, P, S]
    st.harm_memory = st.harm_memory * _DECAY12 + civ_state_side
    st.harm_attributed = st.harm_attributed * _DECAY12 + civ_by_power.transpose(0, 2, 1)
    st.state_fatalities = fat_s[:, 0]
    st.state_civilian = civ_s[:, 0]

    # per group: attacks, deaths it inflicted (its share of hostile attacks), civilians it killed
    h_att = world.hostility[:, :, None] * attacks
    att_share = ratio(h_att, hostile_attacks[:, None, :])
    st.attacks = attacks.sum(axis=2)
    st.group_civilian = civ_groups.sum(axis=2)
    st.inflicted = ((att_share @ state_side[:, :, None])[:, :, 0] + st.group_civilian
                    + (world.rival_share.transpose(0, 2, 1) @ clash.sum(axis=2)[:, :, None])
                    [:, :, 0])
    massacre = civilians >= p.mass_casualty_threshold
    update_memories(st, hostile_attacks, np.where(massacre, civilians, 0.0), reprisal_months)
    return CombatResult(massacre_regions=np.nonzero(massacre),
                        army_mass_casualty=np.nonzero(st.army_deaths >= p.army_mass_casualty))
