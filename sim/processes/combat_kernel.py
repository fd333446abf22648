"""The compiled kernel of process 3's rates (Numba): :func:`sim.processes.combat.combat` up to
its Poisson draw, in machine code, with the numbers, formulas and order of operations of the
numpy implementation (:func:`sim.processes.combat.combat_rates`), so the rates, the army's
effectiveness and the control it leaves are the same floats, bit for bit.

What it computes, stage by stage as the numpy code does (each stage a loop over every world
and region instead of a dozen numpy calls, each with its temporary arrays):

- the army's effectiveness per soldier (arms received, then partners' air and ISR sorties);
- the hostile strength and where the security forces stand (garrison, field force, pull-back
  to the towns);
- the Tullock contest (``fmath``'s power: :func:`power`) and the move of control;
- the month's Poisson rates ``[B, rows, R]`` in :func:`sim.processes.combat.combat`'s row order,
  and the hostile attacks ``[B, R]``.

Every sum is taken in the order the numpy code takes it: sums over the instruments, powers and
groups one term after the other (the first term first, as ``dot_last``, ``sum_axis`` and
``weighted_rows`` do; from +0.0 where ``sum_last``, ``personnel`` and ``bincount`` start), the
sums over a state's regions in region order. A condition the numpy code tests on the whole
batch (``sorties.any()``, ``contractors.any()``, any world pulling back, ``tullock_m`` 1 in every
world, a reprisal amplifier in any world, a downgraded partner anywhere) is tested on the whole
batch here too. No fast-math: LLVM fuses no multiply and add, and ``exp`` and ``log`` are
:mod:`sim.engine.fmath`'s scalar twins (:mod:`sim.engine.rng_kernel`).

Imported by :func:`sim.processes.combat.combat` when the compiled kernels are in use
(:func:`sim.engine.rng.compiled`); compiled on first use and cached on disk like the Poisson
kernel.
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.rng_kernel import compiled_exp, compiled_log, jit
from sim.processes.arrays_kernel import effective, persons
from sim.processes.groups_kernel import row_sum
from sim.processes.hosts_kernel import np_max

__all__ = ["outcomes", "power", "rates", "row_offsets"]


@jit
def power(x: float, y: float) -> float:
    """:func:`sim.engine.fmath.power` of one pair of numbers, step for step: ``x`` where y is 1,
    ``exp(y log x)`` for a finite x > 0, IEEE's answers at 0 and inf, NaN below 0 and for NaN."""
    if y == 1.0:
        return x
    if x > 0.0 and x < math.inf:
        return compiled_exp(y * compiled_log(x))
    if math.isnan(y) and not math.isnan(x):
        return math.nan
    if x == 0.0:
        return 0.0 if y > 0.0 else (math.inf if y < 0.0 else 1.0)
    if x == math.inf:
        return math.inf if y > 0.0 else (0.0 if y < 0.0 else 1.0)
    return math.nan


@jit
def row_offsets(n_p: int, n_g: int) -> tuple[int, int, int, int, int, int, int, int]:
    """The first row of each block of the month's rates and counts but the army's (row 0), in
    :func:`sim.processes.combat.combat`'s order: foreign deaths [P], fighters, civilians by
    groups [G], by foreign forces [P], by the army, militia members, civilians by militias,
    clashes [K]."""
    r_foreign = 1
    r_fighters = r_foreign + n_p
    r_groups = r_fighters + 1
    r_civ_foreign = r_groups + n_g
    r_civ_army = r_civ_foreign + n_p
    r_militia = r_civ_army + 1
    r_civ_militia = r_militia + 1
    return (r_foreign, r_fighters, r_groups, r_civ_foreign, r_civ_army, r_militia,
            r_civ_militia, r_civ_militia + 1)


@jit
def _by_state(x: np.ndarray, rs: np.ndarray, n_s: int) -> np.ndarray:
    """[B, S] the sums of ``x`` [B, R] over each state's regions, from +0.0 in region order
    (``World.by_state``'s ``bincount``)."""
    n_b, n_r = x.shape
    out = np.zeros((n_b, n_s))
    for b in range(n_b):
        for r in range(n_r):
            out[b, rs[r]] += x[b, r]
    return out


