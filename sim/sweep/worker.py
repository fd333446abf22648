"""Running the tasks of a sweep in a worker process: compose, set parameters, run, flatten.

A task is one run: a design point's parameter values under one scenario with one replicate's
seed. Each worker process composes the base config once per (base overrides, scenario) and
keeps it. Each design point under a scenario deep-copies the base once and sets its parameters
(:func:`point_configs`); a chunk of tasks runs in as few batches of the engine as the
structures of its configs allow (:func:`sim.api.run_worlds`: points that differ only in their
numbers share a batch, with all their replicates), every world with its own values and seed. The
result of a task is one flat row (the keys, the parameter values, every section-5 outcome of
the summary with nested names joined by dots, e.g. ``russia.own_net_cost_usd``, the status, the
error and the duration) and, if asked, monthly series. A run that raises is a row with status
``error`` and the message. A calibrated sweep runs each chunk's hindcasts as batches too and
scores every run of a batch at once from the arrays the batches recorded
(:func:`calibration_batch`, :mod:`sim.validate.batch`), building no table.
"""

from __future__ import annotations

import gc
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
    "calibration_batch",
    "calibration_scores",
    "execute",
    "execute_batch",
    "flatten",
    "point_configs",
    "quiet_mesa",
    "run_tasks",
    "task_config",
]

_CACHE: dict[tuple[tuple[str, ...], str], RunConfig] = {}
#: Whether this process moved its long-lived objects out of the garbage collector's way: a full
#: collection walks every object, tens of ms a chunk in a worker that has imported the model, and
#: a chunk's rows and events (hundreds of thousands of objects) trigger several of them.
_FROZEN = False
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
    """The run config of a task: a copy of the base with the parameters and the seed set.

    Only the objects on the parameters' paths (and ``output``) are copied
    (:func:`sim.config.paths.copy_along`); the rest is the base's, shared with the other tasks,
    which nothing changes in place (the model changes its own copies, ``sim.model``)."""
    from sim.config import paths as P
    from sim.sweep.params import apply_parameters

    base = base_config(ctx.base, task.scenario_option, ctx.config_dirs)
    expanded = _expanded(base, ctx, tuple(task.values))
    cfg = P.copy_paths(base, [*(keys for name in task.values for keys in expanded[name]),
                              ["output", "plots"]])
    apply_parameters(cfg, task.values, ctx.parameters, expanded)
    cfg.seed = task.seed
    cfg.output.plots = False
    return cfg


#: Each parameter's key lists in a cached base config, by (base id, the parameters and their
#: paths): a parameter's paths name the same keys in every copy of a base (the values a
#: design sets never change a mapping's keys).
_EXPANDED: dict[tuple[Any, ...], dict[str, list[list[str]]]] = {}


def _expanded(base: RunConfig, ctx: SweepContext, names: tuple[str, ...]
              ) -> dict[str, list[list[str]]]:
    """:func:`sim.sweep.params.expanded_paths` of ``names`` in ``base``, once per process."""
    from sim.sweep.params import expanded_paths

    key = (id(base), names, tuple(tuple(ctx.parameters[n].paths or [n]) for n in names))
    got = _EXPANDED.get(key)
    if got is None:
        with _LOCK:
            got = _EXPANDED[key] = expanded_paths(base, {n: ctx.parameters[n] for n in names})
    return got


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


def _row(task: Task) -> dict[str, Any]:
    """A task's row before its run: the keys and the parameter values."""
    row: dict[str, Any] = {"run_id": task.run_id, "pair_id": task.pair_id, "point": task.point,
                           "replicate": task.replicate, "scenario": task.scenario,
                           "seed": task.seed}
    row.update({name: _param_cell(v) for name, v in task.values.items()})
    return row


def _fill(ctx: SweepContext, row: dict[str, Any], result: Any, hindcast: Any,
          scores: dict[str, Any] | None = None) -> Any:
    """Add a finished run's outcomes (and calibration scores against its ``hindcast``: the
    ``scores`` of its batch, else scored from the two runs' tables) to its row; return its
    monthly series (None unless asked)."""
    for k, v in flatten(result.summary).items():
        if k not in row:
            row[k] = v
    if ctx.calibrate:
        row.update(scores if scores is not None else
                   calibration_scores(result.tables, hindcast.tables, ctx.calibrate))
    monthly = _monthly(result.tables, ctx.monthly, ctx.monthly_every) if ctx.monthly else None
    row["status"], row["error"] = "ok", None
    return monthly


def _failed(row: dict[str, Any], exc: Exception) -> None:
    row["status"] = "error"
    row["error"] = f"{type(exc).__name__}: {exc}"


