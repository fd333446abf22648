"""The two implementations of sim.engine.rng.poisson give the same counts, bit for bit: the compiled
kernel (sim.engine.rng_kernel, Numba) and the vectorized numpy one (sim.engine.rng._vector_counts, the
implementation the engine had before the kernel), on random and generated rates of every kind, at
the CDF values themselves, through PTRS's attempt cap, and over whole model runs; they refuse the
same rates; the kernel compiles for one signature only and still works where no cache directory
is writable; ``auto`` takes the kernel for large calls only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import ROOT

import sim.engine.rng
from sim.engine import fmath
from sim.engine.rng import KERNEL_FROM, PTRS_FROM, set_kernel, stream_keys
from sim.engine.rng_kernel import compiled_exp, compiled_log


@contextmanager
def _kernel(kernel: str) -> Iterator[None]:
    """sim.engine.rng.poisson with ``kernel`` forced, then the choice before."""
    before = sim.engine.rng._KERNEL
    set_kernel(kernel)
    try:
        yield
    finally:
        sim.engine.rng._KERNEL = before


def poisson(keys, month, lam):
    """The compiled kernel's counts."""
    with _kernel("numba"):
        return sim.engine.rng.poisson(keys, month, lam)


def _vector_poisson(keys, month, lam):
    """The vectorized counts."""
    with _kernel("numpy"):
        return sim.engine.rng.poisson(keys, month, lam)


#: The oracle: the vectorized implementation (its helpers are sim.engine.rng's own).
reference = SimpleNamespace(poisson=_vector_poisson)

#: Rates at the edges: the switch to PTRS, exact integers, the smallest floats, the largest rate.
SPECIAL = np.array([9.99, PTRS_FROM, 10.01, np.nextafter(PTRS_FROM, 0.0),
                    np.nextafter(PTRS_FROM, np.inf), 1.0, 2.0, 7.0, 8.0, 9.0, 0.5, 1e-300,
                    5e-324, 1e6, 4096.0, 4000.0, 10.5])


def _assert_same(got: np.ndarray, expected: np.ndarray) -> None:
    """The same shape, dtype and bits (a -0.0 is not a 0.0)."""
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape and got.dtype == expected.dtype == np.float64
    differ = np.flatnonzero(got.view(np.uint64).ravel() != expected.view(np.uint64).ravel())
    assert differ.size == 0, (f"{differ.size} counts differ, first at {differ[:5]}: "
                              f"{got.ravel()[differ[:5]]} != {expected.ravel()[differ[:5]]}")


def _rates(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Rates of every kind mixed: zeros, tiny, below PTRS_FROM (counts across the inversion's
    blocks), the special ones, PTRS's (10 to 1e6, log-uniform)."""
    kind = rng.integers(0, 6, shape)
    lam = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3, kind == 4],
        [np.zeros(shape), 10.0 ** rng.uniform(-300, -2, shape), rng.uniform(0, PTRS_FROM, shape),
         rng.choice(SPECIAL, shape), 10.0 ** rng.uniform(1, 6, shape)],
        rng.uniform(0, 30, shape))
    return lam


@pytest.mark.parametrize("shape, month", [((16, 20_000), 0), ((1, 874), 83),
                                          ((8, 4, 5_000), 7), ((128, 300), 1 << 20),
                                          ((3, 2, 1), 2), ((5,), 12)])
def test_counts_equal_the_reference_on_random_rates(shape, month):
    """Many draws of every kind of rate, keys per world ([B]) and per world and group ([B, G])."""
    rng = np.random.default_rng([month, *shape])
    n_keys = shape[:2] if len(shape) == 3 else shape[:1]
    keys = stream_keys(range(int(np.prod(n_keys))), f"kernel{month}").reshape(n_keys)
    for _ in range(3):
        lam = _rates(rng, shape)
        _assert_same(poisson(keys, month, lam), reference.poisson(keys, month, lam))


def test_counts_equal_the_reference_on_the_rates_of_the_inversion_and_the_switch():
    """Dense rates below and around PTRS_FROM, each repeated over many places: every count the
    inversion reaches (past several blocks of 8) and both sides of the switch to PTRS."""
    lam = np.repeat(np.concatenate([np.linspace(0.0, 12.0, 241), SPECIAL]), 200)[None, :]
    keys = stream_keys([21], "switch")
    got = poisson(keys, 5, lam)
    _assert_same(got, reference.poisson(keys, 5, lam))
    assert got.max() >= 24  # three blocks of the inversion, at least


