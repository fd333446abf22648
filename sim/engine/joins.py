"""Worlds that join a batch late: a run's twin runs only from the first month in which it can
differ from its run (:func:`sim.engine.batch.first_difference`), as a copy of its run's state
(docs/engine.md, "A twin joins its run's batch late").

A model with joins steps only the worlds that run now, the first ``active`` of its batch: inside
:func:`head` its config, world, state, recorder, keys and protected powers are views of theirs.
At the start of a joining month, :func:`join` copies each joining world's source into it (every
state array, the recorded months before, the events). These functions act on a
:class:`sim.model.SahelModel` (not imported here: the model imports this module).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from sim.engine.batch import head_config
from sim.world.build import SHARED_FIELDS

__all__ = ["check_joins", "head", "join"]

#: The model's attributes that :func:`head` narrows to the worlds that run now.
_KEYS = ("recruit_keys", "attack_keys", "combat_keys", "politics_keys")


def check_joins(joins: Sequence[tuple[int, int] | None] | None, n: int, seeds: Sequence[int]
                ) -> list[tuple[int, int] | None]:
    """``joins`` as a list of ``(month, source)`` or ``None`` (one per world of ``n``), checked:
    the worlds that join come after those that run from the first month, in the order of their
    months, each a copy of such a world with the same seed.

    Raises:
        ValueError: naming the entry and what is allowed.
    """
    if joins is None:
        return [None] * n
    out = [None if j is None or int(j[0]) <= 0 else (int(j[0]), int(j[1])) for j in joins]
    if len(out) != n:
        raise ValueError(f"joins: {len(out)} entries for {n} worlds; allowed: one per world")
    first = sum(1 for j in out if j is None)
    months = [j[0] for j in out[first:] if j is not None]
    if any(j is not None for j in out[:first]) or len(months) != n - first \
            or months != sorted(months):
        raise ValueError("joins: the worlds that join later must come after those that run "
                         "from the first month, in the order of their months")
    bad = [j[1] for j in out[first:] if not 0 <= j[1] < first]
    if bad:
        raise ValueError(f"joins: source world {bad[0]}; allowed: a world that runs from the "
                         f"first month, 0 to {first - 1}")
    for b, j in enumerate(out):
        if j is not None and seeds[j[1]] != seeds[b]:
            raise ValueError(f"joins: world {b} (seed {seeds[b]}) joins as a copy of world "
                             f"{j[1]} (seed {seeds[j[1]]}); allowed: a source with the same seed")
    return out


def join(model: Any, month: int) -> None:
    """The worlds that join at the start of ``month`` become copies of their sources: every
    state array, the recorded months before ``month`` and the events."""
    joining = [(b, j[1]) for b, j in enumerate(model.joins)
               if j is not None and b >= model.active and j[0] <= month]
    if not joining:
        return
    dst = np.array([b for b, _ in joining])
    src = np.array([s for _, s in joining])
    for value in vars(model.state).values():
        if isinstance(value, np.ndarray):
            value[dst] = value[src]
    model.recorder.copy_worlds(src, dst, min(month, model.n_months))
    model.active = int(dst.max()) + 1


@contextmanager
def head(model: Any) -> Iterator[None]:
    """Inside this block the model's batch is its first ``active`` worlds: its config, world,
    state, recorder, keys, protected powers and coups are views of theirs. A state array a process
    replaces is copied back into the batch's."""
    n = model.active
    full_cfg, full_world, whole, full_rec = model.cfg, model.world, model.state, model.recorder
    full_protected, full_coups = model.protected, model.coups
    full_keys = {k: getattr(model, k) for k in _KEYS}
    # the config's, the world's and the recorder's views of the first n worlds, made once for
    # each (config, world, recorder) and n: none of them is replaced while the worlds run (a
    # param or budget event replaces the config and the world, a join changes n)
    key = (id(full_cfg), id(full_world), id(full_rec), n)
    if key not in model.heads:  # (the keyed objects are kept with their views: ids stay theirs)
        model.heads = {key: (head_config(full_cfg, n), _head_world(full_world, n),
                             full_rec.head(n), (full_cfg, full_world, full_rec))}
    head_cfg, world, recorder, _ = model.heads[key]
    state = copy.copy(whole)
    views = {name: value[:n] for name, value in vars(whole).items()
             if isinstance(value, np.ndarray)}
    for name, view in views.items():
        setattr(state, name, view)
    model.cfg, model.world, model.state = head_cfg, world, state
    model.recorder = recorder
    model.protected, model.coups = full_protected[:n], full_coups[:n]
    for k, v in full_keys.items():
        setattr(model, k, v[:n])
    try:
        yield
    finally:
        for name, value in vars(state).items():
            if name in views:
                if value is not views[name]:  # replaced, not written through the view
                    getattr(whole, name)[:n] = value
            else:
                setattr(whole, name, value)
        model.cfg, model.world, model.state, model.recorder = full_cfg, full_world, whole, full_rec
        model.protected, model.coups = full_protected, full_coups
        for k, v in full_keys.items():
            setattr(model, k, v)


def _head_world(world: Any, n: int) -> Any:
    """A copy of ``world`` whose per-world arrays are views of its first ``n`` worlds (the
    fields the batch shares, :data:`sim.world.build.SHARED_FIELDS`, are its own)."""
    out = copy.copy(world)
    for name, value in vars(world).items():
        if name not in SHARED_FIELDS and isinstance(value, np.ndarray):
            setattr(out, name, value[:n])
    return out
