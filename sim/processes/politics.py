"""Process 4, politics: coups, the regional organisations' answer to them, and the host regime's
choice of partners (docs/ODD.md section 7.4).

A host regime chooses its partners for its own survival, not only for the state's security. Each
month every regime values every foreign power by what the power does for it (security, regime
protection, battlefield results), what it costs it (price, conditions attached), the public mood
toward it (receptivity, blame for insecurity while it is there) and, under regional sanctions,
whether it stands with them or backs defiance. The regime's *standing* of a partner follows that
value; the regime acts on its standing: it invites an absent partner, downgrades a present one,
asks a military partner to leave (a junta) or ends the agreement on a slower, costlier path (an
elected government). Partners answer: a power kept downgraded leaves.

Coups are a monthly hazard per state (attempts, some of which fail), calibrated to the
1990-2019 record of 17 West African states (Powell & Thyne; pre2020-politics section 1): a base
rate at reference conditions, the coup trap, and correlates (insecurity, military losses,
legitimacy, regime type, attempts next door) as assumptions with prior ranges.

Arrays are ``[B, S]`` over the worlds of a batch and states, and ``[B, S, P]`` over worlds,
states and powers, as in process 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import INSTRUMENT_KINDS, CoupParams, PartnerParams, SanctionsParams
from sim.engine import fmath
from sim.engine.rng import plain
from sim.processes.arrays import (
    compiled_batch,
    dot_last,
    param_columns,
    person_index,
    ratio,
    sum_last,
)
from sim.processes.powers import present  # in __all__: the partners' presence, as before
from sim.state import MILITARY, NEVER, SimState
from sim.world.build import World

__all__ = [
    "DRAWS",
    "Attempts",
    "Sanctions",
    "bound_support",
    "coup_attempts",
    "coup_hazard",
    "monthly_base",
    "objection",
    "partner_actions",
    "partner_month",
    "partner_value",
    "patron_support",
    "present",
    "sanctions_step",
    "update_army_losses",
    "update_standing",
    "western_leverage",
]

STRATEGISTS = INSTRUMENT_KINDS.index("strategists")
#: Uniform draws per state and month, always made (common random numbers across scenarios that
#: differ in what happens): attempt, success, embargo, concession.
DRAWS = 4
_DECAY3 = fmath.exp(-1.0 / 3.0)  # 3-month memory of army losses
#: The coup params :func:`sim.processes.politics_kernel.coup_hazard` reads, in its order.
HAZARD_PARAMS = ("attempt_rate", "trap_months", "trap_multiplier", "insecurity_weight",
                 "reference_insecurity", "losses_weight", "legitimacy_weight",
                 "reference_legitimacy", "military_multiplier", "neighbour_multiplier")
#: The partner params :func:`sim.processes.politics_kernel.partner_actions` reads, in its order.
ACTION_PARAMS = ("downgrade_threshold", "expel_threshold", "invite_threshold",
                 "cooperate_threshold", "end_agreement_months")
#: The partner params :func:`sim.processes.politics_kernel.partner_value` reads, in its order.
VALUE_PARAMS = ("concession_discount", "civilian_conditions_share", "mood_weight",
                "security_weight", "protection_weight", "results_weight",
                "insecurity_blame_weight", "price_weight", "conditions_weight", "patron_weight",
                "leverage_weight", "strategists_weight", "strategists_scale_usd")
_LOG_CLIP = 2.0  # the correlates move the hazard by at most e^2 (x7.4) either way
_MAX_HAZARD = 0.15  # per month: no state lives in a permanent coup


def monthly_base(cp: CoupParams) -> np.ndarray:
    """[B, 1] monthly probability of an attempt at reference conditions (from the yearly rate)."""
    return 1.0 - fmath.exp(-cp.attempt_rate / 12.0)


def update_army_losses(st: SimState, army_deaths: np.ndarray) -> None:
    """Add this month's army deaths [B, S] to the 3-month memory of losses."""
    st.army_loss_memory = st.army_loss_memory * _DECAY3 + army_deaths


