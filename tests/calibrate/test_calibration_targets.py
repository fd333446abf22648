"""The calibration's distances: each target's items scaled by their tolerance, each way."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calibrate.targets import (
    CAP,
    HELD_OUT,
    MISSING,
    PRE_2020,
    deviation,
    pattern_bands,
    target_distances,
)
from sim.validate import patterns as P
from sim.validate.batch import ITEMS
from sim.validate.politics_batch import POLITICS_BANDS, POLITICS_ITEMS


def test_inside_the_band_is_zero_and_one_tolerance_out_is_one() -> None:
    lo, hi = np.array([10.0]), np.array([40.0])  # a factor of 2 either side of 20
    inside = deviation(np.array([[10.0], [20.0], [40.0]]), lo, hi, "log")
    assert inside.tolist() == [[0.0], [0.0], [0.0]]
    # a tolerance in logs is half the band: log1p(40) - log1p(10) over 2
    half = (math.log1p(40.0) - math.log1p(10.0)) / 2
    out = deviation(np.array([[math.expm1(math.log1p(40.0) + half)]]), lo, hi, "log")
    assert out[0, 0] == pytest.approx(1.0)
    below = deviation(np.array([[math.expm1(math.log1p(10.0) - 2 * half)]]), lo, hi, "log")
    assert below[0, 0] == pytest.approx(2.0)


def test_linear_bands_scale_by_their_half_width() -> None:
    lo, hi = np.array([0.35]), np.array([0.65])  # 0.5 +- 0.15
    got = deviation(np.array([[0.5], [0.80], [0.05]]), lo, hi, "linear")
    assert got[:, 0] == pytest.approx([0.0, 1.0, 2.0])


def test_flags_missing_values_and_the_cap() -> None:
    assert deviation(np.array([[1.0], [0.0]]), np.ones(1), np.ones(1), "flag")[:, 0].tolist() \
        == [0.0, 1.0]
    assert deviation(np.array([[np.nan]]), np.zeros(1), np.ones(1), "linear")[0, 0] == MISSING
    # France gone (a cost of 0 against USD 0.66-1.1bn) is many tolerances out: capped
    assert deviation(np.array([[0.0]]), np.array([6.6e8]), np.array([1.1e9]), "log")[0, 0] == CAP
    with pytest.raises(ValueError, match="kind: 'cubic' is unknown"):
        deviation(np.zeros((1, 1)), np.zeros(1), np.ones(1), "cubic")


def test_every_band_matches_its_items() -> None:
    for pid, (lo, hi, kind) in {**pattern_bands(), **POLITICS_BANDS}.items():
        names = ITEMS.get(pid) or POLITICS_ITEMS[pid]
        assert len(lo) == len(hi) == len(names), pid
        assert kind in ("log", "linear", "flag")
        assert (np.asarray(lo) <= np.asarray(hi)).all(), pid
    # C1's band is the reported fatalities / 2 .. x 2, from the patterns' constants
    lo, hi, _ = pattern_bands()["C1"]
    assert lo[0] * P.FATALITY_FACTOR ** 2 == pytest.approx(hi[0])


def test_the_pre_2020_targets_hold_out_what_is_dated_later() -> None:
    assert not set(PRE_2020) & set(HELD_OUT)
    assert set(HELD_OUT) == {"C7", "C8"}


def _items(pid: str, n: int, value: float) -> np.ndarray:
    names = ITEMS.get(pid) or POLITICS_ITEMS[pid]
    return np.full((n, len(names)), value)


def test_a_target_is_the_root_mean_square_of_its_items() -> None:
    lo, hi, _ = pattern_bands()["C4"]
    k = len(lo)
    values = np.tile((lo + hi) / 2, (2, 1))  # both runs inside every band
    values[1, 0] = hi[0] + (hi[0] - lo[0])  # run 1: one item two tolerances out
    got = target_distances(["C4"], {"C4": values}, {}, {})["C4"]
    assert got[0] == 0.0
    assert got[1] == pytest.approx(math.sqrt(4.0 / k))


def test_c2_the_onset_year_and_the_jump() -> None:
    # Burkina Faso: 117, 303, 2,220 (the record): onset 2019, jump x7.3 -> 0
    record = np.array([[117.0, 303.0, 2220.0, 2220.0 / 303.0]])
    never = np.array([[100.0, 200.0, 500.0, 2.5]])  # never past 1,000: one tolerance + short
    early = np.array([[1500.0, 1600.0, 1700.0, np.nan]])  # 2017: in time, no jump seen
    got = target_distances(["C2"], {"C2": np.concatenate([record, never, early])}, {}, {})
    assert got["C2"][0] == 0.0
    assert got["C2"][1] > 1.0
    assert got["C2"][2] > 0.0


def test_c3_c7_c8_read_their_measured_statistic() -> None:
    measured = {"C3": np.array([150.0, 400.0]), "C7": np.array([9000.0, np.nan]),
                "C8": np.array([1.0, 0.5])}
    got = target_distances(["C3", "C7", "C8"], {}, measured, {})
    assert got["C3"][0] == 0.0 and got["C3"][1] > 0.0
    assert got["C7"][0] == 0.0 and got["C7"][1] == MISSING
    assert got["C8"][0] == 0.0 and got["C8"][1] == pytest.approx(0.5)


def test_politics_targets_use_their_bands_and_unknown_targets_are_named() -> None:
    p4 = target_distances(["P4"], {"P4": np.array([[1.0], [0.0]])}, {}, POLITICS_BANDS)["P4"]
    assert p4.tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="target 'P9' has no distance"):
        target_distances(["P9"], {}, {}, POLITICS_BANDS)
