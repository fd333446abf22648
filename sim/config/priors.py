"""The assumptions of the schema and their priors: every ``param(..., prior=(lo, hi))`` field
reachable from a run configuration's sections through dataclass fields (not mapping keys: a
world's per-entity values are listed in its file, with their tags).

A world's own assumptions (its per-entity values tagged [A] in the world file) have their priors
in the world's ``priors`` block: a path below ``world`` (``*`` over a mapping's keys) and a
range of a factor that multiplies every value the path names (:func:`world_priors`); or, where
the default is no guide to the range (a share that is 0 by default), in its ``value_priors``
block: a range of the value itself.

A sweep over plausible worlds samples these (``experiment.sample_priors``), uniformly on each
prior range; an integer field takes whole numbers.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from typing import Any

from sim.config.schema import RunConfig

__all__ = ["SECTIONS", "Prior", "priors", "world_priors"]

#: The sections an experiment's ``sample_priors`` may name.
SECTIONS = ("params", "rules", "metrics", "scenario", "world")


@dataclasses.dataclass(frozen=True)
class Prior:
    """One assumption: its dotted path, its prior range [lo, hi], whether it is a whole number
    and whether the range is of a factor on the values at the path (``scale``) rather than of
    the value itself."""

    path: str
    lo: float
    hi: float
    integer: bool
    scale: bool = False


def priors(sections: Sequence[str] = ("params", "rules", "metrics", "scenario"),
           schema: type = RunConfig) -> list[Prior]:
    """Every field with a prior under the given top-level ``sections``, in schema order."""
    out: list[Prior] = []

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            path = f"{prefix}.{f.name}" if prefix else f.name
            typ: Any = hints[f.name]
            if dataclasses.is_dataclass(typ):
                walk(typ, path)
                continue
            prior = f.metadata.get("prior")
            if prior is not None:
                out.append(Prior(path=path, lo=float(prior[0]), hi=float(prior[1]),
                                 integer=typ is int))

    for section in sections:
        typ = typing.get_type_hints(schema)[section]
        walk(typ, section)
    return out


def world_priors(world: Any) -> list[Prior]:
    """The priors of a world's ``priors`` block, as factors (``scale``) at ``world.<path>``, then
    those of its ``value_priors`` block, on the values themselves; each in the file's order."""
    return ([Prior(path=f"world.{path}", lo=float(lo), hi=float(hi), integer=False, scale=True)
             for path, (lo, hi) in world.priors.items()]
            + [Prior(path=f"world.{path}", lo=float(lo), hi=float(hi), integer=False)
               for path, (lo, hi) in getattr(world, "value_priors", {}).items()])
