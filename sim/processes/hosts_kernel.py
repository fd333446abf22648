"""Compiled kernels (Numba) of process 4's opinion steps, for the compiled path
(:func:`sim.engine.rng.compiled`): the public's receptivity (:func:`receptivity`, the numpy
:func:`sim.processes.hosts.update_receptivity`) and the month's expected protests
(:func:`protests`, :func:`sim.processes.hosts.update_protests`), each a loop over the worlds,
states and powers in place of some forty numpy calls.

The numpy code's operations in its order, as :mod:`sim.processes.combat_kernel` explains: each
product and quotient as the numpy expression groups it, ``exp`` and ``log`` :mod:`sim.engine.fmath`'s
scalar twins, ``log10`` their ``log`` over ln 10, ``clip`` and ``maximum`` as numpy's loops take them
(:func:`np_max`, :func:`np_min`), the persons in a level added from +0.0. Tested bit for bit
against the numpy code (``tests/processes/test_compiled_processes.py``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.fmath import LN10
from sim.engine.rng_kernel import compiled_exp, compiled_log, jit, jit_inline
from sim.processes.arrays_kernel import effective, persons

__all__ = ["influence", "log10_1p", "np_max", "np_min", "payment_shares", "protests",
           "receptivity", "security_capacity", "state_capacity"]


@jit
def np_max(a: float, b: float) -> float:
    """numpy's ``maximum`` of two floats: ``a`` where ``a >= b`` or ``a`` is NaN, else ``b``."""
    return a if (a >= b or math.isnan(a)) else b


@jit
def np_min(a: float, b: float) -> float:
    """numpy's ``minimum`` of two floats: ``a`` where ``a <= b`` or ``a`` is NaN, else ``b``."""
    return a if (a <= b or math.isnan(a)) else b


@jit
def _clip01(x: float) -> float:
    """numpy's ``clip(x, 0.0, 1.0)``: ``minimum(maximum(x, 0), 1)``."""
    return np_min(np_max(x, 0.0), 1.0)


@jit
def _visibility(foreign: float, personnel: float) -> float:
    """:func:`sim.processes.hosts.visibility` of one power in one state (no ``exp`` to take
    where the power has no one there: 1 - exp(-0) is +0.0)."""
    if foreign == 0.0 and personnel > 0.0:
        return 0.0
    return 1.0 - compiled_exp(-foreign / personnel)


@jit
def log10_1p(spent: float, scale: float) -> float:
    """``log10(1 + spent / scale)`` as the numpy code takes it (``log(...) / LN10``), of the USD a
    power spends on a state's opinion (information operations, strategists): +0.0 without a
    ``log`` where it spends nothing, since log(1 + 0) is +0.0 (most powers spend nothing in most
    states)."""
    if spent == 0.0 and scale > 0.0:
        return 0.0
    return compiled_log(1.0 + spent / scale) / LN10


@jit
def receptivity(receptivity: np.ndarray, foreign: np.ndarray, capacity: np.ndarray,
                trend: np.ndarray, ins: np.ndarray, military: np.ndarray,
                downgraded: np.ndarray, level: np.ndarray, person_columns: np.ndarray,
                info_col: int, harm_attributed: np.ndarray, standing: np.ndarray,
                base_receptivity: np.ndarray, nationalism: np.ndarray,
                nationalism_exposure: np.ndarray, prm: np.ndarray) -> None:
    """Move ``receptivity`` [B, S, P] in place toward its target
    (:func:`sim.processes.hosts.update_receptivity`). ``military`` [B, S] bool; ``prm`` [B, 11]:
    each world's numbers in the order of :data:`sim.processes.hosts.RECEPTIVITY_PARAMS`."""
    (MIL_MEDIA, CIV_MEDIA, FAILURE, VIS, HARM, NARRATIVE, NATIONALISM, INFO, INFO_SCALE,
     PERFORMANCE, RATE) = range(11)
    n_b, n_s, n_p = receptivity.shape
    for b in range(n_b):
        for s in range(n_s):
            mil = military[b, s]
            control = prm[b, MIL_MEDIA] if mil else prm[b, CIV_MEDIA]
            mil_f = 1.0 if mil else 0.0
            for p in range(n_p):
                f = foreign[b, s, p]
                cap = capacity[b, s]
                share = f / cap if cap > 0 else 0.0
                perf = -share * trend[b, s]
                shielded = persons(level, person_columns, b, p, s) > 0 and not downgraded[b, s, p]
                shield = 1.0 - control * (1.0 if shielded else 0.0)
                failure = prm[b, FAILURE] * _visibility(f, prm[b, VIS]) * ins[b, s] * shield
                blame = prm[b, HARM] * harm_attributed[b, s, p] / 100.0 * shield
                narrative = prm[b, NARRATIVE] * control * np_min(np_max(standing[b, s, p], -1.0),
                                                                 1.0)
                nat = prm[b, NATIONALISM] * (nationalism[b, s] * mil_f) \
                    * nationalism_exposure[b, p]
                info = prm[b, INFO] * log10_1p(level[b, p, s, info_col], prm[b, INFO_SCALE])
                target = _clip01(base_receptivity[b, s, p] + prm[b, PERFORMANCE] * perf - failure
                                 - blame + narrative - nat + info)
                r = receptivity[b, s, p]
                receptivity[b, s, p] = _clip01(r + prm[b, RATE] * (target - r))


