"""The experiment schema: what a sweep runs, as typed data (``configs/experiment/<name>.yaml``).

An experiment names the question it answers, the base configuration (Hydra overrides of the
default run), optionally several scenarios to pair on common random numbers, the parameters it
varies (levels or a range each), the design that samples them, the number of replicates and the
root seed. ``sahel-sim-sweep`` composes ``configs/sweep.yaml`` (schema :class:`SweepConfig`), whose
``experiment`` group holds one of these files; :func:`load_experiment` reads one from Python.

Parameters are set on a copy of the run's typed config (:class:`sim.config.RunConfig`) by dotted
path, e.g. ``params.resources.host_can_pay``, ``world.groups.jnim.recruit_rate`` or
``rules.vacuum.russia``; a ``*`` matches every key of a mapping
(``world.groups.*.recruit_rate``), and ``scale: true`` multiplies the base value instead of
replacing it (an insurgency 1.5 times as strong as the calibrated one).

With ``posterior`` set (a ``posterior.parquet`` written by ``sahel-sim-calibrate``), the design
draws its worlds from that posterior's particles, by their weights, instead of sampling the
parameters' ranges (:func:`sim.sweep.designs.build_design`); the file's content hash enters the
experiment's hash (:func:`experiment_hash`), so that a sweep folder is never resumed with another
posterior.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sim.config import ConfigError

__all__ = [
    "BACKENDS",
    "DESIGNS",
    "KEY_COLUMNS",
    "ExperimentConfig",
    "ParameterSpec",
    "SweepConfig",
    "experiment_from_dict",
    "experiment_hash",
    "load_experiment",
    "posterior_sha256",
    "register_sweep_configs",
    "validate_experiment",
    "with_priors",
]

#: Designs an experiment can use (samplers from SALib; the full factorial is a product of levels).
DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
#: Executors a sweep can run on.
BACKENDS = ("local", "dask")
#: Columns every result row starts with (no parameter may take one of these names).
KEY_COLUMNS = ("run_id", "pair_id", "point", "replicate", "scenario", "seed", "status", "error",
               "duration_s")


@dataclass
class ParameterSpec:
    """One varied parameter: discrete ``levels`` or a continuous ``range`` [lo, hi].

    Attributes:
        levels: the values to take (numbers, strings such as rule names, or lists); every design
            can use them (the samplers pick a level index uniformly).
        range: ``[lo, hi]``; the full factorial needs ``int: true`` to enumerate it.
        int: round sampled values down to whole numbers, ``hi`` included.
        paths: config paths the value is set at; default: the parameter's name.
        scale: multiply the base config's value at each path instead of replacing it.
    """

    levels: list[Any] | None = None
    range: list[float] | None = None
    int: bool = False
    paths: list[str] = field(default_factory=list)
    scale: bool = False


@dataclass
class ExperimentConfig:
    """An experiment: design over named parameters, replicates, seeds, scenarios.

    Attributes:
        name: the experiment's name (also the default sweep folder's prefix).
        question: the question the experiment answers, in a sentence.
        base: Hydra overrides of the default run applied to every run (``scenario=endogenous``,
            ``end=2023-12``).
        scenarios: run every design point under each of these scenarios on the same seeds
            (paired counterfactuals); empty: the base scenario only.
        parameters: parameter name -> :class:`ParameterSpec`.
        design: one of :data:`DESIGNS`.
        samples: N of the Latin hypercube (N points), Sobol/Saltelli (N x (D + 2) points, or
            N x (2D + 2) with ``second_order``) and Morris (N trajectories of D + 1 points); with
            a ``posterior``, the N worlds drawn from it.
        second_order: Sobol: also sample for second-order indices.
        morris_levels: Morris: number of grid levels.
        replicates: R runs per design point and scenario, replicate r with the r-th seed.
        seed: root of the replicate seeds (numpy SeedSequence) and of the samplers.
        monthly: ``table.column`` series to keep per run (e.g. ``presence.influence``).
        monthly_every: keep every this many months (and the last month).
        sample_priors: sections of the run configuration (``params``, ``rules``, ``metrics``,
            ``scenario``, ``world``) whose every assumption (a schema field with a prior, or an
            entry of the world's ``priors`` or ``value_priors``) becomes a parameter of the
            design, sampled over its prior range (see :func:`with_priors`); the verdict's own
            choices (``metrics.k``, ``security_margin``, ``security_months``, ``cost_basis``,
            ``cheap_cost_ratio``) have no prior: they are the analyst's, never sampled.
        calibrate: calibration patterns (``C1`` .. ``C10``) scored on every run, with a hindcast
            run of the same config and seed (2017-01 to 2019-12): result columns
            ``calibration.<id>`` (1 passed, 0 failed, empty when not measurable) and
            ``calibration.passed``; the filter of plausible worlds reads them
            (:func:`sim.analysis.stats.plausible`).
        historical_replay: when above 0, the sweep also runs the one world we know happened,
            the historical replay, on this many seeds, and writes its verdict into the folder
            (:mod:`sim.sweep.historical`), which the report prints beside the sweep's.
        posterior: a ``posterior.parquet`` written by ``sahel-sim-calibrate`` (one row per
            particle: a column per parameter, named as the parameter, and ``weight``); empty:
            the parameters are sampled over their ranges (the priors) by ``design``. When set,
            the design is ``samples`` points, each a row of the file drawn with probability
            proportional to its weight, with replacement, by ``numpy.random.default_rng(seed)``
            (:func:`sim.sweep.designs.build_design`), whatever ``design`` says (except
            ``sobol`` and ``morris``, whose analyses need their own sample: refused). Every
            parameter needs a range (no ``levels``) and a column of the file, each value inside
            its range; the file's other columns are ignored. A relative path is read from the
            current folder; the file's content hash is part of :func:`experiment_hash`.
    """

    name: str = "experiment"
    question: str = ""
    base: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    design: str = "full_factorial"
    samples: int = 0
    second_order: bool = False
    morris_levels: int = 4
    replicates: int = 1
    seed: int = 0
    monthly: list[str] = field(default_factory=list)
    monthly_every: int = 12
    sample_priors: list[str] = field(default_factory=list)
    calibrate: list[str] = field(default_factory=list)
    historical_replay: int = 0
    posterior: str = ""


@dataclass
class SweepConfig:
    """The ``sahel-sim-sweep`` command's config (``configs/sweep.yaml``).

    Attributes:
        experiment: the experiment (config group ``experiment``).
        replicates: overrides ``experiment.replicates`` when given.
        backend: ``local`` (a process pool on this machine) or ``dask``.
        scheduler: the Dask scheduler's address (``tcp://host:port``); empty with
            ``backend=dask``: a local Dask cluster of ``n_workers`` processes.
        n_workers: worker processes (local pool or local Dask cluster); default all cores.
        chunksize: runs sent to a worker at once; default: chosen from the sweep's size.
        batch_rows: runs per Parquet part once the per-chunk parts are merged.
        progress: show a progress bar.
    """

    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    replicates: int | None = None
    backend: str = "local"
    scheduler: str = ""
    n_workers: int | None = None
    chunksize: int | None = None
    batch_rows: int = 500
    progress: bool = True


def register_sweep_configs() -> None:
    """Register the sweep schema (experiment included) in Hydra's ConfigStore."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="sweep_schema", node=SweepConfig)


def experiment_from_dict(data: dict[str, Any]) -> ExperimentConfig:
    """Build a typed :class:`ExperimentConfig` from plain data (YAML or a manifest).

    Raises:
        ConfigError: an unknown key or a value of the wrong type, named.
    """
    from omegaconf import OmegaConf

    try:
        merged = OmegaConf.merge(OmegaConf.structured(ExperimentConfig), data)
        return OmegaConf.to_object(merged)  # type: ignore[return-value]
    except Exception as exc:
        raise ConfigError(f"experiment: {str(exc).splitlines()[0]}") from exc


def load_experiment(name_or_path: str) -> ExperimentConfig:
    """Read an experiment by name (``configs/experiment/<name>.yaml``) or from a YAML file.

    Raises:
        ConfigError: the file is missing or does not fit the schema.
    """
    from pathlib import Path

    import yaml

    from sim.config import config_dir, group_options, suggest

    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = config_dir() / "experiment" / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ConfigError(f"experiment={name_or_path!r} is unknown; "
                              + suggest(name_or_path, group_options("experiment")))
    data = yaml.safe_load(path.read_text()) or {}
    data.pop("defaults", None)
    return experiment_from_dict(data)


def _plain(x: Any) -> Any:
    return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x


@functools.lru_cache(maxsize=16)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def posterior_sha256(path: str) -> str:
    """SHA-256 (64 hex) of the bytes of a posterior file (``experiment.posterior``).

    Raises:
        ConfigError: the file cannot be read, naming ``experiment.posterior`` and the path.
    """
    from pathlib import Path

    p = Path(path).expanduser()
    try:
        st = p.stat()
        if not p.is_file():
            raise IsADirectoryError(str(p))
        return _file_sha256(str(p.resolve()), st.st_mtime_ns, st.st_size)
    except OSError as exc:
        raise ConfigError(f"experiment.posterior={path!r} cannot be read ({type(exc).__name__}); "
                          "allowed: the path of a posterior.parquet written by "
                          "sahel-sim-calibrate, or empty (the priors)") from exc


def experiment_hash(exp: ExperimentConfig) -> str:
    """SHA-256 (16 hex) of everything that fixes the design and the runs, except ``replicates``
    (a sweep may be extended by more replicates: replicate r keeps its seed). A ``posterior``
    enters by the SHA-256 of its file's bytes (:func:`posterior_sha256`), not by its path: the
    same file moved keeps the hash, another file at the same path changes it; without one the
    hash is the one of an experiment that has no such field.

    Raises:
        ConfigError: the posterior file cannot be read.
    """
    data = _plain(exp)
    data.pop("replicates", None)
    data.pop("question", None)
    posterior = data.pop("posterior", "")
    if posterior:
        data["posterior_sha256"] = posterior_sha256(posterior)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def with_priors(exp: ExperimentConfig, base: Any = None) -> ExperimentConfig:
    """``exp`` with a parameter for every assumption of the sections in ``sample_priors``: a range
    over its prior (``int`` for whole-number fields), set at its own path, unless the experiment
    already names that parameter. The section ``world`` takes the priors of the base run config's
    world (``base.world.priors``: factors on the values a path names, ``scale: true``).
    Idempotent.

    Raises:
        ConfigError: an unknown section, or ``world`` without a base config.
    """
    if not exp.sample_priors:
        return exp
    from sim.config import check_name
    from sim.config.priors import SECTIONS, priors, world_priors

    for section in exp.sample_priors:
        check_name("experiment.sample_priors", section, SECTIONS)
    found = priors(tuple(s for s in exp.sample_priors if s != "world"))
    if "world" in exp.sample_priors:
        if base is None:
            raise ConfigError("experiment.sample_priors=['world'] needs the base run config "
                              "(with_priors(exp, base))")
        found += world_priors(base.world)
    parameters = dict(exp.parameters)
    for p in found:
        parameters.setdefault(p.path, ParameterSpec(range=[p.lo, p.hi], int=p.integer,
                                                    paths=[p.path], scale=p.scale))
    return dataclasses.replace(exp, parameters=parameters)


def validate_experiment(exp: ExperimentConfig) -> None:
    """Check an experiment's own fields (parameter paths are checked against a composed config
    by :func:`sim.sweep.params.check_paths`).

    Raises:
        ConfigError: naming the field, the value and what is allowed.
    """
    from sim.config import check_name

    check_name("experiment.design", exp.design, DESIGNS)
    if exp.replicates < 1:
        raise ConfigError(f"replicates={exp.replicates!r} is invalid; allowed: an integer >= 1")
    if not 0 <= exp.seed < 2**63:
        raise ConfigError(f"experiment.seed={exp.seed!r} is out of range; allowed: [0, 2^63)")
    for pid in exp.calibrate:
        check_name("experiment.calibrate", pid, [f"C{i}" for i in range(1, 11)])
    if exp.posterior:
        _validate_posterior_fields(exp)
    elif exp.design != "full_factorial" and exp.samples < 1:
        raise ConfigError(f"experiment.samples={exp.samples!r} is invalid; allowed: N >= 1 for "
                          f"design {exp.design}")
    if exp.design in ("sobol", "morris") and not exp.parameters:
        raise ConfigError(f"experiment.parameters is empty; allowed: at least one parameter for "
                          f"design {exp.design}")
    if exp.historical_replay < 0:
        raise ConfigError(f"experiment.historical_replay={exp.historical_replay!r} is invalid; "
                          "allowed: 0 (none) or a number of seeds")
    if exp.monthly_every < 1:
        raise ConfigError(f"experiment.monthly_every={exp.monthly_every!r} is invalid; "
                          "allowed: >= 1 month")
    if exp.morris_levels < 2:
        raise ConfigError(f"experiment.morris_levels={exp.morris_levels!r} is invalid; "
                          "allowed: >= 2")
    for s in exp.monthly:
        if s.count(".") != 1:
            raise ConfigError(f"experiment.monthly entry {s!r} is invalid; allowed: table.column, "
                              "e.g. presence.influence")
    if len(set(exp.scenarios)) != len(exp.scenarios):
        raise ConfigError(f"experiment.scenarios={exp.scenarios!r} repeats a scenario")
    for bad in ("scenario", "seed"):
        if any(o.split("=", 1)[0].lstrip("+~") == bad for o in exp.base) and (
                bad == "seed" or exp.scenarios):
            what = ("seeds come from experiment.seed and the replicates" if bad == "seed"
                    else "the scenarios are listed in experiment.scenarios")
            raise ConfigError(f"experiment.base sets {bad!r}; allowed: not here ({what})")
    for name, spec in exp.parameters.items():
        where = f"experiment.parameters.{name}"
        if name in KEY_COLUMNS:
            raise ConfigError(f"{where}: the name {name!r} is a result column; allowed: another "
                              f"name (set paths: [...] to keep the config path)")
        if (spec.levels is None) == (spec.range is None):
            raise ConfigError(f"{where} needs exactly one of levels: [...] or range: [lo, hi]")
        if spec.levels is not None and not spec.levels:
            raise ConfigError(f"{where}.levels is empty; allowed: at least one value")
        if spec.range is not None:
            if len(spec.range) != 2 or not spec.range[0] < spec.range[1]:
                raise ConfigError(f"{where}.range={spec.range!r} is invalid; allowed: [lo, hi] "
                                  "with lo < hi")
            if exp.design == "full_factorial" and not spec.int and not exp.posterior:
                raise ConfigError(f"{where}: a continuous range cannot be enumerated by the "
                                  "full factorial; allowed: levels: [...] or int: true")
        if spec.scale and spec.levels is not None and not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec.levels):
            raise ConfigError(f"{where}.levels={spec.levels!r}: scale: true needs numbers")


