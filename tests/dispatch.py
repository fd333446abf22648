"""numpy's SIMD dispatch levels on this machine, for the tests that claim bit-identity.

numpy compiles its loops for a baseline instruction set and for several higher *dispatch targets*
(x86-64: ``X86_V3``, ``X86_V4``, ``AVX512_ICL``, ``AVX512_SPR`` above the ``X86_V2`` baseline), and
picks at import the highest the CPU has. ``NPY_DISABLE_CPU_FEATURES``, read when numpy is
imported, turns targets off. So one machine can run the arithmetic of lesser CPUs: a level below
the full one is the value of that variable that removes the highest enabled targets.

numpy's handling of the variable (2.x, checked on 2.5): a baseline name raises ``RuntimeError`` at
import; a name that is not a dispatch target of this build (a typo, ``AVX2``, another
architecture's name) is ignored with an ``ImportWarning`` that Python hides by default, so a
mistyped level silently runs at the full level; and disabling a target does not disable the
targets above it (``X86_V3`` alone leaves ``X86_V4`` and ``AVX512_*`` on). Hence the levels below
name only dispatch targets of this build, remove them from the top down, and are checked in a
subprocess (:func:`probe`).

Run as a script it prints, as JSON, the CPU features in force (``probe``) and, with
``fingerprint OVERRIDE...``, also :func:`golden.fingerprint` of those overrides, or with ``cross``
:func:`cross_level_fingerprints`::

    NPY_DISABLE_CPU_FEATURES="AVX512_ICL AVX512_SPR" .venv/bin/python tests/dispatch.py probe
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "NPY_DISABLE_CPU_FEATURES"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def cpu_features() -> dict:
    """numpy's version, baseline, dispatch targets of its build, those enabled in this process,
    and the value of ``NPY_DISABLE_CPU_FEATURES`` (None when unset)."""
    import numpy as np

    from sim.provenance import cpu_features as numpy_cpu  # what a sweep's manifest records

    features = numpy_cpu()
    return {"numpy": np.__version__, **features,
            "disabled_env": features["npy_disable_cpu_features"]}


def describe(features: dict) -> str:
    """One line: the baseline and the dispatch targets in force."""
    enabled = " ".join(features["enabled"]) or "none"
    return f"baseline {' '.join(features['baseline'])}; dispatch targets enabled: {enabled}"


@dataclass(frozen=True)
class Level:
    """A dispatch level: the value of ``NPY_DISABLE_CPU_FEATURES`` (None: the full level, the
    parent's own setting) and the dispatch targets it leaves enabled, lowest first."""

    name: str
    disable: str | None
    enabled: tuple[str, ...]

    def env(self) -> dict[str, str]:
        """This process's environment with the level's setting (and no pytest state)."""
        env = {k: v for k, v in os.environ.items()
               if k not in (ENV, "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS")}
        if self.disable is not None:
            env[ENV] = self.disable
        elif os.environ.get(ENV) is not None:
            env[ENV] = os.environ[ENV]
        return env


def full_level(features: dict | None = None) -> Level:
    """The level this process runs at (every target the CPU has, less any the environment
    already disables)."""
    features = features or cpu_features()
    return Level("full", None, tuple(features["enabled"]))


def lower_levels(features: dict | None = None) -> list[Level]:
    """The levels below this process's, highest first: each removes one more of the enabled
    dispatch targets, from the top (numpy lists its targets lowest first), down to the baseline.
    A target the environment already disables stays disabled. None where nothing above the
    baseline is enabled. Each is named by the highest target it leaves enabled (``baseline-X``
    when none)."""
    features = features or cpu_features()
    dispatch, enabled = features["dispatch"], features["enabled"]
    # what the parent's setting disables that numpy knows (unknown names are ignored anyway)
    already = [t for t in (features["disabled_env"] or "").replace(",", " ").split()
               if t in dispatch and t not in enabled]
    levels = []
    for keep in range(len(enabled) - 1, -1, -1):
        kept = tuple(enabled[:keep])
        off = [t for t in dispatch if t in already or t in enabled[keep:]]
        name = f"upto-{kept[-1]}" if kept else f"baseline-{'-'.join(features['baseline'])}"
        levels.append(Level(name, " ".join(off), kept))
    return levels


def _script(level: Level, args: list[str], timeout: float = 300) -> dict:
    """Run this file as a script at ``level`` and return its JSON output."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args],
                          cwd=ROOT, env=level.env(), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{level.name} ({ENV}={level.disable!r}): `dispatch.py "
                           f"{' '.join(args)}` failed:\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def probe(level: Level) -> dict:
    """The CPU features a subprocess at ``level`` runs with (:func:`cpu_features`)."""
    return _script(level, ["probe"])


def fingerprint_at(level: Level, overrides: list[str] | None = None) -> dict:
    """The features in force and ``golden.fingerprint(overrides)`` (None:
    :func:`cross_level_fingerprints`) in a subprocess at ``level``:
    ``{"features": ..., "fingerprint": ...}``."""
    return _script(level, ["cross"] if overrides is None else ["fingerprint", *overrides])


#: What :func:`cross_level_fingerprints` computes: one short single run, and one batch of worlds
#: that differ in their seeds and parameter values (the batch runs its arithmetic on [B, ...]
#: arrays, long enough for the wide SIMD loops).
SINGLE = ["scenario=endogenous", "seed=7", "rules.vacuum.russia=cost_benefit", "end=2020-12"]
BATCH = ["scenario=endogenous", "rules.vacuum.russia=opportunistic", "metrics.twin=false",
         "end=2020-12"]
BATCH_VALUES = {"params.combat.tullock_m": [0.6, 1.0, 1.4, 2.0, 0.8],
                "params.influence.rate": [0.04, 0.08, 0.12, 0.16, 0.1],
                "rules.opportunistic.footprint_fraction": [0.25, 0.5, 0.75, 1.0, 0.4]}
BATCH_SEEDS = [11, 3, 101, 7_000_001, 42]


def _digest(result) -> dict[str, str]:
    """SHA-256 (16 hex digits) of each table and of the summary's results (as golden.py)."""
    import hashlib

    from golden import BUILD_KEYS

    out = {name: hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode())
           .hexdigest()[:16] for name, df in sorted(result.tables.items())}
    summary = {k: v for k, v in result.summary.items() if k not in BUILD_KEYS}
    out["summary"] = hashlib.sha256(
        json.dumps(summary, sort_keys=True, default=repr).encode()).hexdigest()[:16]
    return out


