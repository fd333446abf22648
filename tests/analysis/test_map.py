"""The map shipped with the package (sim/world/data/sahel_admin1.geojson, built by
experiments/build_map.py from Natural Earth): every world region has its polygon, the polygons
border one another as the world's land borders say, and the figures draw them."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from matplotlib.collections import PatchCollection
from paths import ROOT

from sim import load_config
from sim.analysis import figures as F
from sim.analysis import geo


@pytest.fixture(scope="module")
def world():
    return load_config([]).world


def test_every_world_region_has_its_polygon_and_nothing_else(world):
    shapes = geo.region_shapes()
    assert list(shapes) == [r.id for r in world.regions]  # the world's order
    for rid, polys in shapes.items():
        assert polys, rid
        for poly in polys:
            assert len(poly[0]) >= 4 and poly[0][0] == poly[0][-1], rid  # closed rings
    names = geo.map_regions().set_index("region")
    for r in world.regions:
        assert (names.loc[r.id, "name"], names.loc[r.id, "state"]) == (r.name, r.state)
    assert geo.has_shapes([r.id for r in world.regions])
    assert not geo.has_shapes(["R0", "ML-1"]) and not geo.has_shapes([])


def _area(ring) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


def test_each_region_holds_its_own_point_and_lies_where_its_state_is(world):
    """The world file's representative point of each region is inside its polygon (or within
    half a degree of it, for the points on a coast or a border), and the polygons cover the
    Sahel's longitudes and latitudes."""
    from matplotlib.path import Path as MplPath

    shapes = geo.region_shapes()
    for r in world.regions:
        paths = [MplPath(poly[0]) for poly in shapes[r.id]]
        assert any(p.contains_point((r.lon, r.lat), radius=0.5) or
                   p.contains_point((r.lon, r.lat), radius=-0.5) for p in paths), r.id
    # Mali is the largest modelled state after Chad, Niger's Agadez its largest region
    area = {rid: sum(_area(p[0]) for p in polys) for rid, polys in shapes.items()}
    assert max((a, rid) for rid, a in area.items() if rid.startswith("NE"))[1] == "NE-1"
    # Ménaka and Taoudénit, cut out of Natural Earth's Gao and Tombouctou by judgement lines:
    # Ménaka east of Gao, Taoudénit north of Tombouctou
    lon = {rid: [x for poly in shapes[rid] for x, _ in poly[0]] for rid in ("ML-7", "ML-9")}
    lat = {rid: [y for poly in shapes[rid] for _, y in poly[0]] for rid in ("ML-6", "ML-10")}
    assert max(lon["ML-7"]) <= min(lon["ML-9"]) + 1e-9
    assert max(lat["ML-6"]) <= min(lat["ML-10"]) + 1e-9
    assert area["ML-10"] > area["ML-8"]


def test_the_polygons_border_each_other_as_the_worlds_land_borders_say(world):
    """Two regions share a border on the map (at least two common vertices: the builder
    simplifies each shared border once) exactly when the world lists them as neighbours."""
    vertices = {rid: {pt for poly in polys for ring in poly for pt in ring}
                for rid, polys in geo.region_shapes().items()}
    touching = {frozenset(pair) for pair in itertools.combinations(vertices, 2)
                if len(vertices[pair[0]] & vertices[pair[1]]) >= 2}
    listed = {frozenset((a, b)) for a, bs in world.neighbours.items() for b in bs}
    assert touching == listed


def test_the_map_is_small_and_says_where_it_comes_from():
    assert geo.MAP_FILE.stat().st_size < 300_000
    meta = json.loads(geo.MAP_FILE.read_text(encoding="utf-8"))["metadata"]
    assert "Natural Earth" in meta["source"] and "public domain" in meta["licence"]
    assert meta["built_by"] == "experiments/build_map.py"
    assert (ROOT / meta["built_by"]).is_file()
    assert set(geo.capitals()["state"]) == set(geo.state_labels()["state"]) == {
        "mali", "burkina_faso", "niger", "chad", "mauritania", "senegal", "guinea",
        "cote_divoire"}
    assert "Algeria" in geo.context_shapes()


def test_the_map_is_read_without_any_gis_package():
    import subprocess
    import sys

    code = ("import sys; from sim.analysis import geo; geo.region_shapes(); "
            "print(sorted(m for m in ('shapely', 'geopandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def _regions_at_end() -> pd.DataFrame:
    coords = geo.region_coordinates()
    return pd.DataFrame({"date": "2025-12-01", "region": coords["region"],
                         "state": coords["state"],
                         "control": [i / len(coords) for i in range(len(coords))],
                         "fatalities": [float(i) for i in range(len(coords))]})


def test_region_map_draws_the_polygons_of_every_region():
    coords = geo.region_coordinates()
    regions = _regions_at_end()
    fig = F.region_map(coords, regions=regions, colour_by="control")
    ax = fig.axes[0]
    colls = [c for c in ax.collections if isinstance(c, PatchCollection)]
    n_polys = sum(len(p) for p in geo.region_shapes().values())
    coloured = [c for c in colls if c.get_array() is not None]
    assert len(coloured) == 1 and len(coloured[0].get_paths()) == n_polys
    # one value per polygon, each its region's control
    expected = [v for rid, v in zip(regions["region"], regions["control"], strict=True)
                for _ in geo.region_shapes()[rid]]
    assert coloured[0].get_array().tolist() == pytest.approx(expected)
    texts = {t.get_text() for t in ax.texts}
    assert {"Mali", "Burkina Faso", "Niger", "Chad", "Bamako", "Ouagadougou", "Niamey",
            "N'Djamena"} <= texts
    assert "2025-12" in ax.get_title()


def test_map_layer_gives_each_region_a_value_a_text_and_a_colour():
    coords = geo.region_coordinates()
    layer = F.map_layer(coords, regions=_regions_at_end(), colour_by="fatalities")
    assert layer.log and layer.date == "2025-12"
    t = layer.table.set_index("region")
    assert t.loc["ML-1", "text"] == "1 deaths" and t.loc["ML-BKO", "value"] == 0.0
    assert t["colour"].str.match(r"^#[0-9a-f]{6}$").all()
    presence = pd.DataFrame({"date": "2025-12-01", "state": ["mali", "mali", "niger"],
                             "power": ["russia", "france", "france"],
                             "influence": [0.5, 0.2, 0.0]})
    partner = F.map_layer(coords, presence=presence, colour_by="partner").table
    partner = partner.set_index("region")
    assert partner.loc["ML-1", "value"] == "Russia"
    assert partner.loc["NE-1", "value"] == "no partner / no data"
