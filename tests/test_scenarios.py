"""Every option of the ``scenario`` and ``world`` config groups composes, validates and runs, and
each scenario does what its file claims (docs/ODD.md section 9).

Counterfactuals are checked against ``endogenous``, the base they change, over the same seed and
horizon, so that each assertion is not true by accident (e.g. ``no_coups`` has no coup where
``endogenous`` has several).
"""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from sim import load_config, run
from sim.api import RunResult
from sim.config import PERSON_INSTRUMENTS, ConfigError, RunConfig, group_options
from sim.engine.prepare import prepare

SCENARIOS = group_options("scenario")
WORLDS = group_options("world")
SHORT = "end=2019-04"
SHORT_DATES = ["2019-01-01", "2019-02-01", "2019-03-01", "2019-04-01"]
#: Horizon of the counterfactual comparisons: covers every coup of 2020-2023 and France's exit.
LONG = "end=2023-12"
#: How a scheduled event's kind is written in events.parquet, and who is its actor and target.
RECORDED = {
    "coup": lambda e: ("coup", "army", e.target),
    "deploy": lambda e: ("deploy", e.actor, e.target),
    "withdraw": lambda e: ("withdrawal", e.actor, e.target),
    "expel": lambda e: ("expulsion", e.actor, e.target),
    "agreement": lambda e: ("agreement", e.actor, e.target),
    "budget": lambda e: ("budget", e.actor, ""),
    "param": lambda e: ("param", "", e.path),
}


@functools.cache
def _run(*overrides: str) -> tuple[RunConfig, RunResult]:
    """Load, validate and run once per set of overrides (shared by the tests of this module)."""
    cfg = load_config(list(overrides))
    return cfg, run(cfg)


def _rows(result: RunResult, table: str, **equal):
    """The rows of ``table`` whose columns equal the values given."""
    df = result.tables[table]
    for col, value in equal.items():
        df = df[df[col] == value]
    return df


# --------------------------------------------------------------------------- every option runs


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_composes_validates_and_runs(scenario):
    """Each scenario runs a short horizon and reports every month, region, state and power."""
    cfg, result = _run(f"scenario={scenario}", SHORT)
    assert cfg.scenario.name == scenario
    prepared = prepare(cfg)
    t = result.tables
    assert sorted(t["states"]["date"].unique()) == SHORT_DATES
    assert set(t["states"]["state"]) == set(prepared.world.states)
    assert set(t["presence"]["power"]) == set(prepared.world.powers)
    assert set(t["groups"]["group"]) == set(prepared.world.groups)
    per_month = t["regions"].groupby("date")["region"].nunique()
    assert (per_month == len(prepared.world.regions)).all()
    assert result.summary["scenario"] == scenario
    assert result.summary["verdict"] in {"both", "win", "cheap", "neither"}
    rules = prepared.rules
    assert result.summary["rules"] == {
        p: rules.vacuum.get(p, rules.default_vacuum) for p in prepared.world.powers}


def test_sahel_world_is_the_one_described():
    """world=sahel: 38 regions (Chad has two), 8 states, 7 powers, 3 groups, a 2019-01 snapshot."""
    cfg, result = _run("world=sahel", SHORT)
    w = cfg.world
    assert len(w.regions) == 38
    assert set(w.states) == {"mali", "burkina_faso", "niger", "chad", "mauritania", "senegal",
                             "guinea", "cote_divoire"}
    assert set(w.powers) == {"france", "usa", "un", "eu", "russia", "china", "turkey"}
    assert set(w.groups) == {"jnim", "is_sahel", "csp"}
    assert "2019-01" in w.snapshots
    assert result.tables["regions"]["region"].nunique() == 38


@pytest.mark.parametrize("world", WORLDS)
def test_world_option_runs(world):
    """Each world option runs (the synthetic world with the synthetic scenario)."""
    extra = ("scenario=synthetic",) if world == "synthetic" else ()
    cfg, result = _run(f"world={world}", *extra, SHORT)
    assert cfg.world.name == world
    assert result.summary["world"] == world
    assert sorted(result.tables["regions"]["date"].unique()) == SHORT_DATES


