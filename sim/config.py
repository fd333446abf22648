"""Typed configuration schema, Hydra ConfigStore registration and validation.

Every parameter of the model has exactly one default, here. World data (regions, forces,
budgets) live in ``configs/world/*.yaml`` with their sources beside them; the schema gives
the types, ranges and units, so that a typo or an out-of-range value is an error before any
work starts.

Fields are declared with :func:`param`, which records the allowed range and the unit as
dataclass metadata: :func:`validate` checks every range, and ``docs/ODD.md``'s parameter table
is generated from the same metadata (``python -m sim.docs``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ConfigError",
    "RunConfig",
    "validate",
    "param",
    "INSTRUMENT_KINDS",
    "PERSON_INSTRUMENTS",
    "MONEY_INSTRUMENTS",
    "EVENT_KINDS",
    "WEST",
    "AES",
]

#: Instruments measured in persons (unit cost per person-month).
PERSON_INSTRUMENTS = ("troops", "contractors", "peacekeepers")
#: Instruments measured in USD per month (unit cost per USD delivered).
MONEY_INSTRUMENTS = ("arms", "aid", "info_ops")
INSTRUMENT_KINDS = PERSON_INSTRUMENTS + MONEY_INSTRUMENTS
#: Event kinds a scenario can schedule (docs/ODD.md section 7.1).
EVENT_KINDS = ("coup", "deploy", "withdraw", "expel", "agreement", "budget", "param")
#: ``west`` in outputs and metrics (docs/ODD.md section 2).
WEST = ("france", "usa", "un", "eu")
#: The Alliance of Sahel States, over which the hypothesis is measured (docs/ODD.md section 8).
AES = ("mali", "burkina_faso", "niger")

_YM = re.compile(r"^(\d{4})-(\d{2})$")


class ConfigError(ValueError):
    """A configuration value is invalid. The message names the parameter, value and what is allowed."""


def param(default: Any, lo: float | None = None, hi: float | None = None, unit: str = "",
          doc: str = "") -> Any:
    """A scalar config field with its allowed range [lo, hi], unit and description."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc})


def _list(*items: Any) -> Any:
    return field(default_factory=lambda: list(items))


def _dict(**items: Any) -> Any:
    return field(default_factory=lambda: dict(items))


# --------------------------------------------------------------------------- world entities


@dataclass
class RegionConfig:
    """An admin-1 region (docs/ODD.md section 2)."""

    id: str = ""
    name: str = ""
    state: str = ""
    lat: float = param(0.0, -90, 90, "degrees")
    lon: float = param(0.0, -180, 180, "degrees")
    population: float = param(0.0, 0, None, "persons")
    resource_rent_usd: float = param(0.0, 0, None, "USD/month", "gold and uranium rent")


@dataclass
class StateConfig:
    """A host state's structural parameters (its initial condition is in a snapshot)."""

    name: str = ""
    army_effectiveness: float = param(
        0.5, 0, 10, "combat power per soldier", "relative to a regular Western soldier = 1")
    budget_ceiling_multiplier: float = param(
        3.0, 1, 20, "x initial budget", "what the economy can bear (SIPRI: budgets x2.4-4.4 in a decade)")
    contractor_budget_share: float = param(
        0.5, 0, 1, "share of defence budget", "most of the defence budget the host can pay contractors")
    arms_budget_share: float = param(
        0.05, 0, 1, "share of defence budget", "spent on imported arms each month")
    concession_rent_share: float = param(
        0.1, 0, 1, "share of held resource rent", "most the host can cede as concessions")
    base_legitimacy: float = param(0.5, 0, 1, "[0,1]", "legitimacy with no insecurity")
    nationalism: float = param(
        1.0, 0, 5, "multiplier", "strength of anti-Western nationalism under a military regime")
    civilian_harm: float = param(
        0.0005, 0, 1, "civilian deaths per soldier-month at full contest", "the host army's own")
    default_receptivity: float = param(
        0.5, 0, 1, "[0,1]", "long-run receptivity to a power not listed in `receptivity`")
    receptivity: dict[str, float] = field(default_factory=dict)


