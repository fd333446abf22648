"""The pre-2020 political targets scored on a batch's recorded arrays
(:mod:`sim.validate.politics_batch`, what a calibration uses) against the DataFrame path
(:func:`sim.validate.politics.evaluate_politics` on one replicate, which
:func:`score_politics_run` reads): run by run and target by target, the same pass, fail or not
measurable, and the same numbers, bit for bit (the measured statistic and the items the pass
rule reads), over politics hindcasts of the validated scenario with the default parameters and
with parameters that make each target fail in some runs, windows that leave targets
unmeasurable, small worlds, and runs whose arrays are built.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pytest
from worlds import expulsion_world, politics_world

from sim.api import RunResult, run, run_worlds
from sim.config import RunConfig
from sim.validate import politics as T
from sim.validate.command import load_validate_config
from sim.validate.config import politics_hindcast_config
from sim.validate.politics_batch import POLITICS_BANDS, POLITICS_ITEMS, score_politics_runs

IDS = tuple(T.POLITICS)

#: Parameter values of the second batch (one batch: they differ only in numbers), each making
#: some targets fail: opinion too kind to France and the UN (P1, P2), fewer protests (P3), a
#: weak Western leverage against Russia (P4), agreements harder to sign (P5).
VARIANTS = (
    ["params.hosts.failure_blame_weight=0.5"],
    ["params.hosts.protest_weight=2.0"],
    ["params.partners.leverage_weight=0.2"],
    ["params.partners.cooperate_threshold=0.3"],
)


def _politics(overrides: Sequence[str] = ()) -> RunConfig:
    return politics_hindcast_config(load_validate_config(list(overrides)))


def _median(x: object) -> float:
    """A detail's median as a number (NaN where the DataFrame path has None)."""
    return math.nan if x is None else float(x)  # type: ignore[arg-type]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def expected(tables) -> tuple[dict[str, float], dict[str, float], dict[str, list[float]]]:
    """(passed, measured, items) of one run by the DataFrame path: the items are the medians of
    the result's details (P5: the lower state's share, the result's median)."""
    results = {r.id: r for r in T.evaluate_politics([tables])}
    passed = {pid: float(r.passed) if r.measurable else math.nan for pid, r in results.items()}
    assert passed == pytest.approx(T.score_politics_run(tables), nan_ok=True)
    measured = {pid: _median(r.median) for pid, r in results.items()}
    items: dict[str, list[float]] = {}
    for pid, r in results.items():
        names = POLITICS_ITEMS[pid]
        if not r.measurable:
            items[pid] = [math.nan] * len(names)
        elif pid == "P5":
            items[pid] = [_median(r.median)]
        else:
            details = {d["item"]: d for d in r.details}
            items[pid] = [_median(details[name]["median"]) for name in names]
    return passed, measured, items


def compare(runs: list, scores) -> dict[str, np.ndarray]:
    """Assert that ``scores`` are each run's DataFrame scores (reads every run's tables, which
    builds its arrays); return the pass of each target, per run."""
    assert scores.ids == IDS and scores.n == len(runs)
    bad = []
    rows = scores.rows()
    for i, r in enumerate(runs):
        passed, measured, items = expected(r.tables)
        for pid in IDS:
            if not _same(rows[i][pid], passed[pid]):
                bad.append(f"run {i} {pid}: passed {rows[i][pid]}, DataFrame path {passed[pid]}")
            if not _same(scores.measured[pid][i], measured[pid]):
                bad.append(f"run {i} {pid}: measured {scores.measured[pid][i]!r}, DataFrame "
                           f"path {measured[pid]!r}")
            for k, name in enumerate(POLITICS_ITEMS[pid]):
                got = float(scores.items[pid][i, k])
                if not _same(got, items[pid][k]):
                    bad.append(f"run {i} {pid} {name}: {got!r}, DataFrame path "
                               f"{items[pid][k]!r}")
    assert not bad, "\n".join(bad[:20])
    return scores.passed


