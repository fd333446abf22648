"""The one world we know happened (issue 24): the historical replay's verdict, per AES state and
by cost basis, over seeds, printed beside a sweep's in its report (docs/ODD.md section 11).

A sweep whose experiment sets ``historical_replay`` (seeds; ``plausible_worlds`` sets 20) runs
the default scenario (``historical``, 2019-01 to 2025-12, each run with its twin) on seeds 0 to
N - 1 as jobs of their own on the workers, one part of the seeds each, beside the sweep's first
chunks (:func:`replay_job`; in
the sweep's process if no worker ran, as when a finished sweep is resumed), and writes
:data:`FILE` into its folder once the runs are stored; the report reads it
(``SweepData.historical``). ``python experiments/historical_verdict.py`` prints the same.
"""

from __future__ import annotations

import itertools
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

from sim.config import COST_BASES

__all__ = ["FILE", "historical_replay", "replay_job", "replay_parts", "replay_summaries",
           "replay_verdict", "write_historical_replay", "write_replay"]

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


def write_replay(folder: str | Path, replay: dict[str, Any]) -> Path:
    """Write a replay (:func:`historical_replay`'s dict) to ``folder``/:data:`FILE`."""
    path = Path(folder) / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(replay, indent=2))
    tmp.replace(path)
    return path


def write_historical_replay(folder: str | Path, seeds: int) -> Path:
    """Run :func:`historical_replay` and write it to ``folder``/:data:`FILE` (kept if there:
    a resumed sweep does not run it again)."""
    path = Path(folder) / FILE
    if not path.exists():
        write_replay(folder, historical_replay(seeds))
    return path
