"""The pre-2020 political targets P1-P6 (sim/validate/politics.py), the politics hindcast
(sim/validate/config.py) and their place in the validation command.

Each target is checked on hand-built tables whose answer is known: tables that pass, tables that
fail (each way the rule can fail), and runs that do not cover the months the target needs (not
measurable). The command runs end to end once, on a window too short for any target, to show
where the section is printed and written; the politics hindcasts of the real model run once on
two seeds to show that every target can be measured on them. No test asserts a result of the real
model: the command reports it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.validate import politics as T
from sim.validate.config import (
    POLITICS_SWITCHES,
    ValidateConfig,
    hindcast_config,
    politics_hindcast_config,
    replicate_seeds,
)

IDS = [f"P{i}" for i in range(1, 7)]
PNG = b"\x89PNG\r\n\x1a\n"
Tables = dict[str, pd.DataFrame]
Value = float | Callable[[str], float]  # a constant, or f(month "YYYY-MM")


# --------------------------------------------------------------------------- hand-built tables


def months(start: str, end: str) -> list[str]:
    """Dates ``YYYY-MM-01`` from ``start`` to ``end`` (``YYYY-MM``), as the tables have them."""
    return [d.strftime("%Y-%m-01") for d in pd.date_range(f"{start}-01", f"{end}-01", freq="MS")]


def _value(v: Value, date: str) -> float:
    return float(v(date[:7])) if callable(v) else float(v)


def presence(start: str, end: str, cells: dict[tuple[str, str], dict[str, Value]]
             ) -> pd.DataFrame:
    """``presence`` rows for (state, power) cells: receptivity and personnel, each a constant or
    a function of the month (default receptivity 0.5, personnel 0)."""
    rows = []
    for k, date in enumerate(months(start, end)):
        for (s, p), cols in cells.items():
            rows.append({"step": k, "date": date, "state": s, "power": p,
                         "receptivity": _value(cols.get("receptivity", 0.5), date),
                         "personnel": _value(cols.get("personnel", 0.0), date),
                         "contractors": 0.0})
    return pd.DataFrame(rows)


def states(start: str, end: str, protests: dict[str, dict[int, float]] | None = None,
           column: bool = True) -> pd.DataFrame:
    """``states`` rows of Mali, Burkina Faso and Niger: annual protests spread evenly over the
    months of each year (0 where not given); without the column if not ``column``."""
    rows = []
    for k, date in enumerate(months(start, end)):
        for s in ("mali", "burkina_faso", "niger"):
            row = {"step": k, "date": date, "state": s, "fatalities": 0.0}
            if column:
                row["protests"] = (protests or {}).get(s, {}).get(int(date[:4]), 0.0) / 12.0
            rows.append(row)
    return pd.DataFrame(rows)


def events(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """``events`` rows from (month YYYY-MM, kind, actor, target)."""
    return pd.DataFrame([{"step": 0, "date": f"{m}-01", "kind": kind, "actor": a, "target": t,
                          "detail": "", "origin": "emergent"} for m, kind, a, t in rows],
                        columns=["step", "date", "kind", "actor", "target", "detail", "origin"])


def run(start: str = "2017-01", end: str = "2019-12", *, cells=None, protests=None,
        ev: pd.DataFrame | None = None, column: bool = True) -> Tables:
    """One politics hindcast run's tables."""
    return {"states": states(start, end, protests, column),
            "presence": presence(start, end, cells or {("mali", "russia"): {}}),
            "events": ev if ev is not None else events()}


def opinion(values: dict[str, float], month: str = T.GUINDO_MONTH, other: float = 0.5,
            ) -> dict[tuple[str, str], dict[str, Value]]:
    """Mali's cells whose receptivity is ``values[power]`` in ``month`` and ``other`` otherwise."""
    return {("mali", p): {"receptivity": (lambda m, v=v: v if m == month else other)}
            for p, v in values.items()}


REPORTED_P1 = dict(T.REPORTED_RECEPTIVITY)


# --------------------------------------------------------------------------- P1


