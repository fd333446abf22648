"""Worlds with different parameter values in one batch (sim.engine.batch).

The configs of a batch may differ in their numbers (params, rules, scenario and the world's
per-entity values): each world then runs with its own values, and its results are those of its
config run alone, bit for bit. So may their dated events that change no value, their protected
powers and the sign of their Western cut (a run and its twin share a batch), and the vacuum rule
each power follows (each rule runs on the worlds that chose it). Configs that differ in structure
(a bool, a param or budget event, the sign of another number) are never put in one batch.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from sim.api import load_config, run, run_worlds
from sim.engine.batch import (
    BatchStructureError,
    group_by_structure,
    merge_events,
    stack_config,
    structure_key,
    world_events,
    world_value,
)
from sim.config import EventConfig
from sim.model import SahelModel
from sim.engine.prepare import prepare
from sim.sweep.experiment import ParameterSpec
from sim.sweep.params import apply_parameters
from tests.engine.test_engine import assert_world_is_alone

# five worlds, each with its own value of every kind of number a design can vary: floats and
# ints of params, a rule's parameter, the scenario's cut, and the world's per-entity values
# (scaled); B = 5 matches no entity count of the default world (8 states, 7 powers, 3 groups,
# 6 instruments), so that a value broadcast along the wrong axis fails loudly
VALUES = {
    "params.hosts.nationalism_weight": [0.1, 0.3, 0.45, 0.6, 0.2],
    "params.combat.tullock_m": [0.6, 1.0, 1.4, 2.0, 0.8],
    "params.influence.rate": [0.04, 0.08, 0.12, 0.16, 0.1],
    "params.partners.notice_months": [6, 9, 12, 18, 24],
    "params.coups.attempt_rate": [0.05, 0.2, 0.5, 1.0, 2.0],
    "rules.opportunistic.footprint_fraction": [0.25, 0.5, 0.75, 1.0, 0.4],
    "rules.cost_benefit.threshold": [0.5, 1.0, 2.0, 4.0, 8.0],
    "rules.cost_benefit.horizon_months": [6, 12, 18, 24, 36],
    "rules.proportional.spend_share": [0.1, 0.3, 0.5, 0.7, 0.9],
    "rules.rivalry.match_ratio": [0.5, 1.0, 1.5, 2.0, 0.8],
    "scenario.west_withdrawal_share": [0.25, 0.5, 0.75, 1.0, 0.6],
}
SCALES = {
    "world.powers.russia.instruments.contractors.unit_cost_usd": [0.5, 1.0, 1.5, 2.0, 0.8],
    "world.groups.jnim.recruit_rate": [0.5, 1.0, 1.5, 2.0, 0.7],
    "world.states.mali.army_effectiveness": [0.7, 1.0, 1.2, 1.4, 0.9],
    "world.powers.russia.budget_ceiling_usd": [0.4, 1.0, 2.0, 4.0, 0.6],
}
BASE = ["scenario=endogenous", "rules.vacuum.russia=opportunistic", "metrics.twin=false",
        "end=2023-12"]


def _configs(base: list[str] = BASE, worlds: int = 5, seed: int = 11) -> list:
    """One config per world: the base with world b's values (every world the same seed, so
    that the worlds differ only by their values)."""
    cfg = load_config(base)
    specs = {**{p: ParameterSpec(paths=[p]) for p in VALUES},
             **{p: ParameterSpec(paths=[p], scale=True) for p in SCALES}}
    out = []
    for b in range(worlds):
        one = apply_parameters(copy.deepcopy(cfg), {p: v[b] for p, v in {**VALUES, **SCALES}.items()},
                               specs)
        one.seed = seed
        out.append(one)
    return out


RULES = {  # every built-in rule decides with its own parameters in each world
    "opportunistic": [],
    "cost_benefit-rivalry-proportional": ["rules.vacuum.russia=cost_benefit",
                                          "rules.vacuum.france=rivalry",
                                          "rules.vacuum.china=proportional"],
}


@pytest.fixture(scope="module", params=sorted(RULES))
def varied(request):
    cfgs = [prepare(c) for c in _configs([*BASE, *RULES[request.param]])]
    model = SahelModel(cfgs)
    model.run()
    return cfgs, model


def test_each_world_of_a_batch_runs_with_its_own_values_as_it_would_alone(varied):
    cfgs, model = varied
    assert model.worlds == len(cfgs)
    for b, cfg in enumerate(cfgs):
        alone = SahelModel(cfg)
        alone.run()
        assert_world_is_alone(model, b, alone, f"world {b}")


def test_the_values_reach_the_worlds(varied):
    """The worlds share a seed: they differ because their values differ (a batch that ran every
    world with world 0's values would fail here)."""
    _, model = varied
    rec = model.recorder
    for b in range(1, model.worlds):
        assert not np.array_equal(rec.regions["control"][:, 0], rec.regions["control"][:, b])
        assert not np.array_equal(rec.presence["influence"][:, 0], rec.presence["influence"][:, b])
    cut = [e[4] for e in model.recorder.events[3] if e[1] == "withdrawal" and "scenario" in e[4]]
    assert cut and all("100%" in d for d in cut)  # world 3 cuts by its own share


def test_the_batch_config_holds_each_worlds_numbers_as_a_column(varied):
    cfgs, model = varied
    stacked = model.cfg
    assert stacked.params.hosts.nationalism_weight.shape == (5, 1)
    assert stacked.params.partners.notice_months.dtype == np.int64
    for b, cfg in enumerate(cfgs):
        assert world_value(stacked.params.combat.tullock_m, b) == cfg.params.combat.tullock_m
        assert world_value(stacked.rules.opportunistic.footprint_fraction, b) == \
            cfg.rules.opportunistic.footprint_fraction
    w = model.world
    ru, ci = w.power_ids.index("russia"), 1  # contractors
    unit = [c.world.powers["russia"].instruments["contractors"].unit_cost_usd for c in cfgs]
    assert list(w.unit_cost[:, ru, ci]) == unit
    assert w.region_state.ndim == 1  # the regions are shared


@pytest.mark.parametrize("scenario", ["endogenous", "historical"])
def test_worlds_that_differ_in_their_rules_share_a_batch_and_each_gets_its_own(scenario):
    """Every built-in rule for Russia (``none`` among them, which decides nothing) and two for
    France, in one batch with their twins: each world's summary and arrays are those of its
    config run alone (the rules each ran on the worlds that chose them)."""
    from sim.rules import names

    base = load_config([f"scenario={scenario}", "end=2022-06"])
    cfgs = []
    for k, rule in enumerate(names()):
        cfg = copy.deepcopy(base)
        cfg.rules.vacuum = {**cfg.rules.vacuum, "russia": rule,
                            "france": "none" if k % 2 else "proportional"}
        cfg.seed = 40 + k
        cfgs.append(cfg)
    assert group_by_structure(cfgs) == [list(range(len(cfgs)))]
    together = run_worlds(cfgs)
    for cfg, result in zip(cfgs, together, strict=True):
        alone = run(cfg)
        assert result.summary == alone.summary, cfg.rules.vacuum
        assert np.array_equal(result.arrays.influence(), alone.arrays.influence())
    assert len({r.summary["rules"]["russia"] for r in together}) == len(names())


def test_scenarios_that_differ_in_their_events_coups_or_payment_share_a_batch():
    """endogenous, france_stays, china_competes and strong_insurgency differ in their events, name
    and description, no_coups in its coups (``endogenous_coups``, each world's own) and
    host_cannot_pay in the sign of ``host_can_pay`` (a value no branch reads the sign of,
    :data:`sim.engine.batch.SIGN_FREE`): one batch, each world what it is alone; historical (the
    politics off) is a batch of its own."""
    names = ["endogenous", "france_stays", "china_competes", "strong_insurgency", "no_coups",
             "host_cannot_pay", "historical"]
    cfgs = [load_config([f"scenario={s}", "end=2022-06"]) for s in names]
    for k, cfg in enumerate(cfgs):
        cfg.seed = 60 + k
    assert group_by_structure(cfgs) == [[0, 1, 2, 3, 4, 5], [6]]
    together = run_worlds(cfgs[:6])
    for cfg, result in zip(cfgs[:6], together, strict=True):
        alone = run(cfg)
        assert result.summary == alone.summary, cfg.scenario.name
        assert result.summary["scenario"] == cfg.scenario.name


def _emergent_coups(model: SahelModel, b: int) -> list[tuple[str, str]]:
    return [(e[1], e[3]) for e in model.recorder.events[b]
            if e[5] == "emergent" and e[1] in ("coup", "coup_attempt")]


def test_worlds_with_and_without_coups_run_in_one_batch_as_alone():
    """One seed with and without coups, and a host that cannot pay beside one that can: the world
    without coups has none where its twin in seed has some, and every world is what it is alone,
    bit for bit (the attempts of a world without coups are drawn and dropped)."""
    cfgs = [load_config([f"scenario={s}", "end=2021-06", "metrics.twin=false", "seed=62"])
            for s in ("endogenous", "no_coups", "host_cannot_pay", "no_coups")]
    cfgs[3].seed = 65
    cfgs[3].params.resources.host_can_pay = 0.0
    assert group_by_structure(cfgs) == [[0, 1, 2, 3]]
    prepared = [prepare(c) for c in cfgs]
    model = SahelModel(prepared)
    assert model.coups.tolist() == [True, False, True, False]
    model.run()
    assert _emergent_coups(model, 0) and not _emergent_coups(model, 1)
    assert not _emergent_coups(model, 3)
    for b, cfg in enumerate(prepared):
        alone = SahelModel(cfg)
        alone.run()
        assert_world_is_alone(model, b, alone, f"world {b}")


def test_run_worlds_gives_each_config_what_run_gives_it_twin_included():
    cfgs = _configs(["scenario=endogenous", "end=2022-12"], worlds=3)
    for b, cfg in enumerate(cfgs):
        cfg.seed = 100 + b
    together = run_worlds(cfgs)
    for cfg, result in zip(cfgs, together, strict=True):
        alone = run(cfg)
        assert result.summary == alone.summary
        assert result.summary["vacuum_premium"] is not None
        assert result.config.seed == cfg.seed


def test_configs_that_differ_only_in_numbers_share_a_structure():
    cfgs = _configs(worlds=3)
    assert len({structure_key(c) for c in cfgs}) == 1
    assert group_by_structure(cfgs) == [[0, 1, 2]]
    other_seed = dataclasses.replace(cfgs[0], seed=999)
    assert structure_key(other_seed) == structure_key(cfgs[0])


@pytest.mark.parametrize("why,change", [
    ("a bool", lambda c: setattr(c.scenario, "endogenous_sanctions", False)),
    ("the sign of a number", lambda c: setattr(c.params.combat, "pullback_share", 0.0)),
    ("the sign of a world's value",
     lambda c: setattr(c.world.powers["russia"], "arms_export_usd", 0.0)),
    ("a param event's value", lambda c: c.scenario.events.append(EventConfig(
        date="2020-06", kind="param", path="params.combat.control_speed", value=0.3))),
    ("a budget event", lambda c: c.scenario.events.append(EventConfig(
        date="2020-06", kind="budget", actor="russia", value=1e8))),
    ("a date", lambda c: setattr(c, "end", "2023-11")),
])
def test_configs_that_differ_in_structure_never_share_a_batch(why, change):
    a, b = _configs(worlds=2)
    change(b)
    assert structure_key(a) != structure_key(b), why
    assert group_by_structure([a, b]) == [[0], [1]]


def test_a_batch_of_configs_with_different_structures_is_refused_naming_the_difference():
    a, b = _configs(worlds=2)
    b.scenario.endogenous_sanctions = not a.scenario.endogenous_sanctions
    with pytest.raises(BatchStructureError, match="scenario.endogenous_sanctions"):
        stack_config([a, b])
    with pytest.raises(BatchStructureError):
        SahelModel([prepare(a), prepare(b)])


def test_a_param_event_changes_every_worlds_value_and_keeps_the_others_own():
    """A scheduled ``param`` event sets the value in every world; the other numbers stay each
    world's own (the batch's config is restacked)."""
    cfgs = _configs(worlds=2)
    for c in cfgs:
        c.scenario.events = [*c.scenario.events, EventConfig(
            date="2020-06", kind="param", path="params.combat.control_speed", value=0.3)]
    model = SahelModel([prepare(c) for c in cfgs])
    model.run()
    stacked = model.cfg
    assert stacked.params.combat.control_speed.tolist() == [[0.3], [0.3]]
    assert stacked.params.combat.tullock_m.ravel().tolist() == VALUES["params.combat.tullock_m"][:2]
    for b, cfg in enumerate(cfgs):
        alone = SahelModel(prepare(cfg))
        alone.run()
        assert np.array_equal(model.recorder.regions["control"][:, b],
                              alone.recorder.regions["control"][:, 0])
        assert cfg.params.combat.control_speed != 0.3  # the caller's configs are untouched


def test_the_sweep_worker_runs_different_points_in_one_batch():
    from sim.sweep.worker import SweepContext, Task, execute, point_configs, run_tasks

    ctx = SweepContext(base=("metrics.twin=false", "end=2019-06"), parameters={
        "rate": ParameterSpec(paths=["params.influence.rate"]),
        "recruit": ParameterSpec(paths=["world.groups.jnim.recruit_rate"], scale=True)})
    tasks = [Task(run_id=f"p{p}-r{r}", pair_id=f"p{p}-r{r}", point=p, replicate=r,
                  scenario="base", seed=50 + r, values={"rate": 0.05 + 0.03 * p,
                                                        "recruit": 0.5 + 0.4 * p})
             for p in range(3) for r in range(2)]
    from sim.config import config_hash
    from sim.sweep.worker import base_config

    base = base_config(ctx.base, "")
    before = config_hash(base)
    cfgs = point_configs(ctx, tasks)
    assert cfgs[0] is cfgs[1] and cfgs[0] is not cfgs[2]  # a point's replicates share a config
    assert cfgs[4].params.influence.rate == pytest.approx(0.11)
    assert base.params.influence.rate != pytest.approx(0.11)
    assert cfgs[4].world.groups["jnim"].recruit_rate == pytest.approx(
        1.3 * base.world.groups["jnim"].recruit_rate)
    assert group_by_structure(cfgs) == [list(range(6))]  # three points, one batch
    rows = [out["row"] for out in run_tasks(ctx, tasks)]
    for task, row in zip(tasks, rows, strict=True):
        alone = execute(ctx, task)[0]["row"]
        assert row["status"] == "ok"
        assert {k: v for k, v in row.items() if k != "duration_s"} == \
            {k: v for k, v in alone.items() if k != "duration_s"}
    assert rows[0]["verdict"] is not None
    assert config_hash(base) == before  # the tasks' copies never changed the shared base


def _event(date: str, kind: str, actor: str = "", target: str = "", **kw) -> EventConfig:
    return EventConfig(date=date, kind=kind, actor=actor, target=target, **kw)


def test_worlds_with_their_own_events_protected_powers_and_cut_run_as_alone():
    """Four worlds that differ in their scheduled events (some dropped, one added, one excluded by
    id), their protected powers and the sign of the Western cut share a structure, and each runs
    in the batch as it runs alone, bit for bit: an event applies in the worlds that have it."""
    from sim.twin import twin_config

    base = load_config(["end=2024-06", "metrics.twin=false", "seed=5"])
    base.scenario.west_withdrawal_share = 0.5
    twin = twin_config(base)
    extra = copy.deepcopy(base)
    extra.scenario.events = [*extra.scenario.events,
                             _event("2020-03", "deploy", "china", "niger",
                                    instrument="troops", value=50.0),
                             _event("2021-09", "agreement", "niger", "russia")]
    extra.scenario.exclude_events = ["mali_coup_2021"]
    other = copy.deepcopy(twin)
    other.scenario.protected = ["russia"]
    cfgs = [base, twin, extra, other]
    assert len({structure_key(c) for c in cfgs}) == 1
    assert group_by_structure(cfgs) == [[0, 1, 2, 3]]
    prepared = [prepare(c) for c in cfgs]
    model = SahelModel(prepared)
    assert model.protected.shape == (4, len(model.world.power_ids))
    model.run()
    for b, cfg in enumerate(prepared):
        alone = SahelModel(cfg)
        alone.run()
        assert_world_is_alone(model, b, alone, f"world {b}")
    # the worlds' events differ as their configs do
    kinds = [{(e[1], e[2], e[3]) for e in model.recorder.events[b] if e[5] == "scheduled"}
             for b in range(4)]
    assert ("expulsion", "niger", "france") in kinds[0] - kinds[1]
    assert ("deploy", "china", "niger") in kinds[2] - kinds[0]
    cut = "scenario: Western forces cut by 50%"
    assert any(cut in e[4] for e in model.recorder.events[0])
    assert not any(cut in e[4] for e in model.recorder.events[1])


def test_merge_events_keeps_every_worlds_order_and_names_the_worlds_of_each_event():
    a, b, c = (_event("2021-01", "coup", target=s) for s in ("mali", "chad", "niger"))
    late = _event("2022-01", "coup", target="mali")
    merged = merge_events([[a, b, late], [c, b], [a, c]])
    order = [e for e, _ in merged]
    assert order.index(a) < order.index(b) and order.index(c) < order.index(b)
    assert order.index(a) < order.index(c) and order[-1] == late
    assert {e.target + e.date: w for e, w in merged} == {
        "mali2021-01": [0, 2], "chad2021-01": [0, 1], "niger2021-01": [1, 2], "mali2022-01": [0]}
    # the same event twice in a world is two events
    assert [w for _, w in merge_events([[a, a], [a]])] == [[0, 1], [0]]
    with pytest.raises(BatchStructureError, match="scenario.events"):
        merge_events([[a, b], [b, a]])


def test_worlds_that_order_two_events_of_a_month_differently_run_apart():
    cfgs = _configs(worlds=3)
    a, b = _event("2021-01", "coup", target="niger"), _event("2021-01", "coup", target="chad")
    cfgs[0].scenario.events = [*cfgs[0].scenario.events, a, b]
    cfgs[1].scenario.events = [*cfgs[1].scenario.events, b, a]
    cfgs[2].scenario.events = [*cfgs[2].scenario.events, a]
    assert len({structure_key(c) for c in cfgs}) == 1
    assert group_by_structure(cfgs) == [[0, 2], [1]]
    with pytest.raises(BatchStructureError, match="scenario.events"):
        SahelModel([prepare(c) for c in cfgs])


def test_world_events_drops_the_excluded_and_sorts_by_date_keeping_a_months_order():
    cfg = load_config([])
    sc = cfg.scenario
    sc.events = [_event("2022-01", "coup", target="mali", id="x"), *sc.events[:3],
                 _event("2020-08", "coup", target="chad")]
    sc.exclude_events = ["x"]
    evs = world_events(sc)
    assert [e.date for e in evs] == sorted(e.date for e in evs)
    assert "x" not in {e.id for e in evs}
    same = [e.target for e in evs if e.date == "2020-08"]
    assert same == ["mali", "chad"]  # the file's order within the month


def test_a_results_arrays_are_built_when_read_and_equal_the_recorders(monkeypatch):
    """run_worlds builds no world's RunArrays (the summaries and the vacuum premium read the
    recorder); reading a result's arrays builds them, equal to Recorder.arrays of its world."""
    from sim.model import SahelModel
    from sim.record import LazyRunArrays, Recorder

    built = []
    arrays = Recorder.arrays
    monkeypatch.setattr(Recorder, "arrays", lambda self, b=0: built.append(b) or arrays(self, b))
    cfg = load_config(["end=2020-06"])
    results = run_worlds([cfg, cfg], [3, 4])
    assert built == [] and all(r.summary["vacuum_premium"] is not None for r in results)
    lazy = results[1].arrays
    assert isinstance(lazy, LazyRunArrays)
    view = lazy.influence()
    assert built == []
    alone = SahelModel(prepare(cfg), [4])
    alone.run()
    expected = arrays(alone.recorder, 0)
    assert np.array_equal(view, expected.presence["influence"])
    for part in ("states", "presence", "powers", "groups"):
        got, want = getattr(lazy, part), getattr(expected, part)
        assert got.keys() == want.keys()
        assert all(np.array_equal(got[k], want[k]) for k in want), part
    assert built == [1] and np.array_equal(lazy.influence(), view)
    assert results[1].tables["states"].equals(alone.recorder.tables(expected)["states"])


def test_a_batchs_recorder_goes_with_its_results_without_the_garbage_collector():
    """The recorder (the batch's months, some 200 MB for 256 worlds) is freed as soon as the
    results are dropped, not when the garbage collector gets to the model's reference cycles:
    a sweep's next batch reuses its memory."""
    import gc
    import weakref

    cfg = load_config(["end=2019-06"])
    gc.collect()
    gc.disable()
    try:
        results = run_worlds([cfg, cfg], [1, 2])
        recorder = weakref.ref(results[0].arrays._recorder)
        assert recorder() is not None
        del results
        assert recorder() is None
    finally:
        gc.enable()


def test_a_batch_whose_worlds_differ_in_a_param_or_budget_event_is_refused():
    """``param`` and ``budget`` events are structure: a model built directly on worlds that do
    not all have one refuses them (run_worlds puts such configs in separate batches)."""
    a = load_config(["end=2020-12", "metrics.twin=false"])
    for extra in (_event("2019-06", "param", path="params.combat.control_speed", value=0.3),
                  _event("2019-06", "budget", actor="mali", value=1e8)):
        b = copy.deepcopy(a)
        b.scenario.events = [*b.scenario.events, extra]
        assert structure_key(a) != structure_key(b)
        with pytest.raises(BatchStructureError, match=rf"the {extra.kind} event of 2019-06 .* is "
                                                      r"in 1 of the batch's 2 event lists"):
            SahelModel([prepare(a), prepare(b)], [1, 2])


def test_grouping_many_scenarios_with_the_same_events_merges_their_events_once(monkeypatch):
    """A design over a scenario number copies the scenario of every point: their events, the
    same, are merged once, not once per point."""
    import sim.engine.batch

    merges = []
    merge = sim.engine.batch._merge
    monkeypatch.setattr(sim.engine.batch, "_merge", lambda lists: merges.append(len(lists)) or merge(lists))
    base = load_config(["end=2020-06"])
    cfgs = []
    for k in range(40):
        cfg = dataclasses.replace(base, scenario=copy.deepcopy(base.scenario))
        cfg.scenario.west_withdrawal_share = 0.01 * (k + 1)
        cfgs.append(cfg)
    assert group_by_structure(cfgs) == [list(range(40))]
    assert merges == []


def test_a_synthetic_worlds_twin_protects_the_western_powers_it_generated(monkeypatch):
    """The twin is made with the powers of the world as generated, not of the config before
    generation (which has none): its Western powers are protected."""
    import sim.engine.plan
    import sim.twin

    made = []
    twin_config = sim.twin.twin_config
    monkeypatch.setattr(sim.engine.plan, "twin_config",
                        lambda cfg, powers=None: made.append(twin_config(cfg, powers)) or made[-1])
    cfg = load_config(["scenario=synthetic", "world.synthetic.n_regions=31", "end=2019-06"])
    assert not cfg.world.powers  # generated when the config is prepared
    result = run_worlds([cfg])[0]
    assert result.summary["vacuum_premium"] is not None
    assert {"france", "usa"} <= set(made[0].scenario.protected)


def test_the_memo_keeps_alive_every_object_whose_id_it_holds():
    """run_worlds' memo keys the sections' JSON (and their fields') on their ids: every id
    belongs to a section, or a section's field, of a config the caller holds or of a twin the
    memo keeps (a freed object's id can be reused)."""
    from sim.config.hashing import config_text, field_names
    from sim.engine.plan import Memo, run_group

    memo = Memo()
    cfgs = _configs(["end=2019-06"], worlds=3)
    hashers = {id(c): config_text(c, memo.texts).hash for c in cfgs}
    run_group(cfgs, [prepare(c) for c in cfgs], [c.seed for c in cfgs], hashers, memo)
    assert len(memo.keep) == 3
    sections = [getattr(c, name) for c in [*cfgs, *memo.keep] for name in field_names(type(c))]
    # a section's JSON is made of its fields' (sim.config.hashing._text), kept by their ids too
    alive = {id(x) for x in sections} | {id(getattr(x, f)) for x in sections
                                         for f in field_names(type(x)) or ()}
    assert set(memo.texts) <= alive


def test_a_structure_key_written_from_shared_parts_is_the_key_written_alone():
    """structure_key's ``texts`` (each part's JSON by its object's id) give the key each config
    has alone; a hindcast and a twin, which share their run's sections, write no part again."""
    from sim.twin import twin_config
    from sim.validate.config import hindcast_of

    cfgs = _configs(["scenario=endogenous"], worlds=3)
    texts: dict = {}
    keys = [structure_key(c, texts) for c in cfgs]
    assert keys == [structure_key(c) for c in cfgs]
    parts = len(texts)
    hindcast = hindcast_of(cfgs[0])
    assert structure_key(hindcast, texts) == structure_key(hindcast) != keys[0]
    assert len(texts) == parts  # its params, rules, scenario and world's fields: all written
    twin = twin_config(cfgs[1], list(cfgs[1].world.powers))
    assert structure_key(twin, texts) == structure_key(twin)
    assert group_by_structure([*cfgs, hindcast], texts) == group_by_structure([*cfgs, hindcast])


def test_calls_sharing_a_memo_give_what_each_call_gives_alone():
    """A sweep's runs and hindcasts go through run_worlds with one memo (sim.engine.plan.Memo):
    each hindcast's sections are serialised and checked once for both; the results are those
    of separate calls, config hashes included."""
    from sim.engine.plan import Memo
    from sim.validate.config import hindcast_of

    cfgs = _configs(["scenario=endogenous", "end=2020-06"], worlds=3)
    hindcasts = [hindcast_of(c) for c in cfgs]
    memo = Memo()
    runs = run_worlds(cfgs, None, memo)
    before = set(memo.texts)
    shared = run_worlds(hindcasts, None, memo)
    # serialised again: only what a hindcast has of its own (its dates and metrics)
    own = {id(getattr(h, name)) for h in hindcasts for name in ("start", "end", "metrics")}
    assert set(memo.texts) - before <= own
    for got, want in zip([*runs, *shared], [*run_worlds(cfgs), *run_worlds(hindcasts)],
                         strict=True):
        assert got.summary == want.summary


def test_runs_without_summaries_are_the_runs_with_them_but_the_numbers():
    """run_worlds(summaries=False) (a sweep's hindcasts, the calibration's runs) gives the same
    runs, their tables, arrays, seeds and hashes, with summaries that hold no hypothesis
    numbers; worlds with a twin are summarized anyway (their premium reads the numbers)."""
    from sim.validate.config import hindcast_of

    cfgs = [hindcast_of(c) for c in _configs(["scenario=endogenous"], worlds=2)]
    full, bare = run_worlds(cfgs), run_worlds(cfgs, summaries=False)
    for a, b in zip(full, bare, strict=True):
        assert set(b.summary) < set(a.summary)
        assert {k: a.summary[k] for k in b.summary} == b.summary
        assert "verdict" in a.summary and "verdict" not in b.summary
        for name in ("presence", "states", "events"):
            assert a.tables[name].equals(b.tables[name])
    twinned = _configs(["scenario=endogenous", "end=2020-06"], worlds=2)
    assert [r.summary for r in run_worlds(twinned, summaries=False)] == \
        [r.summary for r in run_worlds(twinned)]
