"""The calibration patterns scored on a batch's recorded arrays (:mod:`sim.validate.batch`, what a
calibrated sweep uses) against the DataFrame path (:func:`sim.validate.patterns.evaluate` on one
replicate, which :func:`score_run` reads): run by run and pattern by pattern, the same pass, fail
or not measurable, and the same measured numbers (the statistic and the items its pass rule
reads) to 1e-12 relative, over many replicates of the endogenous scenario, sampled-prior worlds
and small worlds whose windows and powers leave patterns unmeasurable.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from worlds import expulsion_world

from sim import load_config
from sim.api import run_worlds
from sim.engine.plan import per_config
from sim.validate.batch import ITEMS, score_runs
from sim.validate.config import hindcast_of
from sim.validate.patterns import PATTERNS, evaluate, score_run

REL = 1e-12


def _value(x: object) -> float | None:
    """A measured number, None where the DataFrame path has none (None, NaN, infinities)."""
    if x is None:
        return None
    x = float(x)  # type: ignore[arg-type]
    return x if math.isfinite(x) else None


def _same_number(expected: object, got: object) -> bool:
    e, g = _value(expected), _value(got)
    if e is None or g is None:
        return e is g
    return math.isclose(e, g, rel_tol=REL, abs_tol=0.0) or e == g


def compare(runs: list, hindcasts: list, scores) -> dict[str, np.ndarray]:
    """Assert that ``scores`` (of ``runs`` with ``hindcasts``) are each run's DataFrame scores;
    return the pass (1.0 / 0.0 / NaN) of each pattern, per run."""
    bad = []
    rows = scores.rows()
    for i, (a, b) in enumerate(zip(runs, hindcasts, strict=True)):
        results = {r.id: r for r in evaluate([a.tables], [b.tables])}
        row = score_run(a.tables, b.tables)
        assert list(rows[i]) == list(row)
        for pid in PATTERNS:
            r, got = results[pid], rows[i][pid]
            want = float(r.passed) if r.measurable else math.nan
            if not (got == want == row[pid] or (math.isnan(got) and math.isnan(want)
                                                and math.isnan(row[pid]))):
                bad.append(f"run {i} {pid}: passed {got}, DataFrame path {want} ({r.reason})")
            m = scores.measured[pid][i]
            for name, expected in (("median", r.median), ("low", r.low), ("high", r.high)):
                if not _same_number(expected, m):
                    bad.append(f"run {i} {pid}: measured {m!r}, DataFrame path {name} "
                               f"{expected!r}")
            if pid in ITEMS and r.measurable:
                details = {d["item"]: d for d in r.details}
                for k, item in enumerate(ITEMS[pid]):
                    got_item = scores.items[pid][i, k]
                    if not _same_number(details[item]["median"], got_item):
                        bad.append(f"run {i} {pid} {item}: {got_item!r}, DataFrame path "
                                   f"{details[item]['median']!r}")
    assert not bad, "\n".join(bad[:20])
    return scores.passed


def _runs(cfgs: list, seeds: list[int], hindcast=hindcast_of) -> tuple[list, list]:
    return run_worlds(cfgs, seeds), run_worlds(per_config(cfgs, hindcast), seeds)


def _outcomes(passed: dict[str, np.ndarray], pid: str) -> set[str]:
    x = passed[pid]
    return ({"pass"} if (x == 1).any() else set()) | ({"fail"} if (x == 0).any() else set()) \
        | ({"n/a"} if np.isnan(x).any() else set())


def test_forty_replicates_of_the_endogenous_scenario_score_as_their_tables():
    cfg = load_config(["scenario=endogenous"])
    runs, hindcasts = _runs([cfg] * 40, list(range(1000, 1040)))
    scores = score_runs(runs, hindcasts)  # first: reading the tables builds the arrays
    assert all(r.arrays.batch() is not None for r in runs)  # scored from the recorders
    passed = compare(runs, hindcasts, scores)
    # both outcomes were compared (C9, which had both before the hosts' opinion of issue 26,
    # now fails in every endogenous run: MINUSMA leaves Mali in 2020; its failures are compared)
    for pid in ("C1", "C2", "C4", "C8", "C10"):
        assert _outcomes(passed, pid) == {"pass", "fail"}, pid
    assert _outcomes(passed, "C9") == {"fail"}


def test_sampled_prior_worlds_score_as_their_tables():
    """Worlds of plausible_worlds' priors (each its own numbers, in one batch), 2 seeds each."""
    from sim.sweep.experiment import load_experiment
    from sim.sweep.runner import iter_tasks, plan
    from sim.sweep.worker import point_configs

    p = plan(dataclasses.replace(load_experiment("plausible_worlds"), samples=10), replicates=2)
    tasks = list(iter_tasks(p))
    cfgs = point_configs(p.context, tasks)
    runs, hindcasts = _runs(cfgs, [t.seed for t in tasks])
    passed = compare(runs, hindcasts, score_runs(runs, hindcasts))
    for pid in ("C2", "C5", "C6", "C10"):
        assert _outcomes(passed, pid) == {"pass", "fail"}, pid


