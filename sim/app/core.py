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
    "INSURGENCY",
    "KEY_NUMBERS",
    "AppRun",
    "Control",
    "compare",
    "defaults",
    "heatmap_cells",
    "months",
    "open_sweep",
    "overrides",
    "rerun_into_view",
    "run_app",
    "surface_view",
    "verdict_numbers",
]


@dataclass(frozen=True)
class Control:
    """One control of the run view.

    Attributes:
        key: the value's name in the page (a config path, or ``insurgency_strength``).
        label: what the page calls it.
        lo, hi, step: the slider's range (the schema's range for a config path; unused for a
            choice).
        kind: ``float``, ``int`` or ``choice`` (one of ``values``, a select).
        unit: the schema's unit.
        doc: what it means (the schema's doc), shown as a hint.
        values: the values a choice takes.
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
    """A slider over the schema's range of ``path`` (``hi`` caps an open range for the slider;
    the page's number field takes any value the schema allows)."""
    lo, top, unit, doc, _ = _schema(path)
    return Control(key=path, label=label, lo=float(lo if lo is not None else 0.0),
                   hi=float(hi if hi is not None else top), step=step, kind=kind, unit=unit,
                   doc=doc)


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
                unit="x the calibrated rate",
                doc="multiplies the jihadist groups' recruitment rates"),
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


def defaults() -> dict[str, Any]:
    """The control values of the default run: the scenario, every power's rule, the seed and
    each control's value in the default config."""
    from sim.api import load_config
    from sim.config import paths as P

    cfg = load_config([])
    values: dict[str, Any] = {"scenario": "historical", "seed": 0,
                              "insurgency_strength": 1.0}
    for c in CONTROLS:
        if c.key != "insurgency_strength":
            values[c.key] = P.get(cfg, c.key.split("."))
    for power, rule in cfg.rules.vacuum.items():
        values[f"rules.vacuum.{power}"] = rule
    return values


def _fmt_override(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def overrides(values: dict[str, Any], base_recruit: dict[str, float] | None = None) -> list[str]:
    """Hydra overrides of the page's values: ``scenario=...``, ``seed=...``, every other config
    path as ``path=value``, and the insurgency strength as the groups' recruitment rates times
    the multiplier (``base_recruit``: their values in the scenario's config), then the
    overrides typed in the page's free field (``_extra``, space separated)."""
    out = [f"scenario={values.get('scenario', 'historical')}"]
    for key, value in values.items():
        if key in ("scenario", "insurgency_strength") or key.startswith("_") or value is None:
            continue
        out.append(f"{key}={_fmt_override(value)}")
    strength = float(values.get("insurgency_strength", 1.0))
    if strength != 1.0:
        for path in INSURGENCY:
            base = (base_recruit or {}).get(path)
            if base is None:
                raise ValueError(f"insurgency_strength needs the base rate of {path}")
            out.append(f"{path}={base * strength!r}")
    return out + str(values.get("_extra", "") or "").split()


@dataclass
class AppRun:
    """A run the page shows: its overrides, result (tables, summary) and how long it took."""

    overrides: list[str]
    result: Any
    seconds: float
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"{c.key}={v!r} is invalid; allowed: a number in "
                              f"[{c.lo:g}, {c.hi:g}]") from None
        if not c.lo <= x <= c.hi:
            raise ConfigError(f"{c.key}={v!r} is out of range; allowed: [{c.lo:g}, {c.hi:g}]"
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
                  label=scenario)


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


def compare(values: dict[str, Any], scenario_a: str, scenario_b: str) -> dict[str, Any]:
    """Run two scenarios with the same seed and controls (common random numbers): ``a``, ``b``
    (:class:`AppRun`) and ``rows``: each key number in both and ``b - a`` where numeric."""
    a = run_app({**values, "scenario": scenario_a})
    b = run_app({**values, "scenario": scenario_b})
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
    return {"a": a, "b": b, "rows": rows}


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
    verdicts = verdict_table(data, n_boot=500)
    verdicts = verdicts.round({c: 3 for c in verdicts.columns if c.startswith("median")})
    return {"data": data, "verdicts": verdicts,
            "runs": runs[cols + [p for p in data.parameters if p in runs.columns]],
            "parameters": list(data.parameters), "notes": list(data.notes),
            "surface": surface, "surface_note": note, "own": own}


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
    return {"both": _flat(surface_table(surface, "both", k=k)),
            "win": _flat(surface_table(surface, "win", ("margin",), ("k", "months"))),
            "cheap": _flat(surface_table(surface, "cheap", ("basis",), ("threshold",))),
            "n": int(surface["n"].iloc[0]) if len(surface) else 0, "k": k, "ks": ks,
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
                      for a, b, p, lo, hi, wl, wh, n in zip(
                          cells[x], cells[y], cells["p"], cells["lo"], cells["hi"],
                          cells["wilson_lo"], cells["wilson_hi"], cells["n"], strict=True)]
    return cells


def rerun_into_view(folder: str | Path, run_id: str) -> AppRun:
    """Run a sweep's run again (its exact config and seed) for the run view."""
    from sim.sweep.rerun import rerun

    t0 = time.perf_counter()
    res = rerun(folder, run_id)
    if res.result is None:
        from sim.config import ConfigError

        raise ConfigError(f"run {run_id} failed: {res.row.get('error')}")
    return AppRun(overrides=[f"(sweep run {run_id})"], result=res.result,
                  seconds=time.perf_counter() - t0, label=run_id,
                  extra={"reproduced": res.reproduced})
