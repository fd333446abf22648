"""Process 2: armed groups recruit, move toward weakly held and valuable regions, and attack.

Every array carries the batch axis first (``[B, R]``, ``[B, G, R]``): B worlds step at once.

Recruitment rises with grievance (civilian harm by state-side forces, low legitimacy) and with the
absence of the state (docs/ODD.md section 7.2); it is capped by a share of the population and boosted
by income (taxation of held resource regions and illicit trade) relative to upkeep.
"""

from __future__ import annotations

import numpy as np

from sim.config import GroupProcessParams
from sim.engine.rng import plain, poisson
from sim.processes.arrays import compiled_batch, param_columns, ratio
from sim.state import SimState
from sim.world.build import World

__all__ = ["RECRUIT_PARAMS", "attacks", "grievance", "group_income", "move", "recruit",
           "recruit_rates"]

#: The group params :func:`sim.processes.groups_kernel.recruit_rates` reads, in its order.
RECRUIT_PARAMS = ("grievance_base", "grievance_harm_weight", "grievance_legitimacy_weight",
                  "grievance_absence_weight", "reprisal_weight", "fighter_cap_share",
                  "funding_elasticity", "funding_cap")


def grievance(world: World, st: SimState, p: GroupProcessParams) -> np.ndarray:
    """[B, R] grievance: base + harm by state-side forces (militias included) per 10k people +
    illegitimacy + absence + the reprisal memory of massacres per 10k people."""
    per_10k = 1e4 / world.population_floor
    illegit = 1.0 - st.legitimacy[:, world.region_state]
    return (p.grievance_base + p.grievance_harm_weight * st.harm_memory * per_10k
            + p.grievance_legitimacy_weight * illegit
            + p.grievance_absence_weight * (1.0 - st.control)
            + p.reprisal_weight * st.massacre_memory * per_10k)


def group_income(world: World, st: SimState, total: np.ndarray | None = None) -> np.ndarray:
    """[B, G] USD/month: tax on the resource rent of regions the state does not hold, split by
    fighter share, plus illicit income. ``total``: fighters per region [B, R], if already
    summed."""
    total = st.fighters.sum(axis=1) if total is None else total
    share = ratio(st.fighters, total[:, None, :])
    taxable = (1.0 - st.control) * world.rent
    # a sum over the regions: numpy's pairwise sum of each row of a fresh C-contiguous array
    return world.tax_rate * (share * taxable[:, None, :]).sum(axis=2) + world.illicit_income


def recruit(world: World, st: SimState, p: GroupProcessParams, keys: np.ndarray) -> None:
    """Add Poisson recruits to each group in each region (one stream per group and world:
    ``keys`` [B, G], :mod:`sim.engine.rng`) at the rates of :func:`recruit_rates` (by
    :func:`sim.processes.groups_kernel.recruit_rates` when the compiled kernels are in use: the
    same floats)."""
    if compiled_batch(st):
        lam = _compiled_recruit_rates(world, st, p)
    else:
        lam = recruit_rates(world, st, p)
    st.fighters += poisson(keys, st.month, lam)


def recruit_rates(world: World, st: SimState, p: GroupProcessParams) -> np.ndarray:
    """[B, G, R] the month's recruitment rates: the recruit rate raised by income against
    upkeep, times grievance, the fighters there and the room left under the cap."""
    g = grievance(world, st, p)
    total = st.fighters.sum(axis=1)
    cap = p.fighter_cap_share * world.population
    room = (1.0 - total / np.maximum(cap, 1.0)).clip(0.0, 1.0)
    income = group_income(world, st, total)
    upkeep = world.upkeep * np.maximum(st.fighters.sum(axis=2), 1.0)
    funding = 1.0 + p.funding_elasticity * np.minimum(income / upkeep, p.funding_cap)
    return (world.recruit_rate * funding)[:, :, None] * g[:, None, :] * st.fighters \
        * room[:, None, :]


def _compiled_recruit_rates(world: World, st: SimState, p: GroupProcessParams) -> np.ndarray:
    """:func:`recruit_rates` by the compiled kernel."""
    from sim.processes.groups_kernel import recruit_rates as kernel

    return kernel(plain(st.fighters), plain(st.harm_memory), plain(st.massacre_memory),
                  plain(st.legitimacy), plain(st.control), world.region_state, world.population,
                  world.population_floor, world.rent, plain(world.tax_rate),
                  plain(world.illicit_income), plain(world.upkeep), plain(world.recruit_rate),
                  param_columns(world.memo, p, RECRUIT_PARAMS, st.fighters.shape[0]))


def move(world: World, st: SimState, p: GroupProcessParams) -> None:
    """Move a share ``mobility`` of each group's fighters to neighbouring regions, weighted by how
    weakly held (1 - control) and how valuable (resource rent) each neighbour is."""
    src, dst = world.edge_src, world.edge_dst
    if src.size == 0:
        return
    if compiled_batch(st):
        from sim.processes.groups_kernel import move as kernel

        st.fighters = plain(st.fighters)  # moved in place
        floor = param_columns(world.memo, p, ("move_floor",), st.fighters.shape[0])
        kernel(st.fighters, plain(st.control), world.rent_attraction, src, dst,
               plain(world.mobility), floor[:, 0].copy())
        return
    attract = (1.0 - st.control + p.move_floor) * world.rent_attraction
    # (np.take gathers along an axis into a C-ordered array, which the sums read without a copy)
    w = np.take(attract, dst, axis=1)  # [B, E]
    norm = world.sum_into_sources(w)
    frac = w / norm[:, src]
    out = world.mobility[:, :, None] * st.fighters  # [B, G, R]
    flow = np.take(out, src, axis=2)  # [B, G, E]
    flow *= frac[:, None, :]
    # what each region receives, for every group and world in one bincount
    st.fighters += world.into_regions(flow) - out


def attacks(world: World, st: SimState, keys: np.ndarray) -> np.ndarray:
    """[B, G, R] number of attacks this month (Poisson, one stream per group and world: ``keys``
    [B, G])."""
    return poisson(keys, st.month, world.attack_rate[:, :, None] * st.fighters)
