"""Agent classes. Each agent has its own random stream, spawned from the run's seed by the
actor's id, so that a change to one actor does not shift another's draws (common random numbers
across paired scenarios)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.rules import RuleContext, get

if TYPE_CHECKING:
    from sim.model import SahelModel


class HostState(mesa.Agent):
    """A host state (``mali``, ``burkina_faso``, ...): regime changes and, vectorized with the
    other hosts in process 4, receptivity, expulsions, offers, payments and its budget."""

    def __init__(self, model: SahelModel, index: int, state_id: str, rng: np.random.Generator):
        super().__init__(model)
        self.index, self.state_id, self.stream = index, state_id, rng

    def politics_draws(self) -> np.ndarray:
        """This month's uniform draws for its politics (:data:`sim.processes.politics.DRAWS`:
        coup attempt, its success, an embargo, a concession), made every month."""
        from sim.processes.politics import DRAWS

        return self.stream.random(DRAWS)


class ForeignPower(mesa.Agent):
    """A foreign power (``russia``, ``france``, ...) applying its vacuum-filling rule."""

    def __init__(self, model: SahelModel, index: int, power_id: str, rule: str,
                 rng: np.random.Generator):
        super().__init__(model)
        self.index, self.power_id, self.rule_name, self.stream = index, power_id, rule, rng
        self.rule = get(rule)

    def decide(self, ctx: RuleContext) -> np.ndarray:
        """Desired levels ``[S, I]`` from the power's vacuum-filling rule."""
        return np.asarray(self.rule(ctx), dtype=float)


class ArmedGroup(mesa.Agent):
    """An armed group (``jnim``, ``is_sahel``, ``csp``): its recruitment and attacks draw from
    its own stream (process 2)."""

    def __init__(self, model: SahelModel, index: int, group_id: str, rng: np.random.Generator):
        super().__init__(model)
        self.index, self.group_id, self.stream = index, group_id, rng
