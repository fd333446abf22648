"""Invariants that hold in every run, checked with hypothesis over random valid configurations:
tiny hand-made worlds (``tests/worlds.py``) with random sizes, rules, events and parameters, and
generated worlds (``world.kind=synthetic``) of random sizes.

- influence shares are in [0, 1] and sum to at most 1 in each state and month (the rest is the
  host's autonomy, docs/ODD.md section 2); receptivity, legitimacy and control are in [0, 1];
- fighters, personnel and armies are never negative;
- the security, arms and aid shares (the dimensions of influence) are in [0, 1] and sum to at
  most 1 in each state and month;
- the ledger (docs/ODD.md section 8): gross - host payments - concession revenue = own net cost, to
  the cent, every month and for every power; ``cum_net_cost_usd`` is its running sum; and the
  powers table is the presence table summed over states (flows, casualties, political cost).

Examples are short (6-12 months) and few; ``derandomize=True`` makes hypothesis draw the same
examples on every run, so a failure reproduces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.api import RunResult, run
from sim.config import RunConfig, SyntheticConfig, WorldConfig, month_str, parse_month
from sim.record import TABLES

try:
    from worlds import STATE_IDS, event, france, russia, tiny_world, usa
except ImportError:  # tests/ imported as a package
    from tests.worlds import STATE_IDS, event, france, russia, tiny_world, usa

RULES = ("none", "proportional", "opportunistic", "cost_benefit", "rivalry")
START = "2019-01"
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def grid(lo: float, hi: float, steps: int = 100) -> st.SearchStrategy[float]:
    """Values on a grid of ``steps`` intervals from ``lo`` to ``hi`` (both included).

    A grid keeps examples to magnitudes a user would configure; float edge cases (a budget of
    1e-300 USD) are tested on their own, below.
    """
    return st.integers(0, steps).map(lambda k: lo + (hi - lo) * k / steps)


def _end(months: int) -> str:
    return month_str(parse_month(START, "start") + months - 1)


def _date(draw: st.DrawFn, months: int) -> str:
    return month_str(parse_month(START, "start") + draw(st.integers(0, months - 1)))


@st.composite
def tiny_configs(draw: st.DrawFn) -> RunConfig:
    """A tiny world: 1-3 states of 1-3 regions, france, russia and maybe usa with random rules,
    deployments, receptivity, forces, events and process parameters."""
    months = draw(st.integers(6, 12))
    n_states = draw(st.integers(1, 3))
    states = STATE_IDS[:n_states]
    cash = draw(grid(0, 1))
    powers = {
        "france": france(casualty_tolerance=draw(st.sampled_from([5.0, 1e6]))),
        "russia": russia(host_cash_share=cash, concession_share=draw(grid(0, 1 - cash)),
                         info_ops=draw(st.booleans()),
                         arms_export_usd=draw(st.sampled_from([0.0, 4e6])),
                         budget_usd_year=draw(st.sampled_from([0.0, 5e7, 5e8]))),
    }
    if draw(st.booleans()):
        powers["usa"] = usa()
    rules = {p: draw(st.sampled_from(RULES)) for p in powers}
    deployments = [("france", s, "troops", draw(grid(0, 5000))) for s in states
                   if draw(st.booleans())]
    if "usa" in powers and draw(st.booleans()):
        deployments.append(("usa", states[-1], "troops", draw(grid(0, 2000))))
    if draw(st.integers(0, 3)) > 0:  # russia is often already there, so that hosts pay it
        deployments.append(("russia", states[0], "contractors", draw(grid(0, 2000))))
    receptivity = {s: {p: draw(grid(0, 1)) for p in powers} for s in states}
    events = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["expel", "coup", "withdraw", "deploy", "budget"]))
        s = draw(st.sampled_from(states))
        date = _date(draw, months)
        if kind == "expel":
            events.append(event(date, "expel", s, draw(st.sampled_from(sorted(powers)))))
        elif kind == "coup":
            events.append(event(date, "coup", target=s))
        elif kind == "withdraw":
            events.append(event(date, "withdraw", "france", s))
        elif kind == "deploy":
            events.append(event(date, "deploy", "russia", s, instrument="contractors",
                                value=draw(grid(0, 3000))))
        else:
            events.append(event(date, "budget", draw(st.sampled_from([*powers, s])),
                                value=draw(st.sampled_from([0.0, 1e8, 1e9]))))
    cfg = tiny_world(
        n_states=n_states, regions_per_state=draw(st.integers(1, 3)), powers=powers, rules=rules,
        deployments=deployments, receptivity=receptivity, fighters=draw(grid(0, 3000)),
        control=draw(grid(0, 1)), army_personnel=draw(grid(0, 20_000)),
        defence_budget_usd=draw(grid(0, 1e9)), rent_usd=draw(st.sampled_from([0.0, 3e6, 3e7])),
        regime=draw(st.sampled_from(["civilian", "military"])), events=events,
        seed=draw(st.integers(0, 2**32 - 1)), end=_end(months),
        host_can_pay=draw(grid(0, 1)))
    _vary_parameters(draw, cfg)
    return cfg


@st.composite
def synthetic_configs(draw: st.DrawFn) -> RunConfig:
    """A generated world of random size (world.kind=synthetic) with a random rule for every
    power."""
    n_states = draw(st.integers(1, 5))
    cfg = RunConfig(
        seed=draw(st.integers(0, 2**32 - 1)), start=START, end=_end(draw(st.integers(6, 12))),
        world=WorldConfig(name="synthetic", kind="synthetic", synthetic=SyntheticConfig(
            n_states=n_states, n_regions=draw(st.integers(n_states, 40)),
            n_groups=draw(st.integers(1, 3)), n_powers=draw(st.integers(1, 7)),
            world_seed=draw(st.integers(0, 1000)))))
    cfg.scenario.name = "synthetic"
    cfg.scenario.endogenous_expulsion = draw(st.booleans())
    cfg.scenario.endogenous_coups = draw(st.booleans())
    cfg.rules.default_vacuum = draw(st.sampled_from(RULES))
    cfg.output.plots = False
    _vary_parameters(draw, cfg)
    return cfg


def _vary_parameters(draw: st.DrawFn, cfg: RunConfig) -> None:
    """Key process and rule parameters, each within its schema range."""
    p = cfg.params
    p.combat.tullock_m = draw(grid(0.5, 3))
    p.combat.force_ratio = draw(grid(0.5, 10))
    p.combat.control_speed = draw(grid(0, 1))
    p.groups.fighter_cap_share = draw(grid(0, 0.01))
    p.hosts.receptivity_rate = draw(grid(0, 1))
    p.hosts.expel_threshold = draw(grid(0, 0.6))
    p.hosts.coup_base_hazard = draw(grid(0, 1))
    p.influence.rate = draw(grid(0, 1))
    p.influence.autonomy = draw(grid(0.01, 5))
    p.resources.concessions_enabled = draw(st.booleans())
    p.resources.arms_cost_ratio = draw(grid(0, 2))
    r = cfg.rules
    r.opportunistic.footprint_fraction = draw(grid(0, 2))
    r.opportunistic.net_cost_cap_usd = draw(st.sampled_from([0.0, 1e7, 5e8]))
    r.cost_benefit.threshold = draw(grid(0, 5))
    r.proportional.spend_share = draw(grid(0, 1))
    r.rivalry.match_ratio = draw(grid(0, 5))


def _cents(x: pd.Series) -> np.ndarray:
    return np.rint(x.to_numpy() * 100.0).astype(np.int64)


def check_invariants(result: RunResult) -> None:
    """Assert every invariant of the module docstring on one run's tables."""
    t = result.tables
    n_steps = parse_month(result.config.end, "end") - parse_month(result.config.start, "start") + 1
    for name, (keys, _) in TABLES.items():
        if name != "events":
            assert not t[name].duplicated(list(keys)).any(), f"{name}: duplicate keys"
            assert t[name]["step"].nunique() == n_steps, f"{name}: a month is missing"

    pres = t["presence"]
    assert pres["influence"].between(0.0, 1.0).all(), "influence share outside [0, 1]"
    total = pres.groupby(["step", "state"])["influence"].sum()
    assert (total <= 1.0 + 1e-9).all(), f"influence sums above 1: {total[total > 1 + 1e-9]}"
    assert pres["receptivity"].between(0.0, 1.0).all(), "receptivity outside [0, 1]"
    for col in ("personnel", "contractors", "troops", "peacekeepers", "spending_usd",
                "host_paid_usd", "concessions_usd", "arms_delivered_usd"):
        assert (pres[col] >= 0).all(), f"presence.{col} negative"
    # the dimensions of influence are shares of what the host receives (docs/ODD.md section 8.1)
    for col in ("security_share", "arms_share", "aid_share"):
        assert pres[col].between(0.0, 1.0).all(), f"presence.{col} outside [0, 1]"
        total = pres.groupby(["step", "state"])[col].sum()
        assert (total <= 1.0 + 1e-9).all(), f"presence.{col} sums above 1"
    states = t["states"]
    assert states["control"].between(0.0, 1.0).all(), "state control outside [0, 1]"
    assert states["legitimacy"].between(0.0, 1.0).all(), "legitimacy outside [0, 1]"
    assert (states["army_personnel"] >= 0).all(), "negative army"
    regions = t["regions"]
    assert regions["control"].between(0.0, 1.0).all(), "region control outside [0, 1]"
    assert (regions["fighters"] >= 0).all(), "negative fighters in a region"
    assert (t["groups"]["fighters"] >= 0).all(), "a group has negative fighters"

    pw = t["powers"].sort_values(["power", "step"])
    gross, host = _cents(pw["gross_cost_usd"]), _cents(pw["host_payments_usd"])
    conc, net = _cents(pw["concession_revenue_usd"]), _cents(pw["net_cost_usd"])
    assert (gross >= 0).all() and (host >= 0).all() and (conc >= 0).all()
    bad = gross - host - conc != net
    assert not bad.any(), f"ledger identity broken:\n{pw[bad]}"
    cum = pd.Series(net, index=pw.index).groupby(pw["power"].to_numpy()).cumsum().to_numpy()
    bad = cum != _cents(pw["cum_net_cost_usd"])
    assert not bad.any(), f"cum_net_cost_usd is not the running sum:\n{pw[bad]}"
    # the powers table is the presence table summed over states (to the cent)
    by_power = pres.groupby(["power", "step"])[["spending_usd", "host_paid_usd",
                                                "concessions_usd"]].sum()
    joined = pw.set_index(["power", "step"]).join(by_power)
    joined = joined.join(pres.groupby(["power", "step"])[["casualties", "political_cost_usd"]]
                         .sum().add_suffix("_by_state"))
    for by_state, total in (("casualties_by_state", "casualties"),
                            ("political_cost_usd_by_state", "political_cost_usd")):
        assert np.allclose(joined[by_state], joined[total], rtol=1e-9, atol=1e-6), \
            f"powers.{total} differs from the sum of presence.{total} over states"
    for flow, booked in (("spending_usd", "gross_cost_usd"), ("host_paid_usd", "host_payments_usd"),
                         ("concessions_usd", "concession_revenue_usd")):
        diff = (joined[flow] - joined[booked]).abs()
        assert (diff <= 0.005 + 1e-6 * joined[flow].abs()).all(), \
            f"powers.{booked} differs from the sum of presence.{flow}:\n{joined[diff > 0.006]}"