@dataclass
class InstrumentConfig:
    """One instrument of a foreign power: cost, effect and who pays (docs/ODD.md section 2)."""

    unit_cost_usd: float = param(
        10_000.0, 0, None, "USD per person-month (persons) or per USD (money)")
    effectiveness: float = param(1.0, 0, 10, "combat power per person")
    civilian_harm: float = param(
        0.0, 0, 1, "civilian deaths per person-month at full contest",
        "harm inflicted on civilians during operations")
    exposure: float = param(1.0, 0, 10, "relative", "exposure to casualties")
    host_cash_share: float = param(0.0, 0, 1, "share of unit cost", "billed to the host in cash")
    concession_share: float = param(
        0.0, 0, 1, "share of unit cost", "billed to the host in resource concessions")
    ramp_months: int = param(3, 1, 60, "months", "ramp-up lag of a deployment")
    drawdown_months: int = param(6, 1, 60, "months", "drawdown lag of a withdrawal")


@dataclass
class PowerConfig:
    """A foreign power (docs/ODD.md section 2)."""

    name: str = ""
    budget_ceiling_usd: float = param(1e9, 0, None, "USD/year", "most it spends in the region")
    casualty_tolerance: float = param(
        50.0, 0, None, "deaths per 12 months in a state", "above it, the power withdraws")
    political_cost_per_casualty_usd: float = param(
        5e6, 0, None, "USD", "political cost of one own death (full cost)")
    nationalism_exposure: float = param(
        0.0, -1, 1, "[-1,1]", "1 = target of anti-Western nationalism, <0 = gains from it")
    strategic_interest: float = param(
        1.0, 0, 10, "relative", "weight of every state in the power's spending, unless listed below")
    interest_by_state: dict[str, float] = field(default_factory=dict)
    redeploy_share: float = param(
        0.0, 0, 1, "share", "of forces expelled from a state moved to another receptive state")
    arms_export_usd: float = param(0.0, 0, None, "USD/month", "arms it can deliver in the region")
    arms_gift_share: float = param(0.0, 0, 1, "share", "of delivered arms given rather than sold")
    instruments: dict[str, InstrumentConfig] = field(default_factory=dict)


@dataclass
class GroupConfig:
    """An armed group (docs/ODD.md section 2)."""

    name: str = ""
    kind: str = "jihadist"
    recruit_rate: float = param(0.03, 0, 1, "recruits per fighter per month at grievance 1")
    attack_rate: float = param(0.05, 0, 5, "attacks per fighter per month")
    effectiveness: float = param(1.0, 0, 10, "combat power per fighter")
    hostility: float = param(1.0, 0, 1, "[0,1]", "share of its attacks aimed at the state side")
    civilian_targeting: float = param(0.3, 0, 20, "civilian deaths per attack")
    foreign_targeting: float = param(1.0, 0, 10, "relative", "preference for foreign forces")
    mobility: float = param(0.05, 0, 1, "share of fighters moving per month")
    tax_rate: float = param(0.1, 0, 1, "share", "of the resource rent it taxes where it holds")
    illicit_income_usd: float = param(0.0, 0, None, "USD/month", "trafficking and kidnapping")
    upkeep_usd: float = param(100.0, 1, None, "USD/fighter/month")
    rivals: dict[str, float] = field(default_factory=dict)


@dataclass
class DeploymentConfig:
    """A foreign deployment present at a snapshot date."""

    power: str = ""
    state: str = ""
    instrument: str = "troops"
    level: float = param(0.0, 0, None, "persons or USD/month")