def test_the_first_step_and_the_inversion_equal_the_reference_at_every_cdf_value(monkeypatch):
    """Uniforms at, just below and just above each of the reference's CDF values (F(0) = p0, F(1)
    = lam p0 + p0, then the blocked sums up to k = 40): the kernel's count of a rate below
    PTRS_FROM (``small_count`` of the uniform at its place) is the reference's, so its CDF values
    are the same floats. Uniforms around the tangent 1 - lam, below which the kernel gives 0
    without exp (tiny rates too, where 1 - lam and exp(-lam) round to the same float or
    neighbours), get the reference's count as well."""
    from sim.engine.rng_kernel import TANGENT_MARGIN, small_count

    rates = np.concatenate([[1e-300, 1e-18, 1e-16, 4e-16, 1e-15, 3e-15, 1e-12],
                            np.geomspace(1e-6, 9.99, 120), SPECIAL[SPECIAL < PTRS_FROM]])
    us, lams = [], []
    for lam in rates:
        p0 = fmath.exp_scalar(-lam)
        cdf = [p0, lam * p0 + p0]
        p, top, n0 = p0, p0, 0
        while n0 < 40:  # the blocked CDF, as the reference forms it
            ratio = np.cumprod(lam / (n0 + np.arange(1.0, 9.0)))
            sums = np.cumsum(ratio * p) + top
            cdf += sums.tolist()
            p, top, n0 = float(ratio[-1] * p), float(sums[-1]), n0 + 8
        cdf = np.array([*cdf, 1.0 - lam, 1.0 - lam - TANGENT_MARGIN])
        for u in np.concatenate([cdf, np.nextafter(cdf, 0.0), np.nextafter(cdf, 1.0), [0.0]]):
            if u < 1.0:
                us.append(float(u))
                lams.append(float(lam))
    monkeypatch.setattr(sim.engine.rng, "_unit", lambda state: np.array(us))
    expected = reference.poisson(np.zeros(1, dtype=np.uint64), 0, np.array([lams]))[0]
    got = np.array([small_count(u, lam) for u, lam in zip(us, lams, strict=True)])
    _assert_same(got, expected)
    assert len(us) > 5_000 and expected.max() >= 30 and (expected == 1).sum() > 100


def test_ptrs_gives_the_rounded_rate_after_64_rejected_attempts(monkeypatch):
    """A draw whose every attempt is rejected (u near 1: us < 0.013 and v > us; probability
    below 1e-50 in a run, so forced here) is rint(lam) in the kernel's code and in the
    reference, halves to even."""
    from sim.engine import rng_kernel

    lam = np.array([12.5, 13.5, 10.5, 1e6 + 0.5, 37.2])
    monkeypatch.setattr(sim.engine.rng, "_unit", lambda state: np.full(np.shape(state), 0.999))
    expected = sim.engine.rng._ptrs(np.zeros(lam.size, dtype=np.uint64), lam)
    # the kernel's own source, run by Python with the uniform replaced
    monkeypatch.setattr(rng_kernel, "unit", lambda z: 0.999)
    with np.errstate(over="ignore"):  # the uint64 states wrap, as compiled
        got = np.array([rng_kernel.ptrs.py_func(np.uint64(0), x) for x in lam])
    _assert_same(got, expected)
    assert expected.tolist() == [12.0, 14.0, 10.0, 1e6, 37.0]


_RATE = st.one_of(st.just(0.0), st.floats(0.0, 1e-3), st.floats(0.0, 12.0),
                  st.sampled_from(SPECIAL.tolist()), st.floats(PTRS_FROM, 1e6),
                  st.floats(0.0, 1e6))


@st.composite
def _draws(draw: st.DrawFn) -> tuple[np.ndarray, int, np.ndarray]:
    """Keys ([B] or [B, G], from any seeds), a month and rates of every kind."""
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    n = draw(st.integers(0, 30))
    seeds = draw(st.lists(st.integers(0, 2**63), min_size=int(np.prod(lead)),
                          max_size=int(np.prod(lead))))
    keys = stream_keys(seeds, draw(st.sampled_from(["a", "combat", "g:r"]))).reshape(lead)
    rates = draw(st.lists(_RATE, min_size=int(np.prod(lead)) * n,
                          max_size=int(np.prod(lead)) * n))
    return keys, draw(st.integers(0, 100_000)), np.array(rates, dtype=float).reshape(*lead, n)


