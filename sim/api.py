"""The public Python API: compose a config, run it, get tables and the summary.

>>> from sim import load_config, run
>>> result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
>>> result.summary["verdict"], result.tables["presence"].head()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig, compose_config
from sim.engine import plan
from sim.engine.plan import LazyTables, per_config
from sim.engine.prepare import prepare

if TYPE_CHECKING:
    import pandas as pd

    from sim.record import LazyRunArrays, RunArrays

__all__ = ["LazyTables", "RunResult", "load_config", "per_config", "run", "run_batch",
           "run_worlds"]


def load_config(overrides: Sequence[str] = (), config_name: str = "config",
                config_dirs: Sequence[str | Path] = ()) -> RunConfig:
    """Compose the Hydra config with ``overrides`` (a list of Hydra overrides such as
    ``["scenario=endogenous", "seed=7"]``), convert it to the typed schema and check it.

    Args:
        overrides: Hydra overrides.
        config_name: the primary config (``config``).
        config_dirs: the user's own config folders, adding scenario/world options.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    cfg = compose_config(overrides, config_name, config_dirs)
    prepare(cfg)
    return cfg


@dataclass
class RunResult:
    """A finished run: the output tables of docs/ODD.md section 10, the summary, and the config
    (``arrays``: the recorded arrays the tables and the summary come from, built from the batch's
    recorder when first read, :class:`~sim.record.LazyRunArrays`)."""

    config: RunConfig
    tables: Mapping[str, pd.DataFrame]
    summary: dict[str, Any]
    arrays: RunArrays | LazyRunArrays | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, folder: str | Path, plots: bool | None = None) -> Path:
        """Write the tables (Parquet), summary.json, the resolved config and (optionally) plots."""
        from sim.io import write_run

        return write_run(self, Path(folder), self.config.output.plots if plots is None else plots)


def run_batch(cfg: RunConfig, seeds: Sequence[int] | None = None) -> list[RunResult]:
    """Check ``cfg`` once and run it with each of ``seeds`` (default: ``[cfg.seed]``), every
    world in one batch (one numpy call per step serves them all); return one result per seed,
    in order.

    World ``b``'s result is the result of ``run(cfg with seed = seeds[b])``, bit for bit: a run
    never depends on its batch. With ``metrics.twin`` the twins run as a second batch.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    if seeds is None:
        return run_worlds([cfg])
    seeds = [int(s) for s in seeds]
    return run_worlds([cfg] * len(seeds), seeds)


def run_worlds(cfgs: Sequence[RunConfig], seeds: Sequence[int] | None = None,
               memo: plan.Memo | None = None, summaries: bool = True) -> list[RunResult]:
    """Run every world of ``cfgs`` (one config per world, the same object for worlds that share
    one) with its seed (``seeds[b]``, default each config's own), in as few batches as their
    structures allow: configs that differ only in their numbers (the parameters a design varies,
    :mod:`sim.engine.batch`) share a batch (:func:`sim.engine.plan.run_worlds`). Return one
    result per world, in order.

    World ``b``'s result is the result of ``run(cfgs[b] with seed = seeds[b])``, bit for bit,
    whatever else ran in its batch. With ``metrics.twin`` the twins run as batches too.

    ``memo``: a :class:`sim.engine.plan.Memo` given to several calls whose configs share
    sections (a run's hindcast shares all but its dates), so that each section is serialised and
    checked once; it keeps those configs alive, and they must stay unchanged while it is used.
    ``summaries=False``: the results' summaries hold the scenario, world, dates, rules, seed,
    config hash and provenance but not the hypothesis numbers, for runs read through their
    arrays or tables alone (a sweep's hindcasts); worlds with a twin are summarized anyway.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (checked for every
            config before anything runs).
    """
    return [RunResult(r.config, r.tables, r.summary, r.arrays)
            for r in plan.run_worlds(cfgs, seeds, memo, summaries)]


def run(cfg: RunConfig, output_dir: str | Path | None = None) -> RunResult:
    """Check and run ``cfg``; return its tables and summary. Writes files only if
    ``output_dir`` is given (refused before the run if it holds another run's outputs, see
    :func:`sim.io.check_run_folder`). A single run is a batch of one (:func:`run_batch`).

    With ``metrics.twin`` (the default) the twin world without the Western exit is run too, on
    the same seed, and the summary's ``vacuum_premium`` says what the exit caused
    (:mod:`sim.twin`); the twin's tables are not kept.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    if output_dir is not None:
        from sim.io import check_run_folder

        prepare(cfg)  # a bad value is named before the folder is looked at
        check_run_folder(output_dir, cfg)
    result = run_batch(cfg)[0]
    if output_dir is not None:
        result.write(output_dir)
    return result
