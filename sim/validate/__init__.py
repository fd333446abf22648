"""Calibration patterns C1-C10 and the validation command (``sahel-sim-validate``).

- :mod:`sim.validate.patterns`: one function per pattern, computed from output tables only.
- :mod:`sim.validate.config`: :class:`ValidateConfig` (a run config plus replicates, hindcast
  window and worker processes), seeds, the hindcast run.
- :mod:`sim.validate.runner`: run the replicates (in-process, optionally in parallel) and score.
- :mod:`sim.validate.report`, :mod:`sim.validate.plots`: the table, JSON, Markdown and figures.
- :mod:`sim.validate.command`: the Hydra entry point.

>>> from sim.validate import evaluate
>>> results = evaluate(scenario_runs, hindcast_runs)   # lists of RunResult.tables
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validate.config import ValidateConfig
    from sim.validate.patterns import PATTERNS, PatternResult, evaluate
    from sim.validate.runner import Validation, run_validation

__all__ = ["PATTERNS", "PatternResult", "ValidateConfig", "Validation", "evaluate",
           "run_validation"]

_EXPORTS = {"PATTERNS": "sim.validate.patterns", "PatternResult": "sim.validate.patterns",
            "evaluate": "sim.validate.patterns", "ValidateConfig": "sim.validate.config",
            "Validation": "sim.validate.runner", "run_validation": "sim.validate.runner"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.validate' has no attribute {name!r}")