def cross_level_fingerprints() -> dict[str, dict[str, str]]:
    """Fingerprints of :data:`SINGLE` run alone and of each world of the :data:`BATCH` batch."""
    import copy

    from golden import fingerprint

    from sim.api import load_config, run_worlds
    from sim.sweep.experiment import ParameterSpec
    from sim.sweep.params import apply_parameters

    out = {"single": fingerprint(SINGLE)}
    base = load_config(BATCH)
    specs = {p: ParameterSpec(paths=[p]) for p in BATCH_VALUES}
    cfgs = [apply_parameters(copy.deepcopy(base), {p: v[b] for p, v in BATCH_VALUES.items()}, specs)
            for b in range(len(BATCH_SEEDS))]
    for b, result in enumerate(run_worlds(cfgs, BATCH_SEEDS)):
        out[f"batch-world{b}"] = _digest(result)
    return out


def main(argv: list[str]) -> None:
    # the tree this file is in, ahead of any installed copy of the package
    sys.path[:0] = [str(ROOT), str(HERE)]
    out: dict = {"features": cpu_features()}
    if argv[:1] == ["fingerprint"]:
        from golden import fingerprint

        out["fingerprint"] = fingerprint(argv[1:])
    elif argv[:1] == ["cross"]:
        out["fingerprint"] = cross_level_fingerprints()
    elif argv[:1] != ["probe"]:
        raise SystemExit("usage: dispatch.py probe | cross | fingerprint OVERRIDE...")
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
