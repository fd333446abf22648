"""Region coordinates and polygons for maps, read from the configuration a sweep or a run used
and from the map shipped with the package.

The coordinates live in one place, the world file (``configs/world/sahel.yaml``: admin-1 region
centroids from the dr5hn countries-states-cities database, docs/ODD.md section 2); this module only
reads them: from the base configuration a sweep saved (``base/<scenario>.yaml``), from a run
folder's ``config.yaml``, or from the project's world file itself. A synthetic world (``world.kind:
synthetic``) lists no regions; they are generated from ``world.synthetic`` by
:func:`sim.world.synthetic.generate_world`, as a run does (its geography depends on
``world.synthetic.world_seed`` only).

The polygons of the Sahel world's regions live in ``sim/world/data/sahel_admin1.geojson``
(Natural Earth 10 m admin-1, public domain; built by ``experiments/build_map.py``, its source in
docs/sources.md): :func:`region_shapes` reads them by region id, with the outlines of the states
around the world (:func:`context_shapes`), the state names' places (:func:`state_labels`) and
the capitals (:func:`capitals`). A world whose regions are not all on the map (a synthetic one)
is drawn at its coordinates instead (:func:`has_shapes`). Reading the map needs only the
standard library.

Layer rule (the project's house rules: analysis reads tables and saved configurations, never the
model or its API): nothing here imports Mesa, :mod:`sim.api` or the model; the configuration
layer (:mod:`sim.config`) and the world generator are imported where needed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["MAP_FILE", "capitals", "context_shapes", "has_shapes", "map_regions",
           "region_coordinates", "region_shapes", "state_labels", "world_file"]

COLUMNS = ["region", "name", "state", "lat", "lon"]

#: The map of the Sahel world: the regions' polygons, the states around, labels and capitals.
MAP_FILE = Path(__file__).resolve().parents[1] / "world" / "data" / "sahel_admin1.geojson"

#: A polygon: its rings of (longitude, latitude) points, the exterior first, then its holes.
Polygon = list[list[tuple[float, float]]]


@functools.lru_cache(maxsize=1)
def _map() -> dict[str, Any]:
    """The map's GeoJSON FeatureCollection (read once)."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def _features(kind: str) -> list[dict[str, Any]]:
    return [f for f in _map()["features"] if f["properties"].get("kind") == kind]


def _polygons(geometry: dict[str, Any]) -> list[Polygon]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]
    return [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polys]


def map_regions() -> pd.DataFrame:
    """The regions on the map: DataFrame[region, name, state, lat, lon] (lat, lon: the mean of
    each region's largest ring's vertices, for a label), in the map's order (the world's)."""
    rows = []
    for f in _features("region"):
        p = f["properties"]
        ring = max((poly[0] for poly in _polygons(f["geometry"])), key=len)
        rows.append({"region": p["region"], "name": p["name"], "state": p["state"],
                     "lat": sum(y for _, y in ring) / len(ring),
                     "lon": sum(x for x, _ in ring) / len(ring)})
    return pd.DataFrame(rows, columns=COLUMNS)


def region_shapes(regions: Iterable[str] | None = None) -> dict[str, list[Polygon]]:
    """The polygons of the map's regions, by region id (all of them, or those of ``regions``
    that are on the map), in the map's order."""
    wanted = None if regions is None else set(regions)
    return {f["properties"]["region"]: _polygons(f["geometry"]) for f in _features("region")
            if wanted is None or f["properties"]["region"] in wanted}


def has_shapes(regions: Iterable[str]) -> bool:
    """Whether every region of ``regions`` (ids) has its polygon on the map (and there is one)."""
    ids = set(regions)
    return bool(ids) and ids <= set(region_shapes())


def context_shapes() -> dict[str, list[Polygon]]:
    """The outlines of the states around the world that the model does not hold, by name."""
    return {f["properties"]["name"]: _polygons(f["geometry"]) for f in _features("context")}


def state_labels() -> pd.DataFrame:
    """Where each modelled state's name goes: DataFrame[state, lon, lat]."""
    return pd.DataFrame([{"state": f["properties"]["state"],
                          "lon": f["geometry"]["coordinates"][0],
                          "lat": f["geometry"]["coordinates"][1]} for f in _features("label")],
                        columns=["state", "lon", "lat"])


def capitals() -> pd.DataFrame:
    """The modelled states' capitals: DataFrame[name, state, lon, lat]."""
    return pd.DataFrame([{"name": f["properties"]["name"], "state": f["properties"]["state"],
                          "lon": f["geometry"]["coordinates"][0],
                          "lat": f["geometry"]["coordinates"][1]}
                         for f in _features("capital")],
                        columns=["name", "state", "lon", "lat"])


