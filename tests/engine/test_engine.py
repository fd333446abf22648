"""The batch engine: B worlds step at once, and a run never depends on its batch.

A world of a batch must equal the same config run alone with its seed, bit for bit: every array
the recorder keeps, every event, the summary (twin included). The sweep's worker runs the
replicates of a point as one batch and falls back to single runs when a batch fails.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.api import load_config, run, run_batch
from sim.engine.prepare import prepare
from sim.model import SahelModel

SEEDS = [3, 101, 7_000_001, 42]

CASES = {
    "historical": ["metrics.twin=false"],
    "endogenous": ["scenario=endogenous", "metrics.twin=false"],
    "endogenous-cost-benefit": ["scenario=endogenous", "rules.vacuum.russia=cost_benefit",
                                "metrics.twin=false"],
    "endogenous-proportional-rivalry": ["scenario=endogenous",
                                        "rules.vacuum.russia=proportional",
                                        "rules.vacuum.france=rivalry", "metrics.twin=false"],
}


def recorded(model: SahelModel, b: int) -> dict[str, np.ndarray]:
    """Every array the recorder keeps of world ``b``, by name."""
    rec = model.recorder
    out = {"level": rec.level[:, b], "casualties": rec.casualties[:, b],
           "political_cost": rec.political_cost[:, b]}
    for name, group in (("states", rec.states), ("presence", rec.presence), ("cents", rec.cents),
                        ("groups", rec.groups), ("regions", rec.regions)):
        out.update({f"{name}.{k}": v[:, b] for k, v in group.items()})
    return out


def assert_world_is_alone(model: SahelModel, b: int, alone: SahelModel, label: str) -> None:
    """World ``b`` of ``model`` recorded every array and event that world 0 of ``alone`` (the
    same world run alone) recorded, bit for bit and dtype for dtype."""
    mine, theirs = recorded(model, b), recorded(alone, 0)
    for key, value in mine.items():
        assert value.dtype == theirs[key].dtype, f"{label}: {key}"
        assert np.array_equal(value, theirs[key]), f"{label}: {key} differs"
    assert model.recorder.events[b] == alone.recorder.events[0], f"{label}: events differ"


def ran(overrides: list[str], seeds: list[int]) -> tuple:
    """The prepared config of ``overrides`` and its model, run with ``seeds`` as one batch."""
    cfg = prepare(load_config(overrides))
    model = SahelModel(cfg, seeds)
    model.run()
    return cfg, model


@pytest.fixture(scope="module", params=sorted(CASES))
def batch(request):
    return ran(CASES[request.param], SEEDS)


def test_a_world_of_a_batch_is_its_run_alone_bit_for_bit(batch):
    cfg, model = batch
    assert model.worlds == len(SEEDS)
    for b, seed in enumerate(SEEDS):
        alone = SahelModel(cfg, [seed])
        alone.run()
        assert_world_is_alone(model, b, alone, f"seed {seed}")
    # the worlds differ from each other: each has its own streams
    assert not np.array_equal(model.recorder.regions["fatalities"][:, 0],
                              model.recorder.regions["fatalities"][:, 1])


def test_the_order_and_size_of_a_batch_do_not_matter(batch):
    cfg, model = batch
    shuffled = SahelModel(cfg, [SEEDS[2], SEEDS[0]])
    shuffled.run()
    for b, original in ((0, 2), (1, 0)):
        mine, theirs = recorded(shuffled, b), recorded(model, original)
        assert all(np.array_equal(v, theirs[k]) for k, v in mine.items())
        assert shuffled.recorder.events[b] == model.recorder.events[original]


def test_run_batch_gives_each_seed_what_run_gives_it():
    cfg = load_config(["scenario=endogenous"])  # with its twin
    results = run_batch(cfg, SEEDS[:3])
    for seed, result in zip(SEEDS[:3], results, strict=True):
        alone = run(dataclasses.replace(cfg, seed=seed))
        assert result.summary == alone.summary
        assert result.config.seed == seed
        assert result.summary["seed"] == seed
        assert result.summary["vacuum_premium"] is not None
        for name in ("states", "presence", "events"):
            assert result.tables[name].equals(alone.tables[name])


def test_a_batch_needs_a_seed():
    cfg = prepare(load_config(["metrics.twin=false"]))
    with pytest.raises(ValueError, match="seeds"):
        SahelModel(cfg, [])


def test_scheduled_events_reach_every_world_and_emergent_ones_only_theirs(batch):
    _, model = batch
    scheduled = [sorted((e[0], e[1], e[2], e[3]) for e in events if e[5] == "scheduled")
                 for events in model.recorder.events]
    assert scheduled[0], "the scenario schedules events"
    assert all(s == scheduled[0] for s in scheduled[1:])
    emergent = [[e for e in events if e[5] == "emergent"] for events in model.recorder.events]
    assert any(emergent[b] != emergent[0] for b in range(1, len(SEEDS)))


# ----------------------------------------------------------------------------- the sweep worker


def _context():
    from sim.sweep.worker import SweepContext

    return SweepContext(base=("metrics.twin=false", "end=2019-06"))


def _tasks(n: int, point: int = 0):
    from sim.sweep.worker import Task

    return [Task(run_id=f"p{point}-base-r{r}", pair_id=f"p{point}-r{r}", point=point, replicate=r,
                 scenario="base", seed=1000 + r) for r in range(n)]


def test_the_worker_runs_points_and_replicates_as_one_batch_with_the_rows_of_single_runs():
    from sim.engine.batch import group_by_structure
    from sim.sweep.worker import execute, point_configs, run_tasks

    ctx = _context()
    tasks = _tasks(3) + _tasks(2, point=1)
    assert group_by_structure(point_configs(ctx, tasks)) == [list(range(5))]  # one batch
    rows = [out["row"] for out in run_tasks(ctx, tasks)]
    assert [r["run_id"] for r in rows] == [t.run_id for t in tasks]
    for task, row in zip(tasks, rows, strict=True):
        alone = execute(ctx, task)[0]["row"]
        assert row["status"] == alone["status"] == "ok"
        assert {k: v for k, v in row.items() if k != "duration_s"} == \
            {k: v for k, v in alone.items() if k != "duration_s"}


def test_a_failing_run_in_a_batch_is_recorded_and_the_others_are_kept(monkeypatch):
    import sim.api
    from sim.sweep.worker import run_tasks

    real = sim.api.run_worlds

    def flaky(cfgs, seeds=None, memo=None):
        if seeds is not None and 1001 in seeds:
            raise RuntimeError("world 1001 broke")
        return real(cfgs, seeds, memo)

    monkeypatch.setattr(sim.api, "run_worlds", flaky)
    rows = [out["row"] for out in run_tasks(_context(), _tasks(3))]
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    assert rows[1]["error"] == "RuntimeError: world 1001 broke"
    assert rows[0]["verdict"] is not None and rows[2]["verdict"] is not None


def assert_runs_in_a_fresh_process(code: str) -> None:
    """``code`` runs to its end in a new interpreter (its asserts hold): the imports it checks
    are a fresh process's."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code + "print('ok')\n"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_the_model_imports_mesa_without_its_spaces_until_they_are_used():
    """sim.engine.lazy_mesa: the model, imported after ``import_mesa``, leaves scipy.spatial, networkx and the batch runner's
    tqdm out; Mesa's spaces and ``mesa.batch_run`` still work the moment something uses them."""
    code = (
        "import sys\n"
        "from sim.engine.lazy_mesa import import_mesa\n"
        "import_mesa()  # as the API and the command line do\n"
        "import sim.model\n"
        "assert 'scipy.spatial' not in sys.modules and 'networkx' not in sys.modules\n"
        "assert 'tqdm' not in sys.modules\n"
        "import mesa\n"
        "class Tiny(mesa.Model):\n"
        "    def __init__(self, rng=None):\n"
        "        super().__init__(rng=rng)\n"
        "        self.datacollector = mesa.DataCollector(model_reporters={'ticks': 'steps'})\n"
        "    def step(self):\n"
        "        self.datacollector.collect(self)\n"
        "rows = mesa.batch_run(Tiny, parameters={}, iterations=2, max_steps=3,\n"
        "                      number_processes=1, display_progress=False)\n"
        "assert [r['Step'] for r in rows] == [3, 3] and 'tqdm' in sys.modules\n"
        "assert mesa.batchrunner.batch_run.__module__ == 'mesa.batchrunner'\n"
        "assert mesa.discrete_space.OrthogonalMooreGrid.__name__ == 'OrthogonalMooreGrid'\n"
        "assert mesa.space.MultiGrid.__name__ == 'MultiGrid'\n"
        "from mesa.experimental.continuous_space import ContinuousSpace\n"
        "import mesa.discrete_space.grid\n"
        "assert 'scipy.spatial' in sys.modules\n")
    assert_runs_in_a_fresh_process(code)


