"""Process 4: host states. Legitimacy, regime, the security vacuum, receptivity, expulsion,
offers, contractor payment and the defence budget (docs/ODD.md section 7.4).

Every array carries the batch axis first: ``[B, S]``, ``[B, S, P]``, ``[B, P, S, I]``."""

from __future__ import annotations

import numpy as np

from sim.config import INSTRUMENT_KINDS, HostProcessParams, ResourceParams
from sim.engine import fmath
from sim.engine.rng import compiled, plain
from sim.processes.arrays import (
    compiled_batch,
    dot_last,
    param_columns,
    per_power,
    person_index,
    ratio,
    sum_last,
)
from sim.processes.powers import present
from sim.state import MILITARY, SimState
from sim.world.build import World

INFO_OPS = INSTRUMENT_KINDS.index("info_ops")

__all__ = [
    "decide_offers",
    "expulsion_candidates",
    "insecurity",
    "media_control",
    "monthly_bills",
    "pay_contractors",
    "payment_capacity",
    "payment_shares",
    "security_capacity",
    "update_budget",
    "update_legitimacy",
    "update_protests",
    "update_receptivity",
    "update_trend",
    "update_vacuum",
    "visibility",
]


def insecurity(world: World, st: SimState, p: HostProcessParams) -> np.ndarray:
    """[B, S] insecurity index in [0, 1]: fatalities per million people per month / scale."""
    per_million = st.state_fatalities / world.state_population_millions
    return np.minimum(per_million / p.insecurity_scale, 1.0)


def update_trend(st: SimState, p: HostProcessParams) -> np.ndarray:
    """Update short and long fatality averages; return [B, S] trend = log((short+1)/(long+1))
    in [-1, 1] (positive: security is getting worse)."""
    a_short, a_long = 1.0 / p.trend_months, 1.0 / (3.0 * p.trend_months)
    st.fat_short += a_short * (st.state_fatalities - st.fat_short)
    st.fat_long += a_long * (st.state_fatalities - st.fat_long)
    return fmath.log((st.fat_short + 1.0) / (st.fat_long + 1.0)).clip(-1.0, 1.0)


def update_legitimacy(world: World, st: SimState, p: HostProcessParams, ins: np.ndarray) -> None:
    """Legitimacy moves toward base - insecurity - harm by the state side (per 10k people)."""
    harm = world.by_state(st.harm_memory)
    harm_idx = np.minimum(harm / world.state_population_floor * 1e4, 1.0)
    target = (world.base_legitimacy - p.legitimacy_insecurity_weight * ins
              - p.legitimacy_harm_weight * harm_idx).clip(0.0, 1.0)
    st.legitimacy += p.legitimacy_rate * (target - st.legitimacy)
    st.legitimacy.clip(0.0, 1.0, out=st.legitimacy)


def security_capacity(world: World, st: SimState) -> tuple[np.ndarray, np.ndarray]:
    """``(capacity[B, S], foreign_eff[B, S, P])``: effective security capacity of each state (own
    army and partners) and each power's effective contribution (one kernel on the compiled path,
    :func:`sim.processes.hosts_kernel.security_capacity`: the same floats)."""
    if compiled_batch(st):
        from sim.processes.hosts_kernel import security_capacity as kernel

        return kernel(plain(st.level), plain(world.person_effectiveness),
                      bool(st.downgraded.any()), plain(st.effect_factor), plain(st.army),
                      plain(st.army_eff))
    foreign = per_power(st.level, world.person_effectiveness).transpose(0, 2, 1)
    if st.downgraded.any():  # a downgraded partner loses part of its effect
        foreign = foreign * st.effect_factor
    return st.army * st.army_eff + sum_last(foreign), foreign


