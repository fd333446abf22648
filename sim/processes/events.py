"""Process 1 and the emergent decisions: the dated events of a scenario (docs/ODD.md section 7.1)
and what the model's state calls for (coups, the regional answer to them, the regimes' choice of
partners), as functions over the batch's config, world, state and recorder, like the other
processes.

Each *action* (a coup, an expulsion, a withdrawal...) acts in one world ``b`` of the batch, or in
each of an array of worlds, with that world's values (:func:`sim.engine.batch.world_value`), and
records its event. A scheduled event calls its handler (:data:`EVENT_HANDLERS`) in the worlds
that have it; emergent decisions call the actions in the worlds whose state calls for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from sim.config import AES, INSTRUMENT_KINDS, WEST, EventConfig, RunConfig
from sim.engine.batch import world_value
from sim.processes import hosts as hosts_p
from sim.processes import politics as politics_p
from sim.processes import powers as powers_p
from sim.processes.arrays import ratio
from sim.record import Recorder
from sim.state import CIVILIAN, MILITARY, NEVER, SimState
from sim.world.build import World

__all__ = ["EVENT_HANDLERS", "Scope", "apply_event", "coup", "coups", "describe", "end_agreement",
           "expel", "failed_coup", "mass_casualty_attacks", "partner_choice", "partner_value",
           "sanctions", "west_cut", "withdraw"]


@dataclass
class Scope:
    """What an event acts on: the batch's config (numbers as ``[B, 1]``), world, state and
    recorder, the number of worlds that run now (``active``: the first ones of the batch), and
    ``set_value(path, fn)``, which sets the number at ``path`` of every world's config to
    ``fn(old)`` (the model's own copies, restacked) and returns each world's old value."""

    cfg: RunConfig
    world: World
    state: SimState
    recorder: Recorder
    active: int
    set_value: Callable[[str, Callable[[Any], Any]], list[Any]]


def describe(levels: np.ndarray) -> str:
    """``contractors 1,000, arms 2,500`` of a power's levels [I] (``nothing`` if none)."""
    parts = [f"{k} {v:,.0f}" for k, v in zip(INSTRUMENT_KINDS, levels, strict=True) if v > 0]
    return ", ".join(parts) if parts else "nothing"


# ------------------------------------------------------------------------------ actions

def coup(cfg: RunConfig, w: World, st: SimState, rec: Recorder, b: int, si: int, month: int,
         detail: str) -> None:
    """A coup in state ``si``: military regime, a new junta's popularity bonus; the coup trap
    starts, and the regional organisations will answer in ``sanctions.delay_months``."""
    st.regime[b, si] = MILITARY
    st.legitimacy[b, si] = min(1.0, st.legitimacy[b, si]
                               + world_value(cfg.params.hosts.coup_legitimacy_bonus, b))
    st.last_attempt[b, si] = st.last_coup[b, si] = month
    st.transition_at[b, si] = NEVER
    if cfg.scenario.endogenous_sanctions:
        st.sanction_at[b, si] = month + world_value(cfg.params.sanctions.delay_months, b)
    rec.event(b, month, "coup", "army", w.state_ids[si], detail)


def failed_coup(cfg: RunConfig, w: World, st: SimState, rec: Recorder, b: int, si: int,
                month: int, detail: str) -> None:
    """A failed coup attempt in state ``si``: the trap starts, the regime is weakened."""
    st.last_attempt[b, si] = month
    st.legitimacy[b, si] = max(0.0, st.legitimacy[b, si]
                               - world_value(cfg.params.coups.failed_legitimacy_cost, b))
    rec.event(b, month, "coup_attempt", "army", w.state_ids[si], detail)


def mass_casualty_attacks(cfg: RunConfig, w: World, st: SimState, rec: Recorder,
                          worlds: np.ndarray, states: np.ndarray, month: int) -> None:
    """Mass-casualty attacks on the armies of ``states`` in ``worlds`` (pairs, each at most
    once): a shock to politics. Every partner present loses ``hosts.shock_blame`` of
    receptivity (protests after Boulkessy and Indelimane, 2019, demanded that foreign forces
    leave); the losses also raise the coup hazard through the army's 3-month memory of losses
    (:func:`sim.processes.politics.coup_hazard`)."""
    here = (st.level[worlds, :, states] * w.is_person).sum(axis=2) > 0  # [n, P]
    before = st.receptivity[worlds, states]
    st.receptivity[worlds, states] = np.where(here, np.maximum(
        before - cfg.params.hosts.shock_blame[worlds], 0.0), before)
    rec.counted_events(month, "army_mass_casualty", worlds,
                       np.array(w.state_ids, dtype=object)[states],
                       st.army_deaths[worlds, states], "soldiers killed")


def end_agreement(cfg: RunConfig, w: World, st: SimState, rec: Recorder, b: int, si: int,
                  pi: int, month: int) -> None:
    """An elected government ends power ``pi``'s agreement: it leaves over
    ``partners.notice_months`` and may not return for ``hosts.ban_months``; ending it costs the
    government ``end_agreement_legitimacy_cost``."""
    pp = cfg.params.partners
    notice = world_value(pp.notice_months, b)
    powers_p.order(st, b, pi, si, np.where(w.is_person, 0.0, st.target[b, pi, si]),
                   np.full(len(INSTRUMENT_KINDS), notice))
    st.banned_until[b, si, pi] = month + world_value(cfg.params.hosts.ban_months, b)
    st.agreement[b, si, pi] = False
    st.last_exit[b, si, pi] = month
    st.legitimacy[b, si] = max(0.0, st.legitimacy[b, si]
                               - world_value(pp.end_agreement_legitimacy_cost, b))
    rec.event(b, month, "agreement_ended", w.state_ids[si], w.power_ids[pi],
              f"standing {st.standing[b, si, pi]:+.2f} for {st.low_months[b, si, pi]} months; "
              f"leaves over {notice} months")


def withdraw(w: World, st: SimState, rec: Recorder, b: int | np.ndarray, pi: int, si: int,
             month: int, detail: str, instrument: str = "", value: float = 0.0,
             months: int | None = None) -> None:
    """Order power ``pi`` down to ``value`` in state ``si`` (one instrument, or every person
    instrument) over its drawdown lag (or ``months``), in world ``b`` or in each of the worlds
    ``b`` (distinct indices). A withdrawal never raises a level."""
    cols = ([INSTRUMENT_KINDS.index(instrument)] if instrument
            else list(np.flatnonzero(w.is_person)))
    target = st.target[b, pi, si].copy()  # [I], or [n, I] for n worlds
    target[..., cols] = np.minimum(target[..., cols], value)
    lag = (w.drawdown_months[b, pi] if months is None
           else np.full(len(INSTRUMENT_KINDS), months))
    powers_p.order(st, b, pi, si, target, lag)
    for world in np.atleast_1d(b).tolist():
        rec.event(world, month, "withdrawal", w.power_ids[pi], w.state_ids[si], detail)


def west_cut(cfg: RunConfig, w: World, st: SimState, rec: Recorder, month: int,
             active: int) -> None:
    """Every Western power (france, usa, un, eu) keeps (1 - ``west_withdrawal_share``) of its
    forces in each AES state, reached over ``west_withdrawal_months``, in every world (of the
    first ``active``) whose share is above 0 (the sign is each world's own: a twin's is 0)."""
    sc = cfg.scenario
    st.month = month
    for b in range(active):
        share = world_value(sc.west_withdrawal_share, b)
        if share <= 0:  # no cut in this world (a twin, beside its run)
            continue
        keep = 1.0 - share
        lag = np.full(len(INSTRUMENT_KINDS), world_value(sc.west_withdrawal_months, b))
        for p in WEST:
            if p not in w.power_ids:
                continue
            pi = w.power_ids.index(p)
            for s in AES:
                if s not in w.state_ids:
                    continue
                si = w.state_ids.index(s)
                if (st.target[b, pi, si] * w.is_person).sum() <= 0:
                    continue
                target = np.where(w.is_person, np.minimum(st.target[b, pi, si],
                                                          keep * st.level[b, pi, si]),
                                  st.target[b, pi, si])
                powers_p.order(st, b, pi, si, target, lag)
                rec.event(b, month, "withdrawal", p, s,
                          f"scenario: Western forces cut by {share:.0%}")


def expel(cfg: RunConfig, w: World, st: SimState, rec: Recorder, b: int, si: int, pi: int,
          month: int, detail: str, months: int | None = None) -> None:
    """State ``si`` expels power ``pi``: it leaves over its drawdown lag, may not return for
    ``ban_months``, and may redeploy ``redeploy_share`` of its forces to the receptive state with
    the largest vacuum."""
    hp = cfg.params.hosts
    person = w.is_person
    leaving = st.level[b, pi, si] * person
    lag = (w.drawdown_months[b, pi] if months is None
           else np.full(len(INSTRUMENT_KINDS), months))
    powers_p.order(st, b, pi, si, np.where(person, 0.0, st.target[b, pi, si]), lag)
    st.banned_until[b, si, pi] = month + world_value(hp.ban_months, b)
    st.agreement[b, si, pi] = False
    st.last_exit[b, si, pi] = month
    st.offers[b, pi, si] = 0.0
    rec.event(b, month, "expulsion", w.state_ids[si], w.power_ids[pi], detail)
    share = w.redeploy_share[b, pi]
    if share <= 0 or leaving.sum() <= 0:
        return
    present = (st.level[b, pi] * person).sum(axis=1) > 0
    cand = (present | st.agreement[b, :, pi]) & (st.banned_until[b, :, pi] <= month) \
        & (st.receptivity[b, :, pi] >= world_value(hp.accept_threshold, b))
    cand[si] = False
    if not cand.any():
        return
    best = int(np.argmax(np.where(cand, st.vacuum[b], -np.inf)))
    powers_p.order(st, b, pi, best, st.target[b, pi, best] + share * leaving,
                   w.ramp_months[b, pi])
    rec.event(b, month, "redeploy", w.power_ids[pi], w.state_ids[best],
              f"{share * leaving.sum():.0f} personnel from {w.state_ids[si]}")


# ------------------------------------------------------------------- emergent decisions

def coups(cfg: RunConfig, w: World, st: SimState, rec: Recorder, month: int, ins: np.ndarray,
          draws: np.ndarray, worlds: np.ndarray) -> None:
    """Endogenous coup attempts: the hazard, the draws, success or failure; in the ``worlds``
    (``[B]`` bool) that have coups (``scenario.endogenous_coups``): the attempts of the others
    are drawn and dropped, which changes nothing of theirs (the hazard and the draws are read,
    not kept)."""
    cp = cfg.params.coups
    hazard = politics_p.coup_hazard(w, st, cp, ins, month)
    capacity, foreign = hosts_p.security_capacity(w, st)
    share = ratio(foreign, capacity[:, :, None])
    tried = politics_p.coup_attempts(w, st, cp, hazard, draws, month, share)
    for b, si in zip(*np.nonzero(tried.attempted & worlds[:, None]), strict=True):
        why = f"hazard {hazard[b, si]:.3f}/month"
        if tried.succeeded[b, si]:
            coup(cfg, w, st, rec, int(b), int(si), month, f"emergent ({why})")
        else:
            failed_coup(cfg, w, st, rec, int(b), int(si), month, f"emergent, failed ({why})")


def sanctions(cfg: RunConfig, w: World, st: SimState, rec: Recorder, month: int,
              draws: np.ndarray) -> None:
    """The AU and ECOWAS after a coup: suspension, sanctions, concession, transition."""
    res = politics_p.sanctions_step(w, st, cfg.params.sanctions, draws, month)
    for b, si in zip(*np.nonzero(res.suspended), strict=True):
        who = "ecowas" if w.ecowas_member[si] else "au"
        rec.event(b, month, "suspension", who, w.state_ids[si], "after the coup")
    for b, si in zip(*np.nonzero(res.embargoed), strict=True):
        rec.event(b, month, "sanctions", "ecowas", w.state_ids[si],
                  "economic sanctions: borders closed, accounts frozen")
    for b, si in zip(*np.nonzero(res.conceded), strict=True):
        rec.event(b, month, "concession", w.state_ids[si], "ecowas",
                  "the junta agrees a transition; sanctions lifted")
    for b, si in zip(*np.nonzero(res.transition), strict=True):
        st.regime[b, si] = CIVILIAN
        rec.event(b, month, "transition", w.state_ids[si], "",
                  "civilian rule restored" + ("; suspension lifted" if res.lifted[b, si] else ""))


def partner_value(cfg: RunConfig, w: World, st: SimState, ins: np.ndarray, trend: np.ndarray,
                  foreign: np.ndarray, month: int, support: np.ndarray | None = None
                  ) -> np.ndarray:
    """[B, S, P] each partner's value to each regime (:func:`politics.partner_value`, with the
    month's ``support`` if given), the coup threat it faces read from the coup hazard."""
    cp = cfg.params.coups
    hazard = politics_p.coup_hazard(w, st, cp, ins, month)
    threat = hazard / (hazard + politics_p.monthly_base(cp))
    return politics_p.partner_value(w, st, cfg.params.partners, ins, trend, foreign, threat,
                                    support)


def partner_choice(cfg: RunConfig, w: World, st: SimState, rec: Recorder, protected: np.ndarray,
                   month: int, ins: np.ndarray, trend: np.ndarray, foreign: np.ndarray) -> None:
    """The regimes value their partners and act: invite, downgrade, restore, expel, end an
    agreement; a power kept downgraded leaves (docs/ODD.md section 7.4)."""
    pp = cfg.params.partners
    acts, objection = politics_p.partner_month(w, st, cfg.params.coups, pp, protected, ins,
                                               trend, foreign, month)
    ids, powers = w.state_ids, w.power_ids
    for b, si, pi in zip(*np.nonzero(acts.invite), strict=True):
        st.agreement[b, si, pi] = True
        st.invited_until[b, si, pi] = month + world_value(pp.invitation_months, b)
        rec.event(b, month, "invitation", ids[si], powers[pi],
                  f"standing {st.standing[b, si, pi]:+.2f}")
    for b, si, pi in zip(*np.nonzero(acts.cooperate), strict=True):
        st.cooperation[b, si, pi] = True
        rec.event(b, month, "cooperation", ids[si], powers[pi],
                  f"standing {st.standing[b, si, pi] + objection[b, si, pi]:+.2f} without the "
                  "West's objection to its forces: military cooperation agreement (training, "
                  "equipment; no forces)")
    for b, si, pi in zip(*np.nonzero(acts.downgrade), strict=True):
        st.downgraded[b, si, pi] = True
        rec.event(b, month, "downgrade", ids[si], powers[pi],
                  f"standing {st.standing[b, si, pi]:+.2f}: agreements suspended, "
                  "overflights restricted")
    for b, si, pi in zip(*np.nonzero(acts.restore), strict=True):
        st.downgraded[b, si, pi] = False
        rec.event(b, month, "restore", ids[si], powers[pi],
                  f"standing {st.standing[b, si, pi]:+.2f}")
    st.effect_factor = 1.0 - pp.downgrade_effect[:, :, None] * st.downgraded
    for b, si, pi in zip(*np.nonzero(acts.expel), strict=True):
        expel(cfg, w, st, rec, int(b), int(si), int(pi), month,
              f"standing {st.standing[b, si, pi]:+.2f}: the junta asks it to leave")
    for b, si, pi in zip(*np.nonzero(acts.end_agreement), strict=True):
        end_agreement(cfg, w, st, rec, int(b), int(si), int(pi), month)
    for b, si, pi in zip(*np.nonzero(acts.leave), strict=True):
        if (st.target[b, pi, si] * w.is_person).sum() <= 0:
            continue  # already leaving
        withdraw(w, st, rec, int(b), int(pi), int(si), month,
                 f"host hostile: downgraded for {st.hostile_months[b, si, pi]} months")
        st.cooldown_until[b, si, pi] = month + world_value(cfg.rules.casualty_cooldown_months, b)


# ----------------------------------------------------------------- scheduled events (process 1)

def apply_event(scope: Scope, ev: EventConfig, month: int, worlds: np.ndarray | None = None
                ) -> None:
    """Process 1: apply a scheduled event (docs/ODD.md section 7.1) with the handler of its kind
    in :data:`EVENT_HANDLERS`, in the ``worlds`` of the batch that have it (default: every world
    that runs now).

    Raises:
        ValueError: if no handler is registered for ``ev.kind`` (validation refuses such an event
            before a model is built, so only an unvalidated config can get here).
    """
    handler = EVENT_HANDLERS.get(ev.kind)
    if handler is None:
        raise ValueError(
            f"scenario event {ev.id or ev.date!r}: kind {ev.kind!r} has no handler; allowed: "
            f"{', '.join(EVENT_HANDLERS)} (validate the config before building a model)")
    scope.state.month = month
    worlds = np.arange(scope.active) if worlds is None else worlds[worlds < scope.active]
    if worlds.size == 0:
        return
    with scope.recorder.scheduled():
        handler(scope, ev, month, f" ({ev.note})" if ev.note else "", worlds)


def on_coup(scope: Scope, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
    """``coup``: the army takes power in state ``target`` (see :func:`coup`)."""
    si = scope.world.state_ids.index(ev.target)
    for b in worlds.tolist():
        coup(scope.cfg, scope.world, scope.state, scope.recorder, b, si, month,
             "scheduled" + note)


def on_deploy(scope: Scope, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
    """``deploy``: power ``actor`` moves its ``instrument`` in state ``target`` to ``value``
    over ``months`` (default: its ramp-up lag); the host has agreed, which lifts a ban."""
    w, st = scope.world, scope.state
    pi, si = w.power_ids.index(ev.actor), w.state_ids.index(ev.target)
    ii = INSTRUMENT_KINDS.index(ev.instrument)
    lag = ev.months or w.ramp_months[worlds, pi, ii][:, None]  # a number, or [n, 1]
    target = st.target[worlds, pi, si]  # [n, I], a copy
    target[:, ii] = float(ev.value)
    powers_p.order(st, worlds, pi, si, target, lag)
    st.agreement[worlds, si, pi] = True
    st.banned_until[worlds, si, pi] = np.minimum(st.banned_until[worlds, si, pi], month)
    detail = f"{ev.instrument} to {ev.value:g}" + note
    for b in worlds.tolist():
        scope.recorder.event(b, month, "deploy", ev.actor, ev.target, detail)


def on_withdraw(scope: Scope, ev: EventConfig, month: int, note: str,
                worlds: np.ndarray) -> None:
    """``withdraw``: power ``actor`` draws down to ``value`` (default 0) in state ``target``,
    one ``instrument`` or every person instrument (see :func:`withdraw`)."""
    w = scope.world
    pi, si = w.power_ids.index(ev.actor), w.state_ids.index(ev.target)
    withdraw(w, scope.state, scope.recorder, worlds, pi, si, month, "scheduled" + note,
             ev.instrument, float(ev.value or 0.0), ev.months)


def on_expel(scope: Scope, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
    """``expel``: state ``actor`` expels power ``target`` (see :func:`expel`)."""
    w = scope.world
    si, pi = w.state_ids.index(ev.actor), w.power_ids.index(ev.target)
    for b in worlds.tolist():
        expel(scope.cfg, w, scope.state, scope.recorder, b, si, pi, month, "scheduled" + note,
              ev.months)


def on_agreement(scope: Scope, ev: EventConfig, month: int, note: str,
                 worlds: np.ndarray) -> None:
    """``agreement``: state ``actor`` signs with power ``target``, which lifts a ban; the power's
    rule decides what it deploys."""
    w, st = scope.world, scope.state
    si, pi = w.state_ids.index(ev.actor), w.power_ids.index(ev.target)
    st.agreement[worlds, si, pi] = True
    st.banned_until[worlds, si, pi] = np.minimum(st.banned_until[worlds, si, pi], month)
    for b in worlds.tolist():
        scope.recorder.event(b, month, "agreement", ev.actor, ev.target, "scheduled" + note)


def on_budget(scope: Scope, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
    """``budget``: a power's budget ceiling (the model's own copy of each world's config; the
    world is rebuilt on the same adjacency) or a state's defence budget becomes ``value``
    USD/year. Every world of a batch has it (:data:`sim.engine.batch.VALUE_EVENTS`)."""
    w, st = scope.world, scope.state
    if ev.actor in w.power_ids:
        scope.set_value(f"world.powers.{ev.actor}.budget_ceiling_usd", lambda old: float(ev.value))
    else:
        si = w.state_ids.index(ev.actor)
        st.budget[:, si] = st.budget0[:, si] = float(ev.value)
    for b in worlds.tolist():
        scope.recorder.event(b, month, "budget", ev.actor, "", f"{ev.value:g} USD/year" + note)


def on_param(scope: Scope, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
    """``param``: the parameter at ``path`` becomes ``value`` in every world (in the model's own
    copy of each world's config, of the parameter's type); a ``world.`` path rebuilds the world
    on the same adjacency. Every world of a batch has it (:data:`sim.engine.batch.VALUE_EVENTS`)."""
    olds = scope.set_value(ev.path, lambda old: type(old)(ev.value))
    for b in worlds.tolist():
        scope.recorder.event(b, month, "param", "", ev.path, f"{olds[b]:g} -> {ev.value:g}" + note)


#: The handler of each event kind (:data:`sim.config.EVENT_KINDS`), called as
#: ``handler(scope, event, month, note, worlds)`` where ``note`` is `` (event.note)`` or empty and
#: ``worlds`` the indices of the batch's worlds that have the event.
EVENT_HANDLERS: Mapping[str, Callable[[Scope, EventConfig, int, str, np.ndarray], None]] = \
    MappingProxyType({
    "coup": on_coup,
    "deploy": on_deploy,
    "withdraw": on_withdraw,
    "expel": on_expel,
    "agreement": on_agreement,
    "budget": on_budget,
    "param": on_param,
})
