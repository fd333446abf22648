"""The typed configuration schema: dataclasses, their ranges and units, and the project's constants.

Every parameter of the model has exactly one default, here. World data (regions, forces,
budgets) live in ``configs/world/*.yaml`` with their sources beside them; the schema gives
the types, ranges and units, so that a typo or an out-of-range value is an error before any
work starts.

Fields are declared with :func:`param`, which records the allowed range and the unit as
dataclass metadata: :func:`sim.config.checks.check` checks every range, and ``docs/ODD.md``'s parameter table
is generated from the same metadata (``python -m sim.docs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AES",
    "EVENT_KINDS",
    "INSTRUMENT_KINDS",
    "MONEY_INSTRUMENTS",
    "PERSON_INSTRUMENTS",
    "WEST",
    "CombatParams",
    "CostBenefitParams",
    "DeploymentConfig",
    "EventConfig",
    "GroupConfig",
    "GroupProcessParams",
    "HostProcessParams",
    "InfluenceParams",
    "InstrumentConfig",
    "MetricsConfig",
    "OpportunisticParams",
    "OutputConfig",
    "ParamsConfig",
    "PowerConfig",
    "ProportionalParams",
    "RegionConfig",
    "ResourceParams",
    "RivalryParams",
    "RulesConfig",
    "RunConfig",
    "ScenarioConfig",
    "SnapshotConfig",
    "StateConfig",
    "StateInitConfig",
    "SyntheticConfig",
    "WorldConfig",
    "param",
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

def param(default: Any, lo: float | None = None, hi: float | None = None, unit: str = "",
          doc: str = "") -> Any:
    """A scalar config field with its allowed range [lo, hi], unit and description."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc})


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
    n_regions: int = param(40, 1, 1_000_000, "regions")
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
    """What a run writes into its folder."""

    plots: bool = True  # write the run's PNG figures
    overwrite: bool = False  # replace another run's outputs found in the folder (else refuse)


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
