"""Configuration in Python: :func:`sim.load_config` and :func:`sim.engine.prepare.prepare`.

A user's mistake (a typo in a name, an unknown rule, a value out of range, a bad date, an event
naming something that does not exist) must raise :class:`sim.config.ConfigError` before anything
is built, and the message must name the parameter, the value given and what is allowed. Every
option of the ``scenario`` and ``world`` config groups must compose. ``import sim`` stays lean.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys

import pytest

from sim import RunConfig, load_config
from sim.config import ConfigError, EventConfig
from sim.engine.prepare import prepare
from tests.bad_inputs import BAD_INPUTS, POWERS, RULES, SCENARIOS, STATES, WORLDS

HEAVY = ("mesa", "pandas", "matplotlib")


def assert_names_all(message: str, param: str, value: str, allowed: list[str]) -> None:
    """Assert that an error message names the parameter, the value and every allowed option.

    Args:
        message: the error message.
        param: the parameter's name, as the user wrote it (or its dotted path).
        value: a regular expression matching the value as shown (e.g. ``-1(\\.0)?``).
        allowed: strings that must all appear after the word ``allowed``.
    """
    assert param in message, f"parameter {param!r} not named in: {message}"
    assert re.search(value, message), f"value {value!r} not shown in: {message}"
    assert "allowed" in message, f"no 'allowed' in: {message}"
    tail = message[message.index("allowed"):]
    missing = [a for a in allowed if a not in tail]
    assert not missing, f"allowed options {missing} not listed in: {message}"




@pytest.mark.parametrize(("overrides", "param", "value", "allowed"),
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS])
def test_load_config_rejects_bad_override(overrides, param, value, allowed):
    """A bad override raises ConfigError naming the parameter, the value and what is allowed."""
    with pytest.raises(ConfigError) as info:
        load_config(overrides)
    assert_names_all(str(info.value), param, value, allowed)


@pytest.fixture(scope="module")
def sahel_cfg() -> RunConfig:
    """The default configuration (world sahel, scenario historical), validated."""
    return load_config(["end=2019-04"])


#: (id, how to break a valid RunConfig, parameter named, value pattern, allowed)
BAD_EDITS = [
    ("event_coup_unknown_state",
     lambda c: c.scenario.events.append(EventConfig(date="2019-03", kind="coup",
                                                    target="atlantis")),
     "target", r"atlantis", STATES),
    ("event_deploy_unknown_power",
     lambda c: c.scenario.events.append(EventConfig(date="2019-03", kind="deploy", actor="rusia",
                                               target="mali", instrument="troops", value=10.0)),
     "actor", r"rusia", POWERS),
    ("event_expel_unknown_power",
     lambda c: c.scenario.events.append(EventConfig(date="2019-03", kind="expel", actor="mali",
                                               target="wagner")),
     "target", r"wagner", POWERS),
    ("event_unknown_kind",
     lambda c: c.scenario.events.append(EventConfig(date="2019-03", kind="invasion",
                                                    target="mali")),
     "kind", r"invasion", ["coup", "deploy", "withdraw", "expel", "agreement", "budget", "param"]),
    ("event_bad_date",
     lambda c: c.scenario.events.append(EventConfig(date="2019-3", kind="coup", target="mali")),
     "date", r"2019-3", ["YYYY-MM"]),
    ("event_unknown_instrument",
     lambda c: c.scenario.events.append(EventConfig(date="2019-03", kind="deploy", actor="france",
                                               target="mali", instrument="tanks", value=1.0)),
     "instrument", r"tanks", ["troops"]),
    ("vacuum_key_not_a_power",
     lambda c: c.rules.vacuum.__setitem__("rusia", "none"), "rules.vacuum", r"rusia", POWERS),
    ("vacuum_unknown_rule",
     lambda c: c.rules.vacuum.__setitem__("china", "greedy"), "rules.vacuum.china", r"greedy",
     RULES),
    ("default_vacuum_unknown_rule",
     lambda c: setattr(c.rules, "default_vacuum", "greedy"), "rules.default_vacuum", r"greedy",
     RULES),
    ("protected_unknown_power",
     lambda c: c.scenario.protected.append("frence"), "scenario.protected", r"frence", POWERS),
    ("exclude_unknown_event",
     lambda c: c.scenario.exclude_events.append("mali_coup_2029"), "scenario.exclude_events",
     r"mali_coup_2029", ["mali_coup_2020", "mali_coup_2021"]),
    ("share_above_1",
     lambda c: setattr(c.world.states["mali"], "contractor_budget_share", 1.5),
     "world.states.mali.contractor_budget_share", r"1\.5", ["[0, 1]"]),
    ("nan_value",
     lambda c: setattr(c.params.combat, "tullock_m", float("nan")),
     "params.combat.tullock_m", r"nan", ["[0.1, 10]"]),
]


@pytest.mark.parametrize(("edit", "param", "value", "allowed"),
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_EDITS])
def test_validate_rejects_bad_config_built_in_python(sahel_cfg, edit, param, value, allowed):
    """prepare() on a RunConfig changed in Python names the parameter, value and allowed."""
    cfg = copy.deepcopy(sahel_cfg)
    edit(cfg)
    with pytest.raises(ConfigError) as info:
        prepare(cfg)
    assert_names_all(str(info.value), param, value, allowed)


def test_config_error_is_a_value_error():
    """Callers that catch ValueError also catch configuration errors."""
    assert issubclass(ConfigError, ValueError)


def test_load_config_gives_the_typed_schema_with_overrides_applied():
    """The model gets dataclasses with the override's type, not a DictConfig of strings."""
    cfg = load_config(["seed=7", "end=2019-06", "rules.vacuum.china=rivalry",
                       "params.combat.control_speed=0.3"])
    assert isinstance(cfg, RunConfig)
    assert cfg.seed == 7 and isinstance(cfg.seed, int)
    assert (cfg.start, cfg.end) == ("2019-01", "2019-06")
    assert cfg.rules.vacuum["china"] == "rivalry"
    assert cfg.params.combat.control_speed == pytest.approx(0.3)
    assert dataclasses.is_dataclass(cfg.world.powers["russia"])
    assert dataclasses.is_dataclass(cfg.scenario.events[0])


