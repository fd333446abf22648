"""The Sahel influence model: a Mesa Model that owns the random streams, the arrays and the agents,
and runs the eight monthly processes of docs/ODD.md section 3 in order.

One model steps a batch of B worlds at once (:class:`SahelModel` with ``seeds``): the same
config, each world with its own seed. Every array carries the batch axis first, every numpy call
serves the whole batch, and each world draws from its own named counter-based streams
(:mod:`sim.engine.rng`: a number depends only on the seed, the stream, the month and its place), so
that a world's run never depends on its batch (which worlds ran beside it, or how many). A
single run is a batch of one: there is one code path. Scheduled events apply to every world;
emergent events (coups, expulsions, entries...) happen in the worlds whose state calls for them.

Time: model time t = k is the end of month k (month index k - 1 from ``start``); dated events of
month m are scheduled through Mesa's event list at t = m + 0.5, so they apply before that month's
processes (process 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim.agents import ArmedGroup, ForeignPower, HostState
from sim.config import (
    EventConfig,
    RunConfig,
    parse_month,
    resolve_numeric,
)
from sim.config.paths import copy_along
from sim.engine import fmath
from sim.engine.batch import distinct_events, merge_events, stack_config, world_value
from sim.engine.joins import check_joins, head, join
from sim.engine.rng import stream_keys, uniforms
from sim.engine.seeds import stream
from sim.processes import combat as combat_p
from sim.processes import events as events_p
from sim.processes import groups as groups_p
from sim.processes import hosts as hosts_p
from sim.processes import influence as influence_p
from sim.processes import militias as militias_p
from sim.processes import politics as politics_p
from sim.processes import powers as powers_p
from sim.processes.ledger import close_month
from sim.record import Recorder
from sim.rules import RuleContext
from sim.state import MEMORY, NEVER, initial_state
from sim.world.build import World, build_world, stack_worlds

__all__ = ["SahelModel"]




@dataclass
class _ScheduledEvent:
    """A dated event bound to the model (Mesa keeps only a weak reference to callbacks)."""

    model: SahelModel
    event: EventConfig
    month: int
    worlds: np.ndarray | None = None  # the worlds that have the event (None: every world)

    def __call__(self) -> None:
        events_p.apply_event(self.model.scope(), self.event, self.month, self.worlds)


@dataclass
class _WestCut:
    """``scenario.west_withdrawal_share``: every Western power cuts its forces in the AES states."""

    model: SahelModel
    month: int

    def __call__(self) -> None:
        m = self.model
        with m.recorder.scheduled():
            events_p.west_cut(m.cfg, m.world, m.state, m.recorder, self.month, m.active)


@dataclass
class _Join:
    """The worlds that join the batch at the start of ``month`` (:func:`sim.engine.joins.join`)."""

    model: SahelModel
    month: int

    def __call__(self) -> None:
        join(self.model, self.month)


class SahelModel(mesa.Model):
    """The model. Build it from a validated :class:`~sim.config.RunConfig` (see
    :func:`sim.engine.prepare.prepare`), then call :meth:`run`.

    Args:
        cfg: the config every world of the batch shares.
        seeds: one seed per world (default: ``[cfg.seed]``, a batch of one). World ``b`` draws
            from the streams of ``seeds[b]`` (:func:`sim.engine.rng.stream_keys`), so its run is the
            run of ``cfg`` with that seed, bit for bit, whatever else is in the batch.
        joins: for each world, ``None`` (it runs from the first month) or ``(month, source)``:
            it joins the batch at the start of ``month`` as a copy of world ``source`` (a world
            that runs from the first month), its arrays and events of the months before copied
            from the source's, and runs on from there. For a world whose config and seed can
            differ from its source's only from that month on (a run's twin before the first
            month it can differ: :func:`sim.engine.batch.first_difference`), its results are those it
            has when run from the first month, bit for bit, for fewer months' work. The worlds
            that join come after those that do not, in the order of their months (the worlds
            that run at any time are the first ones of the batch).

    Raises:
        ValueError: ``joins`` does not give one entry per world, in that order, each source a
            world with the same seed that runs from the first month.
    """

    def __init__(self, cfg: RunConfig | Sequence[RunConfig], seeds: Sequence[int] | None = None,
                 joins: Sequence[tuple[int, int] | None] | None = None):
        # the model reads the configs as they are; a budget or param event changes the model's
        # own copies of the objects on its path (:func:`sim.config.paths.copy_along`), never the
        # caller's config
        configs = [cfg] if isinstance(cfg, RunConfig) else list(cfg)
        if seeds is None:
            seeds = [c.seed for c in configs]
        elif len(configs) == 1:
            configs = configs * len(seeds)
        self.seeds = [int(x) for x in seeds]
        if not self.seeds:
            raise ValueError("seeds: an empty batch; allowed: at least one seed")
        if len(configs) != len(self.seeds):
            raise ValueError(f"seeds: {len(self.seeds)} seeds for {len(configs)} configs; "
                             "allowed: one seed per config")
        #: each world's own config; :attr:`cfg` is the batch's (numbers as [B, 1] arrays)
        self.configs = configs
        self.cfg = stack_config(configs)
        super().__init__(rng=stream(self.seeds[0], "model"))
        self.world = self._build_world()
        cfg = self.cfg
        self.start_month = parse_month(cfg.start, "start")
        self.n_months = parse_month(cfg.end, "end") - self.start_month + 1
        n = len(self.seeds)
        #: each world's ``(month, source)`` if it joins later, else None (sim.engine.joins)
        self.joins = check_joins(joins, n, self.seeds)
        #: the worlds that run now: the first ``active`` of the batch (the others join later)
        self.active = sum(1 for j in self.joins if j is None)
        #: the views of the first worlds while others have not joined (sim.engine.joins.head):
        #: their config, world and recorder, by the ids of the batch's and the worlds' number
        self.heads: dict[tuple[int, ...], tuple[Any, ...]] = {}
        self.state = initial_state(self.cfg, self.world, n)
        self.recorder = Recorder(self.world, self.start_month, self.n_months, n)
        w = self.world
        # [B, P]: each world's protected powers (its own, like its events: sim.engine.batch)
        self.protected = np.array([[p in c.scenario.protected for p in w.power_ids]
                                   for c in configs], dtype=bool)
        #: [B]: the worlds in which coups happen (``scenario.endogenous_coups``, each world's own)
        self.coups = np.array([bool(c.scenario.endogenous_coups) for c in configs], dtype=bool)
        # every random number comes from a counter-based stream (sim.engine.rng) keyed by the world's
        # seed and the stream's name: [B] keys per stream, [B, S] and [B, G] per kind of actor
        self.politics_keys = self._keys([f"state:{s}" for s in w.state_ids])
        self.recruit_keys = self._keys([f"group:{g}:recruit" for g in w.group_ids])
        self.attack_keys = self._keys([f"group:{g}:attacks" for g in w.group_ids])
        self.combat_keys = stream_keys(self.seeds, "process:combat")
        self.hosts = [HostState(self, i, s, self.politics_keys[:, i])
                      for i, s in enumerate(w.state_ids)]
        # each world's rule for each power (its own, like its events: sim.engine.batch)
        self.foreign = [ForeignPower(self, i, p, [c.rules.vacuum.get(p, c.rules.default_vacuum)
                                                  for c in configs])
                        for i, p in enumerate(w.power_ids)]
        self.armed = [ArmedGroup(self, i, g, self.recruit_keys[:, i], self.attack_keys[:, i])
                      for i, g in enumerate(w.group_ids)]
        st = self.state
        # arms flows start at their steady state (the 12-month memory of the current market), so
        # that exporters' influence does not start from an artificial zero
        powers_p.arms_market(w, st, self.cfg.params.resources)
        st.arms_memory = st.arms_delivered / (1.0 - fmath.exp(-1.0 / 12.0))
        st.host_paid[:] = st.arms_paid[:] = st.spending[:] = st.arms_delivered[:] = 0.0
        # influence starts at what each power provides (its equilibrium share)
        st.influence = influence_p.target_influence(w, st, self.cfg.params.influence)
        st.influence_ring[:] = st.influence[:, None]
        foreign = hosts_p.update_vacuum(w, st, self.cfg.params.hosts,
                                        self.cfg.params.combat.force_ratio,
                                        combat_p.hostile_strength(w, st))
        if cfg.scenario.endogenous_partner_choice:  # the regimes' standing starts at the value
            ins = hosts_p.insecurity(w, st, self.cfg.params.hosts)
            st.standing = events_p.partner_value(self.cfg, w, st, ins, np.zeros(ins.shape),
                                                 foreign, 0)
        self._scheduled: list[_ScheduledEvent | _WestCut | _Join] = []
        sc = cfg.scenario
        if (sc.west_withdrawal_share > 0).any():  # each world's own sign (sim.engine.batch)
            m = parse_month(sc.west_withdrawal_date, "scenario.west_withdrawal_date") - self.start_month
            if 0 <= m < self.n_months:
                cut = _WestCut(self, m)
                self._scheduled.append(cut)
                self.schedule_event(cut, at=m + 0.5)
        # each world's events (sim.engine.batch.merge_events): an event applies in the worlds that have
        # it, each world's events in its own order
        lists, index = distinct_events([c.scenario for c in configs])
        for ev, have in merge_events(lists):
            m = parse_month(ev.date, "event date") - self.start_month
            if 0 <= m < self.n_months:
                worlds = None
                if len(have) < len(lists):
                    worlds = np.flatnonzero(np.isin(index, have))
                action = _ScheduledEvent(self, ev, m, worlds)
                self._scheduled.append(action)
                self.schedule_event(action, at=m + 0.5)
        for m in sorted({j[0] for j in self.joins if j is not None and j[0] < self.n_months}):
            join = _Join(self, m)
            self._scheduled.append(join)  # Mesa keeps a weak reference
            self.schedule_event(join, at=m + 0.25)

    def _build_world(self, edges: tuple[np.ndarray, np.ndarray] | None = None) -> World:
        """The batch's World: each distinct world config built once (on the adjacency ``edges``
        if given), stacked over the batch (:func:`sim.world.build.stack_worlds`)."""
        built: dict[int, World] = {}
        for c in self.configs:
            if id(c.world) not in built:
                built[id(c.world)] = build_world(c, edges=edges)
                edges = (built[id(c.world)].edge_src, built[id(c.world)].edge_dst)
        return stack_worlds([built[id(c.world)] for c in self.configs])

    @property
    def worlds(self) -> int:
        """B, the number of worlds in the batch."""
        return len(self.seeds)

    def _keys(self, names: list[str]) -> np.ndarray:
        """``[B, len(names)]`` the key of each named stream in each world."""
        keys = np.zeros((len(self.seeds), len(names)), dtype=np.uint64)
        for i, name in enumerate(names):
            keys[:, i] = stream_keys(self.seeds, name)
        return keys

    # ----------------------------------------------------------------------- running

    def run(self) -> None:
        """Run every month from ``start`` to ``end`` (a world that joins after the last month
        has its source's run)."""
        self.run_until(self.n_months)
        join(self, self.n_months)
        self.heads = {}  # the views hold the batch's recorder: it goes with the results alone

    def step(self) -> None:
        """One month: processes 2-8 (process 1, the dated events, ran just before), in the
        worlds that run now (:attr:`active`)."""
        if self.active == self.worlds:
            self._month()
        else:
            with head(self):
                self._month()

    def _month(self) -> None:
        """Processes 2-8 of one month in every world of the batch."""
        cfg, w, st = self.cfg, self.world, self.state
        month = self.steps - 1
        st.month = month
        # 2. armed groups
        groups_p.recruit(w, st, cfg.params.groups, self.recruit_keys)
        groups_p.move(w, st, cfg.params.groups)
        attacks = groups_p.attacks(w, st, self.attack_keys)
        # 3. militias, then combat
        militias_p.update_militias(w, st, cfg.params.militias)
        result = combat_p.combat(w, st, cfg.params.combat, attacks, self.combat_keys,
                                 cfg.params.militias, cfg.params.groups.reprisal_memory_months)
        st.casualty_ring[:, month % MEMORY] = st.casualties
        worlds, regions = result.massacre_regions
        if worlds.size:
            self.recorder.massacres(month, worlds, regions,
                                    st.civilian_fatalities[worlds, regions])
        if result.army_mass_casualty[0].size:
            events_p.mass_casualty_attacks(cfg, w, st, self.recorder, *result.army_mass_casualty,
                                           month)
        # 4. host states
        self._hosts(month)
        # 5. foreign powers
        self._powers(month)
        # 6. influence
        st.influence_ring[:, month % MEMORY] = st.influence
        shares = influence_p.update_influence(w, st, cfg.params.influence)
        # 7. accounting (it leaves the levels, arms and armies the shares come from alone)
        ledger = close_month(st)
        # 8. record
        self.recorder.record(month, st, ledger, w, shares)
        st.month = month + 1

    def _hosts(self, month: int) -> None:
        """Process 4: legitimacy, coups, the regional answer to coups, the vacuum, receptivity,
        the regimes' choice of partners (or the simple expulsion rule), offers, the budget."""
        cfg, w, st, rec = self.cfg, self.world, self.state, self.recorder
        hp, sc = cfg.params.hosts, cfg.scenario
        ins = hosts_p.insecurity(w, st, hp)
        trend = hosts_p.update_trend(st, hp)
        hosts_p.update_legitimacy(w, st, hp, ins)
        politics_p.update_army_losses(st, st.army_deaths)
        coups = self.coups.any()  # in the worlds that have them (sim.engine.batch)
        if coups or sc.endogenous_sanctions:
            # every state has the same numbers each month, whatever happens (common random
            # numbers across scenarios): [B, S, DRAWS]
            draws = uniforms(self.politics_keys[:, :, None], month,
                             np.arange(politics_p.DRAWS)[None, None, :])
            if coups:
                events_p.coups(cfg, w, st, rec, month, ins, draws, self.coups)
            if sc.endogenous_sanctions:
                events_p.sanctions(cfg, w, st, rec, month, draws)
        foreign = hosts_p.update_vacuum(w, st, hp, cfg.params.combat.force_ratio,
                                        combat_p.hostile_strength(w, st))
        hosts_p.update_receptivity(w, st, hp, trend, foreign, ins)
        hosts_p.update_protests(w, st, hp, ins, foreign)
        if sc.endogenous_partner_choice:
            events_p.partner_choice(cfg, w, st, rec, self.protected, month, ins, trend, foreign)
        elif sc.endogenous_expulsion:
            candidates = hosts_p.expulsion_candidates(w, st, hp, self.protected)
            for b, si, pi in zip(*np.nonzero(candidates), strict=True):
                events_p.expel(cfg, w, st, rec, int(b), int(si), int(pi), month,
                               f"receptivity {st.receptivity[b, si, pi]:.2f} below "
                               f"{world_value(hp.expel_threshold, b)}")
        willing = (st.standing >= cfg.params.partners.invite_threshold[:, :, None]
                   if sc.endogenous_partner_choice else None)
        accepted = hosts_p.decide_offers(st, hp, willing)
        for b, si, pi in zip(*np.nonzero(accepted)):
            powers_p.order(st, b, pi, si, st.offers[b, pi, si], w.ramp_months[b, pi])
            st.agreement[b, si, pi] = True
            rec.event(b, month, "agreement", w.state_ids[si], w.power_ids[pi],
                      "offer accepted: " + events_p.describe(st.offers[b, pi, si]))
        st.offers[:] = 0.0
        loss = (st.sanctioned * cfg.params.sanctions.budget_cost) if st.sanctioned.any() else None
        hosts_p.update_budget(w, st, hp, ins, loss)

    def _powers(self, month: int) -> None:
        cfg, w, st = self.cfg, self.world, self.state
        if cfg.scenario.endogenous_withdrawal:
            for b, pi, si in zip(*np.nonzero(powers_p.casualty_withdrawals(w, st, self.protected)),
                                 strict=True):
                events_p.withdraw(w, st, self.recorder, int(b), int(pi), int(si), month,
                                  "casualties beyond tolerance")
                st.cooldown_until[b, si, pi] = month + world_value(cfg.rules.casualty_cooldown_months, b)
            for b, pi, si in zip(*np.nonzero(powers_p.contractor_exits(w, st, self.protected)),
                                 strict=True):
                events_p.withdraw(w, st, self.recorder, int(b), int(pi), int(si), month,
                                  "contractor losses outrun its pay")
                st.cooldown_until[b, si, pi] = month + world_value(cfg.rules.casualty_cooldown_months, b)
        # `none` keeps its targets: no context needed. A power's decision reads only its own
        # targets, so every power decides before the budget ceilings are applied to all at once.
        # A batch's worlds may give a power different rules: each runs on the worlds that chose
        # it, and a world whose rule is `none` is left as if the power had not decided.
        deciding = [agent for agent in self.foreign if agent.decides(self.active)]
        if deciding:
            view = hosts_p.payment_shares(w, st, cfg.params.resources)
            for agent in deciding:
                desired = agent.decide(self.rule_context(agent.index, month, view))
                powers_p.apply_decision(w, st, agent.index, desired,
                                        agent.deciding(self.active))
        powers_p.scale_to_budget(w, st)
        powers_p.mark_exits(w, st, cfg.rules.exit_drawdown_share)
        entered, left = powers_p.advance_deployments(w, st)
        # the host settles this month's bill for the forces it has at the month's end (the
        # recorded levels), then buys arms
        hosts_p.pay_contractors(w, st, cfg.params.resources)
        powers_p.arms_market(w, st, cfg.params.resources)
        for b, pi, si in zip(*np.nonzero(entered)):
            self.recorder.event(b, month, "entry", w.power_ids[pi], w.state_ids[si],
                                events_p.describe(st.level[b, pi, si]))
        for b, pi, si in zip(*np.nonzero(left)):
            self.recorder.event(b, month, "exit", w.power_ids[pi], w.state_ids[si],
                                "personnel reached 0")

    # ----------------------------------------------------------------------- rule context

    def rule_context(self, pi: int, month: int,
                     payment_view: tuple[np.ndarray, np.ndarray] | None = None) -> RuleContext:
        """What power ``pi`` sees this month in every world (see :class:`sim.rules.RuleContext`).

        ``payment_view`` is the hosts' ``(cash, concession)`` payment shares
        (:func:`sim.processes.hosts.payment_shares`, the same shares the month's bills are settled
        with); :meth:`step` computes them once for every deciding power, and they are computed
        here if not given.
        """
        w, st = self.world, self.state
        if len(w.power_ids) > 1:
            others = np.arange(len(w.power_ids)) != pi
            last = st.last_exit[:, :, others].max(axis=2)
            gain = (st.influence[:, :, others]
                    - st.influence_ring[:, month % MEMORY][:, :, others]).max(axis=2)
        else:
            last, gain = np.full(st.vacuum.shape, NEVER), np.zeros(st.vacuum.shape)
        age = np.where(last > NEVER, month - last, np.inf)  # float: months, inf where none left
        cash, conc = (payment_view if payment_view is not None
                      else hosts_p.payment_shares(w, st, self.cfg.params.resources))
        host_share = (w.host_cash_share[:, pi][:, None, :] * cash[:, :, None]
                      + w.concession_share[:, pi][:, None, :] * conc[:, :, None])
        net = (st.gross_cents[:, pi] - st.host_cents[:, pi] - st.concession_cents[:, pi]) / 100.0
        return RuleContext(
            power=w.power_ids[pi], states=w.state_ids, month=month, vacuum=st.vacuum.copy(),
            capacity=st.capacity.copy(), receptivity=st.receptivity[:, :, pi].copy(),
            influence=st.influence[:, :, pi].copy(), level=st.level[:, pi].copy(),
            target=st.target[:, pi].copy(),
            can_enter=(st.banned_until[:, :, pi] <= month) & (st.cooldown_until[:, :, pi] <= month),
            invited=(st.invited_until[:, :, pi] > month) & (st.banned_until[:, :, pi] <= month),
            rival_exit_age=age, rival_gain=gain, has_instrument=w.has_instrument[pi].copy(),
            unit_cost=w.unit_cost[:, pi].copy(), effectiveness=w.effectiveness[:, pi].copy(),
            host_share=host_share, net_cost_to_date=net,
            budget_month=w.budget_ceiling[:, pi, None] / 12.0,
            interest=w.strategic_interest[:, pi].copy(), params=self.cfg.rules)

    def scope(self) -> events_p.Scope:
        """What a scheduled event acts on (:class:`sim.processes.events.Scope`)."""
        return events_p.Scope(self.cfg, self.world, self.state, self.recorder, self.active,
                              self.set_value)

    def apply_event(self, ev: EventConfig, month: int, worlds: np.ndarray | None = None) -> None:
        """Process 1: apply a scheduled event in the ``worlds`` that have it (default: every world
        that runs now): :func:`sim.processes.events.apply_event`."""
        events_p.apply_event(self.scope(), ev, month, worlds)

    def set_value(self, path: str, value: Callable[[object], object]) -> list[object]:
        """Set the number at ``path`` of each world's config to ``value(old)`` (in the model's
        own copies: :func:`sim.config.paths.copy_along`), then restack the batch's config and,
        for a ``world.`` path, rebuild the world. Returns each world's old value."""
        # each distinct config once (the worlds of a design point share one): its copy, and the
        # old value (the copy's own until it is set)
        copies: dict[int, tuple[RunConfig, object]] = {}
        for c in self.configs:
            if id(c) not in copies:
                new = copy_along(c, path)
                obj, attr = resolve_numeric(new, path, "event path")
                old = getattr(obj, attr)
                setattr(obj, attr, value(old))
                copies[id(c)] = (new, old)
        olds = [copies[id(c)][1] for c in self.configs]
        self.configs = [copies[id(c)][0] for c in self.configs]
        self.cfg = stack_config(self.configs)
        if path.startswith("world."):
            w = self.world
            self.world = self._build_world(edges=(w.edge_src, w.edge_dst))
        return olds
