"""Running an experiment into a sweep folder: design, seeds, tasks, executor, store, progress.

:func:`run_sweep` is what ``sahel-sim-sweep`` calls, and the Python entry point:

>>> from sim.sweep import load_experiment, run_sweep
>>> report = run_sweep(load_experiment("rules_comparison"), "outputs/sweeps/rules", replicates=2)
>>> report.n_ok, report.folder

Everything is checked before anything is created (:func:`check_sweep`): the experiment, the
options, every parameter's paths and every value the design takes against the schema's ranges
(in each scenario's base config), and the folder, which must be new, empty, or a sweep folder of
the same experiment (same design, base configs, scenarios, seed and posterior file, by its
content; the number of replicates may grow) that no other sweep is running in.

Starting it again on the same folder runs only the runs not yet stored (resume). The command's
default folder is ``outputs/sweeps/<experiment>-<key>``, where the key (:func:`folder_key`)
hashes the experiment and its scenarios' composed base configs, so that running the same command
again resumes it (or, once complete, runs nothing), while an experiment or a config changed
since starts in a folder of its own.

Signals: SIGINT, SIGTERM and SIGHUP stop a sweep the same way: the chunks already received are on
disk (each chunk is written as it arrives), the workers are killed, and
:class:`SweepInterrupted` says how many runs are stored (``sahel-sim-sweep`` then exits with
128 + the signal's number: 130, 143, 129). A signal that arrives while a part is being written
takes effect once the part is whole.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from sim.config import ConfigError, RunConfig
from sim.sweep.designs import Design, build_design, pair_id, replicate_seeds, run_id
from sim.sweep.experiment import (
    KEY_COLUMNS,
    ExperimentConfig,
    experiment_hash,
    posterior_sha256,
    validate_experiment,
    with_priors,
)
from sim.sweep.historical import FILE as REPLAY_FILE
from sim.sweep.historical import (
    replay_job,
    replay_parts,
    replay_verdict,
    write_historical_replay,
    write_replay,
)
from sim.sweep.store import (
    ResultStore,
    column_type,
    folder_lock,
    is_locked,
    read_manifest,
    read_results,
    write_manifest,
)
from sim.sweep.worker import SweepContext, Task, base_config, run_tasks

__all__ = [
    "SweepInterrupted",
    "SweepReport",
    "check_sweep",
    "folder_key",
    "iter_tasks",
    "plan",
    "run_sweep",
]

#: Replicates of a point that :func:`iter_tasks` puts next to each other (one batch).
REPLICATE_BLOCK = 32
#: The largest chunk of tasks sent to a worker at once (it runs as batches of the engine).
CHUNK_MOST = 128
#: The smallest chunk it makes while enough runs are left (a world costs about twice as much in a
#: batch of 8 as in one of 32: docs/engine.md)
CHUNK_LEAST = 32
#: What a sweep folder may hold (anything else: the folder is not a sweep's).
_SWEEP_ENTRIES = {"manifest.json", "manifest.json.tmp", "experiment.yaml", "design.parquet",
                  "base", "results", "monthly", ".lock", ".hydra"}


class SweepInterrupted(RuntimeError):
    """The sweep stopped early (a signal or a lost worker); what was received is stored.

    Attributes:
        why: what stopped it (``interrupted by SIGTERM``, ``a worker process died ...``).
        signum: the signal's number, or None (a lost worker).
        folder: the sweep folder.
        n_stored: runs stored in the folder.
        n_runs: runs in the whole sweep.
    """

    def __init__(self, why: str, *, signum: int | None, folder: Path, n_stored: int,
                 n_runs: int) -> None:
        self.why, self.signum, self.folder = why, signum, folder
        self.n_stored, self.n_runs = n_stored, n_runs
        super().__init__(f"{why}: {n_stored} of {n_runs} runs are stored in {folder}; the same "
                         "call on the same folder runs the rest")


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
        n_failed: runs stored with status ``error``, this call's and earlier ones'.
    """

    folder: Path
    n_runs: int
    n_skipped: int
    n_ok: int
    n_error: int
    seconds: float
    n_failed: int = 0

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
    base_hashes: dict[str, str] = field(default_factory=dict)  # label -> config_hash of its base

    @property
    def n_runs(self) -> int:
        """Design points x scenarios x replicates."""
        return self.design.n_points * len(self.scenarios) * len(self.seeds)


