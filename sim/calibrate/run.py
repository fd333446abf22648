"""A calibration: pyABC's ABC-SMC over an experiment's priors, on the engine's batches.

:func:`calibrate` runs generation after generation of pyABC's sequential Monte Carlo ABC
(``pyabc.ABCSMC``) until the budget of simulations, the number of generations, the tolerance or
the acceptance rate says stop, writing after each generation what a reader needs:

- ``abc.db``: pyABC's history (every generation's particles, weights, distances and
  statistics), from which the calibration resumes;
- ``populations.parquet``: every generation's particles (the parameters by their config path,
  ``weight``, ``distance``, each target's distance ``d.<id>`` and pass ``pass.<id>``,
  ``generation``); generation 0 is a sample of the prior (its tolerance is infinite);
- ``posterior.parquet``: the last generation's particles: the posterior;
- ``diagnostics.json``: ``ess`` (the last population's effective sample size), simulations
  used, wall time, each generation's tolerance, acceptance rate and ESS, why it stopped, every
  assumption's prior and posterior mean, and each target's pass rate in the prior and posterior
  predictive checks (:func:`predictive`);
- ``calibration.json``: the settings, the parameters' names and ranges, the provenance.

A calibration stopped by a signal resumes from its last finished generation when the same command
is run again (same folder); each generation's random state is seeded from ``seed`` and the
generation (:mod:`sim.calibrate.sampler`), so the result is the one an uninterrupted run gives.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from sim.calibrate.config import CalibrateConfig, check_calibrate
from sim.config import ConfigError

__all__ = ["CalibrationInterrupted", "Parameters", "calibrate", "predictive", "world_seed"]

#: The most assumptions a calibration takes without screening: with more, pyABC's multivariate
#: normal transition all but never proposes a world inside every prior bound, and importance
#: weights degenerate (docs/ODD.md 11.9).
MAX_UNSCREENED = 30
#: The settings that change a calibration's result (the rest: where and how fast it runs).
_RESULT_FIELDS = ("priors", "targets", "budget", "population", "quantile", "scaling",
                  "generations",
                  "min_acceptance", "min_epsilon", "seed", "screen", "dimensions",
                  "politics_rules")


class CalibrationInterrupted(RuntimeError):
    """A signal stopped the calibration; its finished generations are stored."""

    def __init__(self, signum: int, folder: Path, generations: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum, self.folder, self.generations = signum, folder, generations


def world_seed(seed: int, t: int, j: int) -> int:
    """The seed of the ``j``-th world simulated in generation ``t`` (``t`` < 0: the predictive
    checks)."""
    return int(np.random.SeedSequence([int(seed), int(t) + 1000, int(j)]).generate_state(1)[0])


@dataclasses.dataclass
class Parameters:
    """The calibrated assumptions: their config paths, pyABC's names for them, their prior
    ranges and whether they are whole numbers."""

    names: list[str]
    lo: np.ndarray
    hi: np.ndarray
    integer: np.ndarray
    #: the indices of the assumptions pyABC calibrates (after screening); the others are
    #: nuisance values, drawn from their prior for each simulated world
    selected: list[int] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.selected:
            self.selected = list(range(len(self.names)))

    @property
    def keys(self) -> list[str]:
        """pyABC's names of every assumption (``p000``...: config paths hold dots and
        brackets); pyABC samples those of :attr:`selected`."""
        return [f"p{j:03d}" for j in range(len(self.names))]

    @property
    def nuisance(self) -> list[int]:
        """The indices of the assumptions drawn from their prior (not calibrated)."""
        chosen = set(self.selected)
        return [j for j in range(len(self.names)) if j not in chosen]

    def value(self, j: int, x: float) -> Any:
        """Assumption ``j`` at ``x`` as the experiment sets it (whole numbers rounded down, as
        the sweep's designs do)."""
        return int(min(math.floor(x), self.hi[j])) if self.integer[j] else float(x)

    def named(self, draw: dict[int, float]) -> dict[str, Any]:
        """Values by index (``draw``) as the experiment's values, by name in the parameters'
        order (:meth:`value`)."""
        return {self.names[j]: self.value(j, draw[j]) for j in range(len(self.names))
                if j in draw}

    def values(self, par: Any, nuisance: dict[int, float] | None = None) -> dict[str, Any]:
        """A pyABC parameter (and the nuisance values ``nuisance``: index -> value) as the
        experiment's values."""
        keys = self.keys
        return self.named({**{j: float(par[keys[j]]) for j in self.selected},
                           **(nuisance or {})})

    def nuisance_of(self, par: Any, seed: int) -> dict[int, float]:
        """The nuisance values of the world of pyABC's parameter ``par``: drawn from their
        priors by a generator seeded with ``seed`` and the calibrated values' bits, so that a
        particle's whole world follows from its parameter (nothing more is stored)."""
        keys = self.keys
        bits = np.array([float(par[keys[j]]) for j in self.selected]).view(np.uint64)
        rng = np.random.default_rng([int(seed), *(int(b) & 0xFFFFFFFF for b in bits),
                                     *(int(b) >> 32 for b in bits)])
        return self.draw(rng, self.nuisance)

    def draw(self, rng: np.random.Generator, which: Sequence[int]) -> dict[int, float]:
        """Values of the assumptions ``which`` drawn uniformly from their prior ranges."""
        u = rng.uniform(size=len(which))
        return {j: float(self.lo[j] + u[k] * (self.hi[j] - self.lo[j]))
                for k, j in enumerate(which)}

    def prior(self) -> Any:
        """pyABC's prior: each calibrated assumption uniform over its range (with 10 of them,
        pyABC's multivariate normal transition proposes inside every bound often enough; with
        a hundred it would all but never: hence the screening)."""
        import pyabc

        keys = self.keys
        return pyabc.Distribution(**{keys[j]: pyabc.RV("uniform", float(self.lo[j]),
                                                       float(self.hi[j] - self.lo[j]))
                                     for j in self.selected})

    def table(self, rows: Sequence[Any], seed: int) -> dict[str, list[Any]]:
        """Columns by config path of pyABC parameters with their worlds' nuisance values, as
        :meth:`values` sets them."""
        vals = [self.values(r, self.nuisance_of(r, seed)) for r in rows]
        return {name: [v[name] for v in vals] for name in self.names}


def _experiment(cfg: CalibrateConfig, config_dirs: Sequence[str]) -> tuple[Any, Parameters]:
    """The experiment's plan (its context) and its parameters, each a prior range."""
    from sim.sweep.experiment import load_experiment
    from sim.sweep.runner import plan

    exp = load_experiment(cfg.priors)
    exp = dataclasses.replace(exp, calibrate=[], historical_replay=0, design="latin_hypercube",
                              samples=max(exp.samples, 1))
    p = plan(exp, replicates=1, config_dirs=config_dirs)
    specs = p.experiment.parameters
    if not specs:
        raise ConfigError(f"priors={cfg.priors!r} has no parameters to calibrate; "
                          "allowed: an experiment with sample_priors or ranged parameters")
    for name, spec in specs.items():
        if spec.range is None:
            raise ConfigError(f"experiment {cfg.priors!r}: parameter {name!r} has levels; "
                              "allowed: a calibration samples ranges only")
    names = list(specs)
    lo = np.array([float(specs[n].range[0]) for n in names])
    hi = np.array([float(specs[n].range[1]) for n in names])
    return p, Parameters(names, lo, hi, np.array([bool(specs[n].int) for n in names]))


def settings_hash(cfg: CalibrateConfig) -> str:
    """A short hash of the settings that change the result (:data:`_RESULT_FIELDS`)."""
    data = {f: getattr(cfg, f) for f in _RESULT_FIELDS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=list).encode()).hexdigest()[:16]


