"""Process-level behaviour that a user relies on: withdrawals, exits that open windows, arms,
interest by state, budget ceilings, host payments, scheduled events."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import EVENT_KINDS
from sim.model import SahelModel
from sim.processes import hosts
from sim.rules import get
from tests.rules.test_rules import CONTRACTORS, context
from tests.worlds import event, france, russia, tiny_world


def _personnel(model: SahelModel, power: str, state: str) -> float:
    w = model.world
    lvl = model.state.level[0, w.power_ids.index(power), w.state_ids.index(state)]
    return float((lvl * w.is_person).sum())


def test_a_scheduled_withdrawal_never_raises_a_level() -> None:
    """France expelled to 0, then a later 'withdraw to 2,400' order must not bring it back."""
    cfg = tiny_world(events=[event("2019-02", "expel", "mali", "france"),
                             event("2019-10", "withdraw", "france", "mali", instrument="troops",
                                   value=2400)])
    model = SahelModel(cfg)
    model.run()
    assert _personnel(model, "france", "mali") == 0.0


def test_an_expelled_power_is_gone_after_its_drawdown_and_expelled_once() -> None:
    cfg = tiny_world(events=[event("2019-02", "expel", "mali", "france", months=4)])
    model = SahelModel(cfg)
    model.run()
    ev = model.recorder.tables()["events"]
    assert (ev["kind"] == "expulsion").sum() == 1
    pr = model.recorder.tables()["presence"]
    fr = pr[(pr.power == "france") & (pr.state == "mali")].set_index("step")["personnel"]
    assert fr.loc[1 + 4 - 1] == 0.0  # expelled at step 1, 4 months of drawdown


def test_a_small_drawdown_does_not_open_a_rivals_window_but_a_large_one_does() -> None:
    """exit_drawdown_share: cutting 10% is not leaving; cutting 60% is."""
    def russia_entered(value: float) -> bool:
        cfg = tiny_world(rules={"russia": "opportunistic"},
                         receptivity={"mali": {"russia": 0.8}},
                         events=[event("2019-02", "withdraw", "france", "mali",
                                       instrument="troops", value=value, months=2)])
        model = SahelModel(cfg)
        model.run()
        return _personnel(model, "russia", "mali") > 0

    assert not russia_entered(2700.0)  # 3,000 -> 2,700
    assert russia_entered(1200.0)  # 3,000 -> 1,200


def test_arms_received_raise_the_army_effectiveness() -> None:
    base = tiny_world(powers={"france": france(), "russia": russia(arms_export_usd=0.0)})
    armed = tiny_world(powers={"france": france(), "russia": russia(arms_export_usd=5e6)})
    m0, m1 = SahelModel(base), SahelModel(armed)
    m0.run()
    m1.run()
    assert np.allclose(m0.state.army_eff, 0.4)
    assert (m1.state.army_eff > 0.4).all()


def test_proportional_follows_strategic_interest_by_state() -> None:
    """Equal vacuum and receptivity: interest 3 vs 1 puts three times the persons in state 0."""
    ctx = context(2, vacuum=np.array([1000.0, 1000.0]), receptivity=np.array([0.6, 0.6]),
                  interest=np.array([3.0, 1.0]))
    persons = get("proportional")(ctx)[0][:, CONTRACTORS]
    assert persons[0] > 0 and abs(persons[0] / persons[1] - 3.0) < 0.01


def test_a_budget_ceiling_scales_targets_without_slowing_a_drawdown() -> None:
    """A France over its ceiling is scaled down; an ordered exit still ends on time."""
    cfg = tiny_world(powers={"france": france(budget_usd_year=12 * 15_300 * 1000),
                             "russia": russia()},
                     events=[event("2019-03", "withdraw", "france", "mali", instrument="troops",
                                   value=0, months=3)])
    model = SahelModel(cfg)
    model.run()
    pr = model.recorder.tables()["presence"]
    fr = pr[(pr.power == "france") & (pr.state == "mali")].set_index("step")["personnel"]
    # the ceiling pays for 1,000 troops: France draws down toward them over its 6-month lag
    assert abs(fr.loc[0] - (3000.0 - 2000.0 / 6)) < 1e-6
    assert fr.loc[4] == 0.0  # exit ordered in month 2 with 3 months of drawdown: on time


def _payment_world(host_can_pay: float, russia_contractors: float) -> SahelModel:
    """France's troops (never billed to the host) in mali; russia's contractors (90% billed in
    cash, 5% in concessions) in niger if ``russia_contractors`` > 0; resource rent in both."""
    cfg = tiny_world(powers={"france": france(), "russia": russia(concession_share=0.05)},
                     deployments=(("france", "mali", "troops", 3000.0),
                                  ("russia", "niger", "contractors", russia_contractors)),
                     rent_usd=1e6, host_can_pay=host_can_pay)
    return SahelModel(cfg)


@pytest.mark.parametrize("host_can_pay", [1.0, 0.0])
def test_with_nothing_due_a_host_pays_nothing_and_rules_see_whether_it_could(host_can_pay) -> None:
    """Nothing billed: the month's payment is 0, and the share a power weighing entry sees is that
    of the first dollar of a new bill: 1 where the host can pay, 0 where it cannot (not 1
    everywhere, which would show a bankrupt host paying a new partner's bill)."""
    model = _payment_world(host_can_pay, russia_contractors=0.0)
    w, st, r = model.world, model.state, model.cfg.params.resources
    _, cash_due, conc_due = hosts.monthly_bills(w, st)
    assert not cash_due.any() and not conc_due.any()
    cash, conc = hosts.payment_shares(w, st, r)
    assert cash[0].tolist() == conc[0].tolist() == [host_can_pay, host_can_pay]
    hosts.pay_contractors(w, st, r)
    assert not st.host_paid.any() and not st.concessions.any()
    ctx = model.rule_context(w.power_ids.index("russia"), 0)
    assert np.allclose(ctx.host_share[0][:, CONTRACTORS], 0.95 * host_can_pay)


@pytest.mark.parametrize("host_can_pay", [1.0, 0.3, 0.0])
def test_the_bill_and_the_rules_view_use_the_same_payment_shares(host_can_pay) -> None:
    """What a host pays on its bills (process 5) and the share of a bill a rule expects it to pay
    are the same numbers, with something due (niger) and nothing due (mali)."""
    model = _payment_world(host_can_pay, russia_contractors=1500.0)
    w, st, r = model.world, model.state, model.cfg.params.resources
    ri = w.power_ids.index("russia")
    cash, conc = hosts.payment_shares(w, st, r)
    _, cash_due, conc_due = hosts.monthly_bills(w, st)
    assert cash_due[0, 1, ri] > 0 and cash_due[0, 0].sum() == 0.0  # niger billed, mali not
    ctx = model.rule_context(ri, 0)
    hosts.pay_contractors(w, st, r)
    assert np.array_equal(st.host_paid, cash_due * cash[:, :, None])
    assert np.array_equal(st.concessions, conc_due * conc[:, :, None])
    assert np.array_equal(ctx.host_share[:, :, CONTRACTORS], 0.9 * cash + 0.05 * conc)
    if host_can_pay == 0.0:
        assert not st.host_paid.any() and not ctx.host_share.any()


def test_every_event_kind_has_a_handler_and_an_unknown_kind_is_named() -> None:
    """Each kind a scenario may schedule is dispatched; a kind that slipped past validation is
    refused with its name and the kinds allowed, before anything changes."""
    from sim.processes.events import EVENT_HANDLERS

    assert tuple(EVENT_HANDLERS) == EVENT_KINDS
    assert all(h.__doc__ for h in EVENT_HANDLERS.values())
    model = SahelModel(tiny_world())
    before = model.state.target.copy()
    with pytest.raises(ValueError, match=r"kind 'invade' has no handler; allowed: coup, deploy"):
        model.apply_event(event("2019-03", "invade", "mali", "france"), 2)
    assert np.array_equal(model.state.target, before)


def test_the_recorded_security_share_counts_a_downgraded_partner_as_the_host_does():
    """A downgraded partner's security share is its effective personnel cut by its effect factor
    over the capacity the host counts (hosts.security_capacity), not its full effect."""
    from sim.processes.influence import dimension_shares

    model = SahelModel(tiny_world(deployments=(("france", "mali", "troops", 1000.0),)))
    st, w = model.state, model.world
    fr = w.power_ids.index("france")
    before = dimension_shares(w, st)[0][0, 0, fr]
    st.downgraded[0, 0, fr] = True
    st.effect_factor[0, 0, fr] = 0.5
    capacity, foreign = hosts.security_capacity(w, st)
    share = dimension_shares(w, st)[0]
    assert share[0, 0, fr] == pytest.approx(foreign[0, 0, fr] / capacity[0, 0])
    assert 0 < share[0, 0, fr] < before
