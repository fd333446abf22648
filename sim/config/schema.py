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
    "COST_BASES",
    "EVENT_KINDS",
    "FIRST_VERSION",
    "INSTRUMENT_KINDS",
    "MARGIN_GRID",
    "MONEY_INSTRUMENTS",
    "COVERT_INSTRUMENTS",
    "PERSON_INSTRUMENTS",
    "WEST",
    "param",
    "CombatParams",
    "CostBenefitParams",
    "CoupParams",
    "DeploymentConfig",
    "EventConfig",
    "GroupConfig",
    "GroupProcessParams",
    "HostProcessParams",
    "InfluenceParams",
    "InstrumentConfig",
    "MetricsConfig",
    "MilitiaParams",
    "OpportunisticParams",
    "OutputConfig",
    "ParamsConfig",
    "PartnerParams",
    "PowerConfig",
    "ProportionalParams",
    "RegionConfig",
    "ResourceParams",
    "RivalryParams",
    "RulesConfig",
    "RunConfig",
    "SanctionsParams",
    "ScenarioConfig",
    "SnapshotConfig",
    "StateConfig",
    "StateInitConfig",
    "SyntheticConfig",
    "WorldConfig",
]

#: Instruments measured in persons (unit cost per person-month).
PERSON_INSTRUMENTS = ("troops", "contractors", "peacekeepers")
#: Instruments measured in USD per month (unit cost per USD delivered).
MONEY_INSTRUMENTS = ("arms", "aid", "info_ops", "strategists")
INSTRUMENT_KINDS = PERSON_INSTRUMENTS + MONEY_INSTRUMENTS
#: Instruments a power uses without the host's consent (no offer, no agreement).
COVERT_INSTRUMENTS = ("info_ops", "strategists")
#: Event kinds a scenario can schedule (docs/ODD.md section 7.1).
EVENT_KINDS = ("coup", "deploy", "withdraw", "expel", "agreement", "budget", "param")
#: ``west`` in outputs and metrics (docs/ODD.md section 2).
WEST = ("france", "usa", "un", "eu")
#: The Alliance of Sahel States, over which the hypothesis is measured (docs/ODD.md section 8).
AES = ("mali", "burkina_faso", "niger")

