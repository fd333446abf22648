"""Designs: the table of design points an experiment runs, and the replicate seeds.

Samplers come from SALib (Herman & Usher 2017): Latin hypercube (``SALib.sample.latin``),
Sobol/Saltelli (``SALib.sample.sobol``, Saltelli 2002 as extended by Saltelli et al. 2010) and
Morris's elementary effects (``SALib.sample.morris``, Morris 1991; Campolongo et al. 2007). The
full factorial is the product of every parameter's levels. A parameter given by ``levels`` is
sampled by its level index, uniform on [0, n): each level is equally likely. A parameter with
``int: true`` is sampled on [lo, hi + 1) and rounded down, as in EMA Workbench.

Rows keep the sampler's order (SALib's analysers need it): design point ``i`` is row ``i``.

An experiment with a ``posterior`` (a ``posterior.parquet`` of ``sahel-sim-calibrate``) is not
sampled: its ``samples`` design points are rows of the posterior drawn with probability
proportional to their ``weight``, with replacement, by ``numpy.random.default_rng(seed)``
(``Generator.choice``), each point taking the drawn row's values (:func:`read_posterior` checks
the file first); such a design has no SALib problem nor matrix.

Replicate seeds spawn from one ``numpy.random.SeedSequence(experiment.seed)``: replicate ``r`` of
every design point and every scenario runs on the same seed (common random numbers), and adding
replicates leaves the seeds of the existing ones unchanged.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.engine.seeds import replicate_seeds
from sim.sweep.experiment import ExperimentConfig, ParameterSpec, validate_experiment

__all__ = ["Design", "build_design", "pair_id", "read_posterior", "replicate_seeds", "run_id",
           "salib_problem"]


@dataclass
class Design:
    """An experiment's design points.

    Attributes:
        table: one row per design point (column ``point``, then one column per parameter, in
            the experiment's order).
        problem: the SALib problem (names, bounds) the sampler used; None for a full factorial
            and for draws from a posterior.
        unit_samples: the sampler's raw matrix (level indices before mapping), for SALib's
            analysers; None for a full factorial and for draws from a posterior.
        posterior_rows: draws from a posterior: the posterior's row (0-based, in the file's
            order) each design point took; None otherwise.
    """

    table: pd.DataFrame
    problem: dict[str, Any] | None = None
    unit_samples: np.ndarray | None = None
    posterior_rows: np.ndarray | None = None

    def __post_init__(self) -> None:
        names = [c for c in self.table.columns if c != "point"]
        columns = [[_py(v) for v in self.table[c].tolist()] for c in names]
        self._records = [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]
        if not names:
            self._records = [{} for _ in range(len(self.table))]

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.table)

    def values(self, point: int) -> dict[str, Any]:
        """Parameter name -> value at a design point (plain Python values)."""
        return dict(self._records[point])


def _py(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


def _levels(spec: ParameterSpec) -> list[Any]:
    """The discrete values a full factorial enumerates."""
    if spec.levels is not None:
        return list(spec.levels)
    lo, hi = spec.range  # type: ignore[misc]
    return list(range(math.ceil(lo), math.floor(hi) + 1))


def salib_problem(parameters: dict[str, ParameterSpec]) -> dict[str, Any]:
    """The SALib problem of sampled parameters: level indices on [0, n) for ``levels``,
    [lo, hi + 1) for integer ranges, [lo, hi] otherwise."""
    bounds = []
    for spec in parameters.values():
        if spec.levels is not None:
            bounds.append([0.0, float(len(spec.levels))])
        elif spec.int:
            bounds.append([float(spec.range[0]), float(spec.range[1]) + 1.0])  # type: ignore[index]
        else:
            bounds.append([float(spec.range[0]), float(spec.range[1])])  # type: ignore[index]
    return {"num_vars": len(parameters), "names": list(parameters), "bounds": bounds}


def _map_column(spec: ParameterSpec, x: np.ndarray) -> list[Any]:
    """Sampler values -> parameter values (levels by index, integers rounded down)."""
    if spec.levels is not None:
        idx = np.clip(np.floor(x).astype(int), 0, len(spec.levels) - 1)
        return [spec.levels[i] for i in idx]
    if spec.int:
        hi = int(spec.range[1])  # type: ignore[index]
        return [int(v) for v in np.minimum(np.floor(x).astype(np.int64), hi)]
    return [float(v) for v in x]


def _column(values: list[Any]) -> Any:
    """A DataFrame column; list-valued levels are kept as Python objects."""
    if any(isinstance(v, (list, dict)) for v in values):
        return pd.Series(values, dtype=object)
    return values


def build_design(exp: ExperimentConfig) -> Design:
    """The design points of an experiment: its sampler's, the full factorial's, or, with
    ``exp.posterior``, ``exp.samples`` rows of the posterior drawn by weight with replacement
    by ``numpy.random.default_rng(exp.seed)`` (the same experiment and file: the same draws).

    Raises:
        ConfigError: the experiment is invalid.
    """
    validate_experiment(exp)
    names = list(exp.parameters)
    specs = list(exp.parameters.values())
    if exp.posterior:
        return _posterior_design(exp)
    if exp.design == "full_factorial":
        combos = list(itertools.product(*(_levels(s) for s in specs))) if specs else [()]
        data = {n: _column([c[i] for c in combos]) for i, n in enumerate(names)}
        table = pd.DataFrame({"point": np.arange(len(combos)), **data})
        return Design(table=table)
    # each sampler imported when used (SALib's sobol imports scipy.stats: about a second)
    problem = salib_problem(exp.parameters)
    if exp.design == "latin_hypercube":
        from SALib.sample import latin

        x = latin.sample(problem, exp.samples, seed=exp.seed)
    elif exp.design == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, exp.samples, calc_second_order=exp.second_order,
                         scramble=True, seed=exp.seed)
    else:  # morris
        from SALib.sample import morris

        x = morris.sample(problem, exp.samples, num_levels=exp.morris_levels, seed=exp.seed)
    # levels and integers are clipped to their last value: Morris's grid reaches the upper bound
    data = {n: _column(_map_column(s, x[:, i]))
            for i, (n, s) in enumerate(zip(names, specs, strict=True))}
    table = pd.DataFrame({"point": np.arange(len(x)), **data})
    return Design(table=table, problem=problem, unit_samples=x)


def read_posterior(exp: ExperimentConfig) -> pd.DataFrame:
    """The posterior of ``exp`` (``exp.posterior``), checked: its ``weight`` column (numbers,
    finite, none negative, summing to more than 0) and one column per parameter of the
    experiment, every value inside the parameter's range (a whole number for ``int: true``).

    Returns:
        The file's ``weight`` and parameter columns (the others are ignored), its rows in the
        file's order.

    Raises:
        ConfigError: naming ``experiment.posterior``, the file, what is wrong (the column, the
            value, the range) and what is allowed.
    """
    import pyarrow.parquet as pq

    path = exp.posterior
    where = f"experiment.posterior={path!r}"
    try:
        schema = pq.read_schema(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"{where} is not a file; allowed: the path of a posterior.parquet "
                          "written by sahel-sim-calibrate, or empty (the priors)") from exc
    except Exception as exc:  # pyarrow's errors for a file that is not Parquet
        raise ConfigError(f"{where} is not a readable Parquet file ({str(exc).splitlines()[0]});"
                          " allowed: a posterior.parquet written by sahel-sim-calibrate") from exc
    columns = set(schema.names)
    if "weight" not in columns:
        raise ConfigError(f"{where} has no 'weight' column; allowed: a posterior with a column "
                          "'weight' (the particles' importance weights) and one per parameter")
    missing = [n for n in exp.parameters if n not in columns]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ConfigError(f"{where} has no column for the parameter {missing[0]!r}{more}; "
                          "allowed: a posterior with a column named as each parameter of the "
                          "experiment (as with_priors names them)")
    try:
        df = pd.read_parquet(path, columns=["weight", *exp.parameters])
    except Exception as exc:  # a file that changed, or a column pyarrow cannot read
        raise ConfigError(f"{where} is not a readable Parquet file ({str(exc).splitlines()[0]});"
                          " allowed: a posterior.parquet written by sahel-sim-calibrate") from exc
    if df.empty:
        raise ConfigError(f"{where} has no row; allowed: a posterior with at least one particle")
    weight = pd.to_numeric(df["weight"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(weight) | (weight < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{where}: weight {_py(df['weight'].iloc[i])!r} in row {i} is invalid; "
                          "allowed: finite weights >= 0 that sum to more than 0")
    if not weight.sum() > 0:
        raise ConfigError(f"{where}: the weights sum to {weight.sum():g}; allowed: finite "
                          "weights >= 0 that sum to more than 0")
    for name, spec in exp.parameters.items():
        lo, hi = (float(v) for v in spec.range or ())
        shown = f"[{lo:g}, {hi:g}]"
        x = pd.to_numeric(df[name], errors="coerce").to_numpy(float)
        kind = "whole numbers " if spec.int else "numbers "
        bad = ~(np.isfinite(x) & (x >= lo) & (x <= hi))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ConfigError(f"{where}: column {name!r} holds {_py(df[name].iloc[i])!r} in row {i}, "
                              f"outside the parameter's range {shown}; allowed: {kind}in "
                              f"{shown}")
        if spec.int and (x != np.floor(x)).any():
            i = int(np.flatnonzero(x != np.floor(x))[0])
            raise ConfigError(f"{where}: column {name!r} holds {_py(df[name].iloc[i])!r} in row {i}, "
                              f"not a whole number (the parameter has int: true); allowed: "
                              f"{kind}in {shown}")
    df["weight"] = weight
    return df


def _posterior_design(exp: ExperimentConfig) -> Design:
    """``exp.samples`` rows of the posterior drawn by weight with replacement, by
    ``numpy.random.default_rng(exp.seed)``."""
    df = read_posterior(exp)
    weight = df["weight"].to_numpy(float)
    rng = np.random.default_rng(exp.seed)
    rows = rng.choice(len(df), size=exp.samples, replace=True, p=weight / weight.sum())
    data = {}
    for name, spec in exp.parameters.items():
        x = df[name].to_numpy()[rows]
        data[name] = [int(v) for v in x] if spec.int else [float(v) for v in x]
    table = pd.DataFrame({"point": np.arange(exp.samples), **data})
    return Design(table=table, posterior_rows=rows)


def run_id(point: int, scenario: str, replicate: int) -> str:
    """The id of a run: design point, scenario and replicate, e.g. ``p12-no_russia-r3``."""
    return f"p{point}-{scenario}-r{replicate}"


def pair_id(point: int, replicate: int) -> str:
    """The runs that pair across scenarios (same design point, same seed), e.g. ``p12-r3``."""
    return f"p{point}-r{replicate}"
