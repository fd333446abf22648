"""The vacuum-filling rules (docs/ODD.md section 7.5.2): behaviour tables, a shared contract every
registered rule must meet, one run through the model per rule, and user-registered rules.

After Axelrod-Python's strategy tests: every rule gets a table of small situations whose right
answer is known, checked on the rule function itself with a hand-built
:class:`sim.rules.RuleContext`; every rule passes the same shared tests (shape, sign,
determinism, no growth where it is banned); and each rule is also run end to end in a tiny world
(``tests/worlds.py``) to show that the model turns its decisions into what a user sees in the
``events`` and ``presence`` tables.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.api import load_config, run
from sim.engine.batch import stack_section
from sim.config import (
    INSTRUMENT_KINDS,
    ConfigError,
    CostBenefitParams,
    OpportunisticParams,
    ProportionalParams,
    RivalryParams,
    RulesConfig,
)
from sim.model import SahelModel
from sim.engine.prepare import prepare
from sim.processes import powers as powers_p
from sim.rules import RuleContext, get, names, vacuum_rule

try:
    from worlds import event, expulsion_world, tiny_world
except ImportError:  # tests/ imported as a package
    from tests.worlds import event, expulsion_world, tiny_world

BUILTIN_RULES = ("none", "proportional", "opportunistic", "cost_benefit", "rivalry")
N_I = len(INSTRUMENT_KINDS)
TROOPS = INSTRUMENT_KINDS.index("troops")
CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
PEACEKEEPERS = INSTRUMENT_KINDS.index("peacekeepers")
INFO_OPS = INSTRUMENT_KINDS.index("info_ops")

# Explicit rule parameters, so that the tables do not move when a schema default is retuned.
PARAMS = RulesConfig(
    proportional=ProportionalParams(spend_share=0.5),
    opportunistic=OpportunisticParams(window_months=24, min_receptivity=0.5,
                                      footprint_fraction=0.15, net_cost_cap_usd=5e8,
                                      max_personnel=2500.0, info_ops_usd=200_000.0,
                                      # the courting campaign has its own tests
                                      # (tests/processes/test_mechanisms_pre2020.py)
                                      campaign_info_ops_usd=0.0, strategists_usd=0.0),
    cost_benefit=CostBenefitParams(threshold=0.5, horizon_months=24, footprint_fraction=0.15,
                                   max_personnel=2500.0),
    rivalry=RivalryParams(match_ratio=1.0, personnel_per_point=50.0, max_personnel=2500.0),
)

# Russia-like instruments: troops (USD 15,000, effect 1), contractors (USD 12,000, effect 0.7,
# 90% billed to the host) and information operations (USD 1 per USD).
UNIT_COST = np.array([15_000.0, 12_000.0, 7_500.0, 1.0, 1.0, 1.0, 1.0])
EFFECTIVENESS = np.array([1.0, 0.7, 0.3, 0.0, 0.0, 0.0, 0.0])
HAS = np.array([True, True, False, False, False, True, False])
HOST_PAYS = np.array([0.0, 0.9, 0.0, 0.0, 0.0, 0.0, 0.0])


def with_params(**changes: object) -> RulesConfig:
    """:data:`PARAMS` with one rule's parameters changed, e.g.
    ``with_params(opportunistic={"window_months": 6})``."""
    out = dataclasses.replace(PARAMS)
    for rule, values in changes.items():
        setattr(out, rule, dataclasses.replace(getattr(PARAMS, rule), **values))
    return out


def context(n: int = 1, **kw: object) -> RuleContext:
    """A hand-built RuleContext over ``n`` states (``s0``, ``s1``, ...) in a batch of one world.

    Defaults: a vacuum of 1,000 effective personnel and a capacity of 2,000 everywhere, the host
    receptive (0.7), nothing deployed, no ban, no invitation, no rival exit, no rival gain, no
    net cost so far,
    a budget of USD 500m a year, and the host paying 90% of the contractors' bill.
    Scalars given for per-state fields are broadcast to every state. Per-world fields are given
    without the batch axis (``[S]``, ``[S, I]``, ``[I]`` costs, a scalar net cost or budget,
    the rules' config with numbers); the context adds it (B = 1).
    """
    per_state = {"vacuum": 1000.0, "capacity": 2000.0, "receptivity": 0.7, "influence": 0.0,
                 "can_enter": True, "invited": False, "rival_exit_age": math.inf,
                 "rival_gain": 0.0}
    fields: dict[str, object] = {
        "power": "russia", "states": tuple(f"s{i}" for i in range(n)), "month": 30,
        "level": np.zeros((n, N_I)), "target": None,
        "has_instrument": HAS.copy(), "unit_cost": UNIT_COST.copy(),
        "effectiveness": EFFECTIVENESS.copy(), "host_share": np.tile(HOST_PAYS, (n, 1)),
        "net_cost_to_date": 0.0, "budget_month": 5e8 / 12.0, "interest": 1.0, "params": PARAMS,
    }
    for k, v in per_state.items():
        value = kw.pop(k, v)
        dtype = bool if k in ("can_enter", "invited") else float
        fields[k] = np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()[None]
    fields.update(kw)
    if np.ndim(fields["host_share"]) == 1:
        fields["host_share"] = np.tile(np.asarray(fields["host_share"], dtype=float), (n, 1))
    if fields["target"] is None:
        fields["target"] = np.array(fields["level"], dtype=float, copy=True)
    for k in ("level", "target", "host_share"):  # [S, I] -> [1, S, I]
        fields[k] = np.array(fields[k], dtype=float, copy=True)[None]
    fields["net_cost_to_date"] = np.array([fields["net_cost_to_date"]], dtype=float)
    for k in ("unit_cost", "effectiveness"):  # [I] -> [1, I]
        fields[k] = np.array(fields[k], dtype=float, copy=True)[None]
    fields["interest"] = np.broadcast_to(np.asarray(fields["interest"], dtype=float),
                                         (n,)).copy()[None]
    fields["budget_month"] = np.array([[fields["budget_month"]]], dtype=float)
    fields["params"] = stack_section("rules", [fields["params"]])  # numbers [1, 1]
    return RuleContext(**fields)  # type: ignore[arg-type]


def deployed(n: int, where: dict[int, dict[int, float]]) -> np.ndarray:
    """``[n, I]`` levels: ``where[state][instrument] = level``."""
    out = np.zeros((n, N_I))
    for s, cols in where.items():
        for i, v in cols.items():
            out[s, i] = v
    return out


# --------------------------------------------------------------------------- a user's own rule

USER_RULE = "tests_enter_everywhere"


@vacuum_rule(USER_RULE)
def enter_everywhere(ctx: RuleContext) -> np.ndarray:
    """A user's rule: 100 contractors wherever the power may enter, nothing else changed."""
    desired = ctx.target.copy()
    if ctx.has_instrument[CONTRACTORS]:  # can_enter is [B, S], desired [B, S, I]
        desired[ctx.can_enter, CONTRACTORS] = np.maximum(desired[ctx.can_enter, CONTRACTORS], 100.0)
    return desired


# =========================================================================== shared contract

# Situations every rule is put through (each a RuleContext over 3 states).
SITUATIONS = {
    "quiet": context(3, vacuum=0.0),
    "rival_just_left": context(3, rival_exit_age=[0.0, math.inf, 3.0], vacuum=[1500.0, 0.0, 400.0]),
    "rival_gained": context(3, rival_gain=[0.05, 0.0, -0.02]),
    "present_everywhere": context(3, level=deployed(3, {0: {CONTRACTORS: 300, INFO_OPS: 2e5},
                                                        1: {CONTRACTORS: 800}})),
    # Expelled from s0 while still drawing down there (level > 0, personnel target 0), banned
    # from s1 where it never was, and every reason to go in anywhere.
    "banned_while_present": context(
        3, can_enter=[False, False, True], vacuum=5000.0, rival_exit_age=0.0, rival_gain=0.1,
        level=deployed(3, {0: {CONTRACTORS: 600, INFO_OPS: 2e5}}),
        target=deployed(3, {0: {INFO_OPS: 2e5}})),
    "over_net_cost_cap": context(3, net_cost_to_date=6e8, rival_exit_age=0.0,
                                 level=deployed(3, {1: {CONTRACTORS: 500}})),
    "host_cannot_pay": context(3, host_share=np.zeros(N_I), rival_exit_age=1.0),
    "no_person_instrument": context(3, has_instrument=np.array([False] * 5 + [True, False]),
                                    rival_exit_age=0.0, rival_gain=0.05),
}


def _copy_context(ctx: RuleContext) -> RuleContext:
    """A deep copy of a context's arrays (the dataclass is frozen, its arrays are not)."""
    return dataclasses.replace(ctx, **{f.name: getattr(ctx, f.name).copy()
                                       for f in dataclasses.fields(ctx)
                                       if isinstance(getattr(ctx, f.name), np.ndarray)})


def check_contract(rule_name: str, ctx: RuleContext) -> None:
    """What every vacuum-filling rule must do, whatever the situation.

    - return desired levels of shape ``[B, S, I]``, finite and non-negative;
    - be deterministic (the same context gives the same answer) and leave its context unchanged;
    - never ask for more than it has or has already ordered (``max(level, target)``) in a state
      that banned it or that it decided to stay out of (``can_enter`` False): the module's
      contract, "a rule never deploys into a state that has banned the power".
    """
    rule = get(rule_name)
    before = _copy_context(ctx)
    desired = np.asarray(rule(ctx), dtype=float)
    assert desired.shape == (ctx.worlds, len(ctx.states), N_I), f"{rule_name}: shape {desired.shape}"
    assert np.isfinite(desired).all(), f"{rule_name}: non-finite levels {desired}"
    assert (desired >= 0).all(), f"{rule_name}: negative levels {desired}"
    for f in dataclasses.fields(ctx):
        a, b = getattr(ctx, f.name), getattr(before, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"{rule_name} modified ctx.{f.name}")
    again = np.asarray(rule(_copy_context(before)), dtype=float)
    np.testing.assert_array_equal(desired, again, err_msg=f"{rule_name} is not deterministic")
    barred = ~ctx.can_enter
    ceiling = np.maximum(ctx.level, ctx.target)
    grow = barred[:, :, None] & (desired > ceiling + 1e-9)
    assert not grow.any(), (
        f"{rule_name} asks to grow where it may not enter: states "
        f"{[ctx.states[s] for s in np.flatnonzero(grow.any(axis=(0, 2)))]}, instruments "
        f"{[INSTRUMENT_KINDS[i] for i in np.flatnonzero(grow.any(axis=(0, 1)))]}: desired "
        f"{desired[grow]} > max(level, target) {ceiling[grow]}")


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
@pytest.mark.parametrize("rule_name", names())
def test_every_rule_meets_the_shared_contract(rule_name: str, situation: str) -> None:
    """Each registered rule (built-ins and users') meets the contract in each situation."""
    check_contract(rule_name, SITUATIONS[situation])


def test_every_builtin_rule_is_registered() -> None:
    """The five rules of docs/ODD.md section 7.5.2 can be chosen by name."""
    assert set(BUILTIN_RULES) <= set(names())


finite = st.floats(0.0, 1e4, allow_nan=False)
share = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def random_contexts(draw: st.DrawFn, n: int | None = None) -> RuleContext:
    """Random but valid contexts over 1-4 states (or ``n`` states)."""
    n = draw(st.integers(1, 4)) if n is None else n

    def vec(elems: st.SearchStrategy, size: int = n) -> np.ndarray:
        return np.array(draw(st.lists(elems, min_size=size, max_size=size)), dtype=float)

    has = np.array(draw(st.lists(st.booleans(), min_size=N_I, max_size=N_I)))
    level = np.where(has[None, :], vec(st.floats(0.0, 3000.0), n * N_I).reshape(n, N_I), 0.0)
    ordered = draw(st.booleans())
    target = np.where(has[None, :], vec(st.floats(0.0, 3000.0), n * N_I).reshape(n, N_I), 0.0) \
        if ordered else level.copy()
    ages = vec(st.one_of(st.just(math.inf), st.integers(0, 60).map(float)))
    return context(
        n, vacuum=vec(finite), capacity=vec(finite), receptivity=vec(share),
        influence=vec(share) / n, can_enter=vec(st.booleans()).astype(bool),
        rival_exit_age=ages, rival_gain=vec(st.floats(-0.3, 0.3)), level=level, target=target,
        has_instrument=has, host_share=vec(share, n * N_I).reshape(n, N_I),
        net_cost_to_date=draw(st.floats(-1e6, 1e9)), interest=draw(st.floats(0.0, 10.0)),
        month=draw(st.integers(0, 200)))


@pytest.mark.parametrize("rule_name", BUILTIN_RULES)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ctx=random_contexts())
def test_every_builtin_rule_meets_the_contract_in_random_situations(
        rule_name: str, ctx: RuleContext) -> None:
    """The shared contract holds in random valid situations, not only the hand-picked ones."""
    check_contract(rule_name, ctx)


