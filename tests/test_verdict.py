"""The like-for-like verdict (docs/ODD.md section 8) comes out every way in small hand-made worlds.

Russia and the West are compared as blocs, over the horizon and the AES states only: a
**security win** is Russia leading a host's security against the West by
``metrics.security_margin`` for the last ``metrics.security_months`` months in at least
``metrics.k`` AES states; **cheap** compares each bloc's full cost per security point
(``cost_ratio``, cheap at ``<= metrics.cheap_cost_ratio``), with the cost of a UN mission split
by the members' assessed shares. Each world below is built so that one outcome must follow:

- Russia fills the vacuum France leaves and the host pays its bill: a cheap security win;
- the host cannot pay and Russia's contractors cost more: a security win that is not cheap;
- Russia does not come: nobody fills the vacuum, no win, and no cost ratio;
- Russia sells arms but sends nobody: the first version's ``win`` holds, the security win does
  not;
- Russia leads for over a year, then is expelled: a lead lost before the end is no win;
- a UN mission: the West pays its assessed share of it, Russia 3.049%, and the rest is paid by
  other members.

The worlds are two states (mali and niger, both AES), so ``k = 1`` asks for one of them.
"""

from __future__ import annotations

import dataclasses
import functools

import pytest

from sim.api import RunResult, run
from sim.config import InstrumentConfig, OpportunisticParams, PowerConfig, RunConfig
from sim.metrics import summarize

try:
    from worlds import event, expulsion_world, france, russia, tiny_world, usa
except ImportError:  # tests/ imported as a package
    from tests.worlds import event, expulsion_world, france, russia, tiny_world, usa

END = "2020-12"  # 24 months: the lead after France's expulsion (2019-02) lasts over a year


def _run(cfg: RunConfig, k: int = 1) -> RunResult:
    """Run ``cfg`` with ``metrics.k = k``, without its twin world (not needed here)."""
    cfg.metrics.k = k
    cfg.metrics.twin = False
    return run(cfg)


@functools.cache
def cheap_win() -> RunResult:
    """France (3,000 troops in mali) is expelled in 2019-02; Russia (opportunistic) fills the
    vacuum, the host pays the whole contractor bill, and Russia counts no political or
    reputational cost: its cost per point is a small fraction of France's."""
    ru = russia(host_cash_share=1.0)
    ru.political_cost_per_casualty_usd = 0.0
    cfg = expulsion_world(end=END, powers={"france": france(), "russia": ru})
    cfg.metrics.russia_reputation_usd = 0.0
    return _run(cfg)


@functools.cache
def costly_win() -> RunResult:
    """The same vacuum, but the host cannot pay, Russia's contractors cost USD 30,000 a month
    (a state-funded regime) and its spending cap is lifted, so that it stays."""
    ru = russia()
    ru.instruments["contractors"].unit_cost_usd = 30_000.0
    cfg = expulsion_world(end=END, host_can_pay=0.0, powers={"france": france(), "russia": ru})
    cfg.rules.opportunistic.net_cost_cap_usd = 5e9
    return _run(cfg)


@functools.cache
def unfilled() -> RunResult:
    """The same vacuum, and Russia does not come (rule ``none``)."""
    return _run(expulsion_world(end=END, russia_rule="none"))


def test_russia_filling_a_vacuum_the_host_pays_for_is_a_cheap_security_win():
    s = cheap_win().summary
    assert s["russia_security_lead_months"]["mali"] >= s["security_months"] == 12
    assert s["russia_security_lead_months"]["niger"] == 0  # niger is not receptive to Russia
    assert s["security_win"] is True
    assert s["leaders_at_end"]["mali"]["security"] == "russia"
    c = s["costs_like_for_like"]
    assert c["russia"]["security_points_held"] > 0 and c["west"]["security_points_held"] > 0
    assert s["cost_ratio"] == pytest.approx(
        c["russia"]["cost_per_security_point_usd"] / c["west"]["cost_per_security_point_usd"])
    assert 0 < s["cost_ratio"] <= s["cheap_cost_ratio"]
    assert s["cheap_like_for_like"] is True
    assert s["verdict_like_for_like"] == "both" and s["hypothesis_like_for_like"] is True


