"""The pre-2020 mechanisms, each shown both ways: the public's opinion of the foreign powers
(failure blame, abuse blame shielded by the regime's media, the regime's narrative, information
operations), demonstrations, the regime's commitment to its partners (regime protection,
concessions, political strategists), Western leverage and military-cooperation agreements,
contractors that leave when their losses outrun their pay, and the opportunistic power's covert
instruments (information operations, political strategists, no host consent).

Each test drives one mechanism on and off (or reversed) on the Sahel world of the ``endogenous``
scenario, built as the model builds it (:class:`sim.model.SahelModel`), with arrays set by
hand, and calls the process function itself: it fails if the mechanism is removed or its sign
flipped. The last test runs the scenario over 2017-2019 end to end.
"""

from __future__ import annotations

import copy
import dataclasses
import functools

import numpy as np
import pytest

from sim.api import load_config, run
from sim.config import INSTRUMENT_KINDS, RunConfig
from sim.model import SahelModel
from sim.processes import hosts, politics, powers
from sim.rules import get
from sim.state import MEMORY, MILITARY, SimState
from sim.world.build import World

CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
INFO_OPS = INSTRUMENT_KINDS.index("info_ops")
STRATEGISTS = INSTRUMENT_KINDS.index("strategists")
WEST = ("france", "usa", "eu")


# --------------------------------------------------------------------------- the world


@functools.cache
def _config() -> RunConfig:
    return load_config(["scenario=endogenous"])


def _model() -> SahelModel:
    """A fresh model of the endogenous scenario at its first month (building one is cheap once
    the config is composed)."""
    return SahelModel(_config())


@functools.cache
def _base() -> SahelModel:
    return _model()


def _world() -> World:
    return _base().world


def _state() -> SimState:
    """A copy of the initial state, free to change."""
    return copy.deepcopy(_base().state)


def _s(name: str) -> int:
    return _world().state_ids.index(name)


def _p(name: str) -> int:
    return _world().power_ids.index(name)


def _hp(**changes: float):
    """The batch's host-process parameters ([B, 1] each), with ``changes``."""
    hp = _base().cfg.params.hosts
    return dataclasses.replace(hp, **{k: np.full_like(getattr(hp, k), v, dtype=float)
                                      for k, v in changes.items()})


def _pp(**changes: float):
    """The batch's partner parameters ([B, 1] each), with ``changes``."""
    pp = _base().cfg.params.partners
    return dataclasses.replace(pp, **{k: np.full_like(getattr(pp, k), v, dtype=float)
                                      for k, v in changes.items()})


def _world_with(**arrays: dict[str, float]) -> World:
    """A shallow copy of the world with per-power values replaced: ``name={power: value}``."""
    w = copy.copy(_world())
    for name, values in arrays.items():
        x = getattr(w, name).copy()
        for power, v in values.items():
            x[..., _p(power)] = v
        setattr(w, name, x)
    return w


def _here(w: World, st: SimState) -> np.ndarray:
    """[B, S, P] the power has personnel in the state."""
    return powers.personnel(w, st.level).transpose(0, 2, 1) > 0


def _bs(st: SimState, value: float) -> np.ndarray:
    return np.full(st.regime.shape, float(value))


# --------------------------------------------------------------------------- opinion


def _foreign(st: SimState) -> np.ndarray:
    """[B, S, P] the effective security capacity each power provides (as process 4 computes
    it), from a copy of ``st``."""
    return hosts.security_capacity(_world(), copy.deepcopy(st))[1]


def _opinion(st: SimState, hp=None, ins: float = 0.0) -> np.ndarray:
    """Receptivity [B, S, P] after one month of update_receptivity from ``st`` (no security
    trend, so no credit for performance), the state left untouched."""
    foreign = _foreign(st)
    st = copy.deepcopy(st)
    hosts.update_receptivity(_world(), st, hp or _hp(), _bs(st, 0.0), foreign, _bs(st, ins))
    return st.receptivity