def param(default: Any, lo: float | None = None, hi: float | None = None, unit: str = "",
          doc: str = "", prior: tuple[float, float] | None = None, source: str = "") -> Any:
    """A scalar config field with its allowed range [lo, hi], unit and description.

    Args:
        default: the one default of the parameter.
        lo, hi: the allowed range (None: unbounded).
        unit: the unit, as the docs show it.
        doc: what the parameter means.
        prior: for an assumption (a value no pre-2020 fact pins down), the range ``(lo, hi)``
            of values held plausible, sampled uniformly by sweeps over plausible worlds.
        source: where a value comes from when it is not an assumption (a fact file section,
            ``derived: ...`` for arithmetic on one).
    """
    return field(default=default, metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc,
                                            "prior": prior, "source": source})


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
    urban_share: float = param(
        0.0, 0, 1, "share of population",
        "living in towns (1 = a capital district; 0 = wholly rural, for worlds without urban data)")


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
    ecowas_member: bool = False  # suspended and possibly sanctioned by ECOWAS after a coup
    receptivity: dict[str, float] = field(default_factory=dict, metadata={
        "values": (0.0, 1.0, "[0,1]")})  # power -> receptivity; its range, for sweeps


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
    conditionality: float = param(
        0.0, 0, 1, "[0,1]",
        "governance and human-rights conditions attached to its help: aid suspended after a "
        "coup, pressure to hold elections (what a regime pays in conditions)")
    regime_protection: float = param(
        0.0, 0, 1, "[0,1]",
        "how far its presence protects the ruling regime itself (guards, a quick reaction force): "
        "lowers the success of a coup attempt, and is what a regime under threat wants")
    sanctions_patron: float = param(
        0.0, 0, 1, "[0,1]",
        "0 = stands with the regional sanctions after a coup; 1 = backs a sanctioned junta that "
        "defies them")
    air_sorties: float = param(
        0.0, 0, None, "sorties per month per 1,000 personnel",
        "air and ISR support its forces bring to the host army (France: 950 sorties in 2019 "
        "for about 4,500 personnel = 17.6)", source="derived: pre2020-politics section 8")
    hostile_host_months: int = param(
        12, 1, 600, "months",
        "it leaves a host that has kept it downgraded (or below the downgrade threshold) this long")
    arms_gift_share: float = param(0.0, 0, 1, "share", "of delivered arms given rather than sold")
    leverage: float = param(
        0.0, 0, 1, "[0,1]",
        "what a government that has an agreement with it stands to lose by inviting a power it "
        "opposes (budget support, IMF programmes, defence agreements); cut by its conditionality "
        "under a junta, whose aid it has already suspended")
    opposed_by_west: float = param(
        0.0, 0, 1, "[0,1]",
        "how strongly the Western partners oppose this power's forces in a state they back "
        "(the weight of their leverage against inviting it)")
    loss_exit_rate: float = param(
        0.0, 0, None, "deaths per 100 contractors per month",
        "a contractor leaves a state when its deaths (3-month mean) pass this rate times the "
        "share of its bill the host pays (0: never leaves over losses)")
    unpaid_loss_share: float = param(
        0.5, 0, 1, "share",
        "the share of loss_exit_rate a contractor bears where the host pays nothing (its own "
        "state's interest keeps it there)")
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
    receptivity: dict[str, float] = field(default_factory=dict, metadata={
        "values": (0.0, 1.0, "[0,1]")})  # power -> opinion at the snapshot (default: long-run)
    protests_per_year: float = param(
        0.0, 0, None, "demonstration events per year",
        "in the year before the snapshot (ACLED): the rate the protest observable starts from")


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
    adjacency_k: int = param(4, 1, 20, "neighbours",
                             "each region links to its k nearest (used when `neighbours` is empty)")
    regions: list[RegionConfig] = field(default_factory=list)
    neighbours: dict[str, list[str]] = field(default_factory=dict, metadata={
        "doc": "region id -> ids of the regions sharing a land border with it (symmetric; every "
               "region listed with at least one); empty: k nearest regions (`adjacency_k`)"})
    states: dict[str, StateConfig] = field(default_factory=dict)
    powers: dict[str, PowerConfig] = field(default_factory=dict)
    groups: dict[str, GroupConfig] = field(default_factory=dict)
    snapshots: dict[str, SnapshotConfig] = field(default_factory=dict)
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    priors: dict[str, list[float]] = field(default_factory=dict, metadata={
        "doc": "the world's own assumptions: a path below `world` (`*` for every key of a "
               "mapping, e.g. `states.*.army_effectiveness`) -> [lo, hi], a prior on a factor "
               "that multiplies every value the path names (one factor per entry, shared by "
               "the entities it names); sampled by experiments with `sample_priors: [world]`"})
    value_priors: dict[str, list[float]] = field(default_factory=dict, metadata={
        "doc": "the world's own assumptions whose default is no guide to their range (a share "
               "that is 0 by default, say): a path below `world` -> [lo, hi], a prior on the "
               "value itself (every value the path names takes the same draw); sampled like "
               "`priors`"})


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
    reprisal_weight: float = param(
        2.0, 0, None, "per massacre death per 10k people (reprisal memory)",
        "a massacre feeds recruitment where it happened: communal reprisal cycles (Yirgou, "
        "Ogossagou)", prior=(0.0, 6.0))
    reprisal_memory_months: float = param(
        6.0, 1, 120, "months", "decay time of the memory of massacres", prior=(3.0, 12.0))


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
    army_mass_casualty: int = param(
        20, 1, None, "soldiers killed",
        "a state-month with at least this many army deaths is a mass-casualty attack (a shock to "
        "politics: public mood and the coup hazard)",
        source="pre2020-politics section 3b: Boulkessy and Mondoro (38 killed), Indelimane (>50)")
    pullback_control: float = param(
        0.5, 0, 1, "control",
        "below it the state pulls its rural garrison back to the towns", prior=(0.3, 0.7))
    pullback_share: float = param(
        0.6, 0, 1, "share of the garrison",
        "pulled out of a region below pullback_control, into the state's towns", prior=(0.3, 0.9))
    air_effectiveness: float = param(
        0.3, 0, 10, "per sortie per 1,000 soldiers a month",
        "gain in army effectiveness from partners' air and ISR support", prior=(0.0, 0.8))
    air_lethality: float = param(
        0.2, 0, 10, "fighter deaths per sortie",
        "Barkhane: >200 put out of action in 2018 against 950 sorties in 2019",
        source="derived: pre2020-politics section 8")
    contractor_lethality: float = param(
        2.0, 0, 20, "x operations_rate",
        "contractors' operations kill fighters at this multiple of a regular force's rate",
        prior=(1.0, 4.0))


