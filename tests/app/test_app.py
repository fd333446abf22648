"""The Sahel explorer (``sahel-sim-app``): its logic without a browser, then the page in a real
browser (Debian's Chromium driven by Playwright; nothing is downloaded at test time).

The browser tests start the app on a free port, change controls, run, move the month slider,
switch views and check what is rendered against the run's own summary. Screenshots are saved as
test artefacts in ``outputs/test-artifacts/`` (or ``$SAHEL_SIM_ARTIFACTS``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from paths import ROOT

from sim.app import core
from sim.config import ConfigError

BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("SAHEL_SIM_ARTIFACTS", ROOT / "outputs" / "test-artifacts"))


# --------------------------------------------------------------------------- without a browser

def test_controls_take_their_ranges_from_the_schema():
    from sim.config import COST_BASES, RunConfig
    from sim.config.paths import schema_field

    keys = {c.key for c in core.CONTROLS}
    assert {"params.resources.host_can_pay", "scenario.west_withdrawal_share",
            "insurgency_strength", "metrics.phi", "metrics.k", "metrics.cost_basis",
            "metrics.security_margin_kind"} <= keys
    basis = next(c for c in core.CONTROLS if c.key == "metrics.cost_basis")
    assert basis.kind == "choice" and basis.values == COST_BASES
    pay = next(c for c in core.CONTROLS if c.key == "params.resources.host_can_pay")
    owner = schema_field(RunConfig, ["params", "resources"], "params.resources")
    import dataclasses

    meta = next(f for f in dataclasses.fields(owner) if f.name == "host_can_pay").metadata
    assert (pay.lo, pay.hi) == (meta["lo"], meta["hi"])


def test_the_default_values_are_the_default_run():
    v = core.defaults()
    assert v["scenario"] == "historical" and v["seed"] == 0
    assert v["rules.vacuum.russia"] == "none" and v["params.resources.host_can_pay"] == 1.0
    ov = core.overrides({**v, "_extra": "params.combat.tullock_m=2"})
    assert ov[0] == "scenario=historical" and ov[-1] == "params.combat.tullock_m=2"
    strong = core.overrides({**v, "insurgency_strength": 2.0},
                            {p: 0.02 for p in core.INSURGENCY})
    assert "world.groups.jnim.recruit_rate=0.04" in strong


def test_a_run_of_the_page_is_the_run_of_its_overrides():
    from sim.api import load_config, run

    v = {**core.defaults(), "seed": 3, "metrics.k": 1, "end": "2020-06"}
    app = core.run_app(v)
    direct = run(load_config([*app.overrides, "output.plots=false"]))
    assert app.summary["config_hash"] == direct.summary["config_hash"]
    assert app.summary["verdict"] == direct.summary["verdict"]
    rows = {r["key"]: r for r in core.verdict_numbers(app.summary)}
    assert rows["cost_ratio"]["value"] == direct.summary["cost_ratio"]
    # the verdict first, the first version's last and named so
    assert core.KEY_NUMBERS[0][0] == "verdict" and core.KEY_NUMBERS[-1][0] == (
        "first_version.verdict")
    assert rows["first_version.verdict"]["value"] == direct.summary["first_version"]["verdict"]
    # a choice of the analyst reaches the run: the cost basis of the cost ratio
    full = core.run_app({**v, "metrics.cost_basis": "full"})
    assert full.summary["cost_basis"] == "full"
    assert full.summary["cost_ratio"] == full.summary["cost_ratio_by_basis"]["full"]
    assert core.months(app.result)[0] == "2019-01" and core.months(app.result)[-1] == "2020-06"


@pytest.mark.parametrize("key, value, message", [
    ("params.resources.host_can_pay", 3.0, r"host_can_pay=3.0 is out of range; allowed: \[0, 1\]"),
    ("rules.vacuum.russia", "oportunistic", "did you mean 'opportunistic'"),
    ("seed", -1, "seed=-1"),
    ("_extra", "params.combat.tulock_m=2", "did you mean 'tullock_m'"),
    ("metrics.cost_basis", "cashh",
     "metrics.cost_basis='cashh' is unknown; allowed: cash, outlays, full"),
])
def test_a_bad_value_is_a_clear_error_before_any_run(key, value, message):
    with pytest.raises(ConfigError, match=message):
        core.run_app({**core.defaults(), key: value})


def test_compare_runs_two_scenarios_on_the_same_seed():
    v = {**core.defaults(), "end": "2020-06"}
    res = core.compare(v, "endogenous", "no_russia")
    assert res["a"].summary["seed"] == res["b"].summary["seed"]
    row = next(r for r in res["rows"] if r["number"].startswith("Russia's full cost"))
    assert row["no_russia"] == "USD 0.0m"


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> Path:
    from sim.sweep.experiment import ExperimentConfig, ParameterSpec
    from sim.sweep.runner import run_sweep

    folder = tmp_path_factory.mktemp("app") / "sweep"
    exp = ExperimentConfig(name="app_sweep", question="A tiny sweep for the sweep view.",
                           base=["end=2019-12"], scenarios=["endogenous", "france_stays"],
                           parameters={"host_can_pay": ParameterSpec(
                               levels=[0.0, 1.0], paths=["params.resources.host_can_pay"])},
                           replicates=2, seed=5)
    run_sweep(exp, folder, n_workers=2, progress=False)
    return folder


def test_heatmap_cells_hold_the_probability_and_its_details(sweep_folder):
    from sim.analysis import load_sweep, probability

    runs = load_sweep(sweep_folder).runs
    cells = core.heatmap_cells(runs, "host_can_pay", "scenario", "security_win")
    expected = probability(runs, by=["scenario", "host_can_pay"], outcome="security_win",
                           n_boot=500)
    assert cells["p"].tolist() == expected["p"].tolist() and len(cells) == 4
    assert all("2 runs" in h and "P(security win)" in h for h in cells["hover"])
    with pytest.raises(ValueError, match="both 'scenario'"):
        core.heatmap_cells(runs, "scenario", "scenario", "security_win")


def test_a_sweep_opens_and_any_run_reruns_into_the_run_view(sweep_folder, tmp_path):
    s = core.open_sweep(sweep_folder)
    assert len(s["runs"]) == 8 and s["parameters"] == ["host_can_pay"]
    assert len(s["verdicts"]) == 4  # two scenarios x two values
    assert {"verdict", "security_win", "cheap", "first_version.verdict"} <= set(s["runs"])
    assert s["notes"] == [] and s["surface_note"] == ""
    # the verdict against its own definitions, one scenario at a time
    view = core.surface_view(s)
    assert view["scenarios"] == ["endogenous", "france_stays"] and view["n"] == 4
    assert view["k"] == 2 and view["ks"] == [1, 2, 3]
    assert view["both"].shape == (8 * 3, 2 + 3 * 5)  # margin, months, then basis x threshold
    assert list(view["both"].columns[:3]) == ["margin", "months", "cash <= 0.05"]
    assert view["win"].shape == (8, 1 + 3 * 3) and view["cheap"].shape == (3, 1 + 5)
    other = core.surface_view(s, k=1, scenario="france_stays")
    assert (other["k"], other["scenario"]) == (1, "france_stays")
    with pytest.raises(ValueError, match="scenario='historical' is not in the sweep"):
        core.surface_view(s, scenario="historical")
    rid = str(s["runs"]["run_id"].iloc[3])
    app = core.rerun_into_view(sweep_folder, rid)
    assert app.extra["reproduced"] and app.summary["seed"] == int(s["runs"]["seed"].iloc[3])
    with pytest.raises(ConfigError, match="no manifest.json"):
        core.open_sweep(tmp_path)


def test_the_command_binds_to_this_machine_by_default_and_checks_its_port():
    out = subprocess.run([str(BIN / "sahel-sim-app"), "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--host" in out and "127.0.0.1" in out and "--port" in out
    bad = subprocess.run([str(BIN / "sahel-sim-app"), "--port", "70000"], capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 2 and "--port=70000 is out of range" in bad.stderr


# --------------------------------------------------------------------------- in a browser

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "sahel-sim-app", ), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture()
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(app_url)
    page.locator(".run-button").wait_for(timeout=90_000)
    yield page
    page.close()


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Enter")


def test_run_view_shows_the_runs_numbers_map_and_panels(page):
    from sim.api import load_config, run

    _fill(page, "Seed", "2")
    t0 = time.perf_counter()
    page.locator(".run-button").click()
    page.get_by_text("Run in ").wait_for(timeout=60_000)
    seconds = time.perf_counter() - t0
    # the numbers shown are the run's summary.json (the same overrides run here)
    direct = run(load_config([*core.overrides({**core.defaults(), "seed": 2}),
                              "output.plots=false"])).summary
    for r in core.verdict_numbers(direct):
        shown = page.locator(f".verdict-{r['key'].replace('.', '-')}").inner_text()
        assert shown == r["text"], r["key"]
    assert direct["config_hash"] in page.get_by_text("Run in ").inner_text()
    # the map and a panel: images that are not empty; each panel can be chosen
    images = page.locator("img")
    assert images.count() >= 2
    widths = "() => Math.min(...[...document.images].map(i => i.naturalWidth))"
    assert page.evaluate(widths) > 200
    for name in ("security share", "personnel", "cumulative cost", "influence"):
        before = page.evaluate("() => [...document.images].map(i => i.src).join()")
        page.get_by_role("button", name=name, exact=True).click()
        page.wait_for_function(
            "b => [...document.images].map(i => i.src).join() !== b", arg=before,
            timeout=20_000)
        assert page.evaluate(widths) > 200
    assert page.locator(".month-label").inner_text() == "2025-12"
    shot = _shot(page, "app-run")
    assert shot.stat().st_size > 50_000
    # the time from a click to the result, measured (not asserted): the first run after the
    # server starts, then a second one (the README reports them)
    _fill(page, "Seed", "3")
    t0 = time.perf_counter()
    page.locator(".run-button").click()
    page.get_by_text("seed 3;").wait_for(timeout=60_000)
    ARTIFACTS.joinpath("app-timing.json").write_text(json.dumps(
        {"first_run_s": seconds, "second_run_s": time.perf_counter() - t0}))


def test_the_month_slider_moves_the_map_and_the_timeline(page):
    page.locator(".run-button").click()
    page.get_by_text("Run in ").wait_for(timeout=60_000)
    thumb = page.locator(".month-slider [role=slider]").first
    thumb.focus()
    thumb.press("Home")
    page.get_by_text("Events up to 2019-01").wait_for(timeout=20_000)
    assert page.locator(".month-label").inner_text() == "2019-01"
    for _ in range(12):
        thumb.press("ArrowRight")
    page.get_by_text("Events up to 2020-01").wait_for(timeout=20_000)
    _shot(page, "app-slider")
    # Play moves the month on by itself; Pause stops it
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "() => document.querySelector('.month-label').innerText > '2020-02'", timeout=20_000)
    page.get_by_role("button", name="Pause").click()


def test_a_bad_value_is_shown_in_the_page_and_nothing_crashes(page):
    _fill(page, "Other overrides (path=value, space separated)",
          "params.resources.host_can_pay=5")
    page.locator(".run-button").click()
    err = page.locator(".run-error")
    err.wait_for(timeout=30_000)
    assert "host_can_pay=5" in err.inner_text() and "allowed: [0, 1]" in err.inner_text()
    _fill(page, "Other overrides (path=value, space separated)", "")
    page.locator(".run-button").click()
    page.get_by_text("Run in ").wait_for(timeout=60_000)
    assert page.locator(".run-error").count() == 0


def test_compare_view_runs_two_scenarios(page):
    page.get_by_role("button", name="Compare", exact=True).first.click()
    page.locator(".compare-button").click()
    page.get_by_text("difference (b - a)").wait_for(timeout=90_000)
    assert page.get_by_text("vacuum premium (security share at the end)").count() >= 1
    assert page.get_by_text("a: endogenous").count() == 1
    assert page.get_by_text("b: france_stays").count() == 1
    assert page.locator("img").count() >= 3  # the comparison and one panel for each side
    _shot(page, "app-compare")


def test_sweep_view_opens_a_folder_and_reruns_a_run(page, sweep_folder):
    page.get_by_role("button", name="Sweep", exact=True).first.click()
    _fill(page, "Sweep folder", str(sweep_folder))
    page.locator(".open-sweep").click()
    page.get_by_text("app_sweep").first.wait_for(timeout=60_000)
    assert page.get_by_text("A tiny sweep for the sweep view.").count() == 1
    # the heatmap over host_can_pay and scenario: hovering a cell shows its details
    plot = page.locator(".js-plotly-plot .nsewdrag").first
    plot.wait_for(timeout=30_000)
    plot.scroll_into_view_if_needed()  # below the verdict and its surface
    box = plot.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    hover = page.locator(".hovertext")
    hover.first.wait_for(timeout=10_000)
    details = hover.first.text_content() or ""
    assert "P(cheap win)" in details and "runs" in details  # the verdict, by default
    # the verdict against its own definitions: its three tables
    assert page.get_by_text("The verdict against its own definitions").count() == 1
    surface = page.locator(".verdict-surface")
    assert surface.get_by_text("P(cheap win) at k = 2").count() == 1
    assert surface.get_by_text("abs 0.02").count() >= 1
    _shot(page, "app-sweep")
    page.locator(".rerun-button").click()
    page.get_by_text("Run in ").wait_for(timeout=60_000)
    assert page.locator(".month-label").inner_text() == "2019-12"


def test_a_control_changed_in_the_page_reaches_the_run(page):
    """The host's ability to pay moved to 0 with the keyboard: the hosts pay nothing."""
    slider = page.locator(".v-input", has_text="Host ability to pay").locator("[role=slider]")
    slider.focus()
    slider.press("Home")
    page.locator(".run-button").click()
    page.get_by_text("Run in ").wait_for(timeout=60_000)
    assert page.locator(".verdict-host_cost_usd").inner_text() == "USD 0.0m"
    slider.focus()
    slider.press("End")  # back to 1, for the tests after this one
