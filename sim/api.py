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


def run(cfg: RunConfig, output_dir: str | Path | None = None) -> RunResult:
    """Check and run ``cfg``; return its tables and summary. Writes files only if
    ``output_dir`` is given (refused before the run if it holds another run's outputs, see
    :func:`sim.io.check_run_folder`).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    from sim.metrics import summarize_arrays
    from sim.model import SahelModel

    prepared = prepare(cfg)
    if output_dir is not None:
        from sim.io import check_run_folder

        check_run_folder(output_dir, cfg)
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
        **provenance(cfg),
    }
    result = RunResult(config=cfg, tables=tables, summary=summary)
    if output_dir is not None:
        result.write(output_dir)
    return result
