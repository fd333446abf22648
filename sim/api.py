"""The public Python API: compose a config, run it, get tables and the summary.

>>> from sim import load_config, run
>>> result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
>>> result.summary["verdict"], result.tables["presence"].head()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig, compose_config
from sim.prepare import prepare
from sim.provenance import provenance

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult", "load_config", "run"]


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
    """A finished run: the output tables of docs/ODD.md section 10, the summary, and the config."""

    config: RunConfig
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, folder: str | Path, plots: bool | None = None) -> Path:
        """Write the tables (Parquet), summary.json, the resolved config and (optionally) plots."""
        from sim.io import write_run

        return write_run(self, Path(folder), self.config.output.plots if plots is None else plots)


def _simulate(cfg: RunConfig, prepared: RunConfig) -> tuple[dict[str, pd.DataFrame],
                                                           dict[str, Any]]:
    """Run a prepared configuration; return its tables and summary (without provenance)."""
    from sim.metrics import summarize_arrays
    from sim.model import SahelModel

    model = SahelModel(prepared)
    model.run()
    arrays = model.recorder.arrays()
    tables = model.recorder.tables(arrays)
    summary = {
        "scenario": cfg.scenario.name,
        "world": cfg.world.name,
        "start": cfg.start,
        "end": cfg.end,
        "rules": {p: prepared.rules.vacuum.get(p, prepared.rules.default_vacuum)
                  for p in model.world.power_ids},
        **summarize_arrays(arrays, cfg.metrics, cfg.start, cfg.end),
    }
    return tables, summary


def run(cfg: RunConfig, output_dir: str | Path | None = None) -> RunResult:
    """Check and run ``cfg``; return its tables and summary. Writes files only if
    ``output_dir`` is given (refused before the run if it holds another run's outputs, see
    :func:`sim.io.check_run_folder`).

    With ``metrics.twin`` (the default) the twin world without the Western exit is run too, on
    the same seed, and the summary's ``vacuum_premium`` says what the exit caused
    (:mod:`sim.twin`); the twin's tables are not kept.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    prepared = prepare(cfg)
    if output_dir is not None:
        from sim.io import check_run_folder

        check_run_folder(output_dir, cfg)
    tables, summary = _simulate(cfg, prepared)
    summary["vacuum_premium"] = None
    if cfg.metrics.twin:
        from sim.twin import premium, twin_config

        twin = twin_config(cfg, list(prepared.world.powers))
        twin_tables, twin_summary = _simulate(twin, prepare(twin))
        summary["vacuum_premium"] = premium(summary, twin_summary, tables["presence"],
                                            twin_tables["presence"], cfg.metrics.premium_margin)
    summary.update(provenance(cfg))
    result = RunResult(config=cfg, tables=tables, summary=summary)
    if output_dir is not None:
        result.write(output_dir)
    return result
