"""What the browser app does, without the browser: its controls, runs, comparisons, sweeps.

The page (:mod:`sim.app.page`) only lays these out; everything it shows comes from here, so it
is tested without a browser too:

- :data:`CONTROLS`: the run view's parameters, each with its schema range, unit and default;
  :func:`overrides` turns the values the page holds into Hydra overrides, and :func:`run_app`
  composes, checks and runs them (a bad value raises :class:`~sim.config.ConfigError` with its
  message, which the page shows);
- :func:`verdict_numbers`, :func:`months`: the numbers and dates the panels show;
- :func:`compare`: two scenarios on the same seed and controls (common random numbers), their
  key numbers side by side and the difference;
- :func:`open_sweep`, :func:`surface_view`, :func:`rerun_into_view`: a sweep folder's verdict
  table, the verdict against its own definitions (the verdict surface read from its rows), its
  runs, and any run run again for the run view.

The verdict is one (docs/ODD.md section 8): ``verdict``, ``security_win`` and ``cheap``; the first
version's stays beside it, named so (``first_version.verdict``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CONTROLS",
    "FEW_RUNS",
    "INSURGENCY",
    "KEY_NUMBERS",
    "AppRun",
    "Control",
    "changes",
    "choose_scenario",
    "compare",
    "compare_statement",
    "defaults",
    "describe",
    "display_table",
    "heatmap_cells",
    "months",
    "open_sweep",
    "overrides",
    "probability_text",
    "region_names",
    "rerun_into_view",
    "run_app",
    "scenario_values",
    "surface_view",
    "values_of_config",
    "verdict_numbers",
]

#: A probability over fewer finished runs than this is marked "few runs" wherever it is shown.
FEW_RUNS = 10


@dataclass(frozen=True)
class Control:
    """One control of the run view.

    Attributes:
        key: the value's name in the page (a config path, or ``insurgency_strength``).
        label: what the page calls it.
        lo, hi, step: the slider's range (unused for a choice): the schema's range, or a
            shown part of it when the schema's is open or wide (:attr:`range_note` says so).
        kind: ``float``, ``int`` or ``choice`` (one of ``values``, a select).
        unit: the schema's unit.
        doc: what it means (the schema's doc), shown as a hint.
        values: the values a choice takes.
        allowed_lo, allowed_hi: the range a value may take (the schema's; None: unbounded),
            which :func:`run_app` checks.
    """

    key: str
    label: str
    lo: float
    hi: float
    step: float
    kind: str = "float"
    unit: str = ""
    doc: str = ""
    values: tuple[str, ...] = ()
    allowed_lo: float | None = None
    allowed_hi: float | None = None

    @property
    def range_note(self) -> str:
        """What the slider shows of the allowed range, when it is not all of it (else "")."""
        if self.kind == "choice" or (self.allowed_lo == self.lo and self.allowed_hi == self.hi):
            return ""
        lo = "" if self.allowed_lo is None else f"{self.allowed_lo:g}"
        hi = "inf" if self.allowed_hi is None else f"{self.allowed_hi:g}"
        return (f"the slider shows {self.lo:g}-{self.hi:g}; the schema allows [{lo}, {hi}] "
                "(another value: type it in Other overrides)")

    def slider_range(self, value: Any) -> tuple[float, float]:
        """The slider's range, stretched to hold ``value`` when it lies outside (a sweep's run,
        say), so that the slider never moves a value it cannot show."""
        try:
            x = float(value)
        except (TypeError, ValueError):
            return self.lo, self.hi
        return min(self.lo, x), max(self.hi, x)


#: The jihadist groups' recruitment rates that "insurgency strength" multiplies (the same
#: multiplier as the cheap_win_map experiment's ``insurgency_strength``).
INSURGENCY = ("world.groups.jnim.recruit_rate", "world.groups.is_sahel.recruit_rate")


def _schema(path: str) -> tuple[float, float, str, str, Any]:
    """(lo, hi, unit, doc, default) of a schema path."""
    from sim.config import RunConfig
    from sim.config.paths import schema_field

    keys = path.split(".")
    owner = schema_field(RunConfig, keys[:-1], path) if len(keys) > 1 else RunConfig
    f = next(f for f in dataclasses.fields(owner) if f.name == keys[-1])
    default = f.default if f.default is not dataclasses.MISSING else None
    return (f.metadata.get("lo"), f.metadata.get("hi"), f.metadata.get("unit", ""),
            f.metadata.get("doc", ""), default)


def _control(path: str, label: str, step: float, kind: str = "float",
             hi: float | None = None) -> Control:
    """A slider over the schema's range of ``path`` (``hi``: the part of an open or wide range
    the slider shows; any value the schema allows can be typed in the page's free field, and
    :func:`run_app` checks the schema's range)."""
    lo, top, unit, doc, _ = _schema(path)
    return Control(key=path, label=label, lo=float(lo if lo is not None else 0.0),
                   hi=float(hi if hi is not None else top), step=step, kind=kind, unit=unit,
                   doc=doc, allowed_lo=None if lo is None else float(lo),
                   allowed_hi=None if top is None else float(top))


def _choice(path: str, label: str, values: tuple[str, ...], doc: str) -> Control:
    """A select among ``values`` for the text field at ``path``."""
    return Control(key=path, label=label, lo=0.0, hi=0.0, step=0.0, kind="choice", doc=doc,
                   values=tuple(values))


def _controls() -> list[Control]:
    from sim.config import COST_BASES

    return [
        _control("params.resources.host_can_pay", "Host ability to pay", 0.05),
        _control("scenario.west_withdrawal_share", "Share of Western forces withdrawn", 0.05),
        Control("insurgency_strength", "Insurgency strength (x recruitment)", 0.25, 4.0, 0.25,
                unit="x the scenario's rate",
                doc="multiplies the jihadist groups' recruitment rates of the scenario",
                allowed_lo=0.0),
        _control("metrics.k", "k (AES states Russia must lead)", 1, kind="int", hi=3),
        _control("metrics.security_margin", "Security win margin", 0.01),
        _choice("metrics.security_margin_kind", "Security win margin: kind",
                ("absolute", "relative"),
                "absolute: a share of the host's security; relative: a share of Russia's own"),
        _control("metrics.security_months", "Security win months", 1, kind="int", hi=60),
        _control("metrics.cheap_cost_ratio", "Cheap: cost ratio at most", 0.01, hi=1.0),
        _choice("metrics.cost_basis", "Cheap: cost basis", COST_BASES,
                "cash: what a treasury paid; outlays: + arms given in kind; full: + casualties "
                "valued and non-cash costs"),
        _control("metrics.phi", "phi (the first version's cheap threshold)", 0.01, hi=1.0),
    ]


CONTROLS: list[Control] = _controls()

#: The summary numbers the verdict panel and the compare view show: (key, label, kind). The
#: verdict (both: the cheap win; win, cheap or neither) and its halves first; the first
#: version's verdict last, for comparison.
KEY_NUMBERS = (
    ("verdict", "verdict (both = the cheap win)", "text"),
    ("security_win", "security win: Russia leads the security of k AES states", "bool"),
    ("cheap", "cheap: the cost ratio at most the threshold", "bool"),
    ("cost_ratio", "cost ratio (Russia's cost per security point / the West's)", "ratio"),
    ("cost_basis", "the cost ratio's basis", "text"),
    ("vacuum_premium.security_end", "vacuum premium (security share at the end)", "ratio"),
    ("vacuum_premium.because_of_vacuum", "won because of the vacuum", "bool"),
    ("costs_like_for_like.russia.cash_usd", "Russia's cash cost (the verdict's books)", "usd"),
    ("costs_like_for_like.russia.full_cost_usd", "Russia's full cost (the verdict's books)",
     "usd"),
    ("costs_like_for_like.west.cash_usd", "the West's cash cost (the verdict's books)", "usd"),
    ("host_cost_usd", "what the AES hosts paid", "usd"),
    ("civilian_fatalities_aes", "civilian deaths in the AES", "count"),
    ("aes_territory_outside_control", "AES territory outside state control", "ratio"),
    ("first_version.verdict", "the first version's verdict", "text"),
)


def scenario_values(scenario: str = "historical", seed: int | None = None) -> dict[str, Any]:
    """The control values of a scenario: its own value of every control and every power's rule
    (its composed config's), the seed (``seed``, else the config's) and the insurgency strength
    1 (the scenario's own rates). ``_loaded`` names the scenario the values were loaded from:
    a value still equal to it is not an override (:func:`changes`)."""
    from sim.config import paths as P

    cfg = _base(scenario)
    values: dict[str, Any] = {"scenario": scenario,
                              "seed": int(cfg.seed if seed is None else seed),
                              "insurgency_strength": 1.0}
    for c in CONTROLS:
        if c.key != "insurgency_strength":
            values[c.key] = P.get(cfg, c.key.split("."))
    for power, rule in cfg.rules.vacuum.items():
        values[f"rules.vacuum.{power}"] = rule
    values["_loaded"] = scenario
    return values


def defaults() -> dict[str, Any]:
    """The control values of the default run: the historical scenario's own
    (:func:`scenario_values`)."""
    return scenario_values("historical")


def choose_scenario(values: dict[str, Any], scenario: str) -> dict[str, Any]:
    """The page's values once ``scenario`` is chosen: that scenario's own values in every
    control (:func:`scenario_values`), with the page's seed and free overrides kept."""
    out = scenario_values(scenario, seed=values.get("seed"))
    if values.get("_extra"):
        out["_extra"] = values["_extra"]
    return out


def _same(a: Any, b: Any) -> bool:
    import math

    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a == b
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-15)
    except (TypeError, ValueError):
        return a == b


