"""Running an experiment into a sweep folder: design, seeds, tasks, executor, store, progress.

:func:`run_sweep` is what ``sahel-sim-sweep`` calls, and the Python entry point:

>>> from sim.sweep import load_experiment, run_sweep
>>> report = run_sweep(load_experiment("rules_comparison"), "outputs/sweeps/rules", replicates=2)
>>> report.n_ok, report.folder

Starting it again on the same folder runs only the runs not yet stored (resume). The folder must
hold the same experiment (same design, base, scenarios and seed); the number of replicates may
grow.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import ConfigError
from sim.sweep.designs import Design, build_design, pair_id, replicate_seeds, run_id
from sim.sweep.experiment import (
    KEY_COLUMNS,
    ExperimentConfig,
    experiment_hash,
    validate_experiment,
)
from sim.sweep.store import ResultStore, column_type, read_manifest, write_manifest
from sim.sweep.worker import SweepContext, Task, base_config, run_task

__all__ = ["SweepInterrupted", "SweepReport", "iter_tasks", "plan", "run_sweep"]


class SweepInterrupted(RuntimeError):
    """The sweep stopped early (Ctrl-C or a lost worker); what was received is stored."""


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes:
        folder: the sweep folder.
        n_runs: runs in the whole sweep.
        n_skipped: runs already stored when it started (resume).
        n_ok: runs that finished in this call.
        n_error: runs that raised in this call (recorded with their error).
        seconds: wall time of this call.
    """

    folder: Path
    n_runs: int
    n_skipped: int
    n_ok: int
    n_error: int
    seconds: float

    @property
    def runs_per_second(self) -> float:
        """Runs finished in this call per second of wall time."""
        done = self.n_ok + self.n_error
        return done / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Plan:
    """Everything a sweep derives from its experiment before running."""

    experiment: ExperimentConfig
    design: Design
    seeds: list[int]
    scenarios: list[tuple[str, str]]  # (label in results and run ids, option composed)
    context: SweepContext

    @property
    def n_runs(self) -> int:
        """Design points x scenarios x replicates."""
        return self.design.n_points * len(self.scenarios) * len(self.seeds)


def plan(exp: ExperimentConfig, replicates: int | None = None) -> Plan:
    """Validate an experiment and derive its design, seeds, scenarios and shared context.

    Composes the base config of each scenario (in this process) and checks every parameter's
    paths against it, so that a typo stops the sweep before any run.

    Raises:
        ConfigError: naming what is wrong and what is allowed.
    """
    from sim.sweep.params import check_paths

    if replicates is not None:
        exp = dataclasses.replace(exp, replicates=replicates)
    validate_experiment(exp)
    design = build_design(exp)
    seeds = replicate_seeds(exp.seed, exp.replicates)
    scenarios: list[tuple[str, str]] = []
    for option in exp.scenarios or [""]:
        cfg = base_config(tuple(exp.base), option)
        check_paths(cfg, exp.parameters)
        scenarios.append((option or cfg.scenario.name, option))
    from sim.config import check_name
    from sim.record import TABLES

    for series in exp.monthly:
        table, column = series.split(".", 1)
        check_name(f"experiment.monthly entry {series!r}: table", table, list(TABLES))
        check_name(f"experiment.monthly entry {series!r}: column", column, TABLES[table][1])
    ctx = SweepContext(base=tuple(exp.base), parameters=dict(exp.parameters),
                       monthly=tuple(exp.monthly), monthly_every=exp.monthly_every)
    return Plan(experiment=exp, design=design, seeds=seeds, scenarios=scenarios, context=ctx)


