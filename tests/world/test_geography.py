"""The Sahel world's geography: census populations, Chad's Lake Chad region, land-border
adjacency and towns (docs/ODD.md sections 2 and 6).

The figures the tests compare against are copied here from the project's sources
(docs/sources.md section 6a, docs/sources-politics.md section 4), so that a config edit that
drifts from them fails.
"""

from __future__ import annotations

import copy
import math
import re
from collections import deque

import numpy as np
import pytest
from paths import ROOT

from sim import RunConfig, load_config
from sim.config import ConfigError, config_dir
from sim.model import SahelModel
from sim.engine.prepare import prepare
from sim.world.build import World, build_world, knn_edges
from tests.worlds import tiny_world


#: State totals the config used before the census split [F 6a, source B] (calibration keeps them).
STATE_TOTALS = {"mali": 22_395_489, "burkina_faso": 24_070_553, "niger": 26_312_034,
                "chad": 19_340_757}
#: Census counts [P 4a, 4b, 4c].
BAMAKO_2009, KIDAL_2009 = 1_810_366, 67_739
BURKINA_2006 = {"BF-01": 1_442_749, "BF-03": 1_727_390, "BF-12": 968_442, "BF-02": 531_808}
NIGER_2012 = {"NE-8": 1_026_848, "NE-6": 2_722_482, "NE-1": 487_620}
#: Land neighbours among the modelled states [F 6a].
STATE_BORDERS = {("mali", "burkina_faso"), ("mali", "niger"), ("mali", "guinea"),
                 ("mali", "senegal"), ("mali", "mauritania"), ("mali", "cote_divoire"),
                 ("burkina_faso", "niger"), ("burkina_faso", "cote_divoire"), ("niger", "chad"),
                 ("guinea", "senegal"), ("guinea", "cote_divoire"), ("mauritania", "senegal")}
NDJAMENA = (12.10, 15.033)  # [F 6a]


@pytest.fixture(scope="module")
def cfg() -> RunConfig:
    return load_config(["end=2019-03"])


@pytest.fixture(scope="module")
def world(cfg: RunConfig) -> World:
    return build_world(cfg)


def _pop(world: World, region: str) -> float:
    return float(world.population[world.region_ids.index(region)])


def _neighbours(world: World, region: str) -> set[str]:
    i = world.region_ids.index(region)
    return {world.region_ids[j] for j in world.edge_dst[world.edge_src == i]}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (p1, l1), (p2, l2) = (tuple(map(math.radians, x)) for x in (a, b))
    c = (math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(l1 - l2))
    return 6371.0 * math.acos(min(1.0, c))


def _bad(cfg: RunConfig, edit) -> ConfigError:
    """The ConfigError raised by checking a copy of ``cfg`` changed by ``edit(copy)``."""
    bad = copy.deepcopy(cfg)
    edit(bad)
    with pytest.raises(ConfigError) as info:
        prepare(bad, remember=False)
    return info.value


# --------------------------------------------------------------------------- populations


def test_each_state_keeps_the_total_the_calibration_used(world: World):
    for state, total in STATE_TOTALS.items():
        got = world.state_population[world.state_ids.index(state)]
        assert got == pytest.approx(total, abs=0.5), state


def test_regions_follow_the_census_shares_not_an_equal_split(world: World):
    """Bamako and Kidal differ by the 2009 census ratio (about 27x), and so do other pairs."""
    assert _pop(world, "ML-BKO") / _pop(world, "ML-8") == pytest.approx(
        BAMAKO_2009 / KIDAL_2009, rel=1e-4)
    for a, b in (("BF-03", "BF-02"), ("BF-01", "BF-12")):
        assert _pop(world, a) / _pop(world, b) == pytest.approx(
            BURKINA_2006[a] / BURKINA_2006[b], rel=1e-4)
    for a, b in (("NE-6", "NE-8"), ("NE-8", "NE-1")):
        assert _pop(world, a) / _pop(world, b) == pytest.approx(
            NIGER_2012[a] / NIGER_2012[b], rel=1e-4)


def test_menaka_and_taoudenit_come_out_of_gao_and_tombouctou(world: World):
    """Ménaka and Taoudénit were inside Gao and Tombouctou in 2009: the two pairs together keep
    the 2009 shares of Gao (542,304) and Tombouctou (674,793) in Mali's total of 14,528,662."""
    mali = STATE_TOTALS["mali"] / 14_528_662
    assert _pop(world, "ML-7") + _pop(world, "ML-9") == pytest.approx(542_304 * mali, rel=1e-5)
    assert _pop(world, "ML-6") + _pop(world, "ML-10") == pytest.approx(674_793 * mali, rel=1e-5)
    assert 0 < _pop(world, "ML-9") < _pop(world, "ML-7")
    assert 0 < _pop(world, "ML-10") < _pop(world, "ML-6")


