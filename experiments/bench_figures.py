"""Issue 27's four performance figures, measured as whole commands, each side by side with
another revision (``make bench``).

1. ``plausible``: ``sahel-sim-sweep experiment=plausible_worlds experiment.samples=256
   replicates=2 progress=false`` (512 runs) in a fresh folder: 512 / the whole command's wall
   time, in runs/s. Target: 150 runs/s.
2. ``rules``: ``sahel-sim-sweep experiment=rules_comparison replicates=N`` (7 scenarios x 5
   rules = 35 points, so 35 N runs; ``--rules-replicates``, 4) against ``sahel-sim-sweep
   experiment=default_world replicates=35N``: the runs/s of each and their ratio (per repeat).
   Target: the rules comparison as fast as the default world (a ratio of 1).
3. ``run``: a single default run with its twin, in process: ``sim.api.run(dataclasses.replace(
   cfg, seed=i))`` of ``sim.api.load_config()``, the median of ``--runs`` seeds (9) after one
   warm-up run, in a fresh interpreter (so both revisions are measured alike) that loaded the
   compiled kernels first (``sim.engine.rng.load_kernels()``: a process's runs after its first
   few, or a sweep's worker), in ms. Target: 60 ms or less.
4. ``first``: ``sahel-sim output.plots=false seed=<new each repeat>`` in a fresh folder with the
   composition cache missed (``SAHEL_SIM_CACHE``, the cache's folder, a new empty folder each
   time): the command's wall time, in s. Target: 1.0 s or less.

Each side is this checkout or the revision of ``--against`` (its ``sim/`` and ``configs/``
extracted by ``bench_ab.extract`` and put first on ``PYTHONPATH``; the same interpreter,
packages and console scripts). In every repeat each figure runs on both sides, the order swapped
every other repeat. Before the repeats each side runs each selected figure's command once, small
and untimed (``--warmup``): Numba compiles the extracted code's kernels. Both sides' ``.pyc``
files are written first (:func:`bench_ab.compile_bytecode`), as ``make`` writes this checkout's.
Figures 1-3 read and write a composition cache of each side's own (a temporary folder, filled by
the warm-up): the sweeps hit it, as a user's repeated commands do; figure 4 misses it on
purpose. Reported: each side's median over ``--repeats``, the ratio this / against of the
medians (runs/s: above 1 is faster; ms and s: below 1 is faster), and the load average before
and after. No pass/fail.

Usage::

    make bench                                            # this checkout, about 3 minutes
    make bench ARGS="--against 46d385f"                   # side by side, about 6 minutes
    .venv/bin/python experiments/bench_figures.py --only 3,4 --repeats 5 --json figures.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script, experiments/ is already there; not when loaded
    sys.path.insert(0, str(HERE))
import bench_ab  # experiments/ is not a package: its folder is put first above

#: The figures by number and name (``--only`` takes either).
FIGURES = {"1": "plausible", "2": "rules", "3": "run", "4": "first"}
#: Points of experiment=rules_comparison: 7 scenarios x 5 rules for Russia.
RULES_POINTS = 35
#: Runs of figure 1: experiment.samples=256 x replicates=2.
PLAUSIBLE_RUNS = 512

#: Figure 3's fresh interpreter: the compiled kernels loaded, the default config composed, one
#: warm-up run, then ``runs`` timed runs of their own seeds; their times (s) as JSON on the last
#: line. The kernels are loaded first because ``auto`` loads them only once the numpy Poisson
#: counts have spent 0.8 s (some three to five default runs of 350-550 ms each; 100-170 ms
#: after): a median of nine runs would otherwise fall on either side of that switch.
SINGLE_RUN = """
import dataclasses, json, sys, time
import sim.api, sim.engine.rng
getattr(sim.engine.rng, "load_kernels", lambda: None)()
cfg = sim.api.load_config()
sim.api.run(dataclasses.replace(cfg, seed=0))
times = []
for seed in range(1, int(sys.argv[1]) + 1):
    one = dataclasses.replace(cfg, seed=seed)
    t0 = time.perf_counter()
    sim.api.run(one)
    times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""


class Row(NamedTuple):
    """A line of the table: a quantity that a figure measures."""

    figure: str
    key: str
    label: str
    target: str
    fmt: str


def rows(rules_runs: int) -> list[Row]:
    """The table's lines, in order."""
    return [
        Row("1", "runs_per_s", f"1. plausible_worlds, {PLAUSIBLE_RUNS} runs (runs/s)",
            "150 runs/s", "{:.1f}"),
        Row("2", "rules_runs_per_s", f"2. rules_comparison, {rules_runs} runs (runs/s)",
            "= default_world", "{:.1f}"),
        Row("2", "default_runs_per_s", f"   default_world, {rules_runs} runs (runs/s)", "",
            "{:.1f}"),
        Row("2", "rules_over_default", "   rules_comparison / default_world", "1.00",
            "{:.2f}"),
        Row("3", "ms", "3. a run with its twin, in process (ms)", "<= 60 ms", "{:.0f}"),
        Row("4", "s", "4. first command, cache missed (s)", "<= 1.0 s", "{:.2f}"),
    ]


