"""Setting an experiment's parameters on a run's typed config, by dotted path.

A path walks dataclass fields and mapping keys of :class:`sim.config.RunConfig`:
``params.resources.host_can_pay``, ``world.groups.jnim.recruit_rate``, ``rules.vacuum.russia``,
``scenario.exclude_events``. ``*`` stands for every key of a mapping
(``world.groups.*.recruit_rate``). The value keeps the field's type: a whole number for an
integer field (2.5 for one is an error), a number for a float field, text for a text field.
Paths are resolved by :mod:`sim.config.paths`, the project's one resolver.

Before a sweep starts, :func:`check_paths` checks that every path names something and
:func:`check_values` that every value the design takes is one the field allows (its range in
the schema), so that a sweep never starts with runs that are bound to fail.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from typing import Any

from sim.config import ConfigError, RunConfig
from sim.config import paths as P

__all__ = ["apply_parameters", "check_paths", "check_values", "distinct_values", "expanded_paths",
           "plain_value"]


def plain_value(value: Any) -> Any:
    """A numpy scalar or array as plain Python (int, float, bool, str, list)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple):
        return [plain_value(v) for v in value]
    return value


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


def _new_value(shown: str, current: Any, value: Any, scale: bool) -> Any:
    """The value a parameter sets where the field holds ``current``."""
    if scale:
        if not isinstance(current, (int, float)) or isinstance(current, bool):
            raise ConfigError(f"{shown}: scale: true needs a numeric field; it holds {current!r}")
        value = current * float(plain_value(value))
    return _coerce(shown, current, value)


def apply_parameters(cfg: RunConfig, values: dict[str, Any], specs: dict[str, Any],
                     expanded: dict[str, list[list[str]]] | None = None) -> RunConfig:
    """Set each parameter's value on ``cfg`` (in place) at its paths; return ``cfg``.

    Args:
        cfg: a (copied) run config.
        values: parameter name -> value of this design point.
        specs: parameter name -> :class:`sim.sweep.experiment.ParameterSpec`.
        expanded: parameter name -> the key lists its paths name in ``cfg``
            (:func:`expanded_paths`; default: expanded here).

    Raises:
        ConfigError: an unknown path or a value the field cannot take.
    """
    if expanded is None:
        expanded = expanded_paths(cfg, {name: specs[name] for name in values})
    for name, value in values.items():
        spec = specs[name]
        for keys in expanded[name]:
            current = P.get(cfg, keys)
            P.assign(cfg, keys, _new_value(".".join(keys), current, value, spec.scale))
    return cfg


def expanded_paths(cfg: RunConfig, specs: dict[str, Any]) -> dict[str, list[list[str]]]:
    """Each parameter's key lists in ``cfg``: its paths (default its name) expanded
    (:func:`sim.config.paths.expand`), in order."""
    return {name: [keys for path in spec.paths or [name] for keys in P.expand(cfg, path)]
            for name, spec in specs.items()}


def check_paths(cfg: RunConfig, specs: dict[str, Any]) -> None:
    """Check that every parameter's paths name something in ``cfg`` (before any run starts).

    Raises:
        ConfigError: the first path that names nothing, with what is allowed there.
    """
    for name, spec in specs.items():
        for path in spec.paths or [name]:
            matched = P.expand(cfg, path)
            if not matched:
                raise ConfigError(f"parameter path {path!r} of {name!r} matches nothing")
            if spec.scale:
                for keys in matched:
                    current = P.get(cfg, keys)
                    if not isinstance(current, (int, float)) or isinstance(current, bool):
                        raise ConfigError(f"experiment.parameters.{name}: scale: true needs "
                                          f"numeric fields; {'.'.join(keys)} holds {current!r}")


def _range_text(lo: float | None, hi: float | None, unit: str) -> str:
    lo_s = "-inf" if lo is None else f"{lo:g}"
    hi_s = "inf" if hi is None else f"{hi:g}"
    return f"[{lo_s}, {hi_s}]" + (f" ({unit})" if unit else "")


def distinct_values(values: Iterable[Any]) -> list[Any]:
    """The distinct values of ``values`` in the order of first use, told apart as their JSON
    is (``json.dumps(v, sort_keys=True, default=str)``: ``1``, ``1.0`` and ``true`` are three
    values, ``0.0`` and ``-0.0`` two, every NaN one). Numbers, bools and strings are told by
    their type and value (a float's zeros and NaNs by their ``repr``, as JSON writes them),
    without JSON; other values by their JSON."""
    seen: dict[Any, Any] = {}
    for v in values:
        kind = type(v)
        if kind is float:  # by value, but 0.0 and -0.0 apart and every NaN one
            key: Any = (float, v) if v != 0.0 and not math.isnan(v) else (float, repr(v))
        elif kind is int or kind is bool:
            key = (kind, v)
        elif kind is str:
            key = (str, v)
        else:
            key = json.dumps(v, sort_keys=True, default=str)
        seen.setdefault(key, v)
    return list(seen.values())


