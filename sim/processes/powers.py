"""Process 5: foreign powers act. Decisions come from each power's vacuum-filling rule
(:mod:`sim.rules`); this module holds the mechanics every power shares: turning decisions into
offers and orders, ramp-up and drawdown lags, budget ceilings, withdrawal when casualties pass
tolerance, and the arms market (docs/ODD.md section 7.5).

Every array carries the batch axis first: ``[B, P, S, I]`` levels, ``[B, S, P]`` flows.
"""

from __future__ import annotations

import numpy as np

from sim.config import INSTRUMENT_KINDS, ResourceParams
from sim.engine import fmath
from sim.engine.rng import plain
from sim.processes.arrays import (
    compiled_batch,
    param_columns,
    per_power,
    person_index,
    ratio,
    sum_axis,
    sum_last,
)
from sim.state import MEMORY, SimState
from sim.world.build import World

__all__ = [
    "advance_deployments",
    "apply_decision",
    "arms_market",
    "casualty_withdrawals",
    "contractor_exits",
    "mark_exits",
    "order",
    "personnel",
    "present",
    "scale_to_budget",
]

ARMS = INSTRUMENT_KINDS.index("arms")
CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
_LOSS_MONTHS = 3  # a contractor weighs its losses over this many months
_DECAY12 = fmath.exp(-1.0 / 12.0)  # 12-month memory


def _per_power_values(x: np.ndarray, n_b: int, n_p: int) -> np.ndarray:
    """A per-world (``[B, 1]``) or per-power (``[B, P]``) value as a ``[B, P]`` array."""
    return plain(np.broadcast_to(np.asarray(x, dtype=float).reshape(n_b, -1), (n_b, n_p)))


def order(st: SimState, b: int | np.ndarray, pi: int, si: int, target: np.ndarray,
          months: np.ndarray | float) -> None:
    """Set power ``pi``'s target levels in state ``si`` of world ``b`` ([I]) to reach in
    ``months``; or of each of the worlds ``b`` (distinct indices: ``target`` [n, I])."""
    diff = np.abs(target - st.level[b, pi, si])
    st.target[b, pi, si] = target
    st.rate[b, pi, si] = diff / np.maximum(months, 1.0)


def apply_decision(world: World, st: SimState, pi: int, desired: np.ndarray,
                   worlds: np.ndarray | None = None) -> None:
    """Turn a rule's desired levels [B, S, I] into orders and offers.

    Where the power is present or has an agreement, a changed target becomes an order (ramp-up
    lag going up, drawdown lag going down). A new entry into a state without an agreement is an
    offer, which the host accepts or refuses next month (process 4). A world where nothing
    changed keeps its orders and offers as they are, and so does a world outside ``worlds``
    (``[B]`` bool, default all: one whose rule is ``none`` in a batch of several rules).
    """
    desired = np.where(world.has_instrument[pi], np.maximum(desired, 0.0), 0.0)
    # a power may not grow where the host banned it or where it decided to stay out
    barred = (st.banned_until[:, :, pi] > st.month) | (st.cooldown_until[:, :, pi] > st.month)
    desired = np.where(barred[:, :, None], np.minimum(desired, st.target[:, pi]), desired)
    changed = desired != st.target[:, pi]
    if worlds is not None:
        changed &= worlds[:, None, None]
    if not changed.any():
        return
    present = personnel(world, st.level[:, pi:pi + 1])[:, 0] > 0  # persons, not money
    # covert instruments (information operations, political strategists) need no host consent
    direct = ((present | st.agreement[:, :, pi])[:, :, None] | world.is_covert) & changed
    up = desired > st.level[:, pi]
    months = np.where(up, world.ramp_months[:, pi][:, None, :],
                      world.drawdown_months[:, pi][:, None, :])
    rate = np.abs(desired - st.level[:, pi]) / np.maximum(months, 1.0)
    st.target[:, pi] = np.where(direct, desired, st.target[:, pi])
    st.rate[:, pi] = np.where(direct, rate, st.rate[:, pi])
    offers = np.where(~direct & changed & (desired > 0), desired, 0.0)
    moved = changed.any(axis=(1, 2))
    st.offers[:, pi] = np.where(moved[:, None, None], offers, st.offers[:, pi])