def coup_hazard(world: World, st: SimState, cp: CoupParams, ins: np.ndarray,
                month: int) -> np.ndarray:
    """[B, S] monthly probability of a coup attempt.

    ``base x trap x exp(insecurity + losses + legitimacy terms) x regime x neighbours``, where
    the trap multiplies the hazard for ``trap_months`` after an attempt in the same state, the
    terms are measured from the reference conditions, and every attempt next door within
    ``trap_months`` multiplies it by ``neighbour_multiplier``.
    """
    if compiled_batch(st):
        from sim.processes.politics_kernel import coup_hazard as kernel

        return kernel(month, plain(st.last_attempt), plain(st.army_loss_memory), plain(st.army),
                      plain(np.broadcast_to(ins, st.army.shape)), plain(st.legitimacy),
                      st.regime == MILITARY, plain(world.state_adjacency),
                      param_columns(world.memo, cp, HAZARD_PARAMS, st.army.shape[0]),
                      _LOG_CLIP, _MAX_HAZARD)
    base = monthly_base(cp)
    recent = (month - st.last_attempt) < cp.trap_months
    trap = np.where(recent, cp.trap_multiplier, 1.0)
    losses_pct = 100.0 * st.army_loss_memory / np.maximum(st.army, 1.0)
    log_m = (cp.insecurity_weight * (ins - cp.reference_insecurity)
             + cp.losses_weight * losses_pct
             + cp.legitimacy_weight * (cp.reference_legitimacy - st.legitimacy))
    regime = np.where(st.regime == MILITARY, cp.military_multiplier, 1.0)
    neighbours = (world.state_adjacency.astype(float)  # exact: 0/1 times 0/1, a count
                  @ recent.astype(float)[:, :, None])[:, :, 0]
    rate = base * trap * fmath.exp(np.clip(log_m, -_LOG_CLIP, _LOG_CLIP)) * regime \
        * fmath.power(cp.neighbour_multiplier, neighbours)
    return np.minimum(rate, _MAX_HAZARD)


@dataclass
class Attempts:
    """This month's coup attempts: ``attempted`` and ``succeeded`` [B, S] bool."""

    attempted: np.ndarray
    succeeded: np.ndarray


def coup_attempts(world: World, st: SimState, cp: CoupParams, hazard: np.ndarray,
                  draws: np.ndarray, month: int, share: np.ndarray) -> Attempts:
    """Draw attempts and their success from ``draws`` [B, S, DRAWS].

    An attempt succeeds with ``success_share`` (``success_share_after_coup`` within
    ``trap_months`` of a successful coup), cut by the regime protection of the partners present:
    ``1 - protection_effect x sum_p regime_protection[p] x share[s, p]`` (``share``: each
    power's part of the security capacity).
    """
    attempted = draws[:, :, 0] < hazard
    after = (month - st.last_coup) < cp.trap_months
    p_success = np.where(after, cp.success_share_after_coup, cp.success_share)
    protection = dot_last(share, world.regime_protection[:, None, :])
    p_success = p_success * (1.0 - cp.protection_effect * np.minimum(protection, 1.0))
    succeeded = attempted & (draws[:, :, 1] < p_success)
    return Attempts(attempted=attempted, succeeded=succeeded)


def patron_support(world: World, st: SimState) -> np.ndarray:
    """[B, S] the strongest outside patron a regime has: the largest ``sanctions_patron`` of the
    powers present or bound to it by an agreement or an open invitation."""
    bound = present(world, st) | st.agreement | (st.invited_until > st.month)
    return np.where(bound, world.sanctions_patron[:, None, :], 0.0).max(axis=2, initial=0.0)


@dataclass
class Sanctions:
    """What the regional organisations did this month ([B, S] bool each)."""

    suspended: np.ndarray
    embargoed: np.ndarray
    conceded: np.ndarray
    transition: np.ndarray
    lifted: np.ndarray


