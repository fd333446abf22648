"""The public Python API: compose a config, run it, get tables and the summary.

>>> from sim import load_config, run
>>> result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
>>> result.summary["verdict"], result.tables["presence"].head()
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig, compose_config
from sim.prepare import prepare
from sim.provenance import provenance

if TYPE_CHECKING:
    import pandas as pd

    from sim.record import Recorder, RunArrays

__all__ = ["LazyTables", "RunResult", "load_config", "run", "run_batch"]


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


class LazyTables(Mapping[str, "pd.DataFrame"]):
    """A run's output tables, built from its world's recorded arrays the first time one is read
    (a sweep that keeps only the summary never pays for them)."""

    def __init__(self, recorder: Recorder, b: int, arrays: RunArrays):
        from sim.record import TABLES

        self._recorder, self._b, self._arrays = recorder, b, arrays
        self._names = tuple(TABLES)  # the output contract's tables, in their order
        self._tables: dict[str, pd.DataFrame] | None = None

    def _built(self) -> dict[str, pd.DataFrame]:
        if self._tables is None:
            self._tables = self._recorder.tables(self._arrays, self._b)
            self._recorder = None  # type: ignore[assignment]  # the batch's arrays can go
        return self._tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._built()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


@dataclass
class RunResult:
    """A finished run: the output tables of docs/ODD.md section 10, the summary, and the config
    (``arrays``: the recorded arrays the tables and the summary come from)."""

    config: RunConfig
    tables: Mapping[str, pd.DataFrame]
    summary: dict[str, Any]
    arrays: RunArrays | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, folder: str | Path, plots: bool | None = None) -> Path:
        """Write the tables (Parquet), summary.json, the resolved config and (optionally) plots."""
        from sim.io import write_run

        return write_run(self, Path(folder), self.config.output.plots if plots is None else plots)


def _simulate(cfg: RunConfig, prepared: RunConfig, seeds: Sequence[int]
              ) -> list[tuple[Mapping[str, pd.DataFrame], dict[str, Any], RunArrays]]:
    """Run a prepared configuration in a batch of one world per seed; return each world's tables
    (built when read), summary (without provenance) and arrays."""
    from sim.metrics import summarize_arrays
    from sim.model import SahelModel

    model = SahelModel(prepared, seeds)
    model.run()
    rules = {p: prepared.rules.vacuum.get(p, prepared.rules.default_vacuum)
             for p in model.world.power_ids}
    out = []
    for b in range(model.worlds):
        arrays = model.recorder.arrays(b)
        summary = {
            "scenario": cfg.scenario.name,
            "world": cfg.world.name,
            "start": cfg.start,
            "end": cfg.end,
            "rules": dict(rules),
            **summarize_arrays(arrays, cfg.metrics, cfg.start, cfg.end),
        }
        out.append((LazyTables(model.recorder, b, arrays), summary, arrays))
    return out


def run_batch(cfg: RunConfig, seeds: Sequence[int] | None = None) -> list[RunResult]:
    """Check ``cfg`` once and run it with each of ``seeds`` (default: ``[cfg.seed]``), every
    world in one batch (one numpy call per step serves them all); return one result per seed,
    in order.

    World ``b``'s result is the result of ``run(cfg with seed = seeds[b])``, bit for bit: a run
    never depends on its batch. With ``metrics.twin`` the twins run as a second batch.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    import dataclasses

    from sim.config.hashing import config_hashes

    prepared = prepare(cfg)
    seeds = [int(cfg.seed)] if seeds is None else [int(s) for s in seeds]
    runs = _simulate(cfg, prepared, seeds)
    twins = None
    if cfg.metrics.twin:
        from sim.twin import premium, twin_config

        twin = twin_config(cfg, list(prepared.world.powers))
        twins = _simulate(twin, prepare(twin), seeds)
    common = provenance()
    results = []
    for b, (seed, digest) in enumerate(zip(seeds, config_hashes(cfg, seeds), strict=True)):
        tables, summary, arrays = runs[b]
        summary["vacuum_premium"] = None
        if twins is not None:
            summary["vacuum_premium"] = premium(summary, twins[b][1], arrays, twins[b][2],
                                                cfg.metrics.premium_margin)
        summary.update({"seed": seed, "config_hash": digest, **common})
        world_cfg = cfg if seed == cfg.seed else dataclasses.replace(cfg, seed=seed)
        results.append(RunResult(config=world_cfg, tables=tables, summary=summary, arrays=arrays))
    return results


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
