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

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

import mesa
import numpy as np

from sim.agents import ArmedGroup, ForeignPower, HostState
from sim.config import (
    AES,
    INSTRUMENT_KINDS,
    WEST,
    EventConfig,
    RunConfig,
    parse_month,
    resolve_numeric,
)
from sim.config.paths import copy_along
from sim.engine import fmath
from sim.engine.batch import distinct_events, head_config, merge_events, stack_config, world_value
from sim.engine.rng import stream_keys, uniforms
from sim.engine.seeds import stream
from sim.processes import combat as combat_p
from sim.processes import groups as groups_p
from sim.processes import hosts as hosts_p
from sim.processes import influence as influence_p
from sim.processes import militias as militias_p
from sim.processes import politics as politics_p
from sim.processes import powers as powers_p
from sim.processes.arrays import ratio
from sim.processes.ledger import close_month
from sim.record import Recorder
from sim.rules import RuleContext
from sim.state import CIVILIAN, MEMORY, MILITARY, NEVER, initial_state
from sim.world.build import SHARED_FIELDS, World, build_world, stack_worlds

__all__ = ["SahelModel"]




@dataclass
class _ScheduledEvent:
    """A dated event bound to the model (Mesa keeps only a weak reference to callbacks)."""

    model: SahelModel
    event: EventConfig
    month: int
    worlds: np.ndarray | None = None  # the worlds that have the event (None: every world)

    def __call__(self) -> None:
        self.model.apply_event(self.event, self.month, self.worlds)


@dataclass
class _WestCut:
    """``scenario.west_withdrawal_share``: every Western power cuts its forces in the AES states."""

    model: SahelModel
    month: int

    def __call__(self) -> None:
        with self.model.recorder.scheduled():
            self.model.west_cut(self.month)


