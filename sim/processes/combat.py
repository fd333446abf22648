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

import functools
from dataclasses import dataclass

import numpy as np

from sim.config import INSTRUMENT_KINDS, CombatParams, MilitiaParams
from sim.engine import fmath
from sim.engine.rng import plain, poisson
from sim.processes.arrays import (
    compiled_batch,
    dot_last,
    param_columns,
    per_power,
    person_index,
    ratio,
    sum_axis,
    sum_last,
    weighted_rows,
)
from sim.processes.hosts import security_capacity
from sim.processes.militias import DECAY3, update_memories
from sim.processes.powers import personnel
from sim.state import SimState
from sim.world.build import SMALL_PRODUCT, World

__all__ = ["CombatResult", "air_sorties", "combat", "hostile_strength", "security_allocation"]

_DECAY12 = fmath.exp(-1.0 / 12.0)
CONTRACTORS = INSTRUMENT_KINDS.index("contractors")


@dataclass
class CombatResult:
    """What combat did this month (for events and recording): ``(world, index)`` pairs."""

    massacre_regions: tuple[np.ndarray, np.ndarray]  # worlds and regions of mass-casualty months
    army_mass_casualty: tuple[np.ndarray, np.ndarray]  # worlds and states: attacks on the army


def hostile_strength(world: World, st: SimState) -> np.ndarray:
    """[B, R] A: fighters x effectiveness x hostility, summed over groups."""
    return weighted_rows(world.hostile_effectiveness, st.fighters)


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
    :mod:`sim.engine.batch`).
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
    if np.all(mp.reprisal_amplifier <= 0):  # one sign in a batch (sim.engine.batch)
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


@functools.cache
def _totals_matrix(rows: tuple[int, ...]) -> np.ndarray:
    """[4, rows] which rows of the month's draws (blocks of ``rows`` rows, in the order of
    :func:`combat`'s rates) add up to the state side's dead, the civilians the state side
    killed, all civilians killed, and all the dead. A clash's dead count once: the two groups of
    its pair lose half of them each."""
    start = np.cumsum((0, *rows))
    army, foreign, fighters, civ_groups, civ_foreign, civ_army, militia, civ_militia, clash = (
        slice(start[k], start[k + 1]) for k in range(9))
    pick = np.zeros((4, start[-1]))
    for block in (army, foreign, militia):
        pick[0, block] = 1.0
    for block in (civ_army, civ_foreign, civ_militia):
        pick[1, block] = 1.0
    pick[2] = pick[1]
    pick[2, civ_groups] = 1.0
    pick[3] = pick[0] + pick[2]
    pick[3, fighters] = pick[3, clash] = 1.0
    pick.flags.writeable = False
    return pick