def test_p1_passes_when_every_power_is_within_015_of_the_survey():
    runs = [run(cells=opinion({p: v + d for p, v in REPORTED_P1.items()}))
            for d in (-0.1, 0.0, 0.1)]
    r = T.p1_opinion_mali_2019(runs)
    assert (r.id, r.status, r.n_replicates) == ("P1", "PASS", 3)
    assert [d["item"] for d in r.details] == ["russia", "china", "usa", "france", "un"]
    assert r.details[0]["reported"] == pytest.approx(68.3 / (68.3 + 15.6))
    assert r.details[3]["reported"] == pytest.approx(16.9 / (16.9 + 80.3))
    assert r.details[4]["reported"] == pytest.approx(16.5 / (16.5 + 76.5))
    assert r.median == 5 and r.figure["name"] == "opinion_mali_2019"


def test_p1_reads_the_surveyed_month_and_state_only():
    """Receptivity in other months, and another state's in April 2019, do not count."""
    cells = opinion(REPORTED_P1, other=0.99)
    cells[("niger", "france")] = {"receptivity": 0.99}
    assert T.p1_opinion_mali_2019([run(cells=cells)]).passed


@pytest.mark.parametrize(("offset", "ok"), [(0.14, True), (-0.14, True), (0.16, False),
                                            (-0.16, False)])
def test_p1_tolerance_is_015_either_side(offset, ok):
    values = {**REPORTED_P1, "france": REPORTED_P1["france"] + offset}
    assert T.p1_opinion_mali_2019([run(cells=opinion(values))]).passed is ok


def test_p1_fails_in_the_median_of_the_replicates_and_names_the_power():
    good = run(cells=opinion(REPORTED_P1))
    bad = run(cells=opinion({**REPORTED_P1, "france": 0.6}))
    assert T.p1_opinion_mali_2019([good, good, bad]).passed  # the median is a good run
    r = T.p1_opinion_mali_2019([good, bad, bad])
    assert r.status == "FAIL" and "france" in r.result and "1 item median" in r.reason


def test_p1_is_not_measurable_without_april_2019():
    r = T.p1_opinion_mali_2019([run(end="2019-03", cells=opinion(REPORTED_P1))])
    assert r.status == "n/a" and not r.measurable and not r.passed
    assert "not measurable in this horizon" in r.reason and "2019-04" in r.reason
    assert T.p1_opinion_mali_2019([]).status == "n/a"


# --------------------------------------------------------------------------- P2


def dissatisfied(values: dict[tuple[str, str], float]) -> dict[tuple[str, str], dict[str, Value]]:
    """Mali's france and un cells whose receptivity is 1 - values[(power, month)] in the survey
    months (0.5 otherwise)."""
    return {("mali", p): {"receptivity": (
        lambda m, p=p: 1.0 - values[(p, m)] if (p, m) in values else 0.5)}
        for p in ("france", "un")}


REPORTED_P2 = dict(T.REPORTED_DISSATISFACTION)


def test_p2_reads_dissatisfaction_as_one_minus_receptivity():
    assert REPORTED_P2 == pytest.approx({("france", "2017-03"): 36 / 84.6,
                                         ("france", "2019-11"): 79.3 / 92.0,
                                         ("un", "2019-11"): 0.779 / 0.92})
    r = T.p2_dissatisfaction_mali([run(cells=dissatisfied(REPORTED_P2))])
    assert r.status == "PASS"
    assert [d["item"] for d in r.details] == ["france 2017-03", "france 2019-11", "un 2019-11"]
    assert r.details[1]["median"] == pytest.approx(REPORTED_P2[("france", "2019-11")])
    # receptivity itself at the reported shares is the opposite opinion: it fails
    wrong = {k: 1.0 - v for k, v in REPORTED_P2.items()}
    assert not T.p2_dissatisfaction_mali([run(cells=dissatisfied(wrong))]).passed
    assert "0.92" in r.target or "92%" in r.target  # the UN's no-opinion share is an assumption


