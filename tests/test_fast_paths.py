"""The recorder's fast paths give what the plain computations they
replace give, bit for bit and in the same order. Each test keeps the plain computation as its
reference and compares on real batches and on edge cases: no massacres, many, unsorted worlds,
a batch of one world, numbers of every size with zeros of both signs.

- :meth:`sim.record.Recorder.massacres` (the arrays kept, the events made when read: one numpy
  gather, the details formatted once per distinct count, :func:`sim.record.count_texts`, each
  world's put at the place it was recorded at) against the loop that appended one event at a
  time;
- :meth:`Recorder.counted_events` for the army's mass-casualty events, against the calls of
  :meth:`Recorder.event` the model makes one at a time;
- :meth:`Recorder.copy_worlds` with slices against index arrays;
- whole runs (twins included) against runs with the plain computations swapped back in.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from sim.api import load_config, run_batch
from sim.engine.prepare import prepare
from sim.model import SahelModel
from sim.record import Recorder, count_texts

# ------------------------------------------------------------------------ plain references


def massacres_reference(rec: Recorder, step: int, worlds: np.ndarray, regions: np.ndarray,
                        killed: np.ndarray) -> None:
    """The loop Recorder.massacres replaced: one event appended at a time, in call order."""
    ids, origin, events = rec.world.region_ids, rec.origin, rec.events
    for b, r, n in zip(worlds.tolist(), regions.tolist(), killed.tolist(), strict=True):
        events[b].append((step, "massacre", "", ids[r], f"{n:.0f} civilians killed", origin))


def counted_events_reference(rec: Recorder, step: int, kind: str, worlds: np.ndarray,
                             targets: np.ndarray, counts: np.ndarray, unit: str,
                             names: np.ndarray | None = None) -> None:
    """What Recorder.counted_events stands for: one event() call per event, in call order."""
    ids = targets if names is None else names[targets]
    for b, target, n in zip(np.asarray(worlds).tolist(), ids.tolist(),
                            np.asarray(counts).tolist(), strict=True):
        rec.event(b, step, kind, "", target, f"{n:.0f} {unit}")


class PlainRecorder(Recorder):
    """A recorder whose counted events are appended one at a time as they come (the plain
    references above): the oracle of the deferred events."""

    massacres = massacres_reference
    counted_events = counted_events_reference


def copy_worlds_reference(rec: Recorder, src: np.ndarray, dst: np.ndarray, months: int) -> None:
    """The copy Recorder.copy_worlds replaced: index arrays whatever the worlds."""
    for a in rec._arrays():
        a[:months, dst] = a[:months, src]
    for s, d in zip(src.tolist(), dst.tolist(), strict=True):
        rec.events[d] = list(rec.events[s])


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same shape, dtype and bytes (zeros' signs and nan payloads included)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def world():
    """The default world, prepared (its ids and regions)."""
    return SahelModel(prepare(load_config(["metrics.twin=false"])), [0]).world


# ------------------------------------------------------------------------- event details


EDGE_COUNTS = [0.0, 0.4, 0.5, 0.6, 1.5, 2.5, 3.5, 49.5, 50.0, 50.5, 0.49999999999999994,
               1e15 + 0.5, 2.0**52 - 0.5, 2.0**53, 2.0**53 + 2, 2.0**63 - 1024, 1e18]


@pytest.mark.parametrize("counts", [
    np.array(EDGE_COUNTS),
    np.random.default_rng(0).poisson(60, 900).astype(float),  # a batch month's massacres
    np.array([52.0]),
    np.array([], dtype=float),
    np.array([3.0, 1e12, 5e17, 3.0, 0.0]),  # few counts spread widely
    np.random.default_rng(1).random(500) * 10.0 ** np.random.default_rng(2).integers(-3, 18, 500),
    np.array([5.0, -0.0, 7.0]),  # prints "-0"
    np.array([5.0, -0.4, -3.0]),
    np.array([1.0, np.nan, np.inf, -np.inf]),
    np.array([2.0**63, 1e300]),
    np.array([3, 50, 2**60 + 1]),  # not floats
])
def test_count_texts_are_the_f_strings(counts):
    assert count_texts(counts, "civilians killed") == [
        f"{n:.0f} civilians killed" for n in counts.tolist()]


# ------------------------------------------------------------------------------ massacres


def _both(world, n_worlds: int) -> tuple[Recorder, Recorder]:
    return Recorder(world, 0, 3, n_worlds), Recorder(world, 0, 3, n_worlds)


def _massacre_cases(n_worlds: int, n_regions: int) -> list[tuple]:
    """(worlds, regions, killed) of the edge cases, for a batch of ``n_worlds``."""
    rng = np.random.default_rng(n_worlds)
    every = np.nonzero(np.ones((n_worlds, n_regions), dtype=bool))
    shuffled = rng.permutation(len(every[0]))
    return [
        (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)),  # none
        (np.array([n_worlds - 1]), np.array([n_regions - 1]), np.array([50.0])),  # one
        (*every, rng.poisson(70, len(every[0])).astype(float)),  # in every region
        (every[0][shuffled], every[1][shuffled],  # unsorted worlds
         rng.choice([50.0, 50.5, 51.5, 1e9], len(shuffled))),
        (np.full(5, n_worlds - 1), np.array([3, 1, 3, 0, 2]), np.array(EDGE_COUNTS[:5])),
        (np.zeros(3, dtype=np.intp), np.array([0, 0, 1]), np.array([5.0, -0.0, np.nan])),
    ]


@pytest.fixture(params=["few one by one", "all one by one", "none one by one"])
def few(request, monkeypatch):
    """Recorder.counted_events's small path for calls of up to 16 events (as built), for every
    call, or for none."""
    import sim.record

    monkeypatch.setattr(sim.record, "FEW_EVENTS", {"few one by one": sim.record.FEW_EVENTS,
                                                    "all one by one": 10**9,
                                                    "none one by one": 0}[request.param])


@pytest.mark.parametrize("n_worlds", [1, 2, 7])
def test_massacres_are_the_events_the_loop_appended(world, n_worlds, few):
    fast, plain = _both(world, n_worlds)
    for step, case in enumerate(_massacre_cases(n_worlds, world.n_regions)):
        for rec, record in ((fast, Recorder.massacres), (plain, massacres_reference)):
            rec.event(n_worlds - 1, step, "coup", "army", "mali", "before")
            record(rec, step, *case)
            with rec.scheduled():  # the origin in force is the events'
                record(rec, step, *case)
            record(rec.head(1), step, *(a[case[0] == 0] for a in case))  # a view of world 0
            rec.event(0, step, "coup", "army", "mali", "after")
    assert fast.events == plain.events
    assert sum(len(e) for e in fast.events) > 2 * n_worlds * world.n_regions
    for mine, theirs in zip(fast.events, plain.events, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            assert [type(v) for v in a] == [type(v) for v in b]


def test_massacres_of_an_unsorted_call_keep_each_worlds_order(world, few):
    fast, plain = _both(world, 3)
    case = (np.array([2, 0, 2, 1, 0, 2]), np.array([5, 4, 3, 2, 1, 0]),
            np.array([50.0, 51.0, 52.0, 53.0, 54.0, 55.0]))
    fast.massacres(4, *case)
    massacres_reference(plain, 4, *case)
    assert fast.events == plain.events
    assert [e[4] for e in fast.events[2]] == ["50 civilians killed", "52 civilians killed",
                                              "55 civilians killed"]


def test_counted_events_are_the_events_recorded_one_at_a_time(world, few):
    """The model's mass-casualty attacks on armies, recorded by one call of :meth:`event` each,
    are what one call of counted_events records (worlds from ``np.nonzero``, states' ids)."""
    rng, shape = np.random.default_rng(4), (9, len(world.state_ids))
    deaths = np.where(rng.random(shape) < 0.4,  # whole numbers, halves and quarters
                      rng.poisson(30, shape) + rng.choice([0.0, 0.5, 0.25], shape), 0.0)
    worlds, states = np.nonzero(deaths >= 10)
    fast, plain = _both(world, 9)
    fast.counted_events(7, "army_mass_casualty", worlds,
                        np.array(world.state_ids, dtype=object)[states], deaths[worlds, states],
                        "soldiers killed")
    for b, si in zip(worlds.tolist(), states.tolist(), strict=True):
        plain.event(b, 7, "army_mass_casualty", "", world.state_ids[si],
                    f"{deaths[b, si]:.0f} soldiers killed")
    assert len(worlds) > 5 and fast.events == plain.events


def test_counted_events_wait_in_their_arrays_until_read(world):
    """A call of many events keeps copies of its arrays (the caller's may change) and makes no
    tuple until the events are read; events recorded after it go after it."""
    rec = Recorder(world, 0, 3, 4)
    worlds = np.repeat(np.arange(4), world.n_regions)
    regions = np.tile(np.arange(world.n_regions), 4)
    killed = np.arange(worlds.size, dtype=float)
    rec.event(1, 0, "coup", "army", "mali", "before")
    rec.massacres(0, worlds, regions, killed)
    rec.event(1, 0, "coup", "army", "mali", "after")
    assert rec._pending and [len(x) for x in rec._lists] == [0, 2, 0, 0]  # nothing made yet
    worlds[:], regions[:], killed[:] = 0, 0, -1.0  # the caller's arrays change
    events = rec.events
    assert not rec._pending
    assert [e[4] for e in events[1]] == ["before", *(f"{k:.0f} civilians killed" for k in
                                                     range(world.n_regions, 2 * world.n_regions)),
                                         "after"]
    assert [e[3] for e in events[3]] == list(world.region_ids)
    assert rec.events is events  # read again: nothing left to write


def test_a_head_reads_the_events_its_batch_has_pending_for_other_worlds(world):
    """A head made before its batch records counted events in worlds the head does not have
    reads its own worlds' events, and the batch keeps all of them."""
    fast, plain = Recorder(world, 0, 3, 4), PlainRecorder(world, 0, 3, 4)
    every = np.nonzero(np.ones((4, world.n_regions), dtype=bool))
    killed = np.arange(every[0].size, dtype=float)
    for rec in (fast, plain):
        head = rec.head(2)
        rec.massacres(0, *every, killed)
        assert head.events == rec.events[:2]
    assert fast.events == plain.events and len(fast.events[3]) == world.n_regions


def _random_calls(world, seed: int, rec_class: type) -> tuple[Recorder, list[Recorder]]:
    """A batch recorder and its heads after a random sequence of calls (``seed``): events,
    counted events of every size (sorted or not, scheduled or not, the caller's arrays changed
    after the call), heads, worlds copied (onto a world no head has, as the model joins them)
    and reads; the same sequence whatever ``rec_class``."""
    rng = np.random.default_rng(seed)
    n_b = int(rng.integers(1, 7))
    rec = rec_class(world, 0, 3, n_b)
    heads: list[Recorder] = []
    states = np.array(world.state_ids, dtype=object)
    for step in range(int(rng.integers(1, 25))):
        op = rng.random()
        target = heads[int(rng.integers(len(heads)))] if heads and rng.random() < 0.4 else rec
        scheduled = rng.random() < 0.3
        if op < 0.2:
            b = int(rng.integers(target.worlds))
            with target.scheduled() if scheduled else contextlib.nullcontext():
                target.event(b, step, "coup", "army", "mali", f"event {step}")
        elif op < 0.55:
            n = int(rng.choice([0, 1, 5, 16, 17, 40, 100]))
            worlds = rng.integers(target.worlds, size=n)
            if rng.random() < 0.5:
                worlds.sort()
            regions = rng.integers(world.n_regions, size=n)
            counts = rng.choice([0.5, 1.5, 2.0, -0.0, 30.25], size=n)
            with target.scheduled() if scheduled else contextlib.nullcontext():
                if rng.random() < 0.5:
                    target.massacres(step, worlds, regions, counts)
                else:
                    target.counted_events(step, "army_mass_casualty", worlds,
                                          states[regions % len(states)], counts,
                                          "soldiers killed")
            worlds[:], regions[:], counts[:] = 0, 0, 99.0  # the caller's arrays change
        elif op < 0.7:
            heads.append(rec.head(int(rng.integers(1, n_b + 1))))
        elif op < 0.8:
            free = [d for d in range(max((h.worlds for h in heads), default=0), n_b)]
            src = int(rng.integers(n_b))
            dst = int(rng.choice(free)) if free else src
            if dst != src:
                rec.copy_worlds(np.array([src]), np.array([dst]), 1)
        elif heads and op < 0.9:
            heads[int(rng.integers(len(heads)))].events  # noqa: B018 (a read)
        else:
            rec.events  # noqa: B018 (a read)
    return rec, heads


def test_counted_events_read_in_any_order_are_the_events_appended_as_they_came(world):
    """Random sequences of calls (``_random_calls``): the batch's and every head's events are
    what the plain recorder appended, whoever reads first."""
    for seed in range(300):
        fast, fast_heads = _random_calls(world, seed, Recorder)
        plain, plain_heads = _random_calls(world, seed, PlainRecorder)
        assert fast.events == plain.events, f"seed {seed}"
        for mine, theirs in zip(fast_heads, plain_heads, strict=True):
            assert mine.events == theirs.events, f"seed {seed}"
        for mine, theirs in zip(fast.events, plain.events, strict=True):
            for a, b in zip(mine, theirs, strict=True):
                assert [type(v) for v in a] == [type(v) for v in b], f"seed {seed}"


# ------------------------------------------------------------------------- joining worlds


@pytest.mark.parametrize(("src", "dst"), [
    ([0, 1, 2], [3, 4, 5]),  # slices
    ([2], [5]),
    ([0, 2, 1], [3, 4, 5]),  # an index array, then a slice
    ([0, 1], [5, 3]),
    ([], []),
])
def test_copy_worlds_copies_what_index_arrays_copy(world, src, dst):
    rng = np.random.default_rng(3)
    fast, plain = _both(world, 6)
    for a, b in zip(fast._arrays(), plain._arrays(), strict=True):
        a[...] = b[...] = rng.integers(-9, 9, a.shape)
    for rec in (fast, plain):
        for b in range(6):
            rec.event(b, 0, "coup", "army", "mali", f"world {b}")
    src, dst = np.array(src, dtype=np.intp), np.array(dst, dtype=np.intp)
    fast.copy_worlds(src, dst, 2)
    copy_worlds_reference(plain, src, dst, 2)
    for a, b in zip(fast._arrays(), plain._arrays(), strict=True):
        assert _same(a, b)
    assert fast.events == plain.events


# --------------------------------------------------------------------- whole real batches


def _plain_paths(monkeypatch) -> None:
    """Run with the plain computations: the loops of massacres and of the army's mass-casualty
    events, and index arrays for joining worlds."""
    monkeypatch.setattr(Recorder, "massacres", massacres_reference)
    monkeypatch.setattr(Recorder, "counted_events", counted_events_reference)
    monkeypatch.setattr(Recorder, "copy_worlds", copy_worlds_reference)


@pytest.mark.parametrize(("overrides", "seeds"), [
    (["end=2021-12"], [3, 101, 7_000_001, 42, 9, 5]),  # runs and their twins
    (["end=2021-12"], [11]),  # a batch of one
    (["scenario=endogenous", "metrics.twin=false"], [1, 2, 3]),
])
def test_a_batch_gives_what_the_plain_computations_give(monkeypatch, overrides, seeds):
    cfg = load_config(overrides)
    fast = run_batch(cfg, seeds)
    with monkeypatch.context() as m:
        _plain_paths(m)
        plain = run_batch(cfg, seeds)
    massacres = 0
    for a, b in zip(fast, plain, strict=True):
        assert repr(a.summary) == repr(b.summary)
        events, plain_events = a.tables["events"], b.tables["events"]
        assert events.equals(plain_events)
        massacres += int((events["kind"] == "massacre").sum())
    assert massacres > 0

