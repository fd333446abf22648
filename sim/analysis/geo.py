"""Region coordinates for maps, read from the configuration a sweep or a run used.

The coordinates live in one place, the world file (``configs/world/sahel.yaml``: admin-1 region
centroids from the dr5hn countries-states-cities database, docs/ODD.md section 2); this module only
reads them, from the base configuration a sweep saved (``base/<scenario>.yaml``), from a run
folder's ``config.yaml``, or by composing the project's config (:func:`sim.api.load_config`).
None of these imports Mesa.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["region_coordinates"]

COLUMNS = ["region", "name", "state", "lat", "lon"]


def _table(regions: list[Any]) -> pd.DataFrame:
    rows = [{"region": r.id, "name": r.name, "state": r.state, "lat": float(r.lat),
             "lon": float(r.lon)} for r in regions]
    return pd.DataFrame(rows, columns=COLUMNS)


def _from_yaml(path: Path) -> pd.DataFrame:
    """The regions of a saved run configuration (a composed ``RunConfig`` as YAML)."""
    from omegaconf import OmegaConf

    raw = OmegaConf.load(path)
    world = raw.get("world") if hasattr(raw, "get") else None
    if world is not None and world.get("kind", "listed") == "listed" and world.get("regions"):
        rows = [{"region": str(r["id"]), "name": str(r.get("name", r["id"])),
                 "state": str(r["state"]), "lat": float(r["lat"]), "lon": float(r["lon"])}
                for r in world["regions"]]
        return pd.DataFrame(rows, columns=COLUMNS)
    # a generated (synthetic) world: rebuild the typed config and let validation generate it
    from sim.config import RunConfig, validate

    cfg = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RunConfig), raw))
    return _table(validate(cfg).world.regions)


@functools.lru_cache(maxsize=8)
def _composed(overrides: tuple[str, ...]) -> pd.DataFrame:
    from sim.api import load_config
    from sim.config import validate

    return _table(validate(load_config(list(overrides))).world.regions)


def region_coordinates(source: Any = None, overrides: Sequence[str] = ()) -> pd.DataFrame:
    """The regions' ids, names, states and coordinates.

    Args:
        source: Where to read them:

            - None: the world of the project's config composed with ``overrides`` (default
              the Sahel world);
            - a sweep folder (its ``base/*.yaml``, the configuration its runs started from);
            - a run folder (its ``config.yaml``) or a saved config YAML file;
            - a :class:`sim.config.RunConfig` (validated: synthetic worlds are generated).
        overrides: Hydra overrides when ``source`` is None (``["scenario=synthetic"]``).

    Returns:
        DataFrame[region, name, state, lat, lon], one row per region in the world's order.

    Raises:
        FileNotFoundError: ``source`` is neither a config nor a folder or file holding one.
        sim.config.ConfigError: the overrides do not compose.
    """
    if source is None:
        return _composed(tuple(overrides)).copy()
    if hasattr(source, "world"):  # a RunConfig
        from sim.config import validate

        cfg = source if source.world.regions else validate(source)
        return _table(cfg.world.regions)
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
