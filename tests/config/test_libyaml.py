"""OmegaConf's YAML loader on libyaml's parser (sim.config.libyaml): the same data as
OmegaConf's own loader, for every config file and for edge cases, and the same composition."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import _utils

from sim.config import config_dir
from sim.config import libyaml as L

pytestmark = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                reason="PyYAML without libyaml: OmegaConf's loader is kept")


#: OmegaConf's own get_yaml_loader (kept by the module if a composition has switched it already)
ORIGINAL = L._ORIGINAL or _utils.get_yaml_loader


def original_loader():
    return ORIGINAL()


def same(a, b) -> bool:
    """Equal values of equal types all the way down (1, 1.0 and True differ; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def both(text: str):
    return yaml.load(text, Loader=original_loader()), yaml.load(text, Loader=L.c_loader())


@pytest.mark.parametrize("path", sorted(Path(config_dir()).rglob("*.yaml")),
                         ids=lambda p: str(p.relative_to(config_dir())))
def test_every_config_file_loads_the_same(path):
    py, c = both(path.read_text())
    assert same(py, c)


EDGES = [
    "a: 1e3", "a: 1.5e-3", "a: 1_000", "a: 1_000.5", "a: .inf", "a: -.Inf", "a: .nan",
    "a: 190:20:30.15", "a: 2019-01-01", "a: 2019-01-01 10:00:00", "a: yes", "a: No", "a: on",
    "a: ~", "a: null", "a: 0o17", "a: 0x1F", "a: 017", "a: '1e3'", "a: +12", "a: -0.0",
    "a: [1, 2.0, three, {b: c}]", "x: &k {a: 1}\ny: *k", "a: |\n  two\n  lines\n",
    "a: >\n  folded\n  text\n", "a: \"\\u00e9t\\u00e9\"", "a: été", "? a\n: explicit key",
    "a: !!str 12", "a: !!float 3", "a: 12:30", "a: 1.", "a: .5", "a: 6.8523015e+5",
    "a: 685.230_15e+03", "", "# only a comment\n", "- 1\n- two\n",
    "a: !!python/object/apply:pathlib.Path [out, runs]",
]


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases_load_the_same(text):
    py, c = both(text)
    assert same(py, c), (py, c)


def test_an_unhashable_key_is_the_same_error():
    messages = []
    for loader in (original_loader(), L.c_loader()):
        with pytest.raises(yaml.constructor.ConstructorError) as info:
            yaml.load("? [1, 2]\n: pair\n", Loader=loader)
        messages.append(info.value.problem)
    assert messages[0] == messages[1] == "found unhashable key"


def test_a_duplicate_key_is_the_same_error():
    text = "a: 1\nb:\n  c: 2\n  c: 3\n"
    errors = []
    for loader in (original_loader(), L.c_loader()):
        with pytest.raises(yaml.constructor.ConstructorError) as info:
            yaml.load(text, Loader=loader)
        errors.append((info.value.problem, info.value.problem_mark.line,
                       info.value.context_mark.line))
    assert errors[0] == errors[1] == ("found duplicate key c", 3, 2)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, width=64), st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=6), inner,
                                                 max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(documents, st.booleans())
def test_dumped_documents_load_the_same(data, flow):
    text = yaml.safe_dump({"doc": data}, default_flow_style=flow, allow_unicode=True)
    py, c = both(text)
    assert same(py, c)


def test_use_libyaml_makes_omegaconf_load_with_it(tmp_path, monkeypatch):
    from omegaconf import OmegaConf

    monkeypatch.setattr(L, "_ORIGINAL", None)
    monkeypatch.setattr(_utils, "get_yaml_loader", original_loader)
    assert L.use_libyaml() and L.use_libyaml()  # idempotent
    assert _utils.get_yaml_loader() is L.c_loader()
    path = tmp_path / "c.yaml"
    path.write_text("x: 1e3\nd: 2019-01-01\n")
    assert OmegaConf.to_container(OmegaConf.load(path)) == {"x": 1000.0, "d": "2019-01-01"}


def test_without_libyaml_nothing_changes(monkeypatch):
    monkeypatch.setattr(L, "_ORIGINAL", None)
    monkeypatch.setattr(L, "_C_LOADER", None)
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    mine = original_loader
    monkeypatch.setattr(_utils, "get_yaml_loader", mine)
    assert L.use_libyaml() is False
    assert _utils.get_yaml_loader is mine


def test_a_composition_is_the_same_with_either_loader(monkeypatch):
    from sim.config.compose import compose_run

    overrides = ["scenario=endogenous", "seed=5", "params.hosts.expel_threshold=0.25",
                 "hydra.run.dir=out"]
    fast = compose_run(overrides)
    assert _utils.get_yaml_loader() is L.c_loader()  # composing switched it on
    monkeypatch.setattr(L, "_ORIGINAL", None)
    monkeypatch.setattr(L, "use_libyaml", lambda: False)
    monkeypatch.setattr(_utils, "get_yaml_loader", original_loader)
    slow = compose_run(overrides)
    assert fast[0] == slow[0]
    assert fast[1] == slow[1]
