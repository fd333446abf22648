"""Where a sweep's chunk spends its time: one chunk of an experiment's tasks run in process, as a
sweep's worker runs it (``sim.sweep.worker.execute_batch``: the runs, their twins and, for a
calibrated experiment, their hindcasts, in batches of the engine), its parts timed.

The chunk runs ``--repeats`` times after two warm-up chunks (a small one and a whole one: imports,
Numba's kernels, caches) with the compiled kernels loaded first; the chunk with the least wall
time is reported. Each part's time is the sum of the calls of the functions named below, wrapped
for the measurement and restored after (a part inside another is counted in both: the month's
phases inside ``months``, the hosts' and powers' steps inside theirs):

- around the months: the design points' configs (``point_configs``), the configs prepared (their
  JSON, checks and worlds: ``Memo.prepare``), the models' set-up, the summaries
  (``summarize_batch``), the calibration scores (``calibration_batch``) and the rows (``_fill``);
- ``months`` (``SahelModel.run``) and its phases: the armed groups' recruits, moves and attacks,
  the militias, combat, the hosts (with their coups, sanctions and choice of partners), the
  foreign powers (with their rules' decisions), influence, the month's accounts and the record;
- the Poisson counts (``sim.engine.rng._kernel_counts``): their time and how many rates they
  drew (nonzero, by size);
- world-months: the worlds stepped in each month, summed (a twin that joins late counts from
  its joining month);
- the compiled kernels (Numba): each one's time and calls where Python calls it (every Numba
  function bound to a name in a ``sim`` module is wrapped; a kernel that another kernel calls
  counts in its caller), and their sum: the chunk's time in compiled code, against the rest
  (numpy's vectorized glue, Python, the configs, summaries and rows). Compiled code is what no
  restructuring of the Python around it removes: the chunk's floor, as long as every number of
  every run stays the same (docs/performance.md, "The floor").

No pass/fail. Usage::

    .venv/bin/python experiments/bench_chunk.py                      # 128 runs of plausible_worlds
    .venv/bin/python experiments/bench_chunk.py --experiment rules_comparison --runs 70
    .venv/bin/python experiments/bench_chunk.py --json chunk.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: (module, attribute, part): what is timed, in the order of the report. ``Class.method`` names a
#: method.
TIMED = (
    ("sim.sweep.worker", "point_configs", "design points' configs"),
    ("sim.engine.plan", "Memo.prepare", "configs prepared (JSON, checks, worlds)"),
    ("sim.model", "SahelModel.__init__", "models set up"),
    ("sim.model", "SahelModel.run", "months"),
    ("sim.processes.groups", "recruit", "  armed groups: recruits"),
    ("sim.processes.groups", "move", "  armed groups: moves"),
    ("sim.processes.groups", "attacks", "  armed groups: attacks"),
    ("sim.processes.militias", "update_militias", "  militias"),
    ("sim.processes.combat", "combat", "  combat"),
    ("sim.engine.rng", "_kernel_counts", "  Poisson counts (in all phases)"),
    ("sim.model", "SahelModel._hosts", "  hosts"),
    ("sim.processes.events", "coups", "    coups"),
    ("sim.processes.events", "sanctions", "    sanctions"),
    ("sim.processes.events", "partner_choice", "    choice of partners"),
    ("sim.model", "SahelModel._powers", "  foreign powers"),
    ("sim.agents.actors", "ForeignPower.decide", "    rules' decisions"),
    ("sim.processes.influence", "update_influence", "  influence"),
    ("sim.model", "close_month", "  the month's accounts"),
    ("sim.record", "Recorder.record", "  the record"),
    ("sim.engine.plan", "summarize_batch", "summaries"),
    ("sim.sweep.worker", "calibration_batch", "calibration scores"),
    ("sim.sweep.worker", "_fill", "rows"),
)


def kernel_names() -> dict[str, list[tuple[Any, str]]]:
    """Every compiled (Numba) function bound to a name in a loaded ``sim`` module, by its
    qualified name (``module.function`` where it is defined): the places it is bound, as
    ``(module, name)``."""
    import sys

    from numba.core.dispatcher import Dispatcher

    out: dict[str, list[tuple[Any, str]]] = {}
    for mod_name, module in sorted(sys.modules.items()):
        if not (mod_name == "sim" or mod_name.startswith("sim.")) or module is None:
            continue
        for name, obj in sorted(vars(module).items()):
            if isinstance(obj, Dispatcher):
                fn = obj.py_func
                out.setdefault(f"{fn.__module__}.{fn.__qualname__}", []).append((module, name))
    return out


@contextmanager
def timers(seconds: dict[str, float], rates: dict[str, int], world_months: list[int],
           kernels: dict[str, list[float]] | None = None) -> Iterator[None]:
    """Wrap the :data:`TIMED` functions (and ``SahelModel.step``, to count world-months) so that
    their calls add to ``seconds`` (by part), the Poisson counts' rates to ``rates`` and the
    worlds stepped to ``world_months[0]``, and (given ``kernels``) every compiled function of
    :func:`kernel_names` so that each call adds its time and 1 to ``kernels[name]`` (``[s,
    calls]``); restore them on exit. Kernels are wrapped only after they are compiled (Numba
    would compile a caller against the wrapper): call this after a warm-up."""
    import importlib

    restore: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
             ) -> None:
        original = owner.__dict__[name]
        restore.append((owner, name, original))
        setattr(owner, name, make(original))

    def timing(add: Callable[[float], None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A wrapper that gives ``add`` each call's time."""
        def make(fn: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    add(time.perf_counter() - t0)
            return call
        return make

    def timed(part: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(dt: float) -> None:
            seconds[part] = seconds.get(part, 0.0) + dt
        return timing(add)

    def counting(fn: Callable[..., Any]) -> Callable[..., Any]:
        def counts(keys: Any, month: int, per_key: int, flat: Any) -> Any:
            nonzero = flat[flat > 0]
            rates["rates"] += flat.size
            rates["nonzero"] += nonzero.size
            rates["below 0.1"] += int((nonzero < 0.1).sum())
            rates["0.1 to 1"] += int(((nonzero >= 0.1) & (nonzero < 1.0)).sum())
            rates["1 to 10"] += int(((nonzero >= 1.0) & (nonzero < 10.0)).sum())
            rates["10 and up"] += int((nonzero >= 10.0).sum())
            return fn(keys, month, per_key, flat)
        return counts

    for module, attr, part in TIMED:
        owner: Any = importlib.import_module(module)
        name = attr
        if "." in attr:
            cls, name = attr.split(".")
            owner = getattr(owner, cls)
        if attr == "_kernel_counts":  # counted outside the timing
            wrap(owner, name, lambda fn, part=part: counting(timed(part)(fn)))
        else:
            wrap(owner, name, timed(part))

    from sim.model import SahelModel

    def stepping(fn: Callable[..., Any]) -> Callable[..., Any]:
        def step(self: Any) -> Any:
            world_months[0] += int(self.active)
            return fn(self)
        return step

    wrap(SahelModel, "step", stepping)

    def kernel_timed(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def add(dt: float) -> None:
            entry = kernels.setdefault(name, [0.0, 0])
            entry[0] += dt
            entry[1] += 1
        return timing(add)

    if kernels is not None:
        for name, places in kernel_names().items():
            for module, attr in places:
                wrap(module, attr, kernel_timed(name))
    try:
        yield
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)


def chunk_tasks(experiment: str, runs: int, replicates: int) -> tuple[Any, list[Any]]:
    """The sweep context and the first ``runs`` tasks of ``experiment`` planned with
    ``replicates`` seeds a point (sampled designs get enough samples for ``runs``)."""
    from sim.sweep import runner
    from sim.sweep.experiment import load_experiment

    exp = load_experiment(experiment)
    if exp.design != "full_factorial":
        exp = dataclasses.replace(exp, samples=max(1, -(-runs // replicates)))
    p = runner.plan(exp, replicates=replicates)
    return p.context, list(itertools.islice(runner.iter_tasks(p), runs))


def measure(experiment: str, runs: int, replicates: int, repeats: int) -> dict[str, Any]:
    """Run the chunk ``repeats`` times (after its warm-ups); the parts of the fastest."""
    from sim.engine.rng import load_kernels
    from sim.sweep.worker import execute_batch, quiet_mesa

    load_kernels()
    quiet_mesa()
    ctx, tasks = chunk_tasks(experiment, runs, replicates)
    execute_batch(ctx, tasks[:4])
    execute_batch(ctx, tasks)
    best: dict[str, Any] | None = None
    walls = []
    for _ in range(repeats):
        seconds: dict[str, float] = {}
        rates = dict.fromkeys(("rates", "nonzero", "below 0.1", "0.1 to 1", "1 to 10",
                               "10 and up"), 0)
        world_months = [0]
        kernels: dict[str, list[float]] = {}
        with timers(seconds, rates, world_months, kernels):
            t0 = time.perf_counter()
            out = execute_batch(ctx, tasks)
            wall = time.perf_counter() - t0
        walls.append(wall)
        failed = [o[0]["row"].get("error") for o in out if o[0]["row"]["status"] != "ok"]
        if failed:
            raise SystemExit(f"{len(failed)} runs of the chunk failed: {failed[0]}")
        if best is None or wall < best["wall_s"]:
            best = {"wall_s": wall, "seconds": seconds, "rates": rates,
                    "world_months": world_months[0], "kernels": kernels,
                    "kernels_s": sum(k[0] for k in kernels.values())}
    assert best is not None
    months = best["seconds"].get("months", 0.0)
    best.update(experiment=experiment, runs=len(tasks), replicates=replicates, repeats=repeats,
                walls_s=walls,
                us_per_world_month=1e6 * months / max(best["world_months"], 1),
                around_months_s=best["wall_s"] - months)
    return best


def print_report(res: dict[str, Any]) -> None:
    """The parts as a table: seconds and share of the chunk."""
    wall = res["wall_s"]
    print(f"a chunk of {res['runs']} runs of {res['experiment']} ({res['replicates']} seeds a "
          f"point), in process, the fastest of {res['repeats']}: {wall:.3f} s "
          f"(all: {', '.join(f'{w:.3f}' for w in res['walls_s'])})")
    print(f"  {'part':<44}{'s':>8}{'% of chunk':>12}")
    for _, _, part in TIMED:
        if part in res["seconds"]:
            s = res["seconds"][part]
            print(f"  {part:<44}{s:>8.3f}{100 * s / wall:>11.1f}%")
    print(f"  {'around the months (chunk - months)':<44}{res['around_months_s']:>8.3f}"
          f"{100 * res['around_months_s'] / wall:>11.1f}%")
    print(f"world-months: {res['world_months']:,}; the months {res['us_per_world_month']:.0f} us "
          "a world-month")
    k_s = res["kernels_s"]
    print(f"in compiled kernels: {k_s:.3f} s ({100 * k_s / wall:.0f}% of the chunk; "
          f"{1e6 * k_s / max(res['world_months'], 1):.0f} us a world-month); outside them: "
          f"{wall - k_s:.3f} s")
    for name, (s, calls) in sorted(res["kernels"].items(), key=lambda kv: -kv[1][0]):
        print(f"  {name:<52}{s:>8.3f}{calls:>7} calls")
    r = res["rates"]
    print(f"Poisson rates: {r['rates']:,} ({r['nonzero']:,} nonzero: {r['below 0.1']:,} below "
          f"0.1, {r['0.1 to 1']:,} from 0.1 to 1, {r['1 to 10']:,} from 1 to 10, "
          f"{r['10 and up']:,} from 10 up)")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the arguments, measure, print, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiment", default="plausible_worlds",
                    help="the experiment whose tasks make the chunk (plausible_worlds)")
    ap.add_argument("--runs", type=int, default=128, help="runs in the chunk (128: a sweep's "
                    "largest)")
    ap.add_argument("--replicates", type=int, default=2, help="seeds a design point (2)")
    ap.add_argument("--repeats", type=int, default=3, help="timed chunks (3)")
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args(argv)
    for name in ("runs", "replicates", "repeats"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}={getattr(args, name)}; allowed: 1 or more")
    from sim.engine.memory import small_pages

    small_pages()  # as the sweep's command does
    res = measure(args.experiment, args.runs, args.replicates, args.repeats)
    print_report(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
