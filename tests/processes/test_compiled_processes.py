"""The processes' compiled kernels give the numpy code's floats, bit for bit (-0.0 told from
0.0): each process step runs on the same perturbed state under both choices of
sim.engine.rng's kernel, and every state array it leaves, and what it returns, must be the same
bytes. The states are pushed into every branch (regimes of both kinds, partners downgraded,
grievance not yet set, zero capacity, info operations) and the world's and params' per-world
numbers are perturbed, so that any other order of operations would show."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.api import load_config
from sim.engine import rng as engine_rng
from sim.engine.prepare import prepare
from sim.model import SahelModel
from sim.processes import hosts
from sim.state import CIVILIAN, MILITARY


@pytest.fixture(scope="module")
def model() -> SahelModel:
    """Five endogenous worlds after 30 months."""
    m = SahelModel(prepare(load_config(["scenario=endogenous", "seed=3"])),
                   seeds=[1, 2, 3, 4, 5])
    m.run_until(30)
    return m


def _bits(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return (x.shape, str(x.dtype), np.ascontiguousarray(x).tobytes())
    if isinstance(x, tuple | list):
        return [_bits(v) for v in x]
    return x


def _state_bits(st: Any) -> dict[str, Any]:
    return {name: _bits(v) for name, v in vars(st).items() if isinstance(v, np.ndarray)}


def _per_world(r: np.random.Generator, n_b: int, low: float, high: float) -> np.ndarray:
    return r.uniform(low, high, (n_b, 1))


def perturbed(model: SahelModel, seed: int) -> tuple[Any, Any, Any]:
    """``(world, state, r)``: copies of the model's with their numbers perturbed, and the
    generator for the step's own inputs."""
    r = np.random.default_rng(seed)
    st = copy.deepcopy(model.state)
    n_b, n_s, _ = st.receptivity.shape
    st.regime = np.where(r.random((n_b, n_s)) < 0.5, MILITARY, CIVILIAN).astype(st.regime.dtype)
    st.receptivity = r.random(st.receptivity.shape)
    st.standing = r.uniform(-2.0, 2.0, st.standing.shape)
    st.harm_attributed = r.uniform(0.0, 300.0, st.harm_attributed.shape)
    st.downgraded = r.random(st.downgraded.shape) < 0.3
    st.level = st.level * r.uniform(0.0, 3.0, st.level.shape) * (r.random(st.level.shape) < 0.7)
    st.level[:, :, :, hosts.INFO_OPS] = r.uniform(0.0, 5e5, st.level.shape[:3]) * (
        r.random(st.level.shape[:3]) < 0.5)
    st.grievance0 = np.where(r.random((n_b, n_s)) < 0.3, np.nan, r.uniform(0, 1, (n_b, n_s)))
    st.capacity = r.uniform(0.0, 5e4, st.capacity.shape) * (r.random(st.capacity.shape) < 0.8)
    st.protest_base = r.uniform(0.0, 20.0, st.protest_base.shape)
    w = model.world
    world = dataclasses.replace(w, **{
        name: getattr(w, name) * r.uniform(0.5, 1.5, getattr(w, name).shape)
        for name in ("base_receptivity", "nationalism", "nationalism_exposure")})
    return world, st, r


def _host_params(model: SahelModel, r: np.random.Generator) -> Any:
    n_b = model.worlds
    hp = model.cfg.params.hosts
    return dataclasses.replace(hp, **{n: _per_world(r, n_b, 0.01, 2.0)
                                      for n in (*hosts.RECEPTIVITY_PARAMS, "protest_weight")
                                      if n not in ("receptivity_rate", "military_media_control",
                                                   "civilian_media_control")},
                               receptivity_rate=_per_world(r, n_b, 0.0, 1.0),
                               military_media_control=_per_world(r, n_b, 0.0, 1.0),
                               civilian_media_control=_per_world(r, n_b, 0.0, 1.0))


def both(step: Callable[..., Any], st: Any, *args: Any, monkeypatch: pytest.MonkeyPatch
         ) -> dict[str, tuple[dict[str, Any], Any]]:
    """``step(*args)`` on a copy of ``st`` (passed as ``st=``) under each kernel: the state's
    bits and the returned value's."""
    out = {}
    for kernel in ("numpy", "numba"):
        monkeypatch.setattr(engine_rng, "_KERNEL", kernel)
        s = copy.deepcopy(st)
        got = step(*args, st=s)
        out[kernel] = (_state_bits(s), _bits(got))
    return out