@SETTINGS
@given(cfg=tiny_configs())
def test_invariants_hold_in_tiny_worlds(cfg: RunConfig) -> None:
    check_invariants(run(cfg))


@SETTINGS
@given(cfg=synthetic_configs())
def test_invariants_hold_in_synthetic_worlds(cfg: RunConfig) -> None:
    check_invariants(run(cfg))


def test_invariants_hold_when_a_host_has_almost_no_budget() -> None:
    """A host whose defence budget is vanishingly small (1e-300 USD/year, a valid value) still
    runs: its arms purchases are ~0 and the exporters' deliveries are not scaled by
    ``arms_export / ~0`` (which overflows to inf in ``powers.arms_market``)."""
    cfg = tiny_world(powers={"france": france(), "russia": russia(arms_export_usd=4e6)},
                     defence_budget_usd=1e-300, end="2019-06")
    check_invariants(run(cfg))


def test_the_ledger_holds_with_cash_concessions_and_arms_together() -> None:
    """A run where russia is paid in all three ways at once (cash for contractors, concessions on
    a gold region, arms sales): every flow is booked and the identity holds to the cent."""
    cfg = tiny_world(
        powers={"france": france(),
                "russia": russia(host_cash_share=0.5, concession_share=0.4, arms_export_usd=4e6)},
        deployments=(("france", "mali", "troops", 2000.0),
                     ("russia", "niger", "contractors", 800.0)),
        rent_usd=3e7, end="2019-09", seed=11)
    result = run(cfg)
    totals = result.tables["powers"].groupby("power")[
        ["gross_cost_usd", "host_payments_usd", "concession_revenue_usd"]].sum()
    assert (totals.loc["russia"] > 0).all(), totals
    check_invariants(result)
