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
- **per-world scenario** (:data:`PER_WORLD_SCENARIO`): the dated events that do not change a
  value (coups, deployments, withdrawals, expulsions, agreements: each applies in the worlds that
  have it, :func:`merge_events`), the protected powers (a ``[B, P]`` mask), the sign of
  ``west_withdrawal_share`` (the cut is made in the worlds whose share is above 0) and the
  scenario's name and description, and whether coups happen (``endogenous_coups``: the coup
  attempts are drawn in every world and made in the worlds that have it). So a run and its twin
  (:mod:`sim.twin`) share a batch, and so do scenarios that differ in their events only or in
  their coups;
- **per-world rules** (:data:`PER_WORLD_RULES`): which vacuum rule each power follows
  (``rules.vacuum``, ``rules.default_vacuum``); the model runs each rule on the worlds that chose
  it, so the points of a comparison of rules share a batch;
- **structure** (shared by the batch): everything else (the regions, the snapshots, the
  ``param`` and ``budget`` events, the rules' plugins, the dates, every bool and text) and the sign
  (negative, zero or positive) of every value above, so that a branch the model takes on
  ``value > 0`` is taken alike by every world of a batch, as by each world alone; but for the
  values no branch reads the sign of (:data:`SIGN_FREE`: ``host_can_pay`` only scales what a host
  can pay, world by world), so that a host that cannot pay and one that can share a batch.

:func:`structure_key` names a config's structure: configs with the same key can share a batch
(:func:`group_by_structure`). A world's results never depend on its batch (docs/ODD.md section
3.1): the same world gives the same numbers alone, beside worlds with the same values, or
beside worlds with other values.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sim.config import RunConfig, parse_month
from sim.config.hashing import dumps, field_names

__all__ = ["PER_WORLD_RULES", "PER_WORLD_SCENARIO", "SIGN_FREE", "VALUE_EVENTS", "VALUE_SECTIONS",
           "BatchStructureError", "distinct_events", "first_difference", "group_by_structure",
           "head_config", "merge_events", "stack_config", "stack_section", "structure_key",
           "take_section", "world_events", "world_value"]

#: The sections whose numbers are per-world values (``[B, 1]`` arrays in a batch's config).
VALUE_SECTIONS = ("params", "rules", "scenario")
#: The world's mappings whose entries' numbers are per-world values (the World's arrays).
_WORLD_ENTITIES = ("states", "powers", "groups")
#: The kinds of dated events that change a value (a parameter, a budget): they are structure, so
#: that a batch's worlds keep sharing the sign of every value after them.
VALUE_EVENTS = frozenset({"param", "budget"})
#: The scenario's fields each world of a batch has its own of (the model reads them from each
#: world's config, never from the batch's): the other events, the ones excluded, the protected
#: powers; and its name and description, which only the summaries read (scenarios that differ in
#: their events alone, such as ``endogenous``, ``france_stays`` and ``china_competes``, share
#: batches); and whether coups happen (``endogenous_coups``: :attr:`sim.model.SahelModel.coups`,
#: so that ``no_coups`` shares the batches of ``endogenous``). ``west_withdrawal_share`` is a value
#: whose sign is per-world too.
PER_WORLD_SCENARIO = ("events", "exclude_events", "protected", "name", "description",
                      "endogenous_coups")
#: Values whose sign is not structure (paths in the config): the model reads them only in
#: arithmetic and comparisons made world by world, never in a branch the batch takes as a whole
#: (``params.resources.host_can_pay`` scales what each host can pay: 0 in ``host_cannot_pay``).
SIGN_FREE = ("params.resources.host_can_pay",)
#: The rules' fields each world of a batch has its own of: which rule each power follows (the
#: model runs each rule on the worlds that chose it, :meth:`sim.agents.actors.ForeignPower.decide`).
PER_WORLD_RULES = ("vacuum", "default_vacuum")
_PER_WORLD_PATHS = frozenset([*(f"scenario.{name}" for name in PER_WORLD_SCENARIO),
                              *(f"rules.{name}" for name in PER_WORLD_RULES)])


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