def _outcomes(x: np.ndarray) -> set[str]:
    return ({"pass"} if (x == 1).any() else set()) | ({"fail"} if (x == 0).any() else set()) \
        | ({"n/a"} if np.isnan(x).any() else set())


@pytest.fixture(scope="module")
def batches():
    """The batches, each scored from its recorder before any of its tables is read:
    label -> (runs, scores)."""
    base = _politics()
    varied = [c for v in VARIANTS for c in [_politics(v)] * 6]
    cases = {
        "default": ([base] * 24, list(range(24))),
        "varied": (varied, list(range(100, 124))),
        "from 2017-06": ([dataclasses.replace(base, start="2017-06")] * 2, [1, 2]),
        "to 2019-03": ([dataclasses.replace(base, end="2019-03")] * 2, [1, 2]),
        "one state": ([politics_world(n_states=1, end="2019-12")] * 2, [1, 2]),
        "russia enters mali": ([expulsion_world(n_states=2, end="2019-12")] * 2, [1, 2]),
    }
    out = {}
    for label, (cfgs, seeds) in cases.items():
        runs = run_worlds(cfgs, seeds)
        assert all(r.arrays.batch() is not None for r in runs)  # scored from the recorder
        out[label] = (runs, score_politics_runs(runs))
    assert len({id(r.arrays.batch()[0]) for r in out["varied"][0]}) == 1  # one batch
    return out


def test_the_items_and_bands_are_the_targets():
    assert set(POLITICS_ITEMS) == set(POLITICS_BANDS) == set(IDS)
    assert POLITICS_ITEMS["P1"] == ("russia", "china", "usa", "france", "un")
    assert POLITICS_ITEMS["P2"] == ("france 2017-03", "france 2019-11", "un 2019-11")
    assert POLITICS_ITEMS["P3"][:3] == ("mali 2017", "mali 2018", "mali 2019")
    for pid, (lo, hi, kind) in POLITICS_BANDS.items():
        assert lo.shape == hi.shape == (len(POLITICS_ITEMS[pid]),), pid
        assert (lo <= hi).all(), pid
        assert kind == {"P1": "linear", "P2": "linear", "P3": "log"}.get(pid, "flag"), pid
    lo, hi, _ = POLITICS_BANDS["P1"]
    assert hi[3] - lo[3] == pytest.approx(2 * T.OPINION_TOLERANCE)
    assert lo[0] == T.REPORTED_RECEPTIVITY["russia"] - T.OPINION_TOLERANCE
    lo, hi, _ = POLITICS_BANDS["P3"]
    assert (lo[0], hi[0]) == (30 / T.PROTEST_FACTOR, 30 * T.PROTEST_FACTOR)
    for pid in ("P4", "P5", "P6"):
        assert POLITICS_BANDS[pid][0].tolist() == POLITICS_BANDS[pid][1].tolist() == [1.0]


@pytest.mark.parametrize("label", ["default", "varied"])
def test_politics_hindcasts_score_as_their_tables(batches, label):
    runs, scores = batches[label]
    compare(runs, scores)


def test_the_comparison_sees_both_outcomes_of_every_target(batches):
    """Over the default and varied batches, every target both passes and fails in some run."""
    for pid in IDS:
        both = np.concatenate([batches[k][1].passed[pid] for k in ("default", "varied")])
        assert _outcomes(both) == {"pass", "fail"}, pid


def test_short_windows_and_small_worlds_score_as_their_tables(batches):
    labels = ("from 2017-06", "to 2019-03", "one state", "russia enters mali")
    seen: dict[str, set[str]] = {pid: set() for pid in IDS}
    for label in labels:
        runs, scores = batches[label]
        passed = compare(runs, scores)
        for pid in IDS:
            seen[pid] |= _outcomes(passed[pid])
    assert all("n/a" in seen[pid] for pid in IDS)
    assert {"pass", "fail"} <= seen["P1"]  # the small worlds lack china, usa, un: NaN items
    assert {"pass", "fail", "n/a"} == seen["P4"]


