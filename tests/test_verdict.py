"""The verdict (docs/ODD.md section 8) comes out every way in small hand-made worlds.

Russia and the West are compared as blocs, over the horizon and the AES states only, in one set
of books: a **security win** is Russia leading a host's security against the West by
``metrics.security_margin`` for the last ``metrics.security_months`` months in at least
``metrics.k`` AES states; **cheap** compares each bloc's cost per security point on
``metrics.cost_basis`` (``cost_ratio``, cheap at ``<= metrics.cheap_cost_ratio``); a UN mission
is a third party, its points and its costs in neither bloc's. Each world below is built so that
one outcome must follow:

- Russia fills the vacuum France leaves and the host pays its bill: a cheap security win;
- the host cannot pay and Russia's contractors cost more: a security win that is not cheap;
- Russia does not come: nobody fills the vacuum, no win, and no cost ratio;
- Russia sells arms but sends nobody: the first version's ``win`` holds, the security win does
  not;
- Russia leads for over a year, then is expelled: a lead lost before the end is no win;
- a UN mission: in neither bloc's books (its cost and each bloc's assessed share reported
  beside them);
- the books' invariants (property tests): a bloc that spends nothing and holds no points pays
  nothing; moving a cost to the other bloc moves it with the points it buys.

The worlds are two states (mali and niger, both AES), so ``k = 1`` asks for one of them.
"""

from __future__ import annotations

import copy
import dataclasses
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import RunResult, run
from sim.config import InstrumentConfig, OpportunisticParams, PowerConfig, RunConfig
from sim.metrics import arrays_from_tables, summarize, summarize_arrays

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
    for basis in ("cash", "outlays", "full"):
        assert s["cost_ratio_by_basis"][basis] == pytest.approx(
            c["russia"]["cost_per_security_point_usd"][basis]
            / c["west"]["cost_per_security_point_usd"][basis])
    assert s["cost_basis"] == "cash" and s["cost_ratio"] == s["cost_ratio_by_basis"]["cash"]
    # the cost basis chooses which ratio is the verdict's (the costly win's casualties make
    # its full basis differ from its cash basis)
    cfg = costly_win().config
    full = _run(dataclasses.replace(cfg, metrics=dataclasses.replace(
        cfg.metrics, cost_basis="full"))).summary
    assert full["cost_ratio"] == full["cost_ratio_by_basis"]["full"]
    assert full["cost_ratio"] != costly_win().summary["cost_ratio"]
    assert s["cost_ratio"] <= s["cheap_cost_ratio"]
    # the host paid the contractors' whole bill: russia's cash is its information operations
    assert 0 <= c["russia"]["cash_usd"] < 0.1 * c["west"]["cash_usd"]
    assert s["cheap"] is True and s["cheap_like_for_like"] is True
    assert s["verdict"] == s["verdict_like_for_like"] == "both"
    assert s["hypothesis"] is True and s["hypothesis_like_for_like"] is True
    # graded, per state: mali's lead, its share gap, the cash per point of each bloc
    mali = s["by_state"]["mali"]
    assert mali["lead_months"] == s["russia_security_lead_months"]["mali"]
    assert mali["share_gap"] == pytest.approx(mali["russia_share_end"] - mali["west_share_end"])
    assert mali["share_gap"] > 0 and mali["lead_months_by_margin"]["abs_0"] >= 12
    assert mali["russia_cash_per_point_usd"] == pytest.approx(
        mali["russia_cash_usd"] / mali["russia_points_held"])


