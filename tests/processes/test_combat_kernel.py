"""Process 3's compiled rates (sim.processes.combat_kernel) are the numpy rates
(sim.processes.combat.combat_rates), bit for bit: on states pushed into every branch (sorties,
contractors, downgraded partners, garrisons pulled back to the towns, a Tullock exponent other
than 1 in some worlds of a batch, reprisals, no militias) and over whole runs."""

from __future__ import annotations

import copy
import dataclasses
import hashlib

import numpy as np
import pytest

import sim.processes.combat_kernel as kernel
from sim.api import load_config, run_batch
from sim.engine import rng
from sim.engine.prepare import prepare
from sim.model import SahelModel
from sim.processes import combat as combat_p


def _bits(x: np.ndarray) -> bytes:
    """The array's bytes: equal arrays of equal floats, -0.0 told from 0.0."""
    return np.ascontiguousarray(x, dtype=float).tobytes()


@pytest.fixture(scope="module")
def model() -> SahelModel:
    """Four endogenous worlds after 30 months (Russia's contractors in, partners downgraded)."""
    m = SahelModel(prepare(load_config(["scenario=endogenous", "seed=3"])), seeds=[1, 2, 3, 4])
    m.run_until(30)
    return m


def _perturbed(model: SahelModel, seed: int):
    """A copy of the model's state with every branch of the rates taken somewhere, and attacks."""
    r = np.random.default_rng(seed)
    st = copy.deepcopy(model.state)
    _, n_p, n_s, _ = st.level.shape
    st.level = st.level * r.uniform(0.0, 3.0, st.level.shape) * (r.random(st.level.shape) < 0.7)
    st.level[0, :, :, combat_p.CONTRACTORS] += r.uniform(0.0, 500.0, (n_p, n_s))
    st.downgraded = r.random(st.downgraded.shape) < 0.3
    st.effect_factor = np.where(st.downgraded, r.uniform(0.2, 1.0, st.downgraded.shape), 1.0)
    st.control = r.random(st.control.shape)
    st.fighters = st.fighters * r.uniform(0.0, 2.0, st.fighters.shape) * (
        r.random(st.fighters.shape) < 0.8)
    st.militia = r.uniform(0.0, 300.0, st.militia.shape) * (r.random(st.militia.shape) < 0.5)
    st.massacre_memory = r.uniform(0.0, 50.0, st.massacre_memory.shape)
    st.arms_memory = r.uniform(0.0, 1e6, st.arms_memory.shape)
    st.army = st.army * r.uniform(0.0, 1.5, st.army.shape)
    attacks = r.poisson(3.0, st.fighters.shape).astype(float) * (r.random(st.fighters.shape) < 0.6)
    # the world's per-world numbers too (the Sahel's make some products exact: its groups'
    # foreign targeting equals their hostility, so the targeting ratio is 1)
    world = dataclasses.replace(model.world, **{
        name: getattr(model.world, name) * r.uniform(0.5, 1.5, getattr(model.world, name).shape)
        for name in WORLD_VALUES})
    return world, st, attacks


#: The World's per-world numbers the rates read.
WORLD_VALUES = ("army_effectiveness", "army_harm", "air_sorties", "person_effectiveness",
                "person_exposure", "person_civilian_harm", "hostile_effectiveness", "hostility",
                "hostile_foreign_targeting", "civilian_targeting", "rival_weight")


def _per_world(x: np.ndarray, n_b: int) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(n_b, 1)