def test_runs_whose_arrays_are_built_score_alike(batches):
    """A run whose arrays are built is scored from them (its events from its tables' recorder,
    its built events table, or a plain table-dict's DataFrame), alone, with the same result as
    from its batch's recorder."""
    cfg = _politics(VARIANTS[1])
    runs = run_worlds([cfg] * 4, [5, 6, 7, 8])
    lazy = score_politics_runs(runs)
    runs[1].arrays.built()  # the arrays alone: the tables still hold the recorder
    _ = runs[2].tables["states"]  # the tables: the arrays and every Arrow table
    assert runs[1].arrays.batch() is None and runs[2].arrays.batch() is None
    assert runs[0].arrays.batch() is not None
    plain = RunResult(runs[3].config, dict(runs[3].tables), runs[3].summary,
                      runs[3].arrays.built())  # tables as a dict of DataFrames
    single = run(dataclasses.replace(cfg, seed=5))  # a batch of one
    _ = single.tables["events"]
    mixed = score_politics_runs([runs[0], runs[1], runs[2], plain, single])
    for pid in IDS:
        for got, want in ((mixed.passed, lazy.passed), (mixed.measured, lazy.measured),
                          (mixed.items, lazy.items)):
            np.testing.assert_array_equal(got[pid][:4], want[pid], err_msg=pid)
            np.testing.assert_array_equal(got[pid][4], want[pid][0], err_msg=pid)
    compare([runs[0], runs[1], runs[2], plain, single], mixed)
    # the whole default batch, every run now built (its tables were read): scored alike
    runs, scores = batches["default"]
    _ = [r.tables["states"] for r in runs]
    again = score_politics_runs(runs)
    for pid in IDS:
        np.testing.assert_array_equal(again.passed[pid], scores.passed[pid])
        np.testing.assert_array_equal(again.items[pid], scores.items[pid])


def test_any_worlds_of_a_batch_score_alike(batches):
    runs, whole = batches["varied"]
    pick = [17, 3, 4, 5, 0, 22, 22]
    part = score_politics_runs([runs[i] for i in pick], ["P4", "P1"])
    assert part.ids == ("P4", "P1") and set(part.passed) == {"P4", "P1"}
    for pid in ("P4", "P1"):
        np.testing.assert_array_equal(part.passed[pid], whole.passed[pid][pick])
        np.testing.assert_array_equal(part.measured[pid], whole.measured[pid][pick])
        np.testing.assert_array_equal(part.items[pid], whole.items[pid][pick])


def test_unknown_targets_are_refused_and_no_runs_give_no_scores(batches):
    runs, _ = batches["to 2019-03"]
    with pytest.raises(ValueError, match=r"target 'P7' is unknown; allowed: P1, P2, P3, P4, P5, "
                                         r"P6"):
        score_politics_runs(runs, ["P1", "P7"])
    with pytest.raises(ValueError, match="target 'C1' is unknown"):
        score_politics_runs(runs, ["C1"])
    empty = score_politics_runs([])
    assert empty.n == 0 and empty.rows() == [] and empty.items["P3"].shape == (0, 9)


def test_a_runs_tables_give_its_recorded_events_until_they_are_built():
    """LazyTables.recorded_events: the recorder's events of the run's world (what the scoring
    reads without building a table), the events table's rows; None once the tables are built."""
    cfg = dataclasses.replace(_politics(), end="2018-06")
    result = run_worlds([cfg], [3])[0]
    events = result.tables.recorded_events()
    assert events  # a politics hindcast's 18 months have events (agreements, protests...)
    table = result.tables["events"]  # builds the tables and lets the recorder go
    assert result.tables.recorded_events() is None
    assert [tuple(e[:4]) for e in events] == list(
        zip(*(table[c].tolist() for c in ("step", "kind", "actor", "target")), strict=True))