# --------------------------------------------------------------------------- batch independence

# What a context holds per world (with the batch axis first); every other field is shared by the
# worlds of a batch.
PER_WORLD = ("vacuum", "capacity", "receptivity", "influence", "level", "target", "can_enter",
             "invited", "rival_exit_age", "rival_gain", "host_share", "net_cost_to_date",
             "unit_cost", "effectiveness", "budget_month", "interest")


def batch(*ctxs: RuleContext) -> RuleContext:
    """The contexts of several batches (here each of one world) as one batch, in order. Their
    shared fields must agree."""
    first = ctxs[0]
    for ctx in ctxs[1:]:
        for f in dataclasses.fields(ctx):
            if f.name not in PER_WORLD:
                np.testing.assert_array_equal(getattr(ctx, f.name), getattr(first, f.name),
                                              err_msg=f"shared field {f.name} differs")
    return dataclasses.replace(first, **{k: np.concatenate([getattr(c, k) for c in ctxs])
                                         for k in PER_WORLD})


def _share_fields(ctx: RuleContext, like: RuleContext) -> RuleContext:
    """``ctx`` with the shared fields of ``like`` (levels of instruments it lacks set to 0, so
    that the context stays valid)."""
    shared = {f.name: getattr(like, f.name) for f in dataclasses.fields(like)
              if f.name not in PER_WORLD}
    has = like.has_instrument
    return dataclasses.replace(ctx, **shared, level=np.where(has, ctx.level, 0.0),
                               target=np.where(has, ctx.target, 0.0))


