"""Reproduce one run of a sweep: ``sahel-sim-rerun <sweep folder> <run id> [--out DIR]``.

The run is rebuilt from the sweep's manifest (experiment, design, seeds) exactly as the sweep
built it (same base overrides, same parameter values, same seed), run again, and its row
compared with the stored one, column by column (the duration aside). ``--out DIR`` writes the
run's full output contract (Parquet tables, summary.json, config.yaml, plots) into ``DIR``.

Each column that differs is one of three kinds (:func:`classify`):

- ``ulp``: two floats at most :data:`ULP_TOLERANCE` units in the last place apart (counted on
  the doubles' bit patterns, so across powers of two too): the same result computed with other
  rounding, as another CPU's SIMD kernels (numpy picks AVX-512 ones where it can) or another
  numpy/BLAS version give;
- ``build``: the package version or git commit a run records (the code that ran, not a result);
- ``real``: anything else: other ints, texts or booleans, floats further apart, a number
  against a NaN or a missing value. It means the code or the configs changed since the sweep
  (the manifest's git commit and each base config's hash say which; the run's ``config_hash``
  is compared too), or that a last-bit difference inside the run grew into another outcome (a
  threshold crossed the other way): that is the case to suspect when the CPUs differ.

The report gives each differing column's stored and new value and kind, then one verdict:
``reproduced`` (no column differs but the build ones), ``differs only in the last bits of N
float column(s) (CPU or library arithmetic)`` or ``DIFFERS: real change in N column(s)``. It
also prints the CPU features numpy dispatches for (:func:`sim.provenance.cpu_features`) as the
sweep's manifest recorded them (sweeps made before they were recorded have none) and on this
machine, and whether they differ, and the library versions that differ.

Exit status: 0 if the row is reproduced, 1 if it differs, 2 on bad input. A difference only in
the last bits exits 1 too (the project promises the same numbers on every CPU), or 0 with
``--tolerate-ulps``.
"""

from __future__ import annotations

import argparse
import math
import numbers
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import ConfigError

__all__ = ["ULP_TOLERANCE", "RerunResult", "classify", "describe", "main", "rerun", "ulp_distance"]

PROG = "sahel-sim-rerun"
_IGNORED = ("duration_s",)
#: Columns that name the build that ran (kind ``build``: reported, not a difference in results).
_BUILD = ("version", "git_commit")
#: Two floats at most this many units in the last place apart differ only in their last bits.
ULP_TOLERANCE = 4
#: The order in which the kinds of differences are listed.
_KINDS = ("real", "ulp", "build")
#: At most this many differing columns are listed.
_SHOWN = 20


@dataclass
class RerunResult:
    """A rerun: the new row, the stored one, their differences and the run's result.

    Attributes:
        row: the row of the new run.
        stored: the stored row (None if the sweep has not stored this run yet).
        differences: column -> (stored value, new value), for the columns that differ.
        result: the :class:`sim.api.RunResult` (None if the run raised).
        kinds: column -> ``real``, ``ulp`` or ``build`` (:func:`classify`), for the columns
            that differ.
        cpu: the CPU features numpy dispatches for: ``sweep`` (as the manifest recorded them;
            None if it did not) and ``here`` (:func:`sim.provenance.cpu_features`).
        versions: the library versions that differ: name -> (the sweep's, this machine's).
    """

    row: dict[str, Any]
    stored: dict[str, Any] | None
    differences: dict[str, tuple[Any, Any]]
    result: Any
    kinds: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    versions: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def columns(self, kind: str) -> list[str]:
        """The differing columns of one kind (``real``, ``ulp`` or ``build``)."""
        return [c for c in self.differences if self.kinds.get(c, "real") == kind]

    @property
    def reproduced(self) -> bool:
        """True when a stored row exists and every column but the duration and the build (the
        version and git commit) is the same."""
        return (self.stored is not None
                and not self.columns("real") and not self.columns("ulp"))

    @property
    def ulp_only(self) -> bool:
        """True when the row differs, but only in the last bits of float columns."""
        return bool(self.columns("ulp")) and not self.columns("real")

    @property
    def cpu_differs(self) -> bool | None:
        """Whether this machine's CPU features differ from the sweep's (None: not recorded),
        compared on the features both record."""
        sweep, here = self.cpu.get("sweep"), self.cpu.get("here") or {}
        if sweep is None:
            return None
        return any(sweep[k] != here[k] for k in set(sweep) & set(here))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        none = lambda x: x is None or (isinstance(x, float) and math.isnan(x))
        return none(a) and none(b)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def ulp_distance(a: float, b: float) -> int:
    """How many doubles apart two finite floats are: 0 if equal (``0.0`` and ``-0.0`` too), 1
    for neighbours, counted through zero and across powers of two."""
    def ordinal(x: float) -> int:
        (bits,) = struct.unpack("<q", struct.pack("<d", x))
        return bits if bits >= 0 else -(bits & 0x7FFF_FFFF_FFFF_FFFF)

    return abs(ordinal(float(a)) - ordinal(float(b)))