def test_a_security_win_the_russian_side_pays_for_itself_is_not_cheap():
    s = costly_win().summary
    assert s["security_win"] is True
    assert s["cost_ratio"] > 1, "russia pays more per security point than the West"
    assert s["cheap_like_for_like"] is False
    assert s["verdict_like_for_like"] == "win"
    c = s["costs_like_for_like"]["russia"]
    assert s["who_pays"]["host_paid_russia_usd"] == 0, "the host paid nothing"
    assert c["own_net_cost_usd"] > 0 and c["reputation_usd"] > 0
    assert c["full_cost_usd"] == pytest.approx(
        c["own_net_cost_usd"] + c["political_cost_usd"] + c["reputation_usd"] + c["un_share_usd"])


def test_the_spending_cap_of_a_rule_can_end_a_win_so_it_is_an_assumption_with_a_prior():
    """With the opportunistic rule's default cap (USD 0.5bn), the same costly Russia leaves
    before the end: the cap, not the world, would decide the verdict; it is sampled instead."""
    cap = next(f for f in dataclasses.fields(OpportunisticParams)
               if f.name == "net_cost_cap_usd")
    assert cap.metadata["prior"] is not None
    cfg = costly_win().config
    capped = dataclasses.replace(cfg, rules=dataclasses.replace(
        cfg.rules, opportunistic=OpportunisticParams()))
    s = _run(capped).summary
    assert s["security_win"] is False and s["russia_security_lead_months"]["mali"] == 0


def test_a_vacuum_nobody_fills_is_no_win_and_has_no_cost_ratio():
    s = unfilled().summary
    assert s["security_win"] is False
    assert s["russia_security_lead_months"] == {"mali": 0, "niger": 0}
    assert s["leaders_at_end"]["mali"]["security"] is None
    c = s["costs_like_for_like"]
    assert c["russia"]["security_points_held"] == 0 and c["russia"]["full_cost_usd"] == 0
    assert s["cost_ratio"] is None, "russia holds no points: nothing to compare"
    assert s["cheap_like_for_like"] is False and s["verdict_like_for_like"] == "neither"
    # the first version called a Russia that spent nothing "cheap"
    assert s["cheap"] is True


def test_an_arms_market_share_is_not_a_security_win():
    """Russia sells arms to both hosts and sends nobody; France keeps 300 troops in mali. Russia
    is the largest partner in both states (the first version's ``win``, power against power,
    any kind of influence), but it provides no security: no security win, and France leads
    mali's security."""
    cfg = tiny_world(
        powers={"france": france(), "russia": russia(info_ops=False, arms_export_usd=4e6)},
        deployments=(("france", "mali", "troops", 300.0),),
        receptivity={"mali": {"russia": 0.9, "france": 0.3}, "niger": {"russia": 0.9}}, end=END)
    s = _run(cfg, k=2).summary
    assert s["win"] is True and s["russia_largest_partner_in"] == 2
    assert s["leaders_at_end"]["mali"]["arms"] == "russia"
    assert s["leaders_at_end"]["mali"]["security"] == "france"
    assert s["influence_by_dimension"]["security"]["mali"]["russia"] == 0
    assert s["influence_by_dimension"]["arms"]["niger"]["russia"] == pytest.approx(1.0)
    assert s["cost_ratio"] is None, "no security points, nothing to compare"
    assert s["security_win"] is False and s["verdict_like_for_like"] == "neither"


def test_a_lead_lost_before_the_end_of_the_horizon_is_no_win():
    """Russia fills mali's vacuum for 19 months, then mali expels it (2020-09): the lead must
    hold up to the end of the horizon."""
    cfg = tiny_world(
        rules={"russia": "opportunistic"},
        receptivity={"mali": {"russia": 0.7, "france": 0.6}, "niger": {"russia": 0.3}},
        events=[event("2019-02", "expel", "mali", "france"),
                event("2020-09", "expel", "mali", "russia")], end=END)
    s = _run(cfg).summary
    assert s["russia_security_lead_months"]["mali"] == 0
    assert s["security_win"] is False
    # the same run, with the horizon ending before the expulsion, is a win
    cfg.metrics.horizon_end = "2020-08"
    assert _run(cfg).summary["security_win"] is True


