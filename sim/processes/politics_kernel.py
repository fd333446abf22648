"""Compiled kernels (Numba) of process 4's politics, for the compiled path
(:func:`sim.engine.rng.compiled`): the coup hazard (:func:`coup_hazard`, the numpy
:func:`sim.processes.politics.coup_hazard`) and each partner's value to each regime
(:func:`partner_value`, :func:`sim.processes.politics.partner_value`), each one loop in place of
some thirty numpy calls.

The numpy code's operations in its order, as :mod:`sim.processes.combat_kernel` explains (``exp``,
``log`` and ``power`` :mod:`sim.engine.fmath`'s scalar twins; ``log10`` their ``log`` over ln 10;
``clip``, ``maximum`` and ``minimum`` as numpy's loops take them). The partners' bound support and
the West's objection come in as the numpy code computes them. Tested bit for bit against the numpy
code (``tests/processes/test_compiled_processes.py``).
"""

from __future__ import annotations

import numpy as np

from sim.engine.rng_kernel import compiled_exp, jit
from sim.processes.arrays_kernel import persons
from sim.processes.combat_kernel import power
from sim.processes.hosts_kernel import log10_1p, np_max, np_min

__all__ = ["coup_hazard", "partner_actions", "partner_month", "partner_value"]


@jit
def coup_hazard(month: int, last_attempt: np.ndarray, army_loss_memory: np.ndarray,
                army: np.ndarray, ins: np.ndarray, legitimacy: np.ndarray,
                military: np.ndarray, adjacency: np.ndarray, prm: np.ndarray,
                log_clip: float, max_hazard: float) -> np.ndarray:
    """[B, S] the monthly probability of a coup attempt (:func:`sim.processes.politics.coup_hazard`).
    ``military`` [B, S] bool, ``adjacency`` [S, S] bool; ``prm`` [B, 10]: each world's numbers in
    the order of :data:`sim.processes.politics.HAZARD_PARAMS`."""
    (RATE, TRAP_MONTHS, TRAP_MULT, INS_W, REF_INS, LOSS_W, LEG_W, REF_LEG, MIL_MULT,
     NEIGHBOUR) = range(10)
    n_b, n_s = army.shape
    out = np.empty((n_b, n_s))
    recent = np.empty(n_s, dtype=np.bool_)
    for b in range(n_b):
        base = 1.0 - compiled_exp(-prm[b, RATE] / 12.0)
        for s in range(n_s):
            recent[s] = (month - last_attempt[b, s]) < prm[b, TRAP_MONTHS]
        for s in range(n_s):
            trap = prm[b, TRAP_MULT] if recent[s] else 1.0
            losses_pct = 100.0 * army_loss_memory[b, s] / np_max(army[b, s], 1.0)
            log_m = (prm[b, INS_W] * (ins[b, s] - prm[b, REF_INS])
                     + prm[b, LOSS_W] * losses_pct
                     + prm[b, LEG_W] * (prm[b, REF_LEG] - legitimacy[b, s]))
            regime = prm[b, MIL_MULT] if military[b, s] else 1.0
            neighbours = 0.0
            for t in range(n_s):
                if adjacency[s, t] and recent[t]:
                    neighbours += 1.0
            rate = base * trap * compiled_exp(np_min(np_max(log_m, -log_clip), log_clip)) \
                * regime * power(prm[b, NEIGHBOUR], neighbours)
            out[b, s] = np_min(rate, max_hazard)
    return out


