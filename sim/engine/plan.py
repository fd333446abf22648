"""The planning of a batch's runs and twins (docs/engine.md): configs grouped by structure, each
group run as one batch with its runs' twins joining late, the summaries of every world at once.
:mod:`sim.api` is the public front (``run``, ``run_batch``, ``run_worlds``); this is what they
call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig
from sim.config.hashing import config_text
from sim.engine.batch import first_difference, group_by_structure
from sim.engine.lazy_mesa import import_mesa
from sim.engine.prepare import prepare
from sim.metrics import summarize_batch
from sim.provenance import provenance
from sim.record import TABLES, LazyRunArrays
from sim.twin import premium, twin_config

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.record import Recorder, RunArrays

__all__ = ["LazyTables", "Memo", "WorldRun", "per_config", "run_group", "run_worlds", "simulate"]


@dataclass
class WorldRun:
    """One world's run as planned and run: its config (with its seed), tables (built when read),
    summary and recorded arrays; :class:`sim.api.RunResult` is its public face."""

    config: RunConfig
    tables: Mapping[str, pd.DataFrame]
    summary: dict[str, Any]
    arrays: RunArrays | LazyRunArrays | None


class LazyTables(Mapping[str, "pd.DataFrame"]):
    """A run's output tables, built from its world's recorded arrays the first time one is read
    (a sweep that keeps only the summary never pays for them): as Arrow tables
    (:meth:`arrow`, what :meth:`RunResult.write` writes, without importing pandas), and each
    converted to a pandas DataFrame when read."""

    def __init__(self, recorder: Recorder, b: int, arrays: RunArrays | LazyRunArrays):
        self._recorder, self._b, self._arrays = recorder, b, arrays
        self._names = tuple(TABLES)  # the output contract's tables, in their order
        self._arrow: dict[str, pa.Table] | None = None
        self._frames: dict[str, pd.DataFrame] = {}

    def recorded_events(self) -> list[Any] | None:
        """The world's events as its batch's recorder holds them (``(step, kind, actor, target,
        ...)`` tuples, in order), while the tables are not built; None once they are (the
        recorder is let go then: read the ``events`` table)."""
        return None if self._recorder is None else self._recorder.events[self._b]

    def arrow(self) -> dict[str, pa.Table]:
        """The tables as Arrow tables (built once)."""
        if self._arrow is None:
            self._arrow = self._recorder.arrow_tables(self._arrays, self._b)
            self._recorder = None  # type: ignore[assignment]  # the batch's arrays can go
        return self._arrow

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = self.arrow()[name].to_pandas()
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names



def simulate(cfgs: Sequence[RunConfig], prepared: Sequence[RunConfig], seeds: Sequence[int],
              joins: Sequence[tuple[int, int] | None] | None = None, summaries: bool = True,
              ) -> list[tuple[Mapping[str, pd.DataFrame], dict[str, Any], LazyRunArrays]]:
    """Run one batch: world ``b`` is ``prepared[b]`` (checked ``cfgs[b]``; the configs share a
    structure, :mod:`sim.engine.batch`) with ``seeds[b]`` (joining the batch as ``joins[b]`` says:
    :class:`~sim.model.SahelModel`); return each world's tables (built when read), summary
    (without provenance) and arrays. Without ``summaries`` a summary holds the run's scenario,
    world, dates and rules only (a caller that reads the arrays alone, such as a hindcast's
    scoring, does not pay for the section-5 numbers)."""
    import_mesa()  # Mesa without its spaces, before the model imports it (sim.engine.lazy_mesa)
    from sim.model import SahelModel  # imported once Mesa is (the model imports mesa)

    model = SahelModel(prepared, seeds, joins)
    model.run()
    # every world's summary at once, each what summarize_arrays gives it alone, bit for bit
    numbers = (summarize_batch(model.recorder, [c.metrics for c in cfgs], cfgs[0].start,
                               cfgs[0].end) if summaries else [{}] * model.worlds)
    out = []
    for b in range(model.worlds):
        cfg, rules_cfg = cfgs[b], prepared[b].rules
        arrays = LazyRunArrays(model.recorder, b)  # built when read (a sweep never reads them)
        summary = {
            "scenario": cfg.scenario.name,
            "world": cfg.world.name,
            "start": cfg.start,
            "end": cfg.end,
            "rules": {p: rules_cfg.vacuum.get(p, rules_cfg.default_vacuum)
                      for p in model.world.power_ids},
            **numbers[b],
        }
        out.append((LazyTables(model.recorder, b, arrays), summary, arrays))
    # the recorder (some 200 MB for 256 worlds) now belongs to the results alone, and goes when
    # they go: the model sits in reference cycles (Mesa's agents and events point back to it),
    # which only the garbage collector frees, late; a sweep's next batch would take fresh pages
    model.recorder = None
    return out


def per_config(cfgs: Sequence[RunConfig], fn: Callable[[RunConfig], Any]) -> list[Any]:
    """``fn`` of each config, called once for each distinct object (the worlds of one point share
    their config)."""
    done: dict[int, Any] = {}
    return [done[id(c)] if id(c) in done else done.setdefault(id(c), fn(c)) for c in cfgs]


def run_worlds(cfgs: Sequence[RunConfig], seeds: Sequence[int] | None = None,
               memo: Memo | None = None, summaries: bool = True) -> list[WorldRun]:
    """Run every world of ``cfgs`` (one config per world, the same object for worlds that share
    one) with its seed (``seeds[b]``, default each config's own), in as few batches as their
    structures allow: configs that differ only in their numbers (the parameters a design varies,
    :mod:`sim.engine.batch`) share a batch. Return one result per world, in order.

    World ``b``'s result is the result of ``run(cfgs[b] with seed = seeds[b])``, bit for bit,
    whatever else ran in its batch. With ``metrics.twin`` the twins run as batches too.

    ``memo``: what the configs of calls before this one serialised and checked (:class:`Memo`),
    shared with them: a sweep's hindcasts share every section with their runs but the dates.
    Without ``summaries`` the results' summaries hold no section-5 numbers (:func:`simulate`):
    for runs read through their arrays alone (hindcasts scored on the calibration patterns).

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (checked for every
            config before anything runs).
    """
    cfgs = list(cfgs)
    hashers: dict[int, Callable[[int], str]] = {}
    memo = Memo() if memo is None else memo

    def prepare_once(cfg: RunConfig) -> RunConfig:
        """Prepare ``cfg`` (:meth:`Memo.prepare`), its hash by seed kept in ``hashers`` for the
        worlds' provenance."""
        if not isinstance(cfg, RunConfig):
            return prepare(cfg)  # raises the ConfigError naming it
        prepared, hashers[id(cfg)] = memo.prepare(cfg)
        return prepared

    prepared = per_config(cfgs, prepare_once)  # first: anything but a config is named here
    seeds = [int(c.seed) for c in cfgs] if seeds is None else [int(s) for s in seeds]
    if len(seeds) != len(cfgs):
        raise ValueError(f"seeds: {len(seeds)} seeds for {len(cfgs)} configs; allowed: one "
                         "seed per config")
    results: list[WorldRun | None] = [None] * len(cfgs)
    for group in group_by_structure(prepared, memo.structures):
        for i, result in zip(group, run_group([cfgs[i] for i in group],
                                               [prepared[i] for i in group],
                                               [seeds[i] for i in group], hashers, memo,
                                               summaries),
                                    strict=True):
            results[i] = result
    return results  # type: ignore[return-value]


@dataclass
class Memo:
    """What the configs of one :func:`run_worlds` call (or of several calls given the same memo)
    share, serialised or checked once: each section's JSON by ``id``
    (:func:`sim.config.hashing.config_text`), what was checked (:func:`sim.engine.prepare.prepare`'s
    ``seen``) and the parts of the structure keys (:func:`sim.engine.batch.structure_key`'s
    ``texts``). The ids stay valid because the memo keeps every config it read them from alive
    (a freed object's id can be reused); the configs must stay unchanged while it is used."""

    texts: dict[int, str] = field(default_factory=dict)
    seen: set[Any] = field(default_factory=set)
    structures: dict[Any, str] = field(default_factory=dict)
    keep: list[RunConfig] = field(default_factory=list)

    def prepare(self, cfg: RunConfig) -> tuple[RunConfig, Callable[[int], str]]:
        """``cfg`` prepared, and its config hash by seed: its canonical JSON serialised once for
        both (prepare's cache key and the worlds' provenance), what it shares with the configs
        before it serialised and checked once."""
        self.keep.append(cfg)
        text = config_text(cfg, self.texts)
        return prepare(cfg, key=text.hash(cfg.seed), seen=self.seen), text.hash


def run_group(cfgs: list[RunConfig], prepared: list[RunConfig], seeds: list[int],
              hashers: Mapping[int, Callable[[int], str]], memo: Memo,
              summaries: bool = True) -> list[WorldRun]:
    """Runs and their twins, of configs that share a structure, as one batch; ``hashers`` gives
    each config's hash with a seed, by config ``id`` (:meth:`sim.config.hashing.ConfigText.hash`
    of its canonical JSON, serialised once); ``memo``: the call's (the twins are prepared
    through it)."""
    twins = None
    wanted = [i for i, c in enumerate(cfgs) if c.metrics.twin]
    summaries = summaries or bool(wanted)  # the vacuum premium reads the run's and twin's
    if wanted:
        # a twin differs from its run in what each world of a batch has of its own (the Western
        # exit's events, the sign of its share, the protected powers: sim.engine.batch), so the runs
        # and their twins run as one batch; a twin is made with its world's powers as built (a
        # synthetic world has its powers once generated)
        powers = {id(cfgs[i]): list(prepared[i].world.powers) for i in wanted}
        twin_cfgs = per_config([cfgs[i] for i in wanted],
                               lambda c: twin_config(c, powers[id(c)]))
        twins_prepared = per_config(twin_cfgs, lambda twin: memo.prepare(twin)[0])
        # a twin runs its run's months until the first it can differ in, so it joins the batch
        # then as a copy of its run (sim.engine.batch.first_difference; the same numbers, fewer months)
        firsts: dict[tuple[int, int], int] = {}
        for k, i in enumerate(wanted):
            pair = (id(prepared[i]), id(twins_prepared[k]))
            if pair not in firsts:
                firsts[pair] = first_difference(prepared[i], twins_prepared[k])
        month = [firsts[(id(prepared[i]), id(twins_prepared[k]))] for k, i in enumerate(wanted)]
        order = sorted(range(len(wanted)), key=month.__getitem__)  # the earliest join first
        outs = simulate([*cfgs, *(twin_cfgs[k] for k in order)],
                         [*prepared, *(twins_prepared[k] for k in order)],
                         [*seeds, *(seeds[wanted[k]] for k in order)],
                         [None] * len(cfgs) + [(month[k], wanted[k]) for k in order],
                         summaries)
        runs, twins = outs[:len(cfgs)], [None] * len(cfgs)
        for k, out in zip(order, outs[len(cfgs):], strict=True):
            twins[wanted[k]] = out
    else:
        runs = simulate(cfgs, prepared, seeds, summaries=summaries)
    common = provenance()
    digests = [hashers[id(cfg)](seed) for cfg, seed in zip(cfgs, seeds, strict=True)]
    results = []
    for b, (cfg, seed) in enumerate(zip(cfgs, seeds, strict=True)):
        tables, summary, arrays = runs[b]
        summary["vacuum_premium"] = None
        if twins is not None and twins[b] is not None:
            summary["vacuum_premium"] = premium(summary, twins[b][1], arrays, twins[b][2],
                                                cfg.metrics.premium_margin)
        summary.update({"seed": seed, "config_hash": digests[b], **common})
        world_cfg = cfg if seed == cfg.seed else dataclasses.replace(cfg, seed=seed)
        results.append(WorldRun(world_cfg, tables, summary, arrays))
    return results
