"""Process 3, before the fighting: self-defence militias and the memories that drive onset.

Militias (Koglweogo in Burkina Faso from 2015, Dan Na Ambassagou in central Mali about 2016,
later state-backed volunteers; docs/sources-politics.md section 7a) form where state control is
low and attacks are high, up to a share of the population; a military regime backs them (its
formation is faster); they melt away where the pressure is gone. In the fighting (process 3)
they add to the state side's strength and kill civilians of the communities they suspect, which
feeds grievance and recruitment: with the reprisal memory of massacres (process 2), this is the
communal cycle of onset and escalation.

Arrays are ``[B, R]``: B worlds of a batch, R regions.
"""

from __future__ import annotations

import numpy as np

from sim.config import MilitiaParams
from sim.engine import fmath
from sim.state import MILITARY, SimState
from sim.world.build import World

__all__ = ["militia_pressure", "update_memories", "update_militias"]

#: The attacks' 3-month memory, a month's decay.
DECAY3 = fmath.exp(-1.0 / 3.0)


def militia_pressure(world: World, st: SimState, mp: MilitiaParams) -> np.ndarray:
    """[B, R] bool: where militias form: control below ``control_threshold`` and attacks (3-month
    memory, per 100k people) above ``attack_threshold``."""
    per_100k = st.attack_memory / world.population_floor * 1e5
    return (st.control < mp.control_threshold) & (per_100k > mp.attack_threshold)


def update_militias(world: World, st: SimState, mp: MilitiaParams) -> None:
    """Militias grow toward ``cap_share`` of the population where :func:`militia_pressure` holds
    (``formation_rate`` of the room a month, x ``state_backing`` under a military regime) and
    shrink by ``decay`` a month elsewhere."""
    pressure = militia_pressure(world, st, mp)
    if not pressure.any() and not st.militia.any():
        return
    room = np.maximum(mp.cap_share * world.population - st.militia, 0.0)
    backing = np.where(st.regime[:, world.region_state] == MILITARY, mp.state_backing, 1.0)
    rate = np.minimum(mp.formation_rate * backing, 1.0)
    st.militia = np.where(pressure, st.militia + rate * room, st.militia * (1.0 - mp.decay))


def update_memories(st: SimState, hostile_attacks: np.ndarray, massacre_civilians: np.ndarray,
                    reprisal_months: float) -> None:
    """Add this month's hostile attacks [B, R] (3-month memory) and the civilians killed in
    massacres [B, R] (memory of ``reprisal_months``)."""
    st.attack_memory = st.attack_memory * DECAY3 + hostile_attacks
    st.massacre_memory = st.massacre_memory * fmath.exp(-1.0 / reprisal_months) + massacre_civilians