@pytest.mark.parametrize(("item", "offset", "ok"), [
    (("france", "2017-03"), 0.14, True), (("france", "2017-03"), 0.2, False),
    (("france", "2019-11"), -0.14, True), (("france", "2019-11"), -0.3, False),
    (("un", "2019-11"), -0.16, False)])
def test_p2_every_item_within_015(item, offset, ok):
    values = {**REPORTED_P2, item: REPORTED_P2[item] + offset}
    r = T.p2_dissatisfaction_mali([run(cells=dissatisfied(values))])
    assert r.passed is ok
    if not ok:
        assert f"{item[0]} {item[1]}" in r.result


@pytest.mark.parametrize(("start", "end"), [("2017-01", "2019-10"), ("2017-04", "2019-12")])
def test_p2_is_not_measurable_without_both_survey_months(start, end):
    r = T.p2_dissatisfaction_mali([run(start, end, cells=dissatisfied(REPORTED_P2))])
    assert r.status == "n/a" and "not measurable in this horizon" in r.reason


# --------------------------------------------------------------------------- P3


def protests(factor: float = 1.0, only: tuple[str, int] | None = None,
             ) -> dict[str, dict[int, float]]:
    return {s: {y: v * factor if only in (None, (s, y)) else v for y, v in by.items()}
            for s, by in T.REPORTED_PROTESTS.items()}


def test_p3_passes_within_a_factor_2_of_acled():
    runs = [run(protests=protests(f)) for f in (0.6, 1.0, 1.9)]
    r = T.p3_demonstrations(runs)
    assert r.status == "PASS" and len(r.details) == 9
    assert {d["item"]: d["reported"] for d in r.details}["mali 2019"] == 139
    assert r.details[0]["median"] == pytest.approx(30.0)


@pytest.mark.parametrize(("factor", "ok"), [(0.55, True), (1.9, True), (0.45, False),
                                            (2.1, False)])
def test_p3_factor_2_either_side(factor, ok):
    r = T.p3_demonstrations([run(protests=protests(factor, only=("niger", 2018)))])
    assert r.passed is ok
    if not ok:
        assert "niger 2018" in r.result


def test_p3_sums_the_months_of_each_year():
    """Protests are monthly expected events: a year's twelve months add up to its count."""
    monthly = run(protests=protests())
    monthly["states"]["protests"] = np.where(monthly["states"]["date"].str[5:7] == "06",
                                             monthly["states"]["protests"] * 12, 0.0)
    r = T.p3_demonstrations([monthly])
    assert r.passed and r.details[0]["median"] == pytest.approx(30.0)


def test_p3_is_not_measurable_without_2017_2019_or_without_the_column():
    short = T.p3_demonstrations([run(end="2019-06", protests=protests())])
    assert short.status == "n/a" and "2017-01..2019-12" in short.reason
    old = T.p3_demonstrations([run(protests=protests(), column=False)])
    assert old.status == "n/a" and "protests" in old.reason


# --------------------------------------------------------------------------- P4


def russia(state: str, personnel: Value) -> dict[tuple[str, str], dict[str, Value]]:
    return {("mali", "france"): {"personnel": 2400.0}, (state, "russia"): {"personnel": personnel}}


def from_month(first: str, level: float = 200.0) -> Callable[[str], float]:
    return lambda m: level if m >= first else 0.0


def test_p4_passes_without_russian_personnel_in_the_sahel_in_2019():
    runs = [run(cells={("mali", "france"): {"personnel": 2400.0}}),  # russia absent: 0
            run(cells=russia("mali", 0.0)),
            run(cells=russia("guinea", 200.0)),  # outside the Sahel
            run(cells=russia("niger", lambda m: 150.0 if m < "2019-01" else 0.0))]  # 2018 only
    r = T.p4_no_russian_deployment(runs)
    assert r.status == "PASS" and r.kind == "share" and r.median == 1.0
    assert r.low < 1.0 == r.high  # the Wilson interval of 4 of 4
    assert r.details[0]["passed"] and r.details[0]["median"] == 1.0
    assert [d["item"] for d in r.details[1:6]] == [f"no russian personnel in {s}"
                                                    for s in T.SAHEL]