def _same(out: dict[str, tuple[dict[str, Any], Any]]) -> None:
    (a_state, a_ret), (b_state, b_ret) = out["numpy"], out["numba"]
    differ = sorted(k for k in a_state if a_state[k] != b_state.get(k))
    assert not differ, f"state arrays differ: {differ}"
    assert a_ret == b_ret


@pytest.mark.parametrize("seed", range(4))
def test_receptivity_and_protests(model, seed, monkeypatch):
    world, st, r = perturbed(model, seed)
    n_b, n_s, n_p = st.receptivity.shape
    hp = _host_params(model, r)
    foreign = r.uniform(0.0, 3e3, (n_b, n_s, n_p)) * (r.random((n_b, n_s, n_p)) < 0.6)
    trend = r.uniform(-0.5, 0.5, (n_b, n_s))
    ins = r.uniform(0.0, 2.0, (n_b, n_s))

    def step(st):
        hosts.update_receptivity(world, st, hp, trend, foreign, ins)
        hosts.update_protests(world, st, hp, ins, foreign)

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    assert out["numpy"][0]["receptivity"] != _bits(st.receptivity)  # it moved


def _perturbed_politics(model: SahelModel, seed: int) -> tuple[Any, Any, Any, Any, Any]:
    """A perturbed state for the politics (coups next door, losses, sanctions, strategists),
    with per-world coup and partner params."""
    from sim.processes.politics import HAZARD_PARAMS, STRATEGISTS, VALUE_PARAMS

    world, st, r = perturbed(model, seed)
    n_b, n_s, _ = st.receptivity.shape
    month = 40
    st.last_attempt = np.where(r.random((n_b, n_s)) < 0.4, month - r.integers(0, 30, (n_b, n_s)),
                               st.last_attempt)
    st.army_loss_memory = r.uniform(0.0, 400.0, (n_b, n_s))
    st.army = st.army * r.uniform(0.0, 1.5, st.army.shape)
    st.legitimacy = r.random((n_b, n_s))
    st.sanctioned = r.random((n_b, n_s)) < 0.3
    st.host_paid = r.uniform(0.0, 1e6, st.host_paid.shape)
    st.concessions = r.uniform(0.0, 1e6, st.concessions.shape) * (r.random(st.concessions.shape)
                                                                  < 0.5)
    st.budget = r.uniform(0.0, 5e7, st.budget.shape)
    st.level[:, :, :, STRATEGISTS] = r.uniform(0.0, 2e5, st.level.shape[:3]) * (
        r.random(st.level.shape[:3]) < 0.5)
    world = dataclasses.replace(world, **{
        name: getattr(world, name) * r.uniform(0.5, 1.5, getattr(world, name).shape)
        for name in ("regime_protection", "conditionality", "sanctions_patron", "leverage",
                     "opposed_by_west")})
    cfg = model.cfg.params
    cp = dataclasses.replace(cfg.coups, **{n: getattr(cfg.coups, n) * r.uniform(
        0.5, 1.5, (n_b, 1)) for n in HAZARD_PARAMS})
    pp = dataclasses.replace(cfg.partners, **{n: getattr(cfg.partners, n) * r.uniform(
        0.5, 1.5, (n_b, 1)) for n in VALUE_PARAMS})
    return world, st, r, cp, pp


@pytest.mark.parametrize("seed", range(4))
def test_the_coup_hazard_and_the_partners_value(model, seed, monkeypatch):
    from sim.processes import politics

    world, st, r, cp, pp = _perturbed_politics(model, seed)
    n_b, n_s, n_p = st.receptivity.shape
    ins = r.uniform(0.0, 3.0, (n_b, n_s))
    trend = r.uniform(-0.5, 0.5, (n_b, n_s))
    foreign = r.uniform(0.0, 3e3, (n_b, n_s, n_p)) * (r.random((n_b, n_s, n_p)) < 0.6)

    def step(st):
        hazard = politics.coup_hazard(world, st, cp, ins, 40)
        threat = hazard / (hazard + politics.monthly_base(cp))
        return hazard, politics.partner_value(world, st, pp, ins, trend, foreign, threat)

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    hazard = np.frombuffer(out["numpy"][1][0][2])
    assert len(np.unique(hazard)) > hazard.size // 2  # numbers of their own, not a cap


