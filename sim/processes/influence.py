"""Process 6: influence. Each power's influence share in each state moves toward what it provides
(security, arms, aid, information) weighted by the host's receptivity, with decay.

Target shares T[s, p] = W[s, p] / (autonomy + sum_q W[s, q]) with
W = receptivity x (w_sec x security share + w_arms x arms share + w_aid x aid share + w_info x
info share); influence += rate x (T - influence). Because every row of T sums to less than 1 and
the update is a convex combination, shares stay in [0, 1] and sum to at most 1; the rest is the
host's autonomy. A power that provides nothing decays toward 0 at ``rate``.

The four shares are also the dimensions of influence the summary compares power by power and
bloc by bloc (:func:`dimension_shares`; docs/ODD.md section 8).
"""

from __future__ import annotations

import numpy as np

from sim.config import INSTRUMENT_KINDS, InfluenceParams
from sim.engine.rng import plain
from sim.processes.arrays import compiled_batch, param_columns, ratio, sum_last
from sim.processes.hosts import security_capacity
from sim.state import SimState
from sim.world.build import World

__all__ = ["DIMENSIONS", "KERNEL_PARAMS", "dimension_shares", "target_influence",
           "update_influence"]

AID = INSTRUMENT_KINDS.index("aid")
INFO_OPS = INSTRUMENT_KINDS.index("info_ops")

#: The shares of what each power provides, in the order :func:`dimension_shares` returns them.
DIMENSIONS = ("security", "arms", "aid", "info")
#: The influence params :func:`sim.processes.hosts_kernel.influence` reads, in its order.
KERNEL_PARAMS = ("security_weight", "arms_weight", "aid_weight", "info_weight", "autonomy",
                 "rate")


def _share(x: np.ndarray) -> np.ndarray:
    return ratio(x, sum_last(x, keepdims=True))


def dimension_shares(world: World, st: SimState) -> tuple[np.ndarray, ...]:
    """[B, S, P] shares of what each power provides each state, in the order of :data:`DIMENSIONS`:

    - security: its effective personnel over the state's security capacity (own army x its
      effectiveness + every power's effective personnel), a downgraded partner's cut by its
      effect factor as the host's capacity cuts it (:func:`sim.processes.hosts.security_capacity`);
    - arms: its share of the arms delivered to the state (12-month memory);
    - aid, info: its share of the aid and information operations in the state this month.
    """
    capacity, foreign = security_capacity(world, st)  # as the host counts it (process 4)
    return (ratio(foreign, capacity[:, :, None]), _share(st.arms_memory),
            _share(st.level[:, :, :, AID].transpose(0, 2, 1)),
            _share(st.level[:, :, :, INFO_OPS].transpose(0, 2, 1)))


def target_influence(world: World, st: SimState, p: InfluenceParams,
                     shares: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """[B, S, P] target influence shares (from ``shares``, the month's
    :func:`dimension_shares`, if given)."""
    security, arms, aid, info = dimension_shares(world, st) if shares is None else shares
    provision = (p.security_weight[:, :, None] * security + p.arms_weight[:, :, None] * arms
                 + p.aid_weight[:, :, None] * aid + p.info_weight[:, :, None] * info)
    w = st.receptivity * provision
    return w / (p.autonomy[:, :, None] + sum_last(w, keepdims=True))


def update_influence(world: World, st: SimState, p: InfluenceParams) -> tuple[np.ndarray, ...]:
    """Move influence toward its target at ``rate``; return the month's
    :func:`dimension_shares` (the recorder keeps them). By
    :func:`sim.processes.hosts_kernel.influence` when the compiled kernels are in use (the same
    floats)."""
    if compiled_batch(st):
        from sim.processes.hosts_kernel import influence

        st.influence = plain(st.influence)  # moved in place
        shares = influence(st.influence, plain(st.receptivity), plain(st.level),
                           plain(world.person_effectiveness), bool(st.downgraded.any()),
                           plain(st.effect_factor), plain(st.army), plain(st.army_eff),
                           plain(st.arms_memory), AID, INFO_OPS,
                           param_columns(world.memo, p, KERNEL_PARAMS, st.influence.shape[0]))
        return tuple(shares)
    shares = dimension_shares(world, st)
    st.influence += p.rate[:, :, None] * (target_influence(world, st, p, shares) - st.influence)
    st.influence.clip(0.0, 1.0, out=st.influence)
    return shares
