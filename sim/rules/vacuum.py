"""The built-in vacuum-filling rules of docs/ODD.md section 7.5.2.

Each returns the power's desired levels ``[B, S, I]`` in every world of the batch; the model then turns new entries into offers
that the host accepts or refuses, applies ramp-up and drawdown lags, and scales everything to the
power's budget ceiling. A rule never deploys into a state that has banned the power
(``ctx.can_enter``); what it keeps where it is already present is up to the rule.
"""

from __future__ import annotations

import numpy as np

from sim.rules.context import RuleContext, instrument
from sim.rules.registry import vacuum_rule

INFO_OPS = instrument("info_ops")
STRATEGISTS = instrument("strategists")


def _place(ctx: RuleContext, persons: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Desired levels: the current targets, with ``persons`` of the cheapest force where ``where``.

    Where ``where`` is False the cheapest force's target is left as it is.
    """
    desired = ctx.target.copy()
    inst = ctx.cheapest_force()
    bs, rows = np.nonzero(where & (inst >= 0))
    desired[bs, rows, inst[bs, rows]] = persons[bs, rows]
    return desired


@vacuum_rule("none")
def none(ctx: RuleContext) -> np.ndarray:
    """No new entries: only scheduled events move this power's forces."""
    return ctx.target.copy()


@vacuum_rule("proportional")
def proportional(ctx: RuleContext) -> np.ndarray:
    """Spend ``spend_share`` of the budget ceiling across states in proportion to
    vacuum x receptivity x strategic interest, in the power's cheapest force.

    States with no weight (no vacuum, no receptivity, or a ban) get nothing: the power leaves.
    """
    p = ctx.params.proportional
    weight = ctx.vacuum * ctx.receptivity * ctx.interest * ctx.can_enter
    total = weight.sum(axis=1, keepdims=True)
    spend = p.spend_share * ctx.budget_month * np.divide(weight, total, out=weight * 0,
                                                          where=total > 0)
    inst = ctx.cheapest_force()
    unit = np.where(inst >= 0, ctx.of(ctx.unit_cost, inst), np.inf)
    persons = np.floor(spend / unit)
    return _place(ctx, persons, np.ones(weight.shape, dtype=bool))


@vacuum_rule("opportunistic")
def opportunistic(ctx: RuleContext) -> np.ndarray:
    """The cheap-win strategy: enter where a rival left within ``window_months`` and the host is
    receptive (>= ``min_receptivity``), or where the host invited it (at least
    ``invited_personnel``), with the instrument of the lowest own net cost per unit of effect,
    sized to ``footprint_fraction`` of the vacuum (at most ``max_personnel``), plus information
    operations where it has them; leave everywhere once its cumulative own net cost passes
    ``net_cost_cap_usd``.
    """
    p = ctx.params.opportunistic
    spent = ctx.net_cost_to_date > p.net_cost_cap_usd[:, 0]  # [B]: these worlds leave
    present = ctx.personnel(ctx.level) > 0
    window = ctx.rival_exit_age <= p.window_months
    enter = window & (ctx.receptivity >= p.min_receptivity) & ctx.can_enter & (ctx.vacuum > 0)
    footprint = np.minimum(p.max_personnel, np.floor(p.footprint_fraction * ctx.vacuum))
    if ctx.invited.any():  # an invitation opens the door whatever the window and the vacuum
        enter = enter | (ctx.invited & ctx.can_enter & ~present)
        footprint = np.where(ctx.invited, np.maximum(footprint, np.minimum(
            p.max_personnel, ctx.params.invited_personnel)), footprint)
    inst = ctx.cheapest_force()
    current = ctx.at(ctx.target, inst)
    # where present (and not banned), the footprint follows the vacuum but is not abandoned
    keep = present & ~enter & ctx.can_enter
    persons = np.where(enter, np.maximum(footprint, current), np.maximum(footprint, current * keep))
    desired = _place(ctx, persons, enter | keep)
    # where it is not present (or entering), it courts the public and the regime: information
    # operations and political strategists in every state of interest it may enter (pre-2020:
    # Prigozhin networks in eight African states, strategists in Madagascar's 2018 election)
    courted = ~(enter | keep) & ctx.can_enter & (ctx.interest > 0)
    if ctx.has_instrument[INFO_OPS]:
        desired[:, :, INFO_OPS] = np.where(enter | keep, p.info_ops_usd,
                                           np.where(courted, p.campaign_info_ops_usd, 0.0))
    strategists = np.where(courted, p.strategists_usd, 0.0)
    if ctx.has_instrument[STRATEGISTS]:
        desired[:, :, STRATEGISTS] = strategists
    return np.where(spent[:, None, None], 0.0, desired)


@vacuum_rule("cost_benefit")
def cost_benefit(ctx: RuleContext) -> np.ndarray:
    """Enter (or stay) where the expected influence gain per USD 10m of own net cost over
    ``horizon_months`` passes ``threshold``; leave where it does not. Where the host invited it,
    the footprint weighed is at least ``invited_personnel``.

    Expected gain of a footprint F (effective strength E): 100 x receptivity x E / (E + capacity),
    the security share it would provide weighted by receptivity (process 6's target, in points).
    """
    p = ctx.params.cost_benefit
    inst = ctx.cheapest_force()
    footprint = np.minimum(p.max_personnel, np.floor(p.footprint_fraction * ctx.vacuum))
    if ctx.invited.any():  # where invited, it weighs at least the footprint it was asked for
        footprint = np.where(ctx.invited, np.maximum(footprint, np.minimum(
            p.max_personnel, ctx.params.invited_personnel)), footprint)
    current = ctx.at(ctx.target, inst)
    persons = np.maximum(footprint, current)
    eff = np.where(inst >= 0, ctx.of(ctx.effectiveness, inst), 0) * persons
    gain_points = 100.0 * ctx.receptivity * eff / np.maximum(eff + ctx.capacity, 1e-9)
    candidate = np.zeros_like(ctx.target)
    bs, rows = np.nonzero(inst >= 0)
    candidate[bs, rows, inst[bs, rows]] = persons[bs, rows]
    cost = np.maximum(ctx.monthly_net_cost(candidate) * p.horizon_months, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, gain_points / (cost / 1e7), np.where(gain_points > 0, np.inf, 0))
    go = (ratio >= p.threshold) & (gain_points > 0) & ctx.can_enter & (persons > 0)
    return _place(ctx, np.where(go, persons, 0.0), np.ones(go.shape, dtype=bool))


@vacuum_rule("rivalry")
def rivalry(ctx: RuleContext) -> np.ndarray:
    """Answer a rival's influence gain with a matching commitment: where another power gained
    influence over the last 12 months, hold at least ``match_ratio`` x its gain (in points) x
    ``personnel_per_point`` persons, up to ``max_personnel``; otherwise hold what is there.
    The commitment matches the gain; it does not accumulate month after month.
    """
    p = ctx.params.rivalry
    inst = ctx.cheapest_force()
    current = ctx.at(ctx.target, inst)
    match = p.match_ratio * np.maximum(ctx.rival_gain, 0) * 100.0 * p.personnel_per_point
    respond = (match > current) & ctx.can_enter
    persons = np.minimum(p.max_personnel, np.floor(np.maximum(current, match)))
    return _place(ctx, persons, respond)
