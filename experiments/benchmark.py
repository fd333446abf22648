"""How fast sahel-sim runs: the default run in-process and from the command line, and how the cost
of a month grows with the number of regions.

Three measurements and a profile, reported as median, min and max (time.perf_counter), no pass/fail:

1. ``inprocess``: ``sim.api.run(cfg)`` of the default configuration (composed once, outside the
   timing), repeated ``--repeats`` times after one warm-up run; then the same run split into its
   stages (validate, model build, ``model.run()``, ``recorder.tables()``, ``summarize``,
   provenance).
2. ``cli``: wall time of ``python -m sim hydra.run.dir=<tmp>`` with plots (the default) and with
   ``output.plots=false``, and the start-up cost (``python -m sim --help``, ``import sim.cli``,
   a bare interpreter).
3. ``scaling``: a synthetic world of each size in ``--sizes`` (default 1,000 and 10,000 regions,
   ``--n-states`` states, ``start`` to ``--scale-end``): build time per region and run time per
   region-step, and the ratio between the largest and the smallest size.
4. ``profile`` (only if asked for: ``--parts profile``): cProfile of ``--profile-runs`` default
   runs; the ``--top`` functions of ``sim/`` by cumulative share of ``run``.
5. ``batch``: the batch engine: ``--batches`` worlds of the default configuration in one model
   (each with its own seed), run and summarized (``run_batch`` without the twin, as a sweep row
   needs), in ms per run and runs per second on one core, against a batch of one.

6. ``design`` (only if asked for): a sampled design, ``--design-points`` points of the
   ``sobol_cheap_win`` experiment's parameters (a Latin hypercube over their ranges) x
   ``--design-replicates`` seeds, twins included: every world with its own values in as few
   batches as their structures allow (``sim.api.run_worlds``, as the sweep's worker runs a
   chunk) against one batch per point (``run_batch``: the replicates of a point only, as the
   engine did before worlds could differ in their values), alternated ``--batch-repeats`` times.

``scaling`` runs ``--scale-batch`` worlds per model (default 1); its cost per region-step is per
world.

Usage::

    make bench-engine                               # everything, about a minute on 2 cores
    make bench-engine ARGS="--parts scaling --sizes 1000,100000"
    make bench-engine ARGS="--parts profile"          # where a default run spends its time
    python experiments/benchmark.py --json bench.json scenario=endogenous

Positional arguments are Hydra overrides of the default run (parts 1, 2 and 4).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PARTS = ("inprocess", "cli", "scaling", "profile", "batch", "design")
DEFAULT_PARTS = ("inprocess", "cli", "scaling", "batch")


# --------------------------------------------------------------------------- helpers


def stats(samples: list[float], unit: str = "ms") -> dict[str, Any]:
    """Median, min and max of ``samples`` (seconds), converted to ``unit``.

    Args:
        samples: durations in seconds.
        unit: ``"s"``, ``"ms"`` or ``"us"``.

    Returns:
        ``{"median", "min", "max", "n", "unit", "samples"}`` in ``unit``.
    """
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
    vals = [s * scale for s in samples]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals), "unit": unit, "samples": vals}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Call ``fn()``; return (seconds, its result)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def versions() -> dict[str, str]:
    """Versions of Python and the packages whose speed matters here."""
    out = {"python": platform.python_version()}
    for pkg in ("sahel-sim", "mesa", "numpy", "pandas", "pyarrow", "hydra-core", "matplotlib"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "missing"
    return out


def _load() -> float | None:
    """The 1-minute load average (None where the OS has none): a busy machine skews timings."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def git_commit() -> str | None:
    """The commit of the checkout this script lives in (None outside git)."""
    try:
        res = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False, cwd=Path(__file__).resolve().parent)
        return res.stdout.strip() or None if res.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------- 1. in-process