@dataclass
class _Join:
    """The worlds that join the batch at the start of ``month`` (:meth:`SahelModel.join`)."""

    model: SahelModel
    month: int

    def __call__(self) -> None:
        self.model.join(self.month)


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
        self._joins = self._check_joins(joins, n)
        for b, j in enumerate(self._joins):
            if j is not None and self.seeds[j[1]] != self.seeds[b]:
                raise ValueError(f"joins: world {b} (seed {self.seeds[b]}) joins as a copy of "
                                 f"world {j[1]} (seed {self.seeds[j[1]]}); allowed: a source "
                                 "with the same seed")
        #: the worlds that run now: the first ``active`` of the batch (the others join later)
        self.active = sum(1 for j in self._joins if j is None)
        self._heads: dict[tuple[int, int], RunConfig] = {}
        self.state = initial_state(self.cfg, self.world, n)
        self.recorder = Recorder(self.world, self.start_month, self.n_months, n)
        w = self.world
        # [B, P]: each world's protected powers (its own, like its events: sim.engine.batch)
        self.protected = np.array([[p in c.scenario.protected for p in w.power_ids]
                                   for c in configs], dtype=bool)
        # every random number comes from a counter-based stream (sim.engine.rng) keyed by the world's
        # seed and the stream's name: [B] keys per stream, [B, S] and [B, G] per kind of actor
        self.politics_keys = self._keys([f"state:{s}" for s in w.state_ids])
        self.recruit_keys = self._keys([f"group:{g}:recruit" for g in w.group_ids])
        self.attack_keys = self._keys([f"group:{g}:attacks" for g in w.group_ids])
        self.combat_keys = stream_keys(self.seeds, "process:combat")
        self.hosts = [HostState(self, i, s, self.politics_keys[:, i])
                      for i, s in enumerate(w.state_ids)]
        self.foreign = [ForeignPower(self, i, p, cfg.rules.vacuum.get(p, cfg.rules.default_vacuum))
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
            st.standing = self._partner_value(ins, np.zeros(ins.shape), foreign, 0)
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
        for m in sorted({j[0] for j in self._joins if j is not None and j[0] < self.n_months}):
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
        self.join(self.n_months)

    @staticmethod
    def _check_joins(joins: Sequence[tuple[int, int] | None] | None, n: int
                     ) -> list[tuple[int, int] | None]:
        """``joins`` as a list of ``(month, source)`` or ``None``, checked (see the class)."""
        if joins is None:
            return [None] * n
        out = [None if j is None or int(j[0]) <= 0 else (int(j[0]), int(j[1])) for j in joins]
        if len(out) != n:
            raise ValueError(f"joins: {len(out)} entries for {n} worlds; allowed: one per world")
        first = sum(1 for j in out if j is None)
        months = [j[0] for j in out[first:] if j is not None]
        if any(j is not None for j in out[:first]) or len(months) != n - first \
                or months != sorted(months):
            raise ValueError("joins: the worlds that join later must come after those that run "
                             "from the first month, in the order of their months")
        bad = [j[1] for j in out[first:] if not 0 <= j[1] < first]
        if bad:
            raise ValueError(f"joins: source world {bad[0]}; allowed: a world that runs from the "
                             f"first month, 0 to {first - 1}")
        return out

    def join(self, month: int) -> None:
        """The worlds that join at the start of ``month`` (``joins``) become copies of their
        sources: every state array, the recorded months before ``month`` and the events."""
        joining = [(b, j[1]) for b, j in enumerate(self._joins)
                   if j is not None and b >= self.active and j[0] <= month]
        if not joining:
            return
        dst = np.array([b for b, _ in joining])
        src = np.array([s for _, s in joining])
        st = self.state
        for value in vars(st).values():
            if isinstance(value, np.ndarray):
                value[dst] = value[src]
        self.recorder.copy_worlds(src, dst, min(month, self.n_months))
        self.active = int(dst.max()) + 1

    @contextmanager
    def _head(self) -> Iterator[None]:
        """Inside this block the model's batch is its first :attr:`active` worlds: its config,
        world, state, recorder, keys and protected powers are views of theirs. A state array a
        process replaces is copied back into the batch's."""
        n = self.active
        full = (self.cfg, self.world, self.state, self.recorder, self.protected,
                self.recruit_keys, self.attack_keys, self.combat_keys, self.politics_keys)
        key = (id(self.cfg), n)
        if key not in self._heads:
            self._heads = {key: head_config(self.cfg, n)}
        world = copy.copy(self.world)
        for name, value in vars(self.world).items():
            if name not in SHARED_FIELDS and isinstance(value, np.ndarray):
                setattr(world, name, value[:n])
        state = copy.copy(self.state)
        views = {name: value[:n] for name, value in vars(self.state).items()
                 if isinstance(value, np.ndarray)}
        for name, view in views.items():
            setattr(state, name, view)
        self.cfg, self.world, self.state = self._heads[key], world, state
        self.recorder = full[3].head(n)
        self.protected = full[4][:n]
        self.recruit_keys, self.attack_keys, self.combat_keys, self.politics_keys = (
            k[:n] for k in full[5:])
        try:
            yield
        finally:
            whole = full[2]
            for name, value in vars(state).items():
                if name in views:
                    if value is not views[name]:  # replaced, not written through the view
                        getattr(whole, name)[:n] = value
                else:
                    setattr(whole, name, value)
            (self.cfg, self.world, self.state, self.recorder, self.protected,
             self.recruit_keys, self.attack_keys, self.combat_keys, self.politics_keys) = full

    def step(self) -> None:
        """One month: processes 2-8 (process 1, the dated events, ran just before), in the
        worlds that run now (:attr:`active`)."""
        if self.active == self.worlds:
            self._month()
        else:
            with self._head():
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
            self.mass_casualty_attacks(*result.army_mass_casualty, month)
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
        cfg, w, st = self.cfg, self.world, self.state
        hp, sc = cfg.params.hosts, cfg.scenario
        ins = hosts_p.insecurity(w, st, hp)
        trend = hosts_p.update_trend(st, hp)
        hosts_p.update_legitimacy(w, st, hp, ins)
        politics_p.update_army_losses(st, st.army_deaths)
        if sc.endogenous_coups or sc.endogenous_sanctions:
            # every state has the same numbers each month, whatever happens (common random
            # numbers across scenarios): [B, S, DRAWS]
            draws = uniforms(self.politics_keys[:, :, None], month,
                             np.arange(politics_p.DRAWS)[None, None, :])
            if sc.endogenous_coups:
                self._coups(month, ins, draws)
            if sc.endogenous_sanctions:
                self._sanctions(month, draws)
        foreign = hosts_p.update_vacuum(w, st, hp, cfg.params.combat.force_ratio,
                                        combat_p.hostile_strength(w, st))
        hosts_p.update_receptivity(w, st, hp, trend, foreign)
        if sc.endogenous_partner_choice:
            self._partner_choice(month, ins, trend, foreign)
        elif sc.endogenous_expulsion:
            candidates = hosts_p.expulsion_candidates(w, st, hp, self.protected)
            for b, si, pi in zip(*np.nonzero(candidates)):
                self.expel(int(b), int(si), int(pi), month, f"receptivity "
                           f"{st.receptivity[b, si, pi]:.2f} below "
                           f"{world_value(hp.expel_threshold, b)}")
        accepted = hosts_p.decide_offers(st, hp)
        for b, si, pi in zip(*np.nonzero(accepted)):
            powers_p.order(st, b, pi, si, st.offers[b, pi, si], w.ramp_months[b, pi])
            st.agreement[b, si, pi] = True
            self.recorder.event(b, month, "agreement", w.state_ids[si], w.power_ids[pi],
                                "offer accepted: " + _describe(st.offers[b, pi, si]))
        st.offers[:] = 0.0
        loss = (st.sanctioned * cfg.params.sanctions.budget_cost) if st.sanctioned.any() else None
        hosts_p.update_budget(w, st, hp, ins, loss)

    def _coups(self, month: int, ins: np.ndarray, draws: np.ndarray) -> None:
        """Endogenous coup attempts: the hazard, the draws, success or failure."""
        w, st, cp = self.world, self.state, self.cfg.params.coups
        hazard = politics_p.coup_hazard(w, st, cp, ins, month)
        capacity, foreign = hosts_p.security_capacity(w, st)
        share = ratio(foreign, capacity[:, :, None])
        tried = politics_p.coup_attempts(w, st, cp, hazard, draws, month, share)
        for b, si in zip(*np.nonzero(tried.attempted)):
            why = f"hazard {hazard[b, si]:.3f}/month"
            if tried.succeeded[b, si]:
                self.coup(int(b), int(si), month, f"emergent ({why})")
            else:
                self.failed_coup(int(b), int(si), month, f"emergent, failed ({why})")

    def _sanctions(self, month: int, draws: np.ndarray) -> None:
        """The AU and ECOWAS after a coup: suspension, sanctions, concession, transition."""
        w, st = self.world, self.state
        res = politics_p.sanctions_step(w, st, self.cfg.params.sanctions, draws, month)
        rec = self.recorder
        for b, si in zip(*np.nonzero(res.suspended)):
            who = "ecowas" if w.ecowas_member[si] else "au"
            rec.event(b, month, "suspension", who, w.state_ids[si], "after the coup")
        for b, si in zip(*np.nonzero(res.embargoed)):
            rec.event(b, month, "sanctions", "ecowas", w.state_ids[si],
                      "economic sanctions: borders closed, accounts frozen")
        for b, si in zip(*np.nonzero(res.conceded)):
            rec.event(b, month, "concession", w.state_ids[si], "ecowas",
                      "the junta agrees a transition; sanctions lifted")
        for b, si in zip(*np.nonzero(res.transition)):
            st.regime[b, si] = CIVILIAN
            rec.event(b, month, "transition", w.state_ids[si], "",
                      "civilian rule restored" + ("; suspension lifted"
                                                  if res.lifted[b, si] else ""))

    def _partner_value(self, ins: np.ndarray, trend: np.ndarray, foreign: np.ndarray,
                       month: int) -> np.ndarray:
        """[B, S, P] each partner's value to each regime (:func:`politics.partner_value`)."""
        w, st, cp = self.world, self.state, self.cfg.params.coups
        hazard = politics_p.coup_hazard(w, st, cp, ins, month)
        threat = hazard / (hazard + politics_p.monthly_base(cp))
        return politics_p.partner_value(w, st, self.cfg.params.partners, ins, trend, foreign,
                                        threat)

    def _partner_choice(self, month: int, ins: np.ndarray, trend: np.ndarray,
                        foreign: np.ndarray) -> None:
        """The regimes value their partners and act: invite, downgrade, restore, expel, end an
        agreement; a power kept downgraded leaves (docs/ODD.md section 7.4)."""
        cfg, w, st = self.cfg, self.world, self.state
        pp = cfg.params.partners
        politics_p.update_standing(st, pp, self._partner_value(ins, trend, foreign, month))
        acts = politics_p.partner_actions(w, st, pp, self.protected, month)
        ids, powers, rec = w.state_ids, w.power_ids, self.recorder
        for b, si, pi in zip(*np.nonzero(acts.invite)):
            st.agreement[b, si, pi] = True
            st.invited_until[b, si, pi] = month + world_value(pp.invitation_months, b)
            rec.event(b, month, "invitation", ids[si], powers[pi],
                      f"standing {st.standing[b, si, pi]:+.2f}")
        for b, si, pi in zip(*np.nonzero(acts.downgrade)):
            st.downgraded[b, si, pi] = True
            rec.event(b, month, "downgrade", ids[si], powers[pi],
                      f"standing {st.standing[b, si, pi]:+.2f}: agreements suspended, "
                      "overflights restricted")
        for b, si, pi in zip(*np.nonzero(acts.restore)):
            st.downgraded[b, si, pi] = False
            rec.event(b, month, "restore", ids[si], powers[pi],
                      f"standing {st.standing[b, si, pi]:+.2f}")
        st.effect_factor = 1.0 - pp.downgrade_effect[:, :, None] * st.downgraded
        for b, si, pi in zip(*np.nonzero(acts.expel)):
            self.expel(int(b), int(si), int(pi), month, f"standing {st.standing[b, si, pi]:+.2f}: "
                       "the junta asks it to leave")
        for b, si, pi in zip(*np.nonzero(acts.end_agreement)):
            self.end_agreement(int(b), int(si), int(pi), month)
        person = w.is_person
        for b, si, pi in zip(*np.nonzero(acts.leave)):
            if (st.target[b, pi, si] * person).sum() <= 0:
                continue  # already leaving
            self.withdraw(int(b), int(pi), int(si), month,
                          f"host hostile: downgraded for {st.hostile_months[b, si, pi]} months")
            st.cooldown_until[b, si, pi] = month + world_value(cfg.rules.casualty_cooldown_months, b)

    def _powers(self, month: int) -> None:
        cfg, w, st = self.cfg, self.world, self.state
        if cfg.scenario.endogenous_withdrawal:
            for b, pi, si in zip(*np.nonzero(powers_p.casualty_withdrawals(w, st, self.protected))):
                self.withdraw(int(b), int(pi), int(si), month, "casualties beyond tolerance")
                st.cooldown_until[b, si, pi] = month + world_value(cfg.rules.casualty_cooldown_months, b)
        # `none` keeps its targets: no context needed. A power's decision reads only its own
        # targets, so every power decides before the budget ceilings are applied to all at once.
        deciding = [agent for agent in self.foreign if agent.rule_name != "none"]
        if deciding:
            view = hosts_p.payment_shares(w, st, cfg.params.resources)
            for agent in deciding:
                desired = agent.decide(self.rule_context(agent.index, month, view))
                powers_p.apply_decision(w, st, agent.index, desired)
        powers_p.scale_to_budget(w, st)
        powers_p.mark_exits(w, st, cfg.rules.exit_drawdown_share)
        entered, left = powers_p.advance_deployments(w, st)
        # the host settles this month's bill for the forces it has at the month's end (the
        # recorded levels), then buys arms
        hosts_p.pay_contractors(w, st, cfg.params.resources)
        powers_p.arms_market(w, st, cfg.params.resources)
        for b, pi, si in zip(*np.nonzero(entered)):
            self.recorder.event(b, month, "entry", w.power_ids[pi], w.state_ids[si],
                                _describe(st.level[b, pi, si]))
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

    # ----------------------------------------------------------------------- actions
    # Each action acts in one world ``b`` of the batch; a scheduled event calls it in each world
    # that has the event.

    def coup(self, b: int, si: int, month: int, detail: str) -> None:
        """A coup in state ``si``: military regime, a new junta's popularity bonus; the coup trap
        starts, and the regional organisations will answer in ``sanctions.delay_months``."""
        st = self.state
        st.regime[b, si] = MILITARY
        st.legitimacy[b, si] = min(1.0, st.legitimacy[b, si]
                                   + world_value(self.cfg.params.hosts.coup_legitimacy_bonus, b))
        st.last_attempt[b, si] = st.last_coup[b, si] = month
        st.transition_at[b, si] = NEVER
        if self.cfg.scenario.endogenous_sanctions:
            st.sanction_at[b, si] = month + world_value(self.cfg.params.sanctions.delay_months, b)
        self.recorder.event(b, month, "coup", "army", self.world.state_ids[si], detail)

    def mass_casualty_attack(self, b: int, si: int, month: int) -> None:
        """A mass-casualty attack on state ``si``'s army in world ``b`` (see
        :meth:`mass_casualty_attacks`)."""
        self.mass_casualty_attacks(np.array([b]), np.array([si]), month)

    def mass_casualty_attacks(self, worlds: np.ndarray, states: np.ndarray, month: int) -> None:
        """Mass-casualty attacks on the armies of ``states`` in ``worlds`` (pairs, each at most
        once): a shock to politics. Every partner present loses ``hosts.shock_blame`` of
        receptivity (protests after Boulkessy and Indelimane, 2019, demanded that foreign forces
        leave); the losses also raise the coup hazard through the army's 3-month memory of
        losses (:func:`sim.processes.politics.coup_hazard`)."""
        w, st = self.world, self.state
        here = (st.level[worlds, :, states] * w.is_person).sum(axis=2) > 0  # [n, P]
        before = st.receptivity[worlds, states]
        st.receptivity[worlds, states] = np.where(here, np.maximum(
            before - self.cfg.params.hosts.shock_blame[worlds], 0.0), before)
        self.recorder.counted_events(month, "army_mass_casualty", worlds,
                                     np.array(w.state_ids, dtype=object)[states],
                                     st.army_deaths[worlds, states], "soldiers killed")

    def failed_coup(self, b: int, si: int, month: int, detail: str) -> None:
        """A failed coup attempt in state ``si``: the trap starts, the regime is weakened."""
        st = self.state
        st.last_attempt[b, si] = month
        st.legitimacy[b, si] = max(0.0, st.legitimacy[b, si]
                                   - world_value(self.cfg.params.coups.failed_legitimacy_cost, b))
        self.recorder.event(b, month, "coup_attempt", "army", self.world.state_ids[si], detail)

    def end_agreement(self, b: int, si: int, pi: int, month: int) -> None:
        """An elected government ends power ``pi``'s agreement: it leaves over
        ``partners.notice_months`` and may not return for ``hosts.ban_months``; ending it costs
        the government ``end_agreement_legitimacy_cost``."""
        w, st, pp = self.world, self.state, self.cfg.params.partners
        person = w.is_person
        notice = world_value(pp.notice_months, b)
        powers_p.order(st, b, pi, si, np.where(person, 0.0, st.target[b, pi, si]),
                       np.full(len(INSTRUMENT_KINDS), notice))
        st.banned_until[b, si, pi] = month + world_value(self.cfg.params.hosts.ban_months, b)
        st.agreement[b, si, pi] = False
        st.last_exit[b, si, pi] = month
        st.legitimacy[b, si] = max(0.0, st.legitimacy[b, si]
                                   - world_value(pp.end_agreement_legitimacy_cost, b))
        self.recorder.event(b, month, "agreement_ended", w.state_ids[si], w.power_ids[pi],
                            f"standing {st.standing[b, si, pi]:+.2f} for "
                            f"{st.low_months[b, si, pi]} months; leaves over "
                            f"{notice} months")

    def withdraw(self, b: int | np.ndarray, pi: int, si: int, month: int, detail: str,
                 instrument: str = "", value: float = 0.0, months: int | None = None) -> None:
        """Order power ``pi`` down to ``value`` in state ``si`` (one instrument, or every person
        instrument) over its drawdown lag (or ``months``), in world ``b`` or in each of the
        worlds ``b`` (distinct indices)."""
        w, st = self.world, self.state
        cols = [INSTRUMENT_KINDS.index(instrument)] if instrument else list(np.flatnonzero(w.is_person))
        target = st.target[b, pi, si].copy()  # [I], or [n, I] for n worlds
        # a withdrawal never raises a level
        target[..., cols] = np.minimum(target[..., cols], value)
        lag = w.drawdown_months[b, pi] if months is None else np.full(len(INSTRUMENT_KINDS),
                                                                         months)
        powers_p.order(st, b, pi, si, target, lag)
        for world in np.atleast_1d(b).tolist():
            self.recorder.event(world, month, "withdrawal", w.power_ids[pi], w.state_ids[si],
                                detail)

    def west_cut(self, month: int) -> None:
        """Every Western power (france, usa, un, eu) keeps (1 - ``west_withdrawal_share``) of its
        forces in each AES state, reached over ``west_withdrawal_months``, in every world whose
        share is above 0 (the sign is each world's own: a twin's is 0)."""
        w, st, sc = self.world, self.state, self.cfg.scenario
        st.month = month
        for b in range(self.active):
            share = world_value(sc.west_withdrawal_share, b)
            if share <= 0:  # no cut in this world (a twin, beside its run)
                continue
            keep = 1.0 - share
            lag = np.full(len(INSTRUMENT_KINDS), world_value(sc.west_withdrawal_months, b))
            for p in WEST:
                if p not in w.power_ids:
                    continue
                pi = w.power_ids.index(p)
                for s in AES:
                    if s not in w.state_ids:
                        continue
                    si = w.state_ids.index(s)
                    if (st.target[b, pi, si] * w.is_person).sum() <= 0:
                        continue
                    target = np.where(w.is_person, np.minimum(st.target[b, pi, si],
                                                              keep * st.level[b, pi, si]),
                                      st.target[b, pi, si])
                    powers_p.order(st, b, pi, si, target, lag)
                    self.recorder.event(b, month, "withdrawal", p, s, "scenario: Western forces "
                                        f"cut by {share:.0%}")

    def expel(self, b: int, si: int, pi: int, month: int, detail: str,
              months: int | None = None) -> None:
        """State ``si`` expels power ``pi``: it leaves over its drawdown lag, may not return for
        ``ban_months``, and may redeploy ``redeploy_share`` of its forces to the receptive state
        with the largest vacuum."""
        w, st, hp = self.world, self.state, self.cfg.params.hosts
        person = w.is_person
        leaving = st.level[b, pi, si] * person
        lag = w.drawdown_months[b, pi] if months is None else np.full(len(INSTRUMENT_KINDS),
                                                                         months)
        powers_p.order(st, b, pi, si, np.where(person, 0.0, st.target[b, pi, si]), lag)
        st.banned_until[b, si, pi] = month + world_value(hp.ban_months, b)
        st.agreement[b, si, pi] = False
        st.last_exit[b, si, pi] = month
        st.offers[b, pi, si] = 0.0
        self.recorder.event(b, month, "expulsion", w.state_ids[si], w.power_ids[pi], detail)
        share = w.redeploy_share[b, pi]
        if share <= 0 or leaving.sum() <= 0:
            return
        present = (st.level[b, pi] * person).sum(axis=1) > 0
        cand = (present | st.agreement[b, :, pi]) & (st.banned_until[b, :, pi] <= month) \
            & (st.receptivity[b, :, pi] >= world_value(hp.accept_threshold, b))
        cand[si] = False
        if not cand.any():
            return
        best = int(np.argmax(np.where(cand, st.vacuum[b], -np.inf)))
        powers_p.order(st, b, pi, best, st.target[b, pi, best] + share * leaving,
                       w.ramp_months[b, pi])
        self.recorder.event(b, month, "redeploy", w.power_ids[pi], w.state_ids[best],
                            f"{share * leaving.sum():.0f} personnel from {w.state_ids[si]}")

    # ----------------------------------------------------------------------- scheduled events

    def apply_event(self, ev: EventConfig, month: int, worlds: np.ndarray | None = None) -> None:
        """Process 1: apply a scheduled event (docs/ODD.md section 7.1) with the handler of its
        kind in :attr:`EVENT_HANDLERS`, in the ``worlds`` of the batch that have it (default:
        every world).

        Raises:
            ValueError: if no handler is registered for ``ev.kind`` (validation refuses such an
                event before a model is built, so only an unvalidated config can get here).
        """
        handler = self.EVENT_HANDLERS.get(ev.kind)
        if handler is None:
            raise ValueError(
                f"scenario event {ev.id or ev.date!r}: kind {ev.kind!r} has no handler; allowed: "
                f"{', '.join(self.EVENT_HANDLERS)} (validate the config before building a model)")
        self.state.month = month
        worlds = np.arange(self.active) if worlds is None else worlds[worlds < self.active]
        if worlds.size == 0:
            return
        with self.recorder.scheduled():
            handler(self, ev, month, f" ({ev.note})" if ev.note else "", worlds)

    def _on_coup(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``coup``: the army takes power in state ``target`` (see :meth:`coup`)."""
        si = self.world.state_ids.index(ev.target)
        for b in worlds.tolist():
            self.coup(b, si, month, "scheduled" + note)

    def _on_deploy(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``deploy``: power ``actor`` moves its ``instrument`` in state ``target`` to ``value``
        over ``months`` (default: its ramp-up lag); the host has agreed, which lifts a ban."""
        w, st = self.world, self.state
        pi, si = w.power_ids.index(ev.actor), w.state_ids.index(ev.target)
        ii = INSTRUMENT_KINDS.index(ev.instrument)
        lag = ev.months or w.ramp_months[worlds, pi, ii][:, None]  # a number, or [n, 1]
        target = st.target[worlds, pi, si]  # [n, I], a copy
        target[:, ii] = float(ev.value)
        powers_p.order(st, worlds, pi, si, target, lag)
        st.agreement[worlds, si, pi] = True
        st.banned_until[worlds, si, pi] = np.minimum(st.banned_until[worlds, si, pi], month)
        detail = f"{ev.instrument} to {ev.value:g}" + note
        for b in worlds.tolist():
            self.recorder.event(b, month, "deploy", ev.actor, ev.target, detail)

    def _on_withdraw(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``withdraw``: power ``actor`` draws down to ``value`` (default 0) in state ``target``,
        one ``instrument`` or every person instrument (see :meth:`withdraw`)."""
        w = self.world
        pi, si = w.power_ids.index(ev.actor), w.state_ids.index(ev.target)
        self.withdraw(worlds, pi, si, month, "scheduled" + note, ev.instrument,
                      float(ev.value or 0.0), ev.months)

    def _on_expel(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``expel``: state ``actor`` expels power ``target`` (see :meth:`expel`)."""
        w = self.world
        si, pi = w.state_ids.index(ev.actor), w.power_ids.index(ev.target)
        for b in worlds.tolist():
            self.expel(b, si, pi, month, "scheduled" + note, ev.months)

    def _on_agreement(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``agreement``: state ``actor`` signs with power ``target``, which lifts a ban; the
        power's rule decides what it deploys."""
        w, st = self.world, self.state
        si, pi = w.state_ids.index(ev.actor), w.power_ids.index(ev.target)
        st.agreement[worlds, si, pi] = True
        st.banned_until[worlds, si, pi] = np.minimum(st.banned_until[worlds, si, pi], month)
        for b in worlds.tolist():
            self.recorder.event(b, month, "agreement", ev.actor, ev.target, "scheduled" + note)

    def _on_budget(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``budget``: a power's budget ceiling (the model's own copy of each world's config; the
        world is rebuilt on the same adjacency) or a state's defence budget becomes ``value``
        USD/year. Every world of a batch has it (:data:`sim.engine.batch.VALUE_EVENTS`)."""
        w, st = self.world, self.state
        if ev.actor in w.power_ids:
            path = f"world.powers.{ev.actor}.budget_ceiling_usd"
            self._set_in_configs(path, lambda old: float(ev.value))
        else:
            si = w.state_ids.index(ev.actor)
            st.budget[:, si] = st.budget0[:, si] = float(ev.value)
        for b in worlds.tolist():
            self.recorder.event(b, month, "budget", ev.actor, "", f"{ev.value:g} USD/year" + note)

    def _on_param(self, ev: EventConfig, month: int, note: str, worlds: np.ndarray) -> None:
        """``param``: the parameter at ``path`` becomes ``value`` in every world (in the model's
        own copy of each world's config, of the parameter's type); a ``world.`` path rebuilds the
        world on the same adjacency. Every world of a batch has it
        (:data:`sim.engine.batch.VALUE_EVENTS`)."""
        olds = self._set_in_configs(ev.path, lambda old: type(old)(ev.value))
        for b in worlds.tolist():
            self.recorder.event(b, month, "param", "", ev.path,
                                f"{olds[b]:g} -> {ev.value:g}" + note)

    def _set_in_configs(self, path: str, value: Callable[[object], object]) -> list[object]:
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

    #: The handler of each event kind (:data:`sim.config.EVENT_KINDS`), called as
    #: ``handler(model, event, month, note, worlds)`` where ``note`` is `` (event.note)`` or
    #: empty and ``worlds`` the indices of the batch's worlds that have the event.
    EVENT_HANDLERS: ClassVar[dict[str, Callable[[SahelModel, EventConfig, int, str, np.ndarray],
                                                None]]] = {
        "coup": _on_coup,
        "deploy": _on_deploy,
        "withdraw": _on_withdraw,
        "expel": _on_expel,
        "agreement": _on_agreement,
        "budget": _on_budget,
        "param": _on_param,
    }

def _describe(levels: np.ndarray) -> str:
    parts = [f"{k} {v:,.0f}" for k, v in zip(INSTRUMENT_KINDS, levels) if v > 0]
    return ", ".join(parts) if parts else "nothing"