CASES = {
    "as configured": {},
    "tullock 1 in some worlds only": {"tullock_m": [1.0, 1.3, 1.0, 0.7]},
    "pull-back": {"pullback_share": [0.4, 0.0, 0.6, 0.2], "pullback_control": [0.6, 0.5, 0.9, 0.3]},
    "no pull-back share": {"pullback_share": [0.0] * 4, "pullback_control": [0.9] * 4},
    "air and contractors": {"air_effectiveness": [0.5, 1.0, 2.0, 0.0],
                            "contractor_lethality": [3.0, 1.0, 0.5, 2.0],
                            "air_lethality": [0.1, 0.0, 0.3, 1.0]},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("militias", ["on", "amplified", "none"])
def test_the_compiled_rates_are_the_numpy_rates_bit_for_bit(model, case, seed, militias):
    world, st, attacks = _perturbed(model, seed)
    n_b = st.army.shape[0]
    p = dataclasses.replace(model.cfg.params.combat,
                            **{k: _per_world(v, n_b) for k, v in CASES[case].items()})
    mp = model.cfg.params.militias
    if militias == "amplified":
        mp = dataclasses.replace(mp, reprisal_amplifier=_per_world([0.0, 2.0, 5.0, 1.0], n_b))
    elif militias == "none":
        mp = None
    a, b = copy.deepcopy(st), copy.deepcopy(st)
    lam_a, att_a = combat_p.combat_rates(world, a, p, attacks, mp)
    lam_b, att_b = combat_p._compiled_rates(world, b, p, attacks, mp)
    assert lam_a.shape == lam_b.shape
    assert _bits(lam_a) == _bits(lam_b)
    assert _bits(att_a) == _bits(att_b)
    assert _bits(a.army_eff) == _bits(b.army_eff)
    assert _bits(a.control) == _bits(b.control)
    assert (lam_a > 0).any()


def test_the_perturbed_states_take_every_branch(model):
    """The branches the batch tests on the whole batch are taken by the states above."""
    world, st, _ = _perturbed(model, 0)
    assert combat_p.air_sorties(world, st).any()
    assert st.level[:, :, :, combat_p.CONTRACTORS].any()
    assert st.downgraded.any()
    assert (st.control < 0.6).any() and (st.control > 0.6).any()


def test_the_compiled_power_is_fmath_power_at_every_edge():
    from sim.engine import fmath

    x = np.array([0.0, 1e-300, 0.5, 1.0, 2.0, 1e300, np.inf, np.nan, -1.0])
    y = np.array([-1.5, -1.0, 0.0, 0.7, 1.0, 1.3, np.nan])
    xx, yy = np.meshgrid(x, y)
    want = fmath.power(xx, yy)
    got = np.array([kernel.power(float(u), float(v)) for u, v in zip(xx.ravel(), yy.ravel(),
                                                                    strict=True)])
    assert _bits(got) == _bits(want.ravel())


def _tables(overrides: list[str], kind: str) -> list[str]:
    before = rng._KERNEL
    rng.set_kernel(kind)
    try:
        results = run_batch(prepare(load_config(overrides)), [1, 2, 3])
    finally:
        rng._KERNEL = before
    return [hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode()).hexdigest()
            for r in results for _, df in sorted(r.tables.items())]


@pytest.mark.parametrize("overrides", [
    ["scenario=endogenous", "seed=5", "params.combat.tullock_m=1.3",
     "params.combat.pullback_share=0.4", "params.combat.pullback_control=0.6", "end=2023-12"],
    ["start=2017-01", "end=2019-12"],
    ["scenario=france_stays", "scenario.west_withdrawal_share=0.5",
     "params.militias.reprisal_amplifier=2.0", "end=2023-12"],
])
def test_whole_runs_are_the_same_with_the_compiled_rates(overrides, monkeypatch):
    calls = []
    rates = kernel.rates

    def counted(*args):
        calls.append(1)
        return rates(*args)

    monkeypatch.setattr(kernel, "rates", counted)
    compiled = _tables(overrides, "numba")
    assert calls  # the compiled rates ran
    calls.clear()
    assert compiled == _tables(overrides, "numpy")
    assert not calls  # and the numpy ones here


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_whole_month_of_combat_is_the_same_with_the_compiled_kernels(model, seed, monkeypatch):
    """The rates, the draw and what the counts do (sim.processes.combat_kernel.outcomes: the
    fighters' losses, the memories, the sums by region, state, power and group, massacres):
    every state array and the month's result, bit for bit."""
    world, st, attacks = _perturbed(model, seed)
    r = np.random.default_rng(100 + seed)
    st.harm_memory = r.uniform(0.0, 50.0, st.harm_memory.shape)
    st.harm_attributed = r.uniform(0.0, 50.0, st.harm_attributed.shape)
    st.attack_memory = r.uniform(0.0, 20.0, st.attack_memory.shape)
    n_b = st.army.shape[0]
    p = dataclasses.replace(model.cfg.params.combat,
                            mass_casualty_threshold=_per_world([2.0, 5.0, 10.0, 3.0], n_b),
                            army_mass_casualty=_per_world([1.0, 2.0, 5.0, 1.0], n_b),
                            clash_rate=_per_world([0.5, 1.0, 2.0, 0.3], n_b))  # rivals clash
    world = dataclasses.replace(world, rival_share=world.rival_share * r.uniform(
        0.5, 1.5, world.rival_share.shape))
    months = _per_world([3.0, 6.0, 12.0, 6.0], n_b)
    out = {}
    for choice in ("numpy", "numba"):
        monkeypatch.setattr(rng, "_KERNEL", choice)
        s = copy.deepcopy(st)
        res = combat_p.combat(world, s, p, attacks, model.combat_keys,
                              model.cfg.params.militias, months)
        out[choice] = ({k: _bits(v) for k, v in vars(s).items() if isinstance(v, np.ndarray)},
                       [_bits(np.asarray(x)) for x in (*res.massacre_regions,
                                                      *res.army_mass_casualty)])
    differ = sorted(k for k in out["numpy"][0] if out["numpy"][0][k] != out["numba"][0][k])
    assert not differ
    assert out["numpy"][1] == out["numba"][1]
    assert np.frombuffer(out["numpy"][1][0], dtype=np.int64).size > 0  # massacres happened