def _write_json(path: Path, data: Any) -> None:
    """``data`` as JSON (numpy numbers as Python's, :func:`sim.validate.patterns.plain`),
    written atomically."""
    from sim.validate.patterns import plain

    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(plain(data), indent=2, default=str) + "\n")
    os.replace(tmp, path)


def _number(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


class _Evaluator:
    """Simulate pyABC's proposals on the executor's workers, in chunks of the engine."""

    def __init__(self, executor: Any, setup: Any, params: Parameters, cfg: CalibrateConfig):
        self.executor, self.setup, self.params, self.cfg = executor, setup, params, cfg
        self.errors = 0

    def rows(self, values: list[dict[str, Any]], t: int, first: int) -> list[dict[str, float]]:
        """Each world's statistics (values, in order; seeds from ``t`` and ``first``)."""
        from sim.calibrate.simulate import simulate_chunk

        proposals = [(first + j, v, world_seed(self.cfg.seed, t, first + j))
                     for j, v in enumerate(values)]
        got: dict[int, dict[str, float]] = {}
        fn = functools.partial(simulate_chunk, self.setup)
        least = min(self.cfg.chunk, 16)
        for outs in self.executor.map_chunks(fn, proposals, n_tasks=len(proposals), whole=True,
                                             most=self.cfg.chunk, least=least, even=True):
            for i, row in outs:
                got[i] = row
        rows = [got[first + j] for j in range(len(values))]
        self.errors += int(sum(r["error"] for r in rows))
        return rows

    def __call__(self, pars: list[Any], t: int, first: int) -> list[dict[str, float]]:
        """pyABC's proposals' statistics, each world's nuisance values drawn from their prior
        (:meth:`Parameters.nuisance_of`)."""
        return self.rows([self.params.values(p, self.params.nuisance_of(p, self.cfg.seed))
                          for p in pars], t, first)


def _population_frame(particles: Sequence[Any], params: Parameters, t: int, seed: int,
                      rows: Callable[[Any], dict[str, float] | None]) -> Any:
    """Generation ``t``'s particles as a DataFrame (module docstring): ``rows(parameter)``
    gives a particle's whole row (its pass or fail), None when it is not known (a generation
    read back from pyABC's database, which keeps the distances only)."""
    import pandas as pd

    cols: dict[str, Any] = {"generation": [t] * len(particles)}
    cols.update(params.table([p.parameter for p in particles], seed))
    cols["weight"] = [float(p.weight) for p in particles]
    cols["distance"] = [float(p.distance) for p in particles]
    full = [rows(p.parameter) or {} for p in particles]
    stats = [{**f, **p.sum_stat} for f, p in zip(full, particles, strict=True)]
    for key in sorted({k for s in stats for k in s if k != "error"}):
        cols[key] = [float(s.get(key, math.nan)) for s in stats]
    df = pd.DataFrame(cols)
    df["weight"] = df["weight"] / df["weight"].sum()
    return df


def _ess(weights: np.ndarray) -> float:
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum()) if len(w) else 0.0


