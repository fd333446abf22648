"""What a foreign power sees when it applies its vacuum-filling rule."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sim.config import INSTRUMENT_KINDS, PERSON_INSTRUMENTS, RulesConfig

__all__ = ["RuleContext", "instrument"]


#: ``[I]`` True for the person instruments (:data:`sim.config.PERSON_INSTRUMENTS`), in
#: instrument order (read only).
_PERSON = np.array([k in PERSON_INSTRUMENTS for k in INSTRUMENT_KINDS])
_PERSON.flags.writeable = False


def instrument(kind: str) -> int:
    """Column of an instrument kind in ``[S, I]`` arrays."""
    return INSTRUMENT_KINDS.index(kind)


@dataclass(frozen=True)
class RuleContext:
    """One power's view of the B worlds of a batch this month. Arrays over worlds and states are
    ``[B, S]``, over worlds, states and instruments ``[B, S, I]`` (instrument order:
    :data:`sim.config.INSTRUMENT_KINDS`). The worlds of a batch may differ in their values
    (:mod:`sim.engine.batch`): the power's costs and effectiveness are ``[B, I]``, and every number of
    ``params`` is ``[B, 1]`` (it broadcasts against ``[B, S]``; use ``x[:, 0]`` against ``[B]``
    and ``x[:, :, None]`` against ``[B, S, I]``). Only the instruments it has are shared
    (``[I]``). A rule returns ``[B, S, I]`` and must treat each world on its own: a world's
    decision may not read another world's row.

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
        has_instrument: ``[I]`` the instruments this power has (shared by the batch).
        unit_cost: ``[B, I]`` gross cost per unit (USD per person-month, or per USD).
        effectiveness: ``[B, I]`` combat power per person.
        host_share: ``[B, S, I]`` share of the unit cost the host would pay (cash and concessions),
            given what it can pay this month and what it already owes
            (:func:`sim.processes.hosts.payment_shares`: where nothing is billed yet, the
            instrument's whole billed share if the host can pay anything, 0 if it cannot).
        net_cost_to_date: ``[B]`` the power's cumulative own net cost (USD) in each world.
        budget_month: ``[B, 1]`` the power's budget ceiling per month (USD).
        interest: ``[B, S]`` its strategic interest in each state (relative weight).
        params: the rules' parameters (``params.opportunistic`` etc.; numbers ``[B, 1]``).
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
    net_cost_to_date: np.ndarray
    budget_month: np.ndarray
    interest: np.ndarray
    params: RulesConfig

    @property
    def worlds(self) -> int:
        """B, the number of worlds."""
        return self.vacuum.shape[0]

    def take(self, worlds: np.ndarray, params: RulesConfig | None = None) -> RuleContext:
        """The context of the worlds ``worlds`` (an index array) alone: every per-world array
        taken at those rows, ``params``' numbers too (or ``params`` as given: this context's
        taken at ``worlds`` once, kept by the caller for the months it stays the same); what
        the batch shares kept (the power's instruments, the states, the month). A rule that
        chose these worlds' rows from this gives them what it gives them in the whole batch
        (each world's row is its own)."""
        from sim.engine.batch import take_section

        taken = {name: take_section(getattr(self, name), worlds) for name in _PER_WORLD_ARRAYS}
        taken["params"] = take_section(self.params, worlds) if params is None else params
        return replace(self, **taken)

    def net_unit_cost(self) -> np.ndarray:
        """``[B, S, I]`` own net cost per unit (USD), ``inf`` for instruments the power lacks."""
        cost = self.unit_cost[:, None, :] * (1.0 - self.host_share)
        return np.where(self.has_instrument, cost, np.inf)

    def monthly_net_cost(self, levels: np.ndarray) -> np.ndarray:
        """``[B, S]`` own net cost per month of holding ``levels`` ([B, S, I])."""
        unit = np.where(self.has_instrument, self.unit_cost[:, None, :] * (1 - self.host_share), 0)
        return (levels * unit).sum(axis=2)

    def personnel(self, levels: np.ndarray) -> np.ndarray:
        """``[B, S]`` persons in ``levels`` ([B, S, I]): the person instruments' levels summed."""
        return np.where(_PERSON, levels, 0.0).sum(axis=2)

    def cheapest_force(self) -> np.ndarray:
        """``[B, S]`` index of the person instrument with the lowest own net cost per unit of
        combat effect in each state (-1 where the power has none). Computed once per context
        (a rule and :func:`sim.rules.vacuum._place` both ask); each call returns its own copy."""
        found = self.__dict__.get("_cheapest")
        if found is None:
            found = self._cheapest_force()
            object.__setattr__(self, "_cheapest", found)  # not a field: replace() drops it
        return found.copy()

    def _cheapest_force(self) -> np.ndarray:
        eff = self.effectiveness[:, None, :]  # [B, 1, I]
        usable = self.has_instrument & _PERSON & (eff > 0)
        if not usable.any():
            return np.full(self.vacuum.shape, -1)
        per_effect = np.where(usable, self.net_unit_cost() / np.where(usable, eff, 1.0), np.inf)
        return np.where(usable.any(axis=2), np.argmin(per_effect, axis=2), -1)

    def of(self, values: np.ndarray, inst: np.ndarray) -> np.ndarray:
        """``[B, S]`` the value of instrument ``inst`` ([B, S], -1 for none: the first
        instrument's) in ``values`` ([B, I], e.g. :attr:`unit_cost`)."""
        return np.take_along_axis(values, np.maximum(inst, 0), axis=1)

    def at(self, levels: np.ndarray, inst: np.ndarray) -> np.ndarray:
        """``[B, S]`` the level of instrument ``inst`` ([B, S], -1 for none: 0) in ``levels``
        ([B, S, I])."""
        picked = np.take_along_axis(levels, np.maximum(inst, 0)[:, :, None], axis=2)[:, :, 0]
        return np.where(inst >= 0, picked, 0)


#: The context's per-world arrays (:meth:`RuleContext.take` takes them at a subset's rows); the
#: rest is shared by the batch (the power, its instruments, the states, the month) or is the
#: ``params`` section (taken by :func:`sim.engine.batch.take_section`).
_PER_WORLD_ARRAYS = tuple(name for name in RuleContext.__dataclass_fields__
                          if name not in ("power", "states", "month", "has_instrument", "params"))
