"""Experiments at scale: designs over named parameters, replicates on spawned seeds, paired
scenarios, executors (a local process pool or a Dask cluster), and a resumable Parquet store.

Modules, one concept each: :mod:`~sim.sweep.experiment` (the schema of an experiment file),
:mod:`~sim.sweep.params` (setting parameters on a config by path), :mod:`~sim.sweep.designs`
(SALib samplers, seeds), :mod:`~sim.sweep.worker` (one run -> one row),
:mod:`~sim.sweep.executors`, :mod:`~sim.sweep.store`, :mod:`~sim.sweep.runner`
(:func:`run_sweep`), :mod:`~sim.sweep.cli` (``sahel-sim-sweep``) and :mod:`~sim.sweep.rerun`
(``sahel-sim-rerun``). Nothing heavy is imported until used.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ExperimentConfig",
    "ParameterSpec",
    "load_experiment",
    "read_monthly",
    "read_results",
    "rerun",
    "run_sweep",
]

_WHERE = {
    "ExperimentConfig": "sim.sweep.experiment",
    "ParameterSpec": "sim.sweep.experiment",
    "load_experiment": "sim.sweep.experiment",
    "run_sweep": "sim.sweep.runner",
    "read_results": "sim.sweep.store",
    "read_monthly": "sim.sweep.store",
    "rerun": "sim.sweep.rerun",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