def sanctions_step(world: World, st: SimState, sp: SanctionsParams, draws: np.ndarray,
                   month: int) -> Sanctions:
    """Suspension and sanctions after a coup, concession or defiance, return to civilian rule.

    - ``delay_months`` after a successful coup, the AU (and ECOWAS, for its members) suspend the
      state; an ECOWAS member also gets economic sanctions with ``embargo_probability``.
    - A sanctioned junta concedes each month with ``concede_rate x (1 - patron_defiance x
      patron)``; the sanctions are lifted and civilian rule returns ``transition_months`` later.
    - A suspension without sanctions ends with civilian rule after ``suspension_months``, unless
      the junta has a patron (``patron_support`` at least 0.5), which lets it stay on.
    """
    military = st.regime == MILITARY
    due = (st.sanction_at == month) & military
    embargo = due & world.ecowas_member & (draws[:, :, 2] < sp.embargo_probability)
    st.suspended |= due
    st.sanctioned |= embargo
    st.suspension_until = np.where(due, month + sp.suspension_months, st.suspension_until)
    st.sanction_at = np.where(due | ~military, NEVER, st.sanction_at)
    patron = patron_support(world, st)
    concede_p = sp.concede_rate * (1.0 - sp.patron_defiance * patron)
    conceded = st.sanctioned & ~due & (draws[:, :, 3] < concede_p)
    st.sanctioned &= ~conceded
    st.transition_at = np.where(conceded, month + sp.transition_months, st.transition_at)
    expired = st.suspended & ~st.sanctioned & (st.transition_at < month) \
        & (month >= st.suspension_until) & (patron < 0.5)
    st.transition_at = np.where(expired, month, st.transition_at)
    transition = (st.transition_at == month) & military
    lifted = transition & st.suspended
    st.suspended &= ~transition
    st.sanctioned &= ~transition
    return Sanctions(suspended=due, embargoed=embargo, conceded=conceded,
                     transition=transition, lifted=lifted)


def partner_value(world: World, st: SimState, pp: PartnerParams, ins: np.ndarray,
                  trend: np.ndarray, foreign: np.ndarray, threat: np.ndarray,
                  support: np.ndarray | None = None) -> np.ndarray:
    """[B, S, P] the value of each power to each host regime this month.

    ``mood x (receptivity - 0.5) + security x share + protection x regime_protection x threat
    + results x share x improvement - blame x share x insecurity - price x paid / budget
    - conditions x conditionality (x civilian_conditions_share for an elected government)
    + patron x sanctioned x (2 sanctions_patron - 1) + leverage x (bound_support -
    western_leverage x opposed_by_west) + strategists x log10(1 + strategists' USD / strategists_scale_usd)``
    (paid: cash + (1 - concession_discount) x concessions; sanctioned: under economic sanctions;
    a suspension alone does not change how the regime values its partners), each term weighted by its
    ``*_weight`` (``share``: the power's part of the security capacity; ``threat`` [B, S]: the coup
    hazard as a share of hazard + base, 0.5 at reference conditions; ``support``: this month's
    :func:`bound_support`, computed here if not given).
    """
    support = bound_support(world, st) if support is None else support
    if compiled_batch(st):
        from sim.processes.politics_kernel import partner_value as kernel

        shape = st.capacity.shape
        return kernel(plain(st.receptivity), plain(foreign), plain(st.capacity),
                      plain(np.broadcast_to(trend, shape)), plain(np.broadcast_to(ins, shape)),
                      plain(np.broadcast_to(threat, shape)), plain(st.host_paid),
                      plain(st.concessions), plain(st.budget), st.regime == MILITARY,
                      plain(st.sanctioned), plain(st.level), STRATEGISTS, plain(support),
                      plain(objection(world, st, pp, support)), plain(world.regime_protection),
                      plain(world.conditionality), plain(world.sanctions_patron),
                      param_columns(world.memo, pp, VALUE_PARAMS, st.receptivity.shape[0]))
    share = ratio(foreign, st.capacity[:, :, None])
    improvement = np.maximum(-trend, 0.0)
    paid = (st.host_paid + (1.0 - pp.concession_discount[:, :, None]) * st.concessions) \
        / np.maximum(st.budget / 12.0, 1.0)[:, :, None]
    military = st.regime == MILITARY
    strategists = st.level[:, :, :, STRATEGISTS].transpose(0, 2, 1)  # [B, S, P] USD/month
    felt = np.where(military, 1.0, pp.civilian_conditions_share)
    under_sanctions = st.sanctioned.astype(float)  # economic sanctions, not a suspension alone
    def weight(x: np.ndarray) -> np.ndarray:
        return x[:, :, None]  # [B, 1] per world -> [B, 1, 1]

    return (weight(pp.mood_weight) * (st.receptivity - 0.5)
            + weight(pp.security_weight) * share
            + weight(pp.protection_weight) * world.regime_protection[:, None, :]
            * threat[:, :, None]
            + weight(pp.results_weight) * share * improvement[:, :, None]
            - weight(pp.insecurity_blame_weight) * share * ins[:, :, None]
            - weight(pp.price_weight) * paid
            - weight(pp.conditions_weight) * world.conditionality[:, None, :] * felt[:, :, None]
            + weight(pp.patron_weight) * under_sanctions[:, :, None]
            * (2.0 * world.sanctions_patron[:, None, :] - 1.0)
            + weight(pp.leverage_weight) * support
            - objection(world, st, pp, support)
            + weight(pp.strategists_weight) * fmath.log10(
                1.0 + strategists / weight(pp.strategists_scale_usd)))


