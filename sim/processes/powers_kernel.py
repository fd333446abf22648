"""Compiled kernels (Numba) of process 5's mechanics, for the compiled path
(:func:`sim.engine.rng.compiled`): deployments advancing toward their targets
(:func:`advance`), the powers' exits on casualties (:func:`casualty_withdrawals`) and a
contractor's on its losses (:func:`contractor_exits`), the arms market (:func:`arms_market`) and
the marks of a power leaving (:func:`mark_exits`); each the numpy function of
:mod:`sim.processes.powers` of the same name.

The numpy code's operations in its order, as :mod:`sim.processes.combat_kernel` explains: the
persons in a level added from +0.0, the instruments of a weighted sum from the first product,
sums over the middle axis (powers, states, months) one after the other. Tested bit for bit
against the numpy code (``tests/processes/test_compiled_processes.py``).
"""

from __future__ import annotations

import numpy as np

from sim.engine.rng_kernel import jit
from sim.processes.arrays_kernel import persons
from sim.processes.hosts_kernel import np_max, np_min

__all__ = ["advance", "arms_market", "casualty_withdrawals", "contractor_exits", "mark_exits"]


@jit
def advance(level: np.ndarray, target: np.ndarray, rate: np.ndarray, person_columns: np.ndarray,
            person_effectiveness: np.ndarray, withdrawal_loss: np.ndarray) -> np.ndarray:
    """Move ``level`` [B, P, S, I] toward ``target`` by ``rate`` in place, landing on the target
    within 1e-6, never below 0; add the effective personnel withdrawn to ``withdrawal_loss``
    [B, S] in place. Returns [2, B, P, S] bool: where personnel went from 0 to positive
    (entered) and from positive to 0 (left) (:func:`sim.processes.powers.advance_deployments`)."""
    n_b, n_p, n_s, n_i = level.shape
    out = np.zeros((2, n_b, n_p, n_s), dtype=np.bool_)
    lost = np.empty(n_p)
    for b in range(n_b):
        for s in range(n_s):
            for p in range(n_p):
                before = persons(level, person_columns, b, p, s)
                loss = 0.0
                for i in range(n_i):
                    x = level[b, p, s, i]
                    t = target[b, p, s, i]
                    step = np_min(np_max(t - x, -rate[b, p, s, i]), rate[b, p, s, i])
                    x = x + step
                    if abs(t - x) < 1e-6:
                        x = t
                    level[b, p, s, i] = np_max(x, 0.0)
                    down = np_min(step, 0.0) * person_effectiveness[b, p, i]
                    loss = down if i == 0 else loss + down
                lost[p] = loss
                after = persons(level, person_columns, b, p, s)
                out[0, b, p, s] = before <= 0 and after > 0
                out[1, b, p, s] = before > 0 and after <= 0
            total = lost[0]
            for p in range(1, n_p):
                total += lost[p]
            withdrawal_loss[b, s] = withdrawal_loss[b, s] + -total
    return out


@jit
def casualty_withdrawals(casualty_ring: np.ndarray, target: np.ndarray,
                         person_columns: np.ndarray, tolerance: np.ndarray,
                         protected: np.ndarray) -> np.ndarray:
    """[B, P, S] bool: deaths over the ring's months above ``tolerance`` [B, P] where the power
    still has personnel ordered, unless ``protected`` [B, P]
    (:func:`sim.processes.powers.casualty_withdrawals`)."""
    n_b, n_m, n_p, n_s = casualty_ring.shape
    out = np.zeros((n_b, n_p, n_s), dtype=np.bool_)
    for b in range(n_b):
        for p in range(n_p):
            if protected[b, p]:
                continue
            for s in range(n_s):
                deaths = 0.0
                for m in range(n_m):
                    deaths += casualty_ring[b, m, p, s]
                out[b, p, s] = (persons(target, person_columns, b, p, s) > 0
                                and deaths > tolerance[b, p])
    return out


