"""The shortcuts the monthly processes take for large batches give numpy's own floats, bit for
bit: sums over a short last axis, persons in the levels, ratios, per-state sums of counts and
the kept monthly bills (sim.processes.arrays, sim.processes.powers, sim.world.build,
sim.processes.hosts). Each is checked against the plain numpy expression it stands for, on
numbers of very different sizes (so that any other order of additions would show), with
zeros of both signs, in the memory layouts the model passes."""

from __future__ import annotations

import numpy as np
import pytest

from sim import load_config
from sim.model import SahelModel
from sim.processes import hosts
from sim.processes.arrays import ratio, sum_last
from sim.processes.powers import personnel


def _numbers(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Floats over 24 orders of magnitude, of both signs, a third of them +0.0 or -0.0."""
    x = rng.random(shape) * 10.0 ** rng.integers(-12, 12, shape) * rng.choice([-1, 1], shape)
    pick = rng.random(shape)
    x[pick < 0.2] = 0.0
    x[(pick >= 0.2) & (pick < 0.33)] = -0.0
    return x


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", range(1, 10))
@pytest.mark.parametrize("shape", [(256, 8), (256, 7, 8), (1, 8), (3, 5)])
def test_sum_last_gives_numpys_sum_in_every_layout(n: int, shape: tuple[int, ...]) -> None:
    x = _numbers(np.random.default_rng(n), (*shape, n))
    layouts = (x, np.asfortranarray(x), x.swapaxes(-1, -2).copy().swapaxes(-1, -2), x[..., ::-1])
    for a in layouts:
        for keepdims in (False, True):
            assert _same(sum_last(a, keepdims=keepdims), a.sum(axis=-1, keepdims=keepdims))


@pytest.fixture(scope="module")
def model() -> SahelModel:
    """A batch of 64 worlds after 30 months of the default scenario."""
    m = SahelModel(load_config([]), seeds=list(range(64)))
    m.run_until(30)
    return m


def test_personnel_gives_the_masked_sum(model: SahelModel) -> None:
    rng = np.random.default_rng(1)
    w = model.world
    for levels in (model.state.level, model.state.target, model.state.level[:1],
                   np.abs(_numbers(rng, model.state.level.shape)),
                   _numbers(rng, model.state.level.shape)):
        assert _same(personnel(w, levels), (levels * w.is_person).sum(axis=-1))


def test_ratio_gives_the_masked_division() -> None:
    rng = np.random.default_rng(2)
    for num_shape, den_shape in [((256, 3, 38), (256, 1, 38)), ((256, 8, 7), (256, 8, 1)),
                                 ((1, 38), (1, 38))]:
        num = _numbers(rng, num_shape)
        for den in (np.abs(_numbers(rng, den_shape)) + 1e-6, _numbers(rng, den_shape)):
            for fill in (0.0, 1.0):
                out = np.full(num.shape, fill)
                expected = np.divide(num, den, out=out, where=den > 0)
                assert _same(ratio(num, den, fill), expected)


def test_count_by_state_gives_by_state_for_counts(model: SahelModel) -> None:
    w = model.world
    rng = np.random.default_rng(3)
    for shape in [(64, 23, w.n_regions), (8, 23, w.n_regions), (64, w.n_regions)]:
        counts = np.floor(rng.random(shape) * rng.choice([2.0, 50.0, 1e6], shape))
        for x in (counts, counts / 2.0):
            assert _same(w.count_by_state(x), w.by_state(x))


def test_kept_bills_are_the_bills_of_the_current_levels(model: SahelModel) -> None:
    w, st = model.world, model.state

    def computed() -> np.ndarray:
        return np.einsum("bpsi,bkpi->kbsp", st.level, w.billing)

    first = hosts.monthly_bills(w, st)
    assert _same(first, computed())
    again = hosts.monthly_bills(w, st)  # the kept bills, a copy of them
    assert _same(again, computed()) and again is not first
    again[:] = -1.0  # changing a returned copy changes nothing kept
    assert _same(hosts.monthly_bills(w, st), computed())
    saved = st.level.copy()
    try:
        st.level[3, 1, 2, 0] += 100.0  # a level changed in place: billed afresh
        assert _same(hosts.monthly_bills(w, st), computed())
    finally:
        st.level[:] = saved
    assert _same(hosts.monthly_bills(w, st), computed())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("shape", [(1, 7, 8, 7), (3, 2, 5, 4), (64, 7, 8, 7)])
def test_the_compiled_per_power_and_bills_are_dot_last_bit_for_bit(seed, shape, monkeypatch):
    """sim.processes.arrays_kernel's per_power and bills (the compiled path) give dot_last's
    floats, zeros of both signs included, on non-contiguous levels too."""
    import sim.engine.rng as engine_rng
    from sim.processes import arrays

    rng = np.random.default_rng(seed)
    n_b, n_p, n_s, n_i = shape
    level = _numbers(rng, (n_b, n_s, n_p, n_i)).transpose(0, 2, 1, 3)  # a strided view
    weight = _numbers(rng, (n_b, n_p, n_i))
    billing = _numbers(rng, (n_b, 3, n_p, n_i))
    out = {}
    for kernel in ("numpy", "numba"):
        monkeypatch.setattr(engine_rng, "_KERNEL", kernel)
        out[kernel] = (arrays.per_power(level, weight), hosts._bills(level, billing))
    assert _same(out["numba"][0], out["numpy"][0])
    assert _same(np.ascontiguousarray(out["numba"][1]), np.ascontiguousarray(out["numpy"][1]))