@pytest.mark.parametrize(("deployed", "ok"), [(0, True), (1, True), (2, False), (5, False)])
def test_p4_needs_80_percent_of_replicates_without_a_deployment(deployed, ok):
    """One month in Chad in 2019 is a deployment; 4 of 5 replicates without one pass."""
    runs = [run(cells=russia("chad", from_month("2019-12")) if i < deployed
                else russia("chad", 0.0)) for i in range(5)]
    r = T.p4_no_russian_deployment(runs)
    assert r.passed is ok and r.median == pytest.approx(1 - deployed / 5)
    if not ok:
        assert "chad" in r.result and "2019-12" in r.result and "80%" in r.reason


def test_p4_is_not_measurable_without_every_month_of_2019():
    r = T.p4_no_russian_deployment([run(end="2019-11", cells=russia("mali", 0.0))])
    assert r.status == "n/a" and "2019-01..2019-12" in r.reason


# --------------------------------------------------------------------------- P5


def signed(*rows: tuple[str, str]) -> pd.DataFrame:
    """Cooperation agreements with Russia: (month, state)."""
    return events(*[(m, "cooperation", s, "russia") for m, s in rows])


BOTH = signed(("2018-08", "burkina_faso"), ("2019-06", "mali"))


def test_p5_passes_when_both_states_sign_by_the_end_of_2019():
    r = T.p5_cooperation_agreements([run(ev=BOTH), run(ev=signed(("2017-01", "mali"),
                                                                 ("2019-12", "burkina_faso")))])
    assert r.status == "PASS" and r.median == 1.0
    items = {d["item"]: d for d in r.details}
    assert items["mali signed 2017-01..2019-12"]["reported"] == "2019-06"
    assert items["burkina_faso: first signed (earliest, latest)"]["allowed"] == ["2018-08",
                                                                                  "2019-12"]


@pytest.mark.parametrize(("ev", "missing"), [
    (signed(("2018-08", "burkina_faso")), "mali"),
    (signed(("2016-12", "burkina_faso"), ("2019-06", "mali")), "burkina_faso"),  # too early
    (signed(("2018-08", "burkina_faso"), ("2020-01", "mali")), "mali"),  # too late
    (events(("2018-08", "cooperation", "burkina_faso", "russia"),
            ("2019-06", "cooperation", "mali", "china")), "mali"),  # another power
    (events(("2018-08", "cooperation", "burkina_faso", "russia"),
            ("2019-06", "invitation", "mali", "russia")), "mali"),  # another kind
])
def test_p5_counts_only_a_cooperation_agreement_with_russia_by_2019(ev, missing):
    r = T.p5_cooperation_agreements([run(end="2020-06", ev=ev)])
    assert r.status == "FAIL" and r.median == 0.0
    assert missing in r.reason and "50%" in r.reason


def test_p5_says_when_an_agreement_came_before_the_hindcast():
    r = T.p5_cooperation_agreements([run(ev=signed(("2016-05", "mali"),
                                                   ("2018-08", "burkina_faso")))])
    assert not r.passed and "mali 0% (+100% before 2017-01, not counted)" in r.result


@pytest.mark.parametrize(("mali_signs", "ok"), [(2, True), (1, False)])
def test_p5_each_state_in_half_of_the_replicates(mali_signs, ok):
    runs = [run(ev=BOTH if i < mali_signs else signed(("2018-08", "burkina_faso")))
            for i in range(4)]
    r = T.p5_cooperation_agreements(runs)
    assert r.passed is ok and r.median == pytest.approx(mali_signs / 4)


def test_p5_is_not_measurable_without_2017_2019():
    r = T.p5_cooperation_agreements([run(end="2019-11", ev=BOTH)])
    assert r.status == "n/a" and "2017-01..2019-12" in r.reason


# --------------------------------------------------------------------------- P6