def _validate_posterior_fields(exp: ExperimentConfig) -> None:
    """The experiment's own fields that a ``posterior`` constrains (the file's content is
    checked where the design is built: :func:`sim.sweep.designs.read_posterior`)."""
    from pathlib import Path

    where = f"experiment.posterior={exp.posterior!r}"
    if exp.samples < 1:
        raise ConfigError(f"experiment.samples={exp.samples!r} is invalid; allowed: N >= 1 worlds "
                          f"drawn from {where}")
    if exp.design in ("sobol", "morris"):
        raise ConfigError(f"experiment.design={exp.design!r} cannot draw from {where} (its "
                          "analysis needs its own sample); allowed: latin_hypercube or "
                          "full_factorial (the posterior's draws replace the sampler), or "
                          "experiment.posterior empty")
    levels = [name for name, spec in exp.parameters.items() if spec.levels is not None]
    if levels:
        raise ConfigError(f"{where}: the parameter {levels[0]!r} has levels; allowed with a "
                          "posterior: parameters with a range only (their values are the "
                          "posterior's), or experiment.posterior empty")
    if not Path(exp.posterior).expanduser().is_file():
        raise ConfigError(f"{where} is not a file; allowed: the path of a posterior.parquet "
                          "written by sahel-sim-calibrate, or empty (the priors)")