def test_row_sum_is_numpys_sum_at_every_length():
    """groups_kernel.row_sum gives numpy's pairwise sum, +0.0 for zeros of both signs, for rows
    of 0 to 128 numbers of 24 orders of magnitude and both signs."""
    from sim.processes.groups_kernel import PAIRWISE_MAX, row_sum

    r = np.random.default_rng(7)
    for n in range(PAIRWISE_MAX + 1):
        for _ in range(5):
            x = r.random(n) * 10.0 ** r.integers(-12, 12, n) * r.choice([-1.0, 1.0], n)
            x[r.random(n) < 0.2] = -0.0
            assert _bits(np.array(row_sum(x))) == _bits(np.array(x.sum())), n
        assert _bits(np.array(row_sum(np.full(n, -0.0)))) == _bits(np.array(np.full(n, -0.0).sum()))


@pytest.mark.parametrize("seed", range(4))
def test_recruits_and_moves(model, seed, monkeypatch):
    from sim.processes import groups

    world, st, r = perturbed(model, seed)
    n_b = st.fighters.shape[0]
    st.fighters = st.fighters * r.uniform(0.0, 2.0, st.fighters.shape) * (
        r.random(st.fighters.shape) < 0.8)
    st.control = r.random(st.control.shape)
    st.harm_memory = r.uniform(0.0, 50.0, st.harm_memory.shape)
    st.massacre_memory = r.uniform(0.0, 50.0, st.massacre_memory.shape)
    st.legitimacy = r.random(st.legitimacy.shape)
    w = model.world
    world = dataclasses.replace(world, **{
        name: getattr(w, name) * r.uniform(0.5, 1.5, getattr(w, name).shape)
        for name in ("tax_rate", "illicit_income", "upkeep", "recruit_rate", "mobility")})
    gp = model.cfg.params.groups
    gp = dataclasses.replace(gp, **{n: getattr(gp, n) * r.uniform(0.5, 1.5, (n_b, 1))
                                    for n in (*groups.RECRUIT_PARAMS, "move_floor")})
    # a cap on funding above the groups' income against upkeep (the default caps most of them)
    gp = dataclasses.replace(gp, funding_cap=r.uniform(10.0, 50.0, (n_b, 1)))
    keys = model.recruit_keys

    def step(st):
        lam = (groups._compiled_recruit_rates if engine_rng.compiled()
               else groups.recruit_rates)(world, st, gp)
        groups.recruit(world, st, gp, keys)
        groups.move(world, st, gp)
        return lam

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    assert out["numpy"][0]["fighters"] != _bits(st.fighters)