def test_failure_blame_falls_on_the_powers_present_only():
    """Insecurity lowers an elected Mali's opinion of every power present (France, the UN, the
    EU), the more the higher it is, and not of the powers absent (Russia); without
    failure_blame_weight it lowers none."""
    w, st = _world(), _state()
    ml, fr, ru = _s("mali"), _p("france"), _p("russia")
    here = _here(w, st)
    assert here[0, ml, fr] and not here[0, ml, ru]
    assert st.regime[0, ml] != MILITARY
    # a neutral opinion and standing, so that no target is clipped at 0 or 1
    st.receptivity[:] = 0.5
    st.standing[:] = 0.0
    calm, insecure = _opinion(st, ins=0.0), _opinion(st, ins=0.3)
    assert insecure[0, ml, fr] < calm[0, ml, fr]
    assert insecure[0, ml, ru] == calm[0, ml, ru]
    assert np.array_equal(insecure[~here], calm[~here]), "an absent power was blamed"
    assert (insecure[here] < calm[here]).all(), "a power present was not blamed"
    # more insecurity, more blame
    assert (_opinion(st, ins=0.5)[here] < insecure[here]).all()
    off = _hp(failure_blame_weight=0.0)
    assert np.array_equal(_opinion(st, off, ins=0.3), _opinion(st, off, ins=0.0))


def _harm_drop(regime: int, power: str, harm: float = 50.0, downgraded: bool = False) -> float:
    """How much ``harm`` civilian deaths attributed to ``power`` in Mali lower its receptivity
    there in one month, under ``regime``."""
    st = _state()
    ml, pi = _s("mali"), _p(power)
    st.regime[:, ml] = regime
    st.downgraded[:, ml, pi] = downgraded
    clean = _opinion(st)[0, ml, pi]
    st.harm_attributed[:, ml, pi] = harm
    return float(clean - _opinion(st)[0, ml, pi])


def test_abuse_blame_is_shielded_for_a_present_partner_by_a_juntas_media():
    """Civilian deaths attributed to a partner lower its receptivity; the regime's media shield
    a present partner that is not downgraded by their control, which a junta has more of
    (military vs civilian_media_control): the junta cuts the loss. A downgraded partner, or an
    absent power, gets no shield."""
    hp = _hp()
    rate, weight = hp.receptivity_rate[0, 0], hp.harm_weight[0, 0]
    civ, mil = hp.civilian_media_control[0, 0], hp.military_media_control[0, 0]
    assert mil > civ
    unshielded = rate * weight * 50.0 / 100.0
    assert _here(_world(), _state())[0, _s("mali"), _p("eu")]
    drop_civ, drop_mil = _harm_drop(0, "eu"), _harm_drop(MILITARY, "eu")
    assert 0 < drop_mil < drop_civ
    assert drop_civ == pytest.approx(unshielded * (1 - civ))
    assert drop_mil == pytest.approx(unshielded * (1 - mil))
    # no shield for a downgraded partner, nor for an absent power (Turkey in Mali)
    assert _harm_drop(MILITARY, "eu", downgraded=True) == pytest.approx(unshielded)
    assert _harm_drop(MILITARY, "turkey") == pytest.approx(unshielded)
    assert _harm_drop(0, "turkey") == pytest.approx(unshielded)
    # no harm, no blame
    assert _harm_drop(MILITARY, "eu", harm=0.0) == 0.0


def _narrative_gap(regime: int, hp=None, high: float = 0.8) -> float:
    """Turkey's receptivity in Mali after a month when the regime stands by it (+``high``) minus
    when it stands against it (-``high``)."""
    ml, tr = _s("mali"), _p("turkey")
    out = []
    for standing in (high, -high):
        st = _state()
        st.regime[:, ml] = regime
        st.standing[:, ml, tr] = standing
        out.append(_opinion(st, hp)[0, ml, tr])
    return float(out[0] - out[1])


