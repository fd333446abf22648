"""The one world we know happened (issue 24): the historical replay's verdict, per AES state and
by cost basis, over seeds, printed beside a sweep's in its report (docs/ODD.md section 11).

A sweep whose experiment sets ``historical_replay`` (seeds; ``plausible_worlds`` sets 20) runs
the default scenario (``historical``, 2019-01 to 2025-12, each run with its twin) on seeds 0 to
N - 1 as jobs of their own on the workers, one part of the seeds each, beside the sweep's first
chunks (:func:`replay_job`; in
the sweep's process if no worker ran, as when a finished sweep is resumed), and writes
:data:`FILE` into its folder once the runs are stored; the report reads it
(``SweepData.historical``). ``python experiments/historical_verdict.py`` prints the same.

The replay depends on nothing of the sweep's (the default scenario, its seeds): every replay a
sweep writes is kept in the cache of :mod:`sim.config.compose_cache` (its folder's ``replay/``)
under the SHA-256 of its seeds and overrides and of the files it was computed from (every file
of the ``sim`` package and of the project's config folder, numpy's and Python's versions:
:func:`replay_key`), and a later sweep copies it from there instead of running it again
(:func:`cached_replay`); ``SAHEL_SIM_CACHE=off`` turns that off with the compositions' cache.
The copy is the file the runs would write, byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import platform
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from sim.config import COST_BASES

__all__ = ["FILE", "cached_replay", "copy_cached_replay", "historical_replay", "replay_job",
           "replay_key", "replay_parts", "replay_summaries", "replay_text", "replay_verdict",
           "write_historical_replay", "write_replay"]

#: The file a sweep's folder holds the replay's verdict in.
FILE = "historical_replay.json"
#: Each AES state's graded numbers the replay reports.
STATE_NUMBERS = ("lead_months", "share_gap", "cash_ratio")


def _spread(values: list[float | None]) -> dict[str, float | int | None]:
    """Median, minimum and maximum of the values that are defined (and how many are)."""
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return {"median": None, "min": None, "max": None, "defined": 0}
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "defined": len(xs)}


def historical_replay(seeds: int = 20, overrides: list[str] | None = None) -> dict[str, Any]:
    """The replay's verdict over seeds 0 .. ``seeds`` - 1 of the default scenario (with
    ``overrides``): the verdicts' counts (the first version's too), the security wins, the cheap
    runs and the wins caused by the vacuum; the cost ratio on each basis and, per AES state,
    the lead months, the share gap and the cash ratio (median, minimum, maximum)."""
    return replay_verdict(replay_summaries(range(seeds), overrides), overrides)


def replay_summaries(seeds: range, overrides: list[str] | None = None) -> list[dict[str, Any]]:
    """The summaries of the default scenario's runs (with ``overrides``) on ``seeds``: a part
    of the replay (a sweep's workers run a part each, :func:`replay_job`)."""
    from sim.api import load_config, run_batch

    return [r.summary for r in run_batch(load_config(overrides or []), list(seeds))]


def replay_verdict(sums: list[dict[str, Any]], overrides: list[str] | None = None
                   ) -> dict[str, Any]:
    """:func:`historical_replay`'s dict of the summaries of the runs on seeds 0 ..
    ``len(sums)`` - 1, in the order of their seeds."""
    seeds = len(sums)
    states = list(sums[0]["by_state"])
    return {
        "seeds": seeds,
        "overrides": list(overrides or []),
        "verdict": dict(Counter(s["verdict"] for s in sums)),
        "security_win": sum(bool(s["security_win"]) for s in sums),
        "cheap": sum(bool(s["cheap"]) for s in sums),
        "because_of_vacuum": sum(bool((s["vacuum_premium"] or {}).get("because_of_vacuum"))
                                 for s in sums),
        "first_version_verdict": dict(Counter(s["first_version"]["verdict"] for s in sums)),
        "cost_basis": sums[0]["cost_basis"],
        "cheap_cost_ratio": sums[0]["cheap_cost_ratio"],
        "cost_ratio_by_basis": {b: _spread([s["cost_ratio_by_basis"][b] for s in sums])
                                for b in COST_BASES},
        "by_state": {st: {k: _spread([s["by_state"][st][k] for s in sums])
                          for k in STATE_NUMBERS} for st in states},
        "host_paid_russia_usd": _spread([s["host_paid_russia_usd"] for s in sums]),
    }


def replay_job(seeds: range, _: object = None) -> list[dict[str, Any]]:
    """:func:`replay_summaries` of ``seeds`` as a sweep's worker runs it, beside the sweep's
    chunks (:meth:`sim.sweep.executors.Executor.start`): the replay is cut into one part per
    worker (:func:`replay_parts`), so that no worker starts its chunks much later than another."""
    from sim.sweep.worker import quiet_mesa

    quiet_mesa()
    return replay_summaries(seeds)


def replay_parts(seeds: int, workers: int) -> list[range]:
    """Seeds 0 .. ``seeds`` - 1 cut into at most ``workers`` consecutive parts of (nearly) equal
    size, in order (none empty)."""
    parts = max(1, min(workers, seeds))
    cuts = [seeds * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def replay_text(replay: dict[str, Any]) -> str:
    """The text of :data:`FILE` for a replay (:func:`historical_replay`'s dict)."""
    return json.dumps(replay, indent=2)


def _write_text(folder: str | Path, text: str) -> Path:
    path = Path(folder) / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def write_replay(folder: str | Path, replay: dict[str, Any]) -> Path:
    """Write a replay (:func:`historical_replay`'s dict) to ``folder``/:data:`FILE`, and keep its
    text in the cache (module docstring) for the next sweep."""
    text = replay_text(replay)
    path = _write_text(folder, text)
    _store(replay_key(replay["seeds"], replay["overrides"]), text)
    return path


def write_historical_replay(folder: str | Path, seeds: int) -> Path:
    """Write the replay on ``seeds`` seeds to ``folder``/:data:`FILE`: kept if there (a resumed
    sweep does not run it again), else copied from the cache (:func:`cached_replay`), else
    run here (:func:`historical_replay`)."""
    path = Path(folder) / FILE
    if not path.exists():
        text = cached_replay(seeds)
        if text is None:
            write_replay(folder, historical_replay(seeds))
        else:
            _write_text(folder, text)
    return path


# --------------------------------------------------------------------------- the cache

@functools.cache
def _source_digest() -> bytes:
    """The digest of the files a replay is computed from: every file of the ``sim`` package
    (its code, tables and data) and of the project's config folder; once per process."""
    from sim.config import config_dir
    from sim.config.compose_cache import digest_tree

    h = hashlib.sha256()
    for root in (Path(__file__).resolve().parents[1], config_dir()):
        h.update(str(root.name).encode())
        digest_tree(h, root, "*")
    return h.digest()


def replay_key(seeds: int, overrides: list[str] | None = None) -> str:
    """The cache's key of the replay on ``seeds`` seeds with ``overrides``: changes with them,
    with any file of the ``sim`` package or of the project's configs, with numpy's version and
    with Python's (the numbers are the same on every CPU: docs/engine.md)."""
    import numpy as np

    h = hashlib.sha256()
    h.update(json.dumps({"seeds": int(seeds), "overrides": list(overrides or []),
                         "numpy": np.__version__,
                         "python": platform.python_version()}).encode())
    h.update(_source_digest())
    return h.hexdigest()[:32]


def _cache_path(key: str) -> Path | None:
    from sim.config.compose_cache import cache_folder

    folder = cache_folder()
    return None if folder is None else folder / "replay" / f"{key}.json"


def cached_replay(seeds: int, overrides: list[str] | None = None) -> str | None:
    """The text of :data:`FILE` for the replay on ``seeds`` seeds with ``overrides`` if the cache
    holds it (module docstring), else None (also when the cache is off or unreadable)."""
    path = _cache_path(replay_key(seeds, overrides))
    if path is None:
        return None
    try:
        text = path.read_text()
        json.loads(text)  # a damaged entry is a miss
    except (OSError, ValueError):
        return None
    return text


def copy_cached_replay(folder: str | Path, seeds: int) -> bool:
    """Write the cached replay on ``seeds`` seeds to ``folder``/:data:`FILE` if the cache holds
    it; return whether it did."""
    text = cached_replay(seeds)
    if text is None:
        return False
    _write_text(folder, text)
    return True


def _store(key: str, text: str) -> None:
    """Keep a replay's text in the cache (atomically); errors are ignored (an optimisation)."""
    path = _cache_path(key)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.replace(path)
    except OSError:
        pass