@pytest.mark.parametrize("seed", range(4))
def test_the_powers_mechanics(model, seed, monkeypatch):
    """Deployments advance (up, down, to zero, onto the target), casualties and contractors'
    losses make powers leave, the arms market allocates and caps, exits are marked."""
    from sim.processes import powers

    world, st, r = perturbed(model, seed)
    n_b, n_p, n_s, _ = st.level.shape
    st.target = np.where(r.random(st.level.shape) < 0.5, st.level,
                         r.uniform(0.0, 2e3, st.level.shape) * (r.random(st.level.shape) < 0.6))
    st.rate = r.uniform(0.0, 300.0, st.level.shape) * (r.random(st.level.shape) < 0.9)
    c = powers.CONTRACTORS  # small contractor forces, ordered to stay, losing men
    st.level[:, :, :, c] = r.uniform(1.0, 100.0, (n_b, n_p, n_s)) * (r.random((n_b, n_p, n_s))
                                                                      < 0.5)
    st.target[:, :, :, c] = np.where(r.random((n_b, n_p, n_s)) < 0.8, st.level[:, :, :, c], 0.0)
    st.casualty_ring = r.poisson(2.0, st.casualty_ring.shape).astype(float)
    st.month = 45
    st.host_paid = r.uniform(0.0, 1e6, st.host_paid.shape)
    st.concessions = r.uniform(0.0, 1e6, st.concessions.shape)
    st.spending = r.uniform(0.0, 3e6, st.spending.shape) * (r.random(st.spending.shape) < 0.8)
    st.banned_until = np.where(r.random(st.banned_until.shape) < 0.3, 60, 0)
    st.budget = r.uniform(0.0, 5e8, st.budget.shape)
    st.arms_memory = r.uniform(0.0, 1e7, st.arms_memory.shape)
    st.withdrawal_loss = r.uniform(0.0, 100.0, st.withdrawal_loss.shape)
    w = model.world
    world = dataclasses.replace(world, **{
        name: getattr(w, name) * r.uniform(0.5, 1.5, getattr(w, name).shape)
        for name in ("person_effectiveness", "casualty_tolerance", "arms_budget_share",
                     "arms_paid_share", "unpaid_loss_share")},
        loss_exit_rate=r.uniform(0.0, 2.0, (n_b, n_p)) * (r.random((n_b, n_p)) < 0.7),
        arms_export=r.uniform(1e4, 1e7, (n_b, n_p)))
    protected = r.random((n_b, n_p)) < 0.2
    res = dataclasses.replace(model.cfg.params.resources,
                              host_can_pay=r.uniform(0.0, 1.0, (n_b, 1)),
                              arms_cost_ratio=r.uniform(0.5, 1.5, (n_b, 1)))
    share = r.uniform(0.0, 0.9, (n_b, 1))

    def step(st):
        withdraw = powers.casualty_withdrawals(world, st, protected)
        exits = powers.contractor_exits(world, st, protected)
        powers.mark_exits(world, st, share)
        moved = powers.advance_deployments(world, st)
        powers.arms_market(world, st, res)
        return withdraw, exits, moved

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    withdraw, exits, (entered, left) = out["numpy"][1]
    for name, kind in (("withdraw", withdraw), ("exits", exits), ("entered", entered),
                       ("left", left)):  # every branch taken somewhere
        assert np.frombuffer(kind[2], dtype=bool).any(), name
    assert out["numpy"][0]["level"] != _bits(st.level)


@pytest.mark.parametrize("seed", range(4))
def test_influence(model, seed, monkeypatch):
    """Process 6: the four dimension shares (zero totals included) and the influence update."""
    from sim.processes import influence

    world, st, r = perturbed(model, seed)
    n_b = st.level.shape[0]
    st.arms_memory = r.uniform(0.0, 1e7, st.arms_memory.shape) * (
        r.random(st.arms_memory.shape) < 0.6)
    st.arms_memory[0] = 0.0  # a world with no arms anywhere
    st.level[:, :, :, influence.AID] = r.uniform(0.0, 1e6, st.level.shape[:3]) * (
        r.random(st.level.shape[:3]) < 0.5)
    st.influence = r.random(st.influence.shape) * 0.3
    st.army_eff = r.uniform(0.1, 1.0, st.army_eff.shape)
    st.army = st.army * (r.random(st.army.shape) < 0.9)
    st.effect_factor = np.where(st.downgraded, r.uniform(0.2, 1.0, st.downgraded.shape), 1.0)
    world = dataclasses.replace(world, person_effectiveness=world.person_effectiveness
                                * r.uniform(0.5, 1.5, world.person_effectiveness.shape))
    ip = model.cfg.params.influence
    ip = dataclasses.replace(ip, **{n: r.uniform(0.05, 1.0, (n_b, 1))
                                    for n in influence.KERNEL_PARAMS})

    out = both(lambda st: influence.update_influence(world, st, ip), st,
               monkeypatch=monkeypatch)
    _same(out)
    assert out["numpy"][0]["influence"] != _bits(st.influence)