@jit
def rates(rs: np.ndarray, n_s: int, person_columns: np.ndarray, contractors_col: int,
          pairs: np.ndarray, population: np.ndarray, population_share: np.ndarray,
          urban_share: np.ndarray, population_floor: np.ndarray,
          army_effectiveness: np.ndarray, army_harm: np.ndarray, air_sorties: np.ndarray,
          person_effectiveness: np.ndarray, person_exposure: np.ndarray,
          person_civilian_harm: np.ndarray, hostile_effectiveness: np.ndarray,
          hostility: np.ndarray, hostile_foreign_targeting: np.ndarray,
          civilian_targeting: np.ndarray, rival_weight: np.ndarray,
          arms_memory: np.ndarray, army: np.ndarray, level: np.ndarray,
          downgraded_any: bool, effect_factor: np.ndarray, fighters: np.ndarray,
          militia: np.ndarray, massacre_memory: np.ndarray, control: np.ndarray,
          attacks: np.ndarray, prm: np.ndarray, militias: bool, amplified: bool,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The month's rates: returns ``(army_eff [B, S], lam [B, rows, R], hostile_attacks [B, R])``
    and moves ``control`` [B, R] in place (:func:`sim.processes.combat.combat_rates`).

    ``prm`` [B, 17] holds each world's numbers in the order of
    :data:`sim.processes.combat.KERNEL_PARAMS`; ``militias`` says whether the militias take part
    (their params given), ``amplified`` whether any world's reprisal amplifier is above 0.
    """
    n_b, n_p, _, n_i = level.shape
    n_g, n_r = fighters.shape[1], fighters.shape[2]
    n_k = pairs.shape[0]
    (ARMS, AIR_EFF, GARRISON, PB_CONTROL, PB_SHARE, FORCE, TULLOCK, SPEED, L_STATE, L_FIGHTERS,
     OPS, CONTRACTOR, AIR_LETHAL, CLASH, M_EFF, M_HARM, M_AMP) = range(17)
    # the army's effectiveness: arms per soldier (the powers' deliveries from +0.0), then sorties
    army_eff = np.empty((n_b, n_s))
    sorties = np.zeros((n_b, n_s))
    sorties_any = False
    for b in range(n_b):
        for s in range(n_s):
            arms = 0.0
            for q in range(arms_memory.shape[2]):
                arms += arms_memory[b, s, q]
            aps = arms / max(army[b, s], 1.0) / 1e4
            army_eff[b, s] = army_effectiveness[b, s] * (1.0 + prm[b, ARMS] * aps)
            total = 0.0
            for pi in range(n_p):
                per = persons(level, person_columns, b, pi, s) / 1e3 * air_sorties[b, pi]
                if downgraded_any:
                    per = per * effect_factor[b, s, pi]
                total = per if pi == 0 else total + per
            sorties[b, s] = total
            if total != 0.0:
                sorties_any = True
    if sorties_any:
        for b in range(n_b):
            for s in range(n_s):
                army_eff[b, s] = army_eff[b, s] * (1.0 + prm[b, AIR_EFF] * sorties[b, s]
                                                   / max(army[b, s] / 1e3, 1.0))
    # hostile strength [B, R] (groups in order), and the partners' effective personnel [B, S]
    a = np.empty((n_b, n_r))
    for b in range(n_b):
        for r in range(n_r):
            v = hostile_effectiveness[b, 0] * fighters[b, 0, r]
            for g in range(1, n_g):
                v += hostile_effectiveness[b, g] * fighters[b, g, r]
            a[b, r] = v
    foreign_eff = np.zeros((n_b, n_s))
    for b in range(n_b):
        for s in range(n_s):
            tot = 0.0
            for pi in range(n_p):
                tot += effective(level, person_effectiveness, downgraded_any, effect_factor, b,
                                 pi, s)
            foreign_eff[b, s] = tot
    # where the forces stand (security_allocation)
    a_state = _by_state(a, rs, n_s)
    ts = np.empty((n_b, n_r))
    for b in range(n_b):
        for r in range(n_r):
            st_a = a_state[b, rs[r]]
            ts[b, r] = a[b, r] / max(st_a, 1e-12) if st_a > 0 else population_share[r]
    garrison = np.empty((n_b, n_r))
    for b in range(n_b):
        for r in range(n_r):
            garrison[b, r] = population_share[r]
    pull_share_any = False
    for b in range(n_b):
        if prm[b, PB_SHARE] > 0:
            pull_share_any = True
    low_any = False
    if pull_share_any:
        for b in range(n_b):
            for r in range(n_r):
                if control[b, r] < prm[b, PB_CONTROL]:
                    low_any = True
    if low_any:
        towns = np.empty(n_r)
        for r in range(n_r):
            towns[r] = urban_share[r] * population[r]
        town_state = np.zeros(n_s)
        for r in range(n_r):
            town_state[rs[r]] += towns[r]
        dest = np.empty((n_b, n_r))
        for b in range(n_b):
            for r in range(n_r):
                if town_state[rs[r]] > 0:
                    dest[b, r] = towns[r]
                else:
                    dest[b, r] = 0.0 if control[b, r] < prm[b, PB_CONTROL] else population[r]
        dest_state = _by_state(dest, rs, n_s)
        pulled = np.empty((n_b, n_r))
        for b in range(n_b):
            for r in range(n_r):
                low = control[b, r] < prm[b, PB_CONTROL]
                pulled[b, r] = (prm[b, PB_SHARE] * population_share[r]
                                if low and dest_state[b, rs[r]] > 0 else 0.0)
        pulled_state = _by_state(pulled, rs, n_s)
        for b in range(n_b):
            for r in range(n_r):
                garrison[b, r] = (population_share[r] - pulled[b, r]
                                  + pulled_state[b, rs[r]] * dest[b, r]
                                  / max(dest_state[b, rs[r]], 1e-12))
    # the contest, control, the engaged strength (combat's own steps)
    tullock_one = True
    for b in range(n_b):
        if prm[b, TULLOCK] != 1.0:
            tullock_one = False
    army_r = np.empty((n_b, n_r))
    s_eff = np.empty((n_b, n_r))
    success = np.empty((n_b, n_r))
    engaged_strength = np.empty((n_b, n_r))
    engaged = np.empty((n_b, n_r))
    for b in range(n_b):
        gs = prm[b, GARRISON]
        force = prm[b, FORCE]
        m_eff = prm[b, M_EFF] if militias else 0.0
        for r in range(n_r):
            s = rs[r]
            ar = army[b, s] * (gs * garrison[b, r] + (1.0 - gs) * ts[b, r])
            army_r[b, r] = ar
            se = ar * army_eff[b, s] + ts[b, r] * foreign_eff[b, s] + militia[b, r] * m_eff
            s_eff[b, r] = se
            scaled = se / force
            ar_ = a[b, r]
            if tullock_one:
                sm, am = scaled, ar_
            else:
                sm, am = power(scaled, prm[b, TULLOCK]), power(ar_, prm[b, TULLOCK])
            succ = sm / (sm + am) if ar_ > 0 else 1.0
            if math.isnan(succ):
                succ = 1.0
            success[b, r] = succ
            c = control[b, r] + prm[b, SPEED] * (succ - control[b, r])
            control[b, r] = min(max(c, 0.0), 1.0) if not math.isnan(c) else c
            es = min(se, force * ar_) if not (math.isnan(se) or math.isnan(force * ar_)) \
                else math.nan
            engaged_strength[b, r] = es
            engaged[b, r] = es / se if se > 0 else 0.0
    # attacks and the expected deaths on each side
    hostile_attacks = np.empty((n_b, n_r))
    ft = np.empty((n_b, n_r))
    for b in range(n_b):
        for r in range(n_r):
            v = hostility[b, 0] * attacks[b, 0, r]
            t = hostile_foreign_targeting[b, 0] * attacks[b, 0, r]
            for g in range(1, n_g):
                v += hostility[b, g] * attacks[b, g, r]
                t += hostile_foreign_targeting[b, g] * attacks[b, g, r]
            hostile_attacks[b, r] = v
            ft[b, r] = t / v if v > 0 else 1.0
    contractors = np.empty((n_b, n_s))
    contractors_any = False
    for b in range(n_b):
        for s in range(n_s):
            v = level[b, 0, s, contractors_col] * person_effectiveness[b, 0, contractors_col]
            for pi in range(1, n_p):
                v += level[b, pi, s, contractors_col] * person_effectiveness[b, pi, contractors_col]
            contractors[b, s] = v
            if v != 0.0:
                contractors_any = True
    e_state = np.empty((n_b, n_r))
    e_fighters = np.empty((n_b, n_r))
    for b in range(n_b):
        for r in range(n_r):
            s = rs[r]
            ha = hostile_attacks[b, r]
            succ = success[b, r]
            e_state[b, r] = prm[b, L_STATE] * ha * (1.0 - succ)
            ef = prm[b, L_FIGHTERS] * ha * succ + prm[b, OPS] * engaged_strength[b, r]
            if contractors_any:
                ef = ef + ((((prm[b, CONTRACTOR] - 1.0) * prm[b, OPS]) * ts[b, r])
                           * contractors[b, s]) * engaged[b, r]
            if sorties_any:
                ef = ef + ((prm[b, AIR_LETHAL] * sorties[b, s]) * ts[b, r]) * (
                    1.0 if a[b, r] > 0 else 0.0)
            e_fighters[b, r] = ef
    # the rates [B, rows, R]: army, foreign [P], fighters, civilians by groups [G], by foreign
    # forces [P], by the army, militia members, civilians by militias, clashes [K]
    lam = np.empty((n_b, row_offsets(n_p, n_g)[-1] + n_k, n_r))
    (r_foreign, r_fighters, r_groups, r_civ_foreign, r_civ_army, r_militia, r_civ_militia,
     r_clash) = row_offsets(n_p, n_g)
    exposure = np.empty((n_p, n_s))
    harm = np.empty((n_p, n_s))
    amp = m_harm = 0.0
    w_foreign = np.empty((n_p, n_r))
    for b in range(n_b):
        for pi in range(n_p):
            for s in range(n_s):
                v = level[b, pi, s, 0] * person_exposure[b, pi, 0]
                h = level[b, pi, s, 0] * person_civilian_harm[b, pi, 0]
                for i in range(1, n_i):
                    v += level[b, pi, s, i] * person_exposure[b, pi, i]
                    h += level[b, pi, s, i] * person_civilian_harm[b, pi, i]
                exposure[pi, s] = v
                harm[pi, s] = h
        if militias:
            amp, m_harm = prm[b, M_AMP], prm[b, M_HARM]
        for r in range(n_r):
            s = rs[r]
            for pi in range(n_p):
                w_foreign[pi, r] = exposure[pi, s] * ts[b, r] * ft[b, r]
            wsum = w_foreign[0, r]
            for pi in range(1, n_p):
                wsum += w_foreign[pi, r]
            w_total = army_r[b, r] + wsum + militia[b, r]
            es = e_state[b, r]
            eng = engaged[b, r]
            lam[b, 0, r] = es * (army_r[b, r] / w_total if w_total > 0 else 1.0)
            for pi in range(n_p):
                lam[b, r_foreign + pi, r] = es * (w_foreign[pi, r] / w_total if w_total > 0
                                                  else 0.0)
            lam[b, r_fighters, r] = e_fighters[b, r]
            for g in range(n_g):
                lam[b, r_groups + g, r] = civilian_targeting[b, g] * attacks[b, g, r]
            for pi in range(n_p):
                lam[b, r_civ_foreign + pi, r] = harm[pi, s] * ts[b, r] * eng
            lam[b, r_civ_army, r] = army_harm[b, s] * army_r[b, r] * eng
            lam[b, r_militia, r] = es * (militia[b, r] / w_total if w_total > 0 else 0.0)
            if not militias:
                mh = 0.0
            elif amplified:
                mm = massacre_memory[b, r] / population_floor[r] * 1e4
                mh = m_harm * (1.0 + amp * mm / (1.0 + mm))
            else:
                mh = m_harm
            lam[b, r_civ_militia, r] = mh * militia[b, r] * eng
            for k in range(n_k):
                f0 = fighters[b, pairs[k, 0], r]
                f1 = fighters[b, pairs[k, 1], r]
                low_f = min(f0, f1) if not (math.isnan(f0) or math.isnan(f1)) else math.nan
                lam[b, r_clash + k, r] = (prm[b, CLASH] * rival_weight[b, k]) * low_f
    return army_eff, lam, hostile_attacks


@jit
def outcomes(draws: np.ndarray, n_p: int, n_g: int, rs: np.ndarray, n_s: int,
             rival_incidence: np.ndarray, rival_share: np.ndarray, fighters: np.ndarray,
             militia: np.ndarray, army: np.ndarray, harm_memory: np.ndarray,
             harm_attributed: np.ndarray, attack_memory: np.ndarray,
             massacre_memory: np.ndarray, hostility: np.ndarray, attacks: np.ndarray,
             hostile_attacks: np.ndarray, threshold: np.ndarray, reprisal_decay: np.ndarray,
             decay12: float, decay3: float) -> tuple:
    """What the month's counts ``draws`` [B, rows, R] do (:func:`sim.processes.combat.combat`
    after its draw): fighters lose their dead in place; returns the new ``(militia, army,
    army_deaths, casualties, harm_memory, harm_attributed, fatalities, civilians,
    state_fatalities, state_civilian, attacks, group_civilian, inflicted, attack_memory,
    massacre_memory, massacre)``. The sums of counts are exact in any order; the fighters'
    shares, the memories and the deaths a group inflicted are taken as numpy takes them
    (the groups in order from +0.0; a row of regions by :func:`row_sum`)."""
    n_b, _, n_r = draws.shape
    n_k = rival_incidence.shape[0]
    (r_foreign, r_fighters, r_groups, r_civ_foreign, r_civ_army, r_militia, r_civ_militia,
     r_clash) = row_offsets(n_p, n_g)
    new_militia = np.empty((n_b, n_r))
    new_army = np.empty((n_b, n_s))
    army_deaths = np.zeros((n_b, n_s))
    casualties = np.zeros((n_b, n_p, n_s))
    civ_by_power = np.zeros((n_b, n_p, n_s))
    new_harm = np.empty((n_b, n_r))
    new_attributed = np.empty((n_b, n_s, n_p))
    fatalities = np.empty((n_b, n_r))
    civilians = np.empty((n_b, n_r))
    state_fatalities = np.zeros((n_b, n_s))
    state_civilian = np.zeros((n_b, n_s))
    total_attacks = np.empty((n_b, n_g))
    group_civilian = np.empty((n_b, n_g))
    inflicted = np.empty((n_b, n_g))
    new_attack_memory = np.empty((n_b, n_r))
    new_massacre_memory = np.empty((n_b, n_r))
    massacre = np.zeros((n_b, n_r), dtype=np.bool_)
    state_side = np.empty(n_r)
    clash_sum = np.empty(n_g)
    clash = np.empty(n_g)
    row = np.empty(n_r)
    for b in range(n_b):
        clash_sum[:] = 0.0
        for r in range(n_r):
            new_militia[b, r] = np_max(militia[b, r] - draws[b, r_militia, r], 0.0)
            # half of a clash's dead to each group of its pair (exact: halves of counts)
            for g in range(n_g):
                c = 0.0
                for k in range(n_k):
                    c += rival_incidence[k, g] * (draws[b, r_clash + k, r] / 2.0)
                clash[g] = c
                clash_sum[g] += c
            total = 0.0
            for g in range(n_g):
                total += fighters[b, g, r]
            dead = draws[b, r_fighters, r]
            for g in range(n_g):
                f = fighters[b, g, r]
                share = f / total if total > 0 else 0.0
                fighters[b, g, r] = np_max(f - (share * dead + clash[g]), 0.0)
            # sums of counts (exact in any order): the state side's dead and the civilians it
            # killed, all civilians, all the dead
            side = draws[b, 0, r] + draws[b, r_militia, r]
            civ_side = draws[b, r_civ_army, r] + draws[b, r_civ_militia, r]
            for p in range(n_p):
                side += draws[b, r_foreign + p, r]
                civ_side += draws[b, r_civ_foreign + p, r]
            civ = civ_side
            for g in range(n_g):
                civ += draws[b, r_groups + g, r]
            dead_all = side + civ + dead
            for k in range(n_k):
                dead_all += draws[b, r_clash + k, r]
            state_side[r] = side
            civilians[b, r] = civ
            fatalities[b, r] = dead_all
            s = rs[r]
            army_deaths[b, s] += draws[b, 0, r]
            for p in range(n_p):
                casualties[b, p, s] += draws[b, r_foreign + p, r]
                civ_by_power[b, p, s] += draws[b, r_civ_foreign + p, r]
            state_fatalities[b, s] += dead_all
            state_civilian[b, s] += civ
            new_harm[b, r] = harm_memory[b, r] * decay12 + civ_side
            new_attack_memory[b, r] = attack_memory[b, r] * decay3 + hostile_attacks[b, r]
            hit = civ >= threshold[b]
            massacre[b, r] = hit
            new_massacre_memory[b, r] = massacre_memory[b, r] * reprisal_decay[b] + (
                civ if hit else 0.0)
        for s in range(n_s):
            new_army[b, s] = np_max(army[b, s] - army_deaths[b, s], 0.0)
            for p in range(n_p):
                new_attributed[b, s, p] = harm_attributed[b, s, p] * decay12 \
                    + civ_by_power[b, p, s]
        for g in range(n_g):
            a = 0.0
            civ_g = 0.0
            for r in range(n_r):
                a += attacks[b, g, r]
                civ_g += draws[b, r_groups + g, r]
                ha = hostile_attacks[b, r]
                share = hostility[b, g] * attacks[b, g, r] / ha if ha > 0 else 0.0
                row[r] = share * state_side[r]
            total_attacks[b, g] = a
            group_civilian[b, g] = civ_g
            rival = rival_share[b, 0, g] * clash_sum[0]
            for h in range(1, n_g):
                rival += rival_share[b, h, g] * clash_sum[h]
            inflicted[b, g] = row_sum(row) + civ_g + rival
    return (new_militia, new_army, army_deaths, casualties, new_harm, new_attributed, fatalities,
            civilians, state_fatalities, state_civilian, total_attacks, group_civilian, inflicted,
            new_attack_memory, new_massacre_memory, massacre)