class Side:
    """One side of the comparison: its environment and its folders under ``work``."""

    def __init__(self, name: str, env: dict[str, str], work: Path, code: Path) -> None:
        self.name, self.env, self.work = name, env, work
        self.scripts = bench_ab.scripts_of(code)  # its own console scripts' entry points
        self.k = 0

    def fresh(self, what: str) -> Path:
        """A new folder name (not created) for one command's output or cache."""
        self.k += 1
        return self.work / f"{self.name}_{what}_{self.k}"

    def cached(self) -> dict[str, str]:
        """The environment with this side's own composition cache."""
        return {**self.env, "SAHEL_SIM_CACHE": str(self.work / f"cache_{self.name}")}

    def wall(self, args: list[str], env: dict[str, str] | None = None,
             check: Callable[[Path], None] | None = None) -> float:
        """Wall seconds of a console-script command whose ``{fresh}`` is a new folder (given to
        ``check`` after the command, then removed)."""
        fresh = self.fresh("out")
        try:
            seconds = bench_ab.timed_run(bench_ab.command(args, fresh, fresh, self.scripts),
                                         env or self.cached(), self.work)
            if check is not None:
                check(fresh)
            return seconds
        finally:
            shutil.rmtree(fresh, ignore_errors=True)


def sweep(side: Side, args: list[str], runs: int) -> float:
    """Runs/s of a whole ``sahel-sim-sweep`` command of ``runs`` runs.

    Raises:
        SystemExit: the sweep's manifest counts other than ``runs`` runs.
    """

    def counted(folder: Path) -> None:
        manifest = folder / "manifest.json"
        n = json.loads(manifest.read_text()).get("n_runs") if manifest.is_file() else None
        if n is not None and n != runs:
            raise SystemExit(f"sahel-sim-sweep {' '.join(args)} ({side.name}) ran {n} runs, "
                             f"not {runs}: its runs/s would be wrong")

    cmd = ["sahel-sim-sweep", *args, "progress=false", "hydra.run.dir={fresh}"]
    return runs / side.wall(cmd, check=counted)


def plausible(side: Side, opts: argparse.Namespace, repeat: int) -> dict[str, float]:
    """Figure 1."""
    return {"runs_per_s": sweep(side, ["experiment=plausible_worlds", "experiment.samples=256",
                                       "replicates=2"], PLAUSIBLE_RUNS)}


def rules(side: Side, opts: argparse.Namespace, repeat: int) -> dict[str, float]:
    """Figure 2: the rules comparison, then the default world of as many runs."""
    n = RULES_POINTS * opts.rules_replicates
    rc = sweep(side, ["experiment=rules_comparison", f"replicates={opts.rules_replicates}"], n)
    dw = sweep(side, ["experiment=default_world", f"replicates={n}"], n)
    return {"rules_runs_per_s": rc, "default_runs_per_s": dw, "rules_over_default": rc / dw}


def single_run(side: Side, opts: argparse.Namespace, repeat: int) -> dict[str, float]:
    """Figure 3: the median ms of ``opts.runs`` runs in a fresh interpreter.

    Raises:
        SystemExit: the interpreter failed (its error output).
    """
    done = subprocess.run([sys.executable, "-c", SINGLE_RUN, str(opts.runs)], env=side.cached(),
                          cwd=side.work, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"figure 3 ({side.name}) failed ({done.returncode}):\n"
                         f"{done.stderr[-2000:]}")
    times = json.loads(done.stdout.strip().splitlines()[-1])
    return {"ms": 1e3 * statistics.median(times)}


def first_command(side: Side, opts: argparse.Namespace, repeat: int) -> dict[str, float]:
    """Figure 4: the composition cache an empty new folder, the seed new each repeat."""
    env = {**side.env, "SAHEL_SIM_CACHE": str(side.fresh("cache"))}
    cmd = ["sahel-sim", "output.plots=false", f"seed={1000 + repeat}", "hydra.run.dir={fresh}"]
    try:
        return {"s": side.wall(cmd, env)}
    finally:
        shutil.rmtree(env["SAHEL_SIM_CACHE"], ignore_errors=True)


MEASURE: dict[str, Callable[[Side, argparse.Namespace, int], dict[str, float]]] = {
    "1": plausible, "2": rules, "3": single_run, "4": first_command}


def warm_up(side: Side, figures: list[str]) -> None:
    """Each selected figure's command once, small and untimed (figure 3 warms itself up)."""
    if "1" in figures:
        sweep(side, ["experiment=plausible_worlds", "experiment.samples=2", "replicates=1"], 2)
    if "2" in figures:
        sweep(side, ["experiment=rules_comparison", "replicates=1"], RULES_POINTS)
        sweep(side, ["experiment=default_world", "replicates=1"], 1)
    if "4" in figures:
        side.wall(["sahel-sim", "output.plots=false", "hydra.run.dir={fresh}"])


