"""Agent classes: handles, not deciders. Each agent names an actor and holds its index into the
batch arrays and its random streams; the decisions are vectorized over all actors and worlds in
the processes (sim/processes: the hosts' choices in ``hosts``, ``politics`` and ``events``, the
powers' in ``powers`` with their vacuum rules, the groups' in ``groups`` and ``combat``), and a
power's rule is the one thing an agent calls (:meth:`ForeignPower.decide`).

Each agent is a view of the batch arrays is a view of the batch arrays: its index into the model's arrays and
the keys of its counter-based random streams in each world of the batch (:mod:`sim.engine.rng`), named
by the actor's id, so that a change to one actor does not shift another's draws (common random
numbers across paired scenarios) and a world's draws never depend on the other worlds of its
batch."""

from __future__ import annotations

import mesa
import numpy as np

from sim.config import RulesConfig
from sim.rules import RuleContext, get


class HostState(mesa.Agent):
    """A host state (``mali``, ``burkina_faso``, ...): regime changes and, vectorized with the
    other hosts in process 4, receptivity, expulsions, offers, payments and its budget.
    ``keys`` [B]: its politics stream in each world (coup attempt, its success, an embargo, a
    concession: :data:`sim.processes.politics.DRAWS` numbers a month, always drawn, which the
    model draws for every state at once)."""

    def __init__(self, model: mesa.Model, index: int, state_id: str, keys: np.ndarray):
        super().__init__(model)
        self.index, self.state_id, self.keys = index, state_id, keys


class ForeignPower(mesa.Agent):
    """A foreign power (``russia``, ``france``, ...) applying its vacuum-filling rule in every
    world of the batch at once. The worlds of a batch may give it different rules
    (``rules.vacuum`` is each world's own, :mod:`sim.engine.batch`): ``rule_names`` [B] holds
    each world's, and :meth:`decide` runs each rule on the worlds that chose it."""

    def __init__(self, model: mesa.Model, index: int, power_id: str, rules: list[str]):
        super().__init__(model)
        self.index, self.power_id = index, power_id
        self.rule_names = np.array(rules, dtype=object)
        self.rule_name = rules[0]  # the batch's rule, when its worlds share one
        self.rules = {name: get(name) for name in dict.fromkeys(rules)}
        deciding = np.flatnonzero(self.rule_names != "none")
        #: the first world whose rule is not ``none`` (the batch's size if there is none)
        self.first_deciding = int(deciding[0]) if deciding.size else len(rules)
        #: each rule's params taken at its worlds (:meth:`_params`)
        self._taken: dict[str, tuple[RulesConfig, int, RulesConfig]] = {}

    def decides(self, n: int) -> bool:
        """Whether the power follows a rule other than ``none`` in any of the first ``n``
        worlds (those that run now)."""
        return self.first_deciding < n

    def deciding(self, n: int) -> np.ndarray | None:
        """``[n]`` the first ``n`` worlds in which the power follows a rule other than ``none``
        (None: in all of them)."""
        if len(self.rules) == 1:
            return None
        return self.rule_names[:n] != "none"

    def decide(self, ctx: RuleContext) -> np.ndarray:
        """Desired levels ``[B, S, I]`` from each world's vacuum-filling rule (the batch's first
        ``B`` worlds: those that run now)."""
        if len(self.rules) == 1:
            return self._desired(self.rule_name, ctx)
        names = self.rule_names[:ctx.worlds]
        desired = np.empty(ctx.target.shape)
        for name in self.rules:
            worlds = np.flatnonzero(names == name)
            if worlds.size:
                desired[worlds] = self._desired(name, ctx.take(worlds,
                                                               self._params(name, ctx, worlds)))
        return desired

    def _params(self, name: str, ctx: RuleContext, worlds: np.ndarray) -> RulesConfig:
        """``ctx.params`` taken at the worlds that follow rule ``name`` (``worlds``), kept from
        month to month while the batch's rules section is the same object and as many worlds
        run (a ``param`` event restacks the section; twins joining add worlds)."""
        kept = self._taken.get(name)
        if kept is None or kept[0] is not ctx.params or kept[1] != ctx.worlds:
            from sim.engine.batch import take_section

            kept = self._taken[name] = (ctx.params, ctx.worlds, take_section(ctx.params, worlds))
        return kept[2]

    def _desired(self, name: str, ctx: RuleContext) -> np.ndarray:
        desired = np.asarray(self.rules[name](ctx), dtype=float)
        if desired.shape != ctx.target.shape:
            raise ValueError(f"vacuum rule {name!r} of {self.power_id!r} returned shape "
                             f"{desired.shape}; allowed: {ctx.target.shape} (worlds, states, "
                             "instruments)")
        return desired


class ArmedGroup(mesa.Agent):
    """An armed group (``jnim``, ``is_sahel``, ``csp``): its recruitment and its attacks draw from
    streams of its own in each world (process 2; ``recruit_keys`` and ``attack_keys`` [B])."""

    def __init__(self, model: mesa.Model, index: int, group_id: str, recruit_keys: np.ndarray,
                 attack_keys: np.ndarray):
        super().__init__(model)
        self.index, self.group_id = index, group_id
        self.recruit_keys, self.attack_keys = recruit_keys, attack_keys