@dataclass
class MilitiaParams:
    """Self-defence militias (process 3): Koglweogo from 2015, Dan Na Ambassagou about 2016,
    later state-backed volunteers (pre2020-politics section 7a). They form where state control is
    low and attacks are high, fight beside the state, and kill civilians of the communities they
    suspect, which feeds recruitment: the communal reprisal cycle."""

    formation_rate: float = param(
        0.05, 0, 1, "share of the room per month",
        "how fast militias fill their room where control is low and attacks high",
        prior=(0.01, 0.15))
    control_threshold: float = param(
        0.8, 0, 1, "control", "militias form only where state control is below it",
        prior=(0.6, 0.9))
    attack_threshold: float = param(
        2.0, 0, None, "attacks per 100k people (3-month memory)",
        "militias form only where attacks are above it", prior=(0.5, 5.0))
    cap_share: float = param(
        0.003, 0, 1, "share of population", "most militia members a region holds",
        prior=(0.001, 0.01))
    decay: float = param(
        0.03, 0, 1, "per month", "where the pressure is gone, militias demobilise",
        prior=(0.01, 0.1))
    effectiveness: float = param(
        0.1, 0, 10, "combat power per member", "beside the state's forces", prior=(0.05, 0.3))
    civilian_harm: float = param(
        0.004, 0, 1, "civilian deaths per member-month at full contest",
        "reprisals on communities suspected of backing the jihadists: >500 civilians killed in "
        "central Mali in 2018 (UN)", prior=(0.001, 0.01))
    state_backing: float = param(
        1.5, 1, 10, "x", "formation multiplier under a military regime (state-backed volunteers)",
        prior=(1.0, 3.0))
    reprisal_amplifier: float = param(
        10.0, 0, 100, "x at saturation",
        "militias kill up to (1 + it) times more where massacres are remembered (m / (1 + m), "
        "m the massacre deaths remembered per 10k people): the reprisal cycle's gain; "
        "calibrated to Burkina Faso's 2019 onset (pattern C2)",
        prior=(0.0, 20.0), source="calibrated: C2")