def test_p6_passes_when_no_host_expels_or_ends_an_agreement():
    quiet = events(("2018-08", "cooperation", "burkina_faso", "russia"),
                   ("2019-03", "invitation", "mali", "russia"),
                   ("2019-05", "downgrade", "mali", "france"))
    outside = events(("2016-12", "expulsion", "mali", "france"),
                     ("2020-01", "agreement_ended", "niger", "usa"))
    r = T.p6_no_expulsion([run(ev=quiet), run(start="2016-06", end="2020-06", ev=outside),
                           run()])
    assert r.status == "PASS" and r.median == 1.0 and r.kind == "share"


@pytest.mark.parametrize(("kind", "n_out", "ok"), [
    ("expulsion", 1, True), ("expulsion", 2, False), ("agreement_ended", 1, True),
    ("agreement_ended", 2, False)])
def test_p6_needs_80_percent_of_replicates_without_one(kind, n_out, ok):
    runs = [run(ev=events(("2019-11", kind, "mali", "france")) if i < n_out else None)
            for i in range(5)]
    r = T.p6_no_expulsion(runs)
    assert r.passed is ok and r.median == pytest.approx(1 - n_out / 5)
    assert f"mali -> france ({kind}) in {n_out} of 5" in r.result
    items = {d["item"]: d for d in r.details}
    assert items[f"no {kind}"]["median"] == pytest.approx(1 - n_out / 5)


def test_p6_is_not_measurable_without_2017_2019():
    r = T.p6_no_expulsion([run(end="2017-03")])
    assert r.status == "n/a" and "2017-01..2019-12" in r.reason


# --------------------------------------------------------------------------- all targets


def passing_run() -> Tables:
    cells = {**opinion(REPORTED_P1), **dissatisfied(REPORTED_P2)}
    cells[("mali", "france")] = {"receptivity": lambda m: (
        REPORTED_P1["france"] if m == T.GUINDO_MONTH
        else 1.0 - REPORTED_P2.get(("france", m), 0.5))}
    cells[("mali", "un")] = {"receptivity": lambda m: (
        REPORTED_P1["un"] if m == T.GUINDO_MONTH else 1.0 - REPORTED_P2.get(("un", m), 0.5))}
    return run(cells=cells, protests=protests(), ev=BOTH)


def test_evaluate_politics_scores_every_target_once_in_order():
    results = T.evaluate_politics([passing_run(), passing_run()])
    assert [r.id for r in results] == IDS == list(T.POLITICS)
    assert all(r.status == "PASS" for r in results), [(r.id, r.reason) for r in results]
    short = T.evaluate_politics([run(end="2017-03")])
    assert [r.status for r in short] == ["n/a"] * 6


def test_score_politics_run_is_one_zero_or_nan_per_target():
    ok = passing_run()
    assert T.score_politics_run(ok) == dict.fromkeys(IDS, 1.0)
    bad = {**ok, "events": events(("2019-02", "expulsion", "niger", "france"))}
    scores = T.score_politics_run(bad, ids=("P5", "P6"))
    assert scores == {"P5": 0.0, "P6": 0.0}
    assert math.isnan(T.score_politics_run(run(end="2017-03"), ids=("P1",))["P1"])
    with pytest.raises(ValueError, match="allowed: P1, P2"):
        T.score_politics_run(ok, ids=("P7",))


def test_results_are_plain_json_and_every_figure_is_drawn(tmp_path):
    from sim.validate.plots import figure_file, save_pattern_plots

    results = T.evaluate_politics([passing_run()]) + [T.p1_opinion_mali_2019([])]
    for r in results:
        d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
        assert d["id"] == r.id and d["status"] == r.status
    assert [figure_file(r) for r in results[:6]] == [
        f"{pid}_{name}.png" for pid, name in T.FIGURE_NAMES.items()]
    assert figure_file(results[-1]) == "P1_opinion_mali_2019.png"  # not measurable: same name
    paths = save_pattern_plots(results[:6], tmp_path)
    assert all(p.read_bytes()[:8] == PNG for p in paths) and len(paths) == 6