def test_seed_zero_is_kept():
    """seed=0 is a seed like any other, not "unset": a config whose seed is set to 0 from another
    value runs as seed 0 (the same tables as the composed seed-0 run, other tables than seed 7's)
    and reports seed 0. Code that treated 0 as missing (``if cfg.seed:``, ``seed or default``)
    would fall back to another seed here."""
    from sim import run

    seven = load_config(["seed=7", "end=2019-06"])
    zero = run(dataclasses.replace(seven, seed=0))
    composed = run(load_config(["seed=0", "end=2019-06"]))
    assert zero.summary["seed"] == 0
    assert zero.tables["regions"].equals(composed.tables["regions"])
    assert not zero.tables["regions"].equals(run(seven).tables["regions"])


@pytest.mark.parametrize(("call", "words"), [
    (lambda: load_config("seed=7"), ["overrides", "seed=7", "a list of strings"]),
    (lambda: load_config(["seed=7", 3]), ["overrides", "3", "strings"]),
    (lambda: load_config(None), ["overrides", "None", "a list"]),
], ids=["string", "not_a_string_item", "none"])
def test_load_config_rejects_overrides_that_are_not_a_list_of_strings(call, words):
    """A single string (a common slip) or a non-string item is a ConfigError that says what to
    pass, not a raw exception from deep inside Hydra."""
    with pytest.raises(ConfigError) as info:
        call()
    for w in words:
        assert w in str(info.value), f"{w!r} not in: {info.value}"


@pytest.mark.parametrize("bad", [None, "seed=7", {"seed": 7}], ids=["none", "string", "dict"])
def test_run_rejects_what_is_not_a_run_config(bad):
    """run(None) and friends raise a ConfigError naming what run() takes."""
    from sim import run

    with pytest.raises(ConfigError) as info:
        run(bad)
    assert "RunConfig" in str(info.value) and "allowed" in str(info.value)


@pytest.mark.parametrize(("override", "type_words"), [
    ("seed=abc", "whole number (int)"),
    ("metrics.phi=cheap", "number (float)"),
    ("params.resources.concessions_enabled=maybe", "true or false (bool)"),
], ids=["int", "float", "bool"])
def test_a_wrong_type_names_the_type_allowed(override, type_words):
    """A value of the wrong type is refused with the type the parameter takes."""
    with pytest.raises(ConfigError) as info:
        load_config([override])
    assert type_words in str(info.value), str(info.value)


def test_a_configuration_is_checked_once_per_process(monkeypatch):
    """load_config then run checks the configuration once (and generates a synthetic world
    once): sim.engine.prepare.prepare remembers what it prepared. A changed config is checked again."""
    import sim.engine.prepare as prep
    from sim import run

    calls = {"check": 0, "generate": 0}
    check, generate = prep.check_settings, prep.generate_world

    def counting_check(*a, **k):
        calls["check"] += 1
        return check(*a, **k)

    def counting_generate(*a, **k):
        calls["generate"] += 1
        return generate(*a, **k)

    monkeypatch.setattr(prep, "check_settings", counting_check)
    monkeypatch.setattr(prep, "generate_world", counting_generate)
    cfg = load_config(["scenario=synthetic", "world.synthetic.n_regions=31", "end=2019-03",
                       "seed=123456", "metrics.twin=false"])  # the twin is another config
    run(cfg)
    run(cfg)
    assert calls == {"check": 1, "generate": 1}
    cfg.seed = 654321  # another configuration: checked again
    run(cfg)
    assert calls == {"check": 2, "generate": 2}