def check_batch_independence(rule_name: str, ctxs: list[RuleContext]) -> None:
    """A rule given a batch of different worlds returns, for each world, the rows it returns for
    that world alone: a world's decision never reads another world's row."""
    rule = get(rule_name)
    alone = [np.asarray(rule(_copy_context(c)), dtype=float) for c in ctxs]
    together = np.asarray(rule(batch(*[_copy_context(c) for c in ctxs])), dtype=float)
    assert together.shape == (len(ctxs), len(ctxs[0].states), N_I), \
        f"{rule_name}: shape {together.shape}"
    for b, one in enumerate(alone):
        np.testing.assert_array_equal(
            together[b], one[0],
            err_msg=f"{rule_name}: world {b} of the batch differs from the same world alone")


# Situations over the same 3 states and the same shared fields (SITUATIONS but the one without a
# person instrument), and one with invitations.
BATCHABLE = {k: v for k, v in SITUATIONS.items() if k != "no_person_instrument"} | {
    "invited": context(3, invited=[True, False, True], vacuum=[0.0, 800.0, 3000.0],
                       level=deployed(3, {2: {CONTRACTORS: 100}})),
}


@pytest.mark.parametrize("rule_name", names())
def test_every_rule_decides_each_world_of_a_batch_on_its_own(rule_name: str) -> None:
    """Each registered rule, given two different worlds in one batch (every ordered pair of the
    situations), returns for each world what it returns for that world alone; and the same for
    all the situations in one batch."""
    keys = sorted(BATCHABLE)
    for a in keys:
        for b in keys:
            if a != b:
                check_batch_independence(rule_name, [BATCHABLE[a], BATCHABLE[b]])
    check_batch_independence(rule_name, [BATCHABLE[k] for k in keys])