@dataclass
class StateInitConfig:
    """A host state's condition at a snapshot date."""

    regime: str = "civilian"
    legitimacy: float = param(0.5, 0, 1, "[0,1]")
    army_personnel: float = param(10_000.0, 0, None, "persons")
    defence_budget_usd: float = param(1e8, 0, None, "USD/year")
    agreements: list[str] = field(default_factory=list)


@dataclass
class SnapshotConfig:
    """The world's initial condition at a start date (calibration-patterns.md: one per start)."""

    states: dict[str, StateInitConfig] = field(default_factory=dict)
    deployments: list[DeploymentConfig] = field(default_factory=list)
    fighters: dict[str, dict[str, Any]] = field(default_factory=dict)  # group -> region -> fighters
    control: dict[str, float] = field(default_factory=dict)


@dataclass
class SyntheticConfig:
    """Generated worlds for sweeps and scaling (docs/ODD.md section 2)."""

    n_states: int = param(4, 1, 1000, "states")
    n_regions: int = param(40, 1, 10_000_000, "regions")
    n_groups: int = param(2, 1, 100, "groups")
    n_powers: int = param(3, 1, 100, "powers")
    world_seed: int = param(0, 0, 2**63 - 1, "", "seed of the world's geography, apart from the run seed")


@dataclass
class WorldConfig:
    """The world: regions on a network, states, powers, groups, and initial snapshots."""

    name: str = "sahel"
    kind: str = param("listed", doc="listed: regions given in the config; synthetic: generated")
    adjacency_k: int = param(4, 1, 20, "neighbours", "each region links to its k nearest")
    regions: list[RegionConfig] = field(default_factory=list)
    states: dict[str, StateConfig] = field(default_factory=dict)
    powers: dict[str, PowerConfig] = field(default_factory=dict)
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    snapshots: dict[str, SnapshotConfig] = field(default_factory=dict)
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)


# --------------------------------------------------------------------------- process parameters


@dataclass
class GroupProcessParams:
    """Process 2: recruitment, movement and attacks of armed groups."""

    grievance_harm_weight: float = param(
        4.0, 0, None, "per civilian death per 10k people (12-month memory)")
    grievance_legitimacy_weight: float = param(0.5, 0, None, "per unit of (1 - legitimacy)")
    grievance_absence_weight: float = param(0.5, 0, None, "per unit of (1 - control)")
    grievance_base: float = param(0.05, 0, None, "grievance with a legitimate state in control")
    fighter_cap_share: float = param(
        0.001, 0, 1, "share of population", "most fighters a region can hold")
    funding_elasticity: float = param(
        0.5, 0, None, "", "recruitment boost per unit of income over upkeep")
    funding_cap: float = param(2.0, 0, None, "", "most income over upkeep that still boosts recruitment")
    move_floor: float = param(
        0.05, 0, None, "", "attraction of a fully held region (added to 1 - control)")


@dataclass
class CombatParams:
    """Process 3: Tullock contest, casualties and civilian harm."""

    tullock_m: float = param(1.0, 0.1, 10, "", "decisiveness m in S^m / (S^m + A^m)")
    force_ratio: float = param(
        3.0, 0.1, 100, "security personnel per fighter", "to hold a region (S against A)")
    control_speed: float = param(0.15, 0, 1, "per month", "how fast control moves to the contest")
    lethality_state: float = param(
        0.25, 0, 20, "state-side deaths per attack at (1 - success)")
    lethality_fighters: float = param(
        0.6, 0, 20, "fighter deaths per attack at full state success")
    operations_rate: float = param(
        0.002, 0, 1, "fighter deaths per effective soldier per month in contested regions")
    clash_rate: float = param(0.01, 0, 1, "deaths per rival fighter pair-weight per month")
    arms_effect: float = param(
        0.05, 0, None, "per USD 10k per soldier",
        "gain in army effectiveness per USD 10k of arms received per soldier (12-month memory)")
    garrison_share: float = param(
        0.5, 0, 1, "share of the army", "spread by population; the rest goes where the threat is")
    mass_casualty_threshold: int = param(
        50, 1, None, "civilian deaths", "a region-month at or above it is recorded as a massacre")


