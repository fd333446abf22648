"""sahel-sim: an agent-based model of foreign influence and security vacuums in the Sahel.

Public API (imported lazily, so that ``import sim`` stays fast)::

    from sim import load_config, run
    result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import RunResult, load_config, run
    from sim.config import ConfigError, RunConfig

__all__ = ["ConfigError", "RunConfig", "RunResult", "__version__", "load_config", "run"]

from sim.version import __version__  # the one source of the version (sim/version.py)

_EXPORTS = {"run": "sim.api", "load_config": "sim.api", "RunResult": "sim.api",
            "ConfigError": "sim.config", "RunConfig": "sim.config"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