def _number(x: Any) -> bool:
    """An int or a float, Python's or numpy's (not a bool)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def classify(stored: Any, new: Any) -> str:
    """The kind of a difference between a stored value and a new one that differ: ``ulp`` when
    both are numbers, one of them a float, both finite and at most :data:`ULP_TOLERANCE` units
    in the last place apart; ``real`` otherwise (other ints, texts or booleans, floats further
    apart, NaN or infinity against a number, a missing value). Build columns are told apart
    by name, in :func:`rerun`."""
    if (_number(stored) and _number(new)
            and not (isinstance(stored, numbers.Integral) and isinstance(new, numbers.Integral))):
        a, b = float(stored), float(new)
        if math.isfinite(a) and math.isfinite(b) and ulp_distance(a, b) <= ULP_TOLERANCE:
            return "ulp"
    return "real"


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
    kinds: dict[str, str] = {}
    if stored is not None:
        for col in sorted(set(row) | set(stored)):
            if col in _IGNORED:
                continue
            if not _same(stored.get(col), row.get(col)):
                diffs[col] = (stored.get(col), row.get(col))
                kinds[col] = "build" if col in _BUILD else classify(*diffs[col])
    if out is not None and result is not None:
        result.write(out, plots=plots)
    return RerunResult(row=row, stored=stored, differences=diffs, result=result, kinds=kinds,
                       **_environment(manifest))


def _environment(manifest: dict[str, Any]) -> dict[str, Any]:
    """The sweep's CPU features against this machine's, and the library versions that
    differ."""
    from sim.provenance import cpu_features, library_versions

    sweep = manifest.get("versions") or {}
    here = library_versions() if sweep else {}
    versions = {name: (sweep.get(name), here.get(name)) for name in sorted(set(sweep) | set(here))
                if sweep.get(name) != here.get(name)}
    return {"cpu": {"sweep": manifest.get("cpu"), "here": cpu_features()}, "versions": versions}


def _show(v: Any) -> str:
    """A cell as the report prints it (a numpy float as the Python float it equals)."""
    return repr(float(v)) if isinstance(v, float) else repr(v)


def _cpu_text(cpu: dict[str, Any]) -> str:
    """One line of CPU features: machine, numpy's baseline and enabled dispatch targets."""
    text = (f"{cpu.get('machine')}, numpy baseline {' '.join(cpu.get('baseline') or []) or '-'},"
            f" enabled {' '.join(cpu.get('enabled') or []) or '(none)'}"
            f" of {' '.join(cpu.get('dispatch') or []) or '(none)'}")
    env = [f"{k.upper()}={v!r}" for k, v in cpu.items() if k.startswith("npy_") and v]
    return "; ".join([text, *env])