@dataclass
class HostProcessParams:
    """Process 4: legitimacy, regime, vacuum, receptivity, expulsion, offers, payment, budget."""

    legitimacy_rate: float = param(0.05, 0, 1, "per month")
    insecurity_scale: float = param(
        20.0, 1e-9, None, "fatalities per million per month", "insecurity index = rate / scale")
    legitimacy_insecurity_weight: float = param(0.3, 0, 1)
    legitimacy_harm_weight: float = param(0.2, 0, 1)
    coup_legitimacy_bonus: float = param(0.15, 0, 1, "", "popularity of a new junta")
    coup_base_hazard: float = param(
        0.004, 0, 1, "per month", "endogenous coup hazard at full insecurity and zero legitimacy")
    receptivity_rate: float = param(0.05, 0, 1, "per month")
    performance_weight: float = param(0.5, 0, None, "", "credit for security improving")
    harm_weight: float = param(
        0.3, 0, None, "per 100 deaths", "blame per 100 civilian deaths attributed to a power (12-month memory)")
    nationalism_weight: float = param(0.35, 0, 1, "", "shift under a military regime")
    info_ops_weight: float = param(
        0.1, 0, 1, "", "receptivity per unit of log10(1 + info ops / info_ops_scale_usd)")
    info_ops_scale_usd: float = param(1e5, 1, None, "USD/month", "scale of information operations")
    expel_threshold: float = param(0.2, 0, 1, "receptivity", "below it a military regime expels")
    accept_threshold: float = param(0.45, 0, 1, "receptivity", "above it an offer is accepted")
    ban_months: int = param(36, 0, 600, "months", "an expelled power may not return for")
    budget_rate: float = param(0.05, 0, 1, "per month", "adjustment of the defence budget")
    budget_threat_elasticity: float = param(0.8, 0, 10, "", "budget rise per unit of insecurity")
    military_budget_bonus: float = param(0.2, 0, 5, "share", "extra budget under a military regime")
    army_growth_rate: float = param(0.02, 0, 1, "per month", "army moves toward what the budget pays")
    withdrawal_memory_months: float = param(
        12.0, 1, 600, "months", "decay time of capacity lost to withdrawals in the vacuum")
    trend_months: float = param(6.0, 1, 120, "months", "window of the security trend")


@dataclass
class InfluenceParams:
    """Process 6: influence shares move toward what each power provides, weighted by receptivity."""

    rate: float = param(0.08, 0, 1, "per month", "speed toward the target share (and decay)")
    security_weight: float = param(1.0, 0, None)
    arms_weight: float = param(0.5, 0, None)
    aid_weight: float = param(0.3, 0, None)
    info_weight: float = param(0.3, 0, None)
    autonomy: float = param(0.5, 1e-9, None, "", "weight of the host's own autonomy")


@dataclass
class ResourceParams:
    """Resource rules of docs/ODD.md section 7.5.2 that are not a power's or a state's own."""

    host_can_pay: float = param(
        1.0, 0, 1, "multiplier",
        "scales every host's ability to pay contractors and arms (0 = cannot pay)")
    concessions_enabled: bool = True
    arms_cost_ratio: float = param(1.0, 0, 10, "", "cost to the exporter per USD of arms delivered")


@dataclass
class ParamsConfig:
    groups: GroupProcessParams = field(default_factory=GroupProcessParams)
    combat: CombatParams = field(default_factory=CombatParams)
    hosts: HostProcessParams = field(default_factory=HostProcessParams)
    influence: InfluenceParams = field(default_factory=InfluenceParams)
    resources: ResourceParams = field(default_factory=ResourceParams)


# --------------------------------------------------------------------------- rules


@dataclass
class ProportionalParams:
    spend_share: float = param(
        0.5, 0, 1, "share of budget ceiling", "spread over states by vacuum x receptivity x interest")