def _design_values(design: Design, names: list[str]) -> dict[str, list[Any]]:
    """Every distinct value each parameter takes in the design, in the order of first use
    (:func:`sim.sweep.params.distinct_values`)."""
    from sim.sweep.params import distinct_values

    return {name: distinct_values(design.table[name].tolist()) for name in names}


def _base(exp: ExperimentConfig, option: str, config_dirs: Sequence[str]) -> RunConfig:
    """The composed base run config of one scenario option, its errors naming the experiment's
    base and scenario."""
    try:
        return base_config(tuple(exp.base), option, tuple(config_dirs))
    except ConfigError as exc:
        where = f"experiment.base={list(exp.base)}" + (f" with scenario={option}" if option
                                                       else "")
        raise ConfigError(f"{where}: {exc}") from exc


def plan(exp: ExperimentConfig, replicates: int | None = None,
         config_dirs: Sequence[str] = ()) -> Plan:
    """Validate an experiment and derive its design, seeds, scenarios and shared context.

    Composes the base config of each scenario (in this process) and checks every parameter's
    paths against it, and every value the design gives a parameter against the schema's range
    at its paths (``sim.sweep.params.check_values``), so that a typo or a value out of range
    stops the sweep before any run.

    Raises:
        ConfigError: naming what is wrong and what is allowed.
    """
    from sim.config import check_name, config_hash
    from sim.record import TABLES
    from sim.sweep.params import check_paths, check_values

    if replicates is not None:
        exp = dataclasses.replace(exp, replicates=replicates)
    if exp.posterior and Path(exp.posterior).expanduser().is_file():  # absolute: a rerun from
        # another folder finds it (a path that names no file is refused as typed, below)
        exp = dataclasses.replace(exp, posterior=str(Path(exp.posterior).expanduser().resolve()))
    exp = with_priors(exp, _base(exp, (exp.scenarios or [""])[0], config_dirs))
    validate_experiment(exp)
    design = build_design(exp)
    values = _design_values(design, list(exp.parameters))
    seeds = replicate_seeds(exp.seed, exp.replicates)
    scenarios: list[tuple[str, str]] = []
    base_hashes: dict[str, str] = {}
    for option in exp.scenarios or [""]:
        cfg = _base(exp, option, config_dirs)
        check_paths(cfg, exp.parameters)
        check_values(cfg, exp.parameters, values)
        label = option or cfg.scenario.name
        scenarios.append((label, option))
        base_hashes[label] = config_hash(cfg)
    for series in exp.monthly:
        table, column = series.split(".", 1)
        check_name(f"experiment.monthly entry {series!r}: table", table, list(TABLES))
        check_name(f"experiment.monthly entry {series!r}: column", column, TABLES[table][1])
    ctx = SweepContext(base=tuple(exp.base), parameters=dict(exp.parameters),
                       monthly=tuple(exp.monthly), monthly_every=exp.monthly_every,
                       config_dirs=tuple(str(d) for d in config_dirs),
                       calibrate=tuple(exp.calibrate))
    return Plan(experiment=exp, design=design, seeds=seeds, scenarios=scenarios, context=ctx,
                base_hashes=base_hashes)


def folder_key(p: Plan) -> str:
    """8 hex digits of SHA-256 over the experiment's hash (:func:`experiment_hash`: everything
    but ``replicates`` and ``question``, a posterior by its file's content hash) and the config
    hash of each scenario's composed base config: the same experiment on the same configs (and
    the same posterior) gets the same default folder."""
    data = {"experiment": experiment_hash(p.experiment), "base": p.base_hashes}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]