def objection(world: World, st: SimState, pp: PartnerParams,
              support: np.ndarray | None = None) -> np.ndarray:
    """[B, S, P] the part of each power's value that is the West's objection to its forces:
    ``leverage_weight x western_leverage x opposed_by_west`` (subtracted in
    :func:`partner_value`; ``support``: this month's :func:`bound_support`, computed here if not
    given)."""
    leverage = western_leverage(world, st) if support is None else sum_last(support)
    return pp.leverage_weight[:, :, None] * leverage[:, :, None] \
        * world.opposed_by_west[:, None, :]


def bound_support(world: World, st: SimState) -> np.ndarray:
    """[B, S, P] what each power the government hosts or has an agreement with brings it beyond
    security (budget support, IMF programmes, defence agreements): its ``leverage``, cut by its
    ``conditionality`` under a junta (whose aid it has already suspended); 0 for other powers."""
    bound = (present(world, st) | st.agreement).astype(float)
    military = (st.regime == MILITARY).astype(float)[:, :, None]
    return bound * world.leverage[:, None, :] * (1.0 - world.conditionality[:, None, :] * military)


def western_leverage(world: World, st: SimState) -> np.ndarray:
    """[B, S] what each government stands to lose by inviting a power the West opposes: the sum
    of :func:`bound_support` over its partners."""
    return sum_last(bound_support(world, st))


def update_standing(st: SimState, pp: PartnerParams, value: np.ndarray) -> None:
    """The regime's standing of each partner moves toward its value at ``standing_rate``."""
    st.standing += pp.standing_rate[:, :, None] * (value - st.standing)


def partner_month(world: World, st: SimState, cp: CoupParams, pp: PartnerParams,
                  protected: np.ndarray, ins: np.ndarray, trend: np.ndarray,
                  foreign: np.ndarray, month: int) -> tuple[PartnerActions, np.ndarray]:
    """The regimes' month with their partners: each partner's value (:func:`partner_value`,
    the coup threat read from :func:`coup_hazard`, the month's :func:`bound_support`), the
    standings moved toward it (:func:`update_standing`), and what the regimes do
    (:func:`partner_actions`, with the West's :func:`objection`). Returns the actions and the
    objection [B, S, P]. On the compiled path one kernel does it all
    (:func:`sim.processes.politics_kernel.partner_month`), the same floats."""
    if compiled_batch(st):
        from sim.processes.politics_kernel import partner_month as kernel

        shape, n_b = st.capacity.shape, st.standing.shape[0]
        st.standing = plain(st.standing)  # moved in place, with the three counters below
        st.low_months, st.hostile_months = plain(st.low_months), plain(st.hostile_months)
        st.downgraded = plain(st.downgraded)
        ins_s = plain(np.broadcast_to(ins, shape))
        objection_, acts = kernel(
            int(month), plain(st.last_attempt), plain(st.army_loss_memory), plain(st.army), ins_s,
            plain(st.legitimacy), st.regime == MILITARY, plain(world.state_adjacency),
            param_columns(world.memo, cp, HAZARD_PARAMS, n_b), _LOG_CLIP, _MAX_HAZARD,
            plain(st.receptivity), plain(foreign), plain(st.capacity),
            plain(np.broadcast_to(trend, shape)), plain(st.host_paid), plain(st.concessions),
            plain(st.budget), plain(st.sanctioned), plain(st.level), STRATEGISTS,
            person_index(world), plain(st.agreement), plain(world.leverage),
            plain(world.conditionality), plain(world.opposed_by_west),
            plain(world.regime_protection), plain(world.sanctions_patron),
            param_columns(world.memo, pp, VALUE_PARAMS, n_b),
            param_columns(world.memo, pp, ("standing_rate",), n_b)[:, 0].copy(), st.standing,
            plain(st.cooperation), st.downgraded, plain(st.banned_until),
            plain(st.invited_until), st.low_months, st.hostile_months, plain(protected),
            plain(world.hostile_host_months), param_columns(world.memo, pp, ACTION_PARAMS, n_b))
        return PartnerActions(*acts), objection_
    support = bound_support(world, st)  # once: the value and the objection read it
    hazard = coup_hazard(world, st, cp, ins, month)
    threat = hazard / (hazard + monthly_base(cp))
    update_standing(st, pp, partner_value(world, st, pp, ins, trend, foreign, threat, support))
    objection_ = objection(world, st, pp, support)
    return partner_actions(world, st, pp, protected, month, objection_), objection_


