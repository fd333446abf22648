"""A war that responds (docs/ODD.md sections 7.2-7.3): militias, reprisal cycles, the garrison's
pullback, and what each partner's presence does to the fighting, each shown in a small world
where it happens and where it does not."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.prepare import prepare
from sim.model import SahelModel
from sim.processes.events import mass_casualty_attacks
from tests.worlds import tiny_world


def _model(cfg):
    model = SahelModel(prepare(cfg))
    model.run()
    return model


def test_a_militia_forms_where_control_falls_and_attacks_rise():
    """400 fighters attack a region held at 0.5: a militia forms there (and only where the
    pressure is); in the same world held at 0.95, none forms."""
    low = _model(tiny_world(fighters=400.0, control=0.5, end="2019-12"))
    high = _model(tiny_world(fighters=400.0, control=0.95, end="2019-12",
                             army_personnel=40000.0))
    first = [i for i, r in enumerate(low.world.region_ids) if r.endswith("-1")]
    assert (low.state.militia[0, first] > 0).all()
    quiet = [i for i, r in enumerate(low.world.region_ids) if r.endswith("-2")]
    assert (low.state.militia[0, quiet] == 0).all(), "a militia formed where nobody attacks"
    assert (high.state.militia == 0).all()


def test_militias_stay_within_their_share_of_the_population():
    m = _model(tiny_world(fighters=2000.0, control=0.3, end="2021-12"))
    cap = m.cfg.params.militias.cap_share * m.world.population
    assert (m.state.militia <= cap + 1e-9).all() and m.state.militia.max() > 0


def _civilian_deaths_and_fighters(harm: float, reprisal: float) -> tuple[float, float]:
    cfg = tiny_world(fighters=600.0, control=0.5, end="2021-12", seed=3)
    cfg.params.militias.civilian_harm = harm
    cfg.params.groups.reprisal_weight = reprisal
    result_model = _model(cfg)
    return float(result_model.recorder.regions["fatalities"].sum()), float(
        result_model.state.fighters.sum())


def test_a_reprisal_cycle_raises_civilian_deaths_and_recruitment():
    """Militias that kill civilians (and massacres remembered) raise civilian deaths, and the
    harm feeds grievance, so the insurgency ends larger than in the same world without it."""
    deaths_on, fighters_on = _civilian_deaths_and_fighters(harm=0.01, reprisal=4.0)
    deaths_off, fighters_off = _civilian_deaths_and_fighters(harm=0.0, reprisal=0.0)
    assert deaths_on > deaths_off
    assert fighters_on > fighters_off


def _air_world(sorties: float):
    cfg = tiny_world(fighters=800.0, control=0.6, end="2021-12", seed=5)
    cfg.world.powers["france"].air_sorties = sorties
    return _model(cfg)


def test_removing_air_support_strengthens_the_insurgents():
    """France brings 17.6 sorties per 1,000 personnel a month (Barkhane's 2019 rate): without
    them the army is weaker and the insurgents end stronger, with less of Mali under control."""
    with_air, without = _air_world(17.6), _air_world(0.0)
    mali = without.world.state_ids.index("mali")
    assert with_air.state.army_eff[0, mali] > without.state.army_eff[0, mali]
    assert without.state.fighters.sum() > with_air.state.fighters.sum()
    rows = without.world.region_state == mali
    assert without.state.control[0, rows].mean() < with_air.state.control[0, rows].mean()


def test_the_garrison_pulls_back_to_the_towns_below_the_control_threshold():
    """A region whose control falls below pullback_control keeps only 1 - pullback_share of its
    garrison; the rest goes to the state's towns (here: its held regions)."""
    from sim.processes.combat import hostile_strength, security_allocation

    m = SahelModel(prepare(tiny_world(fighters=0.0, control=0.9, end="2019-02")))
    w, st = m.world, m.state
    p = m.cfg.params.combat
    st.control[:] = 1.0
    a = hostile_strength(w, st)
    before, _ = security_allocation(w, st, p.garrison_share, a, p.pullback_control,
                                    p.pullback_share)
    st.control[0, 0] = 0.2
    after, _ = security_allocation(w, st, p.garrison_share, a, p.pullback_control,
                                   p.pullback_share)
    assert after[0, 0] == pytest.approx(before[0, 0] * (1 - p.pullback_share * p.garrison_share))
    same_state = w.region_state == w.region_state[0]
    assert after[0, same_state].sum() == pytest.approx(before[0, same_state].sum())


def test_a_mass_casualty_attack_costs_the_partners_present_receptivity():
    """An army mass-casualty month is an event, and every partner present loses shock_blame of
    receptivity at once; absent partners do not."""
    m = SahelModel(prepare(tiny_world(end="2019-02")))
    st, w = m.state, m.world
    mali, fr, ru = 0, w.power_ids.index("france"), w.power_ids.index("russia")
    st.army_deaths[0, mali] = 100
    before = st.receptivity.copy()
    mass_casualty_attacks(m.cfg, w, st, m.recorder, np.array([0]), np.array([mali]), 0)
    blame = m.cfg.params.hosts.shock_blame
    assert st.receptivity[0, mali, fr] == pytest.approx(before[0, mali, fr] - blame)
    assert st.receptivity[0, mali, ru] == before[0, mali, ru]
    assert m.recorder.events[0][-1][1] == "army_mass_casualty"


def test_contractors_kill_more_fighters_than_the_same_regular_force():
    """The same effective force (1,400) as contractors (contractor_lethality 2) or as troops:
    more fighter deaths with contractors, over 40 months of draws from one state."""
    from sim.processes.combat import combat

    def fighter_losses(instrument: str) -> float:
        deployed = ((("russia", "mali", "contractors", 2000.0),) if instrument == "contractors"
                    else (("france", "mali", "troops", 1400.0),))
        cfg = tiny_world(fighters=3000.0, control=0.5, end="2019-02", deployments=deployed)
        m = SahelModel(prepare(cfg))
        attacks = np.zeros_like(m.state.fighters)
        lost = 0.0
        for month in range(40):
            st = m.state
            st.month = month  # the combat stream's numbers of another month
            before = st.fighters.sum()
            combat(m.world, st, m.cfg.params.combat, attacks, m.combat_keys,
                   m.cfg.params.militias)
            lost += before - st.fighters.sum()
            st.fighters[:] = np.where(st.fighters > 0, 3000.0, 0.0)  # same fight every month
        return lost

    assert fighter_losses("contractors") > 1.2 * fighter_losses("troops")
