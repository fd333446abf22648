"""The public Python API: compose a config, run it, get tables and the summary.

>>> from sim import load_config, run
>>> result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
>>> result.summary["verdict"], result.tables["presence"].head()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import RunConfig, compose_config
from sim.engine.prepare import prepare
from sim.provenance import provenance

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from sim.record import LazyRunArrays, Recorder, RunArrays

__all__ = ["LazyTables", "RunResult", "load_config", "per_config", "run", "run_batch",
           "run_worlds"]


def load_config(overrides: Sequence[str] = (), config_name: str = "config",
                config_dirs: Sequence[str | Path] = ()) -> RunConfig:
    """Compose the Hydra config with ``overrides`` (a list of Hydra overrides such as
    ``["scenario=endogenous", "seed=7"]``), convert it to the typed schema and check it.

    Args:
        overrides: Hydra overrides.
        config_name: the primary config (``config``).
        config_dirs: the user's own config folders, adding scenario/world options.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    cfg = compose_config(overrides, config_name, config_dirs)
    prepare(cfg)
    return cfg


class LazyTables(Mapping[str, "pd.DataFrame"]):
    """A run's output tables, built from its world's recorded arrays the first time one is read
    (a sweep that keeps only the summary never pays for them): as Arrow tables
    (:meth:`arrow`, what :meth:`RunResult.write` writes, without importing pandas), and each
    converted to a pandas DataFrame when read."""

    def __init__(self, recorder: Recorder, b: int, arrays: RunArrays | LazyRunArrays):
        from sim.record import TABLES

        self._recorder, self._b, self._arrays = recorder, b, arrays
        self._names = tuple(TABLES)  # the output contract's tables, in their order
        self._arrow: dict[str, pa.Table] | None = None
        self._frames: dict[str, pd.DataFrame] = {}

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


@dataclass
class RunResult:
    """A finished run: the output tables of docs/ODD.md section 10, the summary, and the config
    (``arrays``: the recorded arrays the tables and the summary come from, built from the batch's
    recorder when first read, :class:`~sim.record.LazyRunArrays`)."""

    config: RunConfig
    tables: Mapping[str, pd.DataFrame]
    summary: dict[str, Any]
    arrays: RunArrays | LazyRunArrays | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, folder: str | Path, plots: bool | None = None) -> Path:
        """Write the tables (Parquet), summary.json, the resolved config and (optionally) plots."""
        from sim.io import write_run

        return write_run(self, Path(folder), self.config.output.plots if plots is None else plots)


def _simulate(cfgs: Sequence[RunConfig], prepared: Sequence[RunConfig], seeds: Sequence[int],
              joins: Sequence[tuple[int, int] | None] | None = None,
              ) -> list[tuple[Mapping[str, pd.DataFrame], dict[str, Any], LazyRunArrays]]:
    """Run one batch: world ``b`` is ``prepared[b]`` (checked ``cfgs[b]``; the configs share a
    structure, :mod:`sim.engine.batch`) with ``seeds[b]`` (joining the batch as ``joins[b]`` says:
    :class:`~sim.model.SahelModel`); return each world's tables (built when read), summary
    (without provenance) and arrays."""
    from sim.engine.lazy_mesa import import_mesa
    from sim.metrics import summarize_batch

    import_mesa()  # Mesa without its spaces, before the model imports it (sim.engine.lazy_mesa)
    from sim.model import SahelModel
    from sim.record import LazyRunArrays

    model = SahelModel(prepared, seeds, joins)
    model.run()
    # every world's summary at once, each what summarize_arrays gives it alone, bit for bit
    summaries = summarize_batch(model.recorder, [c.metrics for c in cfgs], cfgs[0].start,
                                cfgs[0].end)
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
            **summaries[b],
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