@settings(max_examples=300, deadline=None)
@given(_draws())
def test_counts_equal_the_reference_on_generated_rates(case):
    keys, month, lam = case
    _assert_same(poisson(keys, month, lam), reference.poisson(keys, month, lam))


@pytest.mark.parametrize("lam, keys, match", [
    (np.array([[1.0, -1.0]]), 1, "negative or not finite"),
    (np.array([[1.0, np.nan]]), 1, "negative or not finite"),
    (np.array([[np.inf, 0.0]]), 1, "negative or not finite"),
    (np.array([[-np.inf]]), 1, "negative or not finite"),
    (np.array([[-0.0, -1e-300]]), 1, "negative or not finite"),
    (np.ones((2, 3)), 1, "does not start with the keys' shape"),
    (np.zeros((1, (1 << 23) + 1)), 1, "rates per stream"),
])
def test_the_same_rates_are_refused_with_the_same_message(lam, keys, match):
    keys = stream_keys(range(keys), "bad")
    messages = []
    for fn in (poisson, reference.poisson):
        with pytest.raises(ValueError, match=match) as err:
            fn(keys, 0, lam)
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_edge_shapes_equal_the_reference():
    """No rate, only zeros (and -0.0), a single rate with a 0-d key, lists."""
    keys = stream_keys([1, 2], "edge")
    for lam in (np.zeros((2, 0)), np.zeros((2, 3)), np.array([[-0.0, 0.0], [0.0, -0.0]])):
        _assert_same(poisson(keys, 3, lam), reference.poisson(keys, 3, lam))
    _assert_same(poisson(keys[0], 3, 4.5), reference.poisson(keys[0], 3, 4.5))
    _assert_same(poisson(keys, 3, [[1.0], [30.0]]), reference.poisson(keys, 3, [[1.0], [30.0]]))


def test_the_kernel_is_compiled_for_one_signature_only():
    """Rates and keys of any dtype, order, strides or writeability reach the kernel as the one
    array type it is compiled for: it never compiles again."""
    from sim.engine.rng_kernel import counts

    keys = stream_keys([1, 2, 3], "sig")
    lam = np.random.default_rng(3).uniform(0, 20, (3, 40))
    frozen = lam.copy()
    frozen.flags.writeable = False
    variants = [lam, frozen, np.asfortranarray(lam), lam.astype(np.float32), lam[:, ::2],
                np.broadcast_to(lam[:1], lam.shape), (lam * 0 + 3).astype(int), lam.tolist()]
    key_variants = [keys, keys.astype(np.int64), np.repeat(keys, 2)[::2],
                    np.broadcast_to(keys[:1], (3,))]
    for x in variants:
        for k in key_variants:
            _assert_same(poisson(k, 4, x), reference.poisson(k, 4, x))
    assert len(counts.signatures) == 1, counts.signatures