def test_a_security_win_the_russian_side_pays_for_itself_is_not_cheap():
    s = costly_win().summary
    assert s["security_win"] is True
    assert s["cost_ratio"] > 1, "russia pays more per security point than the West"
    assert all(r > 1 for r in s["cost_ratio_by_basis"].values())
    assert s["cheap"] is False
    assert s["verdict"] == "win"
    c = s["costs_like_for_like"]["russia"]
    assert s["who_pays"]["host_paid_russia_usd"] == 0, "the host paid nothing"
    assert c["cash_usd"] > 0
    assert c["by_basis_usd"]["outlays"] == pytest.approx(c["cash_usd"] + c["in_kind_usd"])
    assert c["full_cost_usd"] == c["by_basis_usd"]["full"] == pytest.approx(
        c["cash_usd"] + c["in_kind_usd"] + c["casualties_usd"] + c["non_cash_usd"])
    assert c["non_cash_usd"] == 0, "no non-cash cost by default (nothing sourced)"


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
    assert s["cheap"] is False and s["verdict"] == "neither"
    # the first version called a Russia that spent nothing "cheap"
    assert s["first_version"]["cheap"] is True


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
    assert s["first_version"]["win"] is True
    assert s["first_version"]["russia_largest_partner_in"] == 2
    assert s["leaders_at_end"]["mali"]["arms"] == "russia"
    assert s["leaders_at_end"]["mali"]["security"] == "france"
    assert s["influence_by_dimension"]["security"]["mali"]["russia"] == 0
    assert s["influence_by_dimension"]["arms"]["niger"]["russia"] == pytest.approx(1.0)
    assert s["cost_ratio"] is None, "no security points, nothing to compare"
    assert s["security_win"] is False and s["verdict"] == "neither"


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
    # a relative margin: russia's lead of its whole share (the West has none left) holds at
    # any share below 1, and not at 1
    loose = dataclasses.replace(cfg, metrics=dataclasses.replace(
        cfg.metrics, security_margin=0.99, security_margin_kind="relative"))
    assert _run(loose).summary["security_win"] is True
    assert s["by_state"]["mali"]["lead_months_by_margin"] == \
        cheap_win().summary["by_state"]["mali"]["lead_months_by_margin"]


def un_mission() -> PowerConfig:
    """A UN mission of peacekeepers (MINUSMA's USD 7,500 per peacekeeper-month)."""
    return PowerConfig(
        name="MINUSMA", budget_ceiling_usd=1.3e9, casualty_tolerance=1e6,
        instruments={"peacekeepers": InstrumentConfig(
            unit_cost_usd=7_500.0, effectiveness=0.3, exposure=0.2)})


def test_a_un_mission_is_a_third_party_in_the_books():
    """France (1,000 troops), the US (500) and a UN mission (5,000 peacekeepers) in mali, Russia
    (800 contractors) in niger, for a year, nothing moving. The mission's security points and its
    cost are in neither bloc's books: the West pays for its own forces and holds their points;
    the assessed shares (West 45.382% = USA 27.89 + France 5.612 + UK 5.79 + Germany 6.09, Russia
    3.049% [P 5a]) are reported beside the books. The first version's ``west`` still counts the
    whole mission."""
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
    un = c["un_missions"]
    assert un["cost_usd"] == pytest.approx(mission) and un["members"] == ["un"]
    assert un["west_assessed_usd"] == pytest.approx(0.45382 * mission)
    assert un["russia_assessed_usd"] == pytest.approx(0.03049 * mission)
    assert c["west"]["members"] == ["france", "usa"]
    own_forces = 12 * (1000 + 500) * 15_300.0
    assert c["west"]["cash_usd"] == pytest.approx(own_forces)
    assert c["west"]["full_cost_usd"] == pytest.approx(own_forces)  # no share of the mission
    assert c["russia"]["own_net_cost_usd"] == pytest.approx(s["russia"]["own_net_cost_usd"])
    assert s["west"]["own_net_cost_usd"] == pytest.approx(own_forces + mission)
    # the West's security share is its own forces'; the mission's is a rival's, which the
    # West still leads in mali; Russia leads niger's
    mali = s["influence_by_dimension"]["security"]["mali"]
    sec = result.arrays.presence["security_share"][-1]  # [S, P]
    powers = list(result.arrays.power_ids)
    fr, us = powers.index("france"), powers.index("usa")
    assert mali["west"] == pytest.approx(sec[0, fr] + sec[0, us])
    assert s["russia_security_lead_months"] == {"mali": 0, "niger": 12}


def test_costs_are_counted_in_the_aes_states_only():
    """France's troops in chad (not an AES state) cost the West nothing in the like-for-like
    count, while the first version's own net cost counts them."""
    cfg = tiny_world(n_states=3, deployments=(("france", "mali", "troops", 1000.0),
                                              ("france", "chad", "troops", 2000.0)),
                     fighters=0.0, end="2019-06")
    cfg.scenario.endogenous_withdrawal = False
    s = _run(cfg).summary
    assert s["costs_like_for_like"]["west"]["cash_usd"] == pytest.approx(6 * 1000 * 15_300.0)
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
    for key in ("verdict", "verdict_like_for_like", "security_win", "cost_ratio", "who_pays",
                "costs_like_for_like", "influence_by_dimension", "leaders_at_end",
                "russia_security_lead_months", "by_state", "cost_ratio_by_basis",
                "first_version"):
        assert again[key] == s[key], key


