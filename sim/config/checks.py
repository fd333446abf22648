"""Checks of a whole run configuration, before anything is built: pure functions of the config.

This module imports nothing above :mod:`sim.config`: the names of the registered vacuum rules are
passed in by the caller (:func:`sim.engine.prepare.prepare` loads the plugins and generates synthetic
worlds, then calls :func:`check`). Every error names the parameter, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Collection
from typing import Any

from sim.config import paths as P
from sim.config.dates import parse_month
from sim.config.errors import ConfigError, check_name
from sim.config.paths import resolve_numeric
from sim.config.schema import COST_BASES, EVENT_KINDS, INSTRUMENT_KINDS, RunConfig

__all__ = ["RECORD_END", "check", "check_events", "check_neighbours", "check_ranges",
           "check_settings", "check_world", "check_world_priors", "projection_warning"]

#: The last month of the record: the shipped scenarios' dated events and the calibration data
#: (docs/sources.md) end here.
RECORD_END = "2025-12"


@functools.cache
def _ranged_fields(cls: type) -> tuple[tuple[str, Any, Any, Any], ...] | None:
    """``(name, lo, hi, unit)`` of each field of a dataclass ``cls`` (None: not a dataclass),
    read from the fields' metadata once per class."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple((f.name, f.metadata.get("lo"), f.metadata.get("hi"), f.metadata.get("unit"))
                 for f in dataclasses.fields(cls))


#: Values with nothing to check below them (the walk does not descend into them).
_LEAVES = frozenset({str, bool, type(None)})