def check_values(cfg: RunConfig, specs: dict[str, Any], values: dict[str, list[Any]]) -> None:
    """Check every value a design gives each parameter against the field it is set on: its type,
    and its range in the schema (scaled values are checked after scaling).

    Each distinct value (:func:`distinct_values`) is converted once per type of field (a
    parameter's paths may name many fields of one type: ``world.states.*.x``), and the numbers
    of a float field are checked against its range at once; the first value out of range, in
    the design's order, is named.

    Args:
        cfg: a base run config (the values are tried on it, not set).
        specs: parameter name -> :class:`sim.sweep.experiment.ParameterSpec`.
        values: parameter name -> every value the design takes (levels, or the sampled values).

    Raises:
        ConfigError: naming the parameter, the path, the value and the allowed range.
    """
    import numpy as np

    for name, spec in specs.items():
        distinct = distinct_values(plain_value(v) for v in values.get(name, []))
        converted: dict[type, list[Any]] = {}  # by the field's type (not scaled)
        for path in spec.paths or [name]:
            for keys in P.expand(cfg, path):
                shown = ".".join(keys)
                current = P.get(cfg, keys)
                limits = P.bounds(cfg, keys)
                if spec.scale:  # a float field times numbers: as _new_value does it
                    news = ([current * float(v) for v in distinct]
                            if type(current) is float and _all_numbers(distinct) else None)
                else:
                    news = converted.get(type(current))
                    if news is None:
                        news = _numbers_as(type(current), distinct)
                        if news is not None:
                            converted[type(current)] = news
                if news is None:  # each value converted, then checked, in order
                    news = []
                    for v in distinct:
                        try:
                            new = _new_value(shown, current, v, spec.scale)
                        except ConfigError as exc:
                            raise ConfigError(f"experiment.parameters.{name}: {exc}") from None
                        if _out_of_range(new, limits):
                            _range_error(name, shown, new, v, current, spec.scale, limits)
                        news.append(new)
                    if not spec.scale:
                        converted[type(current)] = news
                    continue
                if limits is None or not news:
                    continue
                if all(type(x) is float for x in news):  # floats: checked at once
                    lo, hi, _ = limits
                    x = np.asarray(news, dtype=float)
                    bad = np.isnan(x)
                    if lo is not None:
                        bad |= x < lo
                    if hi is not None:
                        bad |= x > hi
                    out = [int(np.argmax(bad))] if bad.any() else []
                else:
                    out = [i for i, new in enumerate(news) if _out_of_range(new, limits)][:1]
                for i in out:
                    _range_error(name, shown, news[i], distinct[i], current, spec.scale, limits)


_EXACT = 2 ** 53  # the ints a float holds exactly


def _numbers_as(kind: type, values: list[Any]) -> list[Any] | None:
    """``values`` as :func:`_coerce` sets them on a field of type ``kind``, when ``kind`` is
    float or int and every value is a number it takes as it is (an int field: whole and finite);
    None otherwise (each value is then converted by :func:`_new_value`)."""
    if kind is float and _all_numbers(values):
        return [float(v) for v in values]
    if kind is int and all(type(v) is int and -_EXACT <= v <= _EXACT for v in values):
        return list(values)  # whole, and exact as floats
    return None


def _all_numbers(values: list[Any]) -> bool:
    """Whether every value is a Python float or int (not a bool)."""
    return all(type(v) is float or type(v) is int for v in values)


def _out_of_range(new: Any, limits: tuple[float | None, float | None, str] | None) -> bool:
    """Whether ``new`` is a number (not a bool) outside ``limits`` (``(lo, hi, unit)``, None:
    no range) or NaN."""
    if limits is None or not isinstance(new, (int, float)) or isinstance(new, bool):
        return False
    lo, hi, _ = limits
    return math.isnan(new) or (lo is not None and new < lo) or (hi is not None and new > hi)


def _range_error(name: str, shown: str, new: Any, v: Any, current: Any, scale: bool,
                 limits: tuple[float | None, float | None, str]) -> None:
    """Raise the error of parameter ``name``'s value ``v`` (``new`` at ``shown``, whose field
    held ``current``) out of ``limits``."""
    lo, hi, unit = limits
    how = f" ({v!r} x {current!r})" if scale else ""
    raise ConfigError(f"experiment.parameters.{name}: {shown}={new!r}{how} is out of range; "
                      f"allowed: {_range_text(lo, hi, unit)}")
