"""sim.engine.rng.stream_keys computes numpy's SeedSequence keys for a whole batch of seeds at once: the
same uint64 values, bit for bit, as one ``SeedSequence(seed, spawn_key=(crc32(name),))`` per seed,
for seeds of any number of 32-bit words (alone or mixed in one call), repeated seeds, no seed and
any name; and the same error for a negative seed."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.rng import stream_keys

#: Seeds at the edges of SeedSequence's 32-bit words (0 is one word, like 1; 2**32 is two...).
EDGES = [0, 1, 2, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64,
         2**96 - 1, 2**96, 2**128 - 1]


def _reference(seeds: list[int], name: str) -> list[int]:
    """The keys as numpy computes them: one SeedSequence per seed."""
    tag = zlib.crc32(name.encode())
    return [int(np.random.SeedSequence(entropy=s, spawn_key=(tag,))
                .generate_state(1, dtype=np.uint64)[0]) for s in seeds]


def _check(seeds: list[int], name: str) -> None:
    got = stream_keys(seeds, name)
    assert got.dtype == np.uint64
    assert got.shape == (len(seeds),)
    assert got.tolist() == _reference(seeds, name)


_SEED = st.one_of(st.sampled_from(EDGES), st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1),
                  st.integers(0, 2**128 - 1))
_NAME = st.one_of(st.sampled_from(["process:combat", "group:jnim:recruit", "", "a"]), st.text())


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_SEED, max_size=40), _NAME, st.data())
def test_keys_equal_seed_sequence_on_generated_seeds(seeds, name, data):
    """Any seeds below 2**128 (words of every count in one call, often below 2**64, the fast
    path), with repeats (a run and its twin share a seed), and any name."""
    if seeds:
        seeds = seeds + data.draw(st.lists(st.sampled_from(seeds), max_size=5))
    _check(seeds, name)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=300), _NAME)
def test_keys_equal_seed_sequence_below_2_64(seeds, name):
    """The seeds of real runs: below 2**64, many in one call."""
    _check(seeds, name)


@pytest.mark.parametrize("name", ["process:combat", "", "groupe:état/recrue 🐪"])
def test_keys_equal_seed_sequence_at_the_edges(name):
    _check(EDGES, name)
    _check(EDGES[::-1] + EDGES, name)
    for seed in EDGES:
        _check([seed], name)


def test_keys_equal_seed_sequence_for_seeds_of_more_than_four_words():
    """Seeds of 5 words and more (no padding, entropy past the pool's size), mixed with smaller
    ones in one call."""
    seeds = [2**128, 2**160 - 1, 2**160, 10**60, 2**128 + 7, 2**128, 3, 2**64, 3**200]
    _check(seeds, "process:combat")
    _check(seeds, "")


def test_keys_of_a_batch_and_of_its_worlds_alone_are_the_same():
    seeds = list(range(10**6, 10**6 + 256))
    batch = stream_keys(seeds, "process:combat")
    assert batch.tolist() == _reference(seeds, "process:combat")
    assert [stream_keys([s], "process:combat")[0] for s in seeds] == batch.tolist()
    assert len(set(batch.tolist())) == len(seeds)


def test_seeds_of_other_integer_types_give_the_same_keys():
    seeds = [0, 5, 2**63, 2**64 - 1]
    expected = _reference(seeds, "x")
    assert stream_keys(np.array(seeds, dtype=np.uint64), "x").tolist() == expected
    assert stream_keys(range(6), "x").tolist() == _reference(list(range(6)), "x")
    assert stream_keys([np.int64(5)], "x").tolist() == [expected[1]]


def test_no_seed_gives_no_key():
    keys = stream_keys([], "process:combat")
    assert keys.dtype == np.uint64 and keys.shape == (0,)


@pytest.mark.parametrize("seeds", [[-1], [3, -1], [2**70, -(2**64)], [-5, 2**64 - 1]])
def test_negative_seeds_raise_seed_sequence_error(seeds):
    with pytest.raises(Exception) as expected:
        np.random.SeedSequence(entropy=min(seeds), spawn_key=(zlib.crc32(b"n"),))
    with pytest.raises(type(expected.value)) as got:
        stream_keys(seeds, "n")
    assert type(got.value) is type(expected.value) is ValueError
    assert str(got.value) == str(expected.value)
