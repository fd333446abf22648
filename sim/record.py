"""Process 8: record each month into preallocated arrays; turn them into the tables of docs/ODD.md section 10 once, at the end.

The arrays are ``[T, B, ...]`` (month, then world: a month's record is one contiguous copy):
:meth:`Recorder.arrays` and :meth:`Recorder.tables` give one world's run. The tables are built as
Arrow tables (:meth:`Recorder.arrow_tables`: what a run writes to Parquet, without pandas) and
read as pandas DataFrames (:meth:`Recorder.tables`, each Arrow table's ``to_pandas()``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config import INSTRUMENT_KINDS, month_str
from sim.processes.influence import dimension_shares
from sim.processes.ledger import MonthLedger
from sim.state import MILITARY, SimState
from sim.world.build import World

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["TABLES", "Recorder", "RunArrays", "count_texts", "numeric_column",
           "string_column"]

CONTRACTORS = INSTRUMENT_KINDS.index("contractors")
TROOPS = INSTRUMENT_KINDS.index("troops")
PEACEKEEPERS = INSTRUMENT_KINDS.index("peacekeepers")
#: presence columns derived in :meth:`Recorder.arrays` from other recorded arrays
_DERIVED = ("personnel", "contractors", "troops", "peacekeepers", "casualties",
            "political_cost_usd")

#: Table name -> (key columns, value columns): the output contract (docs/ODD.md section 10).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "states": (("step", "date", "state"), (
        "regime", "legitimacy", "control", "vacuum", "army_personnel", "defence_budget_usd",
        "fatalities", "civilian_fatalities", "militia", "protests")),
    "presence": (("step", "date", "state", "power"), (
        "personnel", "contractors", "troops", "peacekeepers", "influence", "receptivity",
        "spending_usd", "host_paid_usd", "arms_paid_usd", "concessions_usd", "arms_delivered_usd",
        "casualties", "political_cost_usd", "security_share", "arms_share", "aid_share",
        "diplomatic")),
    "powers": (("step", "date", "power"), (
        "gross_cost_usd", "host_payments_usd", "concession_revenue_usd", "net_cost_usd",
        "cum_net_cost_usd", "casualties", "political_cost_usd")),
    "groups": (("step", "date", "group"), (
        "fighters", "regions_held", "attacks", "fatalities_inflicted", "civilian_fatalities")),
    "regions": (("step", "date", "region"), ("state", "control", "fighters", "fatalities")),
    "events": (("step", "date"), ("kind", "actor", "target", "detail", "origin")),
}


def numeric_column(values: np.ndarray) -> pa.Array:
    """A numeric numpy array as an Arrow array, built on its buffer. ``pa.array`` would do the
    same, but asks pyarrow's pandas shim about every array it is given, which imports pandas
    (some 0.3 s of a single run's command)."""
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    if values.dtype.kind not in "iuf" or values.ndim != 1:
        raise TypeError(f"an Arrow column from a 1-D numeric array, not {values.dtype} "
                        f"[{values.ndim} axes]")
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                 [None, pa.py_buffer(values)])


def string_column(values: tuple[str, ...] | list[str],
                  index: np.ndarray | None = None) -> pa.Array:
    """An Arrow string array of ``values[index]`` (default: of ``values``), built on its buffers
    with numpy (as :func:`numeric_column`; Arrow's ``take`` would import pyarrow.compute, some
    0.08 s): columns of ids are built from the few ids and each row's index, without converting
    strings row by row."""
    import pyarrow as pa

    encoded = [v.encode() for v in values]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    if index is None:
        index = np.arange(len(encoded))
    row_lengths = lengths[index]
    ends = np.cumsum(row_lengths)
    total = int(ends[-1]) if len(ends) else 0
    large = total > np.iinfo(np.int32).max
    offsets = np.zeros(len(index) + 1, dtype=np.int64 if large else np.int32)
    offsets[1:] = ends
    # each row's bytes, gathered from the ids' bytes
    pool = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    first = np.cumsum(lengths) - lengths
    data = pool[np.repeat(first[index] - offsets[:-1], row_lengths) + np.arange(total)]
    return pa.Array.from_buffers(pa.large_string() if large else pa.string(), len(index),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(data)])