def test_the_regimes_narrative_moves_opinion_toward_its_standing():
    """Opinion moves toward the regime's standing of a power, by narrative_weight x its media
    control x standing clipped to [-1, 1]: up for a positive standing, down for a negative one,
    more under a junta; no narrative, no gap."""
    hp = _hp()
    rate, weight = hp.receptivity_rate[0, 0], hp.narrative_weight[0, 0]
    civ, mil = hp.civilian_media_control[0, 0], hp.military_media_control[0, 0]
    gap_civ, gap_mil = _narrative_gap(0), _narrative_gap(MILITARY)
    assert 0 < gap_civ < gap_mil
    assert gap_mil == pytest.approx(rate * weight * mil * 1.6)
    assert gap_civ == pytest.approx(rate * weight * civ * 1.6)
    # the standing is clipped to [-1, 1]
    assert _narrative_gap(MILITARY, high=5.0) == pytest.approx(rate * weight * mil * 2.0)
    assert _narrative_gap(MILITARY, _hp(narrative_weight=0.0)) == 0.0


def test_information_operations_raise_receptivity_where_they_run():
    """Russia's information operations in Niger (where it is absent) raise Niger's receptivity
    to Russia, and nothing else."""
    st = _state()
    ne, ru = _s("niger"), _p("russia")
    before = _opinion(st)
    st.level[:, ru, ne, INFO_OPS] = 100_000.0
    after = _opinion(st)
    hp = _hp()
    gain = hp.receptivity_rate[0, 0] * hp.info_ops_weight[0, 0] * np.log10(
        1.0 + 100_000.0 / hp.info_ops_scale_usd[0, 0])
    assert after[0, ne, ru] - before[0, ne, ru] == pytest.approx(gain)
    assert gain > 0
    others = np.ones(after.shape, dtype=bool)
    others[:, ne, ru] = False
    assert np.array_equal(after[others], before[others])


# --------------------------------------------------------------------------- protests


def _protests(st: SimState, ins: float = 0.3, hp=None) -> np.ndarray:
    """The month's protests [B, S] from ``st``, measured against a first-month grievance of
    0.5 in every state."""
    foreign = _foreign(st)
    st = copy.deepcopy(st)
    st.grievance0 = np.full(st.regime.shape, 0.5)
    hosts.update_protests(_world(), st, hp or _hp(), _bs(st, ins), foreign)
    return st.protests


def test_more_insecurity_brings_more_protests():
    """Protests grow with insecurity, by exp(protest_weight x the rise), in every state."""
    st = _state()
    low, high = _protests(st, 0.2), _protests(st, 0.6)
    base = st.protest_base
    assert (base[:, _s("mali")] > 0).all()
    assert (low[base > 0] > 0).all()
    assert (high[base > 0] > low[base > 0]).all()
    weight = _hp().protest_weight[0, 0]
    assert high / low == pytest.approx(np.full_like(low, np.exp(weight * 0.4)))
    # no protest_weight: insecurity does not move them
    flat = _hp(protest_weight=0.0)
    assert np.array_equal(_protests(st, 0.2, flat), _protests(st, 0.6, flat))


def test_discontent_with_a_present_power_raises_protests_an_absent_ones_does_not():
    """The public turning on France (present in Mali) raises Mali's protests; the same turn on
    Russia (absent) leaves them as they were."""
    ml, fr, ru = _s("mali"), _p("france"), _p("russia")
    st = _state()
    st.receptivity[:, ml, :] = 0.9
    content = _protests(st)[0, ml]
    against_france, against_russia = _state(), _state()
    for x in (against_france, against_russia):
        x.receptivity[:, ml, :] = 0.9
    against_france.receptivity[:, ml, fr] = 0.2
    against_russia.receptivity[:, ml, ru] = 0.2
    assert _here(_world(), st)[0, ml, fr] and not _here(_world(), st)[0, ml, ru]
    assert _protests(against_france)[0, ml] > content
    assert _protests(against_russia)[0, ml] == content
    # no protest_weight: discontent does not move them
    flat = _hp(protest_weight=0.0)
    assert _protests(against_france, hp=flat)[0, ml] == _protests(st, hp=flat)[0, ml]


