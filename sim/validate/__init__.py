"""Calibration patterns C1-C10, pre-2020 political targets P1-P6 and the validation command
(``sahel-sim-validate``).

- :mod:`sim.validate.patterns`: one function per pattern, computed from output tables only.
- :mod:`sim.validate.politics`: one function per political target, computed from the tables of
  politics hindcasts (the hindcast with the host politics endogenous).
- :mod:`sim.validate.config`: :class:`ValidateConfig` (a run config plus replicates, hindcast
  window, worker processes and the rules of the politics hindcasts), seeds, the hindcast run and
  the politics hindcast run.
- :mod:`sim.validate.runner`: run the replicates (in-process, optionally in parallel) and score.
- :mod:`sim.validate.report`, :mod:`sim.validate.plots`: the table, JSON, Markdown and figures.
- :mod:`sim.validate.command`: the Hydra entry point.

>>> from sim.validate import evaluate
>>> results = evaluate(scenario_runs, hindcast_runs)   # lists of RunResult.tables
>>> from sim.validate import evaluate_politics
>>> targets = evaluate_politics(politics_hindcast_runs)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validate.config import ValidateConfig
    from sim.validate.patterns import PATTERNS, PatternResult, evaluate
    from sim.validate.politics import POLITICS, evaluate_politics
    from sim.validate.runner import Validation, run_validation

__all__ = ["PATTERNS", "POLITICS", "PatternResult", "ValidateConfig", "Validation", "evaluate",
           "evaluate_politics", "run_validation"]

_EXPORTS = {"PATTERNS": "sim.validate.patterns", "PatternResult": "sim.validate.patterns",
            "evaluate": "sim.validate.patterns", "POLITICS": "sim.validate.politics",
            "evaluate_politics": "sim.validate.politics", "ValidateConfig": "sim.validate.config",
            "Validation": "sim.validate.runner", "run_validation": "sim.validate.runner"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim.validate' has no attribute {name!r}")
