"""The Sahel explorer's page (Solara): the run, compare and sweep views.

A Solara app rather than Mesa's SolaraViz: SolaraViz steps a live model month by month in the
browser, while a run here is a whole 2019-2025 history with its twin world, computed in about a
second; the views then move over the finished tables with a month slider. Everything shown comes
from :mod:`sim.app.core` (runs, numbers) and :mod:`sim.app.panels` (figures, tables).

The page never shows a run its controls do not describe: choosing a scenario loads that
scenario's own values into every control, a control the user changed is marked (with the
scenario's value beside it) and the page states the overrides the run applies on top of the
scenario (:func:`sim.app.core.describe`); a run opened from a sweep sets the controls to its
configuration and is named (run id, scenario, rules, seed).

Started by ``sahel-sim-app`` (:mod:`sim.app.cli`); one session per browser tab.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")
# Solara warns on every page load over plain http (this local app's case) that it falls back to
# samesite=lax cookies: nothing a user should act on.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

import pandas as pd
import solara

from sim.app import core, panels

VIEWS = ["Run", "Compare", "Sweep"]
MAP_COLOURS = {"state control": "control", "leading security partner": "security",
               "largest partner (influence)": "partner", "fatalities": "fatalities"}
#: The page's own styles: each control a label row (name, value) over a full-width slider, so
#: that the track keeps its width and no value covers a label; a changed control is marked.
CSS = """
.control { padding: 2px 6px 0 8px; margin: 0 0 6px 0; border-left: 3px solid transparent; }
.control.changed { border-left-color: #e65100; background: #fff3e0; }
.control-head { display: flex; justify-content: space-between; align-items: baseline;
                gap: 8px; font-size: 13px; line-height: 1.3; }
.control-label { flex: 1 1 auto; }
.control-value { flex: 0 0 auto; font-weight: bold; white-space: nowrap; }
.control-hint { display: block; font-size: 11px; color: #6d4c41; line-height: 1.25; }
.control-note { display: block; font-size: 11px; color: #777; line-height: 1.25; }
.control .v-input { margin-top: 0 !important; padding-top: 0 !important; }
.control .v-input__slot { margin-bottom: 0 !important; }
.control .v-messages { min-height: 0 !important; }
.control .v-text-field__details { display: none; }
.run-statement, .run-description, .compare-statement { font-size: 13px; }
.run-description { background: #eef4fb; padding: 6px 10px; border-radius: 4px; }
.stale-note { font-size: 12px; color: #b71c1c; }
.map-title { font-size: 14px; display: block; margin-top: 4px; }
.events-table td { white-space: normal !important; }
"""
#: The rows per page of a table: one of the options the table's footer offers (10, 20, 50,
#: 100), so that "Rows per page" says what is shown.
PAGE_SIZES = (10, 20, 50, 100)

#: The run view's time-series panels, one shown at a time (each costs a figure to draw).
PANELS = {
    "influence": panels.influence_figure,
    "security share": lambda tables, month: panels.influence_figure(tables, month,
                                                                     "security_share"),
    "personnel": panels.personnel_figure,
    "cumulative cost": panels.cost_figure,
}

view = solara.reactive("Run")
panel = solara.reactive("influence")
values = solara.reactive(dict[str, Any]())
current = solara.reactive(None)  # core.AppRun of the run view
error = solara.reactive("")
month_index = solara.reactive(0)
playing = solara.reactive(False)
map_colour = solara.reactive("state control")
event_view = solara.reactive("political")
compare_a = solara.reactive("endogenous")
compare_b = solara.reactive("france_stays")
compared = solara.reactive(None)
compare_error = solara.reactive("")
sweep_folder = solara.reactive("")
sweep = solara.reactive(None)
sweep_error = solara.reactive("")
sweep_run = solara.reactive("")
heat_x = solara.reactive("")
heat_y = solara.reactive("")
heat_outcome = solara.reactive("hypothesis")
surface_k = solara.reactive(0)  # 0: the runs' own k (else 2)
surface_scenario = solara.reactive("")

_LOCK = threading.Lock()  # one run at a time per server process (the model is not re-entrant)


def _warm() -> None:
    """Run the default world and draw its map once, in the background, when the server loads
    the page: the first Run then costs a run, not the imports, the composition and the fonts."""
    import io

    with _LOCK:
        run = core.run_app(core.defaults())
    _map(run, None, "control")[1].to_dict()
    fig = panels.influence_figure(run.tables, None)
    fig.savefig(io.BytesIO(), format="png", dpi=80)


threading.Thread(target=_warm, name="warm-up", daemon=True).start()


def _defaults() -> dict[str, Any]:
    if not values.value:
        values.set(core.defaults())
    return values.value


def _set(key: str, value: Any) -> None:
    values.set({**values.value, key: value})


def _choose(scenario: str) -> None:
    """A scenario chosen: its own values in every control (the seed and free overrides kept)."""
    values.set(core.choose_scenario(values.value, scenario))


def _reset() -> None:
    """Every control back to the scenario's own value."""
    values.set(core.choose_scenario(values.value, values.value["scenario"]))


def _rows(n: int, at_most: int = 20) -> int:
    """Rows per page for a table of ``n`` rows: the smallest page size that holds them all,
    up to ``at_most``; always one of :data:`PAGE_SIZES`."""
    return next((p for p in PAGE_SIZES if p >= min(n, at_most)), PAGE_SIZES[-1])


def _table(df: pd.DataFrame, at_most: int = 20, classes: list[str] | None = None) -> None:
    with solara.Div(classes=classes or []):
        solara.DataFrame(df, items_per_page=_rows(len(df), at_most))


def _run() -> None:
    error.set("")
    try:
        with _LOCK:
            result = core.run_app(values.value)
    except Exception as exc:  # noqa: BLE001 (every error is shown in the page, nothing crashes)
        error.set(f"{type(exc).__name__}: {exc}" if type(exc).__name__ != "ConfigError"
                  else str(exc))
        return
    month_index.set(len(core.months(result.result)) - 1)
    current.set(result)


def _figure(fig) -> None:
    import matplotlib.pyplot as plt

    solara.FigureMatplotlib(fig, format="png", dpi=80)
    plt.close(fig)


def _md(text: str, cls: str) -> None:
    """Markdown in a Div of class ``cls`` (for the page's styles and its tests)."""
    with solara.Div(classes=[cls]):
        solara.Markdown(text)


def _slug(key: str) -> str:
    return key.replace(".", "-").replace("_", "-")


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@solara.component
def ControlRow(c: core.Control, value: Any, own: Any, changed: bool) -> None:
    """One control: its name and value on a line, the slider (or select) under them over the
    column's width, and under that what the scenario says when the user changed it and what
    the slider shows of the allowed range."""
    classes = ["control", f"control-{_slug(c.key)}"] + (["changed"] if changed else [])
    with solara.Div(classes=classes):
        with solara.Div(classes=["control-head"]):
            solara.Text(c.label, classes=["control-label"])
            solara.Text(_shown(value) + (f" {c.unit}" if c.unit == "months" else ""),
                        classes=["control-value"])
        if c.kind == "choice":
            solara.Select("", values=list(c.values), value=value,
                          on_value=lambda x, key=c.key: _set(key, x), dense=True)
        else:
            lo, hi = c.slider_range(value)
            if c.kind == "int":
                solara.SliderInt("", value=int(value), min=int(lo), max=int(hi),
                                 on_value=lambda x, key=c.key: _set(key, int(x)),
                                 thumb_label=False)
            else:
                solara.SliderFloat("", value=float(value), min=lo, max=hi, step=c.step,
                                   on_value=lambda x, key=c.key: _set(key, float(x)),
                                   thumb_label=False)
        if changed:
            solara.Text(f"changed: the scenario's value is {_shown(own)}",
                        classes=["control-hint"])
        if c.range_note:
            solara.Text(c.range_note, classes=["control-note"])


@solara.component
def Controls() -> None:
    v = _defaults()
    from sim.config import group_options
    from sim.rules.registry import names

    changed = core.changes(v)
    solara.Select("Scenario", values=[s for s in group_options("scenario") if s != "synthetic"],
                  value=v["scenario"], on_value=_choose, classes=["scenario-select"])
    rules = sorted(names())
    rule_keys = [k for k in v if k.startswith("rules.vacuum.")]
    n_rules = sum(k in changed for k in rule_keys)
    title = "Vacuum rule per power" + (f" ({n_rules} changed)" if n_rules else "")
    with solara.Details(title, expand=bool(n_rules)):
        for key in rule_keys:
            power = key.rsplit(".", 1)[1]
            label = f"{power}" + (f" (changed; the scenario's: {changed[key][0]})"
                                  if key in changed else "")
            solara.Select(label, values=rules, value=v[key],
                          on_value=lambda x, key=key: _set(key, x),
                          classes=["rule-select"] + (["changed"] if key in changed else []))
    for c in core.CONTROLS:
        ControlRow(c, v[c.key], changed.get(c.key, (v[c.key], None))[0], c.key in changed)
    solara.InputInt("Seed", value=int(v["seed"]), on_value=lambda x: _set("seed", x),
                    continuous_update=False)
    solara.InputText("Other overrides (path=value, space separated)",
                     value=v.get("_extra", ""), on_value=lambda x: _set("_extra", x),
                     continuous_update=False)
    _md(f"**Run will be:** {core.describe(v)}", "run-statement")
    with solara.Row():
        solara.Button("Run", on_click=_run, color="primary", classes=["run-button"])
        solara.Button("Scenario's values", on_click=_reset, text=True,
                      classes=["reset-button"], disabled=not changed)


def _toggle_play(n: int) -> None:
    """Play from the month shown (from the first when the last is shown), or pause. The months
    advance in a thread that works in this page's session (its kernel context)."""
    if playing.value:
        playing.set(False)
        return
    if month_index.value >= n - 1:
        month_index.set(0)
    playing.set(True)
    from solara.server import kernel_context

    context = kernel_context.get_current_context()

    def advance() -> None:
        # each step holds the session's lock, as Solara holds it while it handles a message
        # from the browser: a step never renders while the map's widget takes its answer
        with context:
            while playing.value and month_index.value < n - 1:
                time.sleep(0.35)
                with context.lock:
                    if playing.value:
                        month_index.set(month_index.value + 1)
            playing.set(False)

    threading.Thread(target=advance, name="play", daemon=True).start()


@solara.component
def Verdict(run: core.AppRun) -> None:
    for r in core.verdict_numbers(run.summary):
        with solara.Row(style={"justify-content": "space-between"}):
            solara.Text(r["label"])
            solara.Text(r["text"], classes=[f"verdict-{r['key'].replace('.', '-')}"],
                        style={"font-weight": "bold", "white-space": "nowrap"})
    solara.Text(f"Run in {run.seconds:.2f} s; seed {run.summary.get('seed')}; "
                f"config hash {run.summary.get('config_hash')}", classes=["run-time"])


def _map(run: core.AppRun, month: str | None, colour_by: str):
    """The run's map at ``month`` (plotly: hover a region for its name, value and month)."""
    from sim.analysis.figures import map_layer
    from sim.analysis.geo import region_coordinates

    layer = map_layer(region_coordinates(run.result.config), run.tables["presence"],
                      run.tables["regions"], date=month, colour_by=colour_by)
    return layer, panels.map_figure(layer, title=False)


@solara.component
def Events(run: core.AppRun, month: str) -> None:
    """The events up to the month: the politics first, the violence summed per state and
    month, or each violent event (:func:`panels.events_view`)."""
    solara.Markdown(f"### Events up to {month}")
    labels = {label: key for key, label in panels.EVENT_VIEWS.items()}
    solara.ToggleButtonsSingle(value=panels.EVENT_VIEWS[event_view.value],
                               values=list(labels),
                               on_value=lambda x: event_view.set(labels[x]),
                               classes=["event-view"])
    table = panels.events_view(run.tables, month, event_view.value, core.region_names(run.result))
    what = {"political": "political events (coups, sanctions, invitations, entries, exits, "
                         "expulsions, ...)",
            "violence": "months with massacres or mass-casualty attacks on an army, per state",
            "violent_events": "massacres and mass-casualty attacks on an army"}[event_view.value]
    solara.Text(f"{len(table):,} {what}, newest first", classes=["events-count"])
    _table(table, 20, ["events-table"])


@solara.component
def RunResults(run: core.AppRun) -> None:
    dates = core.months(run.result)
    i = min(month_index.value, len(dates) - 1)
    month = dates[i]
    _md(f"**Shown:** {run.description}", "run-description")
    if run.values and core.overrides(run.values) != core.overrides(values.value):
        solara.Text("The controls have changed since this run: press Run to run them.",
                    classes=["stale-note"])
    with solara.Row():
        with solara.Div(classes=["month-slider"], style={"min-width": "420px"}):
            solara.SliderInt("Month", value=month_index, min=0, max=len(dates) - 1)
        solara.Text(month, classes=["month-label"])
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: _toggle_play(len(dates)),
                      classes=["play-button"])
    with solara.Columns([3, 2]):
        with solara.Column():
            solara.Select("Colour the map by", values=list(MAP_COLOURS),
                          value=map_colour.value, on_value=map_colour.set)
            layer, fig = _map(run, month, MAP_COLOURS[map_colour.value])
            solara.Text(f"The {layer.what}, {layer.date} (hover a region for its value)",
                        classes=["map-title"])
            with solara.Div(classes=["run-map"]):
                solara.FigurePlotly(fig)
        with solara.Column():
            solara.Markdown("### Verdict")
            Verdict(run)
    solara.ToggleButtonsSingle(value=panel, values=list(PANELS), classes=["panel-choice"])
    _figure(PANELS[panel.value](run.tables, month))
    Events(run, month)


@solara.component
def RunView() -> None:
    with solara.Columns([1, 3]):
        with solara.Card("Controls"):
            Controls()
        with solara.Column():
            if error.value:
                solara.Error(error.value, classes=["run-error"])
            run = current.value
            if run is None:
                solara.Info("Set the controls and press Run (about a second with its twin "
                            "world).")
            else:
                RunResults(run)


def _compare() -> None:
    compare_error.set("")
    try:
        with _LOCK:
            compared.set(core.compare(values.value, compare_a.value, compare_b.value))
    except Exception as exc:  # noqa: BLE001
        compare_error.set(str(exc))


@solara.component
def CompareView() -> None:
    _defaults()
    from sim.config import group_options

    scenarios = [s for s in group_options("scenario") if s != "synthetic"]
    solara.Markdown("Two scenarios on the same seed (common random numbers), each with its own "
                    "values, and on top of both the controls changed in the run view: only the "
                    "scenario differs. Each run has its twin world without the Western exit, "
                    "so the vacuum premium of each is shown.")
    with solara.Row():
        solara.Select("Scenario a", values=scenarios, value=compare_a.value,
                      on_value=compare_a.set)
        solara.Select("Scenario b", values=scenarios, value=compare_b.value,
                      on_value=compare_b.set)
        solara.Button("Compare", on_click=_compare, color="primary", classes=["compare-button"])
    if compare_error.value:
        solara.Error(compare_error.value)
    _md(f"**Will apply:** {core.compare_statement(values.value)}", "compare-statement")
    res = compared.value
    if res is not None:
        _md(f"**Shown:** a = {res['a'].label}, b = {res['b'].label}; "
                        f"{res['applied']}", "compare-statement")
        _table(pd.DataFrame(res["rows"]), 20)
        _figure(panels.compare_figure(res["a"].tables, res["b"].tables, res["a"].label,
                                      res["b"].label))
        # the run view's panels, for a and for b, side by side
        solara.ToggleButtonsSingle(value=panel, values=list(PANELS),
                                   classes=["compare-panel-choice"])
        with solara.Columns([1, 1]):
            for side in ("a", "b"):
                with solara.Column():
                    solara.Markdown(f"**{side}: {res[side].label}**")
                    _figure(PANELS[panel.value](res[side].tables, None))


def _heat_columns(s: dict[str, Any]) -> list[str]:
    """The columns a heatmap can take: the swept parameters, and the scenario when several."""
    runs = s["data"].runs
    return [*s["parameters"], *(["scenario"] if runs["scenario"].nunique() > 1 else [])]


def _open_sweep() -> None:
    sweep_error.set("")
    try:
        s = core.open_sweep(sweep_folder.value)
    except Exception as exc:  # noqa: BLE001
        sweep.set(None)
        sweep_error.set(str(exc))
        return
    sweep.set(s)
    surface_k.set(0)
    surface_scenario.set("")
    heat_outcome.set(next((o for o in HEAT_OUTCOMES if o in s["data"].runs.columns), ""))
    columns = _heat_columns(s)
    heat_x.set(columns[0] if columns else "")
    heat_y.set(columns[1] if len(columns) > 1 else "")
    runs = s["runs"]
    sweep_run.set(str(runs["run_id"].iloc[0]) if len(runs) else "")


def _rerun() -> None:
    sweep_error.set("")
    try:
        with _LOCK:
            run = core.rerun_into_view(sweep_folder.value, sweep_run.value)
    except Exception as exc:  # noqa: BLE001
        sweep_error.set(str(exc))
        return
    month_index.set(len(core.months(run.result)) - 1)
    values.set(run.values)
    current.set(run)
    view.set("Run")


#: The outcomes the sweep view's heatmap can show: the verdict (the cheap win), its halves, the
#: vacuum's part, and the first version's cheap win.
HEAT_OUTCOMES = ("hypothesis", "security_win", "cheap", "vacuum_premium.because_of_vacuum",
                 "first_version.hypothesis")


def Heatmap(runs: pd.DataFrame, x: str, y: str, outcome: str) -> None:
    """P(outcome) over two swept columns (plotly: hover a cell for its probability, intervals and
    number of runs)."""
    import plotly.graph_objects as go

    from sim.analysis.figures import OUTCOME_LABELS

    label = OUTCOME_LABELS.get(outcome, f"P({outcome})")
    cells = core.heatmap_cells(runs, x, y, outcome)
    xs = list(dict.fromkeys(cells[x]))
    ys = list(dict.fromkeys(cells[y]))
    z = cells.pivot(index=y, columns=x, values="p").reindex(index=ys, columns=xs)
    text = cells.pivot(index=y, columns=x, values="hover").reindex(index=ys, columns=xs)
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=[str(v) for v in xs], y=[str(v) for v in ys],
                               text=text.to_numpy(), hovertemplate="%{text}<extra></extra>",
                               zmin=0, zmax=1, colorscale="Viridis",
                               colorbar={"title": label}))
    fig.update_layout(title=f"{label} over {x} and {y} (finished runs)", xaxis_title=x,
                      yaxis_title=y,
                      height=380, margin={"l": 60, "r": 20, "t": 50, "b": 50})
    solara.FigurePlotly(fig)


@solara.component
def PrimBoxes(s: dict[str, Any]) -> None:
    """PRIM boxes of the swept parameters where the cheap win (else the security win, else the
    first version's cheap win) holds and where it fails, when both happen."""
    from sim.analysis.discovery import prim_boxes

    runs, params = s["data"].runs, [p for p in s["parameters"] if p in s["data"].runs]
    ok = runs[runs["status"] == "ok"]
    outcome = next((o for o in ("hypothesis", "security_win", "first_version.hypothesis")
                    if o in ok.columns and ok[o].dropna().astype(bool).nunique() == 2), None)
    solara.Markdown("### PRIM boxes")
    if outcome is None or not params:
        solara.Info("PRIM needs swept parameters and runs where the cheap win, the security win "
                    "or the first version's cheap win both holds and fails.")
        return
    for target, where in ((True, "holds"), (False, "fails")):
        boxes = prim_boxes(runs, params, outcome, target=target).boxes
        solara.Markdown(f"Where `{outcome}` {where}:")
        if boxes.empty:
            solara.Text("no box reaches density 0.8")
        else:
            _table(core.display_table(boxes), 10)


@solara.component
def Surface(s: dict[str, Any]) -> None:
    """The verdict against its own definitions: P(cheap win), P(security win) and P(cheap) read
    again from the sweep's rows at other choices (:func:`core.surface_view`), or why not."""
    solara.Markdown("### The verdict against its own definitions")
    if s.get("surface") is None:
        solara.Info(s.get("surface_note") or "No verdict surface.", classes=["surface-note"])
        return
    view_ = core.surface_view(s)
    ks, scenarios = view_["ks"], view_["scenarios"]
    k = surface_k.value if surface_k.value in ks else view_["k"]
    scenario = surface_scenario.value if surface_scenario.value in scenarios else (
        view_["scenario"])
    with solara.Row():
        solara.Select("k (AES states Russia must lead)", values=[str(v) for v in ks],
                      value=str(k), on_value=lambda x: surface_k.set(int(x)))
        if scenarios:
            solara.Select("scenario", values=scenarios, value=scenario,
                          on_value=surface_scenario.set)
    view_ = core.surface_view(s, k=k, scenario=scenario)
    where = f" of scenario {scenario}" if scenario else ""
    n = view_["n"]
    few = f" **Only {n} runs: the intervals are wide.**" if n < core.FEW_RUNS else ""
    solara.Markdown(f"Each probability is over the same {n:,} finished runs{where} (design "
                    f"points and replicates pooled), with its 95% Wilson interval; the runs were "
                    f"judged at {view_['own']}.{few}")
    with solara.Div(classes=["verdict-surface"]):
        solara.Markdown(f"**P(cheap win) at k = {k}**, each over {n:,} runs: rows the security "
                        "margin and months of lead, columns the cost basis and the cheap "
                        "threshold")
        _table(view_["both"], 50)
        solara.Markdown(f"**P(security win)**, each over {n:,} runs: rows the margin, columns "
                        "k and months")
        _table(view_["win"], 20)
        solara.Markdown(f"**P(cheap)**, each over {n:,} runs: rows the cost basis, columns the "
                        "threshold")
        _table(view_["cheap"], 10)


@solara.component
def SweepView() -> None:
    with solara.Row():
        solara.InputText("Sweep folder", value=sweep_folder.value, on_value=sweep_folder.set,
                         continuous_update=False)
        solara.Button("Open", on_click=_open_sweep, color="primary", classes=["open-sweep"])
    if sweep_error.value:
        solara.Error(sweep_error.value)
    s = sweep.value
    if s is None:
        solara.Info("A folder written by sahel-sim-sweep (it holds manifest.json).")
        return
    data = s["data"]
    solara.Markdown(f"**{data.manifest.get('experiment', {}).get('name', '')}**: "
                    f"{len(data.runs)} runs. {data.manifest.get('experiment', {}).get('question', '')}")
    for note in s.get("notes", []):
        solara.Warning(note, classes=["sweep-note"])
    solara.Markdown("### Verdict")
    solara.Markdown("Over the finished runs of each row: P(cheap win) is the verdict "
                    "(`both`: the security win and cheap), beside its halves and the first "
                    "version's cheap win; each probability with its 95% Wilson interval and the "
                    f"number of runs it is over (fewer than {core.FEW_RUNS}: *few*); numbers as "
                    "the report writes them.")
    _table(s["verdicts_shown"], 20, ["sweep-verdicts"])
    Surface(s)
    columns = _heat_columns(s)
    outcomes = [o for o in HEAT_OUTCOMES if o in data.runs.columns]
    if len(columns) >= 2 and outcomes:
        with solara.Row():
            solara.Select("x", values=columns, value=heat_x.value or columns[0],
                          on_value=heat_x.set)
            solara.Select("y", values=columns, value=heat_y.value or columns[1],
                          on_value=heat_y.set)
            solara.Select("outcome", values=outcomes,
                          value=heat_outcome.value if heat_outcome.value in outcomes
                          else outcomes[0], on_value=heat_outcome.set)
        outcome = heat_outcome.value if heat_outcome.value in outcomes else outcomes[0]
        try:
            Heatmap(data.runs, heat_x.value or columns[0], heat_y.value or columns[1], outcome)
        except Exception as exc:  # noqa: BLE001
            solara.Warning(f"no heatmap over these two columns: {exc}")
    PrimBoxes(s)
    solara.Markdown("### Runs (pick one to run it again in the run view; long seeds shortened, "
                    "the run id names the run)")
    _table(s["runs_shown"], 10, ["sweep-runs"])
    ids = [str(r) for r in s["runs"]["run_id"]]
    with solara.Row():
        solara.Select("Run id", values=ids[:500], value=sweep_run.value,
                      on_value=sweep_run.set)
        solara.Button("Open in the run view", on_click=_rerun, color="primary",
                      classes=["rerun-button"])


@solara.component
def Page() -> None:
    solara.Title("sahel-sim explorer")
    solara.Style(CSS)
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown("## sahel-sim explorer: when Western forces leave the Sahel, does "
                        "Russia win influence almost for free?")
        solara.ToggleButtonsSingle(value=view.value, values=VIEWS, on_value=view.set)
        if view.value == "Run":
            RunView()
        elif view.value == "Compare":
            CompareView()
        else:
            SweepView()
