"""Small hand-made worlds for the model-behaviour tests, built in Python without Hydra.

Every helper returns a validated :class:`sim.config.RunConfig` made of the dataclasses of
:mod:`sim.config`, so a test states the whole situation it checks in a few lines: which states,
which powers with which instruments, who is deployed where, which rule each power follows and
which dated events happen. Numbers are round orders of magnitude taken from
``configs/world/sahel.yaml`` (France's troop-month USD 15,300; a contractor-month USD 12,000 of
which the host is billed 90%), not calibrated values.

States are named after real ones (``mali``, ``niger``, ``chad``) so that the summary's AES
metrics (mali, burkina_faso, niger) apply to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.config import (
    DeploymentConfig,
    EventConfig,
    GroupConfig,
    InstrumentConfig,
    PowerConfig,
    RegionConfig,
    RunConfig,
    SnapshotConfig,
    StateConfig,
    StateInitConfig,
    WorldConfig,
)
from sim.engine.prepare import prepare

__all__ = [
    "STATE_IDS",
    "event",
    "expulsion_world",
    "politics_world",
    "france",
    "russia",
    "tiny_world",
    "usa",
]

#: The states a tiny world draws from, in order (mali and niger are AES states; chad is not).
STATE_IDS = ("mali", "niger", "chad")
_PREFIX = {"mali": "ML", "niger": "NE", "chad": "TD"}
_CENTRE = {"mali": (15.0, -4.0), "niger": (15.0, 6.0), "chad": (14.0, 16.0)}

START = "2019-01"


def event(date: str, kind: str, actor: str = "", target: str = "", **kw: object) -> EventConfig:
    """A scenario event (see :class:`sim.config.EventConfig`)."""
    return EventConfig(date=date, kind=kind, actor=actor, target=target, **kw)


def france(budget_usd_year: float = 1.25e9, casualty_tolerance: float = 1e6) -> PowerConfig:
    """France: regular troops only (USD 15,300 per troop-month, the Sahel world's figure)."""
    return PowerConfig(
        name="France", budget_ceiling_usd=budget_usd_year, casualty_tolerance=casualty_tolerance,
        nationalism_exposure=1.0,
        instruments={"troops": InstrumentConfig(
            unit_cost_usd=15_300.0, effectiveness=1.0, civilian_harm=0.0002, exposure=0.15,
            ramp_months=3, drawdown_months=6)})


def usa(budget_usd_year: float = 3e8, casualty_tolerance: float = 1e6) -> PowerConfig:
    """The United States: regular troops only."""
    return PowerConfig(
        name="United States", budget_ceiling_usd=budget_usd_year,
        casualty_tolerance=casualty_tolerance, nationalism_exposure=0.5,
        instruments={"troops": InstrumentConfig(
            unit_cost_usd=15_300.0, effectiveness=0.5, civilian_harm=0.0001, exposure=0.1,
            ramp_months=3, drawdown_months=5)})


def russia(budget_usd_year: float = 5e8, host_cash_share: float = 0.9,
           concession_share: float = 0.0, info_ops: bool = True, arms_export_usd: float = 0.0,
           casualty_tolerance: float = 1e6) -> PowerConfig:
    """Russia: contractors billed to the host (``host_cash_share`` of USD 12,000 per
    contractor-month in cash, ``concession_share`` in resource concessions), information
    operations and, if ``arms_export_usd`` > 0, arms sales."""
    instruments = {"contractors": InstrumentConfig(
        unit_cost_usd=12_000.0, effectiveness=0.7, civilian_harm=0.004, exposure=1.0,
        host_cash_share=host_cash_share, concession_share=concession_share, ramp_months=3,
        drawdown_months=3)}
    if info_ops:
        instruments["info_ops"] = InstrumentConfig(unit_cost_usd=1.0, effectiveness=0.0)
    if arms_export_usd > 0:
        instruments["arms"] = InstrumentConfig(unit_cost_usd=1.0, effectiveness=0.0)
    return PowerConfig(
        name="Russia", budget_ceiling_usd=budget_usd_year, casualty_tolerance=casualty_tolerance,
        nationalism_exposure=-0.3, arms_export_usd=arms_export_usd, arms_gift_share=0.2,
        instruments=instruments)


def tiny_world(
    *,
    n_states: int = 2,
    regions_per_state: int = 2,
    powers: Mapping[str, PowerConfig] | None = None,
    rules: Mapping[str, str] | None = None,
    deployments: Iterable[tuple[str, str, str, float]] = (("france", "mali", "troops", 3000.0),),
    receptivity: Mapping[str, Mapping[str, float]] | None = None,
    fighters: float = 400.0,
    control: float = 0.7,
    army_personnel: float = 8000.0,
    defence_budget_usd: float = 3e8,
    rent_usd: float = 0.0,
    regime: str = "civilian",
    events: Iterable[EventConfig] = (),
    seed: int = 0,
    start: str = START,
    end: str = "2019-12",
    host_can_pay: float = 1.0,
) -> RunConfig:
    """A validated run of a world of ``n_states`` (from :data:`STATE_IDS`) with
    ``regions_per_state`` regions each.

    Args:
        n_states: 1 to 3 states, taken in the order mali, niger, chad.
        regions_per_state: regions per state, 1,000,000 people each.
        powers: power id -> config; default france and russia (see :func:`france`,
            :func:`russia`).
        rules: vacuum-filling rule per power; powers not named follow ``none``.
        deployments: ``(power, state, instrument, level)`` present at the start; the host has an
            agreement with each power deployed on its soil.
        receptivity: state -> power -> base receptivity; every other pair is 0.6.
        fighters: jnim fighters in the first region of every state (the others start empty).
        control: government control of every region holding fighters (1 elsewhere).
        army_personnel: each host's army at the start.
        defence_budget_usd: each host's defence budget (USD/year) at the start.
        rent_usd: resource rent (USD/month) of the second region of every state.
        regime: every host's regime at the start (``civilian`` or ``military``).
        events: the scenario's dated events.
        seed: the run's seed.
        start: first month (YYYY-MM), on or after the snapshot of 2019-01.
        end: last month (YYYY-MM).
        host_can_pay: ``params.resources.host_can_pay``.

    Returns:
        The configuration, already passed through :func:`sim.engine.prepare.prepare`.
    """
    if not 1 <= n_states <= len(STATE_IDS):
        raise ValueError(f"n_states={n_states}; allowed: 1..{len(STATE_IDS)}")
    states = STATE_IDS[:n_states]
    powers = dict(powers) if powers is not None else {"france": france(), "russia": russia()}
    receptivity = receptivity or {}
    regions: list[RegionConfig] = []
    for s in states:
        lat0, lon0 = _CENTRE[s]
        for k in range(regions_per_state):
            regions.append(RegionConfig(
                id=f"{_PREFIX[s]}-{k + 1}", name=f"{s} {k + 1}", state=s, lat=lat0 + 0.7 * k,
                lon=lon0 + 0.5 * (k % 2), population=1_000_000.0,
                resource_rent_usd=rent_usd if k == 1 else 0.0))
    state_cfgs = {
        s: StateConfig(
            name=s.title(), army_effectiveness=0.4,
            receptivity={p: float(receptivity.get(s, {}).get(p, 0.6)) for p in powers})
        for s in states}
    snapshot = SnapshotConfig()
    for s in states:
        snapshot.states[s] = StateInitConfig(
            regime=regime, legitimacy=0.5, army_personnel=army_personnel,
            defence_budget_usd=defence_budget_usd)
    for power, state, instrument, level in deployments:
        if state in states and power in powers:
            snapshot.deployments.append(DeploymentConfig(
                power=power, state=state, instrument=instrument, level=float(level)))
            if power not in snapshot.states[state].agreements:
                snapshot.states[state].agreements.append(power)
    first = [f"{_PREFIX[s]}-1" for s in states]
    snapshot.fighters = {"jnim": {r: float(fighters) for r in first}}
    snapshot.control = {r: float(control) for r in first}
    world = WorldConfig(
        name="tiny", kind="listed", adjacency_k=2, regions=regions, states=state_cfgs,
        powers=powers, groups={"jnim": GroupConfig(name="JNIM", kind="jihadist")},
        snapshots={"2019-01": snapshot})
    cfg = RunConfig(seed=seed, start=start, end=end, world=world)
    cfg.scenario.name = "tiny"
    cfg.scenario.events = list(events)
    cfg.rules.vacuum = {p: "none" for p in powers}
    cfg.rules.vacuum.update(rules or {})
    cfg.params.resources.host_can_pay = host_can_pay
    cfg.output.plots = False
    return prepare(cfg)


def expulsion_world(*, host_can_pay: float = 1.0, russia_rule: str = "opportunistic",
                    end: str = "2019-12", seed: int = 0, **kw: object) -> RunConfig:
    """The mechanism behind the question, in miniature: France holds 3,000 troops in mali, which
    expels it in 2019-02; mali is receptive to russia (0.7), niger is not (0.3, below the
    rules' and the host's thresholds); russia follows ``russia_rule`` and bills its contractors
    to the host, who pays as much as ``host_can_pay`` allows."""
    receptivity = {"mali": {"russia": 0.7, "france": 0.6}, "niger": {"russia": 0.3}}
    receptivity.update(kw.pop("receptivity", {}))  # type: ignore[arg-type]
    cfg = tiny_world(
        rules={"russia": russia_rule}, receptivity=receptivity,
        events=[event("2019-02", "expel", "mali", "france", id="mali_expels_france")],
        host_can_pay=host_can_pay, end=end, seed=seed, **kw)  # type: ignore[arg-type]
    # the mechanism of the question alone: no courting campaign where russia is absent (its own
    # tests are in tests/processes/test_mechanisms_pre2020.py)
    cfg.rules.opportunistic.campaign_info_ops_usd = 0.0
    cfg.rules.opportunistic.strategists_usd = 0.0
    return cfg


def politics_world(*, regime: str = "military", france_receptivity: float = 0.6,
                   russia_receptivity: float = 0.5, coups: bool = False, sanctions: bool = False,
                   partners: bool = True, ecowas: bool = True, end: str = "2020-12",
                   seed: int = 0, **kw: object) -> RunConfig:
    """Hosts that choose their partners, in miniature: France (conditions attached, little regime
    protection, stands with sanctions) holds 3,000 troops in mali; Russia (no conditions, regime
    protection, backs juntas that defy sanctions) is absent and follows ``opportunistic``, so it
    comes where it is invited. Every host starts with ``regime`` and the given base receptivity
    to each power; ``coups``, ``sanctions`` and ``partners`` switch the scenario's endogenous
    politics on; ``ecowas`` makes the hosts ECOWAS members."""
    fr, ru = france(), russia()
    fr.conditionality, fr.regime_protection, fr.sanctions_patron = 0.6, 0.2, 0.0
    ru.conditionality, ru.regime_protection, ru.sanctions_patron = 0.0, 0.8, 0.9
    receptivity = {s: {"france": france_receptivity, "russia": russia_receptivity}
                   for s in STATE_IDS}
    cfg = tiny_world(powers={"france": fr, "russia": ru}, regime=regime,
                     rules={"russia": "opportunistic"}, receptivity=receptivity, end=end,
                     seed=seed, **kw)  # type: ignore[arg-type]
    for state in cfg.world.states.values():
        state.ecowas_member = ecowas
    sc = cfg.scenario
    sc.endogenous_coups, sc.endogenous_sanctions = coups, sanctions
    sc.endogenous_partner_choice = partners
    return prepare(cfg)