#: (column, SimState attribute) recorded as they are each month
_STATE_COPIES = (("regime", "regime"), ("legitimacy", "legitimacy"), ("vacuum", "vacuum"),
                 ("army_personnel", "army"), ("defence_budget_usd", "budget"),
                 ("fatalities", "state_fatalities"), ("civilian_fatalities", "state_civilian"),
                 ("protests", "protests"))
_PRESENCE_COPIES = (("influence", "influence"), ("receptivity", "receptivity"),
                    ("spending_usd", "spending"), ("host_paid_usd", "host_paid"),
                    ("arms_paid_usd", "arms_paid"), ("concessions_usd", "concessions"),
                    ("arms_delivered_usd", "arms_delivered"))


def _per_world(x: np.ndarray, worlds: int) -> np.ndarray:
    """A world's per-region or per-state array ``x`` ([N], or [1, N] or [B, N] with a batch
    axis) as ``[B, N]`` (a view)."""
    return np.broadcast_to(x, (worlds, x.shape[-1]))


def _world(a: np.ndarray, b: int) -> np.ndarray:
    """World ``b``'s months of a recorded ``[T, B, ...]`` array, as a contiguous ``[T, ...]``."""
    return np.ascontiguousarray(a[:, b])


#: Events of one :meth:`Recorder.counted_events` call up to which they are recorded one by one
#: (the numpy steps cost some 40 us a call whatever its size; a batch of two worlds records a few
#: massacres a month).
FEW_EVENTS = 16


def _as_slice(index: np.ndarray) -> slice | np.ndarray:
    """``index`` (integers) as the slice it spans if they are consecutive and ascending (the
    same elements, selected as a view), else itself."""
    if len(index) and (np.diff(index) == 1).all():
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


def _diplomatic(standing: np.ndarray, agreement: np.ndarray, out: np.ndarray) -> None:
    """Write the diplomatic alignment [B, S, P] into ``out``: the regime's standing of each
    partner in the worlds where the regimes rank their partners (scenario.
    endogenous_partner_choice: the model starts the standing at each partner's value, so it is
    never all zero), else the agreement flag (1 or 0)."""
    ranked = standing.reshape(len(standing), -1).any(axis=1)
    if ranked.all():
        out[...] = standing
    elif not ranked.any():
        out[...] = agreement
    else:
        out[...] = np.where(ranked[:, None, None], standing, agreement)


def _regions_held(fighters: np.ndarray, control: np.ndarray, out: np.ndarray) -> None:
    """Write into ``out`` [B, G] the number of regions each group holds: regions outside
    government control (control < 0.5) with fighters, each held by its group with the most
    fighters (the first listed of equals). ``fighters`` [B, G, R] (G > 0), ``control`` [B, R].
    """
    most = fighters.max(axis=1)
    left = (control < 0.5) & (most > 0)  # held regions not yet given to a group
    held = np.empty(fighters.shape)
    for g in range(fighters.shape[1]):
        mine = left & (fighters[:, g] == most)
        held[:, g] = mine
        left ^= mine
    held.sum(axis=2, out=out)


def count_texts(counts: np.ndarray, unit: str) -> list[str]:
    """``[f"{c:.0f} {unit}" for c in counts]``, each distinct count formatted once (an event's
    detail, e.g. ``"52 civilians killed"``: a batch month's events share a few counts).

    A float that is finite, not negative and below 2**63 prints as the whole number
    ``np.rint`` gives it: both round to the nearest whole number, halves to the even one, so
    the digits are the same. The texts are looked up in a table over the range of the counts
    (or of their distinct values, if that range is wide). Anything else (a negative float may
    print as ``-0``; NaN, inf, an integer array) is formatted one by one, as the plain
    expression does."""
    c = np.asarray(counts)
    if (c.dtype != np.float64 or c.ndim != 1
            or not (np.isfinite(c) & ~np.signbit(c) & (c < 2.0 ** 63)).all()):
        return [f"{x:.0f} {unit}" for x in c.tolist()]
    if not c.size:
        return []
    whole = np.rint(c).astype(np.int64)
    low = int(whole.min())
    span = int(whole.max()) - low + 1
    if span > 4 * len(whole) + 64:  # few counts spread widely
        values, index = np.unique(whole, return_inverse=True)
        texts = np.array([f"{k} {unit}" for k in values.tolist()], dtype=object)
        return texts[index.reshape(-1)].tolist()
    index = whole - low
    present = np.zeros(span, dtype=bool)
    present[index] = True
    values = np.flatnonzero(present)
    table = np.empty(span, dtype=object)
    table[values] = [f"{k} {unit}" for k in (values + low).tolist()]
    return table[index].tolist()


