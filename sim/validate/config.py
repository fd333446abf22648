"""The validation command's configuration: a run configuration plus the replicate settings.

:class:`ValidateConfig` extends :class:`sim.config.RunConfig` (the scenario being scored, its
world, rules and parameters) with the number of replicates, the hindcast window, the number of
worker processes and the rules of the politics hindcasts (:func:`politics_hindcast_config`). It is
registered in Hydra's ConfigStore as ``validate_schema`` and composed by ``configs/validate.yaml``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from sim.config import ConfigError, RunConfig, param, parse_month
from sim.engine.prepare import prepare
from sim.engine.seeds import replicate_seeds

__all__ = [
    "HINDCAST_END",
    "HINDCAST_START",
    "POLITICS_RULES",
    "POLITICS_SWITCHES",
    "VALIDATE_FIELDS",
    "ValidateConfig",
    "hindcast_config",
    "hindcast_of",
    "politics_hindcast_config",
    "politics_hindcast_of",
    "register_validate_schema",
    "replicate_seeds",
    "scenario_config",
    "validate_config",
]


#: The hindcast window of calibration-patterns.md: C1, C2 and C4 need runs from 2017-01.
HINDCAST_START, HINDCAST_END = "2017-01", "2019-12"
#: The default rules of the politics hindcasts (:attr:`ValidateConfig.politics_rules`).
POLITICS_RULES: dict[str, str] = {"russia": "opportunistic"}
#: The host and power mechanisms switched on (True) or off (False) in the politics hindcasts.
POLITICS_SWITCHES: dict[str, bool] = {
    "endogenous_coups": True,
    "endogenous_sanctions": True,
    "endogenous_partner_choice": True,
    "endogenous_withdrawal": True,
    "endogenous_expulsion": False,
}


@dataclass
class ValidateConfig(RunConfig):
    """A run configuration with the validation settings (calibration-patterns.md).

    Attributes:
        replicates: replicates of the scenario run and of the hindcast run (different seeds).
        hindcast_start: start of the hindcast runs (C1, C2, C4 need a 2017-01 start).
        hindcast_end: end of the hindcast runs.
        n_jobs: worker processes (joblib); 1 runs in this process, -1 uses every core.
        politics_rules: power id -> vacuum rule, for the politics hindcasts on which the pre-2020
            political targets P1-P6 are scored (:func:`politics_hindcast_config`): a power the
            scenario gives no rule (``none`` or none at all) gets this one there; a power the
            scenario gives a rule keeps it. Default ``{russia: opportunistic}``; ``none`` as the
            value leaves the power as the scenario has it. The scenario's own runs, its hindcast
            and C1-C10 are not affected.
    """

    replicates: int = param(20, 1, 100_000, "replicates", "runs of the scenario and of the hindcast")
    hindcast_start: str = param(HINDCAST_START, doc="start (YYYY-MM) of the hindcast runs")
    hindcast_end: str = param(HINDCAST_END, doc="end (YYYY-MM) of the hindcast runs")
    n_jobs: int = param(1, -1, 1024, "processes", "worker processes; -1 = every core (0 is invalid)")
    politics_rules: dict[str, str] = field(
        default_factory=lambda: dict(POLITICS_RULES),
        metadata={"doc": "power -> vacuum rule in the politics hindcasts (P1-P6) where the "
                         "scenario gives the power none"})


#: The fields ValidateConfig adds to RunConfig (command-line overrides of the validation itself).
VALIDATE_FIELDS = tuple(f.name for f in dataclasses.fields(ValidateConfig)
                        if f.name not in {g.name for g in dataclasses.fields(RunConfig)})


def register_validate_schema() -> None:
    """Register :class:`ValidateConfig` in Hydra's ConfigStore as ``validate_schema``."""
    from hydra.core.config_store import ConfigStore

    from sim.config import register_configs

    register_configs()
    ConfigStore.instance().store(name="validate_schema", node=ValidateConfig)


def scenario_config(cfg: ValidateConfig) -> RunConfig:
    """The plain run configuration of the scenario being scored (a copy without the settings)."""
    return RunConfig(**{f.name: copy.deepcopy(getattr(cfg, f.name))
                        for f in dataclasses.fields(RunConfig)})


def hindcast_config(cfg: ValidateConfig) -> RunConfig:
    """The hindcast run: the same scenario, world, rules and parameters from ``hindcast_start`` to
    ``hindcast_end`` (:func:`hindcast_of`)."""
    return hindcast_of(scenario_config(cfg), cfg.hindcast_start, cfg.hindcast_end)


def hindcast_of(cfg: RunConfig, start: str = HINDCAST_START,
                end: str = HINDCAST_END) -> RunConfig:
    """The hindcast of a run: the same scenario, world, rules, parameters and seed from ``start``
    to ``end`` (scenario events outside that window are not applied; the world's snapshot on or
    before the start gives the initial state). The metrics horizon is cleared and no twin is run:
    the hindcast is scored by the patterns only."""
    return dataclasses.replace(
        cfg, start=start, end=end,
        metrics=dataclasses.replace(cfg.metrics, horizon_start="", horizon_end="", twin=False))