def test_grade_l_census_values_are_marked_in_the_config():
    """The eight Burkina Faso regions whose 2006 count is 'unsourced (memory)' (grade L in
    docs/sources-politics.md section 4b) carry `grade L` on their config line; no other does."""
    table = (ROOT / "docs" / "sources-politics.md").read_text()
    section = table[table.index("### 4b."):table.index("### 4c.")]
    low = {m.group(1).strip() for m in re.finditer(r"^\| ([^|]+?) \| [\d,]+ \|.*\| L \|$",
                                                    section, re.MULTILINE)}
    assert len(low) == 8
    lines = (config_dir() / "world" / "sahel.yaml").read_text().splitlines()
    marked = {re.search(r"name: ([^,]+),", ln).group(1) for ln in lines
              if "state: burkina_faso" in ln and "grade L" in ln}
    assert marked == low


# --------------------------------------------------------------------------- Chad


def test_chad_keeps_lake_chad_apart_from_ndjamena(cfg: RunConfig, world: World):
    chad = [r for r in cfg.world.regions if r.state == "chad"]
    assert len(chad) >= 2
    lac = next(r for r in chad if r.id == "TD-LC")
    assert _km((lac.lat, lac.lon), NDJAMENA) > 100
    assert 0 < lac.population < 0.1 * STATE_TOTALS["chad"]
    assert _neighbours(world, "TD-LC") == {"TD-ND", "NE-2"}  # across the lake to Diffa


def test_chads_insurgents_start_around_the_lake(cfg: RunConfig):
    """Both snapshots put Chad's IS-linked fighters and its contested control in Lac."""
    chad = {r.id for r in cfg.world.regions if r.state == "chad"}
    for date, snap in cfg.world.snapshots.items():
        held = {r for by_region in snap.fighters.values() for r in by_region if r in chad}
        assert held == {"TD-LC"}, date
        assert {r for r in snap.control if r in chad} == {"TD-LC"}, date


# --------------------------------------------------------------------------- adjacency


def test_adjacency_is_symmetric_and_every_region_has_a_neighbour(world: World):
    pairs = set(zip(world.edge_src.tolist(), world.edge_dst.tolist()))
    assert all((d, s) in pairs for s, d in pairs)
    assert all(s != d for s, d in pairs)
    assert np.bincount(world.edge_src, minlength=world.n_regions).min() >= 1


@pytest.mark.parametrize("state", ["mali", "burkina_faso", "niger", "chad"])
def test_each_host_state_is_connected_through_its_own_borders(world: World, state: str):
    si = world.state_ids.index(state)
    own = set(np.flatnonzero(world.region_state == si).tolist())
    start = min(own)
    seen, todo = {start}, deque([start])
    while todo:
        i = todo.popleft()
        for j in world.edge_dst[world.edge_src == i].tolist():
            if j in own and j not in seen:
                seen.add(j)
                todo.append(j)
    assert seen == own


def test_neighbours_share_land_borders(world: World):
    assert {"ML-7", "ML-6"} <= _neighbours(world, "ML-8")  # Kidal: Gao and Tombouctou
    assert "ML-BKO" not in _neighbours(world, "ML-8")
    assert _neighbours(world, "ML-BKO") == {"ML-2"}  # Bamako lies inside Koulikoro
    assert _neighbours(world, "NE-8") == {"NE-6"}  # Niamey lies inside Tillabéri
    assert {"NE-8", "ML-9", "ML-7", "BF-12", "BF-08"} <= _neighbours(world, "NE-6")
    assert "NE-7" not in _neighbours(world, "NE-6")  # Zinder is 700 km east
    # the k nearest points linked Guinea to Mauritania, which share no border
    assert "MR" not in _neighbours(world, "GN")


def test_state_adjacency_is_the_states_land_borders(world: World):
    s = world.state_ids
    got = {(s[i], s[j]) for i, j in zip(*np.nonzero(np.triu(world.state_adjacency)))}
    want = {tuple(sorted(p, key=s.index)) for p in STATE_BORDERS}
    assert got == want