def test_mesa_is_imported_without_pandas_which_its_modules_still_read():
    """sim.engine.lazy_mesa: the model, imported after ``import_mesa``, leaves pandas out; the ``pd`` Mesa's modules hold
    imports it when read, and every other ``import pandas`` gets the real package."""
    code = (
        "import sys, types\n"
        "from sim.engine.lazy_mesa import import_mesa\n"
        "import_mesa()  # as the API and the command line do\n"
        "import sim.model\n"
        "assert 'pandas' not in sys.modules\n"
        "import mesa.agent, mesa.datacollection\n"
        "frame = mesa.agent.pd.DataFrame({'a': [1, 2]})\n"
        "import pandas\n"
        "assert type(pandas) is types.ModuleType and isinstance(frame, pandas.DataFrame)\n"
        "assert mesa.datacollection.pd.Series is pandas.Series\n")
    assert_runs_in_a_fresh_process(code)


def test_importing_the_model_changes_nothing_global():
    """``import sim.model`` is a plain import: no stand-in modules in ``sys.modules``, ``inspect``
    itself (the shim is the entry points' to apply: sim.api, the command line)."""
    code = (
        "import inspect, sys\n"
        "before = {n: getattr(inspect, n) for n in ('stack', 'getouterframes', 'getmodule')}\n"
        "import sim.model, sim.agents\n"
        "from sim.engine.lazy_mesa import DEFERRED\n"
        "assert all(type(sys.modules.get(n)).__name__ == 'module' for n in DEFERRED"
        " if n in sys.modules)\n"
        "assert all(getattr(inspect, n) is f for n, f in before.items())\n")
    assert_runs_in_a_fresh_process(code)