def update_vacuum(world: World, st: SimState, p: HostProcessParams, force_ratio: float,
                  hostile: np.ndarray) -> np.ndarray:
    """Security vacuum [B, S], in effective personnel: the threat not met by own and partners'
    capacity (threat x ``force_ratio`` - capacity, floored at 0) plus capacity lost to recent
    withdrawals (decaying with ``withdrawal_memory_months``). Returns each power's effective
    contribution [B, S, P]."""
    threat = world.by_state(hostile)
    capacity, foreign = security_capacity(world, st)
    st.capacity = capacity
    st.withdrawal_loss *= fmath.exp(-1.0 / p.withdrawal_memory_months)
    st.vacuum = np.maximum(threat * force_ratio - capacity, 0.0) + st.withdrawal_loss
    return foreign


def media_control(st: SimState, p: HostProcessParams) -> np.ndarray:
    """[B, S] how far each regime's narrative reaches its public: ``military_media_control``
    under a junta, ``civilian_media_control`` under an elected government."""
    return np.where(st.regime == MILITARY, p.military_media_control, p.civilian_media_control)


#: The host params :func:`sim.processes.hosts_kernel.protests` reads, in its order.
PROTEST_PARAMS = ("visibility_personnel", "military_media_control", "protest_weight")
#: The host params :func:`sim.processes.hosts_kernel.receptivity` reads, in its order.
RECEPTIVITY_PARAMS = ("military_media_control", "civilian_media_control", "failure_blame_weight",
                      "visibility_personnel", "harm_weight", "narrative_weight",
                      "nationalism_weight", "info_ops_weight", "info_ops_scale_usd",
                      "performance_weight", "receptivity_rate")


def update_receptivity(world: World, st: SimState, p: HostProcessParams, trend: np.ndarray,
                       foreign: np.ndarray, ins: np.ndarray) -> None:
    """Receptivity [B, S, P] (the public's opinion of each power) moves toward:

    - the base (long-run) affinity;
    - + credit for performance: the power's security share x improving security;
    - - blame for failure: ``failure_blame_weight`` x insecurity x the power's visibility
      (:func:`visibility`: 0 when absent, near 1 for a large combat force): the foreign forces
      present were blamed for the insecurity they did not stop (Mali-Metre 11); absent powers,
      the national army, and a small training mission hardly known to the public were not;
    - - blame for its abuses: ``harm_weight`` per 100 civilian deaths attributed to it (12-month
      memory);
    - the regime's narrative shields its partners (present, not downgraded) from both kinds of
      blame by its media control (the marches of October-November 2019 rallied for the army, the
      regime's own force, while demanding that the foreign forces leave [P 3b]; an elected
      government's media control is small, so Barkhane and MINUSMA were blamed; the shield's
      size is an assumption);
    - + the regime's narrative: ``narrative_weight`` x media control x the regime's standing of
      the power (clipped to [-1, 1]): a junta's media carry its view of its partners;
    - - anti-Western nationalism under a military regime;
    - + its information operations (log10 of 1 + USD/month over ``info_ops_scale_usd``).
    """
    if compiled_batch(st):
        from sim.processes.hosts_kernel import receptivity

        st.receptivity = plain(st.receptivity)  # moved in place
        receptivity(st.receptivity, plain(foreign), plain(st.capacity), plain(trend), plain(ins),
                    st.regime == MILITARY, plain(st.downgraded), plain(st.level),
                    person_index(world), INFO_OPS, plain(st.harm_attributed),
                    plain(st.standing), plain(world.base_receptivity), plain(world.nationalism),
                    plain(world.nationalism_exposure),
                    param_columns(world.memo, p, RECEPTIVITY_PARAMS, st.receptivity.shape[0]))
        return
    share = ratio(foreign, st.capacity[:, :, None])
    perf = -share * trend[:, :, None]
    here = present(world, st)
    control = media_control(st, p)[:, :, None]
    shield = 1.0 - control * (here & ~st.downgraded)
    failure = p.failure_blame_weight[:, :, None] * visibility(foreign, p) * ins[:, :, None] \
        * shield
    blame = p.harm_weight[:, :, None] * st.harm_attributed / 100.0 * shield
    narrative = p.narrative_weight[:, :, None] * control * st.standing.clip(-1.0, 1.0)
    military = (st.regime == MILITARY).astype(float)
    nat = p.nationalism_weight[:, :, None] * (world.nationalism * military)[:, :, None] \
        * world.nationalism_exposure[:, None, :]
    info_usd = st.level[:, :, :, INFO_OPS].transpose(0, 2, 1)  # [B, S, P]
    info = p.info_ops_weight[:, :, None] * fmath.log10(
        1.0 + info_usd / p.info_ops_scale_usd[:, :, None])
    target = (world.base_receptivity + p.performance_weight[:, :, None] * perf - failure - blame
              + narrative - nat + info).clip(0.0, 1.0)
    st.receptivity += p.receptivity_rate[:, :, None] * (target - st.receptivity)
    st.receptivity.clip(0.0, 1.0, out=st.receptivity)