def iter_tasks(p: Plan, skip: set[str] | frozenset[str] = frozenset()) -> Iterator[Task]:
    """The sweep's tasks in blocks of :data:`REPLICATE_BLOCK` replicates: within a block,
    scenario by scenario and point by point, the block's replicates one after the other (they
    share a config, so a chunk runs them as one batch of the engine; and the points of a scenario,
    which differ in their values or their rules, not in their structure, are next to each other
    and share batches too); every point's first block comes before any second, so that a sweep
    stopped early has covered the whole design evenly. ``skip`` holds run ids already done."""
    seeds = list(p.seeds)
    for first in range(0, len(seeds), REPLICATE_BLOCK):
        block = range(first, min(first + REPLICATE_BLOCK, len(seeds)))
        for label, option in p.scenarios:
            for point in range(p.design.n_points):
                values = p.design.values(point)
                for r in block:
                    rid = run_id(point, label, r)
                    if rid in skip:
                        continue
                    yield Task(run_id=rid, pair_id=pair_id(point, r), point=point, replicate=r,
                               scenario=label, seed=seeds[r], values=values,
                               scenario_option=option)


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
    from sim.provenance import provenance

    return provenance(libraries=True)


def check_folder(p: Plan, folder: str | Path) -> None:
    """Check that a sweep of plan ``p`` may run in ``folder`` (nothing is created): the folder
    is new, empty, or holds a sweep of the same experiment on the same base configs that no
    other sweep is running in.

    Raises:
        ConfigError: naming the folder, what it holds and what is allowed.
    """
    folder = Path(folder)
    where = f"hydra.run.dir={str(folder)!r}"
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{where} is a file; allowed: a new folder or a sweep folder")
    if not folder.is_dir():
        return
    old = read_manifest(folder)
    if old is None:
        other = sorted(e.name for e in folder.iterdir() if e.name not in _SWEEP_ENTRIES)
        if other:
            raise ConfigError(f"{where} is not a sweep folder (no manifest.json; it holds "
                              f"{', '.join(other[:5])}{', ...' if len(other) > 5 else ''}); "
                              "allowed: a new or empty folder, or a sweep folder")
        return
    digest = experiment_hash(p.experiment)
    was = (old.get("posterior") or {}).get("sha256")
    now = posterior_sha256(p.experiment.posterior) if p.experiment.posterior else None
    if old.get("experiment_hash") != digest and was != now:
        raise ConfigError(
            f"{where} was started on another posterior (sha256 {was or 'none: the priors'}); "
            f"experiment.posterior={p.experiment.posterior!r} has sha256 "
            f"{now or 'none: the priors'}. Allowed: the same posterior file, or another folder "
            "(hydra.run.dir=...)")
    if old.get("experiment_hash") != digest:
        raise ConfigError(
            f"{where} holds another experiment ({old.get('experiment', {}).get('name')!r}, hash "
            f"{old.get('experiment_hash')}); this one hashes to {digest}. Allowed: the same "
            "experiment (only replicates may change), or another folder (hydra.run.dir=...)")
    for label, new in p.base_hashes.items():
        was = old.get("base_config_hash", {}).get(label)
        if was is not None and was != new:
            raise ConfigError(
                f"{where} was started on another base config of scenario {label!r} (config hash "
                f"{was}, now {new}: a config file or a default changed since); allowed: the "
                "same configs, or another folder (hydra.run.dir=...)")
    if is_locked(folder):
        raise ConfigError(f"{where} is in use by another sweep; allowed: a folder no other "
                          "sweep is running in")