def test_a_junta_damps_protests():
    """A junta's media control damps demonstrations by (1 - military_media_control); the other
    states, still civilian, are unchanged; with no media control a junta damps nothing."""
    ml = _s("mali")
    st = _state()
    civilian = _protests(st)
    st.regime[:, ml] = MILITARY
    junta = _protests(st)
    mil = _hp().military_media_control[0, 0]
    assert 0 < mil < 1
    assert junta[0, ml] == pytest.approx(civilian[0, ml] * (1 - mil))
    others = np.arange(civilian.shape[1]) != ml
    assert np.array_equal(junta[:, others], civilian[:, others])
    # a junta without media control does not damp them
    assert np.array_equal(_protests(st, hp=_hp(military_media_control=0.0)), civilian)


# --------------------------------------------------------------------------- commitment


def _value(st: SimState, pp=None, threat: float = 0.5, w: World | None = None) -> np.ndarray:
    """partner_value [B, S, P] with no insecurity, no trend and no security share."""
    return politics.partner_value(w or _world(), st, pp or _pp(), _bs(st, 0.0), _bs(st, 0.0),
                                  np.zeros_like(st.receptivity), _bs(st, threat))


def test_regime_protection_is_worth_more_when_the_coup_threat_is_higher():
    """A higher coup threat raises each partner's value by protection_weight x its
    regime_protection x the rise: Russia (0.8) gains more than France (0.3), a power without
    regime protection (EU) nothing."""
    w, st = _world(), _state()
    ml = _s("mali")
    gain = _value(st, threat=0.8)[0, ml] - _value(st, threat=0.2)[0, ml]
    protection = w.regime_protection[0]
    weight = _pp().protection_weight[0, 0]
    assert gain == pytest.approx(weight * protection * 0.6)
    ru, fr, eu = _p("russia"), _p("france"), _p("eu")
    assert protection[ru] > protection[fr] > protection[eu] == 0
    assert gain[ru] > gain[fr] > 0
    assert gain[eu] == 0


def test_concessions_cost_the_regime_less_than_the_same_cash():
    """Paying Russia USD 2m a month in concessions lowers its value to Mali's regime less than
    paying it in cash (concession_discount > 0); with no discount they are the same, with a full
    discount concessions cost nothing."""
    ml, ru = _s("mali"), _p("russia")
    free, cash, conc = _state(), _state(), _state()
    for x in (free, cash, conc):
        x.host_paid[:, ml, ru] = x.concessions[:, ml, ru] = 0.0
    cash.host_paid[:, ml, ru] = 2e6
    conc.concessions[:, ml, ru] = 2e6
    pp = _pp()
    assert pp.concession_discount[0, 0] > 0
    v_free, v_cash, v_conc = (_value(x, pp)[0, ml, ru] for x in (free, cash, conc))
    assert v_free > v_conc > v_cash
    assert v_free - v_conc == pytest.approx((v_free - v_cash) * (1 - pp.concession_discount[0, 0]))
    none = _pp(concession_discount=0.0)
    assert _value(conc, none)[0, ml, ru] == pytest.approx(_value(cash, none)[0, ml, ru])
    full = _pp(concession_discount=1.0)
    assert _value(conc, full)[0, ml, ru] == _value(free, full)[0, ml, ru]


def test_strategists_raise_the_paying_powers_standing_value():
    """Russia's political strategists in Mali raise its value to Mali's regime by
    strategists_weight x log10(1 + USD / scale), and no other power's or state's."""
    ml, ru = _s("mali"), _p("russia")
    st = _state()
    before = _value(st)
    st.level[:, ru, ml, STRATEGISTS] = 60_000.0
    after = _value(st)
    pp = _pp()
    gain = pp.strategists_weight[0, 0] * np.log10(1.0 + 60_000.0 / pp.strategists_scale_usd[0, 0])
    assert gain > 0
    assert after[0, ml, ru] - before[0, ml, ru] == pytest.approx(gain)
    others = np.ones(after.shape, dtype=bool)
    others[:, ml, ru] = False
    assert np.array_equal(after[others], before[others])
    off = _pp(strategists_weight=0.0)
    assert _value(st, off)[0, ml, ru] == _value(_state(), off)[0, ml, ru]


