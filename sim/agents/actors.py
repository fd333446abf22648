"""Agent classes. Each agent is a view of the batch arrays: its index into the model's arrays,
and one random stream per world of the batch, spawned from that world's seed by the actor's id,
so that a change to one actor does not shift another's draws (common random numbers across
paired scenarios) and a world's draws never depend on the other worlds of its batch."""

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

    def __init__(self, model: SahelModel, index: int, state_id: str,
                 streams: list[np.random.Generator]):
        super().__init__(model)
        self.index, self.state_id, self.streams = index, state_id, streams

    def politics_draws(self) -> np.ndarray:
        """This month's uniform draws for its politics in each world, ``[B, DRAWS]``
        (:data:`sim.processes.politics.DRAWS`: coup attempt, its success, an embargo, a
        concession), made every month."""
        from sim.processes.politics import DRAWS

        return np.stack([rng.random(DRAWS) for rng in self.streams])


class ForeignPower(mesa.Agent):
    """A foreign power (``russia``, ``france``, ...) applying its vacuum-filling rule in every
    world of the batch at once."""

    def __init__(self, model: SahelModel, index: int, power_id: str, rule: str,
                 streams: list[np.random.Generator]):
        super().__init__(model)
        self.index, self.power_id, self.rule_name, self.streams = index, power_id, rule, streams
        self.rule = get(rule)

    def decide(self, ctx: RuleContext) -> np.ndarray:
        """Desired levels ``[B, S, I]`` from the power's vacuum-filling rule."""
        desired = np.asarray(self.rule(ctx), dtype=float)
        if desired.shape != ctx.target.shape:
            raise ValueError(f"vacuum rule {self.rule_name!r} of {self.power_id!r} returned shape "
                             f"{desired.shape}; allowed: {ctx.target.shape} (worlds, states, "
                             "instruments)")
        return desired


class ArmedGroup(mesa.Agent):
    """An armed group (``jnim``, ``is_sahel``, ``csp``): its recruitment and attacks draw from
    its own stream in each world (process 2)."""

    def __init__(self, model: SahelModel, index: int, group_id: str,
                 streams: list[np.random.Generator]):
        super().__init__(model)
        self.index, self.group_id, self.streams = index, group_id, streams