def _edge_cases() -> list[tuple[str, list, list]]:
    """Small worlds and short windows: one state (its tables' groups in order), no UN, no
    Russia, Russia within its ramp-up, runs that end before 2019-12 or 2021-12, no 2017 in the
    'hindcast'; and a synthetic world."""
    out = []

    def add(label, cfg, hindcast_cfg, n=2):
        seeds = list(range(n))
        out.append((label, run_worlds([cfg] * n, seeds), run_worlds([hindcast_cfg] * n, seeds)))

    for n_states in (1, 3):
        c = expulsion_world(end="2022-06", n_states=n_states)
        add(f"{n_states} states", c, dataclasses.replace(c, end="2019-12"))
    c = expulsion_world(end="2021-06", n_states=1, russia_rule="none")
    add("no russia, ends before 2021-12", c, dataclasses.replace(c, end="2020-12"))
    c = expulsion_world(end="2019-04", n_states=2)
    add("russia within its ramp-up", c, dataclasses.replace(c, end="2019-03"))
    c = load_config(["scenario=historical", "end=2020-06"])
    add("historical to 2020-06", c, hindcast_of(c))
    c = load_config(["scenario=endogenous", "start=2017-01", "end=2019-12"])
    add("a scenario from 2017", c, hindcast_of(c))
    c = load_config(["scenario=synthetic", "end=2021-12"])
    add("synthetic", c, hindcast_of(c))
    return out


def test_small_worlds_and_short_windows_score_as_their_tables():
    cases = _edge_cases()
    seen: dict[str, set[str]] = {pid: set() for pid in PATTERNS}
    # every case scored at once: runs of several batches, grouped by their pair of batches
    runs = [r for _, rs, _ in cases for r in rs]
    hindcasts = [h for _, _, hs in cases for h in hs]
    passed = compare(runs, hindcasts, score_runs(runs, hindcasts))
    for pid in PATTERNS:
        seen[pid] |= _outcomes(passed, pid)
    for pid in ("C1", "C2", "C4", "C6", "C7", "C8", "C9"):
        assert "n/a" in seen[pid], pid
    assert {"pass", "fail"} <= seen["C7"]


def test_any_worlds_of_a_batch_score_alike():
    """Some worlds of a batch, not next to each other (a sweep's batch split by its hindcasts'
    batches), in any order: each scores as it does with the whole batch."""
    cfg = load_config(["scenario=endogenous", "end=2022-12"])
    runs, hindcasts = _runs([cfg] * 8, list(range(20, 28)))
    whole = score_runs(runs, hindcasts)
    pick = [6, 1, 3, 4, 0]
    part = score_runs([runs[i] for i in pick], [hindcasts[i] for i in pick])
    for pid in PATTERNS:
        np.testing.assert_array_equal(part.passed[pid], whole.passed[pid][pick])
        np.testing.assert_array_equal(part.measured[pid], whole.measured[pid][pick])
        if pid in whole.items:
            np.testing.assert_array_equal(part.items[pid], whole.items[pid][pick])
    compare(runs, hindcasts, whole)


def test_runs_whose_arrays_are_built_score_alike():
    """Once a run's tables were read, its arrays are built and its batch's recorder let go:
    it is scored from its own arrays, alone, with the same result."""
    c = load_config(["scenario=historical", "end=2021-12"])
    runs, hindcasts = _runs([c] * 3, [7, 8, 9])
    lazy = score_runs(runs, hindcasts)
    _ = runs[1].tables["states"], hindcasts[2].tables["states"]  # builds those runs' arrays
    assert runs[1].arrays.batch() is None and runs[0].arrays.batch() is not None
    mixed = score_runs(runs, hindcasts)
    for pid in PATTERNS:
        np.testing.assert_array_equal(mixed.passed[pid], lazy.passed[pid])
        np.testing.assert_array_equal(mixed.measured[pid], lazy.measured[pid])
    compare(runs, hindcasts, mixed)


def test_only_the_patterns_asked_and_unknown_ones_are_refused():
    c = load_config(["scenario=historical", "end=2019-06", "metrics.twin=false"])
    runs, hindcasts = _runs([c], [3])
    scores = score_runs(runs, hindcasts, ["C5", "C3"])
    assert scores.rows() == [{"C5": 1.0, "C3": 1.0}]
    with pytest.raises(ValueError, match="pattern 'C11' is unknown"):
        score_runs(runs, hindcasts, ["C11"])
    with pytest.raises(ValueError, match="one hindcast per run"):
        score_runs(runs, [])