def visibility(foreign: np.ndarray, p: HostProcessParams) -> np.ndarray:
    """[B, S, P] how visible each power's forces are to a state's public: ``1 - exp(-effective
    personnel / visibility_personnel)`` (0 where absent; EUTM's 600 trainers in 2017 were
    little known, Mali-Metre 2017, while Barkhane and MINUSMA were judged by most)."""
    return 1.0 - fmath.exp(-foreign / p.visibility_personnel[:, :, None])


def update_protests(world: World, st: SimState, p: HostProcessParams, ins: np.ndarray,
                    foreign: np.ndarray) -> None:
    """The month's expected demonstrations [B, S] (an observable, set in ``st.protests``):
    ``protest_base x damp x exp(protest_weight x (grievance - grievance0))``. The base is the
    snapshot's rate (ACLED, the year before it) and ``grievance0`` the grievance of the run's
    first month, so the mechanism predicts the change from the year before the start. Grievance
    is insecurity plus the discontent with the foreign forces present (the largest visibility x
    (1 - receptivity) among them, :func:`visibility`); a junta's media control damps the protests
    (``1 - military_media_control``: suspended outlets, banned marches)."""
    if compiled_batch(st):
        from sim.processes.hosts_kernel import protests

        st.grievance0 = plain(st.grievance0)  # set in place where NaN
        st.protests = protests(plain(st.receptivity), plain(foreign), plain(ins),
                               st.regime == MILITARY, st.grievance0, plain(st.protest_base),
                               param_columns(world.memo, p, PROTEST_PARAMS,
                                             st.receptivity.shape[0]))
        return
    discontent = (visibility(foreign, p) * (1.0 - st.receptivity)).max(axis=2, initial=0.0)
    grievance = ins + discontent
    st.grievance0 = np.where(np.isnan(st.grievance0), grievance, st.grievance0)
    damp = np.where(st.regime == MILITARY, 1.0 - p.military_media_control, 1.0)
    st.protests = st.protest_base * damp * fmath.exp(
        p.protest_weight * (grievance - st.grievance0))


def expulsion_candidates(world: World, st: SimState, p: HostProcessParams,
                         protected: np.ndarray) -> np.ndarray:
    """[B, S, P] bool: a military regime expels a present partner whose receptivity fell below
    ``expel_threshold`` (``protected`` [B, P] powers are never expelled)."""
    here = present(world, st)
    military = (st.regime == MILITARY)[:, :, None]
    not_yet = st.banned_until <= st.month  # a power already expelled is not expelled again
    return military & here & not_yet & (st.receptivity < p.expel_threshold[:, :, None]) \
        & ~protected[:, None, :]