def _partner_state(st: Any, r: np.random.Generator) -> np.ndarray:
    """Agreements, cooperation, bans, invitations and the counters set at random, half the
    powers present somewhere; returns the protected powers [B, P]."""
    n_b, n_s, n_p = st.standing.shape
    st.agreement = r.random(st.agreement.shape) < 0.4
    st.cooperation = r.random(st.cooperation.shape) < 0.3
    st.banned_until = np.where(r.random(st.banned_until.shape) < 0.2, 60, 0)
    st.invited_until = np.where(r.random(st.invited_until.shape) < 0.3, 50, 0)
    st.low_months = r.integers(0, 30, st.low_months.shape)
    st.hostile_months = r.integers(0, 30, st.hostile_months.shape)
    protected = r.random((n_b, n_p)) < 0.2
    here = (r.random((n_b, n_p, n_s)) < 0.5)[..., None]  # half the powers present somewhere
    st.level = np.where(here, st.level + r.uniform(1.0, 100.0, st.level.shape), 0.0)
    return protected


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("with_objection", [True, False])
def test_the_partners_actions(model, seed, with_objection, monkeypatch):
    """Every action taken somewhere; the counters and the downgrades they update."""
    from sim.processes import politics

    world, st, r = perturbed(model, seed)
    n_b = st.standing.shape[0]
    month = 40
    protected = _partner_state(st, r)
    objection = r.uniform(0.0, 0.5, st.standing.shape) if with_objection else None
    pp = model.cfg.params.partners
    pp = dataclasses.replace(pp, **{n: getattr(pp, n) * r.uniform(0.5, 1.5, (n_b, 1))
                                    for n in politics.ACTION_PARAMS})

    def step(st):
        acts = politics.partner_actions(world, st, pp, protected, month, objection)
        return [getattr(acts, f.name) for f in dataclasses.fields(acts)]

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    names = [f.name for f in dataclasses.fields(politics.PartnerActions)]
    taken = {n for n, kind in zip(names, out["numpy"][1], strict=True)
             if np.frombuffer(kind[2], dtype=bool).any()}
    assert taken == set(names), sorted(set(names) - taken)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("downgrades", [True, False])
def test_the_security_capacity(model, seed, downgrades, monkeypatch):
    """Each partner's effective personnel and each state's capacity (army and partners), with
    and without a downgraded partner in the batch."""
    world, st, r = perturbed(model, seed)
    st.level = r.uniform(0.0, 500.0, st.level.shape) * (r.random(st.level.shape) < 0.8)
    st.army_eff = r.uniform(0.0, 2.0, st.army_eff.shape)
    # every power effective, so that the sum over the powers has many terms
    world = dataclasses.replace(world, person_effectiveness=r.uniform(
        0.1, 2.0, world.person_effectiveness.shape))
    st.effect_factor = r.uniform(0.2, 1.0, st.effect_factor.shape)
    if not downgrades:
        st.downgraded[:] = False

    out = both(lambda st: hosts.security_capacity(world, st), st, monkeypatch=monkeypatch)
    _same(out)
    capacity = np.frombuffer(out["numpy"][1][0][2])
    assert len(np.unique(capacity)) > capacity.size // 2


@pytest.mark.parametrize("seed", range(4))
def test_the_regimes_month_with_their_partners(model, seed, monkeypatch):
    """partner_month (one kernel on the compiled path: support, objection, threat, value,
    standing, actions) gives the numpy steps' floats and actions, every action taken."""
    from sim.processes import politics

    world, st, r, cp, pp = _perturbed_politics(model, seed)
    n_b, n_s, n_p = st.standing.shape
    protected = _partner_state(st, r)
    pp = dataclasses.replace(pp, **{n: getattr(pp, n) * r.uniform(0.5, 1.5, (n_b, 1))
                                    for n in (*politics.ACTION_PARAMS, "standing_rate")})
    ins = r.uniform(0.0, 3.0, (n_b, n_s))
    trend = r.uniform(-0.5, 0.5, (n_b, n_s))
    foreign = r.uniform(0.0, 3e3, (n_b, n_s, n_p)) * (r.random((n_b, n_s, n_p)) < 0.6)

    def step(st):
        acts, objection = politics.partner_month(world, st, cp, pp, protected, ins, trend,
                                                 foreign, 40)
        return [getattr(acts, f.name) for f in dataclasses.fields(acts)], objection

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    assert out["numpy"][0]["standing"] != _bits(st.standing)  # it moved
    names = [f.name for f in dataclasses.fields(politics.PartnerActions)]
    taken = {n for n, kind in zip(names, out["numpy"][1][0], strict=True)
             if np.frombuffer(kind[2], dtype=bool).any()}
    assert taken == set(names), sorted(set(names) - taken)
    # and the steps it stands for, one after the other, give the same
    s = copy.deepcopy(st)
    monkeypatch.setattr(engine_rng, "_KERNEL", "numpy")
    support = politics.bound_support(world, s)
    hazard = politics.coup_hazard(world, s, cp, ins, 40)
    threat = hazard / (hazard + politics.monthly_base(cp))
    politics.update_standing(s, pp, politics.partner_value(world, s, pp, ins, trend, foreign,
                                                           threat, support))
    objection = politics.objection(world, s, pp, support)
    acts = politics.partner_actions(world, s, pp, protected, 40, objection)
    assert _state_bits(s) == out["numba"][0]
    assert _bits(([getattr(acts, f.name) for f in dataclasses.fields(acts)], objection)) \
        == out["numba"][1]


