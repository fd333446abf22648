"""The run-level figures (sim/plots.py): what each shows, drawn from a real short run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim import load_config, run
from sim.config import AES, WEST
from sim.plots import (
    plot_fatalities,
    plot_influence,
    plot_map,
    plot_net_cost,
    plot_personnel,
    save_run_plots,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FILES = ("influence.png", "personnel.png", "net_cost.png", "fatalities.png", "map.png")
LABELS = {"france": "France", "usa": "USA", "un": "UN", "eu": "EU", "russia": "Russia",
          "china": "China", "turkey": "Turkey", "mali": "Mali", "burkina_faso": "Burkina Faso",
          "niger": "Niger", "cote_divoire": "Côte d'Ivoire"}


@pytest.fixture(scope="module")
def result():
    """One year of the default (historical, Sahel) run."""
    return run(load_config(overrides=["end=2019-12"]))


@pytest.fixture(scope="module")
def tables(result) -> dict[str, pd.DataFrame]:
    return result.tables


def _lines(ax) -> dict[str, object]:
    """Labelled data lines of an Axes (legend entries), by label."""
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").title())


def _is_png(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_SIGNATURE


def test_influence_has_one_panel_per_aes_state_and_a_line_per_influential_power(tables):
    pres = tables["presence"]
    fig = plot_influence(pres)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == [_label(s) for s in AES]
    for ax, state in zip(axes, AES, strict=True):
        sub = pres[pres["state"] == state]
        influential = {p for p, m in sub.groupby("power")["influence"].max().items() if m > 0}
        assert influential, f"no power has influence in {state}: the test run is degenerate"
        lines = _lines(ax)
        assert set(lines) == {_label(p) for p in influential}
        # The plotted values are the table's, month by month.
        russia = sub[sub["power"] == "russia"].sort_values("step")
        np.testing.assert_allclose(lines["Russia"].get_ydata(), russia["influence"].to_numpy())
        assert len(lines["Russia"].get_xdata()) == tables["states"]["date"].nunique()
    assert "share" in axes[0].get_ylabel()
    assert all(0 <= ax.get_ylim()[0] for ax in axes)


def test_influence_leaves_out_powers_without_influence(tables):
    pres = tables["presence"].copy()
    pres.loc[(pres["state"] == "mali") & (pres["power"] == "china"), "influence"] = 0.0
    mali = plot_influence(pres).get_axes()[0]
    assert "China" not in _lines(mali)
    assert "Russia" in _lines(mali)


def test_influence_marks_coups_in_the_panel_of_their_state(tables):
    events = pd.DataFrame({"step": [5, 6], "date": ["2019-06-01", "2019-07-01"],
                           "kind": ["coup", "deploy"], "actor": ["army", "france"],
                           "target": ["niger", "mali"], "detail": ["", "troops to 1"]})
    fig = plot_influence(tables["presence"], events=events)
    by_state = dict(zip(AES, fig.get_axes(), strict=True))
    assert "coup" in _lines(by_state["niger"])
    assert "coup" not in _lines(by_state["mali"])  # a deployment is not a coup
    assert "coup" not in _lines(by_state["burkina_faso"])


def test_influence_shows_every_state_of_a_world_without_aes_states(tables):
    pres = tables["presence"].copy()
    pres["state"] = "state_" + pres["state"].astype(str)
    fig = plot_influence(pres)
    assert len(fig.get_axes()) == pres["state"].nunique()


def test_influence_draws_into_a_given_figure(tables):
    fig = Figure()
    assert plot_influence(tables["presence"], fig=fig) is fig
    assert len(fig.get_axes()) == 3


def test_personnel_has_a_panel_per_host_state_and_a_stacked_area_per_power(tables):
    pres = tables["presence"]
    fig = plot_personnel(pres)
    axes = fig.get_axes()
    peak = pres.groupby("state")["personnel"].max()
    hosts = [s for s in peak.index if peak[s] > 0]
    titles = [ax.get_title() for ax in axes]
    assert sorted(titles) == sorted(_label(s) for s in hosts)
    # The AES states that host anyone come first, in the AES order.
    aes_hosts = [_label(s) for s in AES if s in hosts]
    assert titles[:len(aes_hosts)] == aes_hosts
    for ax in axes:
        state = next(s for s in hosts if _label(s) == ax.get_title())
        sub = pres[pres["state"] == state]
        present = {p for p, m in sub.groupby("power")["personnel"].max().items() if m > 0}
        assert {c.get_label() for c in ax.collections} == {_label(p) for p in present}
        # The stack reaches the state's total foreign personnel.
        total = sub.groupby("step")["personnel"].sum().max()
        assert ax.get_ylim()[1] >= total
    # Mali in 2019: the UN mission and French troops.
    mali = axes[titles.index("Mali")]
    assert {"UN", "France"} <= {c.get_label() for c in mali.collections}
    assert "persons" in axes[0].get_ylabel()


def test_personnel_says_so_when_no_state_hosts_anyone(tables):
    pres = tables["presence"].assign(personnel=0.0)
    fig = plot_personnel(pres)
    (ax,) = fig.get_axes()
    assert not ax.collections
    assert any("no foreign personnel" in t.get_text() for t in ax.texts)


def test_net_cost_shows_each_paying_power_and_west_as_their_sum(tables):
    powers = tables["powers"]
    fig = plot_net_cost(powers)
    (ax,) = fig.get_axes()
    lines = _lines(ax)
    paying = {p for p, m in powers.groupby("power")["cum_net_cost_usd"].apply(
        lambda s: (s != 0).any()).items() if m}
    west_label = next(lab for lab in lines if lab.startswith("West"))
    assert set(lines) == {_label(p) for p in paying} | {west_label}
    cum = powers.pivot(index="step", columns="power", values="cum_net_cost_usd")
    np.testing.assert_allclose(lines[west_label].get_ydata(), cum[list(WEST)].sum(axis=1))
    np.testing.assert_allclose(lines["Russia"].get_ydata(), cum["russia"])
    assert "USD" in ax.get_ylabel()
    assert ax.get_yscale() == "symlog"


def test_net_cost_from_monthly_costs_matches_the_cumulative_column(tables):
    powers = tables["powers"]
    from_cum = _lines(plot_net_cost(powers).get_axes()[0])
    from_monthly = _lines(plot_net_cost(powers.drop(columns="cum_net_cost_usd")).get_axes()[0])
    assert set(from_cum) == set(from_monthly)
    for label, line in from_cum.items():
        np.testing.assert_allclose(from_monthly[label].get_ydata(), line.get_ydata(), rtol=1e-9)


def test_net_cost_draws_on_a_given_axes_and_can_be_linear(tables):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_net_cost(tables["powers"], ax=ax, log=False) is fig
    assert ax.get_yscale() == "linear"
    assert _lines(ax)


def test_net_cost_keeps_a_negative_net_cost_visible(tables):
    # A power repaid by concessions has a negative own net cost: the symlog axis must show it.
    powers = tables["powers"].copy()
    russia = powers["power"] == "russia"
    powers.loc[russia, "cum_net_cost_usd"] = -powers.loc[russia, "cum_net_cost_usd"]
    ax = plot_net_cost(powers).get_axes()[0]
    assert (_lines(ax)["Russia"].get_ydata() < 0).all()
    assert ax.get_ylim()[0] <= powers.loc[russia, "cum_net_cost_usd"].min()


def test_fatalities_has_all_and_civilian_panels_with_a_line_per_affected_state(tables):
    states = tables["states"]
    fig = plot_fatalities(states)
    axes = fig.get_axes()
    assert len(axes) == 2
    hit = {s for s, m in states.groupby("state")["fatalities"].max().items() if m > 0}
    assert set(AES) <= hit
    for ax, col in zip(axes, ("fatalities", "civilian_fatalities"), strict=True):
        lines = _lines(ax)
        # Both panels show the same states, so that their colours and legend agree.
        assert set(lines) == {_label(s) for s in hit}
        assert "persons" in ax.get_ylabel()
        mali = states[states["state"] == "mali"].sort_values("step")[col].to_numpy()
        np.testing.assert_allclose(lines["Mali"].get_ydata(), mali)
    assert "civilian" in axes[1].get_ylabel()


def test_the_map_draws_every_region_of_the_run_coloured_by_its_control(tables):
    from matplotlib.collections import PatchCollection

    from sim.analysis.geo import region_shapes

    regions = tables["regions"]
    fig = plot_map(regions)
    ax = fig.axes[0]
    (coloured,) = [c for c in ax.collections
                   if isinstance(c, PatchCollection) and c.get_array() is not None]
    shapes = region_shapes()
    ids = list(dict.fromkeys(regions["region"]))
    assert len(coloured.get_paths()) == sum(len(shapes[r]) for r in ids)
    last = regions[regions["date"] == regions["date"].max()].set_index("region")["control"]
    expected = [last[r] for r in ids for _ in shapes[r]]
    np.testing.assert_allclose(coloured.get_array(), expected)
    assert "2019-12" in ax.get_title() and "control" in ax.get_title()
    partner = plot_map(regions, presence=tables["presence"], colour_by="partner").axes[0]
    assert "largest foreign partner" in partner.get_title()
    with pytest.raises(ValueError, match="not on the map"):
        plot_map(regions.assign(region="R" + regions["region"]))


def test_save_run_plots_writes_the_pngs(tables, tmp_path):
    folder = tmp_path / "nested" / "run"
    written = save_run_plots(tables, folder)
    assert written == [folder / name for name in FILES]
    assert all(_is_png(p) for p in written)
    import matplotlib.image

    for p in written:  # not blank: more than one colour on the canvas
        img = matplotlib.image.imread(p)
        assert img.std() > 0.01, p.name


def test_save_run_plots_leaks_no_pyplot_figures(tables, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    save_run_plots(tables, tmp_path)
    assert plt.get_fignums() == before


def test_save_run_plots_writes_only_the_figures_whose_tables_exist(tables, tmp_path):
    written = save_run_plots({"powers": tables["powers"]}, tmp_path)
    assert written == [tmp_path / "net_cost.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net_cost.png"]


def test_a_written_run_folder_holds_the_plots(result, tmp_path):
    folder = result.write(tmp_path / "run", plots=True)
    assert all(_is_png(folder / name) for name in FILES)


# --------------------------------------------------------------------------- the shared style


def test_money_is_written_the_same_way_in_every_figure_and_table():
    from sim.plotstyle import persons_tick, usd_tick, usd_tick_symlog

    assert [usd_tick(v) for v in (0, 950.0, 12_500.0, 3.4e8, 1.52e10, -2.5e6)] == [
        "0", "950", "12.5k", "340m", "15.2bn", "-2.5m"]
    # a symlog cost axis labels nothing inside its linear band (USD 1m) but zero
    assert [usd_tick_symlog(v) for v in (0, 5e5, -5e5, 1e6, 1e8)] == ["0", "", "", "1m", "100m"]
    assert [persons_tick(v) for v in (850, 9_999, 12_500)] == ["850", "9,999", "12.5k"]


def test_a_power_keeps_its_colour_and_unknown_names_get_distinct_ones():
    from sim.plotstyle import FALLBACK_COLOURS, POWER_COLOURS, colour_of, display_name

    order = ["russia", "power_7", "france", "power_8"]
    colours = [colour_of(p, POWER_COLOURS, order) for p in order]
    assert colours[0] == POWER_COLOURS["russia"] and colours[2] == POWER_COLOURS["france"]
    assert colours[1:4:2] == list(FALLBACK_COLOURS[:2])  # synthetic powers, in order
    assert [display_name(n) for n in LABELS] == list(LABELS.values())


def test_run_sweep_and_pattern_figures_share_one_style_module():
    """The run, sweep and pattern figures take colours, names and formats from sim.plotstyle
    (no underscore name crosses a module: tests/test_architecture.py checks every module)."""
    import sim.plots
    import sim.plotstyle

    assert sim.plots.POWER_COLOURS is sim.plotstyle.POWER_COLOURS
    root = Path(sim.plots.__file__).parent
    for path in (root / "plots.py", root / "analysis" / "figures.py",
                 root / "analysis" / "report.py", root / "validate" / "plots.py"):
        assert "from sim.plotstyle import" in path.read_text(), path


def test_the_style_module_imports_no_matplotlib_mesa_hydra_or_model():
    import subprocess
    import sys

    code = ("import sys, sim.plotstyle\n"
            "print(sorted(m for m in ('matplotlib', 'mesa', 'hydra', 'sim.model', 'sim.api')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