@st.composite
def random_batches(draw: st.DrawFn) -> list[RuleContext]:
    """Two random valid worlds over the same 1-4 states, sharing the first one's shared fields."""
    n = draw(st.integers(1, 4))
    first = draw(random_contexts(n))
    return [first, _share_fields(draw(random_contexts(n)), first)]


@pytest.mark.parametrize("rule_name", BUILTIN_RULES)
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ctxs=random_batches())
def test_every_builtin_rule_decides_each_world_of_a_random_batch_on_its_own(
        rule_name: str, ctxs: list[RuleContext]) -> None:
    check_batch_independence(rule_name, ctxs)


def test_the_model_never_lets_a_banned_power_grow_whatever_its_rule_asks() -> None:
    """The model's own guard (``apply_decision``): where the host banned a power, a rule's wish
    to grow changes neither its orders nor its offers."""
    cfg = tiny_world(n_states=2, deployments=(("russia", "mali", "contractors", 200.0),))
    model = SahelModel(cfg)
    st_, w = model.state, model.world
    pi, mali, niger = w.power_ids.index("russia"), 0, 1
    st_.banned_until[0, mali, pi] = 10
    st_.banned_until[0, niger, pi] = 10
    before = st_.target[:, pi].copy()
    wish = np.zeros((1, 2, N_I))
    wish[:, :, CONTRACTORS] = 2000.0
    wish[:, :, INFO_OPS] = 5e5
    powers_p.apply_decision(w, st_, pi, wish)
    np.testing.assert_array_equal(st_.target[:, pi], before)
    assert not st_.offers[:, pi].any()


# =========================================================================== none


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_none_returns_the_current_targets(situation: str) -> None:
    """``none`` never enters or leaves: it returns what is already ordered, whatever happens."""
    ctx = SITUATIONS[situation]
    np.testing.assert_array_equal(get("none")(ctx), ctx.target)


# =========================================================================== opportunistic

# Each row: a one-state situation, the contractors and the info ops (USD/month) the rule wants.
# Footprint = 0.15 x vacuum 1,000 = 150 contractors (contractors are the cheapest force per unit
# of effect while the host pays 90% of them).
OPPORTUNISTIC_TABLE = [
    ("enters where a rival just left and the host is receptive",
     {"rival_exit_age": 0.0}, 150, 2e5),
    ("enters at the window's last month", {"rival_exit_age": 24.0}, 150, 2e5),
    ("not once the window has closed", {"rival_exit_age": 25.0}, 0, 0),
    ("not where no rival ever left", {}, 0, 0),
    ("not where the host is not receptive enough",
     {"rival_exit_age": 0.0, "receptivity": 0.49}, 0, 0),
    ("enters at exactly the receptivity needed",
     {"rival_exit_age": 0.0, "receptivity": 0.5}, 150, 2e5),
    ("not where it is banned", {"rival_exit_age": 0.0, "can_enter": False}, 0, 0),
    ("not where there is no vacuum", {"rival_exit_age": 0.0, "vacuum": 0.0}, 0, 0),
    ("footprint capped at max_personnel", {"rival_exit_age": 0.0, "vacuum": 1e5}, 2500, 2e5),
    ("keeps what it has where it is present",
     {"level": deployed(1, {0: {CONTRACTORS: 300}})}, 300, 2e5),
    ("grows with the vacuum where present",
     {"vacuum": 4000.0, "level": deployed(1, {0: {CONTRACTORS: 300}})}, 600, 2e5),
    ("leaves once its own net cost passes the cap",
     {"rival_exit_age": 0.0, "net_cost_to_date": 5e8 + 1,
      "level": deployed(1, {0: {CONTRACTORS: 300}})},
     0, 0),
    ("stays while its own net cost is at the cap",
     {"rival_exit_age": 0.0, "net_cost_to_date": 5e8}, 150, 2e5),
    ("enters where invited, with no rival exit and at least invited_personnel",
     {"invited": True}, 200, 2e5),
    ("enters where invited even with no vacuum", {"invited": True, "vacuum": 0.0}, 200, 2e5),
    ("where invited and the vacuum is large, the footprint follows the vacuum",
     {"invited": True, "vacuum": 4000.0}, 600, 2e5),
    ("not where invited but banned", {"invited": True, "can_enter": False}, 0, 0),
]


