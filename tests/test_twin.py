"""The vacuum premium (docs/ODD.md section 8; sim/twin.py): a run against its twin without the
Western exit, on the same seed. Small worlds built for each case show that "won because of the
vacuum" can come out both ways."""

from __future__ import annotations

import dataclasses

import pytest

from sim import run
from sim.engine.prepare import prepare
from sim.twin import twin_config
from tests.worlds import event, expulsion_world, politics_world


def _with_twin(cfg, **metrics):
    cfg = dataclasses.replace(cfg, metrics=dataclasses.replace(cfg.metrics, twin=True, **metrics))
    return prepare(cfg)


def test_the_twin_is_the_same_world_without_the_western_exit():
    """Same seed and world; the West protected, its scheduled withdrawals and expulsions dropped,
    the Western cut at 0; other events kept; the twin has no twin."""
    cfg = expulsion_world(end="2019-06")
    cfg.scenario.events.append(event("2019-03", "withdraw", "france", "niger", value=0.0))
    cfg.scenario.events.append(event("2019-04", "coup", target="niger", id="a_coup"))
    cfg.scenario.west_withdrawal_share = 0.5
    twin = twin_config(cfg)
    assert twin.seed == cfg.seed and twin.world is cfg.world
    assert {"france", "usa"} & set(cfg.world.powers) <= set(twin.scenario.protected)
    assert [e.kind for e in twin.scenario.events] == ["coup"]
    assert twin.scenario.west_withdrawal_share == 0.0 and not twin.metrics.twin
    assert cfg.scenario.west_withdrawal_share == 0.5, "the caller's config was changed"


def test_russia_wins_because_of_the_vacuum():
    """mali expels France in 2019-02 and opportunistic Russia fills the window: with k = 1 it
    wins; in the twin France is not expelled, no window opens, Russia never enters: the win is
    caused by the vacuum, with a premium above the margin."""
    cfg = expulsion_world(end="2020-12")
    cfg.metrics.k = 1
    s = run(_with_twin(cfg)).summary
    vp = s["vacuum_premium"]
    assert s["security_win"] and not vp["twin_win"]
    assert vp["influence_end"] > vp["margin"] and vp["by_state"]["mali"] > 0.05
    assert vp["because_of_vacuum"]


def test_a_vacuum_that_nobody_fills_has_no_premium():
    """The same expulsion with Russia's rule none: nobody fills the vacuum; the premium is about
    0 and nothing is caused by it."""
    cfg = expulsion_world(russia_rule="none", end="2020-12")
    cfg.metrics.k = 1
    s = run(_with_twin(cfg)).summary
    vp = s["vacuum_premium"]
    assert abs(vp["influence_end"]) < 0.01 and not vp["because_of_vacuum"]


def test_russia_wins_without_any_vacuum():
    """A junta invites Russia while France stays (France never leaves: nothing to take out in the
    twin): Russia's influence is the same in the run and its twin, so a win is not caused by the
    vacuum."""
    cfg = politics_world(regime="military", russia_receptivity=0.9, end="2020-12")
    cfg.metrics.k = 1
    s = run(_with_twin(cfg)).summary
    vp = s["vacuum_premium"]
    assert vp["influence_end"] == pytest.approx(0.0, abs=1e-9)
    assert not vp["because_of_vacuum"]


def test_the_twin_runs_by_default_and_can_be_switched_off():
    """A run has its premium by default (metrics.twin true); metrics.twin=false skips the twin."""
    cfg = expulsion_world(end="2019-04")
    assert cfg.metrics.twin and isinstance(run(cfg).summary["vacuum_premium"], dict)
    cfg.metrics.twin = False
    assert run(prepare(cfg)).summary["vacuum_premium"] is None
