"""pyABC's proposals, evaluated in batches of the engine.

pyABC evaluates one proposal at a time: its ``simulate_one`` draws a parameter (from the prior,
or from the last population through its transition), calls the model on it, computes the
distance and decides acceptance. The engine is fast only on batches of many worlds (a world
alone costs about ten times as much as one in a batch of 64). :class:`BatchSampler` is a pyABC
``Sampler`` (the part of pyABC that decides *where* proposals are evaluated, beside its
``SingleCoreSampler``, ``MulticoreEvalParallelSampler`` and Dask samplers); the inference (the
proposals, the weights, the epsilon schedule, the populations) stays pyABC's own:

1. it calls pyABC's ``simulate_one`` ``k`` times with the model in *recording* mode
   (:class:`EngineModel`): each call draws its proposal exactly as pyABC does and stops at the
   model, which records the parameter and the random state the call began with;
2. it simulates the ``k`` proposals at once, as batches of the engine on the executor's workers
   (``evaluate``);
3. it calls ``simulate_one`` again for each, from its recorded random state, so that it draws
   the same proposal; the model now returns the batch's result, and pyABC computes the distance
   and acceptance as usual.

Proposals are taken in the order they were drawn until ``n`` are accepted (the rest of the last
batch is simulated but not used: counted in :attr:`BatchSampler.simulations`, not in pyABC's
evaluations), so the population is what a sequential sampler would give: no bias towards fast
simulations. Each generation's random state is seeded from the calibration's seed and the
generation, so a calibration resumed after a stop gives the same populations as one that never
stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyabc
from pyabc.sampler import Sampler

__all__ = ["BatchSampler", "EngineModel", "ResumableQuantileEpsilon", "generation_seed"]


class _Proposed(Exception):
    """Raised by the model in recording mode: the proposal pyABC drew."""

    def __init__(self, parameter: Any):
        super().__init__("proposal recorded")
        self.parameter = parameter


def _key(parameter: Any) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(k), float(v)) for k, v in dict(parameter).items()))


class EngineModel(pyabc.Model):
    """pyABC's model: records proposals (:class:`BatchSampler`'s first pass) or returns the
    statistics their batch computed (its second): to pyABC the distances (``d.<target>``,
    which it stores for every accepted particle), the rest of each world's row (its pass or
    fail on each target) kept here, in :attr:`rows`, for the generation's outputs."""

    def __init__(self) -> None:
        super().__init__(name="sahel-sim")
        self.recording = False
        self.results: dict[tuple[tuple[str, float], ...], dict[str, float]] = {}
        #: every evaluated proposal's whole row this generation, by its parameter
        self.rows: dict[tuple[tuple[str, float], ...], dict[str, float]] = {}

    def sample(self, pars: Any) -> dict[str, float]:
        if self.recording:
            raise _Proposed(pars)
        key = _key(pars)
        row = self.results[key]
        self.rows[key] = row
        return {k: v for k, v in row.items() if k.startswith("d.")}

    def row(self, pars: Any) -> dict[str, float] | None:
        """The whole row of an evaluated proposal of this generation (None if unknown)."""
        return self.rows.get(_key(pars))


def generation_seed(seed: int, t: int) -> int:
    """The seed of generation ``t``'s random state (numpy's global one, which pyABC draws
    from)."""
    return int(np.random.SeedSequence([int(seed), int(t) + 1]).generate_state(1)[0])


class BatchSampler(Sampler):
    """Evaluate pyABC's proposals in batches (module docstring).

    Args:
        model: the calibration's :class:`EngineModel`.
        evaluate: ``evaluate(parameters, t, first)`` -> each parameter's statistics, in order
            (``first``: the index of the first among generation ``t``'s simulations; the
            worlds' seeds derive from ``t`` and their index).
        seed: the calibration's seed.
        least: the fewest proposals simulated at once.
        most: the most.
        on_batch: called after each batch with (t, accepted, n, simulations in this
            generation, seconds since the generation began).
    """

    def __init__(self, model: EngineModel,
                 evaluate: Callable[[list[Any], int, int], list[dict[str, float]]], seed: int,
                 least: int = 64, most: int = 4096,
                 on_batch: Callable[[int, int, int, int, float], None] | None = None) -> None:
        super().__init__()
        self.model, self.evaluate, self.seed = model, evaluate, int(seed)
        self.least, self.most, self.on_batch = int(least), int(most), on_batch
        #: simulations run, all generations of this process (the ones not used included)
        self.simulations = 0
        #: the index of the next simulation within its generation (with the generation, its
        #: world's seed: the same in a calibration that resumed)
        self.next_index = 0
        #: the most simulations the next generation may run (the budget left); inf: no limit
        self.limit: float = math.inf
        self.rate = 1.0  # the acceptance rate the next batch's size assumes
        self.last_sample: Any = None

    def _size(self, need: int, left: float) -> int:
        k = math.ceil(need / max(self.rate, 0.01) * (1.0 if self.rate >= 1.0 else 1.15))
        k = max(self.least, min(self.most, k))
        return int(min(k, left))

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        began = time.perf_counter()
        np.random.seed(generation_seed(self.seed, t))
        self.next_index = 0
        self.model.rows = {}
        sample = self._create_empty_sample()
        evals, ran = 0, 0
        left = min(float(max_eval), self.limit)
        while sample.n_accepted < n and ran < left:
            k = self._size(n - sample.n_accepted, left - ran)
            states, params = [], []
            self.model.recording = True
            try:
                for _ in range(k):
                    state = np.random.get_state()
                    try:
                        simulate_one()
                    except _Proposed as p:
                        states.append(state)
                        params.append(p.parameter)
                    else:
                        raise RuntimeError("pyABC's simulate_one did not call the model")
            finally:
                self.model.recording = False
            stats = self.evaluate(params, t, self.next_index)
            self.next_index += k
            self.simulations += k
            ran += k
            for state, par, res in zip(states, params, stats, strict=True):
                self.model.results = {_key(par): res}
                np.random.set_state(state)
                sample.append(simulate_one())
                evals += 1
                if sample.n_accepted >= n:
                    break
            self.model.results = {}
            self.rate = max(sample.n_accepted / max(evals, 1), 0.0)
            if self.on_batch is not None:
                self.on_batch(t, sample.n_accepted, n, ran, time.perf_counter() - began)
        self.nr_evaluations_ = evals
        if sample.n_accepted < n:
            sample.ok = False
        #: the last generation's sample (pyABC normalises its accepted particles' weights in
        #: place before storing them): its population, without reading pyABC's database back
        self.last_sample = sample
        return sample


class ResumableQuantileEpsilon(pyabc.QuantileEpsilon):
    """pyABC's ``QuantileEpsilon`` with the prior as the first generation (an infinite
    tolerance), which also resumes: pyABC's own, created again to resume a stored calibration,
    would start over at its initial (infinite) tolerance, and accept every proposal of the
    generation it resumes at. This one takes that generation's tolerance from the last stored
    population's weighted distances, as the uninterrupted run's update did (the same quantile of
    the same distances and weights)."""

    def __init__(self, alpha: float) -> None:
        super().__init__(initial_epsilon=math.inf, alpha=alpha, weighted=True)

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations,
                   acceptor_config):
        super().initialize(t, get_weighted_distances, get_all_records, max_nr_populations,
                           acceptor_config)
        if t > 0 and t not in self._look_up:
            self._update(t, get_weighted_distances())