def iter_tasks(p: Plan, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[Task]:
    """The sweep's tasks, replicate-major (every point's first replicate before any second), so
    that a sweep stopped early has covered the whole design evenly; ``skip`` holds run ids
    already done."""
    for r, seed in enumerate(p.seeds):
        for point in range(p.design.n_points):
            values = p.design.values(point)
            for label, option in p.scenarios:
                rid = run_id(point, label, r)
                if rid in skip:
                    continue
                yield Task(run_id=rid, pair_id=pair_id(point, r), point=point, replicate=r,
                           scenario=label, seed=seed, values=values, scenario_option=option)


_RUN_ID = re.compile(r"p(\d+)-(.+)-r(\d+)")


def _parse(p: Plan, rid: str) -> tuple[int, str, int] | None:
    """(point, scenario, replicate) of a run id of this plan, else None."""
    m = _RUN_ID.fullmatch(rid)
    if m:
        point, label, r = int(m.group(1)), m.group(2), int(m.group(3))
        if point < p.design.n_points and r < len(p.seeds) and label in dict(p.scenarios):
            return point, label, r
    return None


def find_task(p: Plan, rid: str) -> Task:
    """The task of a run id.

    Raises:
        ConfigError: the id is not one of the sweep's.
    """
    parsed = _parse(p, rid)
    if parsed is not None:
        point, label, r = parsed
        return Task(run_id=rid, pair_id=pair_id(point, r), point=point, replicate=r,
                    scenario=label, seed=p.seeds[r], values=p.design.values(point),
                    scenario_option=dict(p.scenarios)[label])
    raise ConfigError(f"run id {rid!r} is not in this sweep; allowed: p<point>-<scenario>-r<rep> "
                      f"with point < {p.design.n_points}, scenario one of "
                      f"{', '.join(label for label, _ in p.scenarios)}, rep < {len(p.seeds)}")


def _provenance() -> dict[str, Any]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from sim.api import _git_commit

    versions = {"python": platform.python_version()}
    for pkg in ("sahel-sim", "mesa", "numpy", "pandas", "pyarrow", "SALib", "hydra-core"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = "missing"
    return {"version": versions["sahel-sim"], "git_commit": _git_commit(), "versions": versions}


def _prepare_folder(p: Plan, folder: Path, experiment_text: str | None) -> dict[str, Any]:
    """Write (or check, on resume) the manifest, the design and the base configs."""
    from omegaconf import OmegaConf

    from sim.api import config_hash, to_plain

    exp = p.experiment
    digest = experiment_hash(exp)
    old = read_manifest(folder)
    if old is not None and old.get("experiment_hash") != digest:
        raise ConfigError(
            f"{folder} holds another experiment ({old.get('experiment', {}).get('name')!r}, hash "
            f"{old.get('experiment_hash')}); this one hashes to {digest}. Allowed: the same "
            "experiment (only replicates may change), or another folder (hydra.run.dir=...)")
    folder.mkdir(parents=True, exist_ok=True)
    base_dir = folder / "base"
    base_dir.mkdir(exist_ok=True)
    base_hashes = {}
    for label, option in p.scenarios:
        cfg = base_config(p.context.base, option)
        base_hashes[label] = config_hash(cfg)
        path = base_dir / f"{label}.yaml"
        if not path.exists():
            path.write_text(OmegaConf.to_yaml(OmegaConf.create(to_plain(cfg))))
    if not (folder / "design.parquet").exists():
        _design_frame(p).to_parquet(folder / "design.parquet", index=False)
    if experiment_text is not None and not (folder / "experiment.yaml").exists():
        (folder / "experiment.yaml").write_text(experiment_text)
    manifest = old or {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), **_provenance()}
    manifest.update({
        "experiment": dataclasses.asdict(exp),
        "experiment_hash": digest,
        "experiment_file": experiment_text if experiment_text is not None
        else manifest.get("experiment_file"),
        "design": {"kind": exp.design, "n_points": p.design.n_points,
                   "parameters": list(exp.parameters), "salib_problem": p.design.problem,
                   "table": "design.parquet"},
        "scenarios": [label for label, _ in p.scenarios],
        "seeds": {"root": exp.seed, "replicates": p.seeds,
                  "how": "numpy SeedSequence(root).spawn(R); replicate r runs on seed r for "
                         "every design point and scenario (common random numbers)"},
        "base_config": {label: f"base/{label}.yaml" for label, _ in p.scenarios},
        "base_config_hash": base_hashes,
        "n_runs": p.n_runs,
        "run_id": "p<point>-<scenario>-r<replicate>; pair_id p<point>-r<replicate> pairs runs "
                  "across scenarios",
    })
    if old is not None:
        now = _provenance()
        if now["git_commit"] != old.get("git_commit") or now["version"] != old.get("version"):
            manifest.setdefault("resumed_with", []).append(
                {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "version": now["version"],
                 "git_commit": now["git_commit"]})
    write_manifest(folder, manifest)
    return manifest


def _design_frame(p: Plan) -> Any:
    """The design table as stored: list-valued levels as JSON text, like the result rows."""
    import json

    table = p.design.table.copy()
    for c in table.columns:
        if table[c].dtype == object and any(isinstance(v, (list, dict)) for v in table[c]):
            table[c] = [json.dumps(v) for v in table[c]]
    return table


def _types(p: Plan) -> dict[str, Any]:
    """Arrow types of the key and parameter columns (from the design, not the first rows)."""
    import json

    import pyarrow as pa

    types: dict[str, Any] = {"run_id": pa.string(), "pair_id": pa.string(), "point": pa.int64(),
                             "replicate": pa.int64(), "scenario": pa.string(),
                             "seed": pa.int64(), "status": pa.string(), "error": pa.string(),
                             "duration_s": pa.float64()}
    for name in p.experiment.parameters:
        values = [json.dumps(v) if isinstance(v, (list, dict)) else v
                  for v in p.design.table[name].tolist()]
        types[name] = column_type(name, values)
    return types


def run_sweep(exp: ExperimentConfig, folder: str | Path, *, replicates: int | None = None,
              backend: str = "local", scheduler: str = "", n_workers: int | None = None,
              chunksize: int | None = None, batch_rows: int = 500, flush_seconds: float = 30.0,
              progress: bool = True, experiment_text: str | None = None) -> SweepReport:
    """Run an experiment into ``folder``, or finish it if it is already partly there.

    Args:
        exp: the experiment.
        folder: the sweep folder (created if needed).
        replicates: overrides ``exp.replicates``.
        backend: ``local`` (process pool) or ``dask``.
        scheduler: Dask scheduler address (``tcp://host:port``); empty: a local Dask cluster.
        n_workers: worker processes (default: all cores).
        chunksize: runs per message to a worker (default: from the sweep's size).
        batch_rows: rows per Parquet part.
        flush_seconds: write buffered rows at least this often.
        progress: show a progress bar (tqdm: rate and ETA).
        experiment_text: the experiment file's text, kept in the folder.

    Returns:
        A :class:`SweepReport`.

    Raises:
        ConfigError: the experiment or the options are invalid (nothing has run).
        SweepInterrupted: Ctrl-C or a lost worker; the rows received are stored, and the same
            call finishes the sweep.
    """
    from sim.sweep.executors import WorkerLost, check_options, make_executor

    t0 = time.perf_counter()
    folder = Path(folder)
    check_options(backend, scheduler=scheduler, n_workers=n_workers, chunksize=chunksize)
    if batch_rows < 1:
        raise ConfigError(f"batch_rows={batch_rows!r} is invalid; allowed: >= 1")
    p = plan(exp, replicates)
    _prepare_folder(p, folder, experiment_text)
    params = list(p.experiment.parameters)
    store = ResultStore(folder, batch_rows=batch_rows, flush_seconds=flush_seconds,
                        first_columns=[*KEY_COLUMNS, *params], types=_types(p))
    done = store.done_run_ids()
    n_skipped = sum(1 for rid in done if _parse(p, rid) is not None)
    todo = p.n_runs - n_skipped
    report = SweepReport(folder=folder, n_runs=p.n_runs, n_skipped=n_skipped, n_ok=0, n_error=0,
                         seconds=0.0)
    if todo <= 0:
        report.seconds = time.perf_counter() - t0
        return report
    executor = make_executor(backend, scheduler=scheduler, n_workers=n_workers,
                             chunksize=chunksize)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=p.n_runs, initial=n_skipped, unit="run", smoothing=0.05,
                   dynamic_ncols=True, desc=p.experiment.name)
    fn = functools.partial(run_task, p.context)
    try:
        for out in executor.map(fn, iter_tasks(p, done), n_tasks=todo):
            row = out["row"]
            store.add(row, out["monthly"])
            if row["status"] == "ok":
                report.n_ok += 1
            else:
                report.n_error += 1
            if bar is not None:
                bar.update(1)
                if report.n_error:
                    bar.set_postfix(errors=report.n_error, refresh=False)
    except KeyboardInterrupt as exc:
        store.flush()
        raise SweepInterrupted(_stopped("interrupted", report, folder)) from exc
    except WorkerLost as exc:
        store.flush()
        raise SweepInterrupted(_stopped(str(exc), report, folder)) from exc
    finally:
        store.flush()
        if bar is not None:
            bar.close()
        executor.close()
    report.seconds = time.perf_counter() - t0
    return report


def _stopped(why: str, report: SweepReport, folder: Path) -> str:
    stored = report.n_skipped + report.n_ok + report.n_error
    return (f"{why}: {stored} of {report.n_runs} runs are stored in {folder}; the same command "
            "(same hydra.run.dir) runs the rest")
