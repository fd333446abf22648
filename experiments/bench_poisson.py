"""How fast ``sim.engine.rng.poisson`` is with its compiled kernel (sim/engine/rng_kernel.py) against its
vectorized numpy implementation (``sim.engine.rng._vector_counts``, the engine's before the kernel; the
two give the same counts), and what the kernel costs to load.

Four measurements, medians (time.perf_counter), no pass/fail:

1. ``startup``: in fresh processes (``--starts`` each), ``import numpy``, then ``import numba``,
   then ``import sim.engine.rng_kernel``, and the first and second ``poisson`` calls, with the compiled
   kernel in Numba's cache (warm) and without (cold: an empty ``NUMBA_CACHE_DIR`` each time).
2. ``calls``: the ``poisson`` calls of a default run (recruits, attacks, combat; every month),
   recorded from a run of B worlds (``--batches``) and replayed ``--repeats`` times with each
   implementation: the median time of a call of each kind and of the whole month's calls.
3. ``model``: ``SahelModel(cfg, seeds).run()`` of the default configuration for each B, median of
   ``--repeats`` after a warm-up run, with each implementation forced
   (:func:`sim.engine.rng.set_kernel`).
4. ``process``: a fresh process that imports the model and runs the default configuration once
   (B = 1), as a single ``sahel-sim`` run does: its wall time, with the kernel (warm cache: the
   process still imports Numba and sets up its compiler's registries) and with the vectorized
   counts (``SAHEL_SIM_KERNEL``; ``auto`` takes these for a single run).

"reference" below is the vectorized implementation.

Usage::

    .venv/bin/python experiments/bench_poisson.py
    .venv/bin/python experiments/bench_poisson.py --parts calls,model --batches 1,16,128
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import sim.engine.rng

ROOT = Path(__file__).resolve().parent.parent

if TYPE_CHECKING:
    from sim.config import RunConfig

#: What a fresh process times: imports, then two poisson calls (JSON on the last line).
PROBE = """
import json, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import numba
t2 = time.perf_counter()
import sim.engine.rng, sim.engine.rng_kernel
sim.engine.rng.set_kernel("numba")
t3 = time.perf_counter()
keys = sim.engine.rng.stream_keys([1], "probe")
lam = np.array([[0.0, 0.5, 3.0, 12.0, 400.0]])
t4 = time.perf_counter()
sim.engine.rng.poisson(keys, 0, lam)
t5 = time.perf_counter()
sim.engine.rng.poisson(keys, 1, lam)
t6 = time.perf_counter()
print(json.dumps({"import numpy": t1 - t0, "import numba": t2 - t1,
                  "import sim.engine.rng_kernel": t3 - t2, "first call": t5 - t4,
                  "second call": t6 - t5}))
"""
#: A fresh process's single default run (the implementation from SAHEL_SIM_KERNEL).
SINGLE_RUN = """
from sim.api import load_config
from sim.engine.prepare import prepare
from sim.model import SahelModel
SahelModel(prepare(load_config([])), [0]).run()
"""
#: The implementation each name forces (sim.engine.rng.set_kernel).
KERNEL = {"reference": "numpy", "kernel": "numba"}
Draw = Callable[[np.ndarray, int, np.ndarray], np.ndarray]


def _probe(cache_dir: str) -> dict[str, float]:
    """The timings of :data:`PROBE` in a fresh interpreter with ``NUMBA_CACHE_DIR=cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, text=True,
                         capture_output=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _medians(rows: list[dict[str, float]]) -> dict[str, float]:
    """The median of each timing over ``rows``."""
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def startup(starts: int) -> dict[str, dict[str, float]]:
    """Medians of the fresh-process timings, the kernel cold (compiled) and warm (loaded)."""
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as primed:
        _probe(primed)  # compile once into the warm cache
        for _ in range(starts):
            with tempfile.TemporaryDirectory() as empty:
                cold.append(_probe(empty))
            warm.append(_probe(primed))
    return {"cold": _medians(cold), "warm": _medians(warm)}


def _forced(kernel: str) -> Draw:
    """:func:`sim.engine.rng.poisson` with ``kernel`` forced (then the choice before)."""

    def draw(keys: np.ndarray, month: int, lam: np.ndarray) -> np.ndarray:
        before = sim.engine.rng._KERNEL
        sim.engine.rng.set_kernel(kernel)
        try:
            return sim.engine.rng.poisson(keys, month, lam)
        finally:
            sim.engine.rng._KERNEL = before

    return draw


@contextmanager
def drawing_with(draw: Draw) -> Iterator[None]:
    """Every loaded ``sim`` module that draws with :func:`sim.engine.rng.poisson` draws with ``draw``
    inside the block."""
    import sim.model  # loads every process that draws

    patched = [m for name, m in list(sys.modules.items())
               if name.startswith("sim.") and name != "sim.engine.rng"
               and getattr(m, "poisson", None) is sim.engine.rng.poisson]
    for m in patched:
        m.poisson = draw
    try:
        yield
    finally:
        for m in patched:
            m.poisson = sim.engine.rng.poisson