def _shift(params: Parameters, post: Any) -> list[dict[str, Any]]:
    """Each assumption's prior and posterior (weighted) mean and sd, and the shift of its mean in
    prior standard deviations."""
    w = post["weight"].to_numpy()
    out = []
    for j, name in enumerate(params.names):
        x = post[name].to_numpy(dtype=float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        p_mean = (params.lo[j] + params.hi[j]) / 2.0
        p_sd = (params.hi[j] - params.lo[j]) / math.sqrt(12.0)
        out.append({"name": name, "lo": float(params.lo[j]), "hi": float(params.hi[j]),
                    "prior_mean": float(p_mean), "prior_sd": float(p_sd), "posterior_mean": mean,
                    "posterior_sd": sd,
                    "shift": (mean - p_mean) / p_sd if p_sd > 0 else 0.0,
                    "narrowing": sd / p_sd if p_sd > 0 else 1.0})
    return sorted(out, key=lambda r: -abs(r["shift"]))


def predictive(evaluate: _Evaluator, params: Parameters, post: Any, cfg: CalibrateConfig,
               targets: Sequence[str]) -> dict[str, Any]:
    """The prior and posterior predictive checks: ``cfg.ppc`` worlds drawn from the posterior
    (by weight) and as many from the prior, each simulated once on a new seed; each target's
    pass rate over the worlds where it is measurable, and K1 (the coup hazard) on
    ``cfg.ppc_coups`` of each."""
    rng = np.random.default_rng([cfg.seed, 7])
    n = cfg.ppc
    out: dict[str, Any] = {"worlds": n, "pass_rate": {}, "K1": {}}
    if n == 0:
        return out
    w = post["weight"].to_numpy(dtype=float)
    picks = rng.choice(len(post), size=n, p=w / w.sum())
    post_values = [{name: post[name].iloc[i].item() for name in params.names} for i in picks]
    every = list(range(len(params.names)))
    prior_values = [params.named(params.draw(rng, every)) for _ in range(n)]
    rows = {"posterior": evaluate.rows(post_values, -1, 0),
            "prior": evaluate.rows(prior_values, -2, 0)}
    for tid in targets:
        out["pass_rate"][tid] = {}
        for side, rs in rows.items():
            v = np.array([r.get(f"pass.{tid}", math.nan) for r in rs], dtype=float)
            v = v[np.isfinite(v)]
            out["pass_rate"][tid][side] = float(v.mean()) if len(v) else None
    if min(cfg.ppc_coups, n):
        out["K1"] = _coups(evaluate, {"posterior": post_values, "prior": prior_values},
                           min(cfg.ppc_coups, n), cfg.seed)
    return out


def _coups(evaluate: _Evaluator, values: dict[str, list[dict[str, Any]]], k: int,
           seed: int) -> dict[str, Any]:
    """K1's pass rate over the first ``k`` worlds of each side (5 long runs each)."""
    from sim.calibrate.simulate import world_configs
    from sim.validate.coups import coup_check

    out = {}
    for side, vals in values.items():
        cfgs = world_configs(evaluate.setup, [(j, v, 0) for j, v in enumerate(vals[:k])])
        passed = [bool(coup_check(c, [world_seed(seed, -3, 5 * j + r) for r in range(5)]).passed)
                  for j, c in enumerate(cfgs)]
        out[side] = float(np.mean(passed)) if passed else None
    return out


def screen(evaluate: _Evaluator, params: Parameters, cfg: CalibrateConfig, n: int,
           folder: Path) -> tuple[list[int], list[dict[str, Any]]]:
    """Which assumptions the targets respond to: ``n`` worlds drawn uniformly from the prior,
    each simulated once; for each target, SALib's PAWN index (the median Kolmogorov-Smirnov
    distance between the target's distance given an assumption's slice and unconditionally) of
    every assumption; an assumption's score is its largest index over the targets. The
    ``cfg.dimensions`` assumptions with the largest scores are calibrated; the worlds go to
    ``screening.parquet``. Returns the selected indices and each assumption's indices."""
    import pandas as pd
    from SALib.analyze import pawn

    rng = np.random.default_rng([cfg.seed, 11])
    every = list(range(len(params.names)))
    draws = [params.draw(rng, every) for _ in range(n)]
    values = [params.named(d) for d in draws]
    rows = evaluate.rows(values, -10, 0)
    x = np.array([[d[j] for j in every] for d in draws])
    problem = {"num_vars": len(every), "names": list(params.names),
               "bounds": [[float(a), float(b)] for a, b in zip(params.lo, params.hi, strict=True)]}
    index = np.zeros((len(cfg.targets), len(every)))
    for k, tid in enumerate(cfg.targets):
        y = np.array([r[f"d.{tid}"] for r in rows], dtype=float)
        ok = np.isfinite(y)
        if ok.sum() >= 20 and np.ptp(y[ok]) > 0:
            index[k] = pawn.analyze(problem, x[ok], y[ok], S=10, seed=cfg.seed)["median"]
    score = index.max(axis=0)
    order = np.argsort(-score, kind="stable")
    selected = sorted(int(j) for j in order[:min(cfg.dimensions, len(every))])
    frame = pd.DataFrame({name: x[:, j] for j, name in enumerate(params.names)})
    for key in sorted(rows[0]):
        if key != "error":
            frame[key] = [r[key] for r in rows]
    frame.to_parquet(folder / "screening.parquet", index=False)
    table = [{"name": params.names[j], "score": float(score[j]), "selected": j in selected,
              "pawn": {tid: float(index[k, j]) for k, tid in enumerate(cfg.targets)}}
             for j in order.tolist()]
    return selected, table


def _progress_printer(out: TextIO | None) -> Callable[..., None] | None:
    if out is None:
        return None

    def show(t: int, accepted: int, n: int, ran: int, seconds: float) -> None:
        print(f"  generation {t}: {accepted}/{n} accepted of {ran} simulated "
              f"({ran / seconds if seconds > 0 else 0:.0f} worlds/s)", file=out, flush=True)

    return show


def screen_size(cfg: CalibrateConfig) -> int:
    """The worlds the screening draws: ``cfg.screen``, at most a quarter of the budget (none
    when that is below 100)."""
    n = min(cfg.screen, cfg.budget // 4)
    return n if n >= 100 else 0


#: The factor by which a generation's acceptance rate is expected to fall from the last's (the
#: tolerance halves at quantile 0.5): the budget stops a calibration before a generation that
#: would not finish within it, rather than spending what is left on one that is thrown away.
ACCEPTANCE_DECLINE = 0.7


def population_size(cfg: CalibrateConfig) -> int:
    """The particles per generation: ``cfg.population``, at most half of what the budget leaves
    after the screening (so that a small budget still finishes its first generation, a sample
    of the prior)."""
    return int(min(cfg.population, max(10, (cfg.budget - screen_size(cfg)) // 2)))


def expected_simulations(cfg: CalibrateConfig, gens: list[dict[str, Any]]) -> float:
    """The simulations the next generation is expected to take: the population over the last
    acceptance rate times :data:`ACCEPTANCE_DECLINE` (the population itself for the first)."""
    if not gens:
        return float(population_size(cfg))
    rate = max(gens[-1]["acceptance_rate"] * ACCEPTANCE_DECLINE, 1e-6)
    return population_size(cfg) / rate


def _stop_reason(cfg: CalibrateConfig, gens: list[dict[str, Any]], used: int) -> str | None:
    if len(gens) >= cfg.generations:
        return "generations"
    if used + expected_simulations(cfg, gens) > cfg.budget:
        return "budget"
    if gens:
        last = gens[-1]
        if last["epsilon"] is not None and last["epsilon"] <= cfg.min_epsilon:
            return "tolerance"
        if len(gens) > 1 and last["acceptance_rate"] < cfg.min_acceptance:
            return "acceptance"
    return None


def _handle_signals() -> dict[int, Any]:
    def raise_interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(signum)

    old = {}
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            s = getattr(signal, name)
            old[s] = signal.signal(s, raise_interrupt)
    return old


def calibrate(cfg: CalibrateConfig, folder: str | Path, *, config_dirs: Sequence[str] = (),
              out: TextIO | None = sys.stderr) -> dict[str, Any]:
    """Calibrate ``cfg.priors``'s assumptions to ``cfg.targets`` into ``folder`` (module
    docstring); resume the calibration already there. Return the diagnostics.

    Raises:
        ConfigError: bad settings, or a folder holding a calibration with other settings.
        CalibrationInterrupted: SIGINT, SIGTERM or SIGHUP; the finished generations are stored.
    """
    import pyabc

    from sim.calibrate.sampler import BatchSampler, EngineModel, ResumableQuantileEpsilon
    from sim.calibrate.simulate import Setup
    from sim.calibrate.targets import HELD_OUT, PRE_2020
    from sim.calibrate.transition import FixedOrderNormalTransition
    from sim.provenance import provenance
    from sim.sweep.executors import make_executor

    check_calibrate(cfg)
    folder = Path(folder)
    plan, params = _experiment(cfg, config_dirs)
    folder.mkdir(parents=True, exist_ok=True)
    meta_path, db = folder / "calibration.json", folder / "abc.db"
    digest = settings_hash(cfg)
    state: dict[str, Any] = {"generations": [], "seconds": 0.0}
    if db.exists():
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if meta.get("settings_hash") != digest:
            raise ConfigError(f"hydra.run.dir={str(folder)!r} holds a calibration with other "
                              f"settings ({meta.get('settings', {})}); allowed: the same settings "
                              "(to resume it) or another folder")
        state = meta.get("state", state)
    scored = tuple(dict.fromkeys((*cfg.targets, *PRE_2020)))
    setup = Setup(context=dataclasses.replace(plan.context, calibrate=()),
                  targets=tuple(cfg.targets), scored=scored,
                  politics_rules=dict(cfg.politics_rules))

    def save_meta() -> None:
        _write_json(meta_path, {
            "settings": {f: getattr(cfg, f) for f in _RESULT_FIELDS}, "settings_hash": digest,
            "parameters": [{"name": n, "key": k, "lo": float(a), "hi": float(b),
                            "int": bool(i)} for n, k, a, b, i in zip(
                params.names, params.keys, params.lo, params.hi, params.integer, strict=True)],
            "base": list(plan.context.base), "method": METHOD, "state": state,
            **provenance(libraries=True)})

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    session_start = time.perf_counter()
    old_handlers = _handle_signals()
    executor = make_executor(cfg.backend, scheduler=cfg.scheduler, n_workers=cfg.n_workers)
    try:
        evaluate = _Evaluator(executor, setup, params, cfg)
        if "selected" not in state:
            n = screen_size(cfg)
            if n:
                if out is not None:
                    print(f"screening: {n} worlds from the prior, each assumption's effect on "
                          "each target (PAWN)", file=out, flush=True)
                t0 = time.perf_counter()
                state["selected"], state["screening"] = screen(evaluate, params, cfg, n, folder)
                state["screen_simulations"] = n
                state["seconds"] = state.get("seconds", 0.0) + time.perf_counter() - t0
                if out is not None:
                    top = ", ".join(r["name"] for r in state["screening"][:5])
                    print(f"screening: {len(state['selected'])} of {len(params.names)} "
                          f"assumptions calibrated (the most influential: {top})", file=out,
                          flush=True)
            else:
                if len(params.names) > MAX_UNSCREENED:
                    raise ConfigError(
                        f"screen={cfg.screen} with budget={cfg.budget} screens no world (the "
                        f"screening takes at most a quarter of the budget, and at least 100 "
                        f"worlds), and experiment {cfg.priors!r} has {len(params.names)} "
                        f"assumptions; allowed: a screening (screen >= 100 and budget >= 4 x "
                        f"screen) or at most {MAX_UNSCREENED} assumptions")
                state["selected"] = list(range(len(params.names)))
                state["screen_simulations"] = 0
            save_meta()
        params.selected = list(state["selected"])
        model = EngineModel()
        sampler = BatchSampler(model, evaluate, cfg.seed, least=cfg.chunk,
                               most=max(cfg.chunk, population_size(cfg) // 2),
                               on_batch=_progress_printer(out if cfg.progress else None))
        prior = params.prior()
        abc = pyabc.ABCSMC(model, prior, pyabc.PNormDistance(p=2),
                           population_size=population_size(cfg),
                           transitions=FixedOrderNormalTransition(scaling=cfg.scaling),
                           eps=ResumableQuantileEpsilon(cfg.quantile),
                           sampler=sampler)
        url = f"sqlite:///{db.resolve()}"
        if db.exists():
            abc.load(url, 1)
        else:
            abc.new(url, {f"d.{t}": 0.0 for t in cfg.targets})
        save_meta()
        gens = state["generations"]
        done = abc.history.max_t + 1
        del gens[done:]  # a generation recorded here but not in the history did not finish
        if out is not None and done:
            print(f"resuming after generation {done - 1} "
                  f"({sum(g['simulations'] for g in gens)} simulations)", file=out)
        stopped = None
        while True:
            used = sum(g["simulations"] for g in gens) + state.get("screen_simulations", 0)
            stopped = _stop_reason(cfg, gens, used)
            if stopped:
                break
            sampler.limit = cfg.budget - used
            before, t0 = sampler.simulations, time.perf_counter()
            t = abc.history.max_t + 1
            abc.run(max_nr_populations=1)
            if abc.history.max_t < t:  # the budget ran out within the generation
                stopped = "budget"
                break
            pops = abc.history.get_all_populations()
            row = pops[pops["t"] == t].iloc[0]
            frame = _population_frame(sampler.last_sample.accepted_particles, params, t,
                                      cfg.seed, model.row)
            gens.append({"t": t, "epsilon": _number(float(row["epsilon"])),
                         "acceptance_rate": len(frame) / float(row["samples"]),
                         "ess": _ess(frame["weight"].to_numpy()),
                         "simulations": sampler.simulations - before,
                         "seconds": time.perf_counter() - t0})
            state["seconds"] = state.get("seconds", 0.0) + gens[-1]["seconds"]
            save_meta()
            _write_outputs(folder, frame, params, cfg, gens, state, None, stopped=None,
                           errors=evaluate.errors)
            if out is not None:
                g = gens[-1]
                eps = "inf" if g["epsilon"] is None else f"{g['epsilon']:.3f}"
                print(f"generation {t}: tolerance {eps}, acceptance {g['acceptance_rate']:.3f}, "
                      f"ESS {g['ess']:.0f}, {g['simulations']} simulations in "
                      f"{g['seconds']:.0f} s ({used + g['simulations']} of "
                      f"{cfg.budget})", file=out, flush=True)
        ppc, post = None, _last_population(folder, abc.history, params, cfg.seed)
        if post is not None:
            if out is not None and cfg.ppc:
                print(f"predictive checks: {cfg.ppc} worlds from the posterior and {cfg.ppc} "
                      "from the prior", file=out, flush=True)
            t0 = time.perf_counter()
            ppc = predictive(evaluate, params, post, cfg, scored)
            ppc["seconds"] = time.perf_counter() - t0
            ppc["held_out"] = list(HELD_OUT)
        diag = _write_outputs(folder, post, params, cfg, gens, state, ppc,
                              stopped=stopped, errors=evaluate.errors,
                              session=time.perf_counter() - session_start)
        save_meta()
        return diag
    except KeyboardInterrupt as exc:
        executor.abort()
        signum = exc.args[0] if exc.args and isinstance(exc.args[0], int) else signal.SIGINT
        raise CalibrationInterrupted(signum, folder, len(state["generations"])) from None
    finally:
        executor.close()
        for s, h in old_handlers.items():
            signal.signal(s, h)


#: What the diagnostics say about the method.
METHOD = ("pyABC ABCSMC: sequential Monte Carlo ABC over the assumptions the screening selects "
          "(SALib's PAWN index; the others drawn from their priors in each world), uniform "
          "priors over each one's range, pyABC's multivariate normal transition (scaling x the "
          "Silverman bandwidth; its arithmetic in a fixed order: sim.calibrate.transition), tolerance the weighted quantile of the last "
          "population's distances (QuantileEpsilon, the first generation a sample of the prior), "
          "Euclidean distance over the targets' tolerance-scaled distances (PNormDistance); "
          "proposals simulated in batches of the engine (sim.calibrate.sampler.BatchSampler)")


def _last_population(folder: Path, history: Any, params: Parameters, seed: int) -> Any:
    """The last stored generation's particles (None before the first): from
    ``populations.parquet``, or, if the calibration stopped after pyABC stored a generation and
    before this module wrote it, from pyABC's database (without the pass or fail of each
    target, which pyABC does not keep)."""
    import pandas as pd

    t = history.max_t
    if t < 0:
        return None
    path = folder / "populations.parquet"
    if path.exists():
        pops = pd.read_parquet(path)
        if (pops["generation"] == t).any():
            return pops[pops["generation"] == t].reset_index(drop=True)
    return _population_frame(history.get_population(t).particles, params, t, seed,
                             lambda par: None)


def _write_outputs(folder: Path, post: Any, params: Parameters, cfg: CalibrateConfig,
                   gens: list[dict[str, Any]], state: dict[str, Any], ppc: dict[str, Any] | None,
                   *, stopped: str | None, errors: int, session: float | None = None
                   ) -> dict[str, Any]:
    """Write ``post`` (the last generation's particles) as posterior.parquet and into
    populations.parquet (beside the generations before it), and diagnostics.json; return the
    diagnostics."""
    import pandas as pd

    from sim.calibrate.targets import HELD_OUT
    from sim.provenance import provenance

    diag: dict[str, Any] = {"ess": 0.0, "population": population_size(cfg), "generations": gens,
                            "simulations": int(sum(g["simulations"] for g in gens)
                                               + state.get("screen_simulations", 0)),
                            "screening": {"worlds": state.get("screen_simulations", 0),
                                          "calibrated": [params.names[j] for j in params.selected],
                                          "assumptions": state.get("screening", [])},
                            "wall_time_s": float(state.get("seconds", 0.0)),
                            "stopped_by": stopped, "targets": list(cfg.targets),
                            "held_out": list(HELD_OUT), "failed_worlds": errors,
                            "method": METHOD, "settings": {f: getattr(cfg, f)
                                                           for f in _RESULT_FIELDS},
                            **provenance()}
    if post is not None:
        t = int(post["generation"].iloc[0])
        path = folder / "populations.parquet"
        before = pd.read_parquet(path) if path.exists() else None
        if before is not None:
            before = before[before["generation"] < t]
        all_pops = pd.concat([f for f in (before, post) if f is not None and len(f)],
                             ignore_index=True)
        tmp = folder / "populations.parquet.tmp"
        all_pops.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        tmp = folder / "posterior.parquet.tmp"
        post.to_parquet(tmp, index=False)
        os.replace(tmp, folder / "posterior.parquet")
        diag["ess"] = _ess(post["weight"].to_numpy())
        diag["parameters"] = _shift(params, post)
        diag["posterior_population_pass_rate"] = {
            c[5:]: float(np.nansum(post["weight"] * post[c]) / post["weight"][post[c].notna()]
                         .sum()) if post[c].notna().any() else None
            for c in post.columns if c.startswith("pass.")}
    if ppc is not None:
        diag["predictive"] = ppc
        if session is not None:
            state["seconds"] = state.get("seconds", 0.0) + ppc.get("seconds", 0.0)
            diag["wall_time_s"] = float(state["seconds"])
    _write_json(folder / "diagnostics.json", diag)
    return diag
