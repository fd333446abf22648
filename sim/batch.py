"""Worlds with different parameter values in one batch of the engine.

The engine (:class:`sim.model.SahelModel`) steps B worlds at once. Each world has its own seed
and its own config; the configs of a batch may differ in their *values*, not in their
*structure*:

- **values** (one per world, arrays over the batch axis): every number (int or float, not bool)
  of the ``params``, ``rules`` and ``scenario`` sections, and every number of the world's states,
  powers and groups (their per-entity values: army effectiveness, budgets, unit costs, rates...).
  The model reads a section's number as a ``[B, 1]`` array (:func:`stack_config`; it broadcasts
  against ``[B, S]`` or ``[B, R]`` arrays as a number would) and the world's per-entity arrays
  with a leading batch axis (:func:`sim.world.build.stack_worlds`);
- **structure** (shared by the batch): everything else (the regions, the snapshots, the dated
  events, the rules' names, the dates, every bool and text) and the sign (negative, zero or
  positive) of every value above, so that a branch the model takes on ``value > 0`` is taken
  alike by every world of a batch, as by each world alone.

:func:`structure_key` names a config's structure: configs with the same key can share a batch
(:func:`group_by_structure`). A world's results never depend on its batch (docs/ODD.md section
3.1): the same world gives the same numbers alone, beside worlds with the same values, or
beside worlds with other values.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.config import RunConfig
from sim.config.hashing import dumps, field_names

__all__ = ["VALUE_SECTIONS", "BatchStructureError", "group_by_structure", "stack_config",
           "stack_section", "structure_key", "world_value"]

#: The sections whose numbers are per-world values (``[B, 1]`` arrays in a batch's config).
VALUE_SECTIONS = ("params", "rules", "scenario")
#: The world's mappings whose entries' numbers are per-world values (the World's arrays).
_WORLD_ENTITIES = ("states", "powers", "groups")


class BatchStructureError(ValueError):
    """Configs that differ in structure (not only in values) were put in one batch."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _sign(v: Any) -> str:
    return "+" if v > 0 else ("-" if v < 0 else "0")


def _blank(value: Any) -> Any:
    """A value as plain data (dataclasses as dicts of their fields, tuples as lists) with every
    number replaced by its sign (lists, mappings and dataclasses walked)."""
    kind = type(value)
    if kind is float or kind is int:
        return _sign(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is dict:
        return {k: _blank(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_blank(v) for v in value]
    names = None if isinstance(value, type) else field_names(kind)
    if names is not None:
        return {name: _blank(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_blank(v) for v in value]
    return _sign(value) if _is_number(value) else value


def structure_key(cfg: RunConfig) -> str:
    """The config's structure (see the module docstring) as a short hex digest: two configs with
    the same key can run in one batch. The seed and the ``metrics`` section (read only by the
    summaries, world by world) are not part of it.

    The numbers of the value sections and of the world's entities are walked in Python (each
    replaced by its sign); the rest (regions, snapshots, dated events...) is left to the JSON
    encoder (:func:`sim.config.hashing.dumps`)."""
    plain = {name: getattr(cfg, name) for name in field_names(type(cfg)) or ()
             if name not in ("seed", "metrics", "output")}
    for section in VALUE_SECTIONS:
        if section != "scenario":
            plain[section] = _blank(plain.get(section))
    # the dated events are structure, their values included
    scenario = cfg.scenario
    plain["scenario"] = {name: _blank(getattr(scenario, name)) if name != "events" else
                         scenario.events for name in field_names(type(scenario)) or ()}
    world = cfg.world
    plain["world"] = {name: _blank(getattr(world, name)) if name in _WORLD_ENTITIES else
                      getattr(world, name) for name in field_names(type(world)) or ()}
    text = dumps(plain)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def group_by_structure(cfgs: Sequence[RunConfig]) -> list[list[int]]:
    """The indices of ``cfgs`` grouped by :func:`structure_key`, in the order of each group's
    first config (a group of configs that are the same object is found without hashing)."""
    groups: dict[str, list[int]] = {}
    keys: dict[int, str] = {}
    for i, cfg in enumerate(cfgs):
        key = keys.get(id(cfg))
        if key is None:
            key = keys[id(cfg)] = structure_key(cfg)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def stack_config(cfgs: Sequence[RunConfig]) -> RunConfig:
    """One config for a batch: a copy of ``cfgs[0]`` whose ``params``, ``rules`` and
    ``scenario`` numbers are ``[B, 1]`` arrays of the B configs' values (float64 for a float
    field, int64 for an int field); everything else is the first config's (the configs must
    share it: same :func:`structure_key`).

    Raises:
        BatchStructureError: a non-number of these sections differs between two configs (naming
            its path).
    """
    if not cfgs:
        raise BatchStructureError("configs: an empty batch; allowed: at least one config")
    out = copy.copy(cfgs[0])
    for section in VALUE_SECTIONS:
        setattr(out, section, stack_section(section, [getattr(c, section) for c in cfgs]))
    return out


def stack_section(path: str, objs: Sequence[Any]) -> Any:
    """One section (or value) for a batch from the worlds' ``objs`` at ``path``: dataclasses
    field by field, numbers as a ``[B, 1]`` array, anything else the first's (which must equal
    the others').

    Raises:
        BatchStructureError: a non-number differs between two of ``objs`` (naming its path).
    """
    first = objs[0]
    same = all(o is first for o in objs)  # one object (a config with many seeds): no comparison
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        out = copy.copy(first)
        for f in dataclasses.fields(first):
            # stacking copies a field, it does not use it: object.__getattribute__ leaves a
            # subclass's view of which fields the model reads (tests/test_docs.py) unchanged
            values = ([object.__getattribute__(first, f.name)] * len(objs) if same
                      else [object.__getattribute__(o, f.name) for o in objs])
            object.__setattr__(out, f.name, stack_section(f"{path}.{f.name}", values))
        return out
    if _is_number(first):
        if same:
            dtype = np.float64 if isinstance(first, (float, np.floating)) else np.int64
            return np.full((len(objs), 1), first, dtype=dtype)
        if any(not _is_number(o) for o in objs):
            raise BatchStructureError(f"{path}: a number in one config, not in another")
        floats = any(isinstance(o, (float, np.floating)) for o in objs)
        return np.array(objs, dtype=np.float64 if floats else np.int64).reshape(-1, 1)
    if not same and any(o is not first and o != first for o in objs[1:]):
        raise BatchStructureError(f"{path}: differs between the configs of a batch ({first!r}); "
                                  "allowed: only numbers differ within a batch")
    return first


def world_value(x: np.ndarray, b: int) -> Any:
    """World ``b``'s value of a stacked number (a ``[B, 1]`` array) as a Python number."""
    return x[b, 0].item()