@jit
def protests(receptivity: np.ndarray, foreign: np.ndarray, ins: np.ndarray,
             military: np.ndarray, grievance0: np.ndarray, protest_base: np.ndarray,
             prm: np.ndarray) -> np.ndarray:
    """The month's expected protests [B, S]; sets ``grievance0`` [B, S] in place where it is
    NaN (:func:`sim.processes.hosts.update_protests`). ``prm`` [B, 3]: each world's
    ``visibility_personnel``, ``military_media_control`` and ``protest_weight``."""
    n_b, n_s, n_p = receptivity.shape
    out = np.empty((n_b, n_s))
    for b in range(n_b):
        for s in range(n_s):
            discontent = 0.0
            for p in range(n_p):
                discontent = np_max(discontent, _visibility(foreign[b, s, p], prm[b, 0])
                                    * (1.0 - receptivity[b, s, p]))
            grievance = ins[b, s] + discontent
            if math.isnan(grievance0[b, s]):
                grievance0[b, s] = grievance
            damp = 1.0 - prm[b, 1] if military[b, s] else 1.0
            out[b, s] = protest_base[b, s] * damp * compiled_exp(
                prm[b, 2] * (grievance - grievance0[b, s]))
    return out


@jit
def influence(influence: np.ndarray, receptivity: np.ndarray, level: np.ndarray,
              person_effectiveness: np.ndarray, downgraded_any: bool, effect_factor: np.ndarray,
              army: np.ndarray, army_eff: np.ndarray, arms_memory: np.ndarray, aid_col: int,
              info_col: int, prm: np.ndarray) -> np.ndarray:
    """Process 6: move ``influence`` [B, S, P] in place toward its target; returns the month's
    four dimension shares [4, B, S, P] (security, arms, aid, info:
    :func:`sim.processes.influence.update_influence`). ``prm`` [B, 6]: each world's numbers in
    the order of :data:`sim.processes.influence.KERNEL_PARAMS`."""
    SECURITY, ARMS, AID, INFO, AUTONOMY, RATE = range(6)
    n_b, n_s, n_p = influence.shape
    shares = np.empty((4, n_b, n_s, n_p))
    foreign = np.empty(n_p)
    w = np.empty(n_p)
    for b in range(n_b):
        for s in range(n_s):
            capacity = state_capacity(level, person_effectiveness, downgraded_any,
                                      effect_factor, army, army_eff, b, s, foreign)
            arms_sum = 0.0
            aid_sum = 0.0
            info_sum = 0.0
            for p in range(n_p):
                arms_sum += arms_memory[b, s, p]
                aid_sum += level[b, p, s, aid_col]
                info_sum += level[b, p, s, info_col]
            w_sum = 0.0
            for p in range(n_p):
                sec = foreign[p] / capacity if capacity > 0 else 0.0
                arms = arms_memory[b, s, p] / arms_sum if arms_sum > 0 else 0.0
                aid = level[b, p, s, aid_col] / aid_sum if aid_sum > 0 else 0.0
                info = level[b, p, s, info_col] / info_sum if info_sum > 0 else 0.0
                shares[0, b, s, p] = sec
                shares[1, b, s, p] = arms
                shares[2, b, s, p] = aid
                shares[3, b, s, p] = info
                provision = (prm[b, SECURITY] * sec + prm[b, ARMS] * arms + prm[b, AID] * aid
                             + prm[b, INFO] * info)
                w[p] = receptivity[b, s, p] * provision
                w_sum += w[p]
            for p in range(n_p):
                target = w[p] / (prm[b, AUTONOMY] + w_sum)
                x = influence[b, s, p]
                influence[b, s, p] = _clip01(x + prm[b, RATE] * (target - x))
    return shares