def _table(regions: list[Any]) -> pd.DataFrame:
    """The columns of :data:`COLUMNS` from typed regions (:class:`sim.config.RegionConfig`)."""
    rows = [{"region": r.id, "name": r.name, "state": r.state, "lat": float(r.lat),
             "lon": float(r.lon)} for r in regions]
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_config(cfg: Any) -> pd.DataFrame:
    """The regions of a typed run configuration; a synthetic world's are generated first."""
    if cfg.world.kind == "synthetic" and not cfg.world.regions:
        from sim.world.synthetic import generate_world

        cfg = generate_world(cfg)
    return _table(cfg.world.regions)


def _from_yaml(path: Path) -> pd.DataFrame:
    """The regions of a YAML file with a top-level ``world`` (a saved run configuration, or a
    world file of the config folder, which is a ``# @package _global_`` file).

    Raises:
        ValueError: the file has no ``world`` or its listed world has no regions.
    """
    from omegaconf import OmegaConf

    raw = OmegaConf.load(path)
    world = raw.get("world") if hasattr(raw, "get") else None
    if world is None:
        raise ValueError(f"{path} holds no world configuration (no top-level 'world')")
    if world.get("kind", "listed") == "listed":
        if not world.get("regions"):
            raise ValueError(f"{path} lists no regions (world.regions is empty)")
        rows = [{"region": str(r["id"]), "name": str(r.get("name", r["id"])),
                 "state": str(r["state"]), "lat": float(r["lat"]), "lon": float(r["lon"])}
                for r in world["regions"]]
        return pd.DataFrame(rows, columns=COLUMNS)
    # a generated world: its typed settings (schema defaults for what the file leaves out)
    from sim.config import RunConfig

    cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RunConfig),
                                              {"world": world}))
    return _from_config(cfg)


def world_file(name: str | None = None) -> Path:
    """The project's world file ``configs/world/<name>.yaml``.

    Args:
        name: The world's option name; default the one ``configs/config.yaml`` selects in its
            ``defaults`` list (``world: sahel``), so that the default is written in one place.

    Raises:
        FileNotFoundError: there is no such world file.
    """
    from omegaconf import OmegaConf

    from sim.config import config_dir

    folder = config_dir()
    if name is None:
        defaults = OmegaConf.to_container(OmegaConf.load(folder / "config.yaml")).get(
            "defaults", [])
        name = next((d["world"] for d in defaults if isinstance(d, dict) and "world" in d),
                    "sahel")
    path = folder / "world" / f"{name}.yaml"
    if not path.is_file():
        options = sorted(p.stem for p in (folder / "world").glob("*.yaml"))
        raise FileNotFoundError(f"world {name!r} has no file {path}; allowed: "
                                f"{', '.join(options)}")
    return path


@functools.lru_cache(maxsize=8)
def _default(overrides: tuple[str, ...]) -> pd.DataFrame:
    if not overrides:
        return _from_yaml(world_file())
    from sim.config import compose_config

    return _from_config(compose_config(list(overrides)))


def region_coordinates(source: Any = None, overrides: Sequence[str] = ()) -> pd.DataFrame:
    """The regions' ids, names, states and coordinates.

    Args:
        source: Where to read them:

            - None: the project's default world (its world file, ``configs/world/sahel.yaml``),
              or with ``overrides`` the world of the project's configuration composed with them
              (:func:`sim.config.compose_config`);
            - a sweep folder (its ``base/*.yaml``, the configuration its runs started from);
            - a run folder (its ``config.yaml``) or a saved config YAML file;
            - a :class:`sim.config.RunConfig` (a synthetic world is generated).
        overrides: Hydra overrides when ``source`` is None (``["scenario=synthetic"]``).

    Returns:
        DataFrame[region, name, state, lat, lon], one row per region in the world's order.

    Raises:
        FileNotFoundError: ``source`` is neither a config nor a folder or file holding one.
        ValueError: the saved configuration holds no world or no regions.
        sim.config.ConfigError: the overrides do not compose.
    """
    if source is None:
        return _default(tuple(overrides)).copy()
    if hasattr(source, "world"):  # a RunConfig
        return _from_config(source)
    path = Path(source)
    if path.is_dir():
        candidates = sorted((path / "base").glob("*.yaml")) + [path / "config.yaml"]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise FileNotFoundError(f"{path} holds no saved configuration (expected "
                                    f"{path / 'base'}/*.yaml or {path / 'config.yaml'})")
        return _from_yaml(found[0])
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return _from_yaml(path)
    raise FileNotFoundError(f"{path} is not a sweep or run folder nor a saved config YAML")