def check_ranges(obj: Any, path: str, seen: set[Any] | None = None) -> None:
    """Check every ``param`` field's range, recursively through dataclasses, lists and dicts.

    ``seen``: the ``id`` of every dataclass instance checked already (passed and added to, so
    that configs that share sections, such as a run and its twin, check each once; the objects
    must stay alive and unchanged while the set is in use).

    Raises:
        ConfigError: naming the first field out of its range (in field order), its value and
            the allowed range.
    """
    kind = type(obj)
    if kind is dict:
        for k, v in obj.items():
            check_ranges(v, f"{path}.{k}", seen)
        return
    if kind is list:
        for i, v in enumerate(obj):
            check_ranges(v, f"{path}[{i}]", seen)
        return
    spec = _ranged_fields(obj if isinstance(obj, type) else kind)
    if spec is not None:
        if seen is not None and id(obj) in seen:
            return
        for name, lo, hi, unit in spec:
            value = getattr(obj, name)
            kind = type(value)
            if kind is float or kind is int or (
                    kind is not bool and isinstance(value, (int, float))):
                if math.isnan(value) or (lo is not None and value < lo) or (
                        hi is not None and value > hi):
                    lo_s = "-inf" if lo is None else f"{lo:g}"
                    hi_s = "inf" if hi is None else f"{hi:g}"
                    raise ConfigError(f"{f'{path}.{name}' if path else name}={value!r} is out "
                                      f"of range; allowed: [{lo_s}, {hi_s}]"
                                      + (f" ({unit})" if unit else ""))
            elif kind not in _LEAVES:
                check_ranges(value, f"{path}.{name}" if path else name, seen)
        if seen is not None:
            seen.add(id(obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            check_ranges(v, f"{path}.{k}", seen)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            check_ranges(v, f"{path}[{i}]", seen)


def _check_share_dict(name: str, d: dict[str, float], allowed: list[str]) -> None:
    for k, v in d.items():
        check_name(f"{name} key", k, allowed)
        if not 0.0 <= float(v) <= 1.0:
            raise ConfigError(f"{name}.{k}={v!r} is out of range; allowed: [0, 1]")


def check_settings(cfg: RunConfig, rule_names: Collection[str], seen: set[Any] | None = None
                   ) -> None:
    """Check what does not depend on the world's entities: every range, the dates, the world's
    kind and the names of the rules chosen (``seen``: see :func:`check_ranges`).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    check_ranges(cfg, "", seen)
    start = parse_month(cfg.start, "start")
    end = parse_month(cfg.end, "end")
    if end < start:
        raise ConfigError(f"end={cfg.end!r} is before start={cfg.start!r}; allowed: end >= start")
    check_name("world.kind", cfg.world.kind, ("listed", "synthetic"))
    for power, rule in cfg.rules.vacuum.items():
        check_name(f"rules.vacuum.{power}", rule, rule_names)
    check_name("rules.default_vacuum", cfg.rules.default_vacuum, rule_names)
    check_name("metrics.cost_basis", cfg.metrics.cost_basis, COST_BASES)
    check_name("metrics.security_margin_kind", cfg.metrics.security_margin_kind,
               ("absolute", "relative"))
    for i, h in enumerate((cfg.metrics.horizon_start, cfg.metrics.horizon_end)):
        if h:
            m = parse_month(h, ("metrics.horizon_start", "metrics.horizon_end")[i])
            if not start <= m <= end:
                raise ConfigError(f"metrics.horizon={h!r} is outside the run; allowed: "
                                  f"{cfg.start} .. {cfg.end}")
    parse_month(cfg.scenario.west_withdrawal_date, "scenario.west_withdrawal_date")


def check(cfg: RunConfig, rule_names: Collection[str], seen: set[Any] | None = None) -> None:
    """Check a run configuration whose world is listed (given, or already generated); ``seen``:
    what configs checked before in the same call share with this one (:func:`check_ranges`).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    check_settings(cfg, rule_names, seen)
    check_world(cfg, seen)


def check_world(cfg: RunConfig, seen: set[Any] | None = None) -> None:
    """Check the ids and cross-references of a world, the snapshot the run starts from, the
    powers the rules and the scenario name, and the scenario's events (also used for generated
    worlds, whose values are not range-checked again). ``seen``: as :func:`check_ranges`'s; a
    world object checked already from the same start month is not checked again (the rules and
    the scenario are).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    key = ("world", id(cfg.world), cfg.start)
    if seen is None or key not in seen:
        _check_world_itself(cfg, seen)
        if seen is not None:
            seen.add(key)
    power_set = set(cfg.world.powers)
    for power in cfg.rules.vacuum:
        check_name("rules.vacuum key (power id)", power, power_set)
    for p in cfg.scenario.protected:
        check_name("scenario.protected", p, power_set)
    check_events(cfg)


def _once(seen: set[Any] | None, key: tuple[Any, ...]) -> bool:
    """Whether a check keyed ``key`` (ids of the objects it reads, which ``seen``'s caller keeps
    alive, and the ids it checks them against) is still to be done; marks it done."""
    if seen is None:
        return True
    if key in seen:
        return False
    seen.add(key)
    return True


def _check_world_itself(cfg: RunConfig, seen: set[Any] | None = None) -> None:
    """:func:`check_world`'s checks of the world alone (and of its snapshot at ``start``). The
    parts a copied world shares with one checked before (its regions and neighbours, its
    priors, its snapshots: a sampled world copies only what its values change) are checked
    once for each ``seen``."""
    start = parse_month(cfg.start, "start")
    w = cfg.world
    states, powers, groups = list(w.states), list(w.powers), list(w.groups)
    state_set, group_set = set(states), set(groups)
    entity_ids = (tuple(states), tuple(powers), tuple(groups))
    for kind, ids in (("state", states), ("power", powers), ("group", groups)):
        if not ids:
            raise ConfigError(f"world.{kind}s is empty; allowed: at least one {kind}")
        for i in ids:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", i):
                raise ConfigError(f"world.{kind}s key {i!r} is not a valid id; allowed: lower_snake")
    if not w.regions:
        raise ConfigError("world.regions is empty; allowed: at least one region")
    region_ids = {r.id for r in w.regions}
    if _once(seen, ("regions", id(w.regions), id(w.neighbours), entity_ids)):
        if len(region_ids) != len(w.regions):
            met: set[str] = set()
            dup = sorted({r.id for r in w.regions if r.id in met or met.add(r.id)})
            raise ConfigError(f"world.regions has duplicate ids {dup}; allowed: unique ids")
        for i, r in enumerate(w.regions):
            check_name(f"world.regions[{i}].state", r.state, state_set)
        check_neighbours(w.neighbours, [r.id for r in w.regions], region_ids)
    if _once(seen, ("priors", id(w.priors), id(w.value_priors), entity_ids)):
        check_world_priors(w)
    for s, sc in w.states.items():
        _check_share_dict(f"world.states.{s}.receptivity", sc.receptivity, powers)
    for p, pc in w.powers.items():
        for s, v in pc.interest_by_state.items():
            check_name(f"world.powers.{p}.interest_by_state key", s, states)
            if not 0 <= v <= 10:
                raise ConfigError(f"world.powers.{p}.interest_by_state.{s}={v!r} is out of range; "
                                  "allowed: [0, 10]")
        for k in pc.instruments:
            check_name(f"world.powers.{p}.instruments key", k, INSTRUMENT_KINDS)
        if not pc.instruments:
            raise ConfigError(f"world.powers.{p}.instruments is empty; allowed: some of "
                              f"{', '.join(INSTRUMENT_KINDS)}")
    for g, gc in w.groups.items():
        check_name(f"world.groups.{g}.kind", gc.kind, ("jihadist", "separatist"))
        for h, v in gc.rivals.items():
            check_name(f"world.groups.{g}.rivals key", h, group_set)
            if not 0 <= v <= 1:
                raise ConfigError(f"world.groups.{g}.rivals.{h}={v!r} is out of range; allowed: [0, 1]")
    # snapshot
    dates = sorted(w.snapshots, key=lambda d: parse_month(d, f"world.snapshots key {d!r}"))
    usable = [d for d in dates if parse_month(d, "world.snapshots") <= start]
    if not usable:
        raise ConfigError(f"start={cfg.start!r} is before every world snapshot; allowed: a start "
                          f"on or after one of {', '.join(dates) or '(none)'}")
    snap = w.snapshots[usable[-1]]
    if not _once(seen, ("snapshot", id(snap), id(w.regions), entity_ids,
                        tuple(tuple(pc.instruments) for pc in w.powers.values()))):
        return
    for s, si in snap.states.items():
        check_name("snapshot state", s, states)
        check_name(f"world.snapshots.{usable[-1]}.states.{s}.regime", si.regime,
                   ("civilian", "military"))
        for a in si.agreements:
            check_name(f"world.snapshots.{usable[-1]}.states.{s}.agreements", a, powers)
        for p, v in si.receptivity.items():
            name = f"world.snapshots.{usable[-1]}.states.{s}.receptivity"
            check_name(f"{name} key", p, powers)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ConfigError(f"{name}.{p}={v!r} is invalid; allowed: a number in [0, 1]")
    missing = [s for s in states if s not in snap.states]
    if missing:
        raise ConfigError(f"world.snapshots.{usable[-1]}.states lacks {missing}; allowed: every state")
    for i, d in enumerate(snap.deployments):
        name = f"world.snapshots.{usable[-1]}.deployments[{i}]"
        check_name(f"{name}.power", d.power, powers)
        check_name(f"{name}.state", d.state, states)
        check_name(f"{name}.instrument", d.instrument, list(w.powers[d.power].instruments))
    for g, by_region in snap.fighters.items():
        check_name("snapshot fighters group", g, group_set)
        for r, v in by_region.items():
            check_name(f"world.snapshots.{usable[-1]}.fighters.{g} region", r, region_ids)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise ConfigError(f"world.snapshots.{usable[-1]}.fighters.{g}.{r}={v!r} is invalid; "
                                  "allowed: a number of fighters >= 0")
    for r, v in snap.control.items():
        check_name("snapshot control region", r, region_ids)
        if not 0 <= v <= 1:
            raise ConfigError(f"world.snapshots.{usable[-1]}.control.{r}={v!r} is out of range; "
                              "allowed: [0, 1]")


def check_neighbours(neighbours: dict[str, list[str]], order: list[str],
                     region_ids: set[str]) -> None:
    """Check a world's land-border list: every key and listed id is a region, no region lists
    itself or another twice, each border is listed from both sides, and every region has at least
    one neighbour. An empty list means k-nearest adjacency and passes.

    Args:
        neighbours: ``world.neighbours``, region id -> ids of the regions sharing a border.
        order: the region ids in config order (the first region without neighbours is named).
        region_ids: the same ids as a set.

    Raises:
        ConfigError: naming ``world.neighbours.<region>``, the value and what is allowed.
    """
    if not neighbours:
        return
    for r, listed in neighbours.items():
        check_name("world.neighbours key (region id)", r, region_ids)
        if isinstance(listed, str):
            raise ConfigError(f"world.neighbours.{r}={listed!r} is invalid; allowed: a list of "
                              "region ids")
        seen: set[str] = set()
        for n in listed:
            check_name(f"world.neighbours.{r} (region id)", n, region_ids)
            if n == r:
                raise ConfigError(f"world.neighbours.{r} lists {r} itself; allowed: other regions")
            if n in seen:
                raise ConfigError(f"world.neighbours.{r} lists {n} twice; allowed: each "
                                  "neighbour once")
            seen.add(n)
    for r, listed in neighbours.items():
        for n in listed:
            if r not in neighbours.get(n, ()):
                raise ConfigError(f"world.neighbours.{r} lists {n} but world.neighbours.{n} does "
                                  f"not list {r}; allowed: a symmetric list (a border shared by "
                                  "two regions is listed under both)")
    lonely = [r for r in order if not neighbours.get(r)]
    if lonely:
        raise ConfigError(f"world.neighbours has no neighbour for region(s) {lonely[:5]}; allowed: "
                          "every region with at least one neighbour (or an empty "
                          "world.neighbours for k-nearest adjacency)")


def check_events(cfg: RunConfig) -> None:
    """Check every scenario event: date, kind, actor, target, instrument and value.

    Raises:
        ConfigError: naming the event, the field, the value and what is allowed.
    """
    w = cfg.world
    states, powers = list(w.states), list(w.powers)
    ids = [e.id for e in cfg.scenario.events if e.id]
    for x in cfg.scenario.exclude_events:
        check_name("scenario.exclude_events", x, ids)
    for i, e in enumerate(cfg.scenario.events):
        name = f"scenario.events[{i}]" + (f" ({e.id})" if e.id else "")
        parse_month(e.date, f"{name}.date")
        check_name(f"{name}.kind", e.kind, EVENT_KINDS)
        if e.kind == "coup":
            check_name(f"{name}.target (state)", e.target, states)
        elif e.kind in ("deploy", "withdraw"):
            check_name(f"{name}.actor (power)", e.actor, powers)
            check_name(f"{name}.target (state)", e.target, states)
            allowed = list(w.powers[e.actor].instruments)
            if e.instrument or e.kind == "deploy":
                check_name(f"{name}.instrument", e.instrument, allowed)
            if e.kind == "deploy" and (e.value is None or e.value < 0):
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: a level >= 0")
            if e.kind == "withdraw" and e.value is not None and e.value < 0:
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: a level >= 0")
        elif e.kind in ("expel", "agreement"):
            check_name(f"{name}.actor (state)", e.actor, states)
            check_name(f"{name}.target (power)", e.target, powers)
        elif e.kind == "budget":
            check_name(f"{name}.actor (power or state)", e.actor, powers + states)
            if e.value is None or e.value < 0:
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: USD/year >= 0")
        elif e.kind == "param":
            obj, attr = resolve_numeric(cfg, e.path, f"{name}.path")
            if e.value is None:
                raise ConfigError(f"{name}.value=None is invalid; allowed: a number")
            if isinstance(getattr(obj, attr), int) and float(e.value) != int(e.value):
                raise ConfigError(f"{name}.value={e.value!r} is invalid; allowed: an integer "
                                  f"({e.path} is a whole number)")
        if e.months is not None and e.months < 1:
            raise ConfigError(f"{name}.months={e.months!r} is invalid; allowed: >= 1")


def projection_warning(cfg: RunConfig) -> str | None:
    """The warning for a run of a listed world that ends after the record (:data:`RECORD_END`):
    its later months are a projection, with no events of the record. None otherwise (a
    synthetic world has no record). A warning only: the run goes on."""
    if cfg.world.kind == "synthetic":
        return None
    if parse_month(cfg.end, "end") <= parse_month(RECORD_END, "end"):
        return None
    return (f"end={cfg.end} is past the record, which ends {RECORD_END}: the months after "
            f"{RECORD_END} are a projection, with no events of the record (the model's own "
            "dynamics only)")


def check_world_priors(world: Any) -> None:
    """Check a world's ``priors`` and ``value_priors``: each path names numeric values below
    ``world`` and each prior is ``[lo, hi]`` with ``lo < hi`` (``0 <= lo`` for a factor). (Whether a factor keeps every value in its allowed
    range is checked where the factors are drawn: a sweep checks its design's values before any
    run, :func:`sim.sweep.params.check_values`.)

    Raises:
        ConfigError: naming the prior, the value and what is allowed.
    """
    blocks = [("priors", "a factor on the values the path names", 0.0),
              ("value_priors", "the values the path names", -math.inf)]
    for block, meaning, floor in blocks:
        for path, prior in getattr(world, block, {}).items():
            _check_world_prior(world, f"world.{block}.{path}", path, prior, meaning, floor)


def _check_world_prior(world: Any, name: str, path: str, prior: Any, meaning: str,
                       floor: float) -> None:
    """One entry of a world's ``priors`` or ``value_priors`` (:func:`check_world_priors`)."""
    if (not isinstance(prior, (list, tuple)) or len(prior) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in prior)):
        raise ConfigError(f"{name}={prior!r} is invalid; allowed: [lo, hi], two numbers "
                          f"({meaning})")
    lo, hi = float(prior[0]), float(prior[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and floor <= lo < hi):
        raise ConfigError(f"{name}={prior!r} is invalid; allowed: "
                          f"{'0 <= ' if floor == 0 else ''}lo < hi")
    for keys in P.expand(world, path, name=name, new_key=False):
        value = P.get(world, keys)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{name}: world.{'.'.join(keys)} holds {value!r}; allowed: "
                              "paths to numbers")
