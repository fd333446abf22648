"""Generate ``docs/parameters.md``: every parameter of the config schema, and the Sahel world's values.

``python -m sim.docs`` writes the file; ``python -m sim.docs --check`` exits 1 if it is out of date
(the test suite runs the check). The file has three parts:

1. the schema (:mod:`sim.config`), walked from :class:`~sim.config.RunConfig`: every field's
   dotted path (``<state>``, ``<power>``, ``<group>``, ``<kind>``, ``<date>``, ``<region>``
   stand for dict keys, ``[<i>]`` for list items), its default, allowed range, unit and meaning.
   Range, unit and meaning come from the :func:`sim.config.param` metadata; fields without a
   ``doc`` get the short description in :data:`FIELD_NOTES`.
2. the settings the validation command adds to a run configuration
   (:class:`sim.validate.config.ValidateConfig`: ``replicates``, ``hindcast_start``,
   ``hindcast_end``, ``n_jobs``, ``politics_rules``), in the same form.
3. the Sahel world (``configs/world/sahel.yaml``): the values it sets for powers, states, groups
   and the world itself, each beside its schema default and the source comment on its line
   (``[F x]`` = docs/sources.md section x, ``[A]`` = assumption, ``[C: Cn]`` = calibrated to
   pattern Cn); regions and snapshots are summarized.

Both parts are generated from the schema and the config, never typed by hand, so regenerating the
file fixes any drift. Importing this module does nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import config as C

__all__ = ["DEFAULT_OUTPUT", "FIELD_NOTES", "ParamRow", "main", "render", "schema_rows",
           "validate_rows"]

#: Where ``python -m sim.docs`` writes (the repository's docs folder).
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"

#: Placeholder for the keys of a dict field, by field name.
PLACEHOLDERS = {
    "states": "<state>", "powers": "<power>", "groups": "<group>", "instruments": "<kind>",
    "snapshots": "<date>", "receptivity": "<power>", "rivals": "<group>", "vacuum": "<power>",
    "control": "<region>", "interest_by_state": "<state>",
}

#: Meaning of fields whose ``param`` metadata has no ``doc`` (and of the plain, non-``param``
#: fields). Keys are schema paths as rendered; a key that names no field, or a field whose
#: metadata has its own ``doc``, is an error, so these notes cannot outlive or shadow the field
#: they describe.
FIELD_NOTES: dict[str, str] = {
    "seed": "seed of every random stream of the run (numpy SeedSequence)",
    "start": "first month of the run, YYYY-MM; a world snapshot must exist on or before it",
    "end": "last month of the run, YYYY-MM (inclusive)",
    "world.name": "name of the world (reported in summary.json)",
    "world.regions[<i>].id": "region id (ISO 3166-2 in the Sahel world), part of the output contract",
    "world.regions[<i>].name": "display name",
    "world.regions[<i>].state": "id of the state that owns the region",
    "world.regions[<i>].lat": "latitude of the representative point (adjacency)",
    "world.regions[<i>].lon": "longitude of the representative point (adjacency)",
    "world.regions[<i>].population": "people living in the region",
    "world.states.<state>.name": "display name",
    "world.states.<state>.receptivity.<power>": "long-run affinity of the host to the power "
                                                "(base receptivity); unlisted powers get the "
                                                "state's default_receptivity",
    "world.powers.<power>.name": "display name",
    "world.powers.<power>.interest_by_state.<state>": "strategic interest in this state, in "
                                                      "place of strategic_interest (read by the "
                                                      "proportional rule)",
    "world.powers.<power>.instruments.<kind>.unit_cost_usd": "gross cost of one unit",
    "world.powers.<power>.instruments.<kind>.effectiveness": "combat power of one person "
                                                            "(0 for money instruments)",
    "world.groups.<group>.name": "display name",
    "world.groups.<group>.kind": "jihadist or separatist (recorded; no process reads it)",
    "world.groups.<group>.effectiveness": "combat power per fighter (threat A)",
    "world.groups.<group>.civilian_targeting": "civilian deaths per attack (Poisson mean)",
    "world.groups.<group>.mobility": "share of fighters moving to neighbouring regions each month",
    "world.groups.<group>.upkeep_usd": "cost of keeping a fighter (denominator of the funding "
                                       "boost to recruitment)",
    "world.groups.<group>.rivals.<group>": "rivalry weight [0, 1]: clashes between the two groups",
    "world.snapshots.<date>.states.<state>.regime": "regime at the snapshot date",
    "world.snapshots.<date>.states.<state>.legitimacy": "legitimacy at the snapshot date",
    "world.snapshots.<date>.states.<state>.army_personnel": "army size at the snapshot date",
    "world.snapshots.<date>.states.<state>.defence_budget_usd": "defence budget at the snapshot "
                                                                "date (also its reference budget)",
    "world.snapshots.<date>.states.<state>.agreements": "powers with a security agreement",
    "world.snapshots.<date>.deployments[<i>].power": "power deployed",
    "world.snapshots.<date>.deployments[<i>].state": "state it is deployed in",
    "world.snapshots.<date>.deployments[<i>].instrument": "instrument kind",
    "world.snapshots.<date>.deployments[<i>].level": "persons, or USD/month for money "
                                                     "instruments",
    "world.snapshots.<date>.fighters": "fighters by group and region: {group: {region: n}}",
    "world.snapshots.<date>.control.<region>": "government control share; unlisted regions 1",
    "world.synthetic.n_states": "states of a generated world",
    "world.synthetic.n_regions": ("regions of a generated world (at least one per state); 1e6 "
                                  "regions take about 1.5 GB and 15 s to generate and check"),
    "world.synthetic.n_groups": "armed groups of a generated world",
    "world.synthetic.n_powers": "foreign powers of a generated world",
    "scenario.name": "name of the scenario (reported in summary.json)",
    "scenario.description": "one line on what the scenario changes",
    "scenario.events[<i>].date": "month the event applies, YYYY-MM",
    "scenario.events[<i>].kind": "what happens",
    "scenario.events[<i>].actor": "power (deploy, withdraw, budget), state (expel, agreement, "
                                  "budget)",
    "scenario.events[<i>].target": "state (coup, deploy, withdraw), power (expel, agreement), "
                                   "or nothing",
    "scenario.events[<i>].instrument": "instrument of a deploy or withdraw (withdraw: empty = "
                                       "every person instrument)",
    "scenario.events[<i>].value": "deploy/withdraw: level to reach; budget: USD/year; param: "
                                  "new value",
    "scenario.events[<i>].months": "ramp-up or drawdown lag of this event (default: the "
                                   "instrument's)",
    "scenario.events[<i>].path": "param events: dotted path of the numeric parameter to change",
    "scenario.events[<i>].id": "name used by scenario.exclude_events",
    "scenario.events[<i>].note": "source or comment, copied into the events table",
    "scenario.exclude_events": "ids of events of the base scenario to leave out",
    "scenario.endogenous_expulsion": "military regimes expel partners whose receptivity falls "
                                     "below params.hosts.expel_threshold",
    "scenario.endogenous_coups": "coups also happen at params.hosts.coup_base_hazard",
    "scenario.protected": "powers that no host expels and that never withdraw over casualties",
    "scenario.west_withdrawal_date": "month (YYYY-MM) of the Western cut; used only when "
                                     "west_withdrawal_share > 0",
    "rules.vacuum.<power>": "vacuum-filling rule of the power",
    "rules.default_vacuum": "rule of powers not listed in rules.vacuum",
    "rules.plugins": "modules imported to register user rules",
    "rules.opportunistic.max_personnel": "largest footprint in one state",
    "rules.cost_benefit.footprint_fraction": "size of the footprint considered",
    "rules.cost_benefit.max_personnel": "largest footprint in one state",
    "rules.rivalry.max_personnel": "largest footprint in one state",
    "params.combat.lethality_state": "state-side deaths per hostile attack, times (1 - success)",
    "params.combat.lethality_fighters": "fighter deaths per hostile attack, times success",
    "params.combat.operations_rate": "fighter deaths per engaged effective soldier per month",
    "params.combat.clash_rate": "deaths per month per rival fighter, times the rivalry weight",
    "params.hosts.legitimacy_rate": "speed of legitimacy toward its target",
    "params.hosts.legitimacy_insecurity_weight": "legitimacy lost at full insecurity",
    "params.hosts.legitimacy_harm_weight": "legitimacy lost per civilian death by the state "
                                           "side per 10,000 people (12-month memory, capped at 1)",
    "params.hosts.receptivity_rate": "speed of receptivity toward its target",
    "params.influence.security_weight": "weight of a power's share of security capacity",
    "params.influence.arms_weight": "weight of its share of arms delivered (12-month memory)",
    "params.influence.aid_weight": "weight of its share of aid",
    "params.influence.info_weight": "weight of its share of information operations",
    "params.resources.concessions_enabled": "hosts may pay in resource concessions",
    "metrics.horizon_start": "first month of the metrics horizon (empty = start)",
    "metrics.horizon_end": "last month of the metrics horizon (empty = end)",
    "output.plots": "write the run's PNG figures",
}


#: Description of the schema classes that have no docstring.
SECTION_NOTES: dict[str, str] = {
    "ScenarioConfig": "The scenario (docs/ODD.md section 9): dated events and which processes are "
                      "endogenous.",
    "ProportionalParams": "Rule `proportional`: spend in proportion to vacuum x receptivity x "
                          "strategic interest.",
    "OpportunisticParams": "Rule `opportunistic` (the cheap-win strategy): enter where a rival "
                           "left, cheapest force, leave past a cost cap.",
    "CostBenefitParams": "Rule `cost_benefit`: enter where expected influence gain per own net "
                         "cost passes a threshold.",
    "RivalryParams": "Rule `rivalry`: answer a rival's influence gain with a matching "
                     "commitment.",
    "ParamsConfig": "Process parameters (docs/ODD.md section 3).",
    "OutputConfig": "What a run writes besides its tables.",
}


@dataclass(frozen=True)
class ParamRow:
    """One row of the schema table."""

    section: str  # dotted path of the dataclass holding the field
    path: str  # dotted path of the field
    default: str
    allowed: str
    unit: str
    meaning: str
    is_param: bool  # declared with sim.config.param (has range metadata)


# --------------------------------------------------------------------------- formatting


def fmt(value: Any) -> str:
    """A value as it would be written in YAML, compactly (``1e9``, ``0.0005``, ``22,395,489``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value == 2**63 - 1:
            return "2^63-1"
        return f"{value:,}" if abs(value) >= 1000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e6:
            return fmt(int(value))
        text = f"{value:.6g}"
        m = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", text)
        if m:
            text = f"{m.group(1)}e{'-' if m.group(2) == '-' else ''}{m.group(3)}"
        return text
    if isinstance(value, str):
        return f'"{value}"' if value == "" else value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    """Escape a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _choices() -> dict[str, str]:
    """Allowed values of the string fields, from the constants the validation uses."""
    from sim.rules import registry

    # built-ins only: a user rule registered in this process (a plugin, a test) is not the schema's
    rules = ", ".join(n for n in registry.names() if registry.get(n).__module__ == "sim.rules.vacuum")
    instruments = ", ".join(C.INSTRUMENT_KINDS)
    return {
        "start": "YYYY-MM",
        "end": "YYYY-MM, >= start",
        "world.kind": "listed, synthetic",
        "world.regions[<i>].state": "a state id",
        "world.groups.<group>.kind": "jihadist, separatist",
        "world.snapshots.<date>.states.<state>.regime": "civilian, military",
        "world.snapshots.<date>.states.<state>.agreements": "power ids",
        "world.snapshots.<date>.deployments[<i>].power": "a power id",
        "world.snapshots.<date>.deployments[<i>].state": "a state id",
        "world.snapshots.<date>.deployments[<i>].instrument": "an instrument of the power: "
                                                              + instruments,
        "world.snapshots.<date>.control.<region>": "[0, 1]",
        "world.states.<state>.receptivity.<power>": "[0, 1]",
        "world.groups.<group>.rivals.<group>": "[0, 1]",
        "world.powers.<power>.interest_by_state.<state>": "[0, 10]",
        "scenario.events[<i>].date": "YYYY-MM",
        "scenario.events[<i>].kind": ", ".join(C.EVENT_KINDS),
        "scenario.events[<i>].instrument": instruments,
        "scenario.events[<i>].months": ">= 1",
        "scenario.exclude_events": "event ids",
        "scenario.protected": "power ids",
        "scenario.west_withdrawal_date": "YYYY-MM",
        "rules.vacuum.<power>": f"a registered rule; built-in: {rules}",
        "rules.default_vacuum": f"a registered rule; built-in: {rules}",
        "metrics.horizon_start": "YYYY-MM within the run, or empty",
        "metrics.horizon_end": "YYYY-MM within the run, or empty",
        "hindcast_start": "YYYY-MM, on or after a world snapshot",
        "hindcast_end": "YYYY-MM, >= hindcast_start",
        "politics_rules": f"power ids -> registered rules; built-in: {rules}",
    }


def _range(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    return f"[{'-inf' if lo is None else fmt(lo)}, {'inf' if hi is None else fmt(hi)}]"


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in typing.get_args(tp))}]"
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    return getattr(tp, "__name__", str(tp)).replace("NoneType", "None")


# --------------------------------------------------------------------------- schema walk


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _describe(cls: type) -> str:
    """First line of a schema class's docstring (dataclasses invent one from the signature
    where the class has none: then :data:`SECTION_NOTES`)."""
    doc = (cls.__doc__ or "").strip()
    if not doc or doc.startswith(cls.__name__ + "("):
        return SECTION_NOTES[cls.__name__]
    return doc.splitlines()[0]


def _walk(cls: type, prefix: str, rows: list[ParamRow], sections: dict[str, str]) -> None:
    sections.setdefault(prefix, _describe(cls))
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        path = f"{prefix}.{f.name}" if prefix else f.name
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if dataclasses.is_dataclass(tp):
            _walk(tp, path, rows, sections)
            continue
        if origin is dict and dataclasses.is_dataclass(args[1]):
            _walk(args[1], f"{path}.{PLACEHOLDERS.get(f.name, '<key>')}", rows, sections)
            continue
        if origin is list and args and dataclasses.is_dataclass(args[0]):
            _walk(args[0], f"{path}[<i>]", rows, sections)
            continue
        if origin is dict and f.name in PLACEHOLDERS:
            path = f"{path}.{PLACEHOLDERS[f.name]}"
            shown_type = _type_name(args[1])
        else:
            shown_type = _type_name(tp)
        md = f.metadata
        if md.get("doc") and path in FIELD_NOTES:
            raise ValueError(f"sim.docs.FIELD_NOTES describes {path!r}, which has its own doc in "
                             "sim.config: remove the note")
        is_param = "unit" in md
        default = _default(f)
        rows.append(ParamRow(
            section=prefix, path=path,
            default="(none)" if default in ({}, []) else fmt(default),
            allowed=_range(md.get("lo"), md.get("hi")) or shown_type,
            unit=md.get("unit", ""),
            meaning=md.get("doc") or FIELD_NOTES.get(path, ""),
            is_param=is_param))


def _schema_classes(cls: type) -> set[str]:
    """Names of every dataclass reachable from ``cls``."""
    found = {cls.__name__}
    for tp in typing.get_type_hints(cls).values():
        for t in (tp, *typing.get_args(tp)):
            if dataclasses.is_dataclass(t) and t.__name__ not in found:
                found |= _schema_classes(t)
    return found


def schema_rows() -> tuple[list[ParamRow], dict[str, str]]:
    """Every leaf field of the schema, walked from RunConfig, and each section's description.

    Raises:
        ValueError: if :data:`FIELD_NOTES` names a field the schema does not have.
    """
    rows: list[ParamRow] = []
    sections: dict[str, str] = {}
    _walk(C.RunConfig, "", rows, sections)
    rows = _with_choices(rows)
    known = {r.path for r in rows} | {r.path for r in validate_rows()}
    stale = sorted((set(FIELD_NOTES) | set(_choices())) - known)
    stale += sorted(set(SECTION_NOTES) - _schema_classes(C.RunConfig))
    if stale:
        raise ValueError(f"sim.docs describes fields the schema does not have: {stale}")
    return rows, sections


def _with_choices(rows: list[ParamRow]) -> list[ParamRow]:
    """``rows`` with the allowed values of :func:`_choices` where a field has no numeric range
    (a range from the metadata always wins)."""
    choices = _choices()
    return [dataclasses.replace(r, allowed=choices[r.path])
            if r.path in choices and not r.allowed.startswith("[") else r for r in rows]


def validate_rows() -> list[ParamRow]:
    """The fields the validation command adds to a run configuration
    (:class:`sim.validate.config.ValidateConfig`: replicates, hindcast window, worker processes,
    the rules of the politics hindcasts),
    as rows of the same form as :func:`schema_rows`."""
    from sim.validate.config import VALIDATE_FIELDS, ValidateConfig

    rows: list[ParamRow] = []
    _walk(ValidateConfig, "", rows, {})
    return _with_choices([r for r in rows if r.path in VALIDATE_FIELDS])


# --------------------------------------------------------------------------- the Sahel world


_KEY = re.compile(r'^(\s*)("[^"]+"|[A-Za-z_][\w\-]*)\s*:\s?(.*)$')
_COMMENT = re.compile(r"(^|\s)#\s?(.*)$")
_TAG = re.compile(r"\[(F|A|C)\b([^\[\]]*)")


@dataclass
class _Comments:
    """Comments of a YAML file, by key path: on the key's line, and in the block just above it."""

    inline: dict[tuple[str, ...], str]
    above: dict[tuple[str, ...], str]

    def of(self, path: tuple[str, ...]) -> tuple[str, str]:
        """``(comment, where)`` for ``path``: its own line's comment, else the comment block
        above it, else the nearest enclosing key's block (``where`` = "line", "above" or
        the enclosing key)."""
        if self.inline.get(path):
            return self.inline[path], "line"
        if self.above.get(path):
            return self.above[path], "above"
        for n in range(len(path) - 1, 1, -1):  # not the top-level key (the file's header)
            if self.above.get(path[:n]):
                return self.above[path[:n]], ".".join(path[:n])
        return "", ""