@dataclass
class OpportunisticParams:
    window_months: int = param(24, 1, 600, "months", "a rival's exit opens a window this long")
    min_receptivity: float = param(0.5, 0, 1, "receptivity", "needed to enter")
    footprint_fraction: float = param(0.5, 0, 10, "share of the vacuum", "size of the footprint")
    net_cost_cap_usd: float = param(
        5e8, 0, None, "USD", "cumulative own net cost above which it leaves")
    max_personnel: float = param(2500.0, 0, None, "persons per state")
    info_ops_usd: float = param(
        200_000.0, 0, None, "USD/month", "information operations where it enters or stays")


@dataclass
class CostBenefitParams:
    threshold: float = param(
        0.5, 0, None, "influence points per USD 10m of own net cost",
        "enter only where the expected gain passes it")
    horizon_months: int = param(24, 1, 600, "months", "over which gain and cost are compared")
    footprint_fraction: float = param(0.5, 0, 10, "share of the vacuum")
    max_personnel: float = param(2500.0, 0, None, "persons per state")


@dataclass
class RivalryParams:
    match_ratio: float = param(1.0, 0, 10, "", "commitment per unit of a rival's gain")
    personnel_per_point: float = param(
        50.0, 0, None, "persons per influence point", "a point = 0.01 influence share")
    max_personnel: float = param(2500.0, 0, None, "persons per state")


@dataclass
class RulesConfig:
    """Vacuum-filling rule per power (docs/ODD.md section 7.5.2) and each rule's parameters."""

    vacuum: dict[str, str] = field(default_factory=dict)
    default_vacuum: str = "none"
    exit_drawdown_share: float = param(
        0.25, 0, 1, "share of personnel",
        "a drawdown of at least this share in a state counts as leaving it (opens rivals' windows)")
    casualty_cooldown_months: int = param(
        24, 0, 600, "months", "a power that left a state over casualties stays out this long")
    plugins: list[str] = field(default_factory=list)
    proportional: ProportionalParams = field(default_factory=ProportionalParams)
    opportunistic: OpportunisticParams = field(default_factory=OpportunisticParams)
    cost_benefit: CostBenefitParams = field(default_factory=CostBenefitParams)
    rivalry: RivalryParams = field(default_factory=RivalryParams)


# --------------------------------------------------------------------------- scenario, metrics


@dataclass
class EventConfig:
    """A dated event (docs/ODD.md section 7.1). ``value``'s meaning depends on ``kind``."""

    date: str = ""
    kind: str = ""
    actor: str = ""
    target: str = ""
    instrument: str = ""
    value: float | None = None
    months: int | None = None
    path: str = ""
    id: str = ""
    note: str = ""


@dataclass
class ScenarioConfig:
    name: str = "historical"
    description: str = ""
    events: list[EventConfig] = field(default_factory=list)
    exclude_events: list[str] = field(default_factory=list)
    endogenous_expulsion: bool = False
    endogenous_coups: bool = False
    endogenous_withdrawal: bool = param(
        True, doc="powers leave a state when their casualties pass their tolerance")
    protected: list[str] = field(default_factory=list)
    west_withdrawal_share: float = param(
        0.0, 0, 1, "share of personnel",
        "at west_withdrawal_date, every Western power cuts its forces in the AES states by this share")
    west_withdrawal_date: str = "2022-02"
    west_withdrawal_months: int = param(6, 1, 60, "months", "over which that cut is made")


@dataclass
class MetricsConfig:
    """The hypothesis as numbers (docs/ODD.md section 8)."""

    k: int = param(2, 1, 3, "AES states", "russia must be the largest partner in at least k")
    phi: float = param(0.1, 0, None, "share", "cheap: russia's own net cost <= phi x west's")
    horizon_start: str = ""
    horizon_end: str = ""


@dataclass
class OutputConfig:
    plots: bool = True