@pytest.mark.parametrize(("why", "situation", "contractors", "info_ops"), OPPORTUNISTIC_TABLE,
                         ids=[row[0] for row in OPPORTUNISTIC_TABLE])
def test_opportunistic_table(why: str, situation: dict, contractors: float,
                             info_ops: float) -> None:
    desired = get("opportunistic")(context(1, **situation))[0]
    assert desired[0, CONTRACTORS] == contractors, why
    assert desired[0, INFO_OPS] == info_ops, why
    assert desired[0, TROOPS] == 0, "contractors are its cheapest force while the host pays"


def test_opportunistic_enters_only_the_state_a_rival_left() -> None:
    """Three states with the same vacuum: a rival left s1 two months ago; s0 and s2 saw no exit."""
    ctx = context(3, rival_exit_age=[math.inf, 2.0, math.inf])
    desired = get("opportunistic")(ctx)[0]
    assert desired[:, CONTRACTORS].tolist() == [0, 150, 0]
    assert desired[:, INFO_OPS].tolist() == [0, 2e5, 0]


def test_opportunistic_leaves_everywhere_once_its_net_cost_passes_the_cap() -> None:
    present = deployed(3, {0: {CONTRACTORS: 900, INFO_OPS: 2e5}, 2: {TROOPS: 100}})
    ctx = context(3, level=present, rival_exit_age=0.0,
                  params=with_params(opportunistic={"net_cost_cap_usd": 1e7}),
                  net_cost_to_date=1.2e7)
    assert not get("opportunistic")(ctx)[0].any()


@pytest.mark.parametrize(("host_share", "force"), [
    (HOST_PAYS, CONTRACTORS),  # own cost per effect: 1,200 / 0.7 = 1,714 < troops' 15,000
    (np.zeros(N_I), TROOPS),  # host pays nothing: 12,000 / 0.7 = 17,143 > troops' 15,000
], ids=["host_pays_contractors", "host_pays_nothing"])
def test_opportunistic_uses_the_force_of_lowest_own_net_cost_per_effect(host_share, force) -> None:
    desired = get("opportunistic")(context(1, rival_exit_age=0.0, host_share=host_share))[0]
    assert desired[0, force] == 150
    assert desired[0, [TROOPS, CONTRACTORS]].sum() == 150


# =========================================================================== proportional


def _persons(desired: np.ndarray) -> np.ndarray:
    return desired[:, [TROOPS, CONTRACTORS, PEACEKEEPERS]].sum(axis=1)


@pytest.mark.parametrize(("why", "situation", "weights"), [
    ("by vacuum", {"vacuum": [1000.0, 500.0, 250.0]}, [4, 2, 1]),
    ("by receptivity", {"receptivity": [0.8, 0.4, 0.2]}, [4, 2, 1]),
    ("by vacuum x receptivity", {"vacuum": [1000.0, 2000.0, 500.0], "receptivity": [0.6, 0.3, 0.6]},
     [2, 2, 1]),
    ("nothing where there is no vacuum", {"vacuum": [1000.0, 0.0, 1000.0]}, [1, 0, 1]),
    ("nothing where the host is not receptive", {"receptivity": [0.0, 0.5, 0.5]}, [0, 1, 1]),
    ("nothing where it is banned", {"can_enter": [True, False, True]}, [1, 0, 1]),
], ids=lambda x: x if isinstance(x, str) else None)
def test_proportional_spends_in_proportion_to_vacuum_times_receptivity(
        why: str, situation: dict, weights: list[float]) -> None:
    """Gross spending per state is spend_share x budget x its share of vacuum x receptivity x
    interest, in the cheapest force (contractors here, USD 12,000 a month each)."""
    ctx = context(3, **situation)
    desired = get("proportional")(ctx)[0]
    w = np.array(weights, dtype=float)
    budget = 0.5 * float(ctx.budget_month[0, 0])
    expected = np.floor(budget * w / w.sum() / UNIT_COST[CONTRACTORS])
    np.testing.assert_array_equal(desired[:, CONTRACTORS], expected, err_msg=why)
    assert (desired[:, CONTRACTORS] * UNIT_COST[CONTRACTORS]).sum() <= budget
    assert not desired[:, TROOPS].any()