def yaml_comments(text: str) -> _Comments:
    """Map each mapping key of a block-style YAML file to its comments (list items are skipped)."""
    inline: dict[tuple[str, ...], str] = {}
    above: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []
    block: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            block = []
            continue
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
            continue
        m = _KEY.match(line)
        if not m or stripped.startswith("- "):
            block = []
            continue
        indent, key, rest = len(m.group(1)), m.group(2).strip('"'), m.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = tuple(k for _, k in stack) + (key,)
        c = _COMMENT.search(rest)
        value = rest[:c.start()].strip() if c else rest.strip()
        if c:
            inline[path] = c.group(2).strip()
        if block:
            above[path] = " ".join(block)
        block = []
        if not value:
            stack.append((indent, key))
    return _Comments(inline, above)


def _tags(comment: str) -> str:
    """The source tags of a comment, normalized: ``[F 2a]``, ``[A]``, ``[C: C7]``."""
    tags: list[str] = []
    for kind, body in _TAG.findall(comment):
        if kind == "A":
            tags.append("[A]")
        elif kind == "F":
            tags += [f"[F {x}]" for x in re.findall(r"F\s*(\d+[a-z]?)\b", "F" + body)]
        else:
            tags += [f"[C: C{x}]" for x in re.findall(r"C(\d+)", body)]
    return " ".join(dict.fromkeys(tags)) or "-"