def _count_sums(pick: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``pick @ counts`` ([k, n] 0/1 by [B, n, m] counts: [B, k, m]), sums of counts, exact in any
    order: a stack of small matrix products, or ``einsum`` (no BLAS threads) for large ones."""
    if pick.size * counts.shape[-1] > SMALL_PRODUCT:
        return np.einsum("kn,bnm->bkm", pick, counts)  # exact: 0/1 times counts
    return pick @ counts  # exact: 0/1 times counts


def combat_rates(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
                 mp: MilitiaParams | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The month's Poisson rates ``[B, rows, R]`` (blocks of rows: army deaths, foreign deaths
    [P], fighter deaths, civilians killed by groups [G], by foreign forces [P], by the army,
    militia members killed, civilians killed by militias, clashes of rival pairs) and the hostile
    attacks ``[B, R]``; sets the army's effectiveness and moves control in ``st`` (numpy; the
    compiled kernel gives the same floats)."""
    rs = world.region_state
    n_p, n_g = st.level.shape[1], st.fighters.shape[1]
    arms_per_soldier = sum_last(st.arms_memory) / np.maximum(st.army, 1.0) / 1e4
    st.army_eff = world.army_effectiveness * (1.0 + p.arms_effect * arms_per_soldier)
    sorties = air_sorties(world, st)  # [B, S]
    if sorties.any():
        st.army_eff = st.army_eff * (1.0 + p.air_effectiveness * sorties
                                     / np.maximum(st.army / 1e3, 1.0))
    a = hostile_strength(world, st)
    army_r, ts = security_allocation(world, st, p.garrison_share, a, p.pullback_control,
                                     p.pullback_share)
    # the partners' effective personnel [B, S], a downgraded one's cut, as the host counts it
    foreign_eff = sum_last(security_capacity(world, st)[1])
    militia = st.militia
    militia_eff = 0.0 if mp is None else mp.effectiveness
    s_eff = army_r * st.army_eff[:, rs] + ts * foreign_eff[:, rs] + militia * militia_eff
    s_scaled = s_eff / p.force_ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.equal(p.tullock_m, 1.0).all():  # x ** 1.0 is x: the power's loop is skipped
            sm, am = s_scaled, a
        else:
            sm, am = fmath.power(s_scaled, p.tullock_m), fmath.power(a, p.tullock_m)
        success = np.where(a > 0, sm / (sm + am), 1.0)
    success[np.isnan(success)] = 1.0  # inf / inf: overwhelming strength on both sides
    st.control += p.control_speed * (success - st.control)
    st.control.clip(0.0, 1.0, out=st.control)

    engaged_strength = np.minimum(s_eff, p.force_ratio * a)
    engaged = ratio(engaged_strength, s_eff)
    hostile_attacks = weighted_rows(world.hostility, attacks)  # [B, R]
    e_state = p.lethality_state * hostile_attacks * (1.0 - success)
    e_fighters = p.lethality_fighters * hostile_attacks * success + p.operations_rate * engaged_strength
    contractors = sum_axis(st.level[:, :, :, CONTRACTORS]
                           * world.person_effectiveness[:, :, CONTRACTORS, None], 1)  # [B, S]
    if contractors.any():  # contractors' operations are more lethal than a regular force's
        e_fighters = e_fighters + (p.contractor_lethality - 1.0) * p.operations_rate \
            * ts * contractors[:, rs] * engaged
    if sorties.any():  # air strikes where the threat is
        e_fighters = e_fighters + p.air_lethality * sorties[:, rs] * ts * (a > 0)

    # who among the state side dies: army by presence, foreign forces by exposure and targeting
    ft_num = weighted_rows(world.hostile_foreign_targeting, attacks)
    ft = ratio(ft_num, hostile_attacks, 1.0)
    exposure_ps = per_power(st.level, world.person_exposure)  # [B, P, S]
    w_foreign = np.take(exposure_ps, rs, axis=2)  # [B, P, R]
    w_foreign *= ts[:, None, :]
    w_foreign *= ft[:, None, :]
    w_total = army_r + sum_axis(w_foreign, 1) + militia  # the powers added in their order
    share_army = ratio(army_r, w_total, 1.0)
    share_foreign = ratio(w_foreign, w_total[:, None, :])
    share_militia = ratio(militia, w_total)
    harm_ps = per_power(st.level, world.person_civilian_harm)  # [B, P, S]
    pairs = world.rival_pairs
    rows = (1, n_p, 1, n_g, n_p, 1, 1, 1, len(pairs))
    # the rates [B, rows, R]: blocks of rows in this order, each written in place
    lam = np.empty((a.shape[0], sum(rows), a.shape[1]))
    (army_l, foreign_l, fighter_l, groups_l, civ_foreign_l, civ_army_l, militia_l, civ_militia_l,
     clash_l) = _split(lam, rows)
    np.multiply(e_state, share_army, out=army_l[:, 0])  # army deaths
    np.multiply(e_state[:, None, :], share_foreign, out=foreign_l)  # foreign deaths [B, P, R]
    fighter_l[:, 0] = e_fighters  # fighter deaths
    # civilians killed by groups [B, G, R]
    np.multiply(world.civilian_targeting[:, :, None], attacks, out=groups_l)
    # civilians killed by foreign forces [B, P, R]
    np.multiply(np.take(harm_ps, rs, axis=2), ts[:, None, :], out=civ_foreign_l)
    civ_foreign_l *= engaged[:, None, :]
    # civilians killed by the army
    np.multiply(world.army_harm[:, rs], army_r, out=civ_army_l[:, 0])
    civ_army_l[:, 0] *= engaged
    # militia members killed, and civilians killed by militias (reprisals)
    np.multiply(e_state, share_militia, out=militia_l[:, 0])
    np.multiply(_militia_harm(world, st, mp), militia, out=civ_militia_l[:, 0])
    civ_militia_l[:, 0] *= engaged
    # rival groups fight each other where both are present [B, pairs, R]
    np.multiply((p.clash_rate * world.rival_weight)[:, :, None],
                np.minimum(st.fighters[:, pairs[:, 0]], st.fighters[:, pairs[:, 1]]), out=clash_l)
    return lam, hostile_attacks


def _compiled_rates(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
                    mp: MilitiaParams | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`combat_rates` by the compiled kernel (:func:`sim.processes.combat_kernel.rates`)."""
    from sim.processes.combat_kernel import rates

    n_b = st.army.shape[0]
    cut = KERNEL_PARAMS.index("effectiveness")  # the militias' params from here
    militias = (np.zeros((n_b, len(KERNEL_PARAMS) - cut)) if mp is None
                else param_columns(world.memo, mp, KERNEL_PARAMS[cut:], n_b))
    prm = np.concatenate((param_columns(world.memo, p, KERNEL_PARAMS[:cut], n_b),
                          militias), axis=1)
    amplified = mp is not None and not np.all(mp.reprisal_amplifier <= 0)
    control = plain(st.control)
    army_eff, lam, hostile_attacks = rates(
        world.region_state, len(world.state_ids), person_index(world),
        CONTRACTORS, plain(world.rival_pairs), world.population, world.population_share,
        world.urban_share, world.population_floor, plain(world.army_effectiveness),
        plain(world.army_harm), plain(world.air_sorties), plain(world.person_effectiveness),
        plain(world.person_exposure), plain(world.person_civilian_harm),
        plain(world.hostile_effectiveness), plain(world.hostility),
        plain(world.hostile_foreign_targeting), plain(world.civilian_targeting),
        plain(world.rival_weight), plain(st.arms_memory), plain(st.army), plain(st.level),
        bool(st.downgraded.any()), plain(st.effect_factor), plain(st.fighters),
        plain(st.militia), plain(st.massacre_memory), control, plain(attacks), prm,
        mp is not None, bool(amplified))
    st.army_eff = army_eff
    st.control = control
    return lam, hostile_attacks


#: The combat and militia params the compiled rates read, in the order of their columns
#: (:func:`sim.processes.combat_kernel.rates`).
KERNEL_PARAMS = ("arms_effect", "air_effectiveness", "garrison_share", "pullback_control",
                 "pullback_share", "force_ratio", "tullock_m", "control_speed", "lethality_state",
                 "lethality_fighters", "operations_rate", "contractor_lethality", "air_lethality",
                 "clash_rate", "effectiveness", "civilian_harm", "reprisal_amplifier")


def _compiled_outcomes(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
                       hostile_attacks: np.ndarray, draws: np.ndarray,
                       reprisal_months: np.ndarray | float) -> np.ndarray:
    """What the counts do, by the compiled kernel (:func:`sim.processes.combat_kernel.outcomes`):
    the numpy code of :func:`combat` after its draw, the same floats. Returns the month's
    massacres [B, R] bool."""
    from sim.processes.combat_kernel import outcomes

    n_b, n_p, n_g = st.army.shape[0], st.level.shape[1], st.fighters.shape[1]
    decay = np.broadcast_to(np.asarray(fmath.exp(-1.0 / np.asarray(reprisal_months, dtype=float)),
                                       dtype=float).reshape(-1), n_b)
    st.fighters = plain(st.fighters)  # fighters lose their dead in place
    (st.militia, st.army, st.army_deaths, st.casualties, st.harm_memory, st.harm_attributed,
     st.fatalities, st.civilian_fatalities, st.state_fatalities, st.state_civilian, st.attacks,
     st.group_civilian, st.inflicted, st.attack_memory, st.massacre_memory, massacre) = outcomes(
        plain(draws), n_p, n_g, world.region_state, len(world.state_ids),
        plain(world.rival_incidence), plain(world.rival_share), st.fighters, plain(st.militia),
        plain(st.army), plain(st.harm_memory), plain(st.harm_attributed),
        plain(st.attack_memory), plain(st.massacre_memory), plain(world.hostility),
        plain(attacks), plain(hostile_attacks),
        param_columns(world.memo, p, ("mass_casualty_threshold",), n_b)[:, 0].copy(),
        plain(decay), _DECAY12, DECAY3)
    return massacre


def combat(world: World, st: SimState, p: CombatParams, attacks: np.ndarray,
           keys: np.ndarray, mp: MilitiaParams | None = None,
           reprisal_months: np.ndarray | float = 6.0) -> CombatResult:
    """Run one month of fighting in every region of every world at once; update control,
    fighters, the army, foreign casualties, civilian harm and fatalities in ``st``.

    Every Poisson count of a world's month (deaths on each side, civilians, rival clashes) comes
    from its own combat stream (``keys`` [B], :mod:`sim.engine.rng`), one draw over a stacked array of
    rates in a fixed row order (see :func:`combat_rates`): each count has its own place (row,
    region). The rates come from the compiled kernel (:mod:`sim.processes.combat_kernel`) when
    the compiled kernels are in use (:func:`sim.engine.rng.compiled`), else from
    :func:`combat_rates`: the same floats.
    """
    n_p, n_g = st.level.shape[1], st.fighters.shape[1]
    rows = (1, n_p, 1, n_g, n_p, 1, 1, 1, len(world.rival_pairs))
    kernel = compiled_batch(st)
    if kernel:
        lam, hostile_attacks = _compiled_rates(world, st, p, attacks, mp)
    else:
        lam, hostile_attacks = combat_rates(world, st, p, attacks, mp)
    draws = poisson(keys, st.month, lam)
    if kernel:
        massacre = _compiled_outcomes(world, st, p, attacks, hostile_attacks, draws,
                                      reprisal_months)
        return CombatResult(massacre_regions=np.nonzero(massacre),
                            army_mass_casualty=np.nonzero(st.army_deaths >= p.army_mass_casualty))
    _, _, fighter_deaths, civ_groups, _, _, militia_deaths, _, clash_deaths = _split(draws, rows)
    fighter_deaths, militia_deaths = fighter_deaths[:, 0], militia_deaths[:, 0]
    st.militia = np.maximum(st.militia - militia_deaths, 0.0)
    # [B, G, R] half of a clash's dead  (exact: 0/1 times halves of counts)
    clash = world.rival_incidence.T @ (clash_deaths / 2.0)  # exact: 0/1 times halves

    # fighters lose their dead, in proportion to their presence
    total_f = st.fighters.sum(axis=1)
    f_share = ratio(st.fighters, total_f[:, None, :])
    st.fighters -= f_share * fighter_deaths[:, None, :] + clash
    np.maximum(st.fighters, 0.0, out=st.fighters)

    # sums of counts, so the order of the additions does not matter: the state side's dead, the
    # civilians it killed, all civilians killed and all the dead [B, R], and per state
    totals = _totals_matrix(rows)
    sums = _count_sums(totals, draws).transpose(1, 0, 2).copy()  # [4, B, R]
    state_side, civ_state_side, civilians = sums[0], sums[1], sums[2]
    st.fatalities = sums[3]
    st.civilian_fatalities = civilians
    by_state = world.count_by_state(draws)  # [B, rows, S]
    army_s, casualties, _, _, civ_by_power = _split(by_state, rows[:5])
    state_sums = _count_sums(totals[2:], by_state)
    civ_s, fat_s = state_sums[:, 0], state_sums[:, 1]
    st.army = np.maximum(st.army - army_s[:, 0], 0.0)
    st.army_deaths = army_s[:, 0]
    st.casualties = casualties  # [B, P, S]
    st.harm_memory = st.harm_memory * _DECAY12 + civ_state_side
    st.harm_attributed = st.harm_attributed * _DECAY12 + civ_by_power.transpose(0, 2, 1)
    st.state_fatalities = fat_s
    st.state_civilian = civ_s

    # per group: attacks, deaths it inflicted (its share of hostile attacks), civilians it killed
    h_att = world.hostility[:, :, None] * attacks
    att_share = ratio(h_att, hostile_attacks[:, None, :])
    st.attacks = attacks.sum(axis=2)
    st.group_civilian = civ_groups.sum(axis=2)
    # the deaths a group inflicted on the state side: a sum over the regions (numpy's pairwise sum
    # of each row of a fresh C-contiguous array), then the clashes' dead by rival pair, in order
    st.inflicted = ((att_share * state_side[:, None, :]).sum(axis=2) + st.group_civilian
                    + dot_last(world.rival_share.transpose(0, 2, 1), clash.sum(axis=2)[:, None, :]))
    massacre = civilians >= p.mass_casualty_threshold
    update_memories(st, hostile_attacks, np.where(massacre, civilians, 0.0), reprisal_months)
    return CombatResult(massacre_regions=np.nonzero(massacre),
                        army_mass_casualty=np.nonzero(st.army_deaths >= p.army_mass_casualty))