def test_proportional_leaves_where_the_weight_falls_to_zero() -> None:
    ctx = context(2, vacuum=[0.0, 1000.0], level=deployed(2, {0: {CONTRACTORS: 700}}))
    desired = get("proportional")(ctx)[0]
    assert desired[0, CONTRACTORS] == 0
    assert desired[1, CONTRACTORS] == np.floor(0.5 * float(ctx.budget_month[0, 0])
                                               / UNIT_COST[CONTRACTORS])


def test_proportional_with_no_strategic_interest_spends_nothing() -> None:
    assert not _persons(get("proportional")(context(3, interest=0.0))[0]).any()


# =========================================================================== cost_benefit


def _cost_benefit_ratio(vacuum: float = 1000.0, capacity: float = 2000.0, receptivity: float = 0.7,
                        host_share: float = 0.9) -> float:
    """Expected influence points per USD 10m of own net cost of a contractor footprint, worked
    out by hand from the rule's definition (15% of the vacuum, 24 months)."""
    footprint = math.floor(0.15 * vacuum)
    effect = 0.7 * footprint
    points = 100.0 * receptivity * effect / (effect + capacity)
    cost = footprint * 12_000.0 * (1.0 - host_share) * 24
    return points / (cost / 1e7)


RATIO = _cost_benefit_ratio()  # 150 contractors: 4.99 points for USD 4.32m -> 11.55


@pytest.mark.parametrize(("why", "threshold", "situation", "contractors"), [
    ("enters just above its threshold", 0.99 * RATIO, {}, 150),
    ("refuses just below it", 1.01 * RATIO, {}, 0),
    ("refuses where the host cannot pay (10x the own cost)", 0.99 * RATIO,
     {"host_share": np.zeros(N_I)}, 0),
    ("refuses where the host is not receptive", 0.99 * RATIO, {"receptivity": 0.05}, 0),
    ("refuses where it is banned", 0.0, {"can_enter": False}, 0),
    ("leaves where it no longer pays off", 1.01 * RATIO,
     {"level": deployed(1, {0: {CONTRACTORS: 100}})}, 0),
], ids=lambda x: x if isinstance(x, str) else None)
def test_cost_benefit_table(why: str, threshold: float, situation: dict,
                            contractors: float) -> None:
    ctx = context(1, params=with_params(cost_benefit={"threshold": threshold}), **situation)
    desired = get("cost_benefit")(ctx)[0]
    assert desired[0, CONTRACTORS] == contractors, why


def test_cost_benefit_picks_the_states_that_pass() -> None:
    """A receptive state passes, an unreceptive one does not, at the same threshold."""
    threshold = 0.5 * RATIO
    ctx = context(2, receptivity=[0.7, 0.2],
                  params=with_params(cost_benefit={"threshold": threshold}))
    assert _cost_benefit_ratio(receptivity=0.2) < threshold
    assert get("cost_benefit")(ctx)[0][:, CONTRACTORS].tolist() == [150, 0]


# =========================================================================== rivalry

# Each row: one state, a rival's influence gain over 12 months, what is deployed, the contractors
# wanted. 0.02 gain = 2 points x 50 persons per point x match_ratio 1 = 100 persons.
RIVALRY_TABLE = [
    ("answers a rival's gain", {"rival_gain": 0.02}, 100),
    ("matches the gain, does not add to what it has",
     {"rival_gain": 0.02, "level": deployed(1, {0: {CONTRACTORS: 400}})}, 400),
    ("raises what it has to the match",
     {"rival_gain": 0.10, "level": deployed(1, {0: {CONTRACTORS: 400}})}, 500),
    ("holds where no rival gained", {"level": deployed(1, {0: {CONTRACTORS: 400}})}, 400),
    ("holds where rivals lost influence",
     {"rival_gain": -0.05, "level": deployed(1, {0: {CONTRACTORS: 400}})}, 400),
    ("capped at max_personnel", {"rival_gain": 1.0}, 2500),
    ("does not answer where banned", {"rival_gain": 0.3, "can_enter": False}, 0),
    ("matches twice with match_ratio 2",
     {"rival_gain": 0.02, "params": with_params(rivalry={"match_ratio": 2.0})}, 200),
]


@pytest.mark.parametrize(("why", "situation", "contractors"), RIVALRY_TABLE,
                         ids=[row[0] for row in RIVALRY_TABLE])
def test_rivalry_table(why: str, situation: dict, contractors: float) -> None:
    desired = get("rivalry")(context(1, **situation))[0]
    assert desired[0, CONTRACTORS] == contractors, why