@jit
def contractor_exits(casualty_ring: np.ndarray, rows: np.ndarray, level: np.ndarray,
                     target: np.ndarray, col: int, host_paid: np.ndarray,
                     concessions: np.ndarray, spending: np.ndarray, loss_exit_rate: np.ndarray,
                     unpaid_loss_share: np.ndarray, protected: np.ndarray,
                     months: int) -> np.ndarray:
    """[B, P, S] bool: contractors (column ``col``) whose deaths over the ring's ``rows`` per 100
    and month pass what their pay cover bears (:func:`sim.processes.powers.contractor_exits`)."""
    n_b, n_p, n_s, _ = level.shape
    out = np.zeros((n_b, n_p, n_s), dtype=np.bool_)
    for b in range(n_b):
        for p in range(n_p):
            ler = loss_exit_rate[b, p]
            if protected[b, p] or not ler > 0:
                continue
            for s in range(n_s):
                contractors = level[b, p, s, col]
                if not (contractors > 0 and target[b, p, s, col] > 0):
                    continue
                deaths = casualty_ring[b, rows[0], p, s]
                for k in range(1, rows.size):
                    deaths += casualty_ring[b, rows[k], p, s]
                rate = 100.0 * deaths / months / np_max(contractors, 1.0)
                paid = host_paid[b, s, p] + concessions[b, s, p]
                cover = paid / spending[b, s, p] if spending[b, s, p] > 0 else 0.0
                bearable = ler * np_max(np_min(cover, 1.0), unpaid_loss_share[b, p])
                out[b, p, s] = rate > bearable
    return out


@jit
def arms_market(receptivity: np.ndarray, allowed: np.ndarray, budget: np.ndarray,
                budget_share: np.ndarray, export: np.ndarray, level: np.ndarray, col: int,
                paid_share: np.ndarray, host_can_pay: np.ndarray, cost_ratio: np.ndarray,
                decay: float, host_paid: np.ndarray, spending: np.ndarray,
                arms_memory: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The month's arms deliveries and the hosts' payments for them
    (:func:`sim.processes.powers.arms_market`): returns ``(delivered, arms_paid)`` [B, S, P]
    and adds to ``host_paid``, ``spending`` and ``arms_memory`` [B, S, P] in place.
    ``allowed`` [B, S, P] bool; ``host_can_pay`` and ``cost_ratio`` [B]."""
    n_b, n_s, n_p = receptivity.shape
    alloc = np.empty((n_s, n_p))
    delivered = np.empty((n_b, n_s, n_p))
    arms_paid = np.empty((n_b, n_s, n_p))
    per_power = np.empty(n_p)
    for b in range(n_b):
        for s in range(n_s):
            demand = budget[b, s] / 12.0 * budget_share[b, s]
            wsum = 0.0
            for p in range(n_p):
                rec = receptivity[b, s, p]
                wsum += rec * rec if allowed[b, s, p] else 0.0
            for p in range(n_p):
                rec = receptivity[b, s, p]
                w = rec * rec if allowed[b, s, p] else 0.0
                alloc[s, p] = demand * (w / wsum if wsum > 0 else 0.0)
        for p in range(n_p):
            total = 0.0
            for s in range(n_s):
                total += alloc[s, p]
            per_power[p] = export[b, p] / total if total > export[b, p] else 1.0
        for s in range(n_s):
            for p in range(n_p):
                d = alloc[s, p] * per_power[p] + level[b, p, s, col]
                delivered[b, s, p] = d
                paid = d * paid_share[b, p] * host_can_pay[b]
                arms_paid[b, s, p] = paid
                host_paid[b, s, p] = host_paid[b, s, p] + paid
                spending[b, s, p] = spending[b, s, p] + d * cost_ratio[b]
                arms_memory[b, s, p] = arms_memory[b, s, p] * decay + d
    return delivered, arms_paid


@jit
def mark_exits(level: np.ndarray, target: np.ndarray, person_columns: np.ndarray,
               share: np.ndarray, last_exit: np.ndarray, month: int) -> None:
    """Set ``last_exit`` [B, S, P] to ``month`` where a power's personnel target fell below
    (1 - ``share`` [B, P]) of its personnel there (:func:`sim.processes.powers.mark_exits`)."""
    n_b, n_p, n_s, _ = level.shape
    for b in range(n_b):
        for p in range(n_p):
            keep = 1.0 - share[b, p]
            for s in range(n_s):
                have = persons(level, person_columns, b, p, s)
                if have > 0 and persons(target, person_columns, b, p, s) < keep * have - 1e-9:
                    last_exit[b, s, p] = month