def test_a_config_changed_after_it_was_checked_is_checked_again():
    """The memory of prepared configurations is keyed by content: an invalid edit is caught."""
    cfg = load_config(["end=2019-04"])
    prepare(cfg)
    cfg.params.combat.control_speed = 5.0
    with pytest.raises(ConfigError, match="params.combat.control_speed"):
        prepare(cfg)


def test_region_names_are_looked_up_in_sets(monkeypatch):
    """Every name check of a world's regions looks the name up in a set, not a list, so that
    checking a world is linear in its regions (a list made it quadratic: 18 s at 1e5 regions;
    the time is measured by experiments/benchmark.py)."""
    from sim.config import checks

    kinds: list[str] = []
    original = checks.check_name

    def spy(name, value, allowed):
        if len(allowed) >= 1000:  # the region ids (other lookups are in short lists)
            kinds.append(type(allowed).__name__)
        return original(name, value, allowed)

    monkeypatch.setattr(checks, "check_name", spy)
    cfg = load_config(["scenario=synthetic", "world.synthetic.n_regions=2000",
                       "world.synthetic.n_states=5"])
    prepare(cfg, remember=False)
    assert kinds, "no lookup among the region ids was made"
    assert set(kinds) == {"set"}, f"region ids looked up in {sorted(set(kinds))}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_is_named_after_its_file(scenario):
    """Each scenario file composes and validates; its name (used in folder names) is its file's."""
    overrides = [f"scenario={scenario}"]
    cfg = load_config(overrides)
    assert cfg.scenario.name == scenario
    assert cfg.scenario.description, f"scenario {scenario} has no description"
    prepare(cfg)


@pytest.mark.parametrize("world", WORLDS)
def test_every_world_composes(world):
    """Each world file composes and validates (the synthetic world with its own scenario)."""
    overrides = [f"world={world}"] + (["scenario=synthetic"] if world == "synthetic" else [])
    cfg = load_config(overrides)
    assert cfg.world.name == world
    prepared = prepare(cfg)
    assert prepared.world.regions and prepared.world.states and prepared.world.powers


def test_the_required_config_options_exist():
    """The scenarios and worlds the issue asks for are all there."""
    assert {"historical", "endogenous", "synthetic", "france_stays", "no_russia",
            "host_cannot_pay", "no_coups", "china_competes", "strong_insurgency"} <= set(SCENARIOS)
    assert {"sahel", "synthetic"} <= set(WORLDS)


def test_synthetic_world_with_sahel_events_is_a_config_error():
    """Mixing the generated world with the Sahel's dated events fails with a clear message."""
    with pytest.raises(ConfigError) as info:
        load_config(["world=synthetic"])
    assert_names_all(str(info.value), "scenario.events", r"mali", ["state_0"])


def test_validate_generates_a_synthetic_world_without_changing_the_input():
    """prepare() returns the generated world; the caller's config is left as it was."""
    cfg = load_config(["scenario=synthetic", "world.synthetic.n_regions=12",
                       "world.synthetic.n_states=3"])
    prepared = prepare(cfg)
    assert len(prepared.world.regions) == 12
    assert len(prepared.world.states) == 3
    assert cfg.world.regions == []


def _heavy_modules_after(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; return the exit code and the heavy modules loaded."""
    probe = (
        "import json, sys\n"
        "code = None\n"
        "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"print('\\n' + json.dumps({{'code': code, 'heavy': sorted(m for m in {HEAVY!r} "
        "if m in sys.modules)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_sim_and_cli_is_lean():
    """``import sim`` and ``import sim.cli`` load none of Mesa, pandas or matplotlib."""
    result = _heavy_modules_after("import sim\nimport sim.cli\nsim.__all__")
    assert result["heavy"] == []


@pytest.mark.parametrize("argv", [["--help"], ["scenario=histrical"]], ids=["help", "bad_input"])
def test_cli_without_a_run_loads_no_heavy_module(argv):
    """``sahel-sim --help`` and a rejected override never start a run, so (as sim/cli.py says)
    they import none of Mesa, pandas or matplotlib."""
    result = _heavy_modules_after(
        f"sys.argv = ['sahel-sim', *{argv!r}]\nfrom sim.cli import main\nmain()")
    assert result["code"] in (None, 0, 2)
    assert result["heavy"] == [], f"{argv} imported {result['heavy']}"


@pytest.mark.parametrize(("override", "message"), [
    ("metrics.cost_basis=cashh",
     r"metrics.cost_basis='cashh' is unknown; allowed: cash, full, outlays \(did you mean 'cash'"),
    ("metrics.security_margin_kind=relatve",
     "metrics.security_margin_kind='relatve' is unknown; allowed: absolute, relative"),
])
def test_the_verdicts_choices_refuse_an_unknown_value(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config([override])
