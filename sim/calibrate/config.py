"""The ``sahel-sim-calibrate`` command's settings (``configs/calibrate.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config import ConfigError

__all__ = ["CalibrateConfig", "check_calibrate", "register_calibrate_schema"]


def _default_targets() -> list[str]:
    from sim.calibrate.targets import PRE_2020

    return list(PRE_2020)


@dataclass
class CalibrateConfig:
    """How a calibration runs (docs/ODD.md section 11.9).

    Attributes:
        priors: the experiment whose assumptions are calibrated (a name in
            ``configs/experiment/`` or a YAML file): its base (scenario) and its parameters
            (the sections whose priors it samples, ``sample_priors``, and any ranged parameter);
            default ``plausible_worlds``. (Not ``experiment``: that name is the sweep's config
            group, which Hydra would read as a group choice.)
        targets: the targets the distance is made of (default: the ones dated before 2020,
            :data:`sim.calibrate.targets.PRE_2020`).
        budget: the most simulations (worlds simulated, each its politics hindcast and its
            scenario's first years); the calibration stops before a generation that is not
            expected to fit (:func:`sim.calibrate.run.expected_simulations`). A small budget
            shrinks the population to half of what the screening leaves.
        population: particles (worlds) per generation of ABC-SMC.
        scaling: the width of pyABC's multivariate normal transition, in multiples of its
            Silverman bandwidth (1.5: wider, so that importance weights stay even: the
            effective sample size of 10 dimensions stays near 40% of the population).
        quantile: each generation's tolerance: this quantile of the last population's weighted
            distances (pyABC's QuantileEpsilon; 0.5: the median).
        generations: the most generations (the prior's included).
        min_acceptance: stop when a generation accepts fewer than this share of its proposals.
        min_epsilon: stop when the tolerance reaches this distance.
        seed: the calibration's seed (pyABC's random state and every world's seed).
        screen: worlds drawn from the prior to screen the assumptions (0: no screening, every
            assumption is calibrated): each target's distance against each assumption, by
            SALib's PAWN index (:func:`sim.calibrate.run.screen`).
        dimensions: the assumptions calibrated by ABC-SMC after screening, those with the
            largest PAWN index on some target; the others are drawn from their prior in each
            simulated world (nuisance values, recorded with it).
        ppc: worlds drawn from the posterior (and as many from the prior) for the predictive
            check, each simulated once on a new seed.
        ppc_coups: of those, how many are scored on the coup hazard K1 (long runs; at most
            ``ppc``).
        backend: ``local`` (a process pool) or ``dask``.
        scheduler: the Dask scheduler's address; empty with ``dask``: a local Dask cluster.
        n_workers: worker processes (default: all cores).
        chunk: the most worlds sent to a worker at once (one batch of the engine; the
            proposals of a call are cut into chunks of one size, as for a sweep).
        progress: show the progress of each generation.
        politics_rules: power -> rule in the politics hindcasts where the scenario has none.
    """

    priors: str = "plausible_worlds"
    targets: list[str] = field(default_factory=_default_targets)
    budget: int = 60_000
    population: int = 2000
    quantile: float = 0.5
    scaling: float = 1.5
    generations: int = 30
    min_acceptance: float = 0.01
    min_epsilon: float = 0.0
    seed: int = 2026
    screen: int = 2000
    dimensions: int = 10
    ppc: int = 200
    ppc_coups: int = 10
    backend: str = "local"
    scheduler: str = ""
    n_workers: int | None = None
    chunk: int = 128
    progress: bool = True
    politics_rules: dict[str, str] = field(default_factory=lambda: {"russia": "opportunistic"})


def _whole(name: str, value: object, lo: int, hi: int | None = None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= lo and (
        hi is None or value <= hi)
    if not ok:
        allowed = f"a whole number from {lo}" + (f" to {hi}" if hi is not None else " up")
        raise ConfigError(f"{name}={value!r} is invalid; allowed: {allowed}")


def check_calibrate(cfg: CalibrateConfig) -> None:
    """Check every setting before anything runs.

    Raises:
        ConfigError: naming the setting, the value and what is allowed.
    """
    from sim.calibrate.targets import CALIBRATION_TARGETS
    from sim.config import check_name
    from sim.sweep.executors import check_options

    if not cfg.targets:
        raise ConfigError(f"targets=[] is invalid; allowed: a list of {', '.join(CALIBRATION_TARGETS)}")
    for t in cfg.targets:
        check_name("targets", t, CALIBRATION_TARGETS)
    if len(set(cfg.targets)) != len(cfg.targets):
        raise ConfigError(f"targets={list(cfg.targets)} names a target twice; allowed: each once")
    _whole("population", cfg.population, 10)
    _whole("budget", cfg.budget, 40)
    _whole("generations", cfg.generations, 1)
    _whole("seed", cfg.seed, 0, 2**32 - 1)
    _whole("ppc", cfg.ppc, 0)
    _whole("screen", cfg.screen, 0)
    if cfg.screen and cfg.screen < 100:
        raise ConfigError(f"screen={cfg.screen!r} is invalid; allowed: 0 (no screening) or "
                          "100 and more")
    _whole("dimensions", cfg.dimensions, 1)
    _whole("ppc_coups", cfg.ppc_coups, 0)
    _whole("chunk", cfg.chunk, 1, 4096)
    if not 0.0 < cfg.scaling <= 10.0:
        raise ConfigError(f"scaling={cfg.scaling!r} is invalid; allowed: 0 < scaling <= 10")
    if not 0.0 < cfg.quantile < 1.0:
        raise ConfigError(f"quantile={cfg.quantile!r} is invalid; allowed: 0 < quantile < 1")
    if not 0.0 <= cfg.min_acceptance < 1.0:
        raise ConfigError(f"min_acceptance={cfg.min_acceptance!r} is invalid; allowed: 0 to 1 "
                          "(1 excluded)")
    if not cfg.min_epsilon >= 0.0:
        raise ConfigError(f"min_epsilon={cfg.min_epsilon!r} is invalid; allowed: 0 or more")
    check_options(cfg.backend, scheduler=cfg.scheduler, n_workers=cfg.n_workers)


def register_calibrate_schema() -> None:
    """Register :class:`CalibrateConfig` in Hydra's ConfigStore as ``calibrate_schema``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="calibrate_schema", node=CalibrateConfig)
