"""One resolver for dotted configuration paths.

A path walks dataclass fields and mapping keys of :class:`~sim.config.schema.RunConfig`:
``params.resources.host_can_pay``, ``world.groups.jnim.recruit_rate``, ``rules.vacuum.russia``.
In sweeps, ``*`` stands for every key of a mapping (``world.groups.*.recruit_rate``).

Every user of a path goes through this module:

- command-line overrides, checked on the schema's types before Hydra composes anything
  (:func:`check_schema_path`);
- ``param`` events, which change a numeric field during a run (:func:`resolve_numeric`);
- sweeps, which set a design's values on a run's config (:func:`expand`, :func:`get`,
  :func:`assign`, :func:`bounds`);
- the model's copy-on-write of the objects an event changes (:func:`copy_along`).

Errors name the path, the key that does not exist, and what is allowed there.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from typing import Any

from sim.config.errors import ConfigError, check_name, suggest

__all__ = [
    "assign",
    "bounds",
    "check_schema_path",
    "children",
    "copy_along",
    "copy_paths",
    "expand",
    "get",
    "parent",
    "resolve_numeric",
    "schema_field",
]


def children(obj: Any) -> list[str]:
    """The names one step below ``obj``: a mapping's keys or a dataclass's fields."""
    if isinstance(obj, dict):
        return [str(k) for k in obj]
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    return []


def _child(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


def expand(root: Any, path: str, *, name: str | None = None,
           new_key: bool = True) -> list[list[str]]:
    """The concrete key lists a path names (``*`` expanded over a mapping's keys).

    Args:
        root: a config object (usually a :class:`RunConfig`).
        path: the dotted path.
        name: how errors name the path (default ``parameter path '<path>'``).
        new_key: the last key of a mapping may be new (``rules.vacuum.<power>`` for a power
            not listed); every other key must exist.

    Raises:
        ConfigError: a key that does not exist, with what is allowed there.
    """
    shown = name or f"parameter path {path!r}"
    parts = path.split(".") if path else []
    if not parts:
        raise ConfigError(f"{shown} is empty; allowed: a dotted path such as params.combat.tullock_m")
    out: list[list[str]] = []

    def walk(obj: Any, i: int, keys: list[str]) -> None:
        part, last = parts[i], i == len(parts) - 1
        names = children(obj)
        where = ".".join(keys) or "(top level)"
        if not names and not isinstance(obj, dict):
            raise ConfigError(f"{shown}: {where} is a value and has no field {part!r}")
        if part == "*":
            if not isinstance(obj, dict):
                raise ConfigError(f"{shown}: '*' needs a mapping at {where}")
            targets = names
        elif part in names or (last and new_key and isinstance(obj, dict)):
            targets = [part]
        else:
            raise ConfigError(f"{shown}: no {part!r} in {where}; " + suggest(part, names))
        for t in targets:
            if last:
                out.append([*keys, t])
            else:
                walk(_child(obj, t), i + 1, [*keys, t])

    walk(root, 0, [])
    return out


def parent(root: Any, keys: list[str]) -> Any:
    """The object holding the last key of a concrete key list."""
    obj = root
    for k in keys[:-1]:
        obj = _child(obj, k)
    return obj


def get(root: Any, keys: list[str]) -> Any:
    """The value at a concrete key list (None for a mapping key not yet there)."""
    holder = parent(root, keys)
    if isinstance(holder, dict):
        return holder.get(keys[-1])
    return getattr(holder, keys[-1])


def assign(root: Any, keys: list[str], value: Any) -> None:
    """Set the value at a concrete key list, in place."""
    holder = parent(root, keys)
    if isinstance(holder, dict):
        holder[keys[-1]] = value
    else:
        setattr(holder, keys[-1], value)


def bounds(root: Any, keys: list[str]) -> tuple[float | None, float | None, str] | None:
    """``(lo, hi, unit)`` of the field at a key list when the schema declares a range there
    (a :func:`~sim.config.schema.param` field); None otherwise."""
    holder = parent(root, keys)
    if isinstance(holder, dict) and len(keys) >= 2:
        # a mapping's values: the range its field declares for them (``values=(lo, hi, unit)``)
        owner = parent(root, keys[:-1])
        if dataclasses.is_dataclass(owner):
            for f in dataclasses.fields(owner):
                if f.name == keys[-2] and "values" in f.metadata:
                    return tuple(f.metadata["values"])  # type: ignore[return-value]
        return None
    if not dataclasses.is_dataclass(holder):
        return None
    for f in dataclasses.fields(holder):
        if f.name == keys[-1] and ("lo" in f.metadata or "hi" in f.metadata):
            return f.metadata.get("lo"), f.metadata.get("hi"), f.metadata.get("unit", "")
    return None


def copy_along(root: Any, path: str) -> Any:
    """A shallow copy of ``root`` in which every object along ``path`` (all but its last key) is
    itself a shallow copy, so that setting the value at the end changes the copy only; the
    objects off the path are shared. Returns the new root."""
    new_root = obj = copy.copy(root)
    for part in path.split(".")[:-1]:
        child = copy.copy(_child(obj, part))
        if isinstance(obj, dict):
            obj[part] = child
        else:
            setattr(obj, part, child)
        obj = child
    return new_root


def copy_paths(root: Any, key_lists: list[list[str]]) -> Any:
    """:func:`copy_along` of every key list at once: each object along any of them (all but
    its last key) is shallow-copied once, however many of the lists pass through it. Returns
    the new root."""
    new_root = copy.copy(root)
    copied: dict[tuple[str, ...], Any] = {(): new_root}
    for keys in key_lists:
        obj = new_root
        for i in range(len(keys) - 1):
            prefix = tuple(keys[:i + 1])
            child = copied.get(prefix)
            if child is None:
                child = copied[prefix] = copy.copy(_child(obj, keys[i]))
                if isinstance(obj, dict):
                    obj[keys[i]] = child
                else:
                    setattr(obj, keys[i], child)
            obj = child
    return new_root


def resolve_numeric(root: Any, path: str, name: str) -> tuple[Any, str]:
    """The object and attribute a ``param`` event changes: a numeric field under ``params.`` or
    ``world.powers.<p>.``, ``world.states.<s>.``, ``world.groups.<g>.``.

    Raises:
        ConfigError: naming ``name``, the path and what is allowed.
    """
    parts = path.split(".") if path else []
    if not parts or parts[0] not in ("params", "world"):
        raise ConfigError(f"{name}={path!r} is invalid; allowed: a numeric parameter under "
                          "params.* or world.powers/states/groups.*")
    obj: Any = root
    for i, part in enumerate(parts[:-1]):
        check_name(f"{name} ({'.'.join(parts[:i + 1])})", part, children(obj))
        obj = _child(obj, part)
    if not dataclasses.is_dataclass(obj):
        raise ConfigError(f"{name}={path!r} does not name a parameter")
    numeric = [f.name for f in dataclasses.fields(obj)
               if isinstance(getattr(obj, f.name), (int, float))
               and not isinstance(getattr(obj, f.name), bool)]
    check_name(f"{name} (field)", parts[-1], numeric)
    return obj, parts[-1]


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def schema_field(schema: type, path: list[str], shown: str) -> Any:
    """The type the schema declares at ``path`` (mapping keys may be anything; list items are
    not walked). Used on command-line overrides before a config exists.

    Raises:
        ConfigError: ``unknown parameter`` with the fields allowed where the path went wrong.
    """
    typ: Any = schema
    for i, part in enumerate(path):
        where = ".".join(path[:i]) or "(top level)"
        origin = typing.get_origin(typ)
        if origin is dict:
            typ = typing.get_args(typ)[1]
            continue
        if origin is list:
            return typ
        if not dataclasses.is_dataclass(typ):
            raise ConfigError(f"{shown}: {'.'.join(path[:i])} is a value and has no field {part!r}")
        hints = _hints(typ)
        if part not in hints:
            raise ConfigError(f"unknown parameter {shown!r} (no {part!r} in {where}); "
                              + suggest(part, list(hints)))
        typ = hints[part]
    return typ


def check_schema_path(schema: type, path: str) -> None:
    """Raise ConfigError unless the dotted ``path`` names a field of ``schema``."""
    schema_field(schema, path.split("."), path)