def execute_batch(ctx: SweepContext, tasks: list[Task]) -> list[tuple[dict[str, Any], Any]]:
    """Run tasks in as few batches of the engine as their configs' structures allow
    (:func:`sim.api.run_worlds`; :mod:`sim.engine.batch`: design points that differ only in their
    numbers share a batch, with their replicates), their hindcasts likewise; never raises.

    A run's result does not depend on its batch, so each row is what the task alone would give.
    If the batch as a whole fails, each task is run alone, so that a failing run is recorded
    with its own error and the others' results are kept.

    Returns:
        ``[({"row": {...}, "monthly": ...}, RunResult or None)]``, one per task, in order.
    """
    from sim.api import per_config, run_worlds
    from sim.engine.plan import Memo

    t0 = time.perf_counter()
    seeds = [t.seed for t in tasks]
    try:
        cfgs = point_configs(ctx, tasks)
        memo = Memo()  # a hindcast shares all but its dates with its run: serialised, checked once
        results = run_worlds(cfgs, seeds, memo)
        hindcasts = [None] * len(tasks)
        if ctx.calibrate:
            from sim.validate.config import hindcast_of

            # scored from their arrays (or tables): their summaries are not read
            hindcasts = run_worlds(per_config(cfgs, hindcast_of), seeds, memo, summaries=False)
    except Exception as exc:  # noqa: BLE001 (a failing run is recorded, the sweep goes on)
        if len(tasks) > 1:  # each run alone, so that each error is its own
            return [out for t in tasks for out in execute_batch(ctx, [t])]
        row = _row(tasks[0])
        _failed(row, exc)
        row["duration_s"] = time.perf_counter() - t0
        return [({"row": row, "monthly": None}, None)]
    scores: list[Any] = [None] * len(tasks)
    if ctx.calibrate:
        try:
            scores = calibration_batch(results, hindcasts, ctx.calibrate)
        except Exception:  # each run is then scored from its tables, its error its own
            logging.getLogger(__name__).warning(
                "scoring the calibration of a batch from its arrays failed; scoring each run "
                "from its tables", exc_info=True)
    outs = []
    for task, result, hindcast, score in zip(tasks, results, hindcasts, scores, strict=True):
        row, monthly = _row(task), None
        try:
            monthly = _fill(ctx, row, result, hindcast, score)
        except Exception as exc:  # noqa: BLE001 (a failing run is recorded, the sweep goes on)
            _failed(row, exc)
            result = None
        outs.append((row, monthly, result))
    per_run = (time.perf_counter() - t0) / len(tasks)
    for row, _, _ in outs:
        row["duration_s"] = per_run
    return [({"row": row, "monthly": monthly}, result) for row, monthly, result in outs]


def execute(ctx: SweepContext, task: Task) -> tuple[dict[str, Any], Any]:
    """Run one task (a batch of one); never raises.

    Returns:
        ``({"row": {...}, "monthly": {series: DataFrame} or None}, RunResult or None)``.
    """
    return execute_batch(ctx, [task])[0]


def calibration_scores(tables: Any, hindcast_tables: Any, ids: tuple[str, ...]) -> dict[str, Any]:
    """The calibration columns of a run scored on the pair of its tables and its hindcast's
    (``calibration.<id>``: 1.0, 0.0 or NaN when not measurable), with ``calibration.passed``,
    the number passed."""
    from sim.validate.patterns import score_run

    return _calibration_columns(score_run(tables, hindcast_tables, ids))


def calibration_batch(results: list[Any], hindcasts: list[Any],
                      ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The calibration columns of each run (:func:`calibration_scores`), every run of a batch
    scored at once from the arrays its batch and its hindcast's recorded
    (:func:`sim.validate.batch.score_runs`: the same scores, without building any table)."""
    from sim.validate.batch import score_runs

    return [_calibration_columns(s) for s in score_runs(results, hindcasts, ids).rows()]


def _calibration_columns(scores: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {f"calibration.{pid}": v for pid, v in scores.items()}
    out["calibration.passed"] = int(sum(v == 1.0 for v in scores.values()))
    return out


def point_configs(ctx: SweepContext, tasks: list[Task]) -> list[RunConfig]:
    """Each task's config (:func:`task_config`), built once per design point under a scenario:
    the replicates of a point share one object."""
    made: dict[tuple[str, str, int], RunConfig] = {}
    out = []
    for t in tasks:
        key = (t.scenario_option, t.scenario, t.point)
        if key not in made:
            made[key] = task_config(ctx, t)
        out.append(made[key])
    return out


def run_tasks(ctx: SweepContext, tasks: list[Task]) -> list[dict[str, Any]]:
    """Run a chunk of tasks as one call of the engine (:func:`execute_batch`: the tasks whose
    configs share a structure run as one batch); never raises. After the process's first chunk,
    what it holds then is frozen out of the garbage collector's walks (``gc.freeze``).

    Returns:
        ``[{"row": {...}, "monthly": ... or None}]``, one per task, in the chunk's order.
    """
    global _FROZEN
    quiet_mesa()
    outs = [out for out, _ in execute_batch(ctx, tasks)]
    if not _FROZEN:  # the modules, configs and caches of the first chunk stay for good
        _FROZEN = True
        gc.collect()
        gc.freeze()
    return outs


def quiet_mesa() -> None:
    """Mesa logs every step at INFO: keep workers' output to warnings."""
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
