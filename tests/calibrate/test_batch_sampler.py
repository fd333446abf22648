"""The batch sampler gives pyABC's own populations: the proposals a sequential sampler draws,
accepted in the order drawn, whatever the batches' sizes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyabc
import pytest
from pyabc.sampler import SingleCoreSampler

from sim.calibrate.sampler import BatchSampler, EngineModel, generation_seed


def _toy(par: dict) -> dict:
    """A deterministic model of two parameters (no random numbers: pyABC's own are the
    proposals')."""
    a, b = float(par["a"]), float(par["b"])
    return {"d.x": abs(a - 0.3) / 0.1, "d.y": abs(a + b - 1.0) / 0.2, "pass.x": float(a > 0.2)}


class _SeededSingleCore(SingleCoreSampler):
    """pyABC's sequential sampler with each generation's random state seeded as the batch
    sampler seeds it."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed = seed

    def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
        np.random.seed(generation_seed(self.seed, t))
        return super().sample_until_n_accepted(n, simulate_one, t, **kwargs)


def _history(model, sampler, generations: int):
    """pyABC's ABC-SMC of the toy model (two uniform parameters, 40 particles) run for
    ``generations`` with ``sampler``: its last generation and each generation's distribution."""
    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0, 1), b=pyabc.RV("uniform", 0, 1))
    abc = pyabc.ABCSMC(model, prior, pyabc.PNormDistance(p=2), population_size=40,
                       eps=pyabc.QuantileEpsilon(initial_epsilon=np.inf, alpha=0.5),
                       sampler=sampler)
    with tempfile.TemporaryDirectory() as tmp:
        abc.new(f"sqlite:///{Path(tmp) / 'abc.db'}", {"d.x": 0.0, "d.y": 0.0})
        h = abc.run(max_nr_populations=generations)
        return h.max_t, [h.get_distribution(t=t) for t in range(h.max_t + 1)]


def _run(model, sampler, generations: int = 3) -> list:
    return _history(model, sampler, generations)[1]


@pytest.mark.parametrize(("least", "most"), [(1, 1), (7, 7), (64, 4096)])
def test_the_batches_give_the_sequential_samplers_populations(least: int, most: int) -> None:
    calls: list[int] = []

    def evaluate(pars, t, first):
        calls.append(len(pars))
        return [_toy(p) for p in pars]

    model = EngineModel()
    batched = _run(model, BatchSampler(model, evaluate, seed=5, least=least, most=most))
    sequential = _run(_toy, _SeededSingleCore(seed=5))
    assert len(batched) == len(sequential) == 3
    for (df_b, w_b), (df_s, w_s) in zip(batched, sequential, strict=True):
        np.testing.assert_array_equal(np.sort(df_b["a"].to_numpy()), np.sort(df_s["a"].to_numpy()))
        np.testing.assert_allclose(np.sort(w_b), np.sort(w_s), rtol=1e-12)
    assert max(calls) <= most


def test_a_generation_past_the_limit_is_not_ok() -> None:
    model = EngineModel()
    sampler = BatchSampler(model, lambda pars, t, first: [_toy(p) for p in pars], seed=1)
    sampler.limit = 10  # fewer simulations than the population
    last, _ = _history(model, sampler, 1)
    assert last == -1  # the generation did not finish: nothing stored
    assert sampler.simulations == 10


def test_the_model_records_in_the_first_pass_and_answers_in_the_second() -> None:
    model = EngineModel()
    par = pyabc.Parameter(a=0.5, b=0.25)
    model.recording = True
    with pytest.raises(Exception, match="proposal recorded"):
        model.sample(par)
    model.recording = False
    model.results = {(("a", 0.5), ("b", 0.25)): {"d.x": 1.0}}
    assert model.sample(par) == {"d.x": 1.0}
