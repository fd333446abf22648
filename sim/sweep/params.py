"""Setting an experiment's parameters on a run's typed config, by dotted path.

A path walks dataclass fields and mapping keys of :class:`sim.config.RunConfig`:
``params.resources.host_can_pay``, ``world.groups.jnim.recruit_rate``, ``rules.vacuum.russia``,
``scenario.exclude_events``. ``*`` stands for every key of a mapping
(``world.groups.*.recruit_rate``). The value keeps the field's type: a whole number for an
integer field (2.5 for one is an error), a number for a float field, text for a text field.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sim.config import ConfigError, RunConfig, _suggest

__all__ = ["apply_parameters", "check_paths", "expand_path", "get_path", "plain_value"]


def plain_value(value: Any) -> Any:
    """A numpy scalar or array as plain Python (int, float, bool, str, list)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return [plain_value(v) for v in value]
    return value


def _children(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [str(k) for k in obj]
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    return []


def expand_path(cfg: RunConfig, path: str) -> list[list[str]]:
    """The concrete key lists a path names (``*`` expanded over a mapping's keys).

    The last key of a mapping may be new (``rules.vacuum.<power>`` for a power not listed);
    every other key must exist.

    Raises:
        ConfigError: a key that does not exist, with what is allowed there.
    """
    parts = path.split(".")
    out: list[list[str]] = []

    def walk(obj: Any, i: int, keys: list[str]) -> None:
        part = parts[i]
        last = i == len(parts) - 1
        names = _children(obj)
        where = ".".join(keys) or "(top level)"
        if not names and not isinstance(obj, dict):
            raise ConfigError(f"parameter path {path!r}: {where} is a value and has no "
                              f"field {part!r}")
        if part == "*":
            if not isinstance(obj, dict):
                raise ConfigError(f"parameter path {path!r}: '*' needs a mapping at {where}")
            targets = names
        elif part in names or (last and isinstance(obj, dict)):
            targets = [part]
        else:
            raise ConfigError(f"parameter path {path!r}: no {part!r} in {where}; "
                              + _suggest(part, names))
        for t in targets:
            if last:
                out.append([*keys, t])
            else:
                child = obj[t] if isinstance(obj, dict) else getattr(obj, t)
                walk(child, i + 1, [*keys, t])

    walk(cfg, 0, [])
    return out


def _parent(cfg: RunConfig, keys: list[str]) -> Any:
    obj: Any = cfg
    for k in keys[:-1]:
        obj = obj[k] if isinstance(obj, dict) else getattr(obj, k)
    return obj


def get_path(cfg: RunConfig, keys: list[str]) -> Any:
    """The value at a concrete key list (None for a new mapping key)."""
    parent = _parent(cfg, keys)
    if isinstance(parent, dict):
        return parent.get(keys[-1])
    return getattr(parent, keys[-1])


def _coerce(name: str, current: Any, value: Any) -> Any:
    """``value`` in the type of the field's ``current`` value."""
    value = plain_value(value)
    if current is None or isinstance(current, (list, dict)) or dataclasses.is_dataclass(current):
        return value
    if isinstance(current, bool):
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise ConfigError(f"{name}={value!r} is invalid; allowed: true or false")
    if isinstance(current, int):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
                value) and float(value) == int(value):
            return int(value)
        raise ConfigError(f"{name}={value!r} is invalid; allowed: a whole number")
    if isinstance(current, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{name}={value!r} is invalid; allowed: a number")
    if isinstance(current, str):
        return str(value)
    return value


def apply_parameters(cfg: RunConfig, values: dict[str, Any],
                     specs: dict[str, Any]) -> RunConfig:
    """Set each parameter's value on ``cfg`` (in place) at its paths; return ``cfg``.

    Args:
        cfg: a (copied) run config.
        values: parameter name -> value of this design point.
        specs: parameter name -> :class:`sim.sweep.experiment.ParameterSpec`.

    Raises:
        ConfigError: an unknown path or a value the field cannot take.
    """
    for name, value in values.items():
        spec = specs[name]
        for path in spec.paths or [name]:
            for keys in expand_path(cfg, path):
                shown = ".".join(keys)
                current = get_path(cfg, keys)
                new = value
                if spec.scale:
                    if not isinstance(current, (int, float)) or isinstance(current, bool):
                        raise ConfigError(f"{shown}: scale: true needs a numeric field; it holds "
                                          f"{current!r}")
                    new = current * float(plain_value(value))
                new = _coerce(shown, current, new)
                parent = _parent(cfg, keys)
                if isinstance(parent, dict):
                    parent[keys[-1]] = new
                else:
                    setattr(parent, keys[-1], new)
    return cfg


def check_paths(cfg: RunConfig, specs: dict[str, Any]) -> None:
    """Check that every parameter's paths name something in ``cfg`` (before any run starts).

    Raises:
        ConfigError: the first path that names nothing, with what is allowed there.
    """
    for name, spec in specs.items():
        for path in spec.paths or [name]:
            if not expand_path(cfg, path):
                raise ConfigError(f"parameter path {path!r} of {name!r} matches nothing")
            if spec.scale:
                for keys in expand_path(cfg, path):
                    current = get_path(cfg, keys)
                    if not isinstance(current, (int, float)) or isinstance(current, bool):
                        raise ConfigError(f"experiment.parameters.{name}: scale: true needs "
                                          f"numeric fields; {'.'.join(keys)} holds {current!r}")