def check_sweep(exp: ExperimentConfig, folder: str | Path | None, *,
                replicates: int | None = None, backend: str = "local", scheduler: str = "",
                n_workers: int | None = None, chunksize: int | None = None,
                batch_rows: int = 500, config_dirs: Sequence[str] = ()) -> Plan:
    """Check everything a sweep needs before anything is created: the options, the experiment
    (:func:`plan`) and, unless ``folder`` is None, the folder (:func:`check_folder`).

    Returns:
        The sweep's :class:`Plan`.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    from sim.sweep.executors import check_options

    check_options(backend, scheduler=scheduler, n_workers=n_workers, chunksize=chunksize)
    if batch_rows < 1:
        raise ConfigError(f"batch_rows={batch_rows!r} is invalid; allowed: >= 1")
    p = plan(exp, replicates, config_dirs)
    if folder is not None:
        check_folder(p, folder)
    return p


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _prepare_folder(p: Plan, folder: Path, experiment_text: str | None) -> dict[str, Any]:
    """Write (or update, on resume) the manifest, the design and the base configs; the folder
    has been checked by :func:`check_folder`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.config import to_plain
    from sim.io import config_yaml

    exp = p.experiment
    old = read_manifest(folder)
    base_dir = folder / "base"
    base_dir.mkdir(exist_ok=True)
    for label, option in p.scenarios:
        path = base_dir / f"{label}.yaml"
        if not path.exists():
            cfg = base_config(p.context.base, option, p.context.config_dirs)
            _write_text(path, config_yaml(to_plain(cfg)))
    if not (folder / "design.parquet").exists():
        table = pa.Table.from_pandas(_design_frame(p), preserve_index=False, nthreads=1)
        pq.write_table(table, folder / "design.parquet.tmp")
        (folder / "design.parquet.tmp").replace(folder / "design.parquet")
    if experiment_text is not None and not (folder / "experiment.yaml").exists():
        _write_text(folder / "experiment.yaml", experiment_text)
    manifest = old or {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), **_provenance()}
    manifest.update({
        "experiment": dataclasses.asdict(exp),
        "experiment_hash": experiment_hash(exp),
        "experiment_file": experiment_text if experiment_text is not None
        else manifest.get("experiment_file"),
        "design": {"kind": "posterior" if exp.posterior else exp.design,
                   "n_points": p.design.n_points,
                   "parameters": list(exp.parameters), "salib_problem": p.design.problem,
                   "table": "design.parquet"},
        **({"posterior": _posterior_record(p)} if exp.posterior else {}),
        "scenarios": [label for label, _ in p.scenarios],
        "seeds": {"root": exp.seed, "replicates": p.seeds,
                  "how": "numpy SeedSequence(root).spawn(R); replicate r runs on seed r for "
                         "every design point and scenario (common random numbers)"},
        "base_config": {label: f"base/{label}.yaml" for label, _ in p.scenarios},
        "base_config_hash": dict(p.base_hashes),
        "n_runs": p.n_runs,
        "config_dirs": list(p.context.config_dirs),
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


def _posterior_record(p: Plan) -> dict[str, Any]:
    """The manifest's record of the posterior the design drew from: its path, the SHA-256 of
    its bytes, the row each design point took and how the rows were drawn."""
    exp = p.experiment
    rows = p.design.posterior_rows
    return {"path": exp.posterior, "sha256": posterior_sha256(exp.posterior),
            "drawn_rows": [int(r) for r in rows] if rows is not None else None,
            "how": f"numpy.random.default_rng({exp.seed}).choice(rows, {exp.samples}, "
                   "replace=True, p=weight / sum(weight)); design point i takes the values of "
                   "drawn_rows[i] (0-based, in the file's order)"}


def _design_frame(p: Plan) -> Any:
    """The design table as stored: list-valued levels as JSON text, like the result rows."""
    table = p.design.table.copy()
    for c in table.columns:
        if table[c].dtype == object and any(isinstance(v, (list, dict)) for v in table[c]):
            table[c] = [json.dumps(v) for v in table[c]]
    return table


def _types(p: Plan) -> dict[str, Any]:
    """Arrow types of the key and parameter columns (from the design, not the first rows)."""
    import pyarrow as pa

    types: dict[str, Any] = {"run_id": pa.string(), "pair_id": pa.string(), "point": pa.int64(),
                             "replicate": pa.int64(), "scenario": pa.string(),
                             "seed": pa.int64(), "status": pa.string(), "error": pa.string(),
                             "duration_s": pa.float64()}
    for name in p.experiment.parameters:
        values = [json.dumps(v) if isinstance(v, (list, dict)) else v
                  for v in p.design.table[name].tolist()]
        types[name] = column_type(name, values)
    for pid in p.experiment.calibrate:
        types[f"calibration.{pid}"] = pa.float64()
    if p.experiment.calibrate:
        types["calibration.passed"] = pa.int64()
    return types


class _Stop(BaseException):
    """A stop signal (SIGINT, SIGTERM, SIGHUP) reached the sweep."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _StopSignals:
    """While active (in the main thread), SIGINT, SIGTERM and SIGHUP raise :class:`_Stop`; in
    a :meth:`deferred` block they take effect when the block ends, so that a part being written
    is finished first."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._depth = 0
        self._raised = False
        self._old: dict[int, Any] = {}

    def __enter__(self) -> Self:
        from sim.sweep.executors import CONTROL_SIGNALS

        if threading.current_thread() is threading.main_thread():
            for sig in CONTROL_SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signum is not None:  # already stopping: a second Ctrl-C changes nothing
            return
        self.signum = signum
        if self._depth == 0:
            self._raised = True
            raise _Stop(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold stop signals back until the block ends."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self.signum is not None and not self._raised:
            self._raised = True
            raise _Stop(self.signum)


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def run_sweep(exp: ExperimentConfig, folder: str | Path, *, replicates: int | None = None,
              backend: str = "local", scheduler: str = "", n_workers: int | None = None,
              chunksize: int | None = None, batch_rows: int = 500, progress: bool = True,
              experiment_text: str | None = None,
              config_dirs: Sequence[str] = (), checked: Plan | None = None) -> SweepReport:
    """Run an experiment into ``folder``, or finish it if it is already partly there.

    Args:
        exp: the experiment.
        folder: the sweep folder (created once everything is checked).
        replicates: overrides ``exp.replicates``.
        backend: ``local`` (process pool) or ``dask``.
        scheduler: Dask scheduler address (``tcp://host:port``); empty: a local Dask cluster.
        n_workers: worker processes (default: all cores).
        chunksize: runs per message to a worker (default: from the sweep's size).
        batch_rows: runs per Parquet part once small parts are merged (each chunk is written as
            a part when it arrives; the parts are merged when the sweep starts and ends).
        progress: show a progress bar (tqdm: rate and ETA), counting runs once they are on disk.
        experiment_text: the experiment file's text, kept in the folder.
        checked: the plan :func:`check_sweep` gave for these same arguments (the command line
            checks before it prints what it runs): not derived a second time.

    Returns:
        A :class:`SweepReport`.

    Raises:
        ConfigError: the experiment, the options or the folder are refused (nothing is created).
        SweepInterrupted: a stop signal or a lost worker; the chunks received are stored, and
            the same call finishes the sweep.
    """
    t0 = time.perf_counter()
    folder = Path(folder)
    stop = _StopSignals()
    with stop:
        try:
            if checked is None:
                p = check_sweep(exp, folder, replicates=replicates, backend=backend,
                                scheduler=scheduler, n_workers=n_workers, chunksize=chunksize,
                                batch_rows=batch_rows, config_dirs=config_dirs)
            else:
                p = checked
                check_folder(p, folder)
        except (_Stop, KeyboardInterrupt) as exc:
            signum = exc.signum if isinstance(exc, _Stop) else int(signal.SIGINT)
            raise SweepInterrupted(f"interrupted by {_signal_name(signum)} before any run",
                                   signum=signum, folder=folder, n_stored=0, n_runs=0) from exc
        folder.mkdir(parents=True, exist_ok=True)
        with folder_lock(folder):
            return _run_locked(p, folder, stop, t0, backend=backend, scheduler=scheduler,
                               n_workers=n_workers, chunksize=chunksize, batch_rows=batch_rows,
                               progress=progress, experiment_text=experiment_text)


def _run_locked(p: Plan, folder: Path, stop: _StopSignals, t0: float, *, backend: str,
                scheduler: str, n_workers: int | None, chunksize: int | None, batch_rows: int,
                progress: bool, experiment_text: str | None) -> SweepReport:
    """The body of :func:`run_sweep` once the folder is checked, created and locked."""
    from sim.sweep.executors import WorkerLost, make_executor

    report = SweepReport(folder=folder, n_runs=p.n_runs, n_skipped=0, n_ok=0, n_error=0,
                         seconds=0.0)
    executor = bar = None
    try:
        with stop.deferred():
            _prepare_folder(p, folder, experiment_text)
            store = ResultStore(folder, part_rows=batch_rows,
                                first_columns=[*KEY_COLUMNS, *p.experiment.parameters],
                                types=_types(p))
            store.compact()
        done = store.done_run_ids()
        report.n_skipped = sum(1 for rid in done if _parse(p, rid) is not None)
        todo = p.n_runs - report.n_skipped
        if todo > 0:
            # the workers start before any other thread of this process (tqdm's among them)
            executor = make_executor(backend, scheduler=scheduler, n_workers=n_workers,
                                     chunksize=chunksize)
            replay = None  # the historical replay runs on the workers beside the first chunks,
            # a part of its seeds each (no worker starts its chunks much later than another)
            if p.experiment.historical_replay > 0 and not (folder / REPLAY_FILE).exists():
                replay = [executor.start(replay_job, seeds) for seeds in replay_parts(
                    p.experiment.historical_replay, executor.n_workers)]
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=p.n_runs, initial=report.n_skipped, unit="run",
                           smoothing=0.05, dynamic_ncols=True, desc=p.experiment.name)
            # a chunk runs as batches of the engine (the replicates of a point, sharing a config)
            fn = functools.partial(run_tasks, p.context)
            for outs in executor.map_chunks(fn, iter_tasks(p, done), n_tasks=todo, whole=True,
                                            most=CHUNK_MOST, least=CHUNK_LEAST, even=True):
                n_error = sum(1 for out in outs if out["row"]["status"] != "ok")
                with stop.deferred():
                    store.write(outs)
                    report.n_ok += len(outs) - n_error
                    report.n_error += n_error
                if bar is not None:
                    bar.update(len(outs))
                    if report.n_error:
                        bar.set_postfix(errors=report.n_error, refresh=False)
            if replay is not None:
                try:
                    found = replay_verdict([s for part in replay for s in executor.outcome(part)])
                except WorkerLost:
                    raise
                except Exception as exc:  # noqa: BLE001 (it runs again below, raising its error)
                    logging.getLogger(__name__).warning(
                        "the historical replay failed on a worker (%s: %s); it runs again in "
                        "this process", type(exc).__name__, exc)
                else:
                    with stop.deferred():
                        write_replay(folder, found)
            executor.close()
            with stop.deferred():
                store.compact()
    except (_Stop, KeyboardInterrupt, WorkerLost) as exc:
        if executor is not None:
            executor.abort()
        if isinstance(exc, WorkerLost):
            why, signum = str(exc), None
        else:
            signum = exc.signum if isinstance(exc, _Stop) else int(signal.SIGINT)
            why = f"interrupted by {_signal_name(signum)}"
        stored = report.n_skipped + report.n_ok + report.n_error
        raise SweepInterrupted(why, signum=signum, folder=folder, n_stored=stored,
                               n_runs=p.n_runs) from exc
    finally:
        if executor is not None:
            executor.abort()  # after close(): nothing left to do; after an error: stop now
        if bar is not None:
            bar.close()
    status = read_results(folder, columns=["status"])
    report.n_failed = int((status["status"] != "ok").sum()) if len(status) else 0
    if p.experiment.historical_replay > 0:  # the one world we know happened, beside the sweep's
        write_historical_replay(folder, p.experiment.historical_replay)  # here if no worker did
    report.seconds = time.perf_counter() - t0
    return report