# --------------------------------------------------------------------------- western leverage


def _without_the_west(st: SimState, state: str) -> SimState:
    """``st`` with no Western agreement and no Western forces in ``state``."""
    st = copy.deepcopy(st)
    si = _s(state)
    for power in WEST:
        st.agreement[:, si, _p(power)] = False
        st.level[:, _p(power), si, :] = 0.0
        st.target[:, _p(power), si, :] = 0.0
    return st


def test_western_leverage_sums_the_leverage_of_the_western_partners():
    """An elected Mali bound to France, the US and the EU (agreements) feels the sum of the
    leverage of the powers it is bound to; an agreement alone, or forces alone, binds; under a
    junta each is cut by its conditionality."""
    w = _world()
    ml = _s("mali")
    lev, cond = w.leverage[0], w.conditionality[0]
    west = [_p(p) for p in WEST]
    bound = _state()
    assert bound.agreement[0, ml, west].all() and (lev[west] > 0).all()
    tied = (bound.agreement | _here(w, bound))[0, ml]
    assert politics.western_leverage(w, bound)[0, ml] == pytest.approx(lev[tied].sum())
    free = _without_the_west(bound, "mali")
    rest = politics.western_leverage(w, free)[0, ml]  # the UN's, which stays
    assert rest == pytest.approx(lev[tied].sum() - lev[west].sum())
    fr = _p("france")
    agreement_only = copy.deepcopy(free)
    agreement_only.agreement[:, ml, fr] = True
    forces_only = copy.deepcopy(free)
    forces_only.level[:, fr, ml, INSTRUMENT_KINDS.index("troops")] = 500.0
    for x in (agreement_only, forces_only):
        assert politics.western_leverage(w, x)[0, ml] == pytest.approx(rest + lev[fr])
    junta = copy.deepcopy(bound)
    junta.regime[:, ml] = MILITARY
    cut = politics.western_leverage(w, junta)[0, ml]
    assert cut == pytest.approx((lev[tied] * (1 - cond[tied])).sum())
    assert 0 < cut < politics.western_leverage(w, bound)[0, ml]


def _leverage_cost(regime: int, w: World | None = None) -> np.ndarray:
    """[P] how much less each power is worth to Mali's regime when Mali is bound to the West
    than when it is not."""
    ml = _s("mali")
    bound = _state()
    bound.regime[:, ml] = regime
    free = _without_the_west(bound, "mali")
    return _value(free, w=w)[0, ml] - _value(bound, w=w)[0, ml]


def test_western_leverage_lowers_the_value_of_a_power_the_west_opposes():
    """Bound to France, the US and the EU, an elected Mali values Russia (opposed_by_west 1)
    lower than the same government without them, by leverage_weight x their leverage; the UN
    (opposed 0, bound in both) is unaffected, and so is Russia where the West does not oppose
    it; under a junta the cost is smaller (conditionality); with no leverage_weight there is
    none."""
    w = _world()
    ml, ru, un = _s("mali"), _p("russia"), _p("un")
    assert w.opposed_by_west[0, ru] == 1.0 and w.opposed_by_west[0, un] == 0.0
    weight = _pp().leverage_weight[0, 0]
    elected = _leverage_cost(0)
    lost = (politics.western_leverage(w, _state())
            - politics.western_leverage(w, _without_the_west(_state(), "mali")))[0, ml]
    assert lost > 0
    assert elected[ru] == pytest.approx(weight * lost)
    assert elected[un] == 0.0
    for power in ("china", "turkey"):  # opposed less: a smaller cost
        assert elected[_p(power)] == pytest.approx(weight * lost * w.opposed_by_west[0, _p(power)])
    unopposed = _world_with(opposed_by_west={"russia": 0.0})
    assert _leverage_cost(0, unopposed)[ru] == 0.0
    junta = _leverage_cost(MILITARY)
    assert 0 < junta[ru] < elected[ru]
    st = _state()
    free = _without_the_west(st, "mali")
    off = _pp(leverage_weight=0.0)
    assert _value(free, off)[0, ml, ru] == _value(st, off)[0, ml, ru]