@dataclass
class PartnerActions:
    """What the host regimes do this month ([B, S, P] bool each)."""

    invite: np.ndarray
    cooperate: np.ndarray  # a military-cooperation agreement with an absent power (no forces)
    downgrade: np.ndarray
    restore: np.ndarray
    expel: np.ndarray
    end_agreement: np.ndarray
    leave: np.ndarray  # [B, S, P]: the power leaves a host that kept it downgraded


def partner_actions(world: World, st: SimState, pp: PartnerParams, protected: np.ndarray,
                    month: int, objection: np.ndarray | None = None) -> PartnerActions:
    """Turn standings into actions (and update the counters they need).

    - invite: an absent power with no agreement, not banned, standing >= ``invite_threshold``;
    - cooperate: an absent power without an agreement of either kind, not banned, whose standing
      plus ``objection`` [B, S, P] (the Western objection to its forces, :func:`objection`, which
      a paper agreement does not draw) is >= ``cooperate_threshold``: the regime signs a
      military-cooperation agreement (training, equipment; no forces);
    - downgrade: a present power below ``downgrade_threshold`` (restored once it is back above
      the threshold + 0.1; the mark goes with a power that leaves);
    - expel: a military regime asks a downgraded power below ``expel_threshold`` to leave;
    - end agreement: an elected government ends the agreement of a power that stood below
      ``expel_threshold`` for ``end_agreement_months`` in a row;
    - leave: a power kept below ``downgrade_threshold`` for its ``hostile_host_months`` leaves.

    Protected powers (``protected`` [B, P], each world's ``scenario.protected``) are never
    expelled, ended or made to leave.
    """
    if compiled_batch(st):
        from sim.processes.politics_kernel import partner_actions as kernel

        st.low_months, st.hostile_months = plain(st.low_months), plain(st.hostile_months)
        st.downgraded = plain(st.downgraded)  # the three updated in place
        acts = kernel(plain(st.level), person_index(world),
                      plain(st.standing), plain(st.standing if objection is None else objection),
                      objection is not None, plain(st.agreement), plain(st.cooperation),
                      st.downgraded, plain(st.banned_until), plain(st.invited_until),
                      st.low_months, st.hostile_months, st.regime == MILITARY, plain(protected),
                      plain(world.hostile_host_months),
                      param_columns(world.memo, pp, ACTION_PARAMS, st.standing.shape[0]),
                      int(month))
        return PartnerActions(*acts)
    here = present(world, st)
    banned = st.banned_until > month
    military = (st.regime == MILITARY)[:, :, None]
    down_at, expel_at = pp.downgrade_threshold[:, :, None], pp.expel_threshold[:, :, None]
    below_down = here & (st.standing < down_at)
    below_expel = here & (st.standing < expel_at)
    st.low_months = np.where(below_expel, st.low_months + 1, 0)
    st.hostile_months = np.where(below_down, st.hostile_months + 1, 0)
    invite = (~here & ~st.agreement & ~banned & (st.invited_until < month)
              & (st.standing >= pp.invite_threshold[:, :, None]))
    # a paper agreement draws no Western objection: the standing without it decides
    unopposed = st.standing if objection is None else st.standing + objection
    cooperate = ~here & ~st.agreement & ~st.cooperation & ~banned \
        & (unopposed >= pp.cooperate_threshold[:, :, None])
    st.downgraded &= here  # a partner that has left is no longer downgraded
    downgrade = below_down & ~st.downgraded
    restore = st.downgraded & (st.standing >= down_at + 0.1)
    keep = ~protected[:, None, :]
    expel = military & st.downgraded & below_expel & ~banned & keep
    end = ~military & (st.low_months >= pp.end_agreement_months[:, :, None]) & ~banned & keep
    leave = (st.hostile_months >= world.hostile_host_months[:, None, :]) & ~expel & ~end & keep
    return PartnerActions(invite=invite, cooperate=cooperate, downgrade=downgrade, restore=restore, expel=expel,
                          end_agreement=end, leave=leave)