@jit
def payment_shares(bills: np.ndarray, budget: np.ndarray, contractor_budget_share: np.ndarray,
                   host_can_pay: np.ndarray, concessions_enabled: bool, rent: np.ndarray,
                   control: np.ndarray, rs: np.ndarray, concession_rent_share: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(cash_share, concession_share)`` [B, S]: the share of its bills ``bills`` [3, B, S, P]
    (gross, cash, concessions; any memory layout) each host pays
    (:func:`sim.processes.hosts.payment_shares` with :func:`~sim.processes.hosts.payment_capacity`).
    ``host_can_pay`` [B]."""
    _, n_b, n_s, n_p = bills.shape
    cash_share = np.empty((n_b, n_s))
    conc_share = np.empty((n_b, n_s))
    held = np.empty(n_s)
    for b in range(n_b):
        held[:] = 0.0
        if concessions_enabled:
            for r in range(rent.size):
                held[rs[r]] += rent[r] * control[b, r]
        for s in range(n_s):
            cash_cap = budget[b, s] / 12.0 * contractor_budget_share[b, s] * host_can_pay[b]
            conc_cap = (concession_rent_share[b, s] * held[s] * host_can_pay[b]
                        if concessions_enabled else 0.0)
            cash_due = 0.0
            conc_due = 0.0
            for p in range(n_p):
                cash_due += bills[1, b, s, p]
                conc_due += bills[2, b, s, p]
            cash = cash_cap / cash_due if cash_due > 0 else (1.0 if cash_cap > 0 else 0.0)
            conc = conc_cap / conc_due if conc_due > 0 else (1.0 if conc_cap > 0 else 0.0)
            cash_share[b, s] = np_min(1.0, cash)
            conc_share[b, s] = np_min(1.0, conc)
    return cash_share, conc_share


@jit
def security_capacity(level: np.ndarray, person_effectiveness: np.ndarray,
                      downgraded_any: bool, effect_factor: np.ndarray, army: np.ndarray,
                      army_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(capacity [B, S], foreign [B, S, P])`` (:func:`sim.processes.hosts.security_capacity`):
    each power's effective personnel in each state (:func:`effective`), and the army's
    effective strength plus the partners', added in order of the powers from +0.0."""
    n_b, n_p, n_s = level.shape[:3]
    foreign = np.empty((n_b, n_s, n_p))
    capacity = np.empty((n_b, n_s))
    for b in range(n_b):
        for s in range(n_s):
            capacity[b, s] = state_capacity(level, person_effectiveness, downgraded_any,
                                            effect_factor, army, army_eff, b, s, foreign[b, s])
    return capacity, foreign


@jit_inline
def state_capacity(level: np.ndarray, person_effectiveness: np.ndarray, downgraded_any: bool,
                   effect_factor: np.ndarray, army: np.ndarray, army_eff: np.ndarray, b: int,
                   s: int, foreign: np.ndarray) -> float:
    """State ``s``'s security capacity in world ``b``: the army's effective strength plus each
    power's effective personnel (:func:`effective`, written into ``foreign`` [P]), added in
    order of the powers from +0.0."""
    total = 0.0
    for p in range(foreign.shape[0]):
        v = effective(level, person_effectiveness, downgraded_any, effect_factor, b, p, s)
        foreign[p] = v
        total += v
    return army[b, s] * army_eff[b, s] + total