def decide_offers(st: SimState, p: HostProcessParams,
                  regime_willing: np.ndarray | None = None) -> np.ndarray:
    """[B, S, P] bool: which pending offers the host accepts: not banned, and the public
    receptive enough (``accept_threshold``) or, where the regimes choose their partners,
    ``regime_willing`` [B, S, P] (the regime's standing of the power at its invite threshold)."""
    offered = sum_last(st.offers).transpose(0, 2, 1) > 0
    allowed = st.banned_until <= st.month
    if regime_willing is not None:
        return offered & allowed & regime_willing
    return offered & allowed & (st.receptivity >= p.accept_threshold[:, :, None])


def payment_capacity(world: World, st: SimState, r: ResourceParams) -> tuple[np.ndarray, np.ndarray]:
    """``(cash, concessions)`` [B, S]: the most each host can pay its partners this month, in USD:
    ``contractor_budget_share`` of its monthly defence budget, and ``concession_rent_share`` of
    the rent of the resource regions it holds (0 when concessions are disabled), both scaled by
    ``host_can_pay``."""
    cash = st.budget / 12.0 * world.contractor_budget_share * r.host_can_pay
    if not r.concessions_enabled:
        return cash, np.zeros_like(cash)
    held_rent = world.by_state(world.rent * st.control)
    return cash, world.concession_rent_share * held_rent * r.host_can_pay


_MEMO_MIN_SIZE = 4096  # levels with fewer entries are billed afresh (cheaper than comparing)


def monthly_bills(world: World, st: SimState) -> np.ndarray:
    """``[3, B, S, P]`` this month's bills for the current levels, in USD: gross cost, the part
    billed to the host in cash (``host_cash_share``) and the part billed in concessions
    (``concession_share``). Arms are not billed here: the arms market bills them (process 5).

    For a large batch the last bills are kept in the batch's world (``world.memo["bills"]``:
    copies of the levels and unit costs they come from, and of the bills; levels change only when
    deployments advance, process 5, so the bills settled at the end of a month are those the next
    month's rules see): levels and unit costs identical bit for bit (same shapes and memory
    layouts) give a copy of them, the floats this function computed."""
    level, billing = st.level, world.billing
    if level.size < _MEMO_MIN_SIZE or level.dtype != np.float64 or billing.dtype != np.float64:
        return _bills(level, billing)
    last = world.memo.get("bills")
    if last is not None and _same_bits(last[0], level) and _same_bits(last[1], billing):
        return last[2].copy(order="K")
    bills = _bills(level, billing)
    world.memo["bills"] = (level.copy(order="K"), billing.copy(order="K"), bills.copy(order="K"))
    return bills


def _bills(level: np.ndarray, billing: np.ndarray) -> np.ndarray:
    """``[K, B, S, P]``: levels ``[B, P, S, I]`` times each of the K billing rates ``[B, K, P, I]``,
    summed over the instruments in order (by :func:`sim.processes.arrays_kernel.bills` when the
    compiled kernels are in use: the same floats)."""
    if (compiled() and level.ndim == 4 and billing.ndim == 4
            and billing.shape[2:] == (level.shape[1], level.shape[3])
            and level.dtype == billing.dtype == np.float64):
        from sim.processes.arrays_kernel import bills

        return bills(plain(level), plain(billing)).transpose(0, 1, 3, 2)
    return dot_last(level[None], billing.transpose(1, 0, 2, 3)[:, :, :, None, :]).transpose(
        0, 1, 3, 2)


def _same_bits(kept: np.ndarray, x: np.ndarray) -> bool:
    """Whether float64 arrays ``kept`` and ``x`` have the same shape, memory layout and bits."""
    return (kept.shape == x.shape and kept.strides == x.strides
            and bool((kept.view(np.uint64) == x.view(np.uint64)).all()))