@dataclass
class HostProcessParams:
    """Process 4: legitimacy, regime, vacuum, receptivity, expulsion, offers, payment, budget."""

    legitimacy_rate: float = param(0.05, 0, 1, "per month")
    insecurity_scale: float = param(
        20.0, 1e-9, None, "fatalities per million per month", "insecurity index = rate / scale")
    legitimacy_insecurity_weight: float = param(0.3, 0, 1)
    legitimacy_harm_weight: float = param(0.2, 0, 1)
    coup_legitimacy_bonus: float = param(0.15, 0, 1, "", "popularity of a new junta")
    shock_blame: float = param(
        0.1, 0, 1, "receptivity",
        "a mass-casualty attack on the army costs every partner present this much receptivity "
        "(protests after Boulkessy and Indelimane, 2019, demanded that foreign forces leave)",
        prior=(0.0, 0.2), source="pre2020-politics section 3b")
    receptivity_rate: float = param(0.05, 0, 1, "per month")
    performance_weight: float = param(0.5, 0, None, "", "credit for security improving")
    failure_blame_weight: float = param(
        2.0, 0, 10, "receptivity per unit of insecurity",
        "blame on a power present for the insecurity it does not stop (Mali-Metre 11, Nov 2019: "
        "Barkhane and MINUSMA blamed for failing to protect civilians; absent powers are not)",
        prior=(0.5, 3.0), source="calibrated: P1, P2 (pre2020-politics section 3a)")
    visibility_personnel: float = param(
        1000.0, 1, None, "effective personnel",
        "a power's forces are visible to the public as 1 - exp(-effective personnel / this)",
        prior=(300.0, 3000.0))
    harm_weight: float = param(
        0.3, 0, None, "per 100 deaths", "blame per 100 civilian deaths attributed to a power (12-month memory)")
    civilian_media_control: float = param(
        0.1, 0, 1, "share",
        "how far an elected government's narrative reaches the public: it shields its partners "
        "from blame for their abuses by this share, and moves opinion toward its standing",
        prior=(0.0, 0.3))
    military_media_control: float = param(
        0.6, 0, 1, "share", "the same under a junta (controlled media, suspended outlets)",
        prior=(0.3, 0.9))
    narrative_weight: float = param(
        0.2, 0, 1, "receptivity per unit of standing",
        "the regime's narrative: opinion moves toward the regime's standing of each power, "
        "times its media control", prior=(0.0, 0.5))
    nationalism_weight: float = param(0.35, 0, 1, "", "shift under a military regime")
    protest_weight: float = param(
        5.5, 0, 10, "log demonstrations per unit of grievance",
        "demonstrations = the snapshot's rate x exp(protest_weight x (grievance - the grievance "
        "of the first month)); grievance = insecurity + discontent with the foreign forces present",
        prior=(1.0, 6.0), source="calibrated: P3")
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
class CoupParams:
    """Endogenous coups (process 4): a monthly hazard of an attempt per state, and its success.

    The hazard is ``attempt_rate`` (per country-year) at reference conditions, multiplied by the
    coup trap after a recent attempt, by the insecurity, losses and legitimacy terms (together
    at most x7.4 either way), the regime term, and recent attempts next door; it is capped at
    0.15 a month (docs/ODD.md section 7.4).
    """

    attempt_rate: float = param(
        0.078, 0, 2, "attempts per country-year",
        "at reference conditions, outside the trap: 0.086 attempts per country-year in 17 West "
        "African states 1990-2019 (Powell & Thyne), less the trap's excess (x1.1)",
        source="derived: pre2020-politics section 1b, 1c")
    trap_multiplier: float = param(
        2.3, 1, 20, "x",
        "hazard multiplier for trap_months after an attempt in the same state: 12 repeat "
        "attempts within 12 months observed against 5.6 expected at constant rates",
        source="derived: pre2020-politics section 1c")
    trap_months: int = param(12, 1, 120, "months", "how long the coup trap lasts",
                             source="pre2020-politics section 1c (12-month window)")
    insecurity_weight: float = param(
        1.0, 0, 10, "log-hazard per unit of insecurity index above the reference",
        "insecurity as a correlate of coups (no Sahel effect size before 2020)", prior=(0.0, 2.5))
    losses_weight: float = param(
        0.3, 0, 10, "log-hazard per 1% of the army killed in 3 months",
        "military losses as a correlate (Mali 2012 followed Aguelhok; Bamako marches after "
        "Indelimane 2019)", prior=(0.0, 0.6))
    legitimacy_weight: float = param(
        2.0, 0, 10, "log-hazard per unit of legitimacy below the reference",
        "low legitimacy as a correlate", prior=(0.0, 4.0))
    military_multiplier: float = param(
        1.0, 0.1, 10, "x", "hazard of a military regime relative to a civilian one, beyond the trap",
        prior=(0.5, 2.0))
    neighbour_multiplier: float = param(
        1.0, 0.1, 10, "x per neighbouring state with an attempt within trap_months",
        "contagion: none found in 1990-2019 (5 observed against 9.1 expected)",
        prior=(1.0, 1.5), source="pre2020-politics section 1c")
    reference_insecurity: float = param(
        0.1, 0, 1, "insecurity index", "conditions at which the hazard is attempt_rate",
        prior=(0.0, 0.3))
    reference_legitimacy: float = param(
        0.5, 0, 1, "[0,1]", "conditions at which the hazard is attempt_rate", prior=(0.4, 0.6))
    success_share: float = param(
        0.43, 0, 1, "share of attempts",
        "19 of 44 attempts succeeded in 1990-2019", source="pre2020-politics section 1b")
    success_share_after_coup: float = param(
        0.07, 0, 1, "share of attempts",
        "an attempt within trap_months of a successful coup: 0 of 6 succeeded in 1990-2019 "
        "(posterior mean with a Jeffreys prior)", source="derived: pre2020-politics section 1c")
    protection_effect: float = param(
        0.5, 0, 1, "share",
        "how much a fully protecting partner (regime_protection 1, all the security) cuts the "
        "success of an attempt", prior=(0.0, 0.9))
    failed_legitimacy_cost: float = param(
        0.05, 0, 1, "legitimacy", "a failed attempt weakens the regime", prior=(0.0, 0.1))