def test_synthetic_scenario_uses_a_generated_world_of_the_configured_size():
    """scenario=synthetic generates the number of regions, states, groups and powers asked for."""
    cfg, result = _run("scenario=synthetic", "world.synthetic.n_regions=25",
                       "world.synthetic.n_states=3", "world.synthetic.n_groups=1",
                       "world.synthetic.n_powers=2", SHORT)
    assert cfg.world.kind == "synthetic"
    assert cfg.scenario.events == []
    t = result.tables
    assert t["regions"]["region"].nunique() == 25
    assert t["states"]["state"].nunique() == 3
    assert t["groups"]["group"].nunique() == 1
    assert t["presence"]["power"].nunique() == 2
    assert set(t["regions"]["state"]) == set(t["states"]["state"])


def test_synthetic_default_size_is_the_configured_one():
    """The default synthetic world has world.synthetic.n_regions regions."""
    cfg, result = _run("scenario=synthetic", SHORT)
    assert result.tables["regions"]["region"].nunique() == cfg.world.synthetic.n_regions
    assert result.tables["states"]["state"].nunique() == cfg.world.synthetic.n_states


def test_synthetic_geography_comes_from_world_seed_not_run_seed():
    """Replicates (run seeds) share one generated world; another world_seed gives another."""
    def geography(*overrides):
        w = prepare(load_config(["scenario=synthetic", *overrides])).world
        return [(r.id, r.state, r.lat, r.lon, r.population) for r in w.regions]

    assert geography("seed=0") == geography("seed=1")
    assert geography("world.synthetic.world_seed=0") != geography("world.synthetic.world_seed=1")


# --------------------------------------------------------------------------- historical


@pytest.fixture(scope="module")
def historical() -> tuple[RunConfig, RunResult]:
    """historical from 2019-01 to 2021-12."""
    return _run("scenario=historical", "start=2019-01", "end=2021-12")


def test_historical_key_events_happen_in_their_month(historical):
    """Mali's coups of 2020-08 and 2021-05 and France's 2020-02 deploy to Mali are on time."""
    _, result = historical
    coups = _rows(result, "events", kind="coup", target="mali")
    assert sorted(coups["date"]) == ["2020-08-01", "2021-05-01"]
    deploys = _rows(result, "events", kind="deploy", actor="france", target="mali")
    assert list(deploys["date"]) == ["2020-02-01"]


def test_historical_applies_each_scheduled_event_of_the_window_once_in_its_month(historical):
    """Every scheduled event dated 2019-01..2021-12 is recorded once at its date; none after."""
    cfg, result = historical
    ev = result.tables["events"]
    in_window = [e for e in cfg.scenario.events if "2019-01" <= e.date <= "2021-12"]
    assert len(in_window) >= 8
    expected = Counter((e.date + "-01", *RECORDED[e.kind](e)) for e in in_window)
    recorded = Counter(zip(ev["date"], ev["kind"], ev["actor"], ev["target"]))
    missing = expected - recorded
    assert not missing, f"scheduled events not recorded at their month: {dict(missing)}"
    # in historical nothing decides but the record: coups, deploys, expulsions and agreements are
    # exactly the scheduled ones
    decided = {"coup", "deploy", "expulsion", "agreement"}
    extra = Counter({k: n for k, n in recorded.items() if k[1] in decided}) - expected
    assert not extra, f"events of historical that are not in its record: {dict(extra)}"
    assert ev["date"].max() <= "2021-12-01"
    later = [e.id for e in cfg.scenario.events if e.date > "2021-12"]
    assert "france_leaves_mali" in later
    assert _rows(result, "events", kind="withdrawal", actor="france", date="2022-02-01").empty


