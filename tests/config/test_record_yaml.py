"""The texts of a run's ``.hydra/`` record (sim.config.compose.record_yaml): libyaml's emitter
where it writes what ``yaml.safe_dump`` writes, PyYAML's elsewhere; the same text either way."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import to_plain
from sim.config.compose import _emitters_agree, compose_run, record_yaml

pytestmark = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                reason="libyaml is not there: PyYAML writes every record")


def reference(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("overrides", [[], ["scenario=endogenous"], ["world=synthetic"],
                                       ["scenario=historical", "seed=3"]])
def test_a_runs_record_is_the_text_safe_dump_writes(overrides):
    cfg, hydra = compose_run(overrides)
    plain = to_plain(cfg)
    assert _emitters_agree(plain)  # the Sahel world's accented names are short: libyaml's
    assert record_yaml(plain) == reference(plain)
    for name, text in hydra["record"].items():
        assert yaml.safe_load(text) is not None or name == "overrides.yaml"


# text of every kind: ASCII, accents, other planes, quotes and backslashes, what YAML reads as
# another type, YAML syntax, spaces, long words and long lines, control characters
_TEXT = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=130),
    st.text(alphabet=st.sampled_from('aé é"\\\'日😀-: #x\t\n'), max_size=40),
    st.sampled_from(["yes", "No", "1e3", "0x1F", "- a", "a: b", "#c", "", " lead", "trail ",
                     "Ségou " * 30, "word " * 30, "x" * 200, "Tillabéri", "é" * 25]),
)
_KEYS = st.one_of(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                          min_size=1, max_size=12),
                  st.sampled_from(["k" * 101, "clé", "a: b", "yes", "1"]))
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                     st.floats(allow_nan=False), _TEXT)
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=25)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(data=_DATA)
def test_any_data_is_written_as_safe_dump_writes_it(data):
    assert record_yaml(data) == reference(data)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(data=_DATA)
def test_where_the_emitters_are_said_to_agree_they_do(data):
    if type(data) in (dict, list) and _emitters_agree(data):
        assert yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False) == reference(data)


def test_long_escaped_text_and_long_keys_go_to_pyyaml():
    assert not _emitters_agree({"k": "Ségou " * 30})
    assert not _emitters_agree({"k" * 101: 1})
    assert not _emitters_agree({"k": "tab\there"})
    assert _emitters_agree({"k": "Ségou", "l": ["Tillabéri"], "m": "x" * 200})