def test_the_validation_reports_the_targets_apart_from_c1_c10():
    from sim.validate.report import POLITICS_HEADING, format_table, markdown
    from sim.validate.runner import Validation

    politics = T.evaluate_politics([passing_run()])
    politics[5] = T.p6_no_expulsion([run(ev=events(("2019-02", "expulsion", "niger", "france")))])
    v = Validation(config=ValidateConfig(), seeds=[1], results=[], politics=politics)
    assert v.score["of"] == 0
    assert v.politics_score == {"passed": 5, "failed": 1, "not_measured": 0, "of": 6}
    data = json.loads(json.dumps(v.to_dict(), allow_nan=False))
    assert [p["id"] for p in data["politics"]] == IDS
    assert data["politics_score"]["passed"] == 5
    assert data["politics_runs"]["rules"]["russia"] == "opportunistic"
    assert data["politics_runs"]["scenario"] == POLITICS_SWITCHES
    table = format_table(v).splitlines()
    at = table.index(POLITICS_HEADING)
    assert [line[:2] for line in table[at:] if line[:1] == "P" and line[1:2].isdigit()] == IDS
    assert table[-1] == "politics score: 5 of 6 passed (1 failed, 0 not measurable in this horizon)"
    md = markdown(v)
    assert f"# {POLITICS_HEADING}" in md and "**Politics score: 5 of 6 passed" in md
    assert "## P6 No host expelled a foreign force, 2017-2019: FAIL" in md


# --------------------------------------------------------------------------- the politics hindcast


def test_politics_hindcast_sets_the_host_politics_and_russias_rule():
    cfg = ValidateConfig(start="2019-01", end="2025-12", hindcast_start="2017-01",
                         hindcast_end="2019-12")
    cfg.rules.vacuum = {"france": "none", "russia": "none"}
    cfg.metrics.horizon_start = "2020-01"
    h, p = hindcast_config(cfg), politics_hindcast_config(cfg)
    assert (p.start, p.end, p.seed) == (h.start, h.end, h.seed) == ("2017-01", "2019-12", cfg.seed)
    assert p.metrics == h.metrics and p.params == h.params and p.world == h.world
    assert {k: getattr(p.scenario, k) for k in POLITICS_SWITCHES} == {
        "endogenous_coups": True, "endogenous_sanctions": True, "endogenous_partner_choice": True,
        "endogenous_withdrawal": True, "endogenous_expulsion": False}
    assert p.scenario.events == h.scenario.events and p.scenario.name == h.scenario.name
    assert p.rules.vacuum == {"france": "none", "russia": "opportunistic"}
    assert cfg.rules.vacuum["russia"] == "none"  # the scenario's own config is unchanged
    assert not h.scenario.endogenous_coups  # nor its hindcast


def test_a_scenarios_own_rule_is_kept_and_missing_powers_follow_the_default_rule():
    cfg = ValidateConfig(politics_rules={"russia": "rivalry", "china": "cost_benefit",
                                         "turkey": "none"})
    cfg.rules.vacuum = {"russia": "opportunistic"}
    assert politics_hindcast_config(cfg).rules.vacuum == {
        "russia": "opportunistic", "china": "cost_benefit", "turkey": "none"}
    cfg.rules.default_vacuum = "proportional"  # china has a rule: the default one
    assert politics_hindcast_config(cfg).rules.vacuum == {"russia": "opportunistic"}
    assert ValidateConfig().politics_rules == {"russia": "opportunistic"}


def test_politics_rules_are_read_from_the_command_line():
    from sim.validate.command import load_validate_config

    cfg = load_validate_config(["politics_rules.russia=rivalry", "politics_rules.china=rivalry"])
    assert cfg.politics_rules == {"russia": "rivalry", "china": "rivalry"}
    assert type(cfg.politics_rules) is dict
    assert politics_hindcast_config(cfg).rules.vacuum["china"] == "rivalry"
    endogenous = load_validate_config(["scenario=endogenous", "politics_rules.russia=rivalry"])
    assert politics_hindcast_config(endogenous).rules.vacuum["russia"] == "opportunistic"