@dataclass
class SanctionsParams:
    """Regional organisations after a coup (process 4): suspension, sanctions, concession or
    defiance, and the return to civilian rule (pre2020-politics section 2)."""

    delay_months: int = param(
        1, 0, 12, "months",
        "coup to the first ECOWAS step: 7-18 days in Mali 2012, Togo 2005, Guinea-Bissau 2012, "
        "Guinea 2008", source="pre2020-politics section 2")
    embargo_probability: float = param(
        0.43, 0, 1, "probability",
        "economic sanctions beside the suspension: 3 of 7 coups 2005-2015 (Togo 2005, Mali 2012, "
        "Guinea-Bissau 2012; not Guinea 2008, Niger 2010, BF 2014, BF 2015)",
        source="derived: pre2020-politics section 2")
    budget_cost: float = param(
        0.3, 0, 1, "share of the defence budget",
        "lost each month under sanctions (Mali 2012: borders closed, accounts frozen)",
        prior=(0.1, 0.6))
    concede_rate: float = param(
        0.8, 0, 1, "per month",
        "a sanctioned junta without a patron concedes: every pre-2020 embargo was lifted within "
        "about a week, once the junta conceded", source="pre2020-politics section 2")
    patron_defiance: float = param(
        0.9, 0, 1, "share",
        "how far an outside patron (sanctions_patron 1, fully trusted) lets a junta defy "
        "sanctions instead of conceding", prior=(0.3, 1.0))
    transition_months: int = param(
        14, 1, 120, "months",
        "from a concession to civilian rule (Niger 2010-2011: 14 months; Guinea about 24)",
        prior=(6, 24), source="pre2020-politics section 2")
    suspension_months: int = param(
        24, 1, 240, "months",
        "without a concession, a suspension alone ends after this long (Guinea: about 2 years)",
        prior=(12, 48), source="pre2020-politics section 2")