# =========================================================================== through the model


def _events(result, kind: str, actor: str) -> list[tuple[int, str]]:
    ev = result.tables["events"]
    rows = ev[(ev["kind"] == kind) & (ev["actor"] == actor)]
    return list(zip(rows["step"].tolist(), rows["target"].tolist()))


def _personnel(result, power: str, state: str) -> np.ndarray:
    pr = result.tables["presence"]
    return pr[(pr["power"] == power) & (pr["state"] == state)].sort_values("step")[
        "personnel"].to_numpy()


def test_model_none_russia_never_enters_even_when_france_is_expelled() -> None:
    result = run(expulsion_world(russia_rule="none"))
    assert _events(result, "entry", "russia") == []
    assert result.tables["presence"].query("power == 'russia'")["personnel"].eq(0).all()
    assert result.summary["russia"]["gross_cost_usd"] == 0


def test_model_opportunistic_russia_enters_the_state_france_left() -> None:
    """France is expelled from mali (2019-02); niger is not receptive to russia; chad is
    receptive but no rival left it. Russia enters mali, after the expulsion, and nowhere else."""
    cfg = expulsion_world(n_states=3, receptivity={"chad": {"russia": 0.7}})
    result = run(cfg)
    entries = _events(result, "entry", "russia")
    assert [s for _, s in entries] == ["mali"]
    assert entries[0][0] > 1  # the expulsion is in step 1
    assert _personnel(result, "russia", "mali")[-1] > 0
    assert not _personnel(result, "russia", "niger").any()
    assert not _personnel(result, "russia", "chad").any()


def test_model_opportunistic_russia_leaves_once_its_net_cost_passes_the_cap() -> None:
    """With a cap of USD 2m, russia enters mali, passes the cap within months and leaves."""
    cfg = expulsion_world(end="2020-06")
    cfg.rules.opportunistic.net_cost_cap_usd = 2e6
    result = run(cfg)
    entries, exits = _events(result, "entry", "russia"), _events(result, "exit", "russia")
    assert entries and exits and exits[0][0] > entries[0][0]
    pw = result.tables["powers"].query("power == 'russia'").sort_values("step")
    passed = pw.loc[pw["cum_net_cost_usd"] > 2e6, "step"].min()
    assert exits[0][0] > passed
    assert _personnel(result, "russia", "mali")[-1] == 0


@pytest.mark.parametrize(("host_can_pay", "enters"), [(1.0, True), (0.0, False)])
def test_model_cost_benefit_enters_only_where_the_host_pays(host_can_pay: float,
                                                            enters: bool) -> None:
    """At a threshold of 1 point per USD 10m, contractors 90% paid by the host pass and
    unpaid ones do not (their own cost is ten times higher)."""
    cfg = expulsion_world(russia_rule="cost_benefit", host_can_pay=host_can_pay)
    cfg.rules.cost_benefit.threshold = 1.0
    cfg.rules.cost_benefit.footprint_fraction = 0.5
    result = run(cfg)
    assert bool(_events(result, "entry", "russia")) is enters
    if enters:
        assert {s for _, s in _events(result, "entry", "russia")} == {"mali"}


def test_model_proportional_russia_spends_its_share_where_the_vacuum_is() -> None:
    """Only mali has a vacuum (France expelled): russia puts spend_share of its budget there."""
    cfg = expulsion_world(russia_rule="proportional")
    cfg.rules.proportional.spend_share = 0.5
    result = run(cfg)
    assert {s for _, s in _events(result, "entry", "russia")} == {"mali"}
    expected = math.floor(0.5 * 5e8 / 12 / 12_000.0)
    assert _personnel(result, "russia", "mali")[-1] == pytest.approx(expected)
    assert not _personnel(result, "russia", "niger").any()


def test_model_rivalry_russia_answers_france_where_france_gains() -> None:
    """France deploys 2,000 troops in niger (2019-02) and holds steady in mali: russia answers in
    niger only."""
    cfg = tiny_world(rules={"russia": "rivalry"}, events=[
        event("2019-02", "deploy", "france", "niger", instrument="troops", value=2000.0)])
    result = run(cfg)
    assert {s for _, s in _events(result, "entry", "russia")} == {"niger"}
    assert _personnel(result, "russia", "niger")[-1] > 0
    assert not _personnel(result, "russia", "mali").any()


# =========================================================================== users' rules


def test_a_registered_rule_is_chosen_by_rules_vacuum() -> None:
    """A rule registered with ``vacuum_rule`` runs for the power that names it."""
    result = run(tiny_world(rules={"russia": USER_RULE}, deployments=()))
    assert result.summary["rules"]["russia"] == USER_RULE
    assert {s for _, s in _events(result, "entry", "russia")} == {"mali", "niger"}
    assert _personnel(result, "russia", "mali")[-1] == 100
    assert _events(result, "entry", "france") == []  # france keeps "none"