def _actions(st: SimState, pp=None, objection: np.ndarray | None = None
             ) -> politics.PartnerActions:
    b, p = st.receptivity.shape[0], st.receptivity.shape[2]
    return politics.partner_actions(_world(), copy.deepcopy(st), pp or _pp(),
                                    np.zeros((b, p), dtype=bool), 0, objection)


def test_cooperation_agreements_come_between_the_cooperate_and_invite_thresholds():
    """An absent power without any agreement: standing between cooperate_threshold and
    invite_threshold gives cooperation without an invitation; above invite_threshold both;
    below cooperate_threshold neither. A present power, an absent one with an agreement or a
    cooperation agreement already, or a banned one, never gets cooperation."""
    w = _world()
    pp = _pp()
    co, inv = pp.cooperate_threshold[0, 0], pp.invite_threshold[0, 0]
    assert co < inv
    ml, ru = _s("mali"), _p("russia")
    st = _state()
    assert not _here(w, st)[0, ml, ru] and not st.agreement[0, ml, ru]

    def act(standing: float, **setup: object) -> tuple[bool, bool]:
        x = copy.deepcopy(st)
        x.standing[:, ml, ru] = standing
        for name, value in setup.items():
            getattr(x, name)[:, ml, ru] = value
        a = _actions(x)
        return bool(a.cooperate[0, ml, ru]), bool(a.invite[0, ml, ru])

    assert act((co + inv) / 2) == (True, False)
    assert act(inv + 0.1) == (True, True)
    assert act(co - 0.05) == (False, False)
    assert act((co + inv) / 2, cooperation=True) == (False, False)
    assert act(inv + 0.1, agreement=True) == (False, False)
    assert act(inv + 0.1, banned_until=10) == (False, False)
    # present powers (France in Mali), however well they stand, get neither, even without an
    # agreement on record
    here = _here(w, st)
    hi = copy.deepcopy(st)
    hi.standing[:] = inv + 1.0
    hi.agreement[:] = False
    a = _actions(hi)
    assert here.any() and (a.cooperate | a.invite)[~here].any()
    assert not a.cooperate[here].any() and not a.invite[here].any()
    # an absent power with an agreement (the US in Mali: agreement, no forces)
    us = _p("usa")
    assert st.agreement[0, ml, us] and not here[0, ml, us]
    hi.agreement[:] = st.agreement
    assert not _actions(hi).cooperate[0, ml, us]


def test_a_paper_agreement_does_not_draw_the_wests_objection():
    """Cooperation is judged on the standing without the West's objection to a power's forces
    (politics.objection, which the model passes): Russia, held below cooperate_threshold only by
    that objection, gets a cooperation agreement but no invitation; with no objection, neither."""
    w, pp = _world(), _pp()
    ml, ru = _s("mali"), _p("russia")
    st = _state()
    objection = politics.objection(w, st, pp)
    assert objection[0, ml, ru] > 0
    assert objection[0, ml, _p("un")] == 0.0
    st.standing[:, ml, ru] = pp.cooperate_threshold[0, 0] - objection[0, ml, ru] / 2
    with_objection = _actions(st, pp, objection)
    assert with_objection.cooperate[0, ml, ru] and not with_objection.invite[0, ml, ru]
    without = _actions(st, pp, np.zeros_like(objection))
    assert not without.cooperate[0, ml, ru] and not without.invite[0, ml, ru]


# --------------------------------------------------------------------------- contractor exits