def bench_inprocess(overrides: list[str], repeats: int) -> dict[str, Any]:
    """Time ``run(cfg)`` of one configuration, whole and by stage.

    Args:
        overrides: Hydra overrides of the default configuration.
        repeats: timed runs per measurement (after one warm-up run).

    Returns:
        Timings in ms: ``load_config_first`` (includes Hydra's imports), ``load_config`` (warm,
        5 times), ``first_run`` (includes lazy imports), ``run``, and ``stages``.
    """
    from sim.api import load_config, run
    from sim.metrics import summarize
    from sim.model import SahelModel
    from sim.engine.prepare import prepare
    from sim.provenance import provenance

    t_cfg, cfg = timed(lambda: load_config(overrides=overrides))
    compose = [timed(lambda: load_config(overrides=overrides))[0] for _ in range(5)]
    t_first, first = timed(lambda: run(cfg))
    total = [timed(lambda: run(cfg))[0] for _ in range(repeats)]

    stages: dict[str, list[float]] = {k: [] for k in (
        "validate", "build", "simulate", "tables", "summarize", "provenance")}
    for _ in range(repeats):
        t, prepared = timed(partial(prepare, cfg, remember=False))
        stages["validate"].append(t)
        t, model = timed(partial(SahelModel, prepared))
        stages["build"].append(t)
        stages["simulate"].append(timed(model.run)[0])
        t, tables = timed(model.recorder.tables)
        stages["tables"].append(t)
        stages["summarize"].append(
            timed(partial(summarize, tables, cfg.metrics, cfg.start, cfg.end))[0])
        stages["provenance"].append(timed(partial(provenance, cfg))[0])
    n_months = model.n_months
    return {
        "overrides": overrides,
        "regions": model.world.n_regions,
        "months": n_months,
        "table_rows": {k: len(v) for k, v in first.tables.items()},
        "load_config_first": stats([t_cfg]),
        "load_config": stats(compose),
        "first_run": stats([t_first]),
        "run": stats(total),
        "stages": {k: stats(v) for k, v in stages.items()},
    }


# --------------------------------------------------------------------------- 2. command line