def test_a_registered_rule_is_chosen_by_a_command_line_override() -> None:
    cfg = load_config([f"rules.vacuum.russia={USER_RULE}", "end=2019-03"])
    assert cfg.rules.vacuum["russia"] == USER_RULE


def test_an_unknown_rule_is_refused_with_the_names_allowed() -> None:
    cfg = tiny_world()
    cfg.rules.vacuum["russia"] = "opportunstic"
    with pytest.raises(ConfigError, match=r"rules\.vacuum\.russia.*opportunstic.*opportunistic"):
        prepare(cfg)


def test_a_rule_name_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        vacuum_rule("opportunistic")(lambda ctx: ctx.target.copy())


def test_a_rule_in_a_plugin_module_is_chosen_by_rules_plugins(tmp_path, monkeypatch) -> None:
    """README: ``sahel-sim rules.plugins=[my_rules] rules.vacuum.france=hold_the_line``. Listing
    the module in ``rules.plugins`` must be enough for the run to find its rules."""
    module = "sahel_sim_tests_plugin"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(f"""
        from sim.rules import vacuum_rule

        @vacuum_rule("{module}_hold")
        def hold(ctx):
            return ctx.target.copy()
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tiny_world()
    cfg.rules.plugins = [module]
    cfg.rules.vacuum["france"] = f"{module}_hold"
    result = run(cfg)
    assert result.summary["rules"]["france"] == f"{module}_hold"


def _three_worlds() -> RuleContext:
    """Three situations as one batch of three worlds, the rules' numbers ``[3, 1]``."""
    ctx = batch(*(BATCHABLE[k] for k in sorted(BATCHABLE)[:3]))
    return dataclasses.replace(ctx, params=stack_section("rules", [with_params(
        opportunistic={"max_personnel": 1000.0 + 500.0 * b}) for b in range(3)]))


def test_a_context_taken_with_its_params_given_is_the_context_taken() -> None:
    from sim.engine.batch import take_section

    ctx, worlds = _three_worlds(), np.array([0, 2])
    plain, given = ctx.take(worlds), ctx.take(worlds, take_section(ctx.params, worlds))
    for f in dataclasses.fields(ctx):
        if f.name != "params":
            np.testing.assert_array_equal(getattr(given, f.name), getattr(plain, f.name),
                                          err_msg=f.name)
    np.testing.assert_array_equal(given.params.opportunistic.max_personnel, [[1000.0], [2000.0]])
    assert ctx.take(worlds, ctx.params).params is ctx.params  # taken as given


def test_a_power_takes_each_rules_params_once_while_the_batch_keeps_them(monkeypatch) -> None:
    """The params of each rule's worlds are taken once and kept from month to month; taken
    again when the batch's rules section is another object (a ``param`` event) or more worlds
    run (twins joining); the decisions are those of a power that takes them every month."""
    import mesa

    import sim.engine.batch as batch_module
    from sim.agents.actors import ForeignPower

    ctx = _three_worlds()
    rules = ["opportunistic", "rivalry", "opportunistic"]
    taken: list[object] = []
    real = batch_module.take_section

    def counting(value: object, worlds: object) -> object:
        if isinstance(value, RulesConfig):
            taken.append(value)
        return real(value, worlds)

    restacked = dataclasses.replace(ctx, params=stack_section("rules", [with_params(
        opportunistic={"max_personnel": 10.0})] * 3))
    # what a power that takes them afresh decides
    first, second = (ForeignPower(mesa.Model(), 0, "russia", rules).decide(c)
                     for c in (ctx, restacked))
    assert not np.array_equal(first, second)
    monkeypatch.setattr(batch_module, "take_section", counting)
    power = ForeignPower(mesa.Model(), 0, "russia", rules)
    for _ in range(4):  # month after month: taken once, each rule's worlds
        np.testing.assert_array_equal(power.decide(ctx), first)
    assert len(taken) == 2
    # another rules section (a param event restacks it): taken again, its numbers read
    np.testing.assert_array_equal(power.decide(restacked), second)
    np.testing.assert_array_equal(power.decide(restacked), second)
    assert len(taken) == 4
    # fewer worlds running (the twins not joined yet): taken again for those
    head = ctx.take(np.arange(2), real(ctx.params, slice(None, 2)))
    np.testing.assert_array_equal(power.decide(head), first[:2])
    assert len(taken) == 6


def test_the_cheapest_force_is_found_once_per_context_and_each_caller_gets_its_own() -> None:
    ctx = _three_worlds()
    one = ctx.cheapest_force()
    one[:] = -7  # a caller's copy: the context's answer stays
    np.testing.assert_array_equal(ctx.cheapest_force(), ctx._cheapest_force())
    assert not (ctx.cheapest_force() == -7).any()
    # a context made from it (replace, take) finds its own
    other = dataclasses.replace(ctx, effectiveness=ctx.effectiveness[:, ::-1].copy())
    np.testing.assert_array_equal(other.cheapest_force(), other._cheapest_force())