def _exits(deaths_per_month: float, paid_share: float = 0.0, *, concessions: bool = False,
           contractors: float = 1000.0, ordered: bool = True, loss_exit_rate: float = 1.5,
           unpaid_loss_share: float = 0.5, protected: bool = False,
           months_ago: tuple[int, ...] = (0, 1, 2)) -> bool:
    """Whether Russia's contractors leave Mali: ``contractors`` there, ``deaths_per_month`` in
    each of ``months_ago``, the host paying ``paid_share`` of the month's bill (in cash, or in
    concessions)."""
    w = _world_with(loss_exit_rate={"russia": loss_exit_rate},
                    unpaid_loss_share={"russia": unpaid_loss_share})
    st = _state()
    ml, ru = _s("mali"), _p("russia")
    st.month = 5
    st.level[:, ru, ml, CONTRACTORS] = contractors
    st.target[:, ru, ml, CONTRACTORS] = 1000.0 if ordered else 0.0
    st.casualty_ring[:] = 0.0
    for k in months_ago:
        st.casualty_ring[:, (st.month - k) % MEMORY, ru, ml] = deaths_per_month
    bill = 12_000.0 * max(contractors, 1.0)
    st.spending[:, ml, ru] = bill
    st.host_paid[:, ml, ru] = st.concessions[:, ml, ru] = 0.0
    (st.concessions if concessions else st.host_paid)[:, ml, ru] = paid_share * bill
    shielded = np.zeros(st.receptivity.shape[::2], dtype=bool)
    shielded[:, ru] = protected
    out = powers.contractor_exits(w, st, shielded)
    assert out.sum() <= out[:, ru, ml].sum(), "an exit where nothing was set up"
    return bool(out[0, ru, ml])


def test_contractors_leave_when_their_losses_outrun_their_pay():
    """1 death per 100 contractors a month (10 of 1,000): unpaid contractors leave (they bear
    loss_exit_rate x unpaid_loss_share = 0.75), fully paid ones (in cash or concessions) stay
    (1.5); a 30% pay cover still counts as the floor of 0.75."""
    assert _exits(10.0, paid_share=0.0)
    assert _exits(10.0, paid_share=0.3)
    assert not _exits(10.0, paid_share=1.0)
    assert not _exits(10.0, paid_share=1.0, concessions=True)
    assert not _exits(5.0, paid_share=0.0)  # 0.5 a month: bearable even unpaid
    # high losses (2 per 100 a month): little pay -> exit; the same losses with full pay exit
    # at 1.5, but stay with a higher loss_exit_rate
    assert _exits(20.0, paid_share=0.1)
    assert _exits(20.0, paid_share=1.0)
    assert not _exits(20.0, paid_share=1.0, loss_exit_rate=3.0)
    # a pay cover above the bill counts as full pay, no more
    assert _exits(20.0, paid_share=3.0)


def test_contractors_never_leave_without_the_driver():
    """No contractors, no loss_exit_rate, no orders left, a protected power, or losses older
    than 3 months: no exit, however heavy the losses."""
    assert _exits(100.0)
    assert not _exits(100.0, contractors=0.0)
    assert not _exits(100.0, loss_exit_rate=0.0)
    assert not _exits(100.0, ordered=False)
    assert not _exits(100.0, protected=True)
    assert not _exits(100.0, months_ago=(3, 4, 5))


# --------------------------------------------------------------------------- covert instruments


def _desired(model: SahelModel, **replace: object) -> np.ndarray:
    ctx = model.rule_context(_p("russia"), 0)
    if replace:
        ctx = dataclasses.replace(ctx, **replace)
    return get("opportunistic")(ctx)