def test_the_kernels_compiled_for_a_generic_cpu_give_the_numpy_runs(tmp_path):
    """Numba compiles the kernels for this CPU (AVX-512 or not); without fast-math their
    arithmetic is the same on any target: compiled for a generic x86-64
    (``NUMBA_CPU_NAME=generic``, in a fresh cache), whole endogenous runs give the numpy
    runs' tables, bit for bit."""
    import json
    import os
    import subprocess
    import sys
    import textwrap

    from paths import ROOT

    code = textwrap.dedent("""
        import hashlib, json
        import sim.engine.rng as rng
        from sim.api import load_config, run_batch
        from sim.engine.prepare import prepare
        cfg = prepare(load_config(["scenario=endogenous", "seed=11", "end=2021-12"]))
        out = {}
        for kernel in ("numba", "numpy"):
            rng.set_kernel(kernel)
            out[kernel] = [hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode())
                           .hexdigest() for r in run_batch(cfg, [1, 2, 3])
                           for _, df in sorted(r.tables.items())]
        print(json.dumps(out))
    """)
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                          capture_output=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["numba"] == out["numpy"]
    assert len(out["numba"]) > 10


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("concessions", [True, False])
def test_the_hosts_payments(model, seed, concessions, monkeypatch):
    """The shares of their bills the hosts pay (nothing due, nothing to pay with, more than
    enough) and what they pay."""
    world, st, r = perturbed(model, seed)
    n_b, n_s = st.budget.shape
    st.budget = 10.0 ** r.uniform(3.0, 10.0, (n_b, n_s)) * (r.random((n_b, n_s)) < 0.8)
    st.control = r.random(st.control.shape)
    st.level[:, :, r.random(n_s) < 0.3] = 0.0  # states with nothing billed
    res = dataclasses.replace(model.cfg.params.resources, concessions_enabled=concessions,
                              host_can_pay=r.uniform(0.0, 1.0, (n_b, 1)))
    world = dataclasses.replace(world, contractor_budget_share=r.uniform(
        0.0, 0.2, world.contractor_budget_share.shape), concession_rent_share=r.uniform(
        0.0, 0.5, world.concession_rent_share.shape), memo={},
        billing=r.uniform(0.0, 2e4, world.billing.shape))  # every power bills its hosts

    def step(st):
        shares = hosts.payment_shares(world, st, res)
        hosts.pay_contractors(world, st, res)
        return shares

    out = both(step, st, monkeypatch=monkeypatch)
    _same(out)
    cash = np.frombuffer(out["numpy"][1][0][2])
    assert (cash == 1.0).any() and ((cash > 0) & (cash < 1)).any() and (cash == 0).any()


@pytest.mark.parametrize(("powers", "instruments", "regions", "takes"), [
    (7, 7, 38, True), (7, 7, 128, True), (7, 7, 129, False), (8, 7, 38, False),
    (7, 8, 38, False)])
def test_one_gate_says_when_the_kernels_take_a_batch(powers, instruments, regions, takes,
                                                      monkeypatch):
    """sim.processes.arrays.compiled_batch: the kernels take a batch whose sums they add as numpy
    does (fewer than 8 powers and instruments, at most 128 regions), and never without Numba."""
    from types import SimpleNamespace

    from sim.processes.arrays import compiled_batch

    st = SimpleNamespace(level=np.zeros((2, powers, 3, instruments)),
                         fighters=np.zeros((2, 3, regions)))
    monkeypatch.setattr(engine_rng, "_KERNEL", "numba")
    assert compiled_batch(st) is takes
    monkeypatch.setattr(engine_rng, "_KERNEL", "numpy")
    assert compiled_batch(st) is False
