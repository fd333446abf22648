"""A twin joins its run's batch at the first month it can differ (sim.engine.batch.first_difference,
SahelModel's ``joins``): until then it would run its run's months, so it starts as a copy of its
run there, and its results are those it has when run from the first month, bit for bit."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.api import load_config, run_worlds
from sim.engine.batch import first_difference
from sim.config import EventConfig
from sim.model import SahelModel
from sim.engine.prepare import prepare
from sim.twin import twin_config
from tests.engine.test_engine import assert_world_is_alone


def _pair(overrides: list[str]):
    run = prepare(load_config([*overrides, "metrics.twin=false"]))
    return run, prepare(twin_config(run))


def test_a_twin_can_differ_from_its_run_only_from_the_first_western_exit():
    run, twin = _pair([])
    # the default scenario's first Western withdrawal: France's drawdown of June 2021
    assert first_difference(run, twin) == (2021 - 2019) * 12 + 5
    assert first_difference(run, run) == 84  # never, within the run
    early, early_twin = _pair(["end=2021-03"])
    assert first_difference(early, early_twin) == 27  # the run ends first


def test_the_western_cut_and_the_protected_powers_bound_the_shared_months():
    cut, cut_twin = _pair(["scenario.west_withdrawal_share=0.5",
                           "scenario.west_withdrawal_date=2020-01"])
    assert first_difference(cut, cut_twin) == 12
    # with a process that reads the protected powers, a twin may differ from the first month
    endo, endo_twin = _pair(["scenario=endogenous"])
    assert endo.scenario.endogenous_partner_choice
    assert first_difference(endo, endo_twin) == 0


def test_configs_that_differ_in_a_value_can_differ_from_the_first_month():
    run, _ = _pair([])
    other = copy.deepcopy(run)
    other.params.combat.control_speed *= 1.5
    assert first_difference(run, other) == 0


def test_an_added_event_is_a_difference_from_its_month():
    run, _ = _pair([])
    extra = copy.deepcopy(run)
    extra.scenario.events = [*extra.scenario.events,
                             EventConfig(date="2020-03", kind="agreement", actor="niger",
                                         target="russia")]
    assert first_difference(run, extra) == 14
    assert first_difference(extra, run) == 14


@pytest.mark.parametrize("overrides", [
    [],  # the default: the twin joins in June 2021
    ["scenario.west_withdrawal_share=0.5", "scenario.west_withdrawal_date=2020-01", "seed=3"],
    ["end=2021-03", "seed=5"],  # the twin never differs: it joins after the last month
    ["scenario=endogenous", "seed=2", "end=2022-06"],  # from the first month: no join
])
def test_a_twin_that_joins_late_is_the_twin_run_from_the_first_month(overrides):
    run, twin = _pair(overrides)
    month = first_difference(run, twin)
    seeds = [run.seed, run.seed + 1, run.seed, run.seed + 1]
    joined = SahelModel([run, run, twin, twin], seeds,
                        joins=[None, None, (month, 0), (month, 1)])
    joined.run()
    assert joined.active == 4
    for b in (2, 3):
        alone = SahelModel(twin, [seeds[b]])
        alone.run()
        assert_world_is_alone(joined, b, alone, f"twin {b}")
    for b in (0, 1):
        alone = SahelModel(run, [seeds[b]])
        alone.run()
        assert_world_is_alone(joined, b, alone, f"run {b}")


def test_twins_with_different_months_join_in_order():
    """Runs whose first Western exits differ (one excludes France's 2021 drawdown) have twins
    that join at different months; each is its twin alone."""
    run, twin = _pair(["seed=4", "end=2023-06"])
    late = copy.deepcopy(run)
    late.scenario.exclude_events = ["france_drawdown_2021"]
    late_twin = prepare(twin_config(late))
    months = [first_difference(run, twin), first_difference(late, late_twin)]
    assert months[0] < months[1]
    model = SahelModel([run, late, twin, late_twin], [4, 4, 4, 4],
                       joins=[None, None, (months[0], 0), (months[1], 1)])
    model.run()
    for b, cfg in ((2, twin), (3, late_twin)):
        alone = SahelModel(cfg, [4])
        alone.run()
        assert_world_is_alone(model, b, alone, f"world {b}")


def test_run_worlds_gives_the_same_premium_with_and_without_joins(monkeypatch):
    import sim.engine.batch

    cfg = load_config(["end=2023-06"])
    seeds = [1, 2, 3]
    joined = [r.summary["vacuum_premium"] for r in run_worlds([cfg] * 3, seeds)]
    monkeypatch.setattr(sim.engine.batch, "first_difference", lambda a, b: 0)
    full = [r.summary["vacuum_premium"] for r in run_worlds([cfg] * 3, seeds)]
    assert joined == full
    assert all(p["influence_end"] != 0 for p in joined)  # the twins did differ from their runs


@pytest.mark.parametrize(("joins", "message"), [
    ([None], "one per world"),
    ([(3, 0), None], "must come after"),
    ([None, (5, 0), (3, 0)], "in the order of their months"),
    ([None, (3, 2), (4, 0)], "source world 2"),
])
def test_bad_joins_are_refused_naming_what_is_allowed(joins, message):
    cfg = prepare(load_config(["metrics.twin=false", "end=2019-06"]))
    worlds = 2 if len(joins) == 1 else len(joins)  # [None] gives one entry for two worlds
    with pytest.raises(ValueError, match=message):
        SahelModel(cfg, list(range(worlds)), joins=joins)


def test_the_joining_worlds_do_not_run_before_their_month(monkeypatch):
    """Before its month a joining world is not stepped: the batch's processes see the worlds that
    run now only."""
    from sim.processes import groups as groups_p

    run, twin = _pair(["end=2021-12"])
    month = first_difference(run, twin)
    sizes = []
    real = groups_p.recruit

    def recruit(world, st, p, keys):
        sizes.append(st.control.shape[0])
        return real(world, st, p, keys)

    monkeypatch.setattr(groups_p, "recruit", recruit)
    model = SahelModel([run, twin], [run.seed] * 2, joins=[None, (month, 0)])
    model.run()
    assert sizes == [1] * month + [2] * (model.n_months - month)
    # the twin has its run's months before it joined, its own after
    control = model.recorder.regions["control"]
    assert np.array_equal(control[:month, 0], control[:month, 1])
    assert not np.array_equal(control[month:, 0], control[month:, 1])


def test_a_world_joins_only_a_source_with_its_seed():
    cfg = prepare(load_config(["metrics.twin=false", "end=2019-06"]))
    with pytest.raises(ValueError, match="a source with the same seed"):
        SahelModel(cfg, [1, 2], joins=[None, (3, 0)])


def test_worlds_with_and_without_coups_run_with_late_twins_as_alone():
    """Coups are each world's own (``scenario.endogenous_coups``): the default scenario with and
    without them, each with its twin joining at France's drawdown; before the twins join the
    batch runs its first two worlds only (their coups too), and every world is what it is alone."""
    run, twin = _pair(["seed=7", "end=2022-06"])
    coups = prepare(load_config(["seed=7", "end=2022-06", "metrics.twin=false",
                                 "scenario.endogenous_coups=true"]))
    coups_twin = prepare(twin_config(coups))
    month = first_difference(run, twin)
    assert first_difference(coups, coups_twin) == month and first_difference(run, coups) == 0
    model = SahelModel([run, coups, twin, coups_twin], [7, 7, 7, 7],
                       joins=[None, None, (month, 0), (month, 1)])
    assert model.coups.tolist() == [False, True, False, True]
    model.run()
    emergent = [[e for e in model.recorder.events[b] if e[5] == "emergent" and "coup" in e[1]]
                for b in range(4)]
    assert any(e[0] < month for e in emergent[1]) and not emergent[0] and not emergent[2]
    for b, cfg in enumerate((run, coups, twin, coups_twin)):
        alone = SahelModel(cfg, [7])
        alone.run()
        assert_world_is_alone(model, b, alone, f"world {b}")
