"""The check of a design's values before a sweep starts (sim.sweep.params.check_values) and the
distinct values it checks (distinct_values): the same errors as a check of each value at each
path one by one (the reference below, the code the fast paths replaced), on random designs."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_config
from sim.config import ConfigError
from sim.config import paths as P
from sim.sweep.experiment import ParameterSpec
from sim.sweep.params import _new_value, _range_text, check_values, distinct_values


@pytest.fixture(scope="module")
def sahel():
    return load_config([])


def reference_check(cfg: Any, specs: dict[str, Any], values: dict[str, list[Any]]) -> None:
    """Each distinct value converted and range-checked at each path, one at a time."""
    for name, spec in specs.items():
        distinct = distinct_values(values.get(name, []))
        for path in spec.paths or [name]:
            for keys in P.expand(cfg, path):
                shown = ".".join(keys)
                current = P.get(cfg, keys)
                limits = P.bounds(cfg, keys)
                for v in distinct:
                    try:
                        new = _new_value(shown, current, v, spec.scale)
                    except ConfigError as exc:
                        raise ConfigError(f"experiment.parameters.{name}: {exc}") from None
                    if limits is None or not isinstance(new, (int, float)) or isinstance(
                            new, bool):
                        continue
                    lo, hi, unit = limits
                    if math.isnan(new) or (lo is not None and new < lo) or (
                            hi is not None and new > hi):
                        how = f" ({v!r} x {current!r})" if spec.scale else ""
                        raise ConfigError(
                            f"experiment.parameters.{name}: {shown}={new!r}{how} is out of "
                            f"range; allowed: {_range_text(lo, hi, unit)}")


def outcome(check: Any, *args: Any) -> str | None:
    try:
        check(*args)
    except ConfigError as exc:
        return str(exc)
    return None


#: Parameters on fields of every kind: floats with ranges (one path, a wildcard over the
#: states, scaled or not), an int, a bool, a text.
SPECS = {
    "weight": ParameterSpec(range=[0, 1], paths=["params.coups.insecurity_weight"]),
    "months": ParameterSpec(range=[1, 2], paths=["params.sanctions.transition_months"]),
    "france": ParameterSpec(range=[0, 1], paths=["world.states.*.receptivity.france"]),
    "army": ParameterSpec(range=[0, 1], paths=["world.states.*.army_effectiveness"],
                          scale=True),
    "threshold": ParameterSpec(range=[0, 1], paths=["params.partners.invite_threshold",
                                                    "params.partners.cooperate_threshold"]),
    "coups": ParameterSpec(range=[0, 1], paths=["scenario.endogenous_coups"]),
    "rule": ParameterSpec(range=[0, 1], paths=["rules.default_vacuum"]),
}

numbers = st.one_of(
    st.floats(-3.0, 40.0), st.sampled_from([0.0, -0.0, 1.0, 0.5, 2.5, 14.0, math.nan, math.inf]),
    st.integers(-5, 200), st.booleans())
anything = st.one_of(numbers, st.sampled_from(["none", "x"]), st.lists(st.integers(0, 2),
                                                                          max_size=2))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(SPECS)), data=st.data())
def test_the_check_names_the_error_the_one_by_one_check_names(sahel, name, data):
    values = data.draw(st.lists(numbers if name not in ("coups", "rule") else anything,
                                min_size=1, max_size=12))
    spec = {name: SPECS[name]}
    got = outcome(check_values, sahel, spec, {name: values})
    assert got == outcome(reference_check, sahel, spec, {name: values})


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_whole_design_is_checked_as_one_by_one(sahel, data):
    values = {name: data.draw(st.lists(st.floats(0.0, 1.2) if name != "months"
                                       else st.integers(0, 130), min_size=1, max_size=30))
              for name in ("weight", "months", "france", "army", "threshold")}
    spec = {name: SPECS[name] for name in values}
    assert outcome(check_values, sahel, spec, values) == outcome(reference_check, sahel, spec,
                                                                 values)


def test_the_first_value_out_of_range_is_named_in_the_designs_order(sahel):
    spec = {"france": SPECS["france"]}
    with pytest.raises(ConfigError, match=r"receptivity\.france=1\.5 is out of range"):
        check_values(sahel, spec, {"france": [0.2, 0.3, 1.5, 2.0, -1.0]})
    with pytest.raises(ConfigError, match=r"army_effectiveness=.* \(40\.0 x 0\.35\) is out"):
        check_values(sahel, {"army": SPECS["army"]}, {"army": [1.0, 40.0, 50.0]})
    with pytest.raises(ConfigError, match=r"transition_months=2\.5 is invalid; allowed: a whole"):
        check_values(sahel, {"months": SPECS["months"]}, {"months": [3, 2.5, 500]})


def json_distinct(values: list[Any]) -> list[Any]:
    """The definition: values told apart by their canonical JSON, in order of first use."""
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(json.dumps(v, sort_keys=True, default=str), v)
    return list(seen.values())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(anything, max_size=20))
def test_distinct_values_are_told_apart_as_their_json_is(values):
    got, want = distinct_values(values), json_distinct(values)
    assert json.dumps(got, default=str) == json.dumps(want, default=str)
    assert [type(v) for v in got] == [type(v) for v in want]


def test_ones_of_three_kinds_and_zeros_of_two_signs_are_distinct_and_nans_one():
    got = distinct_values([1, 1.0, True, 0.0, -0.0, 0.0, math.nan, math.nan, "1", 1])
    assert [repr(v) for v in got] == ["1", "1.0", "True", "0.0", "-0.0", "nan", "'1'"]


def test_values_at_the_ends_of_a_range_are_allowed(sahel):
    check_values(sahel, {"france": SPECS["france"]}, {"france": [0.0, 1.0, -0.0]})
    check_values(sahel, {"weight": SPECS["weight"]}, {"weight": [10.0, 0.0, 10]})
    check_values(sahel, {"months": SPECS["months"]}, {"months": [1, 120, 1.0]})
    with pytest.raises(ConfigError, match=r"insecurity_weight=10\.000000000000002 is out"):
        check_values(sahel, {"weight": SPECS["weight"]}, {"weight": [10.0, 10.000000000000002]})