def _compiled(fn):
    """``fn`` (fmath.exp_scalar or log_scalar) of each element, compiled as the kernel compiles
    it."""

    @numba.njit
    def each(x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = fn(x[i])
        return out

    return each


_numba_exp, _numba_log = _compiled(compiled_exp), _compiled(compiled_log)  # the kernel's own


def test_compiled_exp_and_log_are_the_vectorized_ones_bit_for_bit():
    """The kernel's exp and log (sim.engine.fmath's scalar functions compiled by Numba) give the
    bits of fmath's array functions, which the vectorized counts call: at the arguments the
    kernel takes (-rate below 10; uniforms; rates, PTRS's sums and factorials arguments up to
    1e12) and far beyond. (A compiler that fused a multiply and an add would fail here.)"""
    rng = np.random.default_rng(11)
    n = 1_000_000
    exp_args = [-rng.uniform(0, PTRS_FROM, n), -(10.0 ** rng.uniform(-300, 2.9, n)),
                rng.uniform(-745, 709, n)]
    log_args = [rng.integers(1, 2**53, n) * 2.0**-53, 10.0 ** rng.uniform(-1, 12, n),
                10.0 ** rng.uniform(-300, 300, n), 1.0 + rng.normal(0, 1e-4, n),
                np.arange(4097.0, 4097.0 + n)]
    for x in exp_args:
        _assert_same(_numba_exp(x), fmath.exp(x))
    for x in log_args:
        _assert_same(_numba_log(x), fmath.log(x))


def _tables(monkeypatch: pytest.MonkeyPatch, draw: object) -> list[dict[str, str]]:
    """Every table and summary of a batch of endogenous runs with ``draw`` as every process's
    Poisson draw, as full-precision text."""
    import sim.model  # imports every process that draws
    from sim.api import load_config, run_batch

    for name, module in list(sys.modules.items()):
        if (name.startswith("sim.") and name != "sim.engine.rng"
                and getattr(module, "poisson", None) is sim.engine.rng.poisson):
            monkeypatch.setattr(module, "poisson", draw)
    cfg = load_config(["scenario=endogenous", "scenario.endogenous_coups=true", "end=2020-12",
                       "metrics.twin=false"])
    out = [{name: df.to_csv(index=False, float_format="%.17g")
            for name, df in sorted(r.tables.items())} | {"summary": repr(r.summary)}
           for r in run_batch(cfg, [1, 2, 3, 4])]
    monkeypatch.undo()
    return out


def test_a_batch_of_model_runs_is_the_same_with_either_implementation(monkeypatch):
    """Whole runs (four worlds in one batch, endogenous coups) give the same tables and summaries
    with the kernel's counts as with the vectorized ones."""
    calls = []

    def counted(keys: np.ndarray, month: int, lam: np.ndarray) -> np.ndarray:
        calls.append(lam.size)
        return poisson(keys, month, lam)

    kernel = _tables(monkeypatch, counted)
    assert len(calls) > 50
    assert kernel == _tables(monkeypatch, reference.poisson)


def test_it_works_where_no_cache_directory_is_writable(tmp_path):
    """With the package read-only in effect (its __pycache__, NUMBA_CACHE_DIR and the user's
    cache directory all unusable) Numba cannot cache: the kernel compiles in memory and gives
    the same counts."""
    pkg = tmp_path / "pkg" / "sim"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name in ("engine/rng.py", "engine/rng_kernel.py", "engine/rng_constants.py",
                 "engine/rng_scalar.py", "engine/__init__.py", "engine/fmath.py"):
        (pkg / name).parent.mkdir(exist_ok=True)
        (pkg / name).write_text((ROOT / "sim" / name).read_text())
    shutil.copytree(ROOT / "sim" / "engine" / "tables", pkg / "engine" / "tables")
    for folder in (pkg, pkg / "engine"):
        (folder / "__pycache__").write_text("not a directory")
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "pkg"), "NUMBA_CACHE_DIR":
           str(blocked / "numba"), "XDG_CACHE_HOME": str(blocked / "cache"),
           "HOME": str(blocked / "home"), "PYTHONDONTWRITEBYTECODE": "1"}
    code = textwrap.dedent("""
        import json
        import numpy as np
        import sim.engine.rng
        sim.engine.rng.set_kernel("numba")
        lam = np.array([[0.0, 0.3, 4.0, 9.99, 10.0, 250.0, 1e6]])
        counts = sim.engine.rng.poisson(sim.engine.rng.stream_keys([5], "ro"), 2, lam)
        from sim.engine import rng_kernel
        print(json.dumps({"file": rng_kernel.__file__, "counts": counts.tolist(),
                          "cache": type(rng_kernel.counts._cache).__name__}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                          capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["file"].startswith(str(tmp_path)) and out["cache"] == "NullCache"
    lam = np.array([[0.0, 0.3, 4.0, 9.99, 10.0, 250.0, 1e6]])
    assert out["counts"] == reference.poisson(stream_keys([5], "ro"), 2, lam).tolist()
    assert sorted(p.name for p in tmp_path.rglob("*.nb[ic]")) == []


def test_auto_takes_the_kernel_for_large_calls_or_once_it_is_loaded(monkeypatch):
    """``auto``: the vectorized counts below KERNEL_FROM nonzero rates while Numba's kernel is
    not loaded, the kernel from KERNEL_FROM on or once it is loaded; ``numba`` and ``numpy``
    force one."""
    used = []
    monkeypatch.setattr(sim.engine.rng, "_vector_counts",
                        lambda *a: used.append("numpy") or np.ones(a[3].size))
    monkeypatch.setattr(sim.engine.rng, "_spent", 0.0)  # (the suite's runs drew rates before)
    with _kernel("auto"):
        monkeypatch.delitem(sys.modules, "sim.engine.rng_kernel", raising=False)
        keys = stream_keys([1], "auto")
        sim.engine.rng.poisson(keys, 0, np.full((1, KERNEL_FROM - 1), 0.5))
        assert used == ["numpy"]
        big = sim.engine.rng.poisson(keys, 0, np.full((1, KERNEL_FROM), 0.5))
        assert used == ["numpy"] and "sim.engine.rng_kernel" in sys.modules and big.max() > 1
        sim.engine.rng.poisson(keys, 0, np.full((1, 3), 0.5))  # the kernel is loaded: it counts
        assert used == ["numpy"]
    with _kernel("numpy"):
        sim.engine.rng.poisson(keys, 0, np.full((1, KERNEL_FROM), 0.5))
        assert used == ["numpy", "numpy"]


def test_auto_takes_the_kernel_once_the_vectorized_counts_spent_its_start_up(monkeypatch):
    """Many small draws (a process that runs one run after another) pay for the kernel's
    start-up: ``auto`` loads it once the vectorized counts have spent KERNEL_AFTER_S seconds."""
    import time

    used = []

    def slow(*a):
        used.append("numpy")
        time.sleep(0.02)
        return np.ones(a[3].size)

    monkeypatch.setattr(sim.engine.rng, "_vector_counts", slow)
    monkeypatch.setattr(sim.engine.rng, "KERNEL_AFTER_S", 0.03)
    monkeypatch.setattr(sim.engine.rng, "_spent", 0.0)
    with _kernel("auto"):
        monkeypatch.delitem(sys.modules, "sim.engine.rng_kernel", raising=False)
        keys = stream_keys([1], "after")
        lam = np.full((1, 60), 0.5)
        sim.engine.rng.poisson(keys, 0, lam)
        assert used == ["numpy"] and 0.02 <= sim.engine.rng._spent < 0.03
        sim.engine.rng.poisson(keys, 1, lam)  # 0.02 s spent: not yet
        assert used == ["numpy", "numpy"] and "sim.engine.rng_kernel" not in sys.modules
        counts = sim.engine.rng.poisson(keys, 2, lam)  # 0.04 s > 0.03 s: the kernel
        assert used == ["numpy", "numpy"] and "sim.engine.rng_kernel" in sys.modules
        assert counts.max() > 1  # real counts, not the stand-in's ones


def test_a_bad_choice_of_kernel_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"kernel='fast' is unknown; allowed: auto, numba, numpy"):
        set_kernel("fast")
    env = {**os.environ, "SAHEL_SIM_KERNEL": "gpu"}
    proc = subprocess.run([sys.executable, "-c", "import sim.engine.rng"], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode != 0
    assert "SAHEL_SIM_KERNEL='gpu' is unknown; allowed: auto, numba, numpy" in proc.stderr


def test_the_kernel_compiled_for_a_generic_cpu_gives_the_same_counts(tmp_path):
    """Numba compiles the kernel for this CPU (AVX-512 or not); without fast-math its arithmetic
    is the same on any target: compiled for a generic x86-64 (``NUMBA_CPU_NAME=generic``, in a
    fresh cache) it gives the vectorized numpy counts, bit for bit, at rates from 1e-6 to 1e6."""
    code = textwrap.dedent("""
        import json
        import numpy as np
        import sim.engine.rng as rng
        lam = np.concatenate([np.geomspace(1e-6, 9.99, 300), np.geomspace(10.0, 1e6, 300)])
        lam = lam.reshape(3, -1)
        keys = rng.stream_keys([3, 4, 5], "generic")
        out = {}
        for kernel in ("numba", "numpy"):
            rng.set_kernel(kernel)
            out[kernel] = rng.poisson(keys, 7, lam).ravel().tolist()
        print(json.dumps(out))
    """)
    env = {**os.environ, "NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                          capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["numba"] == out["numpy"]
    assert sum(out["numba"]) > 0


@pytest.mark.parametrize(("choice", "loaded"), [("auto", True), ("numba", True),
                                                ("numpy", False)])
def test_load_kernels_loads_them_unless_numpy_is_chosen(choice, loaded):
    """A sweep's parent calls load_kernels before it forks its workers: with ``auto`` the
    compiled kernels are in use from then on; with ``numpy`` Numba is not even imported."""
    code = textwrap.dedent("""
        import sys
        import sim.engine.rng as rng
        before = rng.compiled()
        print(before, rng.load_kernels(), rng.compiled(), "numba" in sys.modules)
    """)
    env = {**os.environ, "SAHEL_SIM_KERNEL": choice, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    before, returned, after, numba_in = proc.stdout.split()
    assert before == str(choice == "numba")
    assert returned == after == numba_in == str(loaded)