@dataclass
class RunArrays:
    """The states, presence, powers and groups tables in wide form: one array per value column,
    ``states[c]`` [T, S], ``presence[c]`` [T, S, P], ``powers[c]`` [T, P], ``groups[c]`` [T, G]
    (row t is step t; ``states["regime"]`` is 1 for a military regime), with the ids in array
    order. The tables are these arrays in long form; the summary reads them directly."""

    state_ids: tuple[str, ...]
    power_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    states: dict[str, np.ndarray]
    presence: dict[str, np.ndarray]
    powers: dict[str, np.ndarray]
    groups: dict[str, np.ndarray]

    def influence(self) -> np.ndarray:
        """``[T, S, P]`` the influence of each power in each state (``presence["influence"]``)."""
        return self.presence["influence"]


class LazyRunArrays:
    """A world's :class:`RunArrays`, built from its batch's recorder the first time one of its
    tables' columns is read (:meth:`Recorder.arrays`, about 1 ms a world): a sweep, which keeps
    the summaries and the vacuum premium (:meth:`influence`, read without building the rest),
    never pays for them. It keeps the batch's recorder until then."""

    def __init__(self, recorder: Recorder, b: int):
        w = recorder.world
        self.state_ids, self.power_ids, self.group_ids = w.state_ids, w.power_ids, w.group_ids
        self._recorder: Recorder | None = recorder
        self._b = b
        self._arrays: RunArrays | None = None

    def built(self) -> RunArrays:
        """The arrays (built once; the recorder is then let go)."""
        if self._arrays is None:
            assert self._recorder is not None
            self._arrays = self._recorder.arrays(self._b)
            self._recorder = None
        return self._arrays

    def batch(self) -> tuple[Recorder, int] | None:
        """The batch's recorder and this world's index in it, while the arrays are not built
        (None once they are): what reads every world of a batch at once
        (:func:`sim.validate.batch.score_runs`) reads the recorder's arrays."""
        return None if self._recorder is None else (self._recorder, self._b)

    def influence(self) -> np.ndarray:
        """``[T, S, P]`` the world's influence (a view of the recorder's, if not built)."""
        if self._arrays is not None:
            return self._arrays.influence()
        return self._recorder.presence["influence"][:, self._b]

    def __getattr__(self, name: str) -> Any:
        if name in ("states", "presence", "powers", "groups"):
            return getattr(self.built(), name)
        raise AttributeError(name)


#: An event as a recorder holds it: ``(step, kind, actor, target, detail, origin)``.
Event = tuple[int, str, str, str, str, str]


@dataclass
class _Counted:
    """The events of one :meth:`Recorder.counted_events` call, not yet made tuples: their
    targets (ids, or indices into ``names``) and counts, grouped by world (each world's in its
    order); ``starts``: where each world's begin; ``lists``: each world's list of events (the
    object: a head's and its batch's are the same) and ``places``: its length when they were
    recorded (where they go)."""

    step: int
    kind: str
    unit: str
    origin: str
    targets: np.ndarray
    names: np.ndarray | None
    counts: np.ndarray
    starts: list[int]
    lists: list[list[Event]]
    places: list[int]

    def rows(self) -> Iterator[tuple[list[Event], int, list[Event]]]:
        """``(list, place, events)`` for each world, its events as :meth:`Recorder.event`
        records them."""
        n = self.counts.size
        ids = self.targets if self.names is None else self.names[self.targets]
        rows = list(zip(repeat(self.step, n), repeat(self.kind, n), repeat("", n), ids.tolist(),
                        count_texts(self.counts, self.unit), repeat(self.origin, n),
                        strict=True))
        ends = [*self.starts[1:], n]
        for events, i, j, at in zip(self.lists, self.starts, ends, self.places, strict=True):
            yield events, at, rows[i:j]