def test_historical_events_before_start_are_not_applied():
    """A run starting in 2022-01 does not replay the coups of 2020 and 2021."""
    _, result = _run("scenario=historical", "start=2022-01", "end=2022-03")
    ev = result.tables["events"]
    assert ev["date"].min() >= "2022-01-01"
    assert _rows(result, "events", kind="coup", target="mali").empty
    assert list(_rows(result, "events", kind="coup", target="burkina_faso")["date"]) == [
        "2022-01-01"]


# --------------------------------------------------------------------------- counterfactuals


@pytest.fixture(scope="module")
def endogenous() -> tuple[RunConfig, RunResult]:
    """The base of every counterfactual, 2019-01..2023-12."""
    return _run("scenario=endogenous", LONG)


#: The shocks the endogenous scenario may schedule: events the model cannot generate (each is
#: listed with its reason in docs/ODD.md section 9).
EXOGENOUS_SHOCKS = {"chad_deby_killed_2021"}


def test_endogenous_schedules_only_exogenous_shocks(endogenous):
    """After its start, endogenous schedules no decision taken in response to events in the
    Sahel: coups, sanctions, invitations, expulsions, entries and exits all emerge; the only
    scheduled events are the listed exogenous shocks, and every other event is emergent."""
    cfg, result = endogenous
    sc = cfg.scenario
    assert sc.endogenous_coups and sc.endogenous_sanctions and sc.endogenous_partner_choice
    assert cfg.rules.vacuum["russia"] != "none"
    assert {e.id for e in sc.events} <= EXOGENOUS_SHOCKS, [e.id for e in sc.events]
    ev = result.tables["events"]
    scheduled = ev[ev["origin"] == "scheduled"]
    assert set(scheduled["kind"]) <= {"coup"} and set(scheduled["target"]) <= {"chad"}
    assert set(ev["origin"]) <= {"scheduled", "emergent"}


def test_endogenous_scheduled_keeps_the_first_versions_world():
    """The scheduled-coups world survives as its own scenario, for comparison."""
    cfg = load_config(["scenario=endogenous_scheduled"])
    ids = {e.id for e in cfg.scenario.events}
    assert {"mali_coup_2020", "niger_coup_2023", "france_leaves_mali"} <= ids
    assert not cfg.scenario.endogenous_partner_choice and cfg.scenario.endogenous_expulsion


def test_france_stays(endogenous):
    """france_stays: France is protected: no withdrawal, exit, expulsion or ended agreement,
    and its troops in Mali never fall below their 2019 level."""
    cfg, result = _run("scenario=france_stays", LONG)
    assert "france" in cfg.scenario.protected
    ev = result.tables["events"]
    france_out = ev[ev["kind"].isin(["withdrawal", "exit", "expulsion", "agreement_ended"])
                    & ((ev["actor"] == "france") | (ev["target"] == "france"))]
    assert france_out.empty, france_out.to_string()
    troops = _rows(result, "presence", power="france", state="mali")["troops"].to_numpy()
    assert troops.min() >= troops[0] > 0


#: hosts that sour on every partner at once: every present partner is downgraded, and elected
#: governments end agreements after a month below the line
STRICT = ("params.partners.downgrade_threshold=1.5", "params.partners.expel_threshold=1",
          "params.partners.end_agreement_months=1", "end=2020-06")


def test_france_stays_protects_france_from_expulsion():
    """With hosts that sour on every partner, endogenous sees France pushed out; france_stays
    never does."""
    _, base = _run("scenario=endogenous", *STRICT)
    _, stays = _run("scenario=france_stays", *STRICT)
    out = ("expulsion", "agreement_ended")
    assert not base.tables["events"].query("kind in @out and target == 'france'").empty
    assert stays.tables["events"].query("kind in @out and target == 'france'").empty