def payment_shares(world: World, st: SimState, r: ResourceParams,
                   bills: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(cash_share, concession_share)`` [B, S]: the share of its bills each host pays, in cash and
    in concessions, given what it can pay this month (:func:`payment_capacity`).

    A host pays ``min(1, capacity / due)`` of every partner's bill (the same share for every
    power), where ``due`` is its total bill of that kind (:func:`monthly_bills`, or ``bills`` if
    given). :func:`pay_contractors` settles the month's bills with these shares, and the rules
    see them as the share of a new bill the host would pay
    (:attr:`sim.rules.RuleContext.host_share`).

    When nothing is due the share is 1 if the host can pay anything and 0 if it cannot: the
    limit of ``min(1, capacity / due)`` as the bill shrinks to 0, i.e. the share of the first
    dollar of a new bill. A power weighing entry into a state where it has nothing billed yet
    thus sees a host that can pay (share 1) or one that cannot (share 0, as with
    ``host_can_pay = 0``), not a host that always pays. Settling a bill of 0 pays 0 whatever
    the share.
    """
    bills = monthly_bills(world, st) if bills is None else bills
    if compiled_batch(st) and bills.dtype == np.float64:
        from sim.processes.hosts_kernel import payment_shares as kernel

        n_b = st.budget.shape[0]
        return kernel(bills, plain(st.budget), plain(world.contractor_budget_share),
                      param_columns(world.memo, r, ("host_can_pay",), n_b)[:, 0].copy(),
                      bool(r.concessions_enabled), world.rent, plain(st.control),
                      world.region_state, plain(world.concession_rent_share))
    _, cash_due, conc_due = bills
    cash_cap, conc_cap = payment_capacity(world, st, r)
    return _share_paid(cash_cap, sum_last(cash_due)), _share_paid(conc_cap, sum_last(conc_due))


def _share_paid(capacity: np.ndarray, due: np.ndarray) -> np.ndarray:
    """``min(1, capacity / due)`` [B, S] where something is due; ``capacity > 0`` (1 or 0) where not."""
    return np.minimum(1.0, np.divide(capacity, due, out=(capacity > 0).astype(float),
                                     where=due > 0))


def pay_contractors(world: World, st: SimState, r: ResourceParams) -> None:
    """Bill this month's deployments and let each host pay what it can.

    Gross spending per state and power is every instrument's level x unit cost (arms are billed
    by the arms market in process 5). The host pays its cash share out of at most
    ``contractor_budget_share`` of its monthly defence budget (times ``host_can_pay``), and its
    concession share out of ``concession_rent_share`` of the rent of the resource regions it
    holds (:func:`payment_shares`); what it cannot pay stays with the power.
    """
    bills = monthly_bills(world, st)  # gross, cash and concession bills [S, P]
    cash_share, conc_share = payment_shares(world, st, r, bills)
    gross, cash_due, conc_due = bills
    st.host_paid = cash_due * cash_share[:, :, None]
    st.concessions = conc_due * conc_share[:, :, None]
    st.spending = gross


def update_budget(world: World, st: SimState, p: HostProcessParams, ins: np.ndarray,
                  loss: np.ndarray | None = None) -> None:
    """The defence budget answers the threat and the regime within what the economy can bear
    (``budget_ceiling_multiplier`` x the snapshot's budget), less the share ``loss`` [B, S] lost to
    sanctions; the army moves toward what the budget left after contractor and arms payments
    pays for."""
    military = (st.regime == MILITARY).astype(float)
    target = st.budget0 * (1.0 + p.budget_threat_elasticity * ins) * (1.0 + p.military_budget_bonus * military)
    target = np.minimum(target, st.budget0 * world.budget_ceiling_multiplier)
    if loss is not None:
        target = target * (1.0 - loss)
    st.budget += p.budget_rate * (target - st.budget)
    # last month's contractor cash (arms are bought from the arms share of the budget)
    paid = 12.0 * sum_last(st.host_paid - st.arms_paid) + st.budget * world.arms_budget_share
    army_target = np.divide(np.maximum(st.budget - paid, 0.0), st.army_unit_cost,
                            out=st.army.copy(), where=st.army_unit_cost > 0)
    st.army += p.army_growth_rate * (army_target - st.army)
