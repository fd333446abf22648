"""The mechanism behind the question (docs/ODD.md sections 1 and 8), in a tiny world.

France holds 3,000 troops in mali; mali expels it in 2019-02. mali is receptive to russia (0.7),
niger is not (0.3). russia follows ``opportunistic`` and bills 90% of its contractors to the host.
The analyst's claim, "an opportunity for Russia that is going to cost them basically almost
nothing", is then a statement about numbers the run reports:

- russia's influence in mali rises within 12 months of the expulsion (and not in niger);
- russia's own net cost over the year stays under a tenth of what France spent over it;
- who pays: if the host cannot pay (``params.resources.host_can_pay=0``), russia's own net cost
  rises by about the host payments it no longer receives, and the win is no longer cheap.

Each check is made for three seeds; the tables and the summary must agree with each other.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from sim.api import RunResult, run

try:
    from worlds import expulsion_world
except ImportError:  # tests/ imported as a package
    from tests.worlds import expulsion_world

SEEDS = (0, 1, 2)
EXPULSION_STEP = 1  # 2019-02 in a run starting 2019-01
LAST_STEP = 12  # 2020-01: the 12 months from the expulsion are steps 1..12
PHI = 0.1


@functools.cache
def _run(seed: int, host_can_pay: float) -> RunResult:
    """The expulsion world from 2019-01 to 2020-01; the summary's horizon is the 12 months from
    the expulsion (2019-02 to 2020-01)."""
    cfg = expulsion_world(seed=seed, host_can_pay=host_can_pay, end="2020-01")
    cfg.metrics.horizon_start = "2019-02"
    cfg.metrics.phi = PHI
    return run(cfg)


def _influence(result: RunResult, power: str, state: str) -> pd.Series:
    pr = result.tables["presence"]
    rows = pr[(pr["power"] == power) & (pr["state"] == state)].sort_values("step")
    return rows.set_index("step")["influence"]


def _ledger(result: RunResult, power: str) -> pd.DataFrame:
    """The power's rows of the powers table over the 12 months from the expulsion."""
    pw = result.tables["powers"]
    rows = pw[(pw["power"] == power) & (pw["step"] >= EXPULSION_STEP)]
    return rows.sort_values("step").set_index("step")


@pytest.mark.parametrize("seed", SEEDS)
def test_russia_gains_influence_in_the_state_france_was_expelled_from(seed: int) -> None:
    result = _run(seed, 1.0)
    mali = _influence(result, "russia", "mali")
    at_expulsion, after_a_year = mali.loc[EXPULSION_STEP], mali.loc[LAST_STEP]
    assert at_expulsion == 0.0
    assert after_a_year > 0.05, f"russia's influence in mali after a year: {after_a_year:.3f}"
    assert np.all(np.diff(mali.loc[EXPULSION_STEP:].to_numpy()) >= -1e-3), "it rises, not by luck"
    ev = result.tables["events"]
    entry = ev[(ev["kind"] == "entry") & (ev["actor"] == "russia")]
    assert entry["target"].tolist() == ["mali"]
    assert entry["step"].iloc[0] > EXPULSION_STEP
    # niger, not receptive to russia, gives it nothing
    assert _influence(result, "russia", "niger").max() == 0.0
    # the summary reports the same gain over the horizon, averaged over the AES states here
    # (mali and niger)
    gain = result.summary["russia"]["influence_gain"]
    assert gain == pytest.approx((after_a_year - at_expulsion) / 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_russias_own_net_cost_is_under_a_tenth_of_what_france_spent(seed: int) -> None:
    result = _run(seed, 1.0)
    r, f = _ledger(result, "russia"), _ledger(result, "france")
    russia_net = r["net_cost_usd"].sum()
    france_spent = f["gross_cost_usd"].sum()
    assert r["gross_cost_usd"].sum() > 0, "russia is there and it costs something"
    assert r["host_payments_usd"].sum() > 0, "the host pays russia's contractors"
    assert 0 < russia_net < PHI * france_spent, (
        f"russia's own net cost {russia_net:,.0f} vs France's spending {france_spent:,.0f}")
    s = result.summary
    assert s["russia"]["own_net_cost_usd"] == pytest.approx(russia_net, abs=0.01)
    assert s["west"]["gross_cost_usd"] == pytest.approx(france_spent, abs=0.01)
    assert s["first_version"]["cheap"] is True  # the first version's measure: own net costs
    assert s["host_paid_russia_usd"] == pytest.approx(r["host_payments_usd"].sum(), rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_when_the_host_cannot_pay_russia_pays_the_bill_itself(seed: int) -> None:
    paid, unpaid = _run(seed, 1.0), _run(seed, 0.0)
    r_paid, r_unpaid = _ledger(paid, "russia"), _ledger(unpaid, "russia")
    assert r_unpaid["host_payments_usd"].sum() == 0
    assert r_unpaid["concession_revenue_usd"].sum() == 0
    lost = r_paid["host_payments_usd"].sum() + r_paid["concession_revenue_usd"].sum()
    rise = r_unpaid["net_cost_usd"].sum() - r_paid["net_cost_usd"].sum()
    assert rise == pytest.approx(lost, rel=0.05), (
        f"own net cost rose by {rise:,.0f}; the host had paid {lost:,.0f}")
    # the footprint, and the influence it buys, do not depend on who pays: only the cost does
    gross_paid, gross_unpaid = r_paid["gross_cost_usd"].sum(), r_unpaid["gross_cost_usd"].sum()
    assert gross_unpaid == pytest.approx(gross_paid, rel=0.05)
    assert _influence(unpaid, "russia", "mali").iloc[-1] == pytest.approx(
        _influence(paid, "russia", "mali").iloc[-1], abs=0.01)
    # and the win is no longer cheap
    france_spent = _ledger(unpaid, "france")["gross_cost_usd"].sum()
    assert r_unpaid["net_cost_usd"].sum() > PHI * france_spent
    assert unpaid.summary["cheap"] is False
    assert unpaid.summary["host_paid_russia_usd"] == 0
