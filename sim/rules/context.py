"""What a foreign power sees when it applies its vacuum-filling rule."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import INSTRUMENT_KINDS, PERSON_INSTRUMENTS, RulesConfig

__all__ = ["RuleContext", "instrument"]


def instrument(kind: str) -> int:
    """Column of an instrument kind in ``[S, I]`` arrays."""
    return INSTRUMENT_KINDS.index(kind)


@dataclass(frozen=True)
class RuleContext:
    """One power's view of the world this month. Arrays over states are ``[S]``, over states and
    instruments ``[S, I]`` (instrument order: :data:`sim.config.INSTRUMENT_KINDS`).

    Attributes:
        power: the power's id.
        states: state ids, in array order.
        month: months since the start (0 = first month).
        vacuum: security vacuum per state, in effective personnel (docs/ODD.md section 7.4).
        capacity: effective security capacity present per state (own army and all partners).
        receptivity: each host's receptivity to this power, [0, 1].
        influence: this power's influence share in each state.
        level: what the power has deployed now.
        target: what it is currently moving toward (scheduled events included).
        can_enter: True where the host has not banned it.
        invited: True where the host regime has invited it and the invitation is open
            (docs/ODD.md section 7.4); a rule may answer with at least
            ``params.invited_personnel``.
        rival_exit_age: months since another power last left (or began leaving) each state;
            ``inf`` where none has.
        rival_gain: the largest influence gain of any other power in each state over 12 months.
        has_instrument: ``[I]`` the instruments this power has.
        unit_cost: ``[I]`` gross cost per unit (USD per person-month, or per USD).
        effectiveness: ``[I]`` combat power per person.
        host_share: ``[S, I]`` share of the unit cost the host would pay (cash and concessions),
            given what it can pay this month and what it already owes
            (:func:`sim.processes.hosts.payment_shares`: where nothing is billed yet, the
            instrument's whole billed share if the host can pay anything, 0 if it cannot).
        net_cost_to_date: the power's cumulative own net cost (USD).
        budget_month: the power's budget ceiling per month (USD).
        interest: its strategic interest in each state (relative weight).
        params: the rules' parameters (``params.opportunistic`` etc.).
    """

    power: str
    states: tuple[str, ...]
    month: int
    vacuum: np.ndarray
    capacity: np.ndarray
    receptivity: np.ndarray
    influence: np.ndarray
    level: np.ndarray
    target: np.ndarray
    can_enter: np.ndarray
    invited: np.ndarray
    rival_exit_age: np.ndarray
    rival_gain: np.ndarray
    has_instrument: np.ndarray
    unit_cost: np.ndarray
    effectiveness: np.ndarray
    host_share: np.ndarray
    net_cost_to_date: float
    budget_month: float
    interest: np.ndarray
    params: RulesConfig

    def net_unit_cost(self) -> np.ndarray:
        """``[S, I]`` own net cost per unit (USD), ``inf`` for instruments the power lacks."""
        cost = self.unit_cost[None, :] * (1.0 - self.host_share)
        return np.where(self.has_instrument[None, :], cost, np.inf)

    def monthly_net_cost(self, levels: np.ndarray) -> np.ndarray:
        """``[S]`` own net cost per month of holding ``levels`` ([S, I])."""
        unit = np.where(self.has_instrument[None, :], self.unit_cost[None, :] * (1 - self.host_share), 0)
        return (levels * unit).sum(axis=1)

    def cheapest_force(self) -> np.ndarray:
        """``[S]`` index of the person instrument with the lowest own net cost per unit of
        combat effect in each state (-1 where the power has none)."""
        person = np.array([k in PERSON_INSTRUMENTS for k in INSTRUMENT_KINDS])
        usable = self.has_instrument & person & (self.effectiveness > 0)
        if not usable.any():
            return np.full(len(self.states), -1)
        per_effect = np.where(usable[None, :],
                              self.net_unit_cost() / np.where(usable, self.effectiveness, 1.0)[None, :],
                              np.inf)
        return np.argmin(per_effect, axis=1)
