"""Process 8: record each month into preallocated arrays; turn them into the tables of MODEL.md
section 7 once, at the end."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config import INSTRUMENT_KINDS, month_str
from sim.processes.ledger import MonthLedger
from sim.state import MILITARY, SimState
from sim.world.build import World

__all__ = ["Recorder", "TABLES"]

CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
TROOPS = INSTRUMENT_KINDS.index("troops")
PEACEKEEPERS = INSTRUMENT_KINDS.index("peacekeepers")

#: Table name -> (key columns, value columns): the output contract (MODEL.md section 7).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "states": (("step", "date", "state"), (
        "regime", "legitimacy", "control", "vacuum", "army_personnel", "defence_budget_usd",
        "fatalities", "civilian_fatalities")),
    "presence": (("step", "date", "state", "power"), (
        "personnel", "contractors", "troops", "peacekeepers", "influence", "receptivity",
        "spending_usd", "host_paid_usd", "arms_paid_usd", "concessions_usd", "arms_delivered_usd")),
    "powers": (("step", "date", "power"), (
        "gross_cost_usd", "host_payments_usd", "concession_revenue_usd", "net_cost_usd",
        "cum_net_cost_usd", "casualties", "political_cost_usd")),
    "groups": (("step", "date", "group"), (
        "fighters", "regions_held", "attacks", "fatalities_inflicted", "civilian_fatalities")),
    "regions": (("step", "date", "region"), ("state", "control", "fighters", "fatalities")),
    "events": (("step", "date"), ("kind", "actor", "target", "detail")),
}


class Recorder:
    """Preallocated monthly arrays for a run of ``n_months``."""

    def __init__(self, world: World, start_month: int, n_months: int):
        self.world, self.start, self.n = world, start_month, n_months
        t, s, p = n_months, len(world.state_ids), len(world.power_ids)
        g, r = len(world.group_ids), world.n_regions
        self.states = {c: np.zeros((t, s)) for c in TABLES["states"][1]}
        self.presence = {c: np.zeros((t, s, p)) for c in TABLES["presence"][1]}
        self.powers = {c: np.zeros((t, p)) for c in TABLES["powers"][1]}
        self.groups = {c: np.zeros((t, g)) for c in TABLES["groups"][1]}
        self.regions = {c: np.zeros((t, r)) for c in ("control", "fighters", "fatalities")}
        self.events: list[tuple[int, str, str, str, str]] = []

    def event(self, step: int, kind: str, actor: str, target: str, detail: str = "") -> None:
        """Record an applied or emergent event."""
        self.events.append((step, kind, actor, target, detail))

    def record(self, step: int, st: SimState, ledger: MonthLedger) -> None:
        """Store month ``step``."""
        w = self.world
        rs, n_s = w.region_state, len(w.state_ids)
        s = self.states
        s["regime"][step] = st.regime
        s["legitimacy"][step] = st.legitimacy
        s["control"][step] = np.bincount(rs, weights=st.control * w.population, minlength=n_s) / \
            np.maximum(w.state_population, 1e-9)
        s["vacuum"][step] = st.vacuum
        s["army_personnel"][step] = st.army
        s["defence_budget_usd"][step] = st.budget
        s["fatalities"][step] = st.state_fatalities
        s["civilian_fatalities"][step] = st.state_civilian
        pr = self.presence
        person = w.is_person[None, None, :]
        pr["personnel"][step] = (st.level * person).sum(axis=2).T
        pr["contractors"][step] = st.level[:, :, CONTRACTORS].T
        pr["troops"][step] = st.level[:, :, TROOPS].T
        pr["peacekeepers"][step] = st.level[:, :, PEACEKEEPERS].T
        pr["influence"][step] = st.influence
        pr["receptivity"][step] = st.receptivity
        pr["spending_usd"][step] = st.spending
        pr["host_paid_usd"][step] = st.host_paid
        pr["arms_paid_usd"][step] = st.arms_paid
        pr["concessions_usd"][step] = st.concessions
        pr["arms_delivered_usd"][step] = st.arms_delivered
        pw = self.powers
        pw["gross_cost_usd"][step] = ledger.gross / 100.0
        pw["host_payments_usd"][step] = ledger.host / 100.0
        pw["concession_revenue_usd"][step] = ledger.concession / 100.0
        pw["net_cost_usd"][step] = ledger.net / 100.0
        pw["cum_net_cost_usd"][step] = (st.gross_cents - st.host_cents - st.concession_cents) / 100.0
        pw["casualties"][step] = st.casualties.sum(axis=1)
        pw["political_cost_usd"][step] = st.casualties.sum(axis=1) * w.political_cost
        gr = self.groups
        gr["fighters"][step] = st.fighters.sum(axis=1)
        if st.fighters.shape[0]:
            top = np.argmax(st.fighters, axis=0)
            held = (st.control < 0.5) & (st.fighters.max(axis=0) > 0)
            gr["regions_held"][step] = np.bincount(top[held], minlength=st.fighters.shape[0])
        gr["attacks"][step] = st.attacks
        gr["fatalities_inflicted"][step] = st.inflicted
        gr["civilian_fatalities"][step] = st.group_civilian
        self.regions["control"][step] = st.control
        self.regions["fighters"][step] = st.fighters.sum(axis=0)
        self.regions["fatalities"][step] = st.fatalities

    def _dates(self) -> np.ndarray:
        return np.array([month_str(self.start + k) + "-01" for k in range(self.n)], dtype=object)

    def _frame(self, arrays: dict[str, np.ndarray], entity_cols: list[tuple[str, tuple[str, ...]]],
               ) -> pd.DataFrame:
        shape = next(iter(arrays.values())).shape
        idx = np.indices(shape).reshape(len(shape), -1)
        data: dict[str, np.ndarray] = {
            "step": idx[0].astype(np.int32),
            "date": pd.Categorical.from_codes(idx[0], self._dates()).astype(str),
        }
        for axis, (col, ids) in enumerate(entity_cols, start=1):
            data[col] = np.asarray(ids, dtype=object)[idx[axis]]
        for c, a in arrays.items():
            data[c] = a.reshape(-1)
        return pd.DataFrame(data)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables of MODEL.md section 7, one row per the key named."""
        w = self.world
        states = self._frame(self.states, [("state", w.state_ids)])
        states["regime"] = np.where(states["regime"].to_numpy() == MILITARY, "military", "civilian")
        regions = self._frame(self.regions, [("region", w.region_ids)])
        regions.insert(3, "state", np.asarray(w.state_ids, dtype=object)[
            np.tile(w.region_state, self.n)])
        for df, cols in ((states, ("army_personnel", "fatalities", "civilian_fatalities")),
                         (regions, ("fatalities",))):
            for c in cols:
                df[c] = df[c].round(6)
        groups = self._frame(self.groups, [("group", w.group_ids)])
        for c in ("regions_held", "attacks"):
            groups[c] = groups[c].astype(np.int64)
        dates = self._dates()
        ev = pd.DataFrame(self.events, columns=["step", "kind", "actor", "target", "detail"])
        ev.insert(1, "date", [dates[k] for k in ev["step"]] if len(ev) else pd.Series([], dtype=object))
        ev["step"] = ev["step"].astype(np.int32)
        return {
            "states": states,
            "presence": self._frame(self.presence, [("state", w.state_ids), ("power", w.power_ids)]),
            "powers": self._frame(self.powers, [("power", w.power_ids)]),
            "groups": groups,
            "regions": regions,
            "events": ev[["step", "date", "kind", "actor", "target", "detail"]],
        }
