"""experiments/bench_chunk.py: a chunk's parts timed, its world-months and Poisson rates counted,
the wrapped functions restored."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_chunk",
                                                  ROOT / "experiments" / "bench_chunk.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_chunk"] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules["bench_chunk"]


def test_a_chunk_is_timed_part_by_part(bench, capsys, tmp_path):
    import sim.model
    from sim.config.dates import parse_month
    from sim.sweep.worker import point_configs
    from sim.validate.config import hindcast_of

    def wrapped():
        out = [sim.model.SahelModel.__dict__["step"]]
        for module, attr, _ in bench.TIMED:
            owner = importlib.import_module(module)
            for name in attr.split("."):
                owner = getattr(owner, name)
            out.append(owner)
        return out

    before = wrapped()
    res = bench.main(["--runs", "2", "--replicates", "1", "--repeats", "1",
                      "--json", str(tmp_path / "chunk.json")])
    assert wrapped() == before  # every function restored
    left = [f"{m}.{name}" for m, module in list(sys.modules.items()) if m.startswith("sim.")
            for name, obj in vars(module).items()
            if "timers.<locals>" in getattr(obj, "__qualname__", "")]
    assert not left  # every kernel restored (Numba's own again)
    out = capsys.readouterr().out
    assert "a chunk of 2 runs of plausible_worlds" in out and "the record" in out
    parts = res["seconds"]
    assert 0 < parts["months"] < res["wall_s"]
    for part in ("  combat", "  hosts", "  foreign powers", "  the record", "summaries",
                 "calibration scores", "  Poisson counts (in all phases)"):
        assert 0 < parts[part] < parts["months"] or part in ("summaries", "calibration scores")
    # each run's months, its twin's (it differs from its run from the first month: the
    # regimes may expel the West) and its hindcast's
    ctx, tasks = bench.chunk_tasks("plausible_worlds", 2, 1)
    span = 0
    for cfg in point_configs(ctx, tasks):
        hind = hindcast_of(cfg)
        span += 2 * (parse_month(cfg.end, "end") - parse_month(cfg.start, "start") + 1)
        span += parse_month(hind.end, "end") - parse_month(hind.start, "start") + 1
    assert res["world_months"] == span
    r = res["rates"]
    assert r["nonzero"] == r["below 0.1"] + r["0.1 to 1"] + r["1 to 10"] + r["10 and up"] > 0
    assert r["rates"] >= r["nonzero"]
    assert (tmp_path / "chunk.json").is_file()
    # the compiled kernels: the Poisson counts among them, once per draw of the Poisson counts
    kernels = res["kernels"]
    assert kernels["sim.engine.rng_kernel.counts"][1] > 0
    assert "sim.processes.combat_kernel.rates" in kernels
    assert 0 < res["kernels_s"] == pytest.approx(sum(k[0] for k in kernels.values()))
    assert res["kernels_s"] < parts["months"]
    assert "in compiled kernels:" in out


def test_kernel_names_finds_each_compiled_function_where_it_is_bound(bench):
    from sim.engine.rng import load_kernels

    load_kernels()
    names = bench.kernel_names()
    # by the module's name: other tests import some of the package's modules afresh
    assert ("sim.engine.rng_kernel", "counts") in [
        (module.__name__, name) for module, name in names["sim.engine.rng_kernel.counts"]]
    # a helper bound under another name in another module counts under its own
    assert all(name.startswith("sim.") for name in names)


def test_bad_options_are_refused(bench):
    with pytest.raises(SystemExit):
        bench.main(["--runs", "0"])