def test_an_opportunist_courts_the_states_it_is_not_in():
    """Where Russia (opportunistic) is not present, and the state is of interest and open to
    it, it runs campaign information operations and political strategists; where it is present
    it runs its full information operations and no strategists; no interest or a ban: none."""
    model = _model()
    rules = model.cfg.rules.opportunistic
    campaign, strategists = rules.campaign_info_ops_usd[0, 0], rules.strategists_usd[0, 0]
    assert campaign > 0 and strategists > 0
    desired = _desired(model)
    ctx = model.rule_context(_p("russia"), 0)
    assert not (ctx.personnel(ctx.level) > 0).any() and (ctx.interest > 0).all()
    assert (desired[..., INFO_OPS] == campaign).all()
    assert (desired[..., STRATEGISTS] == strategists).all()
    ml = _s("mali")
    interest = ctx.interest.copy()
    interest[:, ml] = 0.0
    can_enter = ctx.can_enter.copy()
    can_enter[:, _s("niger")] = False
    d = _desired(model, interest=interest, can_enter=can_enter)
    for si in (ml, _s("niger")):
        assert d[0, si, INFO_OPS] == 0 and d[0, si, STRATEGISTS] == 0
    # present in Mali: full information operations, no strategists
    model.state.level[:, _p("russia"), ml, CONTRACTORS] = 200.0
    model.state.target[:, _p("russia"), ml, CONTRACTORS] = 200.0
    d = _desired(model)
    assert d[0, ml, INFO_OPS] == rules.info_ops_usd[0, 0]
    assert d[0, ml, STRATEGISTS] == 0.0
    assert d[0, _s("niger"), STRATEGISTS] == strategists


def test_covert_instruments_need_no_host_consent_forces_do():
    """In Niger, where Russia has no agreement and no forces, its information operations and
    strategists become orders at once; its contractors become an offer the host must accept."""
    model = _model()
    w, st = model.world, model.state
    ne, ru = _s("niger"), _p("russia")
    assert not st.agreement[0, ne, ru] and not st.level[0, ru, ne].any()
    desired = st.target[:, ru].copy()
    desired[:, ne, INFO_OPS] = 50_000.0
    desired[:, ne, STRATEGISTS] = 60_000.0
    desired[:, ne, CONTRACTORS] = 500.0
    powers.apply_decision(w, st, ru, desired)
    assert st.target[0, ru, ne, INFO_OPS] == 50_000.0
    assert st.target[0, ru, ne, STRATEGISTS] == 60_000.0
    assert st.offers[0, ru, ne, INFO_OPS] == st.offers[0, ru, ne, STRATEGISTS] == 0.0
    assert st.target[0, ru, ne, CONTRACTORS] == 0.0
    assert st.offers[0, ru, ne, CONTRACTORS] == 500.0


def test_covert_instruments_do_not_open_the_door_to_forces():
    """Russia already runs information operations and strategists in Niger (no agreement, no
    forces): contractors it now wants there are still an offer, not an order (money levels do
    not make a power present)."""
    model = _model()
    w, st = model.world, model.state
    ne, ru = _s("niger"), _p("russia")
    for k, usd in ((INFO_OPS, 50_000.0), (STRATEGISTS, 60_000.0)):
        st.level[:, ru, ne, k] = st.target[:, ru, ne, k] = usd
    assert not st.agreement[0, ne, ru] and powers.personnel(w, st.level)[0, ru, ne] == 0
    desired = st.target[:, ru].copy()
    desired[:, ne, CONTRACTORS] = 500.0
    powers.apply_decision(w, st, ru, desired)
    assert st.target[0, ru, ne, CONTRACTORS] == 0.0
    assert st.offers[0, ru, ne, CONTRACTORS] == 500.0


# --------------------------------------------------------------------------- end to end


def test_the_endogenous_scenario_from_2017_to_2019():
    """2017-01 to 2019-12: the EU's missions are recorded in Mali in 2019 (presence table), and
    the states table reports positive protests for Mali."""
    result = run(load_config(["scenario=endogenous", "start=2017-01", "end=2019-12"]))
    pr = result.tables["presence"]
    eu = pr[(pr["power"] == "eu") & (pr["state"] == "mali")
            & (pr["date"].astype(str).str.startswith("2019"))]
    assert len(eu) == 12
    assert (eu["personnel"] > 0).all(), eu[["date", "personnel"]].to_string()
    states = result.tables["states"]
    assert "protests" in states.columns
    mali = states[states["state"] == "mali"]["protests"]
    assert len(mali) == 36 and (mali > 0).all()