@dataclass
class RunConfig:
    """The whole run. ``seed``, ``start``, ``end``, ``scenario`` and ``rules.vacuum`` are interface."""

    seed: int = param(0, 0, 2**63 - 1)
    start: str = "2019-01"
    end: str = "2025-12"
    world: WorldConfig = field(default_factory=WorldConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    params: ParamsConfig = field(default_factory=ParamsConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


# --------------------------------------------------------------------------- dates


def parse_month(value: str, name: str) -> int:
    """Month number (year*12 + month-1) of a ``YYYY-MM`` string; ConfigError names ``name``."""
    m = _YM.match(str(value))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"{name}={value!r} is not a valid month; allowed: a date as YYYY-MM, "
                          "e.g. 2019-01")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_str(month: int) -> str:
    """``YYYY-MM`` of a month number."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


# --------------------------------------------------------------------------- validation


def _suggest(value: str, allowed: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"allowed: {', '.join(sorted(allowed))}{hint}"


def check_name(name: str, value: str, allowed: list[str] | tuple[str, ...]) -> None:
    """Raise ConfigError unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} is unknown; {_suggest(value, allowed)}")


def _check_ranges(obj: Any, path: str) -> None:
    """Check every ``param`` field's range, recursively through dataclasses, lists and dicts."""
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            name = f"{path}.{f.name}" if path else f.name
            lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if math.isnan(value) or (lo is not None and value < lo) or (
                        hi is not None and value > hi):
                    lo_s = "-inf" if lo is None else f"{lo:g}"
                    hi_s = "inf" if hi is None else f"{hi:g}"
                    raise ConfigError(f"{name}={value!r} is out of range; allowed: [{lo_s}, {hi_s}]"
                                      + (f" ({f.metadata['unit']})" if f.metadata.get("unit") else ""))
            else:
                _check_ranges(value, name)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _check_ranges(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_ranges(v, f"{path}[{i}]")


def _check_share_dict(name: str, d: dict[str, float], allowed: list[str]) -> None:
    for k, v in d.items():
        check_name(f"{name} key", k, allowed)
        if not 0.0 <= float(v) <= 1.0:
            raise ConfigError(f"{name}.{k}={v!r} is out of range; allowed: [0, 1]")


def validate(cfg: RunConfig) -> RunConfig:
    """Check a whole run configuration before anything is built.

    Returns the configuration the model runs: ``cfg`` itself, or for ``world.kind=synthetic`` a
    copy whose world has been generated (and checked like any other world).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    from sim.rules import registry  # the registry knows the rule names, plugins included

    registry.load_plugins(cfg.rules.plugins)
    _check_ranges(cfg, "")
    start = parse_month(cfg.start, "start")
    end = parse_month(cfg.end, "end")
    if end < start:
        raise ConfigError(f"end={cfg.end!r} is before start={cfg.start!r}; allowed: end >= start")
    w = cfg.world
    check_name("world.kind", w.kind, ("listed", "synthetic"))
    if w.kind == "synthetic":
        from sim.world.synthetic import generate_world

        cfg = generate_world(cfg)
        w = cfg.world
    validate_world(cfg, start)
    for power, rule in cfg.rules.vacuum.items():
        check_name("rules.vacuum key (power id)", power, list(w.powers))
        check_name(f"rules.vacuum.{power}", rule, registry.names())
    check_name("rules.default_vacuum", cfg.rules.default_vacuum, registry.names())
    for i, h in enumerate((cfg.metrics.horizon_start, cfg.metrics.horizon_end)):
        if h:
            m = parse_month(h, ("metrics.horizon_start", "metrics.horizon_end")[i])
            if not start <= m <= end:
                raise ConfigError(f"metrics.horizon={h!r} is outside the run; allowed: "
                                  f"{cfg.start} .. {cfg.end}")
    for p in cfg.scenario.protected:
        check_name("scenario.protected", p, list(w.powers))
    parse_month(cfg.scenario.west_withdrawal_date, "scenario.west_withdrawal_date")
    return cfg


def validate_world(cfg: RunConfig, start: int) -> None:
    """Check ids and cross-references of a world (also used for generated worlds)."""
    w = cfg.world
    states, powers, groups = list(w.states), list(w.powers), list(w.groups)
    for kind, ids in (("state", states), ("power", powers), ("group", groups)):
        if not ids:
            raise ConfigError(f"world.{kind}s is empty; allowed: at least one {kind}")
        for i in ids:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", i):
                raise ConfigError(f"world.{kind}s key {i!r} is not a valid id; allowed: lower_snake")
    if not w.regions:
        raise ConfigError("world.regions is empty; allowed: at least one region")
    region_ids = [r.id for r in w.regions]
    if len(set(region_ids)) != len(region_ids):
        dup = sorted({r for r in region_ids if region_ids.count(r) > 1})
        raise ConfigError(f"world.regions has duplicate ids {dup}; allowed: unique ids")
    for i, r in enumerate(w.regions):
        check_name(f"world.regions[{i}].state", r.state, states)
    for s, sc in w.states.items():
        _check_share_dict(f"world.states.{s}.receptivity", sc.receptivity, powers)
    for p, pc in w.powers.items():
        for s, v in pc.interest_by_state.items():
            check_name(f"world.powers.{p}.interest_by_state key", s, states)
            if not 0 <= v <= 10:
                raise ConfigError(f"world.powers.{p}.interest_by_state.{s}={v!r} is out of range; "
                                  "allowed: [0, 10]")
        for k in pc.instruments:
            check_name(f"world.powers.{p}.instruments key", k, INSTRUMENT_KINDS)
        if not pc.instruments:
            raise ConfigError(f"world.powers.{p}.instruments is empty; allowed: some of "
                              f"{', '.join(INSTRUMENT_KINDS)}")
    for g, gc in w.groups.items():
        check_name(f"world.groups.{g}.kind", gc.kind, ("jihadist", "separatist"))
        for h, v in gc.rivals.items():
            check_name(f"world.groups.{g}.rivals key", h, groups)
            if not 0 <= v <= 1:
                raise ConfigError(f"world.groups.{g}.rivals.{h}={v!r} is out of range; allowed: [0, 1]")
    # snapshot
    dates = sorted(w.snapshots, key=lambda d: parse_month(d, f"world.snapshots key {d!r}"))
    usable = [d for d in dates if parse_month(d, "world.snapshots") <= start]
    if not usable:
        raise ConfigError(f"start={cfg.start!r} is before every world snapshot; allowed: a start "
                          f"on or after one of {', '.join(dates) or '(none)'}")
    snap = w.snapshots[usable[-1]]
    for s, si in snap.states.items():
        check_name("snapshot state", s, states)
        check_name(f"world.snapshots.{usable[-1]}.states.{s}.regime", si.regime,
                   ("civilian", "military"))
        for a in si.agreements:
            check_name(f"world.snapshots.{usable[-1]}.states.{s}.agreements", a, powers)
    missing = [s for s in states if s not in snap.states]
    if missing:
        raise ConfigError(f"world.snapshots.{usable[-1]}.states lacks {missing}; allowed: every state")
    for i, d in enumerate(snap.deployments):
        name = f"world.snapshots.{usable[-1]}.deployments[{i}]"
        check_name(f"{name}.power", d.power, powers)
        check_name(f"{name}.state", d.state, states)
        check_name(f"{name}.instrument", d.instrument, list(w.powers[d.power].instruments))
    for g, by_region in snap.fighters.items():
        check_name("snapshot fighters group", g, groups)
        for r, v in by_region.items():
            check_name(f"world.snapshots.{usable[-1]}.fighters.{g} region", r, region_ids)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise ConfigError(f"world.snapshots.{usable[-1]}.fighters.{g}.{r}={v!r} is invalid; "
                                  "allowed: a number of fighters >= 0")
    for r, v in snap.control.items():
        check_name("snapshot control region", r, region_ids)
        if not 0 <= v <= 1:
            raise ConfigError(f"world.snapshots.{usable[-1]}.control.{r}={v!r} is out of range; "
                              "allowed: [0, 1]")
    validate_events(cfg, start)


def validate_events(cfg: RunConfig, start: int) -> None:
    """Check every scenario event: date, kind, actor, target, instrument and value."""
    w = cfg.world
    states, powers = list(w.states), list(w.powers)
    ids = [e.id for e in cfg.scenario.events if e.id]
    for x in cfg.scenario.exclude_events:
        check_name("scenario.exclude_events", x, ids)
    for i, e in enumerate(cfg.scenario.events):
        name = f"scenario.events[{i}]" + (f" ({e.id})" if e.id else "")
        parse_month(e.date, f"{name}.date")
        check_name(f"{name}.kind", e.kind, EVENT_KINDS)
        if e.kind == "coup":
            check_name(f"{name}.target (state)", e.target, states)
        elif e.kind in ("deploy", "withdraw"):
            check_name(f"{name}.actor (power)", e.actor, powers)
            check_name(f"{name}.target (state)", e.target, states)
            allowed = list(w.powers[e.actor].instruments)
            if e.instrument or e.kind == "deploy":
                check_name(f"{name}.instrument", e.instrument, allowed)
            if e.kind == "deploy" and (e.value is None or e.value < 0):
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: a level >= 0")
            if e.kind == "withdraw" and e.value is not None and e.value < 0:
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: a level >= 0")
        elif e.kind in ("expel", "agreement"):
            check_name(f"{name}.actor (state)", e.actor, states)
            check_name(f"{name}.target (power)", e.target, powers)
        elif e.kind == "budget":
            check_name(f"{name}.actor (power or state)", e.actor, powers + states)
            if e.value is None or e.value < 0:
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: USD/year >= 0")
        elif e.kind == "param":
            obj, attr = resolve_param_path(cfg, e.path, f"{name}.path")
            if e.value is None:
                raise ConfigError(f"{name}.value=None is invalid; allowed: a number")
            if isinstance(getattr(obj, attr), int) and float(e.value) != int(e.value):
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: an integer "
                                  f"({e.path} is a whole number)")
        if e.months is not None and e.months < 1:
            raise ConfigError(f"{name}.months={e.months!r} is invalid; allowed: >= 1")


def resolve_param_path(cfg: RunConfig, path: str, name: str) -> tuple[Any, str]:
    """Find the object and attribute a ``param`` event changes: a numeric field under
    ``params.`` or ``world.powers.<p>.``/``world.states.<s>.``/``world.groups.<g>.``."""
    parts = path.split(".") if path else []
    if not parts or parts[0] not in ("params", "world"):
        raise ConfigError(f"{name}={path!r} is invalid; allowed: a numeric parameter under "
                          "params.* or world.powers/states/groups.*")
    obj: Any = cfg
    for i, part in enumerate(parts[:-1]):
        if isinstance(obj, dict):
            check_name(f"{name} ({'.'.join(parts[:i + 1])})", part, list(obj))
            obj = obj[part]
        else:
            allowed = [f.name for f in dataclasses.fields(obj)]
            check_name(f"{name} ({'.'.join(parts[:i + 1])})", part, allowed)
            obj = getattr(obj, part)
    if not dataclasses.is_dataclass(obj):
        raise ConfigError(f"{name}={path!r} does not name a parameter")
    numeric = [f.name for f in dataclasses.fields(obj)
               if isinstance(getattr(obj, f.name), (int, float))
               and not isinstance(getattr(obj, f.name), bool)]
    check_name(f"{name} (field)", parts[-1], numeric)
    return obj, parts[-1]


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore (called by the entry points, not on import)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)
