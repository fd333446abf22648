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
from sim.engine.batch import structure_key
from sim.config import ConfigError, EventConfig, RunConfig, check_ranges, config_hash
from sim.config.hashing import config_hashes, config_text
from sim.engine.prepare import prepare

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


def test_config_text_with_shared_texts_is_the_reference(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Configs that share sections (runs and their twins, a copy with one section replaced)
    serialised with one dict of texts give the reference hash each, and no object is
    serialised twice (a section or a section's field that configs share, once)."""
    from sim.config import hashing
    from sim.twin import twin_config

    dumped: list[int] = []
    real = hashing.dumps
    monkeypatch.setattr(hashing, "dumps", lambda obj: dumped.append(id(obj)) or real(obj))
    texts: dict[int, str] = {}
    cfgs = [c for c in CONFIGS if c.world.kind == "listed"]
    cfgs += [twin_config(c) for c in cfgs]
    cfgs.append(dataclasses.replace(cfgs[0], params=copy.deepcopy(cfgs[0].params)))
    cfgs[-1].params.combat.control_speed = 0.4
    made = []
    for cfg in cfgs:
        dumped.clear()
        text = config_text(cfg, texts)
        made.extend(dumped)  # the objects serialised for this config (its seed's is not)
        assert text.hash(cfg.seed) == _reference(cfg)
        assert config_text(cfg, texts).hash(5) == _reference(dataclasses.replace(cfg, seed=5))
    assert len(made) == len(set(made))  # no object serialised twice
    dumped[:] = made
    shared = {id(c.world.regions) for c in cfgs}
    assert len(shared) < len(cfgs) and shared <= set(dumped)  # shared fields, once each


def test_checks_shared_through_seen_check_each_object_once_and_still_refuse_the_rest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``seen``, a config whose sections were checked in the same call is not checked
    again where it shares them, and what it does not share is still checked and named."""
    from sim.config import checks
    from sim.config.checks import check, check_ranges
    from sim.rules import registry

    calls = {"ranges": 0, "world": 0}
    ranges, world = checks.check_ranges, checks._check_world_itself

    def count(name: str, fn: Callable) -> Callable:
        def counted(*args: object) -> None:
            calls[name] += 1
            fn(*args)
        return counted

    rules = set(registry.names())
    a = load_config(["scenario=endogenous"])  # (checked here unless prepared before)
    monkeypatch.setattr(checks, "check_ranges", count("ranges", ranges))
    monkeypatch.setattr(checks, "_check_world_itself", count("world", world))
    seen: set = set()
    check(a, rules, seen)
    first = dict(calls)
    assert id(a.params) in seen and ("world", id(a.world), a.start) in seen
    twin = dataclasses.replace(a, scenario=copy.deepcopy(a.scenario))
    check(twin, rules, seen)
    assert calls["world"] == first["world"] == 1
    assert calls["ranges"] - first["ranges"] < first["ranges"] / 10  # the scenario's, not more
    monkeypatch.undo()
    bad = dataclasses.replace(a, scenario=copy.deepcopy(a.scenario))
    bad.scenario.west_withdrawal_share = 1.5
    with pytest.raises(ConfigError, match=r"^scenario\.west_withdrawal_share=1\.5 is out of"):
        check_ranges(bad, "", seen)
    bad.scenario.west_withdrawal_share = 0.0
    bad.scenario.protected = ["russa"]
    with pytest.raises(ConfigError, match=r"scenario\.protected.*'russa'"):
        check(bad, rules, seen)
    later = dataclasses.replace(a, start="1990-01")  # the same world from another start month
    with pytest.raises(ConfigError, match=r"start='1990-01' is before every world snapshot"):
        check(later, rules, seen)


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
    ("a bool", lambda c: setattr(c.scenario, "endogenous_sanctions",
                                 not c.scenario.endogenous_sanctions)),
    ("a date", lambda c: setattr(c, "end", "2019-02")),
    ("a region", lambda c: c.world.regions.pop()),
    ("a param event", lambda c: c.scenario.events.append(EventConfig(
        date="2019-02", kind="param", path="params.combat.control_speed", value=0.3))),
]
#: What each world of a batch has of its own (sim.engine.batch.PER_WORLD_SCENARIO): not structure.
PER_WORLD_CHANGES = [
    ("a coup event", lambda c: c.scenario.events.append(
        dataclasses.replace(c.scenario.events[0], date="2019-02"))),
    ("an excluded event", lambda c: setattr(c.scenario, "exclude_events",
                                            [c.scenario.events[0].id])),
    ("a protected power", lambda c: c.scenario.protected.append("russia")),
    ("the Western cut's sign", lambda c: setattr(c.scenario, "west_withdrawal_share", 0.0)),
    ("coups or none", lambda c: setattr(c.scenario, "endogenous_coups",
                                        not c.scenario.endogenous_coups)),
    ("a host that cannot pay", lambda c: setattr(c.params.resources, "host_can_pay", 0.0)),
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


def test_load_config_reads_a_run_config_composed_before_from_the_cache(tmp_path) -> None:
    """The second process that composes the same overrides reads the run config back from the
    composition cache, without importing Hydra, and gets the same config (its own key: a single
    run's cache entries carry Hydra's settings too)."""
    import os
    import subprocess
    import sys

    code = ("import sys, json; from sim.api import load_config; "
            "from sim.config import config_hash; "
            "c = load_config(['seed=3', 'scenario=endogenous']); "
            "print(json.dumps(['hydra' in sys.modules, config_hash(c)]))")
    env = {**os.environ, "SAHEL_SIM_CACHE": str(tmp_path / "cache")}
    out = [json.loads(subprocess.run([sys.executable, "-c", code], env=env, text=True,
                                     capture_output=True, check=True, timeout=300)
                      .stdout.strip().splitlines()[-1]) for _ in range(2)]
    assert out[0][0] is True and out[1][0] is False
    assert out[0][1] == out[1][1] == config_hash(load_config(["seed=3", "scenario=endogenous"]))
    assert len(list((tmp_path / "cache").glob("*.pkl"))) == 1