def structure_key(cfg: RunConfig, texts: dict[Any, str] | None = None) -> str:
    """The config's structure (see the module docstring) as a short hex digest: two configs with
    the same key can run in one batch if their other events merge (:func:`merge_events`). The
    seed, the ``metrics`` section (read only by the summaries, world by world) and
    :data:`PER_WORLD_SCENARIO` are not part of it.

    The numbers of the value sections and of the world's entities are walked in Python (each
    replaced by its sign); the rest (regions, snapshots, dated events...) is left to the JSON
    encoder (:func:`sim.config.hashing.dumps`). The key is the digest of the JSON of the whole,
    written part by part (each section, each field of the world): ``texts`` keeps each part's
    JSON by the ``id`` of the object it was made from, so that configs sharing sections (a run
    and its hindcast, the copies of one base) write each once; the objects must stay alive and
    unchanged while it is used."""
    texts = {} if texts is None else texts

    def part(kind: str, value: Any, make: Callable[[Any], Any]) -> str:
        key = (kind, id(value))
        text = texts.get(key)
        if text is None:
            text = texts[key] = dumps(make(value))
        return text

    parts: dict[str, str] = {}
    for name in field_names(type(cfg)) or ():
        if name in ("seed", "metrics", "output"):
            continue
        value = getattr(cfg, name)
        if name == "params":
            parts[name] = part("params", value, lambda v: _unsigned(_blank(v), "params"))
        elif name == "rules":
            # which rule each power follows is each world's own (its names, not their structure)
            parts[name] = part("rules", value, lambda v: {
                k: x for k, x in _blank(v).items() if k not in PER_WORLD_RULES})
        elif name == "scenario":
            parts[name] = part("scenario", value, _scenario_structure)
        elif name == "world":
            parts[name] = _world_text(value, part)
        else:
            parts[name] = dumps(value)
    text = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in sorted(parts.items())) + "}"
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _unsigned(blank: dict[str, Any], section: str) -> dict[str, Any]:
    """A section's :func:`_blank` with each :data:`SIGN_FREE` value of it written as ``"v"``
    whatever its sign (changed in place; returned)."""
    for path in SIGN_FREE:
        head, _, rest = path.partition(".")
        if head != section:
            continue
        *inner, last = rest.split(".")
        node = blank
        for key in inner:
            node = node[key]
        if last in node:
            node[last] = "v"
    return blank


def _scenario_structure(scenario: Any) -> dict[str, Any]:
    """What of a scenario is structure: its fields but :data:`PER_WORLD_SCENARIO` and the
    Western cut's share, numbers by their sign, and the events that change a value (their values
    included); the other events, the protected powers and the sign of the cut are each
    world's own."""
    plain = {name: _blank(getattr(scenario, name)) for name in field_names(type(scenario)) or ()
             if name not in PER_WORLD_SCENARIO and name != "west_withdrawal_share"}
    plain["events"] = [e for e in world_events(scenario) if e.kind in VALUE_EVENTS]
    return plain


def _world_text(world: Any, part: Callable[[str, Any, Callable[[Any], Any]], str]) -> str:
    """The JSON of a world's structure, field by field (``part`` writes each once): its entities
    with their numbers by sign, the rest (regions, snapshots, ...) as they are."""
    names = sorted(field_names(type(world)) or ())
    items = [f"{json.dumps(name)}: "
             + part("blank" if name in _WORLD_ENTITIES else "plain", getattr(world, name),
                    _blank if name in _WORLD_ENTITIES else _same)
             for name in names]
    return "{" + ", ".join(items) + "}"


def _same(value: Any) -> Any:
    return value


def group_by_structure(cfgs: Sequence[RunConfig], texts: dict[Any, str] | None = None
                       ) -> list[list[int]]:
    """The indices of ``cfgs`` grouped by :func:`structure_key`, in the order of each group's
    first config (a group of configs that are the same object is found without hashing;
    ``texts``: :func:`structure_key`'s, shared with the caller's other configs). A group whose
    worlds order two events of one month differently (:func:`merge_events`) is split, each
    config going to the first part it merges with."""
    groups: dict[str, list[int]] = {}
    keys: dict[int, str] = {}
    texts = {} if texts is None else texts
    for i, cfg in enumerate(cfgs):
        key = keys.get(id(cfg))
        if key is None:
            key = keys[id(cfg)] = structure_key(cfg, texts)
        groups.setdefault(key, []).append(i)
    out: list[list[int]] = []
    for group in groups.values():
        lists, index = distinct_events([cfgs[i].scenario for i in group])
        # each distinct event list joins the first part whose lists it merges with
        parts: list[list[int]] = []  # the distinct lists of each part
        part_of = []
        for k, own in enumerate(lists):
            for p, members in enumerate(parts):
                if _merge([*(lists[m] for m in members), own]) is not None:
                    members.append(k)
                    part_of.append(p)
                    break
            else:
                part_of.append(len(parts))
                parts.append([k])
        split: list[list[int]] = [[] for _ in parts]
        for i, k in zip(group, index, strict=True):
            split[part_of[k]].append(i)
        out.extend(split)
    return out