@dataclass
class PartnerParams:
    """A host regime's choice of partners (process 4): the value of each partner to the regime
    and what the regime does about it (docs/ODD.md section 7.4)."""

    standing_rate: float = param(
        0.15, 0.01, 1, "per month", "how fast the regime's standing of a partner follows its value",
        prior=(0.05, 0.3))
    mood_weight: float = param(
        1.0, 0, 10, "", "public mood (receptivity - 0.5)", prior=(0.5, 2.0))
    security_weight: float = param(
        0.5, 0, 10, "", "the partner's share of the security capacity", prior=(0.2, 1.0))
    protection_weight: float = param(
        0.6, 0, 10, "", "regime protection x the threat to the regime (coup hazard over base)",
        prior=(0.2, 1.2))
    results_weight: float = param(
        1.0, 0, 10, "", "battlefield results credited: security share x improving trend",
        prior=(0.0, 2.0))
    insecurity_blame_weight: float = param(
        0.4, 0, 10, "", "blame for insecurity while the partner is there: share x insecurity",
        prior=(0.0, 1.0))
    price_weight: float = param(
        1.0, 0, 10, "per share of the defence budget",
        "what the regime pays the partner in cash and concessions", prior=(0.5, 2.0))
    conditions_weight: float = param(
        0.4, 0, 10, "", "conditions attached (conditionality), full under a military regime",
        prior=(0.1, 0.8))
    civilian_conditions_share: float = param(
        0.25, 0, 1, "share", "how much of the conditions an elected government feels",
        prior=(0.0, 0.5))
    patron_weight: float = param(
        0.5, 0, 10, "",
        "under sanctions: + a patron that backs defiance, - a partner that stands with the sanctions",
        prior=(0.2, 1.0))
    invite_threshold: float = param(
        0.35, -2, 2, "standing", "at or above it the regime invites an absent partner",
        prior=(0.2, 0.5))
    downgrade_threshold: float = param(
        -0.15, -2, 2, "standing",
        "below it the regime downgrades a present partner (suspends agreements, expels envoys, "
        "restricts overflights)", prior=(-0.3, 0.0))
    expel_threshold: float = param(
        -0.3, -2, 2, "standing", "below it a military regime asks a downgraded partner to leave",
        prior=(-0.5, -0.15))
    end_agreement_months: int = param(
        6, 1, 120, "months",
        "an elected government ends an agreement only after the partner's standing stayed below "
        "expel_threshold this long", prior=(3, 12))
    notice_months: int = param(
        12, 1, 120, "months", "an ended agreement's partner leaves over this notice",
        prior=(6, 24))
    end_agreement_legitimacy_cost: float = param(
        0.05, 0, 1, "legitimacy", "what ending an agreement costs an elected government",
        prior=(0.0, 0.1))
    downgrade_effect: float = param(
        0.3, 0, 1, "share of effectiveness",
        "a downgraded partner's forces lose this share of their effect (restricted overflights)",
        prior=(0.1, 0.5))
    invitation_months: int = param(
        12, 1, 120, "months", "an invitation stays open this long", prior=(6, 24))
    leverage_weight: float = param(
        0.5, 0, 10, "",
        "the Western leverage a regime feels against inviting a power the West opposes: "
        "sum of leverage over its Western partners x opposed_by_west (Burkina Faso 2018, Mali "
        "2019: cooperation agreements with Russia, no deployment while French forces stayed)",
        prior=(0.2, 1.0), source="pre2020-politics section 6c")
    cooperate_threshold: float = param(
        0.1, -2, 2, "standing",
        "at or above it a regime signs a military-cooperation agreement with an absent power "
        "(training, equipment; no forces)", prior=(0.0, 0.3))
    concession_discount: float = param(
        0.5, 0, 1, "share",
        "a regime feels payment in concessions at (1 - this) of its value: rights to rents it "
        "may not hold (CAR 2018, Sudan 2017: mining rights)",
        prior=(0.0, 1.0), source="pre2020-politics section 6a")
    strategists_weight: float = param(
        0.1, 0, 1, "standing per unit of log10(1 + USD / strategists_scale_usd)",
        "political strategists and candidate funding raise the ruling elite's standing of the "
        "power that pays them (Madagascar 2018)", prior=(0.0, 0.3),
        source="pre2020-politics section 6a")
    strategists_scale_usd: float = param(
        5e4, 1, None, "USD/month", "scale of political strategists' spending",
        prior=(1e4, 2e5))