def describe(res: RerunResult, tolerate_ulps: bool = False) -> tuple[list[str], int]:
    """The lines the command prints about a rerun with a stored row (after the run's line),
    and its exit status."""
    lines = []
    sweep, here = res.cpu.get("sweep"), res.cpu.get("here") or {}
    if sweep is None:
        lines.append("CPU features: the sweep's manifest does not record them; this machine: "
                     + _cpu_text(here))
    elif not res.cpu_differs:
        lines.append("CPU features: the same as the sweep's: " + _cpu_text(here))
    else:
        lines += ["CPU features DIFFER from the sweep's (numpy may pick other SIMD kernels):",
                  "  sweep: " + _cpu_text(sweep), "  here:  " + _cpu_text(here)]
    if res.versions:
        lines.append("library versions differ from the sweep's: " + ", ".join(
            f"{name} {old} -> {new}" for name, (old, new) in res.versions.items()))
    real, ulp = res.columns("real"), res.columns("ulp")
    n = len(res.row) - 1
    if res.reproduced:
        lines.append(f"reproduced: every column of the stored row is the same ({n} compared)"
                     if not res.differences else
                     f"reproduced: every result column of the stored row is the same ({n} "
                     "compared); only the build differs")
        status = 0
    elif not real:
        lines.append(f"differs only in the last bits of {len(ulp)} float column(s) (CPU or "
                     f"library arithmetic): at most {ULP_TOLERANCE} ulps apart"
                     + ("; tolerated (--tolerate-ulps)" if tolerate_ulps else ""))
        status = 0 if tolerate_ulps else 1
    else:
        lines.append(f"DIFFERS: real change in {len(real)} column(s)"
                     + (f" (and {len(ulp)} more in the last bits only)" if ulp else ""))
        if res.cpu_differs:
            lines.append("  the CPUs differ: a last-bit difference inside the run can grow into "
                         "a real one; rerun on a machine with the sweep's CPU features to tell")
        status = 1
    order = sorted(res.differences, key=lambda c: _KINDS.index(res.kinds.get(c, "real")))
    for col in order[:_SHOWN]:
        old, new = res.differences[col]
        kind = res.kinds.get(col, "real")
        if kind == "ulp":
            kind += f", {ulp_distance(old, new)} ulp(s) apart"
        lines.append(f"  {col}: stored {_show(old)}, now {_show(new)} ({kind})")
    if len(order) > _SHOWN:
        lines.append(f"  ... and {len(order) - _SHOWN} more column(s)")
    return lines, status


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``sahel-sim-rerun`` console script."""
    from sim.engine.memory import small_pages

    small_pages()  # numpy's large arrays without huge pages (sim.engine.memory)
    ap = argparse.ArgumentParser(
        prog=PROG, description="Reproduce one run of a sweep: rebuild it from the sweep's "
        "manifest, run it again and compare its row with the stored one, column by column.",
        epilog="Exit status: 0 reproduced, 1 differs (in the last bits of floats only, too, "
               "unless --tolerate-ulps), 2 bad input. Each differing column is reported as "
               f"ulp (floats at most {ULP_TOLERANCE} units in the last place apart), build "
               "(version, git commit) or real; the CPU features numpy dispatches for are "
               "compared with the ones the sweep's manifest recorded.")
    ap.add_argument("folder", help="the sweep folder (holds manifest.json)")
    ap.add_argument("run_id", help="the run id, e.g. p12-endogenous-r3 (column run_id)")
    ap.add_argument("--out", help="write the run's tables, summary.json, config.yaml here")
    ap.add_argument("--plots", action="store_true", help="with --out: write the plots too")
    ap.add_argument("--tolerate-ulps", action="store_true",
                    help=f"exit 0 when the row differs only in the last bits (at most "
                         f"{ULP_TOLERANCE} ulps) of float columns (default: exit 1)")
    args = ap.parse_args(argv)
    try:
        res = rerun(args.folder, args.run_id, out=args.out, plots=args.plots)
    except ConfigError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        sys.exit(2)
    row = res.row
    print(f"{args.run_id}: scenario={row['scenario']} seed={row['seed']} status={row['status']}"
          + (f" verdict={row.get('verdict')} cost_ratio={row.get('cost_ratio')}"
             if row["status"] == "ok" else f" error={row['error']}"))
    if args.out and res.result is not None:
        print(f"outputs: {args.out}")
    if res.stored is None:
        print("not stored in the sweep yet: nothing to compare")
        return
    lines, status = describe(res, tolerate_ulps=args.tolerate_ulps)
    print("\n".join(lines))
    if status:
        sys.exit(status)


if __name__ == "__main__":
    main()