def _config() -> RunConfig:
    """The default configuration, prepared."""
    from sim.api import load_config
    from sim.engine.prepare import prepare

    return prepare(load_config([]))


def record_calls(batch: int) -> list[tuple[np.ndarray, int, np.ndarray]]:
    """The arguments of every ``poisson`` call of a default run of ``batch`` worlds."""
    from sim.model import SahelModel

    calls = []

    def record(keys: np.ndarray, month: int, lam: np.ndarray) -> np.ndarray:
        """Keep a copy of the arguments, then draw."""
        calls.append((np.array(keys), int(month), np.array(lam)))
        return sim.engine.rng.poisson(keys, month, lam)

    with drawing_with(record):
        SahelModel(_config(), list(range(batch))).run()
    return calls


def calls(batches: list[int], repeats: int) -> dict[str, dict[str, dict[str, float]]]:
    """Per B: median seconds per call of each of a month's three calls and per month, with the
    reference and with the kernel (each replayed ``repeats`` times, after one pass)."""
    out = {}
    for batch in batches:
        recorded = record_calls(batch)
        per = {}
        for name, draw in (("reference", _forced("numpy")), ("kernel", _forced("numba"))):
            times = np.zeros((repeats + 1, len(recorded)))
            for r in range(repeats + 1):
                for i, (keys, month, lam) in enumerate(recorded):
                    t = time.perf_counter()
                    draw(keys, month, lam)
                    times[r, i] = time.perf_counter() - t
            times = times[1:]
            # a month's calls: recruits [B, G, R], attacks [B, G, R], combat [B, rows, R]
            kinds = {"recruit": times[:, 0::3], "attacks": times[:, 1::3],
                     "combat": times[:, 2::3]}
            per[name] = {k: float(np.median(v)) for k, v in kinds.items()}
            per[name]["month (3 calls)"] = float(np.median(times.sum(axis=1))) / (
                len(recorded) / 3)
            per[name]["run (all calls)"] = float(np.median(times.sum(axis=1)))
        sizes = [(lam.size, int(np.count_nonzero(lam))) for _, _, lam in recorded[-3:]]
        out[f"B={batch} (last month's rates, nonzero: {sizes})"] = per
    return out


def model(batches: list[int], repeats: int) -> dict[str, dict[str, float]]:
    """Per B: median seconds of ``SahelModel(cfg, seeds).run()`` with the reference's counts
    and with the kernel's, alternated (after a warm-up run of each)."""
    from sim.model import SahelModel

    cfg = _config()
    out = {}
    for batch in batches:
        seeds = list(range(100, 100 + batch))
        times: dict[str, list[float]] = {"reference": [], "kernel": []}
        for r in range(repeats + 1):
            for name, draw in (("reference", _forced("numpy")), ("kernel", _forced("numba"))):
                with drawing_with(draw):
                    m = SahelModel(cfg, seeds)
                    t = time.perf_counter()
                    m.run()
                    if r:
                        times[name].append(time.perf_counter() - t)
        out[f"B={batch}"] = {k: statistics.median(v) for k, v in times.items()}
        out[f"B={batch}"]["speed-up"] = out[f"B={batch}"]["reference"] / out[f"B={batch}"][
            "kernel"]
    return out


def process(starts: int) -> dict[str, dict[str, float]]:
    """Median wall seconds of a fresh process's single default run, with each implementation
    (alternated, ``starts`` each; the kernel's cache warmed first)."""
    times: dict[str, list[float]] = {"reference": [], "kernel": []}
    def env(name: str) -> dict[str, str]:
        return {**os.environ, "SAHEL_SIM_KERNEL": KERNEL[name]}

    subprocess.run([sys.executable, "-c", SINGLE_RUN], env=env("kernel"), cwd=ROOT, check=True)
    for _ in range(starts):
        for name, seconds in times.items():
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", SINGLE_RUN], env=env(name), cwd=ROOT,
                           check=True, timeout=600)
            seconds.append(time.perf_counter() - t)
    return {"B=1, import + run": {k: statistics.median(v) for k, v in times.items()}}


def main(argv: list[str] | None = None) -> None:
    """Run the chosen parts and print their medians (and write them as JSON if asked)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="startup,calls,model,process")
    ap.add_argument("--batches", default="1,128", help="worlds per model, comma-separated")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--starts", type=int, default=5, help="fresh processes per cache state")
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args(argv)
    parts = args.parts.split(",")
    batches = [int(b) for b in args.batches.split(",")]
    results = {}
    if "startup" in parts:
        results["startup"] = startup(args.starts)
    if "calls" in parts:
        results["calls"] = calls(batches, args.repeats)
    if "model" in parts:
        results["model"] = model(batches, args.repeats)
    if "process" in parts:
        results["process"] = process(args.starts)
    for part, rows in results.items():
        print(f"== {part} (seconds, medians)")
        for row, values in rows.items():
            print(f"  {row}")
            for k, v in values.items():
                if isinstance(v, dict):
                    print(f"    {k}: " + ", ".join(f"{a} {b * 1e6:.0f} us" for a, b in v.items()))
                else:
                    print(f"    {k}: {v:.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
