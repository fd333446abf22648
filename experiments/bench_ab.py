"""Side by side: one command of this checkout against the same command of another revision,
alternated, on the same machine in the same minutes.

This project's machine is a virtual machine whose speed drifts by up to x1.5 from one hour to
the next, so a figure measured an hour ago says little about a change: only commands run in turn
do. The other revision's ``sim/`` and ``configs/`` are extracted (``git archive``) into a
temporary folder and put first on ``PYTHONPATH``, so the same interpreter, packages and console
scripts run either code; each repeat runs the revision's command, then this checkout's (the order
swapped every other repeat). Reported: each side's median and minimum wall time, the ratio of
this checkout to the revision (medians and minima), and the load average before and after. No
pass/fail.

The command's arguments may hold two placeholders:

- ``{out}``: a folder of each side's own, the same for every repeat (a run folder that a
  command reuses, as ``sahel-sim hydra.run.dir={out}`` hits the composition cache);
- ``{fresh}``: a new folder for every run (a sweep that would otherwise resume a finished one).

Usage::

    python experiments/bench_ab.py --against 727df69 -- sahel-sim output.plots=false \\
        'hydra.run.dir={out}'
    python experiments/bench_ab.py --against 727df69 --repeats 2 -- sahel-sim-sweep \\
        experiment=default_world replicates=3000 progress=false 'hydra.run.dir={fresh}'
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def extract(revision: str, into: Path) -> str:
    """Extract ``revision``'s ``sim/`` and ``configs/`` into ``into``; return its short hash.

    Raises:
        SystemExit: the revision is not in this repository (git's message).
    """
    got = subprocess.run(["git", "archive", revision, "sim", "configs", "pyproject.toml"],
                         cwd=ROOT, capture_output=True, check=False)
    if got.returncode != 0:
        raise SystemExit(f"--against: {revision!r}: {got.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(got.stdout)) as tar:
        tar.extractall(into, filter="data")
    compile_bytecode(into / "sim")
    short = subprocess.run(["git", "rev-parse", "--short", revision], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    return short.stdout.strip() or revision


def compile_bytecode(package: Path) -> None:
    """Write the ``.pyc`` files of ``package`` (a folder of modules), as an installed package has
    them: where ``PYTHONDONTWRITEBYTECODE`` is set, Python would otherwise compile every module
    of the package again in every command, and both sides are measured alike."""
    import compileall

    compileall.compile_dir(str(package), quiet=1)


def scripts_of(root: Path) -> dict[str, str]:
    """The console scripts of the checkout or extracted revision at ``root``: name ->
    ``module:function`` (its pyproject.toml's ``[project.scripts]``; none without one)."""
    import tomllib

    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    return dict(tomllib.loads(path.read_text()).get("project", {}).get("scripts", {}))


def command(args: list[str], out: Path, fresh: Path,
            scripts: dict[str, str] | None = None) -> list[str]:
    """``args`` with ``{out}`` and ``{fresh}`` replaced, its first word a console script of this
    project (``sahel-sim...``): started as the side's own ``scripts`` (:func:`scripts_of`) name
    it, by this interpreter (each revision's entry points, whichever the installed scripts call:
    an older revision has not every module a newer one's scripts import); without ``scripts``,
    the script in this interpreter's folder if it is there."""
    cmd = [a.replace("{out}", str(out)).replace("{fresh}", str(fresh)) for a in args]
    script = Path(sys.executable).parent / cmd[0]
    if scripts and cmd[0] in scripts:
        module, _, function = scripts[cmd[0]].partition(":")
        start = (f"import sys; sys.argv[0] = {str(script)!r}; "
                 f"from {module} import {function}; sys.exit({function}())")
        return [sys.executable, "-c", start, *cmd[1:]]
    if script.exists():
        cmd[0] = str(script)
    return cmd


def timed_run(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of ``cmd``.

    Raises:
        SystemExit: the command failed (its error output).
    """
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def summary(samples: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "n": len(samples),
            "samples": samples}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", required=True, help="the revision to compare with (a commit, "
                    "tag or branch of this repository)")
    ap.add_argument("--repeats", type=int, default=9, help="runs of each side (9)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each side first (1)")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="the command, after --")
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("cmd: no command given; allowed: a command after --")
    if a.repeats < 1 or a.warmup < 0:
        ap.error(f"--repeats {a.repeats} / --warmup {a.warmup}; allowed: at least 1 / 0")
    work = Path(tempfile.mkdtemp(prefix="bench_ab_"))
    try:
        short = extract(a.against, work / "code")
        base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        sides = {short: {**base, "PYTHONPATH": str(work / "code")}, "this": base}
        scripts = {short: scripts_of(work / "code"), "this": scripts_of(ROOT)}
        times: dict[str, list[float]] = {side: [] for side in sides}
        k = 0

        def once(side: str) -> float:
            nonlocal k
            k += 1
            out, fresh = work / f"out_{side}", work / f"fresh_{k}"
            return timed_run(command(cmd, out, fresh, scripts[side]), sides[side], work)

        load0 = os.getloadavg()[0]
        for _ in range(a.warmup):
            for side in sides:
                once(side)
        for r in range(a.repeats):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for side in order:
                times[side].append(once(side))
        load1 = os.getloadavg()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {side: summary(t) for side, t in times.items()}
    result["ratio_median"] = result["this"]["median"] / result[short]["median"]
    result["ratio_min"] = result["this"]["min"] / result[short]["min"]
    result.update({"command": cmd, "against": short, "load": [round(load0, 2), round(load1, 2)]})
    print(f"{' '.join(cmd)}\n  {a.repeats} runs each, alternated; load {load0:.2f} -> {load1:.2f}")
    for side in sides:
        s = result[side]
        print(f"  {side:>10}: median {s['median']:.2f} s, min {s['min']:.2f} s")
    print(f"  this / {short}: x{result['ratio_median']:.2f} (medians), "
          f"x{result['ratio_min']:.2f} (minima)")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