def _load_yaml(path: Path) -> dict[str, Any]:
    from omegaconf import OmegaConf  # its YAML loader reads 1e9 as a float (PyYAML's does not)

    return OmegaConf.to_container(OmegaConf.load(path), resolve=False)


def _same(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        return value == default
    try:
        return float(value) == float(default)
    except (TypeError, ValueError):
        return False


def _world_rows(world: dict[str, Any], comments: _Comments,
                ) -> tuple[list[tuple[str, ...]], dict[str, str]]:
    """Rows ``(path, value, default, tags, comment)`` of the entities set in the world config,
    and the notes of enclosing sections that rows without a comment of their own refer to."""
    rows: list[tuple[str, ...]] = []
    notes: dict[str, str] = {}

    def add(path: tuple[str, ...], value: Any, default: Any, comment_path: tuple[str, ...]) -> None:
        comment, where = comments.of(comment_path)
        same = isinstance(value, (int, float, str, bool)) and _same(value, default)
        if same and where not in ("line", "above"):
            return  # restates the default and says nothing about it
        if where in ("line", "above") or not comment:
            shown = comment
        else:
            notes[where] = comment
            shown = f"see the note on `{where}`"
        rows.append((".".join(path[1:]), fmt(value),
                     ("= default " if same else "") + ("(none)" if default in ({}, []) else
                                                       fmt(default)),
                     _tags(comment), shown))

    def entity(kind: str, cls: type) -> None:
        defaults = cls()
        for key, values in world.get(kind, {}).items():
            for name, value in values.items():
                if name in ("name", "instruments"):
                    continue
                add(("world", kind, key, name), value, getattr(defaults, name),
                    ("world", kind, key, name))
            for ikind, ivalues in (values.get("instruments") or {}).items():
                idef = C.InstrumentConfig()
                shown = {n: v for n, v in ivalues.items()}
                diff = [n for n, v in ivalues.items() if not _same(v, getattr(idef, n))]
                defaults_shown = {n: getattr(idef, n) for n in diff}
                add(("world", kind, key, "instruments", ikind), shown, defaults_shown or {},
                    ("world", kind, key, "instruments", ikind))

    for name in ("adjacency_k",):
        if name in world:
            add(("world", name), world[name], getattr(C.WorldConfig(), name), ("world", name))
    entity("powers", C.PowerConfig)
    entity("states", C.StateConfig)
    entity("groups", C.GroupConfig)
    return rows, notes


def _regions_summary(world: dict[str, Any], comments: _Comments) -> list[str]:
    regions = world.get("regions", [])
    by_state: dict[str, list[dict[str, Any]]] = {}
    for r in regions:
        by_state.setdefault(r["state"], []).append(r)
    comment, _ = comments.of(("world", "regions"))
    out = [f"{len(regions)} regions. Source: {comment} Tags: {_tags(comment)}.", "",
           "| state | regions | population per region | resource rent, USD/month (regions with rent) |",
           "|---|---|---|---|"]
    for state, rs in by_state.items():
        pops = sorted({r.get("population", 0) for r in rs})
        pop = fmt(pops[0]) if len(pops) == 1 else f"{fmt(pops[0])} to {fmt(pops[-1])}"
        rent = [r for r in rs if r.get("resource_rent_usd", 0)]
        total = sum(r["resource_rent_usd"] for r in rent)
        rent_s = (f"{fmt(float(total))} ("
                  + ", ".join(f"{r['id']} {fmt(float(r['resource_rent_usd']))}" for r in rent)
                  + ")") if rent else "0"
        out.append(f"| {state} | {len(rs)} | {pop} | {_cell(rent_s)} |")
    return out


def _snapshot_summary(date: str, snap: dict[str, Any], comments: _Comments) -> list[str]:
    base = ("world", "snapshots", date)
    out = [f"#### Snapshot {date}", ""]
    c, _ = comments.of(base + ("states",))
    out += [f"States. Source: {_cell(c)} Tags: {_tags(c)}.", "",
            "| state | regime | legitimacy | army_personnel | defence_budget_usd | agreements |",
            "|---|---|---|---|---|---|"]
    for s, v in snap.get("states", {}).items():
        out.append(f"| {s} | {v.get('regime', '')} | {fmt(v.get('legitimacy'))} | "
                   f"{fmt(v.get('army_personnel'))} | {fmt(float(v.get('defence_budget_usd', 0)))} | "
                   f"{', '.join(v.get('agreements', []))} |")
    c, _ = comments.of(base + ("deployments",))
    out += ["", f"Deployments. Source: {_cell(c)} Tags: {_tags(c)}.", "",
            "| power | state | instrument | level |", "|---|---|---|---|"]
    for d in snap.get("deployments", []):
        out.append(f"| {d['power']} | {d['state']} | {d['instrument']} | {fmt(d['level'])} |")
    c, _ = comments.of(base + ("fighters",))
    out += ["", f"Fighters. Source: {_cell(c)} Tags: {_tags(c)}.", "",
            "| group | fighters | regions |", "|---|---|---|"]
    for g, by_region in snap.get("fighters", {}).items():
        out.append(f"| {g} | {fmt(sum(by_region.values()))} | "
                   + ", ".join(f"{r} {fmt(v)}" for r, v in by_region.items()) + " |")
    c, _ = comments.of(base + ("control",))
    control = snap.get("control", {})
    out += ["", "Government control below 1: "
            + ", ".join(f"{r} {fmt(v)}" for r, v in control.items())
            + f". Source: {c} Tags: {_tags(c)}. Every other region starts at 1."]
    return out


_WORLD_INTRO = (
    "Each row is a value the file sets, beside the schema default it replaces (`= default` "
    "where it restates it) and the source comment of its line. Where the line has no comment, "
    "the comment block above it is shown, or the row refers to the note of the enclosing "
    "section (listed first). A comment covers the figure it names; any other value on the line "
    "is an assumption. Tags: `[F x]` = docs/sources.md section x, `[A]` = assumption (reason in "
    "docs/ODD.md, Calibration), `[C: Cn]` = calibrated to pattern Cn (docs/sources.md, section "
    "C); `-` = no tag.")


def world_section(path: Path) -> list[str]:
    """The Sahel world part of the page, from the YAML file at ``path``."""
    text = path.read_text(encoding="utf-8")
    comments = yaml_comments(text)
    data = _load_yaml(path)
    world = data.get("world", {})
    rel = f"configs/world/{path.name}"
    out = [f"## The {world.get('name', path.stem)} world: configured values", "",
           f"Read from `{rel}`. " + _WORLD_INTRO, ""]
    rows, notes = _world_rows(world, comments)
    out += [f"- Note on `{where}`: {note}" for where, note in notes.items()]
    out += ["", "| path (under `world.`) | value | schema default | tags | source or reason |",
            "|---|---|---|---|---|"]
    for row in rows:
        out.append("| " + " | ".join(_cell(x) if i else f"`{x}`" for i, x in enumerate(row)) + " |")
    out += ["", "### Regions", ""] + _regions_summary(world, comments)
    out += ["", "### Snapshots (initial conditions)", ""]
    for date, snap in world.get("snapshots", {}).items():
        out += _snapshot_summary(str(date), snap, comments) + [""]
    rules = data.get("rules", {}).get("vacuum", {})
    if rules:
        out += ["The world file also lists every power under `rules.vacuum` ("
                + ", ".join(f"{p}: {r}" for p, r in rules.items())
                + ") so that `rules.vacuum.<power>=<rule>` works on the command line; scenarios "
                  "choose the rules.", ""]
    return out


# --------------------------------------------------------------------------- the page

_HEADER = ("<!-- Generated by `python -m sim.docs` from sim/config.py and "
           "configs/world/sahel.yaml. Do not edit: regenerate. -->")
_INTRO = (
    "Every field of the run configuration (`sim/config.py`, walked from `RunConfig`), with its "
    "default, allowed range, unit and meaning, the settings the validation command adds, then the "
    "values the Sahel world sets. The schema "
    "is the only place a default lives; Hydra overrides use the dotted paths (e.g. "
    "`params.combat.tullock_m=2`, "
    "`world.powers.russia.instruments.contractors.host_cash_share=0.5`). Placeholders: "
    "`<state>`, `<power>`, `<group>`, `<region>` are entity ids, `<kind>` an instrument "
    "({kinds}), `<date>` a snapshot's YYYY-MM, `[<i>]` a list item. Ranges are checked by "
    "`sim.engine.prepare.prepare` (with the pure checks of `sim.config.checks`) before a run "
    "starts; a range printed as a type means the field carries no range metadata.")


_VALIDATE_INTRO = (
    "The validation command (`sahel-sim-validate`, also `python -m sim.validate`; "
    "`configs/validate.yaml`) takes every field above plus these settings "
    "(`ValidateConfig` in `sim/validate/config.py`), e.g. `sahel-sim-validate replicates=20 "
    "n_jobs=2`. Each replicate is a run of the scenario (`start` .. `end`) and a hindcast run of "
    "the same configuration from `hindcast_start` to `hindcast_end`, with the same seed; "
    "replicate seeds are spawned from `seed`. A third run per replicate, the politics hindcast "
    "(the hindcast with coups, sanctions, partner choice and casualty withdrawal endogenous, "
    "and the rules of `politics_rules` where the scenario gives a power none), is scored on the "
    "pre-2020 political targets P1-P6. docs/ODD.md, section 11, gives the measured scores.")


def _table(rows: list[ParamRow]) -> list[str]:
    """The Markdown table of ``rows``: parameter, default, allowed, unit, meaning."""
    return (["| parameter | default | allowed | unit | meaning |", "|---|---|---|---|---|"]
            + [f"| `{r.path}` | {_cell(r.default)} | {_cell(r.allowed)} | {_cell(r.unit)} | "
               f"{_cell(r.meaning)} |" for r in rows])


def render(world_yaml: Path | None = None) -> str:
    """The whole of docs/parameters.md."""
    if world_yaml is None:
        from sim.config import config_dir

        world_yaml = config_dir() / "world" / "sahel.yaml"
    rows, sections = schema_rows()
    settings = validate_rows()
    counts = (f"{sum(r.is_param for r in rows)} parameters with ranges, "
              f"{sum(not r.is_param for r in rows)} other fields; {len(settings)} validation "
              "settings.")
    out = [_HEADER, "", "# Parameters", "",
           _INTRO.format(kinds=", ".join(C.INSTRUMENT_KINDS)), "", counts, "", "## Schema", ""]
    for section, description in sections.items():
        in_section = [r for r in rows if r.section == section]
        if not in_section:
            continue
        out += ["", f"### {f'`{section}`' if section else 'top level'}", "", description, ""]
        out += _table(in_section)
    out += ["", "## Validation settings", "", _VALIDATE_INTRO, ""] + _table(settings)
    out += ["", ""] + world_section(world_yaml)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/parameters.md, or with ``--check`` return 1 if it is out of date."""
    parser = argparse.ArgumentParser(prog="python -m sim.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file differs from what would be generated")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the file to write")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
        if current != text:
            print(f"{args.output} is out of date: run `python -m sim.docs`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