@dataclass
class ParamsConfig:
    groups: GroupProcessParams = field(default_factory=GroupProcessParams)
    combat: CombatParams = field(default_factory=CombatParams)
    hosts: HostProcessParams = field(default_factory=HostProcessParams)
    influence: InfluenceParams = field(default_factory=InfluenceParams)
    resources: ResourceParams = field(default_factory=ResourceParams)
    militias: MilitiaParams = field(default_factory=MilitiaParams)
    coups: CoupParams = field(default_factory=CoupParams)
    sanctions: SanctionsParams = field(default_factory=SanctionsParams)
    partners: PartnerParams = field(default_factory=PartnerParams)


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
        5e8, 0, None, "USD", "cumulative own net cost above which it leaves",
        prior=(1e8, 3e9))
    max_personnel: float = param(2500.0, 0, None, "persons per state", prior=(500.0, 5000.0))
    info_ops_usd: float = param(
        200_000.0, 0, None, "USD/month", "information operations where it enters or stays")
    campaign_info_ops_usd: float = param(
        50_000.0, 0, None, "USD/month",
        "information operations in every state of interest where it is not present (Facebook, "
        "Oct 2019: Prigozhin networks in eight African states, most without Russian forces)",
        prior=(0.0, 2e5), source="pre2020-politics section 11b")
    strategists_usd: float = param(
        60_000.0, 0, None, "USD/month",
        "political strategists and candidate funding in every state of interest where it is "
        "not present (Madagascar 2018: 15-20 strategists, at least six candidates funded)",
        prior=(0.0, 1.5e5), source="pre2020-politics section 6a")


@dataclass
class CostBenefitParams:
    threshold: float = param(
        0.5, 0, None, "influence points per USD 10m of own net cost",
        "enter only where the expected gain passes it")
    horizon_months: int = param(24, 1, 600, "months", "over which gain and cost are compared")
    footprint_fraction: float = param(0.5, 0, 10, "share of the vacuum")
    max_personnel: float = param(2500.0, 0, None, "persons per state", prior=(500.0, 5000.0))


@dataclass
class RivalryParams:
    match_ratio: float = param(1.0, 0, 10, "", "commitment per unit of a rival's gain")
    personnel_per_point: float = param(
        50.0, 0, None, "persons per influence point", "a point = 0.01 influence share")
    max_personnel: float = param(2500.0, 0, None, "persons per state", prior=(500.0, 5000.0))


@dataclass
class RulesConfig:
    """Vacuum-filling rule per power (docs/ODD.md section 7.5.2) and each rule's parameters."""

    vacuum: dict[str, str] = field(default_factory=dict)
    default_vacuum: str = "none"
    exit_drawdown_share: float = param(
        0.25, 0, 1, "share of personnel",
        "a drawdown of at least this share in a state counts as leaving it (opens rivals' windows)")
    casualty_cooldown_months: int = param(
        24, 0, 600, "months",
        "a power that left a state over casualties (or a hostile host) stays out this long")
    invited_personnel: float = param(
        200.0, 0, None, "persons",
        "the least a power whose rule answers invitations sends where it is invited (pre-2020 "
        "Russian entries: CAR 2018 175 instructors, Mozambique 2019 160-203 men)",
        prior=(100.0, 1000.0), source="pre2020-politics section 6a")
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
    endogenous_expulsion: bool = False  # the simple rule: receptivity below expel_threshold
    endogenous_coups: bool = False  # coup attempts from the hazard of params.coups
    endogenous_sanctions: bool = False  # regional suspension and sanctions after a coup
    endogenous_partner_choice: bool = False  # hosts invite, downgrade, expel, end agreements
    endogenous_withdrawal: bool = param(
        True, doc="powers leave a state when their casualties pass their tolerance")
    protected: list[str] = field(default_factory=list)
    west_withdrawal_share: float = param(
        0.0, 0, 1, "share of personnel",
        "at west_withdrawal_date, every Western power cuts its forces in the AES states by this share")
    west_withdrawal_date: str = "2022-02"
    west_withdrawal_months: int = param(6, 1, 60, "months", "over which that cut is made")


