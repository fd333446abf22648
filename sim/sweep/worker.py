"""Running one task of a sweep in a worker process: compose, set parameters, run, flatten.

A task is one run: a design point's parameter values under one scenario with one replicate's
seed. Each worker process composes the base config once per (base overrides, scenario) and
keeps it; every run deep-copies it, sets its parameters and seed, and calls
:func:`sim.api.run`. The result is one flat row (the keys, the parameter values, every
section-5 outcome of the summary with nested names joined by dots, e.g.
``russia.own_net_cost_usd``, the status, the error and the duration) and, if asked, monthly
series. A run that raises is a row with status ``error`` and the message.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sim.config import RunConfig

__all__ = [
    "SweepContext",
    "Task",
    "base_config",
    "calibration",
    "execute",
    "flatten",
    "quiet_mesa",
    "run_task",
    "task_config",
]

_CACHE: dict[tuple[tuple[str, ...], str], RunConfig] = {}
_LOCK = threading.Lock()  # Hydra's global state is not thread-safe (Dask workers have threads)


@dataclass(frozen=True)
class Task:
    """One run of a sweep."""

    run_id: str
    pair_id: str
    point: int
    replicate: int
    scenario: str
    seed: int
    values: dict[str, Any] = field(default_factory=dict)
    scenario_option: str = ""  # composed as ``scenario=<option>``; "": the base's own scenario


@dataclass(frozen=True)
class SweepContext:
    """What every task of a sweep shares (sent with each chunk; small).

    Attributes:
        base: Hydra overrides of the default config.
        parameters: parameter name -> ParameterSpec.
        monthly: ``table.column`` series to return.
        monthly_every: keep every this many months (and the last).
        config_dirs: the user's config folders (``--config-dir``) the base is composed with.
        calibrate: calibration patterns scored on every run against its hindcast.
    """

    base: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    monthly: tuple[str, ...] = ()
    monthly_every: int = 12
    config_dirs: tuple[str, ...] = ()
    calibrate: tuple[str, ...] = ()


def base_config(base: tuple[str, ...], scenario: str,
                config_dirs: tuple[str, ...] = ()) -> RunConfig:
    """The composed, validated base config of a scenario, cached per process.

    Raises:
        ConfigError: the overrides do not compose or validate.
    """
    key = (tuple(base), scenario, tuple(config_dirs))
    with _LOCK:
        cfg = _CACHE.get(key)
        if cfg is None:
            from sim.api import load_config

            overrides = [*base, f"scenario={scenario}"] if scenario else list(base)
            cfg = load_config(overrides=overrides, config_dirs=config_dirs)
            _CACHE[key] = cfg
    return cfg


def task_config(ctx: SweepContext, task: Task) -> RunConfig:
    """The run config of a task: a copy of the base with the parameters and the seed set."""
    from sim.sweep.params import apply_parameters

    cfg = copy.deepcopy(base_config(ctx.base, task.scenario_option, ctx.config_dirs))
    apply_parameters(cfg, task.values, ctx.parameters)
    cfg.seed = task.seed
    cfg.output.plots = False
    return cfg


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> one level, keys joined by dots (``russia.own_net_cost_usd``)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{name}."))
        elif isinstance(v, (list, tuple)):
            out[name] = json.dumps(v)
        else:
            out[name] = v
    return out


def _param_cell(value: Any) -> Any:
    """A parameter value as a result cell (lists and mappings as JSON text)."""
    from sim.sweep.params import plain_value

    value = plain_value(value)
    return json.dumps(value) if isinstance(value, (list, dict)) else value


def _monthly(tables: dict[str, Any], series: tuple[str, ...], every: int) -> dict[str, Any]:
    """The requested series at the chosen resolution: table key columns + the column."""
    from sim.record import TABLES

    out = {}
    for s in series:
        table, column = s.split(".", 1)
        df = tables[table]
        keys = [k for k in TABLES[table][0] if k in df.columns] if table in TABLES else []
        last = int(df["step"].max()) if len(df) else 0
        keep = ((df["step"] + 1) % every == 0) | (df["step"] == last)
        out[s] = df.loc[keep, [*keys, column]].reset_index(drop=True)
    return out


def execute(ctx: SweepContext, task: Task) -> tuple[dict[str, Any], Any]:
    """Run one task; never raises.

    Returns:
        ``({"row": {...}, "monthly": {series: DataFrame} or None}, RunResult or None)``.
    """
    from sim.api import run

    t0 = time.perf_counter()
    row: dict[str, Any] = {"run_id": task.run_id, "pair_id": task.pair_id, "point": task.point,
                           "replicate": task.replicate, "scenario": task.scenario,
                           "seed": task.seed}
    row.update({name: _param_cell(v) for name, v in task.values.items()})
    monthly = result = None
    try:
        cfg = task_config(ctx, task)
        result = run(cfg)
        for k, v in flatten(result.summary).items():
            if k not in row:
                row[k] = v
        if ctx.calibrate:
            row.update(calibration(cfg, result.tables, ctx.calibrate))
        if ctx.monthly:
            monthly = _monthly(result.tables, ctx.monthly, ctx.monthly_every)
        row["status"], row["error"] = "ok", None
    except Exception as exc:  # noqa: BLE001 (a failing run is recorded, the sweep goes on)
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["duration_s"] = time.perf_counter() - t0
    return {"row": row, "monthly": monthly}, result


def calibration(cfg: RunConfig, tables: dict[str, Any], ids: tuple[str, ...]) -> dict[str, Any]:
    """The calibration columns of a run: its hindcast (same config and seed, 2017-01 to 2019-12)
    is run, and each pattern of ``ids`` is scored on the pair (``calibration.<id>``: 1.0, 0.0 or
    NaN when not measurable), with ``calibration.passed``, the number passed."""
    from sim.api import run
    from sim.validate.config import hindcast_of
    from sim.validate.patterns import score_run

    scores = score_run(tables, run(hindcast_of(cfg)).tables, ids)
    out: dict[str, Any] = {f"calibration.{pid}": v for pid, v in scores.items()}
    out["calibration.passed"] = int(sum(v == 1.0 for v in scores.values()))
    return out


def run_task(ctx: SweepContext, task: Task) -> dict[str, Any]:
    """Run one task; never raises.

    Returns:
        ``{"row": {...}, "monthly": {series: DataFrame} or None}``.
    """
    quiet_mesa()
    return execute(ctx, task)[0]


def quiet_mesa() -> None:
    """Mesa logs every step at INFO: keep workers' output to warnings."""
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
