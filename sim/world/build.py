"""Build a world's arrays from its config: regions on a network, states, powers, groups.

Everything here is indexed arrays (regions ``R``, states ``S``, powers ``P``, groups ``G``,
instruments ``I`` in the order of :data:`sim.config.INSTRUMENT_KINDS`); nothing loops over regions
in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import (
    INSTRUMENT_KINDS,
    PERSON_INSTRUMENTS,
    RunConfig,
    SnapshotConfig,
    WorldConfig,
    parse_month,
)

__all__ = ["World", "build_world", "knn_edges", "select_snapshot"]

_EARTH_KM = 6371.0


@dataclass
class World:
    """Static structure and per-entity parameters of a world, as arrays."""

    region_ids: tuple[str, ...]
    state_ids: tuple[str, ...]
    power_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    region_state: np.ndarray  # [R] int
    population: np.ndarray  # [R]
    rent: np.ndarray  # [R] USD/month
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

    @property
    def n_regions(self) -> int:
        return len(self.region_ids)

    @property
    def is_person(self) -> np.ndarray:
        """[I] bool: instruments measured in persons."""
        return np.array([k in PERSON_INSTRUMENTS for k in INSTRUMENT_KINDS])


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
    xyz = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)
    _, nn = cKDTree(xyz).query(xyz, k=k + 1)
    src = np.repeat(np.arange(n), k + 1)
    dst = nn.reshape(-1).astype(np.int64)
    keep = src != dst  # drop each region's match with itself (also when coordinates coincide)
    src, dst = src[keep], dst[keep]
    codes = np.unique(np.concatenate([src * n + dst, dst * n + src]))
    return (codes // n).astype(np.int64), (codes % n).astype(np.int64)


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
    src, dst = edges if edges is not None else knn_edges(lat, lon, w.adjacency_k)

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
    state_pop = np.bincount(region_state, weights=population, minlength=len(states))
    return World(
        region_ids=tuple(r.id for r in regions),
        state_ids=states,
        power_ids=powers,
        group_ids=groups,
        region_state=region_state,
        population=population,
        rent=np.array([r.resource_rent_usd for r in regions], dtype=float),
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
        group_effectiveness=gv("effectiveness"),
        hostility=gv("hostility"),
        civilian_targeting=gv("civilian_targeting"),
        foreign_targeting=gv("foreign_targeting"),
        mobility=gv("mobility"),
        tax_rate=gv("tax_rate"),
        illicit_income=gv("illicit_income_usd"),
        upkeep=gv("upkeep_usd"),
        rivals=rivals,
        group_kind=tuple(w.groups[g].kind for g in groups),
    )