def scale_to_budget(world: World, st: SimState) -> None:
    """Scale each power's targets down so that their gross monthly cost fits its budget ceiling."""
    n_b, n_p = st.target.shape[:2]
    cost = (st.target * world.unit_cost[:, :, None, :]).reshape(n_b, n_p, -1).sum(axis=2)  # [B, P]
    cap = world.budget_ceiling / 12.0
    for b, pi in zip(*np.nonzero(cost > cap)):  # rarely any
        st.target[b, pi] *= cap[b, pi] / cost[b, pi] if cap[b, pi] > 0 else 0.0
        # keep any faster pace already ordered, so that repeated scaling never slows a drawdown
        gap = np.abs(st.target[b, pi] - st.level[b, pi]) / np.maximum(
            world.drawdown_months[b, pi], 1.0)
        st.rate[b, pi] = np.maximum(st.rate[b, pi], gap)


def personnel(world: World, levels: np.ndarray) -> np.ndarray:
    """[..., P, S] persons in ``levels`` ([..., P, S, I]): the sum of the person instruments.

    The person instruments are added one after the other from +0.0, in their order: the floats
    of ``(levels * world.is_person).sum(axis=-1)`` for finite levels (numpy sums a trailing axis
    of fewer than 8 elements that way, and the other instruments add exact zeros), without its
    temporary array and reduction.
    """
    out = np.zeros(levels.shape[:-1])
    for col in world.person_columns:
        out += levels[..., col]
    return out


def mark_exits(world: World, st: SimState, share: np.ndarray) -> None:
    """Record the month each power began leaving a state: its personnel target fell below
    (1 - ``share``) of what it has there (rules read this as a rival's exit)."""
    if compiled_batch(st):
        from sim.processes.powers_kernel import mark_exits as kernel

        st.last_exit = plain(st.last_exit)  # marked in place
        kernel(plain(st.level), plain(st.target), person_index(world),
               _per_power_values(share, *st.level.shape[:2]), st.last_exit, int(st.month))
        return
    level = personnel(world, st.level)
    target = personnel(world, st.target)
    leaving = (level > 0) & (target < (1.0 - share[:, :, None]) * level - 1e-9)
    st.last_exit[leaving.transpose(0, 2, 1)] = st.month


def casualty_withdrawals(world: World, st: SimState, protected: np.ndarray) -> np.ndarray:
    """[B, P, S] bool: powers whose deaths in a state over 12 months passed their tolerance while
    they still have forces there (``protected`` [B, P] powers stay)."""
    if compiled_batch(st):
        from sim.processes.powers_kernel import casualty_withdrawals as kernel

        return kernel(plain(st.casualty_ring), plain(st.target), person_index(world),
                      plain(world.casualty_tolerance), plain(protected))
    deaths = st.casualty_ring.sum(axis=1)
    present = personnel(world, st.target) > 0
    return present & (deaths > world.casualty_tolerance[:, :, None]) & ~protected[:, :, None]


def present(world: World, st: SimState) -> np.ndarray:
    """[B, S, P] bool: the power has personnel in the state."""
    return personnel(world, st.level).transpose(0, 2, 1) > 0


def contractor_exits(world: World, st: SimState, protected: np.ndarray) -> np.ndarray:
    """[B, P, S] bool: a contractor leaves a state on its own decision when its losses outrun
    its pay: its deaths there over the last 3 months, per 100 contractors and month, pass
    ``loss_exit_rate x max(pay cover, unpaid_loss_share)``, where the pay cover is the share of
    its bill there that the host paid last month (cash and concessions). Mozambique 2019: about
    200 men left after 7 to 11 dead in two months (pre2020-politics section 6a). Only powers with
    a ``loss_exit_rate`` and contractors still ordered there; ``protected`` [B, P] powers stay."""
    rows = [(st.month - k) % MEMORY for k in range(_LOSS_MONTHS)]
    if compiled_batch(st):
        from sim.processes.powers_kernel import contractor_exits as kernel

        return kernel(plain(st.casualty_ring), np.array(rows, dtype=np.int64), plain(st.level),
                      plain(st.target), CONTRACTORS, plain(st.host_paid), plain(st.concessions),
                      plain(st.spending), plain(world.loss_exit_rate),
                      plain(world.unpaid_loss_share), plain(protected), _LOSS_MONTHS)
    contractors = st.level[:, :, :, CONTRACTORS]
    ordered = st.target[:, :, :, CONTRACTORS] > 0
    deaths = sum_axis(st.casualty_ring[:, rows], 1)  # [B, P, S]
    rate = 100.0 * deaths / _LOSS_MONTHS / np.maximum(contractors, 1.0)
    paid = (st.host_paid + st.concessions).transpose(0, 2, 1)
    cover = np.divide(paid, st.spending.transpose(0, 2, 1),
                      out=np.zeros_like(paid), where=st.spending.transpose(0, 2, 1) > 0)
    bearable = world.loss_exit_rate[:, :, None] * np.maximum(
        np.minimum(cover, 1.0), world.unpaid_loss_share[:, :, None])
    return ((contractors > 0) & ordered & (world.loss_exit_rate[:, :, None] > 0)
            & (rate > bearable) & ~protected[:, :, None])