class Recorder:
    """Preallocated monthly arrays for ``worlds`` runs of ``n_months``.

    :meth:`record` copies this month's state arrays; what the tables derive from them (personnel,
    state-level control, costs in USD, ...) is computed once, for all months, in :meth:`tables`.
    """

    def __init__(self, world: World, start_month: int, n_months: int, worlds: int = 1):
        self.world, self.start, self.n, self.worlds = world, start_month, n_months, worlds
        b, t, s, p = worlds, n_months, len(world.state_ids), len(world.power_ids)
        g, r, i = len(world.group_ids), world.n_regions, len(INSTRUMENT_KINDS)
        self.states = {c: np.zeros((t, b, s)) for c in (
            "regime", "legitimacy", "vacuum", "army_personnel", "defence_budget_usd",
            "fatalities", "civilian_fatalities", "militia", "protests")}
        self.level = np.zeros((t, b, p, s, i))
        self.presence = {c: np.zeros((t, b, s, p)) for c in TABLES["presence"][1]
                         if c not in _DERIVED}
        self.cents = {c: np.zeros((t, b, p), dtype=np.int64) for c in (
            "gross", "host", "concession", "cumulative_net")}
        self.casualties = np.zeros((t, b, p, s))
        self.political_cost = np.zeros((t, b, p))  # USD per casualty in force that month
        self.groups = {c: np.zeros((t, b, g)) for c in TABLES["groups"][1]}
        self.regions = {c: np.zeros((t, b, r)) for c in ("control", "fighters", "fatalities")}
        self._lists: list[list[Event]] = [[] for _ in range(b)]
        # counted events recorded but not yet written into the lists (:meth:`counted_events`),
        # shared with the recorder's heads
        self._pending: list[_Counted] = []
        self.origin = "emergent"
        # the region ids as Python objects in a numpy array: a batch's targets in one gather
        self._region_names = np.array(world.region_ids, dtype=object)

    #: The recorded ``[T, B, ...]`` arrays: attributes that are one array, and dicts of them.
    _ARRAYS = ("level", "casualties", "political_cost")
    _ARRAY_DICTS = ("states", "presence", "cents", "groups", "regions")

    def _arrays(self) -> Iterator[np.ndarray]:
        """Every recorded ``[T, B, ...]`` array."""
        for name in self._ARRAYS:
            yield getattr(self, name)
        for name in self._ARRAY_DICTS:
            yield from getattr(self, name).values()

    def head(self, n: int) -> Recorder:
        """A recorder of the first ``n`` worlds whose arrays and event lists are this one's
        (views): what it records is recorded here."""
        out = copy.copy(self)
        out.worlds = n
        for name in self._ARRAYS:
            setattr(out, name, getattr(self, name)[:, :n])
        for name in self._ARRAY_DICTS:
            setattr(out, name, {k: v[:, :n] for k, v in getattr(self, name).items()})
        out._lists = self.events[:n]  # the same lists: what the head records is recorded here
        return out

    @property
    def events(self) -> list[list[Event]]:
        """Each world's events, ``(step, kind, actor, target, detail, origin)`` tuples in the
        order they were recorded (the counted events recorded so far written in first)."""
        if self._pending:
            self._settle()
        return self._lists

    def _settle(self) -> None:
        """Write the pending counted events into the lists they were recorded for, each at the
        place it was recorded at (after the events before it, before those after it). The
        lists are those the events were recorded into, whichever recorder (a batch's or one of
        its heads) reads first; each is replaced once all are built, and only then are the
        pending events let go."""
        pending = list(self._pending)
        inserts: dict[int, tuple[list[Event], list[tuple[int, list[Event]]]]] = {}
        for c in pending:
            for events, at, rows in c.rows():
                inserts.setdefault(id(events), (events, []))[1].append((at, rows))
        merged = []
        for events, places in inserts.values():
            new, done = [], 0
            for at, rows in places:  # in the order recorded, so their places never fall
                new.extend(events[done:at])
                new.extend(rows)
                done = at
            new.extend(events[done:])
            merged.append((events, new))
        for events, new in merged:
            events[:] = new  # in place: a head's list is this one
        del self._pending[:len(pending)]

    def copy_worlds(self, src: np.ndarray, dst: np.ndarray, months: int) -> None:
        """Worlds ``dst`` take the recorded months before ``months`` and the events of worlds
        ``src`` (a world joining the batch as a copy of another: :meth:`SahelModel.join`).
        Consecutive worlds (a batch's twins, joining together) are copied as slices: one
        copy, without the temporary array and the scatter of an index array."""
        to, of = _as_slice(dst), _as_slice(src)
        for a in self._arrays():
            a[:months, to] = a[:months, of]
        events = self.events
        for s, d in zip(src.tolist(), dst.tolist(), strict=True):
            events[d] = list(events[s])

    @contextmanager
    def scheduled(self) -> Iterator[None]:
        """Events recorded inside this block come from the scenario's schedule (origin
        ``scheduled``); every other event emerged from the model (``emergent``)."""
        self.origin = "scheduled"
        try:
            yield
        finally:
            self.origin = "emergent"

    def event(self, b: int, step: int, kind: str, actor: str, target: str,
              detail: str = "") -> None:
        """Record an applied or emergent event of world ``b`` (its origin: see
        :meth:`scheduled`)."""
        self._lists[b].append((step, kind, actor, target, detail, self.origin))

    def massacres(self, step: int, worlds: np.ndarray, regions: np.ndarray,
                  killed: np.ndarray) -> None:
        """Record a ``massacre`` event in each world of ``worlds`` and region of ``regions``
        (emergent; ``killed``: the civilians killed there), as :meth:`event` would one by one."""
        self.counted_events(step, "massacre", worlds, regions, killed, "civilians killed",
                            names=self._region_names)

    def counted_events(self, step: int, kind: str, worlds: np.ndarray, targets: np.ndarray,
                       counts: np.ndarray, unit: str, names: np.ndarray | None = None) -> None:
        """Record a ``kind`` event without an actor in each world of ``worlds`` (the origin as
        :meth:`scheduled` says), against ``targets`` (each event's target id, an array of str
        objects; with ``names``, each one's index in ``names``), with detail
        ``f"{count:.0f} {unit}"``: the events :meth:`event` would record called once per event
        in this order, so each world's in their order.

        A batch month has hundreds of such events (massacres: some 500 a world in an 84-month
        run of sampled endogenous worlds), and a sweep reads none of them: copies of their
        arrays are kept with the list each world's go into and its length then, and the tuples
        are made when the events are read (:attr:`events`). A call of up to :data:`FEW_EVENTS`
        events (a small batch's month) appends them one by one."""
        worlds = np.asarray(worlds)
        n = worlds.size
        if not n:
            return
        if n <= FEW_EVENTS:  # a small batch's month: each event by event()
            ids = targets if names is None else names[targets]
            for b, target, count in zip(worlds.tolist(), ids.tolist(),
                                        np.asarray(counts).tolist(), strict=True):
                self.event(b, step, kind, "", target, f"{count:.0f} {unit}")
            return
        targets, counts = np.asarray(targets), np.asarray(counts)
        if n > 1 and (worlds[1:] < worlds[:-1]).any():  # group by world, each in its order
            order = np.argsort(worlds, kind="stable")
            worlds, targets, counts = worlds[order], targets[order], counts[order]
        else:  # copies: the caller's arrays may change before the events are read
            targets, counts = targets.copy(), counts.copy()
        starts = [0, *(np.flatnonzero(worlds[1:] != worlds[:-1]) + 1).tolist()]
        events = self._lists
        lists = [events[b] for b in worlds[starts].tolist()]
        self._pending.append(_Counted(step, kind, unit, self.origin, targets, names, counts,
                                      starts, lists, [len(x) for x in lists]))

    def record(self, step: int, st: SimState, ledger: MonthLedger, world: World,
               shares: tuple[np.ndarray, ...] | None = None) -> None:
        """Store month ``step`` of every world (``world``: the parameters in force this
        month; ``shares``: the month's :func:`~sim.processes.influence.dimension_shares`, if
        already computed from the same levels)."""
        s = self.states
        for column, attr in _STATE_COPIES:
            s[column][step] = getattr(st, attr)
        s["militia"][step] = world.by_state(st.militia)
        self.level[step] = st.level
        self.political_cost[step] = world.political_cost
        pr = self.presence
        for column, attr in _PRESENCE_COPIES:
            pr[column][step] = getattr(st, attr)
        # the dimensions of influence (docs/ODD.md section 8); public opinion is `receptivity`
        security, arms, aid, _ = dimension_shares(world, st) if shares is None else shares
        pr["security_share"][step] = security
        pr["arms_share"][step] = arms
        pr["aid_share"][step] = aid
        _diplomatic(st.standing, st.agreement, pr["diplomatic"][step])
        c = self.cents
        c["gross"][step] = ledger.gross
        c["host"][step] = ledger.host
        c["concession"][step] = ledger.concession
        net = np.subtract(st.gross_cents, st.host_cents, out=c["cumulative_net"][step])
        np.subtract(net, st.concession_cents, out=net)
        self.casualties[step] = st.casualties
        gr = self.groups
        gr["fighters"][step] = st.fighters.sum(axis=2)
        if st.fighters.shape[1]:
            _regions_held(st.fighters, st.control, gr["regions_held"][step])
        gr["attacks"][step] = st.attacks
        gr["fatalities_inflicted"][step] = st.inflicted
        gr["civilian_fatalities"][step] = st.group_civilian
        self.regions["control"][step] = st.control
        self.regions["fighters"][step] = st.fighters.sum(axis=1)
        self.regions["fatalities"][step] = st.fatalities

    def _dates(self) -> list[str]:
        """The first day of each month of the run, ``YYYY-MM-01``."""
        return [month_str(self.start + k) + "-01" for k in range(self.n)]

    def _frame(self, columns: dict[str, np.ndarray | pa.Array],
               entity_cols: list[tuple[str, tuple[str, ...]]], dates: list[str]) -> pa.Table:
        """A long table: one row per step and entity, in C order of the ``[T, ...]`` arrays in
        ``columns`` (Arrow arrays: already one value per row); the key columns first.
        ``dates``: the date of each step."""
        import pyarrow as pa

        shape = next(a.shape for a in columns.values() if isinstance(a, np.ndarray))
        idx = np.indices(shape).reshape(len(shape), -1)
        data = {"step": numeric_column(idx[0].astype(np.int32)),
                "date": string_column(dates, idx[0])}
        for axis, (col, ids) in enumerate(entity_cols, start=1):
            data[col] = string_column(ids, idx[axis])
        for c, a in columns.items():
            data[c] = numeric_column(a.reshape(-1)) if isinstance(a, np.ndarray) else a
        return pa.table(data)

    def _events(self, dates: list[str], b: int) -> pa.Table:
        """World ``b``'s events table, in the order the events were recorded."""
        import pyarrow as pa

        rows = self.events[b]
        step = np.array([e[0] for e in rows], dtype=np.int32)
        data = {"step": numeric_column(step), "date": string_column(dates, step)}
        columns = list(zip(*rows, strict=True)) if rows else [()] * 6
        for name, values in zip(("kind", "actor", "target", "detail", "origin"), columns[1:],
                                strict=True):
            data[name] = string_column(values)
        return pa.table(data)

    def control(self, b: int | slice | np.ndarray = slice(None),
                step: int | slice = slice(None)) -> np.ndarray:
        """State control in months ``step`` of worlds ``b`` (the states table's ``control``):
        the population-weighted mean of the regions' control. ``[T, B, S]`` by default; an
        integer ``b`` or ``step`` drops its axis."""
        w = self.world
        population = _per_world(w.population, self.worlds)[b]
        state_population = _per_world(w.state_population, self.worlds)[b]
        regions = self.regions["control"][step, b]
        return w.by_state(regions * population) / np.maximum(state_population, 1e-9)

    def power_columns(self, b: int | slice | np.ndarray = slice(None),
                      step: int | slice = slice(None)) -> dict[str, np.ndarray]:
        """The powers table's value columns in months ``step`` of worlds ``b`` (``[T, B, P]`` by
        default; an integer ``b`` or ``step`` drops its axis): the ledger's cents in USD, the
        casualties and their political cost."""
        c = {k: v[step, b] for k, v in self.cents.items()}
        casualties = self.casualties[step, b].sum(axis=-1)  # over the states
        return {"gross_cost_usd": c["gross"] / 100.0, "host_payments_usd": c["host"] / 100.0,
                "concession_revenue_usd": c["concession"] / 100.0,
                "net_cost_usd": (c["gross"] - c["host"] - c["concession"]) / 100.0,
                "cum_net_cost_usd": c["cumulative_net"] / 100.0,
                "casualties": casualties,
                "political_cost_usd": casualties * self.political_cost[step, b]}

    def arrays(self, b: int = 0) -> RunArrays:
        """World ``b``'s value columns of the states, presence, powers and groups tables, in wide
        form."""
        w = self.world
        s = {k: _world(v, b) for k, v in self.states.items()}
        raw, casualties_tps = _world(self.level, b), _world(self.casualties, b)  # [T, P, S(, I)]
        states = {"regime": s["regime"], "legitimacy": s["legitimacy"],
                  "control": self.control(b),
                  "vacuum": s["vacuum"], "army_personnel": s["army_personnel"].round(6),
                  "defence_budget_usd": s["defence_budget_usd"],
                  "fatalities": s["fatalities"].round(6),
                  "civilian_fatalities": s["civilian_fatalities"].round(6),
                  "militia": s["militia"].round(6),
                  "protests": s["protests"].round(6)}
        # presence: [T, P, S, I] levels -> [T, S, P] columns
        level = raw.transpose(0, 2, 1, 3)
        by_state = casualties_tps.transpose(0, 2, 1)  # [T, S, P]
        presence = {"personnel": (raw * w.is_person).sum(axis=3).transpose(0, 2, 1),
                    "contractors": level[..., CONTRACTORS], "troops": level[..., TROOPS],
                    "peacekeepers": level[..., PEACEKEEPERS], "casualties": by_state,
                    "political_cost_usd": by_state * _world(self.political_cost, b)[:, None, :],
                    **{k: _world(v, b) for k, v in self.presence.items()}}
        groups = {k: (_world(a, b).astype(np.int64) if k in ("regions_held", "attacks")
                      else _world(a, b)) for k, a in self.groups.items()}
        return RunArrays(
            state_ids=w.state_ids, power_ids=w.power_ids, group_ids=w.group_ids,
            states=states, presence={k: presence[k] for k in TABLES["presence"][1]},
            powers=self.power_columns(b), groups=groups)

    def arrow_tables(self, arrays: RunArrays | None = None, b: int = 0) -> dict[str, pa.Table]:
        """World ``b``'s output tables of docs/ODD.md section 10 as Arrow tables, one row per the
        key named (from ``arrays``, world ``b``'s, if :meth:`arrays` was called already)."""
        w = self.world
        a = self.arrays(b) if arrays is None else arrays
        dates = self._dates()
        regime = string_column(("civilian", "military"),
                          (a.states["regime"].reshape(-1) == MILITARY).astype(np.intp))
        regions = {"state": string_column(w.state_ids, np.tile(w.region_state, self.n)),
                   "control": _world(self.regions["control"], b),
                   "fighters": _world(self.regions["fighters"], b),
                   "fatalities": _world(self.regions["fatalities"], b).round(6)}
        return {
            "states": self._frame({**a.states, "regime": regime}, [("state", w.state_ids)],
                                  dates),
            "presence": self._frame(a.presence, [("state", w.state_ids), ("power", w.power_ids)],
                                    dates),
            "powers": self._frame(a.powers, [("power", w.power_ids)], dates),
            "groups": self._frame(a.groups, [("group", w.group_ids)], dates),
            "regions": self._frame(regions, [("region", w.region_ids)], dates),
            "events": self._events(dates, b),
        }

    def tables(self, arrays: RunArrays | None = None, b: int = 0) -> dict[str, pd.DataFrame]:
        """World ``b``'s output tables as pandas DataFrames (:meth:`arrow_tables`, each
        ``to_pandas()``: ids and dates as pandas' string dtype)."""
        return {name: t.to_pandas() for name, t in self.arrow_tables(arrays, b).items()}