def distinct_events(scenarios: Sequence[Any]) -> tuple[list[list[Any]], list[int]]:
    """The distinct lists of events (:func:`world_events`, equal lists told by their JSON) of
    ``scenarios``, in order of first sight, and the index of each scenario's list among them
    (each scenario object read once)."""
    lists: dict[str, list[Any]] = {}
    texts: dict[int, str] = {}
    for sc in scenarios:
        if id(sc) not in texts:
            own = world_events(sc)
            texts[id(sc)] = text = dumps(own)
            lists.setdefault(text, own)
    order = {text: k for k, text in enumerate(lists)}
    return list(lists.values()), [order[texts[id(sc)]] for sc in scenarios]


def world_events(scenario: Any) -> list[Any]:
    """A scenario's dated events in the order they apply: those not excluded
    (``exclude_events``), stably sorted by date (events of one month keep their order)."""
    excluded = set(scenario.exclude_events)
    kept = [e for e in scenario.events if not (e.id and e.id in excluded)]
    return sorted(kept, key=lambda e: e.date)


def _merge(event_lists: Sequence[Sequence[Any]]) -> list[tuple[Any, list[int]]] | None:
    """:func:`merge_events` of the worlds' event lists, or None where two of them order two
    events of one month differently (a cycle of "comes before")."""
    import heapq

    events: list[Any] = []  # each distinct event (text, occurrence), in order of first sight
    worlds: list[list[int]] = []
    node: dict[tuple[str, int], int] = {}
    after: list[set[int]] = []  # the events each must come before
    for b, evs in enumerate(event_lists):
        seen: dict[str, int] = {}
        prev = -1
        for ev in evs:
            text = dumps(ev)
            n = seen[text] = seen.get(text, 0) + 1
            k = node.get((text, n))
            if k is None:
                k = node[(text, n)] = len(events)
                events.append(ev)
                worlds.append([])
                after.append(set())
            worlds[k].append(b)
            if prev >= 0:
                after[prev].add(k)
            prev = k
    before = [0] * len(events)
    for nxt in after:
        for k in nxt:
            before[k] += 1
    # Kahn's topological sort, earliest date first, then first sight
    ready = [(events[k].date, k) for k in range(len(events)) if before[k] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, k = heapq.heappop(ready)
        order.append(k)
        for m in after[k]:
            before[m] -= 1
            if before[m] == 0:
                heapq.heappush(ready, (events[m].date, m))
    if len(order) < len(events):
        return None
    return [(events[k], worlds[k]) for k in order]


def merge_events(event_lists: Sequence[Sequence[Any]]) -> list[tuple[Any, list[int]]]:
    """The dated events of a batch: each world's events (:func:`world_events`, ``event_lists[b]``)
    merged into one list in which every world's events keep their order, each event with the
    worlds that have it. Equal events of a world are told apart by their order.

    Raises:
        BatchStructureError: two worlds order two events of one month differently, or a
            ``param`` or ``budget`` event (:data:`VALUE_EVENTS`) is not in every world.
    """
    merged = _merge(event_lists)
    if merged is None:
        raise BatchStructureError("scenario.events: two worlds of a batch order two events of "
                                  "one month differently; allowed: the same order in every world")
    for ev, worlds in merged:
        if ev.kind in VALUE_EVENTS and len(worlds) < len(event_lists):
            raise BatchStructureError(
                f"scenario.events: the {ev.kind} event of {ev.date} ({ev.id or ev.path or ev.actor})"
                f" is in {len(worlds)} of the batch's {len(event_lists)} event lists; allowed: "
                f"{', '.join(sorted(VALUE_EVENTS))} events in every world of a batch (they are "
                "structure)")
    return merged


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
    if path in _PER_WORLD_PATHS:  # each world's own, read from its config (the first's here)
        return first
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


def head_config(cfg: RunConfig, n: int) -> RunConfig:
    """A batch's config (:func:`stack_config`) for its first ``n`` worlds: every ``[B, 1]``
    number of the value sections cut to ``[n, 1]`` (views, :func:`take_section`), the rest
    shared."""
    out = copy.copy(cfg)
    for section in VALUE_SECTIONS:
        setattr(out, section, take_section(getattr(cfg, section), slice(None, n)))
    return out


def take_section(value: Any, worlds: np.ndarray | slice) -> Any:
    """A batch's section (a dataclass of :func:`stack_config`) for the worlds ``worlds`` (an
    index array, or a slice: views): every ``[B, 1]`` number taken at those rows, the rest
    shared."""
    if isinstance(value, np.ndarray):
        return value[worlds]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = copy.copy(value)
        for f in dataclasses.fields(value):
            object.__setattr__(out, f.name,
                               take_section(object.__getattribute__(value, f.name), worlds))
        return out
    return value


#: The scenario's switches under which the protected powers matter (expulsions, the regimes'
#: choice of partners, withdrawals over casualties): with all three off, no process reads them.
_PROTECTION_READ_BY = ("endogenous_expulsion", "endogenous_partner_choice",
                       "endogenous_withdrawal")


def _simulated_text(cfg: RunConfig) -> str:
    """What of ``cfg`` the engine reads besides the seed and each world's own scenario fields
    (:data:`PER_WORLD_SCENARIO`, the Western cut's share), as JSON."""
    plain = {name: getattr(cfg, name) for name in field_names(type(cfg)) or ()
             if name not in ("seed", "metrics", "output", "scenario")}
    sc = cfg.scenario
    plain["scenario"] = {name: getattr(sc, name) for name in field_names(type(sc)) or ()
                         if name not in PER_WORLD_SCENARIO and name != "west_withdrawal_share"}
    return dumps(plain)


def first_difference(a: RunConfig, b: RunConfig) -> int:
    """The first month (counted from ``start``, 0 for the first) in which two worlds with the same
    seed and the configs ``a`` and ``b`` can differ, or the run's number of months if they cannot
    differ before its end: configs that differ only in each world's own scenario fields (a run
    and its twin, :mod:`sim.twin`) run the same months until the first of

    - the first place where their dated events (:func:`world_events`, within the run) differ;
    - the Western cut, if their ``west_withdrawal_share`` differ;
    - the first month, if their protected powers differ and a process reads them
      (``endogenous_expulsion``, ``endogenous_partner_choice`` or ``endogenous_withdrawal``), or
      if coups happen in one and not in the other (``endogenous_coups``).

    Configs that differ in anything else the engine reads (a value, the world, the dates, the
    rules) give 0.
    """
    sa, sb = a.scenario, b.scenario
    if set(sa.protected) != set(sb.protected) and any(getattr(sa, f)
                                                      for f in _PROTECTION_READ_BY):
        return 0  # (first: it needs no serialised config)
    if bool(sa.endogenous_coups) != bool(sb.endogenous_coups):
        return 0  # a coup can come in any month in one and never in the other
    if a is not b and _simulated_text(a) != _simulated_text(b):
        return 0
    start = parse_month(a.start, "start")
    months = parse_month(a.end, "end") - start + 1
    first = months
    if sa.west_withdrawal_share != sb.west_withdrawal_share:
        cut = parse_month(sa.west_withdrawal_date, "scenario.west_withdrawal_date") - start
        if 0 <= cut < months:
            first = min(first, cut)

    def dated(scenario: Any) -> list[tuple[int, Any]]:
        out = [(parse_month(e.date, "event date") - start, e) for e in world_events(scenario)]
        return [(m, e) for m, e in out if 0 <= m < months]

    ea, eb = dated(sa), dated(sb)
    for k in range(max(len(ea), len(eb))):
        here = [x for x in (ea[k] if k < len(ea) else None, eb[k] if k < len(eb) else None)
                if x is not None]
        if len(here) == 1 or here[0] != here[1]:
            return min(first, *(m for m, _ in here))
    return first