def test_host_cannot_pay_contractors(endogenous):
    """host_cannot_pay: no host pays anything, for contractors, in concessions or for arms
    (``host_can_pay`` scales every payment; arms still arrive, on credit never repaid)."""
    base_cfg, base = endogenous
    cfg, result = _run("scenario=host_cannot_pay", LONG)
    assert cfg.params.resources.host_can_pay == 0.0
    base_ru = _rows(base, "presence", power="russia")
    assert (base_ru["host_paid_usd"] - base_ru["arms_delivered_usd"]
            * (1 - base_cfg.world.powers["russia"].arms_gift_share)).sum() > 0, \
        "endogenous hosts pay Russia's contractors (base of the counterfactual)"
    pr = result.tables["presence"]
    assert (pr["host_paid_usd"] == 0).all()
    assert (pr["concessions_usd"] == 0).all()
    assert pr["arms_delivered_usd"].sum() > 0, "arms still flow when the hosts cannot pay"


def test_host_cannot_pay_has_zero_host_payments_to_russia(endogenous):
    """host_cannot_pay: the hosts pay Russia nothing (endogenous: they pay it)."""
    _, base = endogenous
    _, result = _run("scenario=host_cannot_pay", LONG)
    assert base.summary["host_paid_russia_usd"] > 0
    ru = _rows(result, "presence", power="russia")
    paid = float((ru["host_paid_usd"] + ru["concessions_usd"]).sum())
    arms = float(ru["arms_delivered_usd"].sum())
    assert paid == 0.0, (f"hosts paid Russia USD {paid:,.0f} (Russia delivered USD {arms:,.0f} "
                         "of arms)")
    powers = _rows(result, "powers", power="russia")
    assert (powers["host_payments_usd"] == 0).all()
    assert (powers["concession_revenue_usd"] == 0).all()
    assert result.summary["host_paid_russia_usd"] == 0


def test_no_coups(endogenous):
    """no_coups: no coup or attempt at all and every regime stays as it was (endogenous has
    coups: at least Chad's military takeover)."""
    _, base = endogenous
    cfg, result = _run("scenario=no_coups", LONG)
    assert len(_rows(base, "events", kind="coup")) >= 1
    assert _rows(result, "events", kind="coup_attempt").empty
    assert _rows(result, "events", kind="coup").empty
    assert not cfg.scenario.endogenous_coups
    st = result.tables["states"]
    first = st[st["step"] == 0].set_index("state")["regime"]
    assert (st["regime"].to_numpy() == first.loc[st["state"]].to_numpy()).all()


def test_no_russia(endogenous):
    """no_russia: Russia has no personnel, delivers no arms and spends nothing, anywhere, ever
    (endogenous: it enters and sells arms)."""
    _, base = endogenous
    cfg, result = _run("scenario=no_russia", LONG)
    assert cfg.rules.vacuum["russia"] == "none"
    base_ru = _rows(base, "presence", power="russia")
    assert base_ru["personnel"].max() > 0 and base_ru["arms_delivered_usd"].sum() > 0
    ru = _rows(result, "presence", power="russia")
    assert (ru["personnel"] == 0).all()
    assert (ru["arms_delivered_usd"] == 0).all()
    assert (ru["spending_usd"] == 0).all()
    assert (_rows(result, "powers", power="russia")["gross_cost_usd"] == 0).all()
    ev = result.tables["events"]
    assert ev[ev["actor"] == "russia"].empty
    # hosts may still invite it or sign a paper agreement; it does not come, so nothing else
    # ever concerns it
    assert set(ev.loc[ev["target"] == "russia", "kind"]) <= {"invitation", "cooperation"}