# ------------------------------------------------------------------ the books' invariants

@functools.cache
def _mission_arrays():
    """The tables of a run with every kind of power in its books: france and usa (the West), a
    UN mission, russia, and china (in neither bloc), all deployed in mali and niger."""
    cfg = tiny_world(
        powers={"france": france(), "usa": usa(), "un": un_mission(), "russia": russia(),
                "china": france()},
        deployments=(("france", "mali", "troops", 1000.0), ("usa", "niger", "troops", 500.0),
                     ("un", "mali", "peacekeepers", 3000.0),
                     ("russia", "niger", "contractors", 800.0),
                     ("china", "mali", "troops", 200.0)),
        end="2019-12")
    result = _run(cfg)
    return arrays_from_tables(result.tables), result.config


def _summary(arrays, cfg):
    return summarize_arrays(arrays, cfg.metrics, cfg.start, cfg.end)


_COLUMNS = ("spending_usd", "host_paid_usd", "concessions_usd", "arms_delivered_usd",
            "arms_paid_usd", "political_cost_usd", "security_share", "personnel")


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.0, 5.0), min_size=len(_COLUMNS), max_size=len(_COLUMNS)))
def test_a_third_partys_costs_and_points_are_in_neither_blocs_books(factors):
    """Whatever the UN mission (a third party) and china (neither bloc) spend and hold, the
    blocs' books and security points do not move."""
    arrays, cfg = _mission_arrays()
    base = _summary(arrays, cfg)["costs_like_for_like"]
    changed = copy.deepcopy(arrays)
    for p in ("un", "china"):
        pi = arrays.power_ids.index(p)
        for col, f in zip(_COLUMNS, factors, strict=True):
            changed.presence[col][..., pi] *= f
    books = _summary(changed, cfg)["costs_like_for_like"]
    for bloc in ("russia", "west"):
        for key in ("by_basis_usd", "security_points_held", "person_months"):
            assert books[bloc][key] == base[bloc][key], (bloc, key)


def test_a_bloc_that_spends_nothing_and_holds_no_points_pays_nothing():
    arrays, cfg = _mission_arrays()
    zero = copy.deepcopy(arrays)
    ri = arrays.power_ids.index("russia")
    for col in _COLUMNS:
        zero.presence[col][..., ri] = 0.0
    s = _summary(zero, cfg)
    r = s["costs_like_for_like"]["russia"]
    assert r["by_basis_usd"] == {"cash": 0.0, "outlays": 0.0, "full": 0.0}
    assert r["security_points_held"] == 0.0 and s["cost_ratio"] is None
    assert all(v is None for v in s["cost_ratio_by_basis"].values())


@settings(max_examples=20, deadline=None)
@given(st.floats(0.0, 1.0), st.sampled_from(["spending_usd", "host_paid_usd",
                                             "political_cost_usd"]))
def test_moving_a_cost_from_one_bloc_to_the_other_moves_it_with_its_points(share, col):
    """Give russia a share of france's column (a cost, or a host's payment) and of its security
    share: russia's books gain exactly what the West's lose, on every basis, and its points
    what the West's lose."""
    arrays, cfg = _mission_arrays()
    base = _summary(arrays, cfg)["costs_like_for_like"]
    moved = copy.deepcopy(arrays)
    ri, fi = arrays.power_ids.index("russia"), arrays.power_ids.index("france")
    for c in (col, "security_share"):
        part = moved.presence[c][..., fi] * share
        moved.presence[c][..., fi] -= part
        moved.presence[c][..., ri] += part
    books = _summary(moved, cfg)["costs_like_for_like"]
    for basis in ("cash", "outlays", "full"):
        gained = books["russia"]["by_basis_usd"][basis] - base["russia"]["by_basis_usd"][basis]
        lost = base["west"]["by_basis_usd"][basis] - books["west"]["by_basis_usd"][basis]
        assert gained == pytest.approx(lost, rel=1e-9, abs=1e-3)
    gained = books["russia"]["security_points_held"] - base["russia"]["security_points_held"]
    lost = base["west"]["security_points_held"] - books["west"]["security_points_held"]
    assert gained == pytest.approx(lost, rel=1e-9, abs=1e-9)
    assert np.isfinite(gained)