def _wall(cmd: list[str], cwd: str) -> float:
    """Wall time of ``cmd``; a failing command is an error (its timing would mean nothing)."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {res.returncode}:\n{res.stderr[-2000:]}")
    return dt


def bench_cli(overrides: list[str], repeats: int) -> dict[str, Any]:
    """Wall time of the ``sahel-sim`` command and of Python/Hydra start-up.

    Args:
        overrides: Hydra overrides passed to every run.
        repeats: runs per measurement.

    Returns:
        Timings in ms of ``run_plots``, ``run_no_plots``, ``help``, ``import_cli``,
        ``import_api`` (Hydra, pandas), ``import_model`` (Mesa) and ``python_bare``, and the
        number of PNG files the plots run wrote.
    """
    py = sys.executable
    env_cmds = {
        "python_bare": [py, "-c", "pass"],
        "import_cli": [py, "-c", "import sim.cli"],
        "import_api": [py, "-c", "import sim.api"],
        "import_model": [py, "-c", "import sim.model"],
        "help": [py, "-m", "sim", "--help"],
    }
    out: dict[str, Any] = {"overrides": overrides}
    with tempfile.TemporaryDirectory(prefix="sahel-bench-") as tmp:
        for label, extra in (("run_plots", []), ("run_no_plots", ["output.plots=false"])):
            samples = []
            for i in range(repeats):
                run_dir = Path(tmp) / f"{label}_{i}"
                samples.append(_wall([py, "-m", "sim", *overrides, *extra,
                                      f"hydra.run.dir={run_dir}"], cwd=tmp))
            out[label] = stats(samples)
        out["pngs_written"] = len(list((Path(tmp) / "run_plots_0").rglob("*.png")))
        for label, cmd in env_cmds.items():
            out[label] = stats([_wall(cmd, cwd=tmp) for _ in range(repeats)])
    return out


# --------------------------------------------------------------------------- 3. scaling


def bench_scaling(sizes: list[int], n_states: int, end: str, repeats: int,
                  batch: int = 1) -> dict[str, Any]:
    """Build and run synthetic worlds of growing size.

    Args:
        sizes: numbers of regions.
        n_states: states in every world (fixed, so that only the region count changes).
        end: last month (start is the default, 2019-01).
        repeats: builds and runs per size.
        batch: worlds per model (the run time per region-step is per world).

    Returns:
        Per size: validate (world generation), build and run times, microseconds per region
        (build) and per region-step (run); and ``ratio``: largest over smallest size.
    """
    from sim.api import load_config
    from sim.model import SahelModel
    from sim.engine.prepare import prepare

    out: dict[str, Any] = {"n_states": n_states, "end": end, "batch": batch, "sizes": {}}
    for n in sizes:
        cfg = load_config(overrides=["scenario=synthetic", f"world.synthetic.n_regions={n}",
                                     f"world.synthetic.n_states={n_states}", f"end={end}"])
        gen, build, simulate = [], [], []
        for _ in range(repeats):
            t, prepared = timed(partial(prepare, cfg, remember=False))
            gen.append(t)
            t, model = timed(partial(SahelModel, prepared, list(range(batch))))
            build.append(t)
            simulate.append(timed(model.run)[0])
        regions, steps = model.world.n_regions, model.n_months * batch
        run_s = statistics.median(simulate)
        out["sizes"][str(n)] = {
            "regions": regions, "steps": steps,
            "validate": stats(gen), "build": stats(build), "run": stats(simulate),
            "build_us_per_region": statistics.median(build) / regions * 1e6,
            "run_us_per_region_step": run_s / (regions * steps) * 1e6,
        }
    if len(sizes) > 1:
        lo, hi = out["sizes"][str(min(sizes))], out["sizes"][str(max(sizes))]
        out["ratio"] = {
            "regions": hi["regions"] / lo["regions"],
            "build": hi["build"]["median"] / lo["build"]["median"],
            "run": hi["run"]["median"] / lo["run"]["median"],
            "run_per_region_step": hi["run_us_per_region_step"] / lo["run_us_per_region_step"],
        }
    return out


# --------------------------------------------------------------------------- 4. profile


def bench_profile(overrides: list[str], runs: int, top: int) -> dict[str, Any]:
    """Profile ``run(cfg)`` with cProfile and rank the functions of ``sim/``.

    Args:
        overrides: Hydra overrides of the default configuration.
        runs: profiled runs (after one unprofiled warm-up run).
        top: how many functions to keep.

    Returns:
        ``{"runs", "total_s", "functions": [{"function", "calls", "cum_share", "self_share"}]}``;
        shares are of the total time of ``sim.api.run`` (cumulative shares overlap: a caller
        includes its callees). cProfile's per-call overhead inflates small, frequent functions.
    """
    import cProfile
    import pstats

    from sim.api import load_config, run

    cfg = load_config(overrides=overrides)
    run(cfg)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        run(cfg)
    prof.disable()
    raw = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    root = Path(__file__).resolve().parent.parent
    sim_dir = str(root / "sim") + os.sep
    total = max(ct for (f, _, name), (_, _, _, ct, _) in raw.items()
                if f.startswith(sim_dir) and name == "run")
    rows = []
    for (f, line, name), (_, calls, self_t, cum_t, _) in raw.items():
        if f.startswith(sim_dir):
            rows.append({"function": f"{Path(f).relative_to(root).as_posix()}:{line}({name})",
                         "calls": calls, "cum_share": cum_t / total, "self_share": self_t / total})
    rows.sort(key=lambda r: r["cum_share"], reverse=True)
    return {"runs": runs, "total_s": total, "functions": rows[:top]}


# --------------------------------------------------------------------------- 5. batch


def bench_batch(overrides: list[str], batches: list[int], repeats: int) -> dict[str, Any]:
    """Run batches of worlds of one configuration, each world with its own seed.

    Args:
        overrides: Hydra overrides of the default configuration (``metrics.twin=false`` added).
        batches: batch sizes B.
        repeats: timed batches per size (after one warm-up batch of one).

    Returns:
        Per B: the batch's time, ms per run and runs per second; ``speedup``: runs per second
        over those of B = 1 (when measured).
    """
    from sim.api import load_config, run_batch

    cfg = load_config(overrides=[*overrides, "metrics.twin=false"])
    run_batch(cfg, [0])
    out: dict[str, Any] = {"overrides": overrides, "sizes": {}}
    seed = 1
    for b in batches:
        samples = []
        for _ in range(repeats):
            seeds = list(range(seed, seed + b))
            seed += b
            samples.append(timed(partial(run_batch, cfg, seeds))[0])
        med = statistics.median(samples)
        out["sizes"][str(b)] = {"batch": stats(samples, "s"), "ms_per_run": med / b * 1e3,
                                "min_ms_per_run": min(samples) / b * 1e3, "runs_per_s": b / med}
    if "1" in out["sizes"]:
        one = out["sizes"]["1"]["runs_per_s"]
        out["speedup"] = {k: v["runs_per_s"] / one for k, v in out["sizes"].items()}
    return out


def design_configs(points: int, replicates: int, seed: int = 2026) -> tuple[list, list]:
    """``points`` configs of the ``sobol_cheap_win`` experiment's parameters, sampled by a Latin
    hypercube over their ranges (as the sweep's worker builds them), each with ``replicates``
    seeds: ``(configs, seeds)``, one pair per world, a point's worlds sharing its config."""
    from sim.sweep.designs import build_design
    from sim.sweep.experiment import load_experiment
    from sim.sweep.worker import SweepContext, Task, point_configs

    exp = dataclasses.replace(load_experiment("sobol_cheap_win"), design="latin_hypercube",
                              samples=points, seed=seed)
    design = build_design(exp)
    ctx = SweepContext(base=tuple(exp.base), parameters=dict(exp.parameters))
    names = list(exp.parameters)
    rows = design.table[names].to_dict("records")
    tasks = [Task(run_id=f"p{i}-r{r}", pair_id=f"p{i}-r{r}", point=i, replicate=r,
                  scenario="base", seed=1000 * i + r, values=row)
             for i, row in enumerate(rows) for r in range(replicates)]
    return point_configs(ctx, tasks), [t.seed for t in tasks]


def bench_design(points: int, replicates: int, repeats: int) -> dict[str, Any]:
    """A sampled design run both ways (part 6); ms per run (twins included) and the ratio."""
    from sim.api import run_batch, run_worlds

    cfgs, seeds = design_configs(points, replicates)
    run_worlds(cfgs[:2], seeds[:2])  # warm-up: imports, caches

    def per_point() -> None:
        for i in range(0, len(cfgs), replicates):
            run_batch(cfgs[i], seeds[i:i + replicates])

    together, alone = [], []
    for _ in range(repeats):
        together.append(timed(lambda: run_worlds(cfgs, seeds))[0])
        alone.append(timed(per_point)[0])
    n = len(cfgs)
    out = {"points": points, "replicates": replicates, "runs": n,
           "run_worlds": stats([t / n for t in together]),
           "per_point": stats([t / n for t in alone])}
    out["speedup"] = out["per_point"]["median"] / out["run_worlds"]["median"]
    return out


# --------------------------------------------------------------------------- report


def _row(name: str, s: dict[str, Any], note: str = "") -> str:
    return (f"  {name:<34}{s['median']:>10.1f}{s['min']:>10.1f}{s['max']:>10.1f}  {s['unit']:<3}"
            f" n={s['n']:<3}{note}")


def print_report(res: dict[str, Any]) -> None:
    """Print the results as a plain-text table."""
    env = res["environment"]
    print(f"sahel-sim benchmark  commit {env['git_commit']}  python {env['versions']['python']}  "
          f"mesa {env['versions']['mesa']}  cpus {env['cpus']}")
    head = f"  {'measure':<34}{'median':>10}{'min':>10}{'max':>10}"
    if "inprocess" in res:
        r = res["inprocess"]
        print(f"\n1. in-process, default run ({r['regions']} regions x {r['months']} months, "
              f"overrides {r['overrides'] or 'none'})")
        print(head)
        print(_row("load_config (first: imports)", r["load_config_first"]))
        print(_row("load_config (warm)", r["load_config"]))
        print(_row("first run (lazy imports)", r["first_run"]))
        print(_row("sim.api.run(cfg)", r["run"]))
        parts = sum(s["median"] for s in r["stages"].values())
        for k, s in r["stages"].items():
            print(_row(f"  {k}", s, f"  {100 * s['median'] / parts:5.1f}% of stages"))
        print(f"  (stage medians sum to {parts:.1f} ms)")
    if "cli" in res:
        c = res["cli"]
        print("\n2. command line (wall time, subprocess)")
        print(head)
        print(_row("sahel-sim (plots)", c["run_plots"], f"  {c['pngs_written']} PNG written"))
        print(_row("sahel-sim output.plots=false", c["run_no_plots"]))
        print(_row("python -m sim --help", c["help"]))
        print(_row('python -c "import sim.cli"', c["import_cli"]))
        print(_row('python -c "import sim.api"', c["import_api"]))
        print(_row('python -c "import sim.model"', c["import_model"]))
        print(_row('python -c "pass"', c["python_bare"]))
    if "scaling" in res:
        s = res["scaling"]
        print(f"\n3. synthetic worlds ({s['n_states']} states, to {s['end']}, "
              f"{s.get('batch', 1)} world(s) per model; steps: months x worlds)")
        print(f"  {'regions':>8}{'steps':>6}{'validate ms':>13}{'build ms':>11}{'run ms':>10}"
              f"{'build us/region':>17}{'run us/region-step':>20}")
        for v in s["sizes"].values():
            print(f"  {v['regions']:>8}{v['steps']:>6}{v['validate']['median']:>13.1f}"
                  f"{v['build']['median']:>11.1f}{v['run']['median']:>10.1f}"
                  f"{v['build_us_per_region']:>17.2f}{v['run_us_per_region_step']:>20.3f}")
        if "ratio" in s:
            q = s["ratio"]
            print(f"  x{q['regions']:g} regions: build x{q['build']:.2f}, run x{q['run']:.2f}, "
                  f"run per region-step x{q['run_per_region_step']:.2f} (1 = linear)")
    if "design" in res:
        d = res["design"]
        print(f"\n6. a sampled design: {d['points']} points x {d['replicates']} seeds of "
              "sobol_cheap_win's parameters (LHS), twins included, ms per run")
        for key, label in (("run_worlds", "every world with its own values, batched"),
                           ("per_point", "one batch per point (replicates only)")):
            v = d[key]
            print(f"  {label:<44}{v['median']:>9.1f}  (min {v['min']:.1f})")
        print(f"  x{d['speedup']:.2f} batched across points")
    if "batch" in res:
        bt = res["batch"]
        print("\n5. the batch engine: B worlds of the default run in one model, no twin "
              "(one core)")
        print(f"  {'B':>6}{'batch s':>10}{'ms/run':>10}{'min ms/run':>12}{'runs/s':>9}"
              f"{'x B=1':>8}")
        for k, v in bt["sizes"].items():
            up = bt.get("speedup", {}).get(k)
            print(f"  {k:>6}{v['batch']['median']:>10.2f}{v['ms_per_run']:>10.2f}"
                  f"{v['min_ms_per_run']:>12.2f}{v['runs_per_s']:>9.1f}"
                  f"{'' if up is None else f'{up:>8.2f}'}")
    if "profile" in res:
        pr = res["profile"]
        print(f"\n4. cProfile of {pr['runs']} default runs ({pr['total_s']:.2f} s profiled); "
              "share of sim.api.run")
        print(f"  {'cum %':>6}{'self %':>8}{'calls':>8}  function")
        for r in pr["functions"]:
            print(f"  {100 * r['cum_share']:>6.1f}{100 * r['self_share']:>8.1f}{r['calls']:>8}"
                  f"  {r['function']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the arguments, run the chosen parts, print the table and optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("overrides", nargs="*",
                    help="Hydra overrides of the default run (parts 1, 2, 4)")
    ap.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                    help=f"comma-separated subset of {','.join(PARTS)} "
                         f"(default: {','.join(DEFAULT_PARTS)})")
    ap.add_argument("--repeats", type=int, default=20, help="in-process runs (default 20)")
    ap.add_argument("--cli-repeats", type=int, default=5, help="command-line runs (default 5)")
    ap.add_argument("--scale-repeats", type=int, default=3, help="synthetic runs per size (3)")
    ap.add_argument("--sizes", default="1000,10000", help="regions of the synthetic worlds")
    ap.add_argument("--n-states", type=int, default=50, help="states of the synthetic worlds")
    ap.add_argument("--scale-end", default="2019-12", help="last month of the synthetic runs")
    ap.add_argument("--profile-runs", type=int, default=10, help="profiled runs (default 10)")
    ap.add_argument("--top", type=int, default=20, help="functions the profile lists (20)")
    ap.add_argument("--scale-batch", type=int, default=1, help="worlds per synthetic model (1)")
    ap.add_argument("--batches", default="1,8,32,128", help="batch sizes of part 5")
    ap.add_argument("--batch-repeats", type=int, default=3, help="timed batches per size (3)")
    ap.add_argument("--design-points", type=int, default=64, help="points of part 6 (64)")
    ap.add_argument("--design-replicates", type=int, default=2, help="seeds per point (2)")
    ap.add_argument("--json", metavar="PATH", help="also write the results (with samples) here")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        ap.error(f"--parts: unknown {unknown}; allowed: {', '.join(PARTS)}")

    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)  # as the CLI does
    res: dict[str, Any] = {"environment": {
        "git_commit": git_commit(), "versions": versions(), "cpus": os.cpu_count(),
        "machine": platform.machine(), "system": platform.system(),
        "load_before": _load()}}
    t0 = time.perf_counter()
    if "inprocess" in parts:
        res["inprocess"] = bench_inprocess(args.overrides, args.repeats)
    if "cli" in parts:
        res["cli"] = bench_cli(args.overrides, args.cli_repeats)
    if "scaling" in parts:
        sizes = sorted(int(x) for x in args.sizes.split(","))
        res["scaling"] = bench_scaling(sizes, args.n_states, args.scale_end, args.scale_repeats,
                                       args.scale_batch)
    if "profile" in parts:
        res["profile"] = bench_profile(args.overrides, args.profile_runs, args.top)
    if "batch" in parts:
        res["batch"] = bench_batch(args.overrides, [int(x) for x in args.batches.split(",")],
                                   args.batch_repeats)
    if "design" in parts:
        res["design"] = bench_design(args.design_points, args.design_replicates,
                                     args.batch_repeats)
    res["benchmark_seconds"] = time.perf_counter() - t0
    res["environment"]["load_after"] = _load()
    print_report(res)
    print(f"\n(benchmark took {res['benchmark_seconds']:.0f} s; 1-minute load average "
          f"{res['environment']['load_before']} before, {res['environment']['load_after']} after: "
          "other work on the machine inflates medians, min is the least disturbed figure)")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n")
        print(f"results: {args.json}")
    return res


if __name__ == "__main__":
    main()