def test_china_competes(endogenous):
    """china_competes: China fills vacuums by a rule, doubles its arms exports and commits more
    than in endogenous where the public's receptivity decides its offers; where the regimes
    choose their partners (the scenario's own setting), they do not stand it high enough to
    accept its forces (its standing stays below the invite threshold), so it spends what it
    spends in endogenous."""
    base_cfg, base = endogenous
    cfg, result = _run("scenario=china_competes", LONG)
    rule = cfg.rules.vacuum["china"]
    assert rule != "none" and base_cfg.rules.vacuum.get("china", "none") == "none"
    assert result.summary["rules"]["china"] == rule
    assert cfg.world.powers["china"].arms_export_usd == pytest.approx(
        2 * base_cfg.world.powers["china"].arms_export_usd)
    spent = _rows(result, "powers", power="china")["gross_cost_usd"].sum()
    base_spent = _rows(base, "powers", power="china")["gross_cost_usd"].sum()
    assert spent >= base_spent
    assert _rows(result, "presence", power="china")["troops"].max() == 0
    public = "scenario.endogenous_partner_choice=false"
    _, offered = _run("scenario=china_competes", public, LONG)
    _, quiet = _run("scenario=endogenous", public, LONG)
    assert (_rows(offered, "powers", power="china")["gross_cost_usd"].sum()
            > _rows(quiet, "powers", power="china")["gross_cost_usd"].sum())


def test_strong_insurgency(endogenous):
    """strong_insurgency: jihadist recruitment and attack rates x1.5, and more attacks."""
    base_cfg, base = endogenous
    cfg, result = _run("scenario=strong_insurgency", LONG)
    for g, gc in cfg.world.groups.items():
        b = base_cfg.world.groups[g]
        factor = 1.5 if gc.kind == "jihadist" else 1.0
        assert gc.recruit_rate == pytest.approx(factor * b.recruit_rate), g
        assert gc.attack_rate == pytest.approx(factor * b.attack_rate), g
    assert result.tables["groups"]["attacks"].sum() > base.tables["groups"]["attacks"].sum()


# --------------------------------------------------------------------------- endogenous expulsion


@pytest.fixture(scope="module")
def quick_to_expel() -> tuple[RunConfig, RunResult]:
    """endogenous_scheduled to 2021-12 with hosts that expel any partner (the simple rule,
    ``hosts.expel_threshold`` = 1)."""
    return _run("scenario=endogenous_scheduled", "params.hosts.expel_threshold=1", "end=2021-12")


def test_an_expulsion_is_recorded_once(quick_to_expel):
    """A host expels a power once; it is not expelled again while it leaves and is banned."""
    _, result = quick_to_expel
    ev = _rows(result, "events", kind="expulsion")
    assert not ev.empty, "no expulsion to check"
    counts = Counter(zip(ev["actor"], ev["target"]))
    repeated = {k: n for k, n in counts.items() if n > 1}
    assert not repeated, f"(state, power) expelled more than once during its ban: {repeated}"


def test_an_expelled_power_leaves_within_its_drawdown(quick_to_expel):
    """An expelled power's personnel in that state reach 0 within its drawdown lag."""
    cfg, result = quick_to_expel
    ev = _rows(result, "events", kind="expulsion")
    assert not ev.empty, "no expulsion to check"
    last = result.tables["presence"]["step"].max()
    late = []
    for (state, power), first in ev.groupby(["actor", "target"])["step"].min().items():
        instruments = cfg.world.powers[power].instruments
        lag = max(instruments[i].drawdown_months for i in PERSON_INSTRUMENTS if i in instruments)
        if first + lag > last:
            continue
        rows = _rows(result, "presence", state=state, power=power)
        left = rows[rows["step"] >= first + lag]["personnel"]
        if (left > 0).any():
            late.append(f"{power} expelled from {state} at step {first} (drawdown {lag} months) "
                        f"still has {left.iloc[0]:.0f} personnel {lag} months later and "
                        f"{left.iloc[-1]:.1f} at the end")
    assert not late, "; ".join(late)


def test_sahel_events_in_a_synthetic_world_are_rejected():
    """The Sahel's dated events cannot be scheduled in a generated world: a ConfigError says so."""
    with pytest.raises(ConfigError, match="mali"):
        load_config(["world=synthetic", "scenario=historical"])
