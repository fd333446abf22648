"""Build a world's arrays from its config: regions on a network, states, powers, groups.

Everything here is indexed arrays (regions ``R``, states ``S``, powers ``P``, groups ``G``,
instruments ``I`` in the order of :data:`sim.config.INSTRUMENT_KINDS`); nothing loops over regions
in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.config import (
    COVERT_INSTRUMENTS,
    INSTRUMENT_KINDS,
    PERSON_INSTRUMENTS,
    RunConfig,
    SnapshotConfig,
    WorldConfig,
    parse_month,
)
from sim.engine import fmath

__all__ = ["SHARED_FIELDS", "SMALL_PRODUCT", "World", "border_edges", "build_world", "knn_edges",
           "select_snapshot", "stack_worlds", "state_adjacency"]

_EARTH_KM = 6371.0
#: The most multiply-adds of one matrix product of counts (:meth:`World.count_by_state`): below
#: the 4 x 65536 from which OpenBLAS (numpy's BLAS here) may spread a product over threads.
SMALL_PRODUCT = 65536
#: Below this many leading indices, :meth:`World.count_by_state` uses :meth:`World.by_state`
#: (one call instead of a matrix product for each).
_FEW_PRODUCTS = 16


@dataclass
class World:
    """Static structure and per-entity parameters of a world, as arrays.

    :func:`build_world` gives one world's arrays. The model steps a batch of worlds, whose
    per-entity values may differ (:mod:`sim.engine.batch`): :func:`stack_worlds` gives every field not
    in :data:`SHARED_FIELDS` a leading batch axis (``[B, S]``, ``[B, P]``, ``[B, P, I]``,
    ``[B, G]``...), and the fields in it (the regions, the graph, the masks) stay shared. The
    shapes below are those of one world."""

    region_ids: tuple[str, ...]
    state_ids: tuple[str, ...]
    power_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    region_state: np.ndarray  # [R] int
    population: np.ndarray  # [R]
    rent: np.ndarray  # [R] USD/month
    urban_share: np.ndarray  # [R] share of the population living in towns (1 = capital district)
    lat: np.ndarray  # [R]
    lon: np.ndarray  # [R]
    edge_src: np.ndarray  # [E] directed edges, both directions present
    edge_dst: np.ndarray  # [E]
    # states [S]
    state_population: np.ndarray
    army_effectiveness: np.ndarray
    budget_ceiling_multiplier: np.ndarray
    contractor_budget_share: np.ndarray
    arms_budget_share: np.ndarray
    concession_rent_share: np.ndarray
    base_legitimacy: np.ndarray
    nationalism: np.ndarray
    army_harm: np.ndarray
    base_receptivity: np.ndarray  # [S, P]
    # powers [P]
    budget_ceiling: np.ndarray
    casualty_tolerance: np.ndarray
    political_cost: np.ndarray
    nationalism_exposure: np.ndarray
    strategic_interest: np.ndarray  # [P, S]
    redeploy_share: np.ndarray
    arms_export: np.ndarray
    arms_gift_share: np.ndarray
    conditionality: np.ndarray  # [P]
    air_sorties: np.ndarray  # [P] sorties per month per 1,000 personnel
    regime_protection: np.ndarray  # [P]
    sanctions_patron: np.ndarray  # [P]
    hostile_host_months: np.ndarray  # [P]
    leverage: np.ndarray  # [P] what a backed government risks by inviting an opposed power
    opposed_by_west: np.ndarray  # [P] how strongly the West opposes its forces
    loss_exit_rate: np.ndarray  # [P] contractor deaths per 100 per month it leaves over
    unpaid_loss_share: np.ndarray  # [P] share of loss_exit_rate borne where the host pays nothing
    ecowas_member: np.ndarray  # [S] bool
    state_adjacency: np.ndarray  # [S, S] bool: the states share a region edge
    # instruments [P, I]
    has_instrument: np.ndarray
    unit_cost: np.ndarray
    effectiveness: np.ndarray
    civilian_harm: np.ndarray
    exposure: np.ndarray
    host_cash_share: np.ndarray
    concession_share: np.ndarray
    ramp_months: np.ndarray
    drawdown_months: np.ndarray
    # groups [G]
    recruit_rate: np.ndarray
    attack_rate: np.ndarray
    group_effectiveness: np.ndarray
    hostility: np.ndarray
    civilian_targeting: np.ndarray
    foreign_targeting: np.ndarray
    mobility: np.ndarray
    tax_rate: np.ndarray
    illicit_income: np.ndarray
    upkeep: np.ndarray
    rivals: np.ndarray  # [G, G]
    group_kind: tuple[str, ...]
    # derived once from the arrays above (see :func:`derived_arrays`), so that the monthly
    # processes do not recompute them; the products are the same floats they would compute
    is_person: np.ndarray  # [I] bool: instruments measured in persons
    is_covert: np.ndarray  # [I] bool: instruments that need no host consent (info ops, strategists)
    person_effectiveness: np.ndarray  # [P, I] effectiveness of person instruments (0 elsewhere)
    person_exposure: np.ndarray  # [P, I]
    person_civilian_harm: np.ndarray  # [P, I]
    billing: np.ndarray  # [3, P, I] unit cost billed monthly: gross, host cash share, concession
    #   share (arms excluded: the arms market bills them)
    arms_exporter: np.ndarray  # [P] bool: has arms and a positive export volume
    arms_paid_share: np.ndarray  # [P] 1 - arms gift share
    cash_unit_cost: np.ndarray  # [P, I] unit cost x host cash share
    concession_unit_cost: np.ndarray  # [P, I] unit cost x concession share
    population_floor: np.ndarray  # [R] population, at least 1
    population_share: np.ndarray  # [R] share of the state's population
    state_population_floor: np.ndarray  # [S] state population, at least 1
    state_population_millions: np.ndarray  # [S] in millions, at least 1e-9
    rent_attraction: np.ndarray  # [R] 1 + rent / mean rent (mean floored at 1)
    hostile_effectiveness: np.ndarray  # [G] effectiveness x hostility
    hostile_foreign_targeting: np.ndarray  # [G] hostility x foreign targeting
    rival_pairs: np.ndarray  # [K, 2] group pairs (g < h) with rivals[g, h] > 0, row-major order
    rival_weight: np.ndarray  # [K] rivals[g, h] of each pair
    rival_incidence: np.ndarray  # [K, G] 1 where a group is in a pair
    rival_share: np.ndarray  # [G, G] rivals normalized by row
    _index_cache: dict[tuple[str, int], np.ndarray | tuple[int, ...]] = field(
        default_factory=dict, repr=False, compare=False)
    #: Results a process keeps for the next month of this batch (:func:`sim.processes.hosts.
    #: monthly_bills`' last bills); each checks what it kept against its inputs, bit for bit.
    memo: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_regions(self) -> int:
        return len(self.region_ids)

    @property
    def person_columns(self) -> tuple[int, ...]:
        """The indices of the person instruments (where :attr:`is_person`), in order."""
        cols = self._index_cache.get(("person_columns", 0))
        if cols is None:
            cols = tuple(int(i) for i in np.flatnonzero(self.is_person))
            self._index_cache[("person_columns", 0)] = cols
        return cols

    def by_state(self, x: np.ndarray) -> np.ndarray:
        """Sum ``x`` ([..., R]) over the regions of each state: [..., S]."""
        return self._sum_into("state", self.region_state, len(self.state_ids), x)

    def count_by_state(self, x: np.ndarray) -> np.ndarray:
        """Sum counts ``x`` ([..., R]: whole numbers or halves as floats, each sum below 2**52)
        over the regions of each state: [..., S], the floats of :meth:`by_state` (such sums are
        exact whatever the order of the additions).

        A large ``[B, k, R]`` array is summed by a stack of small matrix products (one per
        leading index, each too small for the BLAS library to spread over threads); any other
        goes to :meth:`by_state`."""
        n_s = len(self.state_ids)
        if (x.ndim != 3 or x.shape[0] < _FEW_PRODUCTS
                or x.shape[1] * x.shape[2] * n_s > SMALL_PRODUCT):
            return self.by_state(x)
        states = self._index_cache.get(("state_matrix", 0))
        if states is None:  # [R, S] 1 where a region is in a state
            states = (self.region_state[:, None] == np.arange(n_s)).astype(float)
            self._index_cache[("state_matrix", 0)] = states
        return x @ states  # exact: 0/1 times counts

    def into_regions(self, flow: np.ndarray) -> np.ndarray:
        """Sum ``flow`` along edges ([..., E]) into their destination regions: [..., R]."""
        return self._sum_into("edge_dst", self.edge_dst, self.n_regions, flow)

    def sum_into_sources(self, x: np.ndarray) -> np.ndarray:
        """Sum ``x`` along edges ([..., E]) into their source regions: [..., R]."""
        return self._sum_into("edge_src", self.edge_src, self.n_regions, x)

    def _sum_into(self, key: str, bins: np.ndarray, n: int, x: np.ndarray) -> np.ndarray:
        """Sum the last axis of ``x`` into ``n`` bins by ``bins``: one ``bincount`` for every
        leading index (rows, groups, worlds of a batch), row k's bins offset by k x n. Each bin
        adds its entries in their order, as a ``bincount`` of one row would, so a row's sums
        never depend on the other rows."""
        if x.ndim == 1:
            return np.bincount(bins, weights=x, minlength=n)
        lead = x.shape[:-1]
        k = math.prod(lead)
        index = self._index_cache.get((key, k))
        if index is None:
            index = (np.arange(k)[:, None] * n + bins[None, :]).reshape(-1)
            self._index_cache[(key, k)] = index
        return np.bincount(index, weights=x.reshape(-1), minlength=k * n).reshape(*lead, n)


#: The World's fields that a batch shares (its structure: ids, regions, the graph, masks); every
#: other field is a per-entity value with a leading batch axis in a stacked world.
SHARED_FIELDS = frozenset({
    "region_ids", "state_ids", "power_ids", "group_ids", "region_state", "population", "rent",
    "urban_share", "lat", "lon", "edge_src", "edge_dst", "state_population", "ecowas_member",
    "state_adjacency", "has_instrument", "group_kind", "is_person", "is_covert", "population_floor",
    "population_share", "state_population_floor", "state_population_millions",
    "rent_attraction", "rival_pairs", "rival_incidence", "_index_cache", "memo"})


def stack_worlds(worlds: list[World]) -> World:
    """One World for a batch: the shared fields of ``worlds[0]`` (:data:`SHARED_FIELDS`, which
    must be equal in every world) and every other field stacked over the batch (a leading axis
    of ``len(worlds)``; a world that appears several times is the same object).

    Raises:
        sim.engine.batch.BatchStructureError: a shared field differs between two worlds.
    """
    from dataclasses import fields, replace

    from sim.engine.batch import BatchStructureError

    first = worlds[0]
    distinct = {id(w): w for w in worlds}
    for w in distinct.values():
        if w is first:
            continue
        for name in SHARED_FIELDS - {"_index_cache", "memo"}:
            a, b = getattr(first, name), getattr(w, name)
            same = a == b if isinstance(a, tuple) else np.array_equal(a, b)
            if not same:
                raise BatchStructureError(f"world.{name}: differs between the worlds of a batch; "
                                          "allowed: only per-entity values differ")
    stacked = {f.name: np.stack([getattr(w, f.name) for w in worlds])
               for f in fields(World) if f.name not in SHARED_FIELDS}
    return replace(first, _index_cache={}, memo={}, **stacked)


def knn_edges(lat: np.ndarray, lon: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected k-nearest-neighbour graph on the sphere, as directed edges in both directions.

    Each region links to its ``k`` nearest other regions (chord distance between unit vectors,
    monotone in great-circle distance); the union is made symmetric, so a region may have more
    than ``k`` neighbours. A k-d tree keeps this O(R log R) for large synthetic worlds.
    """
    from scipy.spatial import cKDTree

    n = len(lat)
    if n <= 1:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = min(k, n - 1)
    phi, lam = np.radians(lat), np.radians(lon)
    # sin and cos the same on every CPU (sim.engine.fmath): the neighbours do not depend on it
    cos_phi = fmath.cos(phi)
    xyz = np.stack([cos_phi * fmath.cos(lam), cos_phi * fmath.sin(lam), fmath.sin(phi)], axis=1)
    _, nn = cKDTree(xyz).query(xyz, k=k + 1)
    src = np.repeat(np.arange(n), k + 1)
    dst = nn.reshape(-1).astype(np.int64)
    keep = src != dst  # drop each region's match with itself (also when coordinates coincide)
    src, dst = src[keep], dst[keep]
    codes = np.unique(np.concatenate([src * n + dst, dst * n + src]))
    return (codes // n).astype(np.int64), (codes % n).astype(np.int64)


def border_edges(neighbours: dict[str, list[str]], region_ids: tuple[str, ...],
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The land-border graph of ``world.neighbours`` (validated: symmetric, ids known), as
    directed edges in both directions, in the order :func:`knn_edges` uses (by source, then
    destination index)."""
    index = {r: i for i, r in enumerate(region_ids)}
    n = len(region_ids)
    codes = np.unique(np.array([index[r] * n + index[x] for r, listed in neighbours.items()
                                for x in listed], dtype=np.int64))
    return codes // n, codes % n


def select_snapshot(world: WorldConfig, start: str) -> tuple[str, SnapshotConfig]:
    """The latest snapshot dated on or before ``start`` (validated beforehand)."""
    s = parse_month(start, "start")
    dates = sorted((d for d in world.snapshots if parse_month(d, "snapshot") <= s),
                   key=lambda d: parse_month(d, "snapshot"))
    return dates[-1], world.snapshots[dates[-1]]


def build_world(cfg: RunConfig, edges: tuple[np.ndarray, np.ndarray] | None = None) -> World:
    """Arrays of the (validated) world in ``cfg``; ``edges`` reuses an adjacency already built."""
    w = cfg.world
    states, powers, groups = tuple(w.states), tuple(w.powers), tuple(w.groups)
    s_index = {s: i for i, s in enumerate(states)}
    regions = w.regions
    lat = np.array([r.lat for r in regions], dtype=float)
    lon = np.array([r.lon for r in regions], dtype=float)
    if edges is not None:
        src, dst = edges
    elif w.neighbours:
        src, dst = border_edges(w.neighbours, tuple(r.id for r in regions))
    else:
        src, dst = knn_edges(lat, lon, w.adjacency_k)

    def sv(attr: str) -> np.ndarray:
        return np.array([getattr(w.states[s], attr) for s in states], dtype=float)

    def pv(attr: str) -> np.ndarray:
        return np.array([getattr(w.powers[p], attr) for p in powers], dtype=float)

    def gv(attr: str) -> np.ndarray:
        return np.array([getattr(w.groups[g], attr) for g in groups], dtype=float)

    n_p, n_i = len(powers), len(INSTRUMENT_KINDS)
    inst = {a: np.zeros((n_p, n_i)) for a in (
        "unit_cost_usd", "effectiveness", "civilian_harm", "exposure", "host_cash_share",
        "concession_share", "ramp_months", "drawdown_months")}
    has = np.zeros((n_p, n_i), dtype=bool)
    for pi, p in enumerate(powers):
        for ii, kind in enumerate(INSTRUMENT_KINDS):
            ic = w.powers[p].instruments.get(kind)
            if ic is None:
                inst["ramp_months"][pi, ii] = inst["drawdown_months"][pi, ii] = 1
                continue
            has[pi, ii] = True
            for a in inst:
                inst[a][pi, ii] = getattr(ic, a)
    base_rec = np.zeros((len(states), n_p))
    for si, s in enumerate(states):
        base_rec[si] = w.states[s].default_receptivity
        for p, v in w.states[s].receptivity.items():
            base_rec[si, powers.index(p)] = v
    rivals = np.zeros((len(groups), len(groups)))
    for gi, g in enumerate(groups):
        for h, v in w.groups[g].rivals.items():
            hi = groups.index(h)
            rivals[gi, hi] = rivals[hi, gi] = max(rivals[gi, hi], v)
    region_state = np.array([s_index[r.state] for r in regions], dtype=np.int64)
    population = np.array([r.population for r in regions], dtype=float)
    rent = np.array([r.resource_rent_usd for r in regions], dtype=float)
    state_pop = np.bincount(region_state, weights=population, minlength=len(states))
    group_eff, hostility = gv("effectiveness"), gv("hostility")
    return World(
        region_ids=tuple(r.id for r in regions),
        state_ids=states,
        power_ids=powers,
        group_ids=groups,
        region_state=region_state,
        population=population,
        rent=rent,
        urban_share=np.array([r.urban_share for r in regions], dtype=float),
        lat=lat,
        lon=lon,
        edge_src=src,
        edge_dst=dst,
        state_population=state_pop,
        army_effectiveness=sv("army_effectiveness"),
        budget_ceiling_multiplier=sv("budget_ceiling_multiplier"),
        contractor_budget_share=sv("contractor_budget_share"),
        arms_budget_share=sv("arms_budget_share"),
        concession_rent_share=sv("concession_rent_share"),
        base_legitimacy=sv("base_legitimacy"),
        nationalism=sv("nationalism"),
        army_harm=sv("civilian_harm"),
        base_receptivity=base_rec,
        budget_ceiling=pv("budget_ceiling_usd"),
        casualty_tolerance=pv("casualty_tolerance"),
        political_cost=pv("political_cost_per_casualty_usd"),
        nationalism_exposure=pv("nationalism_exposure"),
        strategic_interest=np.array([[w.powers[p].interest_by_state.get(s, w.powers[p].strategic_interest)
                                      for s in states] for p in powers], dtype=float),
        redeploy_share=pv("redeploy_share"),
        arms_export=pv("arms_export_usd"),
        arms_gift_share=pv("arms_gift_share"),
        conditionality=pv("conditionality"),
        air_sorties=pv("air_sorties"),
        regime_protection=pv("regime_protection"),
        sanctions_patron=pv("sanctions_patron"),
        hostile_host_months=pv("hostile_host_months"),
        leverage=pv("leverage"),
        opposed_by_west=pv("opposed_by_west"),
        loss_exit_rate=pv("loss_exit_rate"),
        unpaid_loss_share=pv("unpaid_loss_share"),
        ecowas_member=sv("ecowas_member").astype(bool),
        state_adjacency=state_adjacency(region_state, src, dst, len(states)),
        has_instrument=has,
        unit_cost=inst["unit_cost_usd"],
        effectiveness=inst["effectiveness"],
        civilian_harm=inst["civilian_harm"],
        exposure=inst["exposure"],
        host_cash_share=inst["host_cash_share"],
        concession_share=inst["concession_share"],
        ramp_months=inst["ramp_months"],
        drawdown_months=inst["drawdown_months"],
        recruit_rate=gv("recruit_rate"),
        attack_rate=gv("attack_rate"),
        group_effectiveness=group_eff,
        hostility=hostility,
        civilian_targeting=gv("civilian_targeting"),
        foreign_targeting=gv("foreign_targeting"),
        mobility=gv("mobility"),
        tax_rate=gv("tax_rate"),
        illicit_income=gv("illicit_income_usd"),
        upkeep=gv("upkeep_usd"),
        rivals=rivals,
        group_kind=tuple(w.groups[g].kind for g in groups),
        arms_exporter=has[:, INSTRUMENT_KINDS.index("arms")] & (pv("arms_export_usd") > 0),
        arms_paid_share=1.0 - pv("arms_gift_share"),
        **derived_arrays(region_state, population, rent, state_pop, inst, group_eff, hostility,
                         gv("foreign_targeting"), rivals),
    )


def state_adjacency(region_state: np.ndarray, src: np.ndarray, dst: np.ndarray,
                    n_states: int) -> np.ndarray:
    """[S, S] bool: states with a region edge between them (neighbours for coup contagion)."""
    adj = np.zeros((n_states, n_states), dtype=bool)
    adj[region_state[src], region_state[dst]] = True
    np.fill_diagonal(adj, False)
    return adj | adj.T


def derived_arrays(region_state: np.ndarray, population: np.ndarray, rent: np.ndarray,
                   state_pop: np.ndarray, inst: dict[str, np.ndarray], group_eff: np.ndarray,
                   hostility: np.ndarray, foreign_targeting: np.ndarray, rivals: np.ndarray,
                   ) -> dict[str, np.ndarray]:
    """The :class:`World` fields derived from its per-entity arrays (products, floors, masks)."""
    person = np.array([k in PERSON_INSTRUMENTS for k in INSTRUMENT_KINDS])
    billed = np.array([k != "arms" for k in INSTRUMENT_KINDS])  # arms: billed by the market
    cost = inst["unit_cost_usd"]
    cash, concession = cost * inst["host_cash_share"], cost * inst["concession_share"]
    pairs = np.argwhere(np.triu(rivals > 0, k=1))
    incidence = np.zeros((len(pairs), len(rivals)))
    incidence[np.arange(len(pairs)), pairs[:, 0]] = 1.0
    incidence[np.arange(len(pairs)), pairs[:, 1]] = 1.0
    return {
        "is_person": person,
        "is_covert": np.array([k in COVERT_INSTRUMENTS for k in INSTRUMENT_KINDS]),
        "person_effectiveness": inst["effectiveness"] * person,
        "person_exposure": inst["exposure"] * person,
        "person_civilian_harm": inst["civilian_harm"] * person,
        "billing": np.stack([cost * billed, cash * billed, concession * billed]),
        "cash_unit_cost": cash,
        "concession_unit_cost": concession,
        "population_floor": np.maximum(population, 1.0),
        "population_share": population / np.maximum(state_pop[region_state], 1.0),
        "state_population_floor": np.maximum(state_pop, 1.0),
        "state_population_millions": np.maximum(state_pop / 1e6, 1e-9),
        "rent_attraction": 1.0 + rent / max(rent.mean(), 1.0),
        "hostile_effectiveness": group_eff * hostility,
        "hostile_foreign_targeting": hostility * foreign_targeting,
        "rival_pairs": pairs,
        "rival_weight": rivals[pairs[:, 0], pairs[:, 1]],
        "rival_incidence": incidence,
        "rival_share": rivals / np.maximum(rivals.sum(axis=1, keepdims=True), 1e-12),
    }