#: The cost bases of the verdict (docs/ODD.md section 8), each counting more than the one before:
#: ``cash`` (what a bloc's treasury paid: its outlays net of the hosts' cash and concessions, arms
#: given not counted), ``outlays`` (cash + arms given in kind), ``full`` (+ its casualties valued
#: + non-cash costs).
COST_BASES = ("cash", "outlays", "full")
#: The first version's verdict and its numbers (docs/ODD.md section 8.3), kept under
#: ``first_version`` in a run's summary (:mod:`sim.metrics`; :mod:`sim.analysis.load` reads old
#: sweeps' rows by them).
FIRST_VERSION = ("verdict", "hypothesis", "win", "cheap", "phi", "russia_largest_partner_in",
                 "cheap_win_index", "largest_partner_at_end")
#: The security-lead margins every run reports its lead months for (``by_state.<state>.
#: lead_months_by_margin``), so that the verdict can be read again at other margins from the
#: sweep's rows alone (:func:`sim.analysis.verdict_surface`): name -> (kind, margin). ``abs``:
#: russia's security share exceeds the West's by the margin; ``rel``: by the margin times its own.
MARGIN_GRID = {"abs_0": ("absolute", 0.0), "abs_0.01": ("absolute", 0.01),
               "abs_0.02": ("absolute", 0.02), "abs_0.05": ("absolute", 0.05),
               "abs_0.1": ("absolute", 0.1), "rel_0.1": ("relative", 0.1),
               "rel_0.25": ("relative", 0.25), "rel_0.5": ("relative", 0.5)}


@dataclass
class MetricsConfig:
    """The hypothesis as numbers (docs/ODD.md section 8)."""

    k: int = param(2, 1, 3, "AES states",
                   "win: russia leads (the first version: is the largest partner) in at least k")
    phi: float = param(0.1, 0, None, "share",
                       "the first version's cheap: russia's own net cost <= phi x west's")
    horizon_start: str = ""
    horizon_end: str = ""
    twin: bool = True  # also run the twin world without the Western exit (the vacuum premium)
    premium_margin: float = param(
        0.02, 0, 1, "influence share",
        "the vacuum premium must exceed it for a win to count as caused by the vacuum")
    security_margin: float = param(
        0.02, 0, 1, "security share",
        "security win: russia's share of a host's security capacity exceeds the West's (as a "
        "bloc) by at least this much: an absolute share, or with security_margin_kind "
        "relative, a share of russia's own share")
    security_margin_kind: str = "absolute"  # absolute | relative (of russia's share)
    security_months: int = param(
        12, 1, 600, "months",
        "security win: russia leads a host's security this many consecutive months up to the "
        "end of the horizon")
    cheap_cost_ratio: float = param(
        0.1, 0, None, "ratio",
        "cheap: russia's cost per security point, on cost_basis, is at most this times the "
        "West's (\"basically almost nothing\")")
    cost_basis: str = "cash"  # cash | outlays (cash + arms in kind) | full (+ casualties, non-cash)
    un_share_russia: float = param(
        0.03049, 0, 1, "share of a UN mission's cost",
        "Russia's UN peacekeeping assessment, 2019-2021 scale (grade L-M): reported beside the "
        "books (a UN mission is a third party: its costs and points are in neither bloc's)",
        source="pre2020-politics section 5a")
    un_share_west: float = param(
        0.45382, 0, 1, "share of a UN mission's cost",
        "the Western members' UN peacekeeping assessments, 2019-2021 scale: USA 27.89% + France "
        "5.612% + UK 5.79% + Germany 6.09% (grades H, L, L, L; US law caps its payment at 25%): "
        "reported beside the books",
        source="derived: pre2020-politics section 5a")
    non_cash_usd_per_person_month: float = param(
        0.0, 0, None, "USD per person-month deployed in the AES",
        "[A] non-cash cost of a bloc's presence (reputation, sanctions), scaled by the personnel "
        "that cause it, alike for both blocs; no pre-2020 figure, so 0 by default (full basis "
        "only)", prior=(0.0, 2000.0))


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