@jit
def partner_value(receptivity: np.ndarray, foreign: np.ndarray, capacity: np.ndarray,
                  trend: np.ndarray, ins: np.ndarray, threat: np.ndarray,
                  host_paid: np.ndarray, concessions: np.ndarray, budget: np.ndarray,
                  military: np.ndarray, sanctioned: np.ndarray, level: np.ndarray,
                  strategists_col: int, support: np.ndarray, objection: np.ndarray,
                  regime_protection: np.ndarray, conditionality: np.ndarray,
                  sanctions_patron: np.ndarray, prm: np.ndarray) -> np.ndarray:
    """[B, S, P] each power's value to each regime (:func:`sim.processes.politics.partner_value`).
    ``military`` and ``sanctioned`` [B, S] bool; ``prm`` [B, 13]: each world's numbers in the
    order of :data:`sim.processes.politics.VALUE_PARAMS`."""
    (DISCOUNT, CIV_SHARE, MOOD, SECURITY, PROTECTION, RESULTS, BLAME, PRICE, CONDITIONS, PATRON,
     LEVERAGE, STRATEGISTS, SCALE) = range(13)
    n_b, n_s, n_p = receptivity.shape
    out = np.empty((n_b, n_s, n_p))
    for b in range(n_b):
        for s in range(n_s):
            cap = capacity[b, s]
            improvement = np_max(-trend[b, s], 0.0)
            budget_month = np_max(budget[b, s] / 12.0, 1.0)
            felt = 1.0 if military[b, s] else prm[b, CIV_SHARE]
            under = 1.0 if sanctioned[b, s] else 0.0
            for p in range(n_p):
                share = foreign[b, s, p] / cap if cap > 0 else 0.0
                paid = (host_paid[b, s, p] + (1.0 - prm[b, DISCOUNT]) * concessions[b, s, p]) \
                    / budget_month
                info = log10_1p(level[b, p, s, strategists_col], prm[b, SCALE])
                out[b, s, p] = (prm[b, MOOD] * (receptivity[b, s, p] - 0.5)
                                + prm[b, SECURITY] * share
                                + prm[b, PROTECTION] * regime_protection[b, p] * threat[b, s]
                                + prm[b, RESULTS] * share * improvement
                                - prm[b, BLAME] * share * ins[b, s]
                                - prm[b, PRICE] * paid
                                - prm[b, CONDITIONS] * conditionality[b, p] * felt
                                + prm[b, PATRON] * under * (2.0 * sanctions_patron[b, p] - 1.0)
                                + prm[b, LEVERAGE] * support[b, s, p]
                                - objection[b, s, p]
                                + prm[b, STRATEGISTS] * info)
    return out


@jit
def partner_actions(level: np.ndarray, person_columns: np.ndarray, standing: np.ndarray,
                    objection: np.ndarray, has_objection: bool, agreement: np.ndarray,
                    cooperation: np.ndarray, downgraded: np.ndarray, banned_until: np.ndarray,
                    invited_until: np.ndarray, low_months: np.ndarray,
                    hostile_months: np.ndarray, military: np.ndarray, protected: np.ndarray,
                    hostile_host_months: np.ndarray, prm: np.ndarray, month: int) -> np.ndarray:
    """The regimes' actions [7, B, S, P] bool (invite, cooperate, downgrade, restore, expel, end
    agreement, leave: :class:`sim.processes.politics.PartnerActions`); updates ``low_months``,
    ``hostile_months`` and ``downgraded`` [B, S, P] in place
    (:func:`sim.processes.politics.partner_actions`). ``prm`` [B, 5]: each world's numbers in
    the order of :data:`sim.processes.politics.ACTION_PARAMS`."""
    DOWN, EXPEL, INVITE, COOPERATE, END_MONTHS = range(5)
    n_b, n_s, n_p = standing.shape
    out = np.zeros((7, n_b, n_s, n_p), dtype=np.bool_)
    for b in range(n_b):
        for s in range(n_s):
            mil = military[b, s]
            for p in range(n_p):
                here = persons(level, person_columns, b, p, s) > 0
                banned = banned_until[b, s, p] > month
                x = standing[b, s, p]
                below_down = here and x < prm[b, DOWN]
                below_expel = here and x < prm[b, EXPEL]
                low = low_months[b, s, p] + 1 if below_expel else 0
                hostile = hostile_months[b, s, p] + 1 if below_down else 0
                low_months[b, s, p] = low
                hostile_months[b, s, p] = hostile
                free = not here and not agreement[b, s, p] and not banned
                out[0, b, s, p] = free and invited_until[b, s, p] < month and x >= prm[b, INVITE]
                unopposed = x + objection[b, s, p] if has_objection else x
                out[1, b, s, p] = free and not cooperation[b, s, p] and \
                    unopposed >= prm[b, COOPERATE]
                down = downgraded[b, s, p] and here
                downgraded[b, s, p] = down
                out[2, b, s, p] = below_down and not down
                out[3, b, s, p] = down and x >= prm[b, DOWN] + 0.1
                keep = not protected[b, p]
                expel = mil and down and below_expel and not banned and keep
                end = not mil and low >= prm[b, END_MONTHS] and not banned and keep
                out[4, b, s, p] = expel
                out[5, b, s, p] = end
                out[6, b, s, p] = (hostile >= hostile_host_months[b, p] and not expel
                                   and not end and keep)
    return out