def parse_only(text: str) -> list[str]:
    """``--only``'s figures (numbers or names, comma-separated) as numbers, in order.

    Raises:
        argparse.ArgumentTypeError: a figure that is not one of them (naming the allowed ones).
    """
    names = {name: number for number, name in FIGURES.items()}
    allowed = ", ".join(f"{n} ({name})" for n, name in FIGURES.items())
    chosen = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        number = names.get(part, part)
        if number not in FIGURES:
            raise argparse.ArgumentTypeError(f"{part!r}; allowed: {allowed}")
        chosen.add(number)
    if not chosen:
        raise argparse.ArgumentTypeError(f"no figure given; allowed: {allowed}")
    return sorted(chosen)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="bench_figures.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", help="the revision to compare with (a commit, tag or branch of "
                    "this repository); without it only this checkout is measured")
    ap.add_argument("--repeats", type=int, default=3, help="measurements of each figure on each "
                    "side (3)")
    ap.add_argument("--only", type=parse_only, default=sorted(FIGURES),
                    help="the figures to measure, by number or name: 1 (plausible), 2 (rules), "
                    "3 (run), 4 (first); e.g. --only 3,4 (all)")
    ap.add_argument("--rules-replicates", type=int, default=4, help="figure 2's replicates of "
                    "rules_comparison (4: 140 runs, and as many of default_world)")
    ap.add_argument("--runs", type=int, default=9, help="figure 3's timed runs (seeds) per "
                    "measurement (9)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds of each side first (1)")
    ap.add_argument("--json", help="write the results to this file")
    return ap


def fmt(row: Row, value: float | None) -> str:
    return "-" if value is None else row.fmt.format(value)


def table(result: dict[str, Any], figures: list[str], rules_runs: int) -> str:
    """The results as a fixed-width table."""
    against = result["against"]
    head = ["figure", "target", "this checkout", against or "against",
            f"this / {against}" if against else "ratio"]
    lines = []
    for row in rows(rules_runs):
        if row.figure not in figures:
            continue
        q = result["figures"][FIGURES[row.figure]][row.key]
        other = q.get("against")
        lines.append([row.label, row.target, fmt(row, q["this"]["median"]),
                      fmt(row, other and other["median"]),
                      "-" if q.get("ratio") is None else f"x{q['ratio']:.2f}"])
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(len(head))]
    out = []
    for i, r in enumerate([head, *lines]):
        out.append("  ".join(c.ljust(w) if j < 2 else c.rjust(w)
                             for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    a = parser().parse_args(argv)
    if a.repeats < 1 or a.warmup < 0 or a.rules_replicates < 1 or a.runs < 1:
        parser().error(f"--repeats {a.repeats}, --warmup {a.warmup}, --rules-replicates "
                       f"{a.rules_replicates}, --runs {a.runs}; allowed: at least 1, 0, 1, 1")
    figures = a.only
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench_figures_"))
    samples: dict[str, dict[str, list[dict[str, float]]]] = {}
    try:
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SAHEL_SIM_CACHE")}
        sides = [Side("this", base, work, bench_ab.ROOT)]
        bench_ab.compile_bytecode(bench_ab.ROOT / "sim")  # the other side's: when extracted
        short = None
        if a.against:
            short = bench_ab.extract(a.against, work / "code")
            sides.insert(0, Side("against", {**base, "PYTHONPATH": str(work / "code")}, work,
                                 work / "code"))
        samples = {f: {s.name: [] for s in sides} for f in figures}
        load0 = os.getloadavg()[0]
        print(f"figures {','.join(figures)}: {a.repeats} repeat{'s' * (a.repeats > 1)}, this checkout"
              f"{f' and {short}, alternated' if short else ''}; {os.cpu_count()} cores, "
              f"load {load0:.2f}", flush=True)
        for _ in range(a.warmup):
            for side in sides:
                warm_up(side, figures)
        for r in range(a.repeats):
            order = sides if r % 2 == 0 else sides[::-1]
            for f in figures:
                for side in order:
                    samples[f][side.name].append(MEASURE[f](side, a, r))
        load1 = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result: dict[str, Any] = {"against": short, "repeats": a.repeats, "cores": os.cpu_count(),
                              "load": [round(load0, 2), round(load1, 2)], "figures": {}}
    if "2" in figures:
        result["rules_runs"] = RULES_POINTS * a.rules_replicates
    for f in figures:
        by_key: dict[str, Any] = {}
        for key in samples[f]["this"][0]:
            q = {side: bench_ab.summary([s[key] for s in got])
                 for side, got in samples[f].items()}
            if "against" in q:
                q["ratio"] = q["this"]["median"] / q["against"]["median"]
            by_key[key] = q
        result["figures"][FIGURES[f]] = by_key
    print(table(result, figures, RULES_POINTS * a.rules_replicates))
    print(f"medians of {a.repeats}; load {load0:.2f} -> {load1:.2f}; took "
          f"{time.perf_counter() - start:.0f} s"
          + (f"\nratio = this / {short} (runs/s: above 1 is faster; ms, s: below 1 is faster)"
             if short else ""))
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