def test_fighters_move_only_across_borders(cfg: RunConfig):
    """After one month, fighters appear only in regions that held some or border one that did."""
    model = SahelModel(cfg)
    w = model.world
    before = model.state.fighters[0].sum(axis=0) > 0
    model.step()
    after = model.state.fighters[0].sum(axis=0) > 0
    reachable = before.copy()
    reachable[w.edge_dst[before[w.edge_src]]] = True
    assert after.any() and not (after & ~reachable).any()
    assert (after & ~before).any()  # some did move


def test_worlds_without_a_border_list_use_the_k_nearest_regions():
    cfg = tiny_world(n_states=2, regions_per_state=3)
    assert not cfg.world.neighbours
    w = build_world(cfg)
    lat = np.array([r.lat for r in cfg.world.regions])
    lon = np.array([r.lon for r in cfg.world.regions])
    src, dst = knn_edges(lat, lon, cfg.world.adjacency_k)
    assert np.array_equal(w.edge_src, src) and np.array_equal(w.edge_dst, dst)


def test_a_border_list_replaces_the_k_nearest_regions():
    cfg = copy.deepcopy(tiny_world(n_states=2, regions_per_state=2))
    cfg.world.neighbours = {"ML-1": ["ML-2"], "ML-2": ["ML-1", "NE-1"], "NE-1": ["ML-2", "NE-2"],
                            "NE-2": ["NE-1"]}
    w = build_world(prepare(cfg, remember=False))
    ids = w.region_ids
    got = {(ids[s], ids[d]) for s, d in zip(w.edge_src, w.edge_dst)}
    want = {(r, n) for r, listed in cfg.world.neighbours.items() for n in listed}
    assert got == want


# --------------------------------------------------------------------------- validation


def test_a_bad_neighbour_id_is_an_error_naming_the_field(cfg: RunConfig):
    err = _bad(cfg, lambda c: c.world.neighbours["ML-8"].append("ML-88"))
    assert "world.neighbours.ML-8" in str(err) and "ML-88" in str(err)
    assert "ML-8" in str(err).split("allowed")[1]  # did you mean


def test_an_unknown_region_key_is_an_error(cfg: RunConfig):
    err = _bad(cfg, lambda c: c.world.neighbours.update({"XX-1": ["ML-8"]}))
    assert "world.neighbours key" in str(err) and "XX-1" in str(err)


def test_a_region_listing_itself_is_an_error(cfg: RunConfig):
    err = _bad(cfg, lambda c: c.world.neighbours["ML-8"].append("ML-8"))
    assert "world.neighbours.ML-8 lists ML-8 itself" in str(err)


def test_a_border_listed_from_one_side_only_is_an_error(cfg: RunConfig):
    err = _bad(cfg, lambda c: c.world.neighbours["ML-BKO"].append("ML-8"))
    assert "world.neighbours.ML-BKO lists ML-8" in str(err)
    assert "world.neighbours.ML-8 does not list ML-BKO" in str(err) and "symmetric" in str(err)


def test_a_region_without_neighbours_is_an_error(cfg: RunConfig):
    def drop_bamako(c: RunConfig) -> None:
        del c.world.neighbours["ML-BKO"]
        c.world.neighbours["ML-2"].remove("ML-BKO")

    err = _bad(cfg, drop_bamako)
    assert "ML-BKO" in str(err) and "at least one neighbour" in str(err)


def test_urban_share_out_of_range_is_an_error(cfg: RunConfig):
    def edit(c: RunConfig) -> None:
        c.world.regions[0].urban_share = 1.5

    err = _bad(cfg, edit)
    assert "world.regions[0].urban_share=1.5" in str(err) and "[0, 1]" in str(err)


# --------------------------------------------------------------------------- towns


def test_capital_districts_are_towns_and_the_countryside_is_not(world: World):
    urban = dict(zip(world.region_ids, world.urban_share))
    assert urban["ML-BKO"] == urban["NE-8"] == 1.0
    assert urban["BF-03"] > 0.5  # Centre is mostly Ouagadougou
    hosts = [world.state_ids.index(s) for s in ("mali", "burkina_faso", "niger", "chad")]
    rural = [r for r, s in zip(world.region_ids, world.region_state)
             if s in hosts and r not in ("ML-BKO", "NE-8", "BF-03")]
    assert all(urban[r] < 0.3 for r in rural)


def test_malis_urban_share_is_the_2009_census_figure(world: World):
    """INSTAT: 22.5% of Mali's people lived in towns in 2009 [P 4a]."""
    mali = world.region_state == world.state_ids.index("mali")
    share = (world.population * world.urban_share)[mali].sum() / world.population[mali].sum()
    assert share == pytest.approx(0.225, abs=0.002)