def changes(values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The values the user changed: ``key -> (the scenario's value, the page's value)`` for
    each value that differs from the one the controls were loaded with (those of the scenario
    ``_loaded``, else of ``scenario``), and every other config path the values hold (``end``,
    say: the scenario's value None). The seed, the scenario and ``_`` keys are not changes."""
    own = scenario_values(str(values.get("_loaded") or values.get("scenario", "historical")))
    out: dict[str, tuple[Any, Any]] = {}
    for key, value in values.items():
        if key in ("scenario", "seed") or key.startswith("_") or value is None:
            continue
        if key in own and _same(own[key], value):
            continue
        out[key] = (own.get(key), value)
    return out


def _fmt_override(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def overrides(values: dict[str, Any], base_recruit: dict[str, float] | None = None) -> list[str]:
    """Hydra overrides of the page's values: ``scenario=...``, ``seed=...``, each value the user
    changed (:func:`changes`) as ``path=value`` (a value the controls were loaded with is the
    scenario's own and is not repeated), the insurgency strength as the groups' recruitment
    rates times the multiplier (``base_recruit``: their values in the scenario's config), then
    the overrides typed in the page's free field (``_extra``, space separated)."""
    out = [f"scenario={values.get('scenario', 'historical')}", f"seed={int(values.get('seed', 0))}"]
    changed = changes(values)
    for key, (_own, value) in changed.items():
        if key != "insurgency_strength":
            out.append(f"{key}={_fmt_override(value)}")
    if "insurgency_strength" in changed:
        strength = float(values["insurgency_strength"])
        for path in INSURGENCY:
            base = (base_recruit or {}).get(path)
            if base is None:
                raise ValueError(f"insurgency_strength needs the base rate of {path}")
            out.append(f"{path}={base * strength!r}")
    return out + str(values.get("_extra", "") or "").split()


def describe(values: dict[str, Any]) -> str:
    """The run the values make, in words: the scenario, the rules that are not ``none``, the
    seed, and the overrides applied on top of the scenario (or none)."""
    rules = [f"{k.rsplit('.', 1)[1]} {v}" for k, v in values.items()
             if k.startswith("rules.vacuum.") and v != "none"]
    changed = changes(values)
    over = [f"{k}={_fmt_override(v)}" for k, (_o, v) in changed.items()]
    over += str(values.get("_extra", "") or "").split()
    return (f"scenario {values.get('scenario', 'historical')}; vacuum rules: "
            f"{', '.join(rules) if rules else 'none for every power'}; seed "
            f"{values.get('seed', 0)}; overrides on top of the scenario: "
            f"{', '.join(over) if over else 'none (the scenario as it is)'}")


@dataclass
class AppRun:
    """A run the page shows: its overrides, result (tables, summary), how long it took, the
    page's values that make it (``values``) and what it is in words (``description``)."""

    overrides: list[str]
    result: Any
    seconds: float
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def summary(self) -> dict[str, Any]:
        """The run's summary.json."""
        return self.result.summary

    @property
    def tables(self) -> dict[str, Any]:
        """The run's output tables."""
        return self.result.tables


_BASES: dict[str, Any] = {}


def _base(scenario: str) -> Any:
    """The composed, checked config of a scenario (``output.plots=false``), composed once per
    server process; callers copy it."""
    from sim.api import load_config

    if scenario not in _BASES:
        _BASES[scenario] = load_config([f"scenario={scenario}", "output.plots=false"])
    return _BASES[scenario]


def _config(values: dict[str, Any], ov: list[str]) -> Any:
    """The run config of the page's values: the scenario's composed config with each value set
    at its path and checked (:func:`sim.engine.prepare.prepare`), the same config as composing the
    overrides ``ov`` with Hydra, which is what free-text overrides (``_extra``) go through."""
    import copy

    from sim.api import load_config
    from sim.engine.prepare import prepare
    from sim.sweep.experiment import ParameterSpec
    from sim.sweep.params import apply_parameters

    if str(values.get("_extra", "") or "").strip():
        return load_config([*ov, "output.plots=false"])
    cfg = copy.deepcopy(_base(str(values.get("scenario", "historical"))))
    settable = {o.split("=", 1)[0]: _value(values, o) for o in ov[1:]}
    apply_parameters(cfg, settable, {k: ParameterSpec(paths=[k]) for k in settable})
    prepare(cfg)
    return cfg


def _value(values: dict[str, Any], override: str) -> Any:
    """The typed value behind one override: the page's own, or the number written into it
    (the insurgency's scaled rates)."""
    key, text = override.split("=", 1)
    return values[key] if key in values else float(text)


def _base_recruit(scenario: str) -> dict[str, float]:
    from sim.config import paths as P

    cfg = _base(scenario)
    return {p: float(P.get(cfg, p.split("."))) for p in INSURGENCY}


def _check_controls(values: dict[str, Any]) -> None:
    from sim.config import ConfigError

    for c in CONTROLS:
        v = values.get(c.key)
        if v is None:
            continue
        if c.kind == "choice":
            if v not in c.values:
                raise ConfigError(f"{c.key}={v!r} is unknown; allowed: {', '.join(c.values)}")
            continue
        lo = "-inf" if c.allowed_lo is None else f"{c.allowed_lo:g}"
        hi = "inf" if c.allowed_hi is None else f"{c.allowed_hi:g}"
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"{c.key}={v!r} is invalid; allowed: a number in "
                              f"[{lo}, {hi}]") from None
        if ((c.allowed_lo is not None and x < c.allowed_lo)
                or (c.allowed_hi is not None and x > c.allowed_hi)):
            raise ConfigError(f"{c.key}={v!r} is out of range; allowed: [{lo}, {hi}]"
                              + (f" ({c.unit})" if c.unit else ""))


def run_app(values: dict[str, Any]) -> AppRun:
    """Compose, check and run the page's values (with the twin world, as the command does).

    Raises:
        ConfigError: a value out of its range or a name that does not exist, before any run.
    """
    import logging

    from sim.api import run

    logging.getLogger("MESA").setLevel(logging.WARNING)
    _check_controls(values)
    t0 = time.perf_counter()
    scenario = str(values.get("scenario", "historical"))
    base = _base_recruit(scenario) if float(values.get("insurgency_strength", 1.0)) != 1.0 \
        else None
    ov = overrides(values, base)
    result = run(_config(values, ov))
    return AppRun(overrides=ov, result=result, seconds=time.perf_counter() - t0,
                  label=scenario, values=dict(values), description=describe(values))


def _get(summary: dict[str, Any], key: str) -> Any:
    node: Any = summary
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _format(value: Any, kind: str) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "usd":
        v = float(value)
        return f"USD {v / 1e9:.2f}bn" if abs(v) >= 1e9 else f"USD {v / 1e6:.1f}m"
    if kind == "count":
        return f"{float(value):,.0f}"
    if kind == "ratio":
        return f"{float(value):.3f}"
    return str(value)


def verdict_numbers(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdict panel's rows: label, the raw value and its text, for :data:`KEY_NUMBERS`."""
    return [{"key": key, "label": label, "value": _get(summary, key),
             "text": _format(_get(summary, key), kind)} for key, label, kind in KEY_NUMBERS]


def months(result: Any) -> list[str]:
    """The run's months, ``YYYY-MM``, in order (the slider's positions)."""
    dates = result.tables["states"]["date"].drop_duplicates()
    return [str(d)[:7] for d in dates]


def region_names(result: Any) -> dict[str, str]:
    """Each region's name by id, from the run's config (the events name regions so)."""
    return {r.id: r.name for r in result.config.world.regions}


def _cell(value: Any, column: str) -> str:
    """One cell of a sweep table as the report formats it (:func:`sim.analysis.report.
    format_value`); a list as its items, a long seed by its last six digits."""
    import numpy as np

    from sim.analysis.report import format_value

    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v, column) for v in value)
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return value[1:-1].replace("'", "").replace('"', "")
    if column == "seed" and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = str(int(value))
        return text if len(text) <= 8 else f"...{text[-6:]}"
    return format_value(value)


def probability_text(p: float, lo: float, hi: float, n: int) -> str:
    """A probability with its interval and the number of runs it is over, marked when they
    are few (:data:`FEW_RUNS`): ``0.50 [0.09, 0.91], 2 runs (few)``."""
    import math

    if not n or p is None or (isinstance(p, float) and math.isnan(p)):
        return "no finished run"
    return (f"{p:.2f} [{lo:.2f}, {hi:.2f}], {n:,} run{'s' if n != 1 else ''}"
            + (" (few)" if n < FEW_RUNS else ""))


def display_table(table: Any) -> Any:
    """A sweep table with every cell text as the report shows it (no NaN, no 16-digit
    floats, no Python list text, long seeds shortened: the run id names a run)."""
    import pandas as pd

    return pd.DataFrame({str(c): [_cell(v, str(c)) for v in table[c]] for c in table.columns})


def compare_statement(values: dict[str, Any]) -> str:
    """What :func:`compare` applies to both scenarios, in words: the seed and the overrides."""
    over = [f"{k}={_fmt_override(v)}" for k, (_own, v) in changes(values).items()]
    over += str(values.get("_extra", "") or "").split()
    return (f"seed {values.get('seed', 0)}; overrides on top of both scenarios: "
            f"{', '.join(over) if over else 'none (each scenario as it is)'}")


def compare(values: dict[str, Any], scenario_a: str, scenario_b: str) -> dict[str, Any]:
    """Run two scenarios with the same seed and the same changes (common random numbers): each
    scenario with its own values, and on top of both the values the user changed in the run
    view (:func:`changes`) and its free overrides. Returns ``a``, ``b`` (:class:`AppRun`),
    ``applied`` (those overrides in words) and ``rows``: each key number in both and ``b - a``
    where numeric."""
    changed = {k: v for k, (_own, v) in changes(values).items()}
    extra = values.get("_extra", "")

    def side(scenario: str) -> dict[str, Any]:
        return {**scenario_values(scenario, seed=values.get("seed")), **changed,
                "_extra": extra}

    a = run_app(side(scenario_a))
    b = run_app(side(scenario_b))
    applied = compare_statement(values)
    rows = []
    for key, label, kind in KEY_NUMBERS:
        va, vb = _get(a.summary, key), _get(b.summary, key)
        diff = None
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            diff = float(vb) - float(va)
        rows.append({"number": label, scenario_a: _format(va, kind),
                     scenario_b: _format(vb, kind),
                     "difference (b - a)": "" if diff is None else _format(
                         diff, "ratio" if kind == "bool" else kind)})
    return {"a": a, "b": b, "rows": rows, "applied": applied}


def open_sweep(folder: str | Path) -> dict[str, Any]:
    """A sweep folder for the sweep view: ``data`` (:class:`sim.analysis.SweepData`),
    ``verdicts`` (the report's verdict table), ``runs`` (run id, scenario, seed, status, the
    verdict and its halves, the first version's verdict, and the parameters), ``parameters``,
    ``notes`` (how the rows were read: :attr:`sim.analysis.SweepData.notes`), and the verdict
    against its own definitions: ``surface`` (:func:`sim.analysis.verdict_surface` per scenario
    when there are several; None if the rows cannot give it, ``surface_note`` then says why) and
    ``own`` (the choices the runs were judged at).

    Raises:
        ConfigError: not a sweep folder.
    """
    from sim.analysis import load_sweep
    from sim.analysis.report import verdict_table
    from sim.analysis.verdict import missing_columns, own_choices, surface_grid, verdict_surface
    from sim.config import ConfigError

    folder = Path(folder).expanduser()
    if not (folder / "manifest.json").is_file():
        raise ConfigError(f"sweep folder {str(folder)!r} has no manifest.json; allowed: a folder "
                          "sahel-sim-sweep wrote")
    data = load_sweep(folder)
    runs = data.runs
    cols = [c for c in ("run_id", "scenario", "seed", "status", "verdict", "security_win",
                        "cheap", "cost_ratio", "first_version.verdict") if c in runs.columns]
    own = own_choices(runs)
    surface, note = None, ""
    missing = missing_columns(runs)
    if missing:
        note = (f"The runs lack {' and '.join(missing)}: the sweep was written before the verdict "
                "could be read again at other choices; run it again to read it.")
    elif not (runs["status"] == "ok").any():
        note = "No finished run."
    else:
        by = ["scenario"] if runs["scenario"].nunique() > 1 else []
        try:
            surface = verdict_surface(runs, by=by, **surface_grid(own))
        except (KeyError, ValueError) as exc:
            note = f"No verdict surface: {exc}"
    verdicts = _verdicts(data, verdict_table(data, n_boot=200))
    shown = runs[cols + [p for p in data.parameters if p in runs.columns]]
    return {"data": data, "verdicts": verdicts, "verdicts_shown": display_table(verdicts),
            "runs": shown, "runs_shown": display_table(shown),
            "parameters": list(data.parameters), "notes": list(data.notes),
            "surface": surface, "surface_note": note, "own": own}


def _verdicts(data: Any, table: Any) -> Any:
    """The report's verdict table with each probability as :func:`probability_text` (the 95%
    Wilson interval, honest over few runs, and the number of runs)."""
    from sim.analysis import probability
    from sim.analysis.report import VERDICT_OUTCOMES

    if "runs" not in table.columns:
        return table
    by = list(table.columns[:list(table.columns).index("runs")])
    out = table.copy()
    for outcome, title in VERDICT_OUTCOMES.items():
        if title not in out.columns:
            continue
        t = probability(data.runs, by=by, outcome=outcome, n_boot=10)
        out[title] = [probability_text(p, lo, hi, int(n)) for p, lo, hi, n in zip(
            t["p"], t["wilson_lo"], t["wilson_hi"], t["n"], strict=True)]
    return out


def _flat(table: Any) -> Any:
    """A surface table with its (multi-level) columns as text and its index as columns."""
    from sim.analysis.verdict import margin_label

    def text(name: str, v: Any) -> str:
        return {"k": f"k={v}", "months": f"{v} months", "basis": str(v),
                "threshold": f"<= {v:g}" if isinstance(v, float) else str(v),
                "margin": margin_label(str(v))}.get(name, str(v))

    out = table.copy()
    names = list(out.columns.names)
    out.columns = [" ".join(text(n, v) for n, v in zip(names, key if isinstance(key, tuple)
                                                       else (key,), strict=True))
                   for key in out.columns]
    out = out.reset_index()
    if "margin" in out.columns:
        out["margin"] = [margin_label(str(m)) for m in out["margin"]]
    return out


def surface_view(s: dict[str, Any], k: int | None = None,
                 scenario: str | None = None) -> dict[str, Any]:
    """The sweep view's tables of the verdict against its own definitions, from
    :func:`open_sweep`'s ``surface``: ``both`` (P(cheap win) at ``k``: rows margin and months,
    columns basis and threshold), ``win`` (P(security win): rows margin, columns k and months)
    and ``cheap`` (P(cheap): rows basis, columns threshold), cells ``"p [lo, hi]"`` (Wilson
    95%); ``n`` (the finished runs they are over), ``k``, ``ks``, ``scenario``, ``scenarios``
    and ``own`` (the runs' own choices, in words).

    Raises:
        ValueError: the sweep has no surface (``surface_note`` says why), or ``k`` or
            ``scenario`` is not on it.
    """
    from sim.analysis.verdict import choices_text, surface_table

    surface = s.get("surface")
    if surface is None:
        raise ValueError(s.get("surface_note") or "the sweep has no verdict surface")
    scenarios = list(dict.fromkeys(surface["scenario"])) if "scenario" in surface else []
    if scenarios:
        scenario = scenario if scenario is not None else scenarios[0]
        if scenario not in scenarios:
            raise ValueError(f"scenario={scenario!r} is not in the sweep; allowed: "
                             f"{', '.join(scenarios)}")
        surface = surface[surface["scenario"] == scenario]
    ks = [int(v) for v in dict.fromkeys(surface["k"])]
    own = s.get("own") or {}
    k = int(k if k is not None else own.get("k") or (2 if 2 in ks else ks[0]))
    if k not in ks:
        raise ValueError(f"k={k} is not on the surface; allowed: {', '.join(map(str, ks))}")
    words = choices_text(own)
    n = int(surface["n"].iloc[0]) if len(surface) else 0

    def flagged(table: Any, index: int) -> Any:
        out = _flat(table)
        if n < FEW_RUNS:  # every cell is over the same runs: each says they are few
            for c in out.columns[index:]:
                out[c] = [f"{v} ({n} runs: few)" for v in out[c]]
        return out

    return {"both": flagged(surface_table(surface, "both", k=k), 2),
            "win": flagged(surface_table(surface, "win", ("margin",), ("k", "months")), 1),
            "cheap": flagged(surface_table(surface, "cheap", ("basis",), ("threshold",)), 1),
            "n": n, "k": k, "ks": ks,
            "scenario": scenario, "scenarios": scenarios, "own": words}


def heatmap_cells(runs: Any, x: str, y: str, outcome: str) -> Any:
    """The cells of a sweep heatmap: P(``outcome``) over the finished runs at each pair of values
    of the columns ``x`` and ``y`` (every other parameter and replicate pooled), with its
    bootstrap and Wilson 95% intervals and the number of runs, and the text shown on hover (the
    outcome named as :data:`sim.analysis.figures.OUTCOME_LABELS` names it).

    Raises:
        ValueError: ``x`` and ``y`` are the same column.
    """
    from sim.analysis import probability

    if x == y:
        raise ValueError(f"x and y are both {x!r}; allowed: two different columns")
    from sim.analysis.figures import OUTCOME_LABELS

    cells = probability(runs, by=[y, x], outcome=outcome, n_boot=500)
    label = OUTCOME_LABELS.get(outcome, f"P({outcome})")
    cells["hover"] = [f"{x} = {a}<br>{y} = {b}<br>{label} = {p:.2f} [{lo:.2f}, {hi:.2f}]"
                      f"<br>Wilson [{wl:.2f}, {wh:.2f}]<br>{n} runs"
                      + (" (few)" if n < FEW_RUNS else "")
                      for a, b, p, lo, hi, wl, wh, n in zip(
                          cells[x], cells[y], cells["p"], cells["lo"], cells["hi"],
                          cells["wilson_lo"], cells["wilson_hi"], cells["n"], strict=True)]
    return cells


def _leaves(obj: Any, prefix: str = "") -> dict[str, Any]:
    """A config's leaves by dotted path (dataclasses and dicts walked, lists kept whole)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
    elif isinstance(obj, dict):
        items = ((str(k), v) for k, v in obj.items())
    else:
        return {prefix: obj}
    out: dict[str, Any] = {}
    for name, value in items:
        out.update(_leaves(value, f"{prefix}.{name}" if prefix else name))
    return out


def values_of_config(cfg: Any) -> tuple[dict[str, Any], list[str]]:
    """The page's values that make the run of a config (a sweep's run, say): its scenario's own
    values (:func:`scenario_values`), then every control, rule and the seed as the config has
    them, the insurgency strength as the ratio of its recruitment rates to the scenario's (when
    both groups' agree), and every other scalar that differs from the scenario's config as a
    free override (``_extra``). Returns the values and the paths that differ but cannot be set
    from the page (lists: the run view cannot reproduce those).
    """
    scenario = cfg.scenario.name
    values = scenario_values(scenario, seed=int(cfg.seed))
    base = _leaves(_base(scenario))
    run = _leaves(cfg)
    keys = {c.key for c in CONTROLS}
    extra: list[str] = []
    missing: list[str] = []
    for path, value in run.items():
        if path.startswith("output.") or path in ("seed", "scenario.name"):
            continue
        if path in keys or path.startswith("rules.vacuum."):
            values[path] = value
            continue
        if path in INSURGENCY or (path in base and base[path] == value):
            continue
        if isinstance(value, (list, tuple, dict)):
            missing.append(path)
        else:
            extra.append(f"{path}={_fmt_override(value)}")
    ratios = {p: float(run[p]) / float(base[p]) if float(base[p]) else None for p in INSURGENCY}
    r = next(iter(ratios.values()))
    strength = None if r is None else float(f"{r:.6g}")
    if (strength is not None and len({v for v in ratios.values()}) == 1
            and all(float(base[p]) * strength == float(run[p]) for p in INSURGENCY)):
        values["insurgency_strength"] = strength
    else:
        extra += [f"{p}={_fmt_override(float(run[p]))}" for p in INSURGENCY
                  if float(run[p]) != float(base[p])]
    if extra:
        values["_extra"] = " ".join(extra)
    return values, missing


def rerun_into_view(folder: str | Path, run_id: str) -> AppRun:
    """Run a sweep's run again (its exact config and seed) for the run view, with the page's
    values that make it (:func:`values_of_config`: pressing Run then runs it again) and its
    name (the run id, scenario, rules and seed) in ``description``."""
    from sim.sweep.rerun import rerun

    t0 = time.perf_counter()
    res = rerun(folder, run_id)
    if res.result is None:
        from sim.config import ConfigError

        raise ConfigError(f"run {run_id} failed: {res.row.get('error')}")
    values, missing = values_of_config(res.result.config)
    note = (f" It also differs from its scenario in {', '.join(missing)}, which the controls "
            "cannot set: Run will not reproduce that." if missing else "")
    return AppRun(overrides=[f"(sweep run {run_id})"], result=res.result,
                  seconds=time.perf_counter() - t0, label=run_id,
                  extra={"reproduced": res.reproduced, "missing": missing},
                  values=values,
                  description=f"sweep run {run_id}: {describe(values)}.{note}")