def arms_market(world: World, st: SimState, r: ResourceParams) -> None:
    """Arms go to whichever hosts buy or accept them, from any power.

    Each host spends ``arms_budget_share`` of its monthly defence budget, split among the powers
    that export arms and are not banned, in proportion to receptivity squared; a power delivers at
    most ``arms_export_usd`` a month. Scheduled or rule-driven arms levels add to the deliveries.
    The host pays (1 - ``arms_gift_share``) x ``host_can_pay`` of what it receives (a host that
    cannot pay receives on credit never repaid); the exporter's gross cost is the delivered value x
    ``arms_cost_ratio``.
    """
    allowed = (st.banned_until <= st.month) & world.arms_exporter[:, None, :]
    if compiled_batch(st):
        from sim.processes.powers_kernel import arms_market as kernel

        n_b = st.level.shape[0]
        st.host_paid, st.spending = plain(st.host_paid), plain(st.spending)  # added to in place
        st.arms_memory = plain(st.arms_memory)
        st.arms_delivered, st.arms_paid = kernel(
            plain(st.receptivity), allowed, plain(st.budget), plain(world.arms_budget_share),
            plain(world.arms_export), plain(st.level), ARMS, plain(world.arms_paid_share),
            param_columns(world.memo, r, ("host_can_pay",), n_b)[:, 0].copy(),
            param_columns(world.memo, r, ("arms_cost_ratio",), n_b)[:, 0].copy(), _DECAY12,
            st.host_paid, st.spending, st.arms_memory)
        return
    w = np.where(allowed, st.receptivity * st.receptivity, 0.0)
    demand = st.budget / 12.0 * world.arms_budget_share
    wsum = sum_last(w, keepdims=True)
    alloc = demand[:, :, None] * ratio(w, wsum)
    per_power = alloc.sum(axis=1)  # [B, P]
    scale = np.divide(world.arms_export, per_power, out=np.ones_like(per_power),
                      where=per_power > world.arms_export)
    delivered = alloc * scale[:, None, :] + st.level[:, :, :, ARMS].transpose(0, 2, 1)
    st.arms_delivered = delivered
    st.arms_paid = delivered * world.arms_paid_share[:, None, :] * r.host_can_pay[:, :, None]
    st.host_paid = st.host_paid + st.arms_paid
    st.spending = st.spending + delivered * r.arms_cost_ratio[:, :, None]
    st.arms_memory = st.arms_memory * _DECAY12 + delivered


def advance_deployments(world: World, st: SimState) -> tuple[np.ndarray, np.ndarray]:
    """Move every level toward its target by its rate. Returns ``(entered, left)`` [B, P, S]
    bool: where a power's personnel went from zero to positive, or from positive to zero."""
    if (st.target == st.level).all():  # nothing is moving (many months)
        none = np.zeros(st.level.shape[:3], dtype=bool)
        return none, none
    if compiled_batch(st):
        from sim.processes.powers_kernel import advance

        st.level, st.withdrawal_loss = plain(st.level), plain(st.withdrawal_loss)  # in place
        moved = advance(st.level, plain(st.target), plain(st.rate), person_index(world),
                        plain(world.person_effectiveness), st.withdrawal_loss)
        return moved[0], moved[1]
    before = personnel(world, st.level)
    step = (st.target - st.level).clip(-st.rate, st.rate)
    st.level += step
    # land exactly on the target once within a rounding error of it
    st.level = np.where(np.abs(st.target - st.level) < 1e-6, st.target, st.level)
    np.maximum(st.level, 0.0, out=st.level)
    after = personnel(world, st.level)
    lost = sum_axis(per_power(np.minimum(step, 0.0), world.person_effectiveness), 1)
    st.withdrawal_loss += -lost
    return (before <= 0) & (after > 0), (before > 0) & (after <= 0)