@jit
def partner_month(month: int, last_attempt: np.ndarray, army_loss_memory: np.ndarray,
                  army: np.ndarray, ins: np.ndarray, legitimacy: np.ndarray,
                  military: np.ndarray, adjacency: np.ndarray, hazard_prm: np.ndarray,
                  log_clip: float, max_hazard: float, receptivity: np.ndarray,
                  foreign: np.ndarray, capacity: np.ndarray, trend: np.ndarray,
                  host_paid: np.ndarray, concessions: np.ndarray, budget: np.ndarray,
                  sanctioned: np.ndarray, level: np.ndarray, strategists_col: int,
                  person_columns: np.ndarray, agreement: np.ndarray, leverage: np.ndarray,
                  conditionality: np.ndarray, opposed: np.ndarray,
                  regime_protection: np.ndarray, sanctions_patron: np.ndarray,
                  value_prm: np.ndarray, standing_rate: np.ndarray, standing: np.ndarray,
                  cooperation: np.ndarray, downgraded: np.ndarray, banned_until: np.ndarray,
                  invited_until: np.ndarray, low_months: np.ndarray,
                  hostile_months: np.ndarray, protected: np.ndarray,
                  hostile_host_months: np.ndarray, action_prm: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The regimes' month with their partners (:func:`sim.processes.politics.partner_month`):
    the partners' bound support and the West's objection, the coup threat (the hazard as a share
    of hazard + base), each partner's value (:func:`partner_value`), the standings moved toward
    it (updated in place), and the actions (:func:`partner_actions`, which update the counters
    and the downgrades in place). Returns ``(objection [B, S, P], actions [7, B, S, P])``.
    ``hazard_prm``, ``value_prm``, ``action_prm``: the params of :func:`coup_hazard`,
    :func:`partner_value` and :func:`partner_actions`; ``standing_rate`` [B]."""
    LEVERAGE = 10  # sim.processes.politics.VALUE_PARAMS's leverage_weight
    hazard = coup_hazard(month, last_attempt, army_loss_memory, army, ins, legitimacy, military,
                         adjacency, hazard_prm, log_clip, max_hazard)
    n_b, n_s, n_p = standing.shape
    support = np.empty((n_b, n_s, n_p))
    objection = np.empty((n_b, n_s, n_p))
    threat = np.empty((n_b, n_s))
    for b in range(n_b):
        base = 1.0 - compiled_exp(-hazard_prm[b, 0] / 12.0)  # politics.monthly_base
        for s in range(n_s):
            threat[b, s] = hazard[b, s] / (hazard[b, s] + base)
            mil = 1.0 if military[b, s] else 0.0
            total = 0.0  # the leverage the West holds: the support summed over the partners
            for p in range(n_p):
                bound = 1.0 if (persons(level, person_columns, b, p, s) > 0
                                or agreement[b, s, p]) else 0.0
                support[b, s, p] = bound * leverage[b, p] * (1.0 - conditionality[b, p] * mil)
                total += support[b, s, p]
            for p in range(n_p):
                objection[b, s, p] = value_prm[b, LEVERAGE] * total * opposed[b, p]
    value = partner_value(receptivity, foreign, capacity, trend, ins, threat, host_paid,
                          concessions, budget, military, sanctioned, level, strategists_col,
                          support, objection, regime_protection, conditionality,
                          sanctions_patron, value_prm)
    for b in range(n_b):
        rate = standing_rate[b]
        for s in range(n_s):
            for p in range(n_p):
                standing[b, s, p] += rate * (value[b, s, p] - standing[b, s, p])
    acts = partner_actions(level, person_columns, standing, objection, True, agreement,
                           cooperation, downgraded, banned_until, invited_until, low_months,
                           hostile_months, military, protected, hostile_host_months, action_prm,
                           month)
    return objection, acts