@pytest.mark.parametrize(("override", "message"), [
    ("politics_rules.rusia=opportunistic",
     "politics_rules key (power id)='rusia' is unknown; allowed: china, eu, france, russia"),
    ("politics_rules.russia=cheap_win",
     "politics_rules.russia='cheap_win' is unknown; allowed: cost_benefit, none, opportunistic"),
])
def test_bad_politics_rules_name_the_parameter_the_value_and_what_is_allowed(override, message):
    from sim.config import ConfigError
    from sim.validate.command import load_validate_config

    with pytest.raises(ConfigError, match="allowed") as err:
        load_validate_config([override])
    assert message in str(err.value)


def test_validate_config_refuses_bad_politics_rules_directly():
    from sim import load_config
    from sim.config import ConfigError
    from sim.validate.config import validate_config

    base = load_config([])
    cfg = ValidateConfig(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)},
                         politics_rules={"russia": "nope"})
    with pytest.raises(ConfigError, match=r"politics_rules.russia='nope' is unknown; allowed"):
        validate_config(cfg)
    cfg.politics_rules = {"atlantis": "opportunistic"}
    with pytest.raises(ConfigError, match=r"politics_rules key \(power id\)='atlantis'"):
        validate_config(cfg)


# --------------------------------------------------------------------------- the real runs


def test_every_target_is_measurable_on_the_models_politics_hindcasts():
    """Two seeds of the historical scenario's politics hindcast (2017-01 .. 2019-12): P1-P6 are
    measured (P3 needs the model's ``protests`` column: n/a with the reason without it)."""
    from sim.validate.command import load_validate_config
    from sim.validate.runner import run_politics_hindcasts

    cfg = load_validate_config(["replicates=2", "seed=4"])
    runs = run_politics_hindcasts(cfg, replicate_seeds(4, 2), progress=False)
    assert [(t["states"]["date"].min()[:7], t["states"]["date"].max()[:7]) for t in runs] == \
        [("2017-01", "2019-12")] * 2
    results = {r.id: r for r in T.evaluate_politics(runs)}
    for pid in ("P1", "P2", "P4", "P5", "P6"):
        assert results[pid].measurable and results[pid].n_replicates == 2, pid
    if "protests" in runs[0]["states"].columns:
        assert results["P3"].measurable
    else:
        assert results["P3"].status == "n/a" and "protests" in results["P3"].reason


def test_parallel_workers_give_the_same_politics_hindcasts():
    from sim.validate.command import load_validate_config
    from sim.validate.runner import run_politics_hindcasts

    over = ["replicates=2", "seed=5", "end=2019-03", "hindcast_end=2017-06"]
    seeds = replicate_seeds(5, 2)
    one = run_politics_hindcasts(load_validate_config(over), seeds, progress=False)
    two = run_politics_hindcasts(load_validate_config([*over, "n_jobs=2"]), seeds, progress=False)
    for a, b in zip(one, two, strict=True):
        for name in a:
            pd.testing.assert_frame_equal(a[name], b[name])


def test_the_command_prints_and_writes_the_political_targets(tmp_path):
    """replicates=1 with a 3-month hindcast: no target can be measured, but the section, its ids
    and its score are printed and written."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim.validate", "replicates=1", "seed=2", "end=2019-03",
         "hindcast_end=2017-03", "output.plots=false", f"hydra.run.dir={out}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    at = lines.index("Pre-2020 political targets (2017-2019 hindcast, host politics endogenous)")
    assert at > next(i for i, line in enumerate(lines) if line.startswith("K1 "))
    assert lines[at + 1].startswith("politics hindcast runs 2017-01..2017-03")
    assert "russia=opportunistic" in lines[at + 1]
    for pid in IDS:
        row = next(line for line in lines[at:] if line.startswith(f"{pid} "))
        assert row.split()[1] == "n/a", row
    assert "politics score: 0 of 6 passed (0 failed, 6 not measurable in this horizon)" in lines
    data = json.loads((out / "validation.json").read_text())
    assert [p["id"] for p in data["politics"]] == IDS
    assert data["politics_score"] == {"passed": 0, "failed": 0, "not_measured": 6, "of": 6}
    assert data["config"]["politics_rules"] == {"russia": "opportunistic"}
    assert "# Pre-2020 political targets" in (out / "validation.md").read_text()
    assert not list(out.glob("*.png"))