def test_the_security_margin_is_part_of_the_definition():
    """A lead smaller than ``metrics.security_margin`` is no lead."""
    cfg = cheap_win().config
    share = cheap_win().summary["influence_by_dimension"]["security"]["mali"]["russia"]
    strict = dataclasses.replace(cfg, metrics=dataclasses.replace(
        cfg.metrics, security_margin=min(1.0, share + 0.01)))
    s = _run(strict).summary
    assert s["security_win"] is False and s["russia_security_lead_months"]["mali"] == 0


def un_mission() -> PowerConfig:
    """A UN mission of peacekeepers (MINUSMA's USD 7,500 per peacekeeper-month)."""
    return PowerConfig(
        name="MINUSMA", budget_ceiling_usd=1.3e9, casualty_tolerance=1e6,
        instruments={"peacekeepers": InstrumentConfig(
            unit_cost_usd=7_500.0, effectiveness=0.3, exposure=0.2)})


def test_a_un_mission_is_paid_by_assessed_shares():
    """France (1,000 troops), the US (500) and a UN mission (5,000 peacekeepers) in mali, Russia
    (800 contractors) in niger, for a year, nothing moving. The West pays its forces and
    45.382% of the mission (USA 27.89 + France 5.612 + UK 5.79 + Germany 6.09 [P 5a]); Russia
    pays 3.049% of it; the other members the rest. The first version's ``west`` still counts
    the whole mission."""
    cfg = tiny_world(
        powers={"france": france(), "usa": usa(), "un": un_mission(), "russia": russia()},
        deployments=(("france", "mali", "troops", 1000.0), ("usa", "mali", "troops", 500.0),
                     ("un", "mali", "peacekeepers", 5000.0),
                     ("russia", "niger", "contractors", 800.0)),
        fighters=0.0, end="2019-12")
    cfg.scenario.endogenous_withdrawal = False
    result = _run(cfg)
    s, c = result.summary, result.summary["costs_like_for_like"]
    mission = 12 * 5000 * 7_500.0
    assert c["un_missions_cost_usd"] == pytest.approx(mission)
    assert c["west"]["un_share_usd"] == pytest.approx(0.45382 * mission)
    assert c["russia"]["un_share_usd"] == pytest.approx(0.03049 * mission)
    assert c["un_paid_by_other_members_usd"] == pytest.approx((1 - 0.45382 - 0.03049) * mission)
    assert c["west"]["members"] == ["france", "usa"]
    own_forces = 12 * (1000 + 500) * 15_300.0
    assert c["west"]["own_net_cost_usd"] == pytest.approx(own_forces)
    assert c["west"]["full_cost_usd"] == pytest.approx(own_forces + 0.45382 * mission)
    assert s["west"]["own_net_cost_usd"] == pytest.approx(own_forces + mission)
    # the mission's peacekeepers count in the West's security share (the bloc is france, usa,
    # un and eu), so the West leads mali's security; Russia leads niger's
    assert s["influence_by_dimension"]["security"]["mali"]["west"] > 0
    assert s["russia_security_lead_months"] == {"mali": 0, "niger": 12}


def test_costs_are_counted_in_the_aes_states_only():
    """France's troops in chad (not an AES state) cost the West nothing in the like-for-like
    count, while the first version's own net cost counts them."""
    cfg = tiny_world(n_states=3, deployments=(("france", "mali", "troops", 1000.0),
                                              ("france", "chad", "troops", 2000.0)),
                     fighters=0.0, end="2019-06")
    cfg.scenario.endogenous_withdrawal = False
    s = _run(cfg).summary
    assert s["costs_like_for_like"]["west"]["own_net_cost_usd"] == pytest.approx(
        6 * 1000 * 15_300.0)
    assert s["west"]["own_net_cost_usd"] == pytest.approx(6 * 3000 * 15_300.0)
    assert set(s["leaders_at_end"]) == {"mali", "niger"}


def test_who_pays_stands_beside_the_verdict_and_the_tables_give_the_same_summary():
    result = costly_win()
    s = result.summary
    for key, value in s["who_pays"].items():
        assert s[key] == value, key
    assert s["who_pays"]["civilian_fatalities_aes"] > 0
    again = summarize(result.tables, result.config.metrics, result.config.start,
                      result.config.end)
    for key in ("verdict_like_for_like", "security_win", "cost_ratio", "who_pays",
                "costs_like_for_like", "influence_by_dimension", "leaders_at_end",
                "russia_security_lead_months"):
        assert again[key] == s[key], key