def run_batch(cfg: RunConfig, seeds: Sequence[int] | None = None) -> list[RunResult]:
    """Check ``cfg`` once and run it with each of ``seeds`` (default: ``[cfg.seed]``), every
    world in one batch (one numpy call per step serves them all); return one result per seed,
    in order.

    World ``b``'s result is the result of ``run(cfg with seed = seeds[b])``, bit for bit: a run
    never depends on its batch. With ``metrics.twin`` the twins run as a second batch.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    if seeds is None:
        return run_worlds([cfg])
    seeds = [int(s) for s in seeds]
    return run_worlds([cfg] * len(seeds), seeds)


def run_worlds(cfgs: Sequence[RunConfig], seeds: Sequence[int] | None = None
               ) -> list[RunResult]:
    """Run every world of ``cfgs`` (one config per world, the same object for worlds that share
    one) with its seed (``seeds[b]``, default each config's own), in as few batches as their
    structures allow: configs that differ only in their numbers (the parameters a design varies,
    :mod:`sim.engine.batch`) share a batch. Return one result per world, in order.

    World ``b``'s result is the result of ``run(cfgs[b] with seed = seeds[b])``, bit for bit,
    whatever else ran in its batch. With ``metrics.twin`` the twins run as batches too.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (checked for every
            config before anything runs).
    """
    from sim.engine.batch import group_by_structure

    cfgs = list(cfgs)
    hashers: dict[int, Callable[[int], str]] = {}
    memo = _Memo()

    def prepare_once(cfg: RunConfig) -> RunConfig:
        """Prepare ``cfg`` (:meth:`_Memo.prepare`), its hash by seed kept in ``hashers`` for the
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
    results: list[RunResult | None] = [None] * len(cfgs)
    for group in group_by_structure(prepared):
        for i, result in zip(group, _run_group([cfgs[i] for i in group],
                                               [prepared[i] for i in group],
                                               [seeds[i] for i in group], hashers, memo),
                                    strict=True):
            results[i] = result
    return results  # type: ignore[return-value]


@dataclass
class _Memo:
    """What one :func:`run_worlds` call's configs share, serialised or checked once: each
    section's JSON by ``id`` (:func:`sim.config.hashing.config_text`) and what was checked
    (:func:`sim.engine.prepare.prepare`'s ``seen``). The ids stay valid because the memo keeps every
    config it read them from alive (a freed object's id can be reused)."""

    texts: dict[int, str] = field(default_factory=dict)
    seen: set[Any] = field(default_factory=set)
    keep: list[RunConfig] = field(default_factory=list)

    def prepare(self, cfg: RunConfig) -> tuple[RunConfig, Callable[[int], str]]:
        """``cfg`` prepared, and its config hash by seed: its canonical JSON serialised once for
        both (prepare's cache key and the worlds' provenance), what it shares with the configs
        before it serialised and checked once."""
        from sim.config.hashing import config_text

        self.keep.append(cfg)
        text = config_text(cfg, self.texts)
        return prepare(cfg, key=text.hash(cfg.seed), seen=self.seen), text.hash


def _run_group(cfgs: list[RunConfig], prepared: list[RunConfig], seeds: list[int],
               hashers: Mapping[int, Callable[[int], str]], memo: _Memo) -> list[RunResult]:
    """Runs and their twins, of configs that share a structure, as one batch; ``hashers`` gives
    each config's hash with a seed, by config ``id`` (:meth:`sim.config.hashing.ConfigText.hash`
    of its canonical JSON, serialised once); ``memo``: the call's (the twins are prepared
    through it)."""
    import dataclasses

    twins = None
    wanted = [i for i, c in enumerate(cfgs) if c.metrics.twin]
    if wanted:
        from sim.engine.batch import first_difference
        from sim.twin import twin_config

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
        outs = _simulate([*cfgs, *(twin_cfgs[k] for k in order)],
                         [*prepared, *(twins_prepared[k] for k in order)],
                         [*seeds, *(seeds[wanted[k]] for k in order)],
                         [None] * len(cfgs) + [(month[k], wanted[k]) for k in order])
        runs, twins = outs[:len(cfgs)], [None] * len(cfgs)
        for k, out in zip(order, outs[len(cfgs):], strict=True):
            twins[wanted[k]] = out
    else:
        runs = _simulate(cfgs, prepared, seeds)
    common = provenance()
    digests = [hashers[id(cfg)](seed) for cfg, seed in zip(cfgs, seeds, strict=True)]
    results = []
    for b, (cfg, seed) in enumerate(zip(cfgs, seeds, strict=True)):
        tables, summary, arrays = runs[b]
        summary["vacuum_premium"] = None
        if twins is not None and twins[b] is not None:
            from sim.twin import premium

            summary["vacuum_premium"] = premium(summary, twins[b][1], arrays, twins[b][2],
                                                cfg.metrics.premium_margin)
        summary.update({"seed": seed, "config_hash": digests[b], **common})
        world_cfg = cfg if seed == cfg.seed else dataclasses.replace(cfg, seed=seed)
        results.append(RunResult(config=world_cfg, tables=tables, summary=summary, arrays=arrays))
    return results


def run(cfg: RunConfig, output_dir: str | Path | None = None) -> RunResult:
    """Check and run ``cfg``; return its tables and summary. Writes files only if
    ``output_dir`` is given (refused before the run if it holds another run's outputs, see
    :func:`sim.io.check_run_folder`). A single run is a batch of one (:func:`run_batch`).

    With ``metrics.twin`` (the default) the twin world without the Western exit is run too, on
    the same seed, and the summary's ``vacuum_premium`` says what the exit caused
    (:mod:`sim.twin`); the twin's tables are not kept.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed (nothing has run).
    """
    if output_dir is not None:
        from sim.io import check_run_folder

        prepare(cfg)  # a bad value is named before the folder is looked at
        check_run_folder(output_dir, cfg)
    result = run_batch(cfg)[0]
    if output_dir is not None:
        result.write(output_dir)
    return result
