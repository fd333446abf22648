"""The model's agents: host states, foreign powers and armed groups. Agents hold identity, their
own random stream and their decisions; the numbers they act on live in the model's arrays."""

from sim.agents.actors import ArmedGroup, ForeignPower, HostState

__all__ = ["ArmedGroup", "ForeignPower", "HostState"]
