"""The summaries of a batch at once (:func:`sim.metrics.summarize_batch`) are each world's own
summary (:func:`sim.metrics.summarize_arrays` of :meth:`sim.record.Recorder.arrays`), bit for
bit: same keys in the same order, same values, same Python types, nan and inf alike.

The recorder's monthly record and the columns it derives are pinned against the formulas they
replaced (tests/engine/test_golden.py pins whole runs).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from sim.api import load_config
from sim.metrics import summarize_arrays, summarize_batch
from sim.model import SahelModel
from sim.engine.prepare import prepare
from sim.processes.ledger import MonthLedger
from tests.engine.test_engine import ran

SEEDS = [3, 101, 7_000_001, 42, 9]

CASES = {
    "historical": ["metrics.twin=false"],
    "endogenous": ["scenario=endogenous", "metrics.twin=false"],
    "short-horizon": ["scenario=endogenous", "end=2019-04", "metrics.horizon_start=2019-02",
                      "metrics.twin=false"],
    "no-russia": ["scenario=no_russia", "metrics.twin=false"],
    # one power (one row per step in the powers table), no AES state
    "one-power": ["scenario=synthetic", "world.synthetic.n_powers=1",
                  "world.synthetic.n_states=2", "world.synthetic.n_groups=1",
                  "world.synthetic.n_regions=8", "end=2019-09", "metrics.twin=false"],
}


def _mismatch(a: Any, b: Any, path: str = "summary") -> str | None:
    """Where ``a`` and ``b`` differ (None where they are equal): the same types, dict keys in the
    same order, floats bit for bit (nan equals nan, -0.0 differs from 0.0)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        found = (_mismatch(a[k], b[k], f"{path}.{k}") for k in a)
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        found = (_mismatch(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    elif isinstance(a, float):
        same = (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1.0, a) == math.copysign(1.0, b))
        return None if same else f"{path}: {a!r} != {b!r}"
    else:
        return None if a == b else f"{path}: {a!r} != {b!r}"
    return next((m for m in found if m is not None), None)


def _assert_batch_is_each_world(model: SahelModel, metrics: list, start: str, end: str) -> None:
    """summarize_batch of the model's batch equals each world's summarize_arrays."""
    batch = summarize_batch(model.recorder, metrics, start, end)
    assert len(batch) == model.worlds
    for b in range(model.worlds):
        alone = summarize_arrays(model.recorder.arrays(b), metrics[b], start, end)
        mismatch = _mismatch(batch[b], alone)
        assert mismatch is None, f"world {b}: {mismatch}"


@pytest.fixture(scope="module", params=sorted(CASES))
def batch(request):
    return ran(CASES[request.param], SEEDS)


def test_the_helper_sees_every_kind_of_difference():
    """The comparison fails on a value, a type, a key order, a sign of zero or a nan."""
    base = {"a": 1.0, "b": [1, None], "c": {"x": math.nan}}
    assert _mismatch(base, {"a": 1.0, "b": [1, None], "c": {"x": math.nan}}) is None
    for other in ({"a": 1.0 + 2**-52, "b": [1, None], "c": {"x": math.nan}},
                  {"a": 1, "b": [1, None], "c": {"x": math.nan}},
                  {"b": [1, None], "a": 1.0, "c": {"x": math.nan}},
                  {"a": 1.0, "b": [True, None], "c": {"x": math.nan}},
                  {"a": 1.0, "b": [1, None], "c": {"x": math.inf}}):
        assert _mismatch(base, other) is not None
    assert _mismatch(0.0, -0.0) is not None


def test_a_batch_summary_is_each_worlds_summary_bit_for_bit(batch):
    cfg, model = batch
    _assert_batch_is_each_world(model, [cfg.metrics] * model.worlds, cfg.start, cfg.end)
    # one metrics config for the whole batch gives the same
    once = summarize_batch(model.recorder, cfg.metrics, cfg.start, cfg.end)
    assert once == summarize_batch(model.recorder, [cfg.metrics] * model.worlds, cfg.start,
                                   cfg.end)


def test_the_worlds_of_a_batch_have_their_own_numbers(batch):
    """The cases compare worlds with different numbers: a batch of equal worlds could hide a
    summary that mixes them up."""
    cfg, model = batch
    summaries = summarize_batch(model.recorder, cfg.metrics, cfg.start, cfg.end)
    keys = ("fatalities_aes", "fighters_end", "host_cost_usd")
    assert len({tuple(s[k] for k in keys) for s in summaries}) > 1


def test_worlds_with_their_own_metrics_are_summarized_with_them():
    """Each world is summarized with its own metrics: horizons, thresholds and margins that
    differ within the batch."""
    cfg = prepare(load_config(["scenario=endogenous", "end=2021-06", "metrics.twin=false"]))
    model = SahelModel(cfg, SEEDS)
    model.run()
    m = cfg.metrics
    metrics = [m,
               dataclasses.replace(m, horizon_start="2019-07", horizon_end="2020-12"),
               dataclasses.replace(m, k=1, phi=0.9, security_margin=0.0, security_months=1),
               dataclasses.replace(m, horizon_start="2019-07", horizon_end="2020-12",
                                   security_margin=0.3, cheap_cost_ratio=2.0),
               dataclasses.replace(m, horizon_end="2019-01")]
    _assert_batch_is_each_world(model, metrics, cfg.start, cfg.end)
    with pytest.raises(ValueError, match="metrics"):
        summarize_batch(model.recorder, metrics[:2], cfg.start, cfg.end)


def _random_recorder(model: SahelModel, rng: np.random.Generator) -> None:
    """Fill the model's recorder with random values over many orders of magnitude, so that a
    sum taken in another order than a world's own gives other bits."""
    rec = model.recorder

    def draw(shape: tuple[int, ...]) -> np.ndarray:
        values = rng.random(shape) * 10.0 ** rng.integers(-4, 7, shape)
        return np.where(rng.random(shape) < 0.2, 0.0, values)

    for group in (rec.states, rec.presence, rec.groups, rec.regions):
        for a in group.values():
            a[...] = draw(a.shape)
    rec.states["regime"][...] = rng.integers(0, 2, rec.states["regime"].shape)
    rec.regions["control"][...] = rng.random(rec.regions["control"].shape)
    for a in (rec.level, rec.casualties, rec.political_cost):
        a[...] = draw(a.shape)
    for a in rec.cents.values():
        a[...] = rng.integers(0, 10**13, a.shape)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_records_give_each_worlds_summary_bit_for_bit(seed):
    """Random records of 8 worlds (values of every magnitude: the order of every sum shows)."""
    cfg = prepare(load_config(["metrics.twin=false", "end=2020-06",
                               "metrics.horizon_start=2019-03"]))
    model = SahelModel(cfg, list(range(8)))
    _random_recorder(model, np.random.default_rng(seed))
    _assert_batch_is_each_world(model, [cfg.metrics] * model.worlds, cfg.start, cfg.end)


def test_an_infinite_cost_stays_in_its_world():
    """A world with infinite casualties loses the compensation of its cost sums (a nan
    compensation is reset), a world whose finite casualties overflow the sum keeps it (its nan
    spreads), the other worlds are untouched."""
    cfg = prepare(load_config(["metrics.twin=false", "end=2019-12"]))
    model = SahelModel(cfg, list(range(4)))
    _random_recorder(model, np.random.default_rng(5))
    casualties = model.recorder.casualties  # [T, B, P, S]
    casualties[3, 1, 0, 0] = np.inf
    casualties[3:5, 2, 0, 0] = 1e308
    with np.errstate(invalid="ignore", over="ignore"):
        _assert_batch_is_each_world(model, [cfg.metrics] * 4, cfg.start, cfg.end)
        summary = summarize_batch(model.recorder, cfg.metrics, cfg.start, cfg.end)
    west = [s["west"]["casualties"] for s in summary]
    assert west[1] == math.inf and math.isnan(west[2])
    assert math.isfinite(west[0]) and math.isfinite(west[3])


# ------------------------------------------------------------------------------- the recorder


def test_the_monthly_record_keeps_the_formulas_it_replaced():
    """Regions held (ties between groups included), diplomatic alignment (worlds that rank their
    partners beside worlds that do not) and the cumulative net cost, against the expressions
    the recorder used before."""
    cfg = prepare(load_config(["metrics.twin=false", "end=2019-03"]))
    model = SahelModel(cfg, list(range(6)))
    st, rec, rng = model.state, model.recorder, np.random.default_rng(11)
    n_b, n_g = st.fighters.shape[:2]
    # fighters in few sizes (many ties, zeros), control around one half
    st.fighters[...] = rng.choice([0.0, 0.0, 5.0, 12.0, 40.0], size=st.fighters.shape)
    st.control[...] = rng.choice([0.2, 0.5, 0.49, 0.8], size=st.control.shape)
    st.standing[...] = rng.normal(size=st.standing.shape)
    st.standing[[1, 4]] = 0.0  # these worlds do not rank their partners
    st.agreement[...] = rng.random(st.agreement.shape) < 0.5
    for c in (st.gross_cents, st.host_cents, st.concession_cents):
        c[...] = rng.integers(-10**12, 10**12, c.shape)
    ledger = MonthLedger(*(rng.integers(0, 10**12, st.gross_cents.shape) for _ in range(3)))
    rec.record(2, st, ledger, model.world)

    top = np.argmax(st.fighters, axis=1) + np.arange(n_b)[:, None] * n_g
    held = (st.control < 0.5) & (st.fighters.max(axis=1) > 0)
    regions_held = np.bincount(top[held], minlength=n_b * n_g).reshape(n_b, n_g)
    assert held.sum() > 10 and np.array_equal(rec.groups["regions_held"][2], regions_held)
    ranked = st.standing.any(axis=(1, 2))[:, None, None]
    assert np.array_equal(rec.presence["diplomatic"][2],
                          np.where(ranked, st.standing, st.agreement))
    assert np.array_equal(rec.cents["cumulative_net"][2],
                          st.gross_cents - st.host_cents - st.concession_cents)
    assert np.array_equal(rec.cents["gross"][2], ledger.gross)
    # every world ranking its partners, and none
    for standing in (np.where(st.standing == 0.0, 0.5, st.standing), np.zeros_like(st.standing)):
        st.standing[...] = standing
        rec.record(1, st, ledger, model.world)
        ranked = standing.any(axis=(1, 2))[:, None, None]
        assert np.array_equal(rec.presence["diplomatic"][1],
                              np.where(ranked, standing, st.agreement))


def test_the_derived_columns_keep_the_formulas_they_replaced():
    """A world's state control and powers columns (Recorder.control, Recorder.power_columns)
    are the ones the recorder computed from the world's own contiguous arrays, bit for bit."""
    cfg = prepare(load_config(["metrics.twin=false", "end=2019-12"]))
    model = SahelModel(cfg, list(range(3)))
    _random_recorder(model, np.random.default_rng(7))
    rec, w = model.recorder, model.world
    for b in range(3):
        arrays = rec.arrays(b)
        regions = np.ascontiguousarray(rec.regions["control"][:, b])
        control = w.by_state(regions * w.population) / np.maximum(w.state_population, 1e-9)
        assert arrays.states["control"].tobytes() == control.tobytes()
        c = {k: np.ascontiguousarray(v[:, b]) for k, v in rec.cents.items()}
        casualties = np.ascontiguousarray(rec.casualties[:, b]).sum(axis=2)
        political = np.ascontiguousarray(rec.political_cost[:, b])
        expected = {"gross_cost_usd": c["gross"] / 100.0, "host_payments_usd": c["host"] / 100.0,
                    "concession_revenue_usd": c["concession"] / 100.0,
                    "net_cost_usd": (c["gross"] - c["host"] - c["concession"]) / 100.0,
                    "cum_net_cost_usd": c["cumulative_net"] / 100.0,
                    "casualties": casualties, "political_cost_usd": casualties * political}
        assert list(arrays.powers) == list(expected)
        for k, v in expected.items():
            assert arrays.powers[k].dtype == v.dtype and arrays.powers[k].tobytes() == v.tobytes()
        # the batch's columns are the worlds' columns
        assert np.array_equal(rec.control()[:, b], control)
        assert np.array_equal(rec.control(b, 5), control[5])
