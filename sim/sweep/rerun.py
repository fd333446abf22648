"""Reproduce one run of a sweep: ``sahel-sim-rerun <sweep folder> <run id> [--out DIR]``.

The run is rebuilt from the sweep's manifest (experiment, design, seeds) exactly as the sweep
built it (same base overrides, same parameter values, same seed), run again, and its row
compared with the stored one, column by column (the duration aside). ``--out DIR`` writes the
run's full output contract (Parquet tables, summary.json, config.yaml, plots) into ``DIR``.
Exit status: 0 if the row is reproduced, 1 if it differs, 2 on bad input.

A difference means the code or the configs changed since the sweep (the manifest's git commit
and each base config's hash say which): the stored ``config_hash`` of the run is compared too.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import ConfigError

__all__ = ["RerunResult", "main", "rerun"]

PROG = "sahel-sim-rerun"
_IGNORED = ("duration_s",)


@dataclass
class RerunResult:
    """A rerun: the new row, the stored one, their differences and the run's result.

    Attributes:
        row: the row of the new run.
        stored: the stored row (None if the sweep has not stored this run yet).
        differences: column -> (stored value, new value), for the columns that differ.
        result: the :class:`sim.api.RunResult` (None if the run raised).
    """

    row: dict[str, Any]
    stored: dict[str, Any] | None
    differences: dict[str, tuple[Any, Any]]
    result: Any

    @property
    def reproduced(self) -> bool:
        """True when a stored row exists and every column but the duration is the same."""
        return self.stored is not None and not self.differences


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        none = lambda x: x is None or (isinstance(x, float) and math.isnan(x))
        return none(a) and none(b)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _stored_row(folder: Path, rid: str) -> dict[str, Any] | None:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    parts = sorted((folder / "results").glob("part-*.parquet"))
    for part in parts:
        table = pq.read_table(part, filters=ds.field("run_id") == rid)
        if table.num_rows:
            return table.slice(0, 1).to_pylist()[0]
    return None


def rerun(folder: str | Path, rid: str, out: str | Path | None = None,
          plots: bool = False) -> RerunResult:
    """Run one run of a sweep folder again and compare it with the stored row.

    Args:
        folder: the sweep folder (holds ``manifest.json``).
        rid: the run id, e.g. ``p12-endogenous-r3``.
        out: if given, write the run's full output contract into this folder.
        plots: write the run's plots too (with ``out``).

    Raises:
        ConfigError: no sweep in ``folder``, or an unknown run id.
    """
    from sim.sweep.experiment import experiment_from_dict
    from sim.sweep.runner import find_task, plan
    from sim.sweep.store import read_manifest
    from sim.sweep.worker import execute, quiet_mesa

    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ConfigError(f"{folder} is not a sweep folder (no manifest.json); allowed: the "
                          "folder sahel-sim-sweep wrote")
    exp = experiment_from_dict(manifest["experiment"])
    p = plan(exp, config_dirs=manifest.get("config_dirs") or ())
    task = find_task(p, rid)
    quiet_mesa()
    res, result = execute(p.context, task)
    row = res["row"]
    stored = _stored_row(folder, rid)
    diffs: dict[str, tuple[Any, Any]] = {}
    if stored is not None:
        for col in sorted(set(row) | set(stored)):
            if col in _IGNORED:
                continue
            if not _same(stored.get(col), row.get(col)):
                diffs[col] = (stored.get(col), row.get(col))
    if out is not None and result is not None:
        result.write(out, plots=plots)
    return RerunResult(row=row, stored=stored, differences=diffs, result=result)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-rerun`` console script."""
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="the sweep folder (holds manifest.json)")
    ap.add_argument("run_id", help="the run id, e.g. p12-endogenous-r3 (column run_id)")
    ap.add_argument("--out", help="write the run's tables, summary.json, config.yaml here")
    ap.add_argument("--plots", action="store_true", help="with --out: write the plots too")
    args = ap.parse_args(argv)
    try:
        res = rerun(args.folder, args.run_id, out=args.out, plots=args.plots)
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    row = res.row
    print(f"{args.run_id}: scenario={row['scenario']} seed={row['seed']} status={row['status']}"
          + (f" verdict={row.get('verdict')} cheap_win_index={row.get('cheap_win_index')}"
             if row["status"] == "ok" else f" error={row['error']}"))
    if args.out and res.result is not None:
        print(f"outputs: {args.out}")
    if res.stored is None:
        print("not stored in the sweep yet: nothing to compare")
        return
    if res.reproduced:
        print(f"reproduced: every column of the stored row is the same ({len(row) - 1} compared)")
        return
    print(f"DIFFERS from the stored row in {len(res.differences)} column(s):")
    for col, (old, new) in list(res.differences.items())[:20]:
        print(f"  {col}: stored {old!r}, now {new!r}")
    sys.exit(1)


if __name__ == "__main__":
    main()