def politics_hindcast_config(cfg: ValidateConfig) -> RunConfig:
    """The politics hindcast: :func:`hindcast_config` with the host politics endogenous, on
    which the pre-2020 political targets P1-P6 (:mod:`sim.validate.politics`) are scored.

    Before 2020 no scenario schedules anything: every scenario's first dated event is in 2020
    or later, so its hindcast (2017-01 .. 2019-12 by default) is the 2017 world left to itself.
    The record of those years (who signed what, who deployed, who protested, who stayed) is then
    what the host and power mechanisms must reproduce, and they must be on for that:
    ``scenario.endogenous_coups``, ``endogenous_sanctions``, ``endogenous_partner_choice`` (hosts
    invite, sign cooperation agreements, downgrade, expel, end agreements) and
    ``endogenous_withdrawal`` are set True whatever the scenario says, and
    ``endogenous_expulsion`` (the simple receptivity-threshold rule, which partner choice
    replaces) False (:data:`POLITICS_SWITCHES`).

    Each power named in ``cfg.politics_rules`` whose rule in the scenario is ``none`` (in
    ``rules.vacuum``, or ``rules.default_vacuum`` when the power is not listed) gets the rule
    named there; a scenario that gives the power a rule keeps it. The default gives Russia the
    ``opportunistic`` rule (cheap wins: enter where the vacuum is large and the host willing):
    with no rule Russia could never deploy, and "no Russian deployment in the Sahel in 2019" (P4)
    would pass by construction; the cheap-win strategy is the hardest test of it. Everything else
    (world, parameters, seed, window) is the hindcast's.
    """
    return politics_hindcast_of(scenario_config(cfg), cfg.politics_rules, cfg.hindcast_start,
                                cfg.hindcast_end)


def politics_hindcast_of(cfg: RunConfig, politics_rules: Mapping[str, str] = POLITICS_RULES,
                         start: str = HINDCAST_START, end: str = HINDCAST_END) -> RunConfig:
    """The politics hindcast of a run config (:func:`politics_hindcast_config` of any run, as
    the calibration builds it for every sampled world): its :func:`hindcast_of` with
    :data:`POLITICS_SWITCHES` set and ``politics_rules`` given to the powers the scenario gives
    no rule."""
    h = hindcast_of(cfg, start, end)
    vacuum = dict(h.rules.vacuum)
    for power, rule in politics_rules.items():
        if vacuum.get(power, h.rules.default_vacuum) == "none":
            vacuum[power] = rule
    return dataclasses.replace(
        h, scenario=dataclasses.replace(h.scenario, **POLITICS_SWITCHES),
        rules=dataclasses.replace(h.rules, vacuum=vacuum))


def _check_politics_rules(cfg: ValidateConfig) -> None:
    """Every power of ``politics_rules`` is one of the world's, every rule a registered one."""
    from sim.config import check_name
    from sim.rules import registry

    if not isinstance(cfg.politics_rules, dict):
        raise ConfigError(f"politics_rules={cfg.politics_rules!r} is invalid; allowed: a mapping "
                          "of power ids to vacuum rules, e.g. {russia: opportunistic}")
    powers = list(prepare(cfg).world.powers)  # a synthetic world's, once generated
    rules = registry.names()  # prepare() has imported rules.plugins
    for power, rule in cfg.politics_rules.items():
        check_name("politics_rules key (power id)", power, powers)
        check_name(f"politics_rules.{power}", rule, rules)


def validate_config(cfg: ValidateConfig) -> ValidateConfig:
    """Check the scenario's configuration, the validation settings, the hindcast run, the
    politics rules (their powers and rule names) and the politics hindcast.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    prepare(cfg)
    if cfg.n_jobs == 0:
        raise ConfigError("n_jobs=0 is invalid; allowed: a number of processes >= 1, or -1 for "
                          "every core")
    start = parse_month(cfg.hindcast_start, "hindcast_start")
    end = parse_month(cfg.hindcast_end, "hindcast_end")
    if end < start:
        raise ConfigError(f"hindcast_end={cfg.hindcast_end!r} is before hindcast_start="
                          f"{cfg.hindcast_start!r}; allowed: hindcast_end >= hindcast_start")
    try:
        prepare(hindcast_config(cfg))
    except ConfigError as exc:
        msg = str(exc).replace("start=", "hindcast_start=", 1) if str(exc).startswith(
            "start=") else f"the hindcast run ({cfg.hindcast_start}..{cfg.hindcast_end}): {exc}"
        raise ConfigError(msg) from exc
    _check_politics_rules(cfg)
    try:
        prepare(politics_hindcast_config(cfg))
    except ConfigError as exc:
        raise ConfigError(f"the politics hindcast ({cfg.hindcast_start}..{cfg.hindcast_end}, "
                          f"politics_rules={dict(cfg.politics_rules)}): {exc}") from exc
    return cfg
