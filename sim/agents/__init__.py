"""The model's agents are handles: a host state, a foreign power or an armed group holds its
identity, its index into the batch's arrays and its random streams, while its decisions are made
for every actor and world at once by the processes (sim/processes; a power's vacuum rule is the one
decision an agent calls, :meth:`ForeignPower.decide`)."""

from sim.agents.actors import ArmedGroup, ForeignPower, HostState

__all__ = ["ArmedGroup", "ForeignPower", "HostState"]