def test_a_downgrade_in_one_world_leaves_the_others_arithmetic_alone():
    """A downgraded partner in world 1 cuts world 1's partner effect only: world 0's combat is
    what it is alone, bit for bit (combat sums a world's partners' effect as the world alone
    would, whichever worlds of the batch have a downgrade; dense levels, every power with
    several person instruments)."""
    from sim.processes.combat import combat

    cfg = prepare(load_config(["metrics.twin=false"]))
    rng = np.random.default_rng(4)

    def combat_of(worlds):
        model = SahelModel(cfg, [5] * worlds)
        st = model.state
        st.level[:] = rng_levels[None] if worlds == 1 else rng_levels
        st.downgraded[:] = False
        if worlds > 1:
            st.downgraded[1, 0, 0] = True
            st.effect_factor[1, 0, 0] = 0.5
        attacks = np.zeros_like(st.fighters)
        world = dataclasses.replace(model.world, person_effectiveness=np.repeat(
            effect[None], worlds, axis=0))
        combat(world, st, model.cfg.params.combat, attacks, model.combat_keys,
               model.cfg.params.militias)
        return st.control[0].copy(), st.army_eff[0].copy()

    shape = SahelModel(cfg).state.level.shape[1:]
    # every power with several person instruments of different effect: the sums' order matters
    effect = rng.uniform(0.1, 1.0, (shape[0], shape[2]))
    rng_levels = np.where(rng.random(shape) < 0.5, rng.uniform(0, 3000, shape), 0.0)
    alone = combat_of(1)
    rng_levels = np.stack([rng_levels, rng_levels])
    together = combat_of(2)
    assert np.array_equal(alone[0], together[0]) and np.array_equal(alone[1], together[1])


def test_chunks_shrink_toward_the_end_but_not_below_a_batch_worth_running():
    from sim.sweep.executors import auto_chunksize

    assert auto_chunksize(10_000, 2, most=128, least=32) == 128
    assert auto_chunksize(1_000, 2, most=128, least=32) == 125
    assert auto_chunksize(100, 2, most=128, least=32) == 32  # not 12: small batches cost more
    assert auto_chunksize(100, 2, most=128) == 12  # the default floor is one task
    assert auto_chunksize(0, 2) == 1


def test_even_chunks_are_as_large_as_allowed_and_a_multiple_of_the_workers():
    from sim.sweep.executors import even_chunksize

    assert even_chunksize(512, 2, most=128, least=32) == 128  # 4 chunks, 2 a worker
    assert even_chunksize(300, 2, most=128, least=32) == 75  # not 128 + 128 + 44
    assert even_chunksize(10_000, 2, most=128, least=32) == 125  # 80 chunks
    assert even_chunksize(40, 2, most=128, least=32) == 32  # no chunk below the floor
    assert even_chunksize(0, 2) == 1


def test_a_sweep_cuts_its_tasks_into_even_chunks():
    """``map_chunks(even=True)``: every chunk but the last has one size."""
    from sim.sweep.executors import LocalExecutor

    with LocalExecutor(n_workers=2) as ex:
        sizes = sorted(len(c) for c in ex.map_chunks(list, range(300), n_tasks=300, most=128,
                                                      least=32, whole=True, even=True))
    assert sizes == [75, 75, 75, 75]


def test_mesa_names_its_logger_and_logged_class_as_a_plain_import_does():
    """sim.engine.lazy_mesa: while Mesa is imported, ``inspect`` reads frames without their source
    lines; ``mesa.model``'s logger and the class its method logger names are those a plain
    ``import mesa`` gives, and ``inspect`` is itself again afterwards."""
    code = (
        "import inspect, logging, sys\n"
        "from sim.engine.lazy_mesa import LIGHT_INSPECT, import_mesa\n"
        "originals = {name: getattr(inspect, name) for name in LIGHT_INSPECT}\n"
        "mesa = import_mesa()\n"
        "assert all(getattr(inspect, n) is f for n, f in originals.items())\n"
        "import mesa.mesa_logging\n"
        "assert sorted(mesa.mesa_logging._module_loggers) == ['mesa.mesa_logging', 'mesa.model']\n"
        "assert mesa.model._mesa_logger.name == 'MESA.mesa.model'\n"
        "records = []\n"
        "class Keep(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        records.append(record.getMessage())\n"
        "logging.getLogger('MESA').setLevel(logging.DEBUG)\n"
        "logging.getLogger('MESA').addHandler(Keep())\n"
        "mesa.Model()\n"
        "assert records[0].startswith('calling Model.__init__'), records\n"
        "assert [f.function for f in inspect.stack()][:1] == ['<module>']\n")
    assert_runs_in_a_fresh_process(code)
