"""The per-config work of a run (hashing, structure keys, range checks) done once and fast, with
the same results: config hashes equal the reference (SHA-256 of the JSON of
``dataclasses.asdict``), structure keys tell values from structure, and checks name the same
errors."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable

import pytest

from sim.api import load_config, run_worlds
from sim.batch import structure_key
from sim.config import ConfigError, EventConfig, RunConfig, check_ranges, config_hash
from sim.config.hashing import config_hashes, config_text
from sim.prepare import prepare

SHORT = ["end=2019-03"]
#: A change made to a copy of a config.
Change = Callable[[RunConfig], object]


def _reference(cfg: RunConfig) -> str:
    """The config hash as defined: SHA-256 (16 hex digits) of the JSON of ``asdict``."""
    text = json.dumps(dataclasses.asdict(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _configs() -> list[RunConfig]:
    """A few different configs: default, endogenous, a synthetic world (as composed and as
    generated), and one with a changed parameter and seed."""
    synthetic = load_config(["scenario=synthetic", "world.synthetic.n_regions=31", *SHORT])
    changed = load_config(["scenario=endogenous", "seed=11"])
    changed.params.combat.control_speed = 0.3
    return [load_config([]), load_config(["scenario=endogenous"]), synthetic, prepare(synthetic),
            changed]


CONFIGS = _configs()


@pytest.mark.parametrize("i", range(len(CONFIGS)))
def test_config_hash_is_the_reference(i: int) -> None:
    cfg = CONFIGS[i]
    assert config_hash(cfg) == _reference(cfg)
    assert config_text(cfg).hash(cfg.seed) == _reference(cfg)
    seeds = [0, 7, 2**40]
    assert config_hashes(cfg, seeds) == [_reference(dataclasses.replace(cfg, seed=s))
                                         for s in seeds]


def test_config_hashes_differ_between_configs() -> None:
    assert len({config_hash(c) for c in CONFIGS}) == len(CONFIGS)


def test_run_worlds_provenance_hashes_are_the_reference() -> None:
    a = load_config(["scenario=endogenous", "metrics.twin=false", *SHORT])
    b = copy.deepcopy(a)
    b.params.combat.control_speed = 0.25
    results = run_worlds([a, a, b], [3, 4, 3])
    assert [r.summary["config_hash"] for r in results] == [
        _reference(dataclasses.replace(c, seed=s)) for c, s in ((a, 3), (a, 4), (b, 3))]
    assert prepare(b) is b  # remembered under the key run_worlds computed (its config hash)


def _changed(cfg: RunConfig, change: Change) -> RunConfig:
    out = copy.deepcopy(cfg)
    change(out)
    return out


VALUE_CHANGES = [
    ("a parameter", lambda c: setattr(c.params.combat, "control_speed", 0.123)),
    ("the seed", lambda c: setattr(c, "seed", 999)),
    ("a metric", lambda c: setattr(c.metrics, "phi", 2.5)),
    ("a state's number", lambda c: _scale_first(c.world.states)),
]

STRUCTURE_CHANGES = [
    ("a sign", lambda c: setattr(c.params.combat, "control_speed", 0.0)),
    ("a bool", lambda c: setattr(c.scenario, "endogenous_coups",
                                 not c.scenario.endogenous_coups)),
    ("a date", lambda c: setattr(c, "end", "2019-02")),
    ("a region", lambda c: c.world.regions.pop()),
    ("a param event", lambda c: c.scenario.events.append(EventConfig(
        date="2019-02", kind="param", path="params.combat.control_speed", value=0.3))),
]
#: What each world of a batch has of its own (sim.batch.PER_WORLD_SCENARIO): not structure.
PER_WORLD_CHANGES = [
    ("a coup event", lambda c: c.scenario.events.append(
        dataclasses.replace(c.scenario.events[0], date="2019-02"))),
    ("an excluded event", lambda c: setattr(c.scenario, "exclude_events",
                                            [c.scenario.events[0].id])),
    ("a protected power", lambda c: c.scenario.protected.append("russia")),
    ("the Western cut's sign", lambda c: setattr(c.scenario, "west_withdrawal_share", 0.0)),
]


def _scale_first(entities: dict) -> None:
    """Scale the first positive number of the first entity (a value, not structure)."""
    entity = next(iter(entities.values()))
    for f in dataclasses.fields(entity):
        value = getattr(entity, f.name)
        if type(value) is float and value > 0:
            setattr(entity, f.name, value * 1.5)
            return
    raise AssertionError("no positive float to scale")


@pytest.mark.parametrize("name,change", VALUE_CHANGES, ids=[n for n, _ in VALUE_CHANGES])
def test_structure_key_ignores_values(name: str, change: Change) -> None:
    cfg = CONFIGS[1]
    assert structure_key(_changed(cfg, change)) == structure_key(cfg)


@pytest.mark.parametrize("name,change", STRUCTURE_CHANGES, ids=[n for n, _ in STRUCTURE_CHANGES])
def test_structure_key_sees_structure(name: str, change: Change) -> None:
    cfg = CONFIGS[1]
    assert cfg.scenario.events, "the endogenous scenario has dated events"
    assert structure_key(_changed(cfg, change)) != structure_key(cfg)


@pytest.mark.parametrize("name,change", PER_WORLD_CHANGES, ids=[n for n, _ in PER_WORLD_CHANGES])
def test_structure_key_leaves_each_worlds_own_scenario_out(name: str, change: Change) -> None:
    cfg = CONFIGS[1]
    assert cfg.scenario.events[0].id, "the endogenous scenario's first event has an id"
    assert structure_key(_changed(cfg, change)) == structure_key(cfg)


def test_check_ranges_names_the_first_field_out_of_range() -> None:
    cfg = copy.deepcopy(CONFIGS[0])
    check_ranges(cfg, "")
    cfg.params.combat.control_speed = 2.0
    with pytest.raises(ConfigError, match=r"^params\.combat\.control_speed=2\.0 is out of range; "
                                          r"allowed: \[0, 1\]"):
        check_ranges(cfg, "")
    cfg.params.combat.control_speed = float("nan")
    with pytest.raises(ConfigError, match=r"^params\.combat\.control_speed=nan is out of range"):
        check_ranges(cfg, "")
    with pytest.raises(ConfigError, match=r"^x\.a\[0\]\.combat\.control_speed=nan is out"):
        check_ranges({"a": [cfg.params]}, "x")
