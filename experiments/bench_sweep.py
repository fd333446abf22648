"""How fast sweeps run: ``sim.sweep`` with 1 and 2 workers beside ``mesa.batch_run`` on the same
model and parameters, and the memory of a long sweep.

Parts (``--parts``, default ``throughput``):

1. ``throughput``: runs per second of the default world (the historical scenario, 2019-01 to
   2025-12, 37 regions; without the twin world, :data:`BASE`, so that every tool does the same
   work) over a full factorial of russia's vacuum rule (none, opportunistic) x
   the hosts' ability to pay (0.5, 1.0) x ``--replicates`` replicates:

   - ``serial``: ``sim.api.run`` in a loop in this process (configs composed beforehand): the
     model's own cost, no sweep machinery;
   - ``sweep_1``, ``sweep_2``: ``sim.sweep.run_sweep`` with 1 and 2 local worker processes,
     results streamed to Parquet in a temporary folder (start-up included: the pool, forked
     from this process, and each worker composing its config once; a first 4-run warm-up sweep,
     which loads the model's modules into this process, is timed apart);
   - ``batch_run_1``, ``batch_run_2``: ``mesa.batch_run`` with 1 and 2 processes on
     :class:`BatchSahelModel`, a thin subclass of ``SahelModel`` taking the same parameters as
     keywords; it composes the base config once per process (as the sweep's workers do) and
     collects the same summary numbers in a DataCollector at the last month.

   Both tools run the same tasks (parameters and seeds) and the script checks that their
   outcomes agree.
2. ``memory``: a sweep of ``--memory-runs`` runs of the default world (russia's rule x the
   hosts' ability to pay x replicates) on ``--workers`` workers: the peak resident memory of the
   main process and of each worker, sampled every 0.5 s, and the main process's memory at each
   tenth of the sweep (flat memory: the tenths stay level).

Usage::

    python experiments/bench_sweep.py                       # throughput, ~1-2 minutes on 2 cores
    python experiments/bench_sweep.py --parts memory --memory-runs 10000
    python experiments/bench_sweep.py --json bench_sweep.json

Timings are wall time (time.perf_counter); other work on the machine lowers them, so the load
average before and after is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sim.model import SahelModel

#: Every tool runs the same work: the run without its twin world (``mesa.batch_run``'s model
#: computes the summary of the run alone; the twin would double the sweep's cost).
BASE = ("metrics.twin=false",)
RULES = ["none", "opportunistic"]
PAY = [0.5, 1.0]
OUTCOMES = ("verdict", "cost_ratio", "russia.own_net_cost_usd", "west.own_net_cost_usd",
            "host_cost_usd", "civilian_fatalities_aes")


# --------------------------------------------------------------------------- the Mesa wrapper


@functools.cache
def _base_config(overrides: tuple[str, ...]):
    """The composed default config, once per process."""
    from sim.api import load_config

    return load_config(overrides=list(overrides))


class BatchSahelModel(SahelModel):
    """``SahelModel`` with keyword parameters, for ``mesa.batch_run``.

    Args:
        russia_rule: ``rules.vacuum.russia``.
        host_can_pay: ``params.resources.host_can_pay``.
        seed: the run's seed (``batch_run`` passes its ``rng`` values here).
        overrides: Hydra overrides of the default config (composed once per process).
    """

    def __init__(self, russia_rule: str = "none", host_can_pay: float = 1.0, seed: int = 0,
                 overrides: tuple[str, ...] = BASE) -> None:
        import copy

        from mesa import DataCollector

        from sim.engine.prepare import prepare

        cfg = copy.deepcopy(_base_config(tuple(overrides)))
        cfg.rules.vacuum["russia"] = russia_rule
        cfg.params.resources.host_can_pay = float(host_can_pay)
        cfg.seed = int(seed)
        self.run_cfg = cfg
        super().__init__(prepare(cfg))
        self.outcomes: dict[str, Any] = {}
        self.datacollector = DataCollector(
            model_reporters={k: functools.partial(_outcome, k) for k in OUTCOMES})

    def step(self) -> None:
        """One month; after the last, compute the summary and collect it."""
        super().step()
        if self.steps >= self.n_months:
            from sim.metrics import summarize
            from sim.sweep.worker import flatten

            cfg = self.run_cfg
            self.outcomes = flatten(summarize(self.recorder.tables(), cfg.metrics, cfg.start,
                                              cfg.end))
            self.datacollector.collect(self)
            self.running = False


def _outcome(name: str, model: BatchSahelModel) -> Any:
    return model.outcomes.get(name)


# --------------------------------------------------------------------------- helpers


def _same(a: Any, b: Any) -> bool:
    """Whether two cost ratios are the same: equal, or both undefined (None in a summary, NaN in
    a stored row)."""
    def undefined(x: Any) -> bool:
        return x is None or (isinstance(x, float) and math.isnan(x))

    return (undefined(a) and undefined(b)) or a == b


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


class _OthersCpu:
    """CPU seconds used by processes outside this benchmark's process tree while it ran (other
    work on the machine), from per-process CPU times at the start and the end (processes that
    start and end in between are missed)."""

    def __init__(self) -> None:
        self.start = self._snapshot()

    @staticmethod
    def _snapshot() -> dict[tuple[int, float], float]:
        import psutil

        me = psutil.Process()
        mine = {me.pid} | {c.pid for c in me.children(recursive=True)}
        out = {}
        for proc in psutil.process_iter(["pid", "create_time", "cpu_times"]):
            info = proc.info
            if info["pid"] in mine or info["cpu_times"] is None:
                continue
            t = info["cpu_times"]
            out[(info["pid"], info["create_time"])] = t.user + t.system
        return out

    def seconds(self) -> float:
        """CPU seconds the other processes used since this object was made."""
        end = self._snapshot()
        return sum(v - self.start.get(k, 0.0) for k, v in end.items())


def _measure(fn, n: int | None = None) -> tuple[dict[str, Any], Any]:
    """Time ``fn()``; with the CPU seconds other processes used meanwhile."""
    others = _OthersCpu()
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    busy = others.seconds()
    m = {"seconds": dt, "others_cpu_s": busy, "others_cores": busy / dt}
    if n is not None:
        m["runs_per_s"] = n / dt
    return m, result


def _experiment(replicates: int, seed: int = 1):
    from sim.sweep.experiment import ExperimentConfig, ParameterSpec

    return ExperimentConfig(
        name="bench", base=list(BASE), design="full_factorial", replicates=replicates, seed=seed,
        parameters={"russia_rule": ParameterSpec(levels=RULES, paths=["rules.vacuum.russia"]),
                    "host_can_pay": ParameterSpec(levels=PAY,
                                                  paths=["params.resources.host_can_pay"])})


class _MemorySampler(threading.Thread):
    """Samples the resident memory of this process and its children every ``period`` s."""

    def __init__(self, period: float = 0.5) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process()
        self.period = period
        self.samples: list[tuple[float, float, dict[int, float]]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        t0 = time.perf_counter()
        import psutil

        while not self._halt.is_set():
            main = self.proc.memory_info().rss / 2**20
            kids = {}
            for c in self.proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a child that just exited
                    kids[c.pid] = c.memory_info().rss / 2**20
            self.samples.append((time.perf_counter() - t0, main, kids))
            self._halt.wait(self.period)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --------------------------------------------------------------------------- 1. throughput


def bench_throughput(replicates: int, workers: list[int]) -> dict[str, Any]:
    """Runs per second of each tool on the same tasks; checks that outcomes agree."""
    import logging

    import mesa

    from sim.api import run
    from sim.sweep.designs import replicate_seeds
    from sim.sweep.runner import run_sweep
    from sim.sweep.store import read_results

    logging.getLogger("MESA").setLevel(logging.WARNING)
    exp = _experiment(replicates)
    seeds = replicate_seeds(exp.seed, replicates)
    n = len(RULES) * len(PAY) * replicates
    out: dict[str, Any] = {"runs": n, "replicates": replicates, "load_before": _load()}

    # serial: the model alone
    import copy

    base = _base_config(BASE)
    cfgs = []
    for s in seeds:
        for rule in RULES:
            for pay in PAY:
                c = copy.deepcopy(base)
                c.rules.vacuum["russia"], c.params.resources.host_can_pay, c.seed = rule, pay, s
                c.output.plots = False
                cfgs.append(c)
    run(cfgs[0])
    serial = {}

    def loop() -> None:
        for c in cfgs:
            r = run(c)
            serial[(c.rules.vacuum["russia"], c.params.resources.host_can_pay, c.seed)] = (
                r.summary["cost_ratio"])

    out["serial"], _ = _measure(loop, n)

    # the first sweep of a process imports the model before its workers fork: timed apart
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        t0 = time.perf_counter()
        run_sweep(_experiment(1), Path(tmp) / "warm", n_workers=max(workers), progress=False)
        out["sweep_first_start_s"] = time.perf_counter() - t0
    for w in workers:
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            m, rep = _measure(functools.partial(run_sweep, exp, Path(tmp) / "s", n_workers=w,
                                                progress=False), n)
            df = read_results(Path(tmp) / "s")
        assert rep.n_ok == n, f"sweep: {rep.n_error} runs failed"
        m["same_as_serial"] = all(
            _same(serial[(r["russia_rule"], r["host_can_pay"], r["seed"])], r["cost_ratio"])
            for r in df.to_dict("records"))
        out[f"sweep_{w}"] = m

    for w in workers:
        m, results = _measure(functools.partial(
            mesa.batch_run, BatchSahelModel,
            parameters={"russia_rule": RULES, "host_can_pay": PAY}, number_processes=w,
            rng=seeds, max_steps=10_000, data_collection_period=-1, display_progress=False), n)
        assert len(results) == n
        m["same_as_serial"] = all(
            _same(serial[(r["russia_rule"], r["host_can_pay"], r["seed"])], r["cost_ratio"])
            for r in results)
        out[f"batch_run_{w}"] = m
    out["load_after"] = _load()
    if "sweep_1" in out and "sweep_2" in out:
        out["sweep_speedup_2_over_1"] = out["sweep_2"]["runs_per_s"] / out["sweep_1"]["runs_per_s"]
    if "batch_run_2" in out and "sweep_2" in out:
        out["sweep_2_over_batch_run_2"] = (out["sweep_2"]["runs_per_s"]
                                           / out["batch_run_2"]["runs_per_s"])
    return out


# --------------------------------------------------------------------------- 2. memory


def bench_memory(runs: int, workers: int) -> dict[str, Any]:
    """Peak memory of a sweep of ``runs`` default-world runs (rule x pay x replicates)."""
    import math

    from sim.sweep.runner import run_sweep

    replicates = math.ceil(runs / (len(RULES) * len(PAY)))
    exp = _experiment(replicates, seed=2)
    sampler = _MemorySampler()
    with tempfile.TemporaryDirectory(prefix="bench-sweep-mem-") as tmp:
        sampler.start()
        m, rep = _measure(functools.partial(run_sweep, exp, Path(tmp) / "s", n_workers=workers,
                                            progress=False))
        dt = m["seconds"]
        sampler.stop()
        disk = sum(p.stat().st_size for p in (Path(tmp) / "s").rglob("*") if p.is_file())
    main = [rss for _, rss, _ in sampler.samples]
    peak_child: dict[int, float] = {}
    total = []
    for _, rss, kids in sampler.samples:
        for pid, v in kids.items():
            peak_child[pid] = max(peak_child.get(pid, 0.0), v)
        total.append(rss + sum(kids.values()))
    tenths = [round(main[min(len(main) - 1, int(len(main) * k / 10))], 1) for k in range(1, 11)]
    return {"runs": rep.n_ok + rep.n_error, "errors": rep.n_error, "workers": workers,
            "seconds": dt, "others_cores": m["others_cores"], "runs_per_s": (rep.n_ok + rep.n_error) / dt,
            "peak_main_mib": max(main), "peak_total_mib": max(total),
            "peak_per_child_mib": sorted(peak_child.values(), reverse=True),
            "main_mib_by_tenth": tenths, "folder_mib": disk / 2**20}


# --------------------------------------------------------------------------- report


def print_report(res: dict[str, Any]) -> None:
    """Print the results as plain text."""
    print(f"sahel-sim sweep benchmark  python {platform.python_version()}  cpus {os.cpu_count()}")
    if "throughput" in res:
        t = res["throughput"]
        print(f"\n1. throughput: default world (historical, 84 months), {t['runs']} runs "
              f"(rule x ability to pay x {t['replicates']} replicates); load {t['load_before']} "
              f"-> {t['load_after']}")
        print(f"  {'tool':<30}{'runs/s':>10}{'seconds':>10}{'others':>9}  outcomes = serial")
        for key, label in (("serial", "sim.api.run loop (no pool)"),
                           ("sweep_1", "sim.sweep, 1 worker"), ("sweep_2", "sim.sweep, 2 workers"),
                           ("batch_run_1", "mesa.batch_run, 1 process"),
                           ("batch_run_2", "mesa.batch_run, 2 processes")):
            if key in t:
                v = t[key]
                print(f"  {label:<30}{v['runs_per_s']:>10.1f}{v['seconds']:>10.2f}"
                      f"{v['others_cores']:>9.2f}  {v.get('same_as_serial', '-')}")
        print(f"  (first sim.sweep of the process, model imports: 4-run warm-up sweep "
              f"{t['sweep_first_start_s']:.2f} s)")
        print("  (others: cores kept busy by other processes on the machine meanwhile; "
              "0 = a quiet machine)")
        if "sweep_speedup_2_over_1" in t:
            print(f"  sim.sweep: 2 workers / 1 worker = x{t['sweep_speedup_2_over_1']:.2f}")
        if "sweep_2_over_batch_run_2" in t:
            print(f"  sim.sweep / mesa.batch_run (2 workers) = x{t['sweep_2_over_batch_run_2']:.2f}")
    if "memory" in res:
        m = res["memory"]
        print(f"\n2. memory: {m['runs']} runs on {m['workers']} workers in {m['seconds']:.0f} s "
              f"({m['runs_per_s']:.1f} runs/s, {m['errors']} errors; other processes kept "
              f"{m['others_cores']:.2f} cores busy)")
        print(f"  peak RSS: main {m['peak_main_mib']:.0f} MiB, all processes "
              f"{m['peak_total_mib']:.0f} MiB (shared pages counted in each); per child "
              f"{', '.join(f'{v:.0f}' for v in m['peak_per_child_mib'])} MiB")
        print(f"  main process by tenth of the sweep (MiB): {m['main_mib_by_tenth']}")
        print(f"  sweep folder on disk: {m['folder_mib']:.1f} MiB")


def main() -> None:
    """Parse arguments, run the parts, print (and optionally save) the results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="throughput", help="throughput,memory")
    ap.add_argument("--replicates", type=int, default=50,
                    help="throughput: replicates of the 4 design points")
    ap.add_argument("--workers", default="1,2", help="throughput: worker counts to compare")
    ap.add_argument("--memory-runs", type=int, default=10_000)
    ap.add_argument("--memory-workers", type=int, default=2)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    parts = args.parts.split(",")
    res: dict[str, Any] = {}
    if "throughput" in parts:
        res["throughput"] = bench_throughput(args.replicates,
                                             [int(w) for w in args.workers.split(",")])
    if "memory" in parts:
        res["memory"] = bench_memory(args.memory_runs, args.memory_workers)
    print_report(res)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
