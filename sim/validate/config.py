"""The validation command's configuration: a run configuration plus the replicate settings.

:class:`ValidateConfig` extends :class:`sim.config.RunConfig` (the scenario being scored, its
world, rules and parameters) with the number of replicates, the hindcast window and the number
of worker processes. It is registered in Hydra's ConfigStore as ``validate_schema`` and composed by
``configs/validate.yaml``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

from sim.config import ConfigError, RunConfig, param, parse_month
from sim.engine.prepare import prepare
from sim.engine.seeds import replicate_seeds

__all__ = [
    "HINDCAST_END",
    "HINDCAST_START",
    "VALIDATE_FIELDS",
    "ValidateConfig",
    "hindcast_config",
    "hindcast_of",
    "register_validate_schema",
    "replicate_seeds",
    "scenario_config",
    "validate_config",
]


#: The hindcast window of calibration-patterns.md: C1, C2 and C4 need runs from 2017-01.
HINDCAST_START, HINDCAST_END = "2017-01", "2019-12"


@dataclass
class ValidateConfig(RunConfig):
    """A run configuration with the validation settings (calibration-patterns.md).

    Attributes:
        replicates: replicates of the scenario run and of the hindcast run (different seeds).
        hindcast_start: start of the hindcast runs (C1, C2, C4 need a 2017-01 start).
        hindcast_end: end of the hindcast runs.
        n_jobs: worker processes (joblib); 1 runs in this process, -1 uses every core.
    """

    replicates: int = param(20, 1, 100_000, "replicates", "runs of the scenario and of the hindcast")
    hindcast_start: str = param(HINDCAST_START, doc="start (YYYY-MM) of the hindcast runs")
    hindcast_end: str = param(HINDCAST_END, doc="end (YYYY-MM) of the hindcast runs")
    n_jobs: int = param(1, -1, 1024, "processes", "worker processes; -1 = every core (0 is invalid)")


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


def validate_config(cfg: ValidateConfig) -> ValidateConfig:
    """Check the scenario's configuration, the validation settings and the hindcast run.

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
    return cfg
