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
- :func:`open_sweep`, :func:`rerun_into_view`: a sweep folder's verdict table, its runs, and
  any run run again for the run view.
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
    "verdict_numbers",
]


@dataclass(frozen=True)
class Control:
    """One control of the run view.

    Attributes:
        key: the value's name in the page (a config path, or ``insurgency_strength``).
        label: what the page calls it.
        lo, hi, step: the slider's range (the schema's range for a config path).
        kind: ``float`` or ``int``.
        unit: the schema's unit.
        doc: what it means (the schema's doc), shown as a hint.
    """

    key: str
    label: str
    lo: float
    hi: float
    step: float
    kind: str = "float"
    unit: str = ""
    doc: str = ""


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


def _controls() -> list[Control]:
    return [
        _control("params.resources.host_can_pay", "Host ability to pay", 0.05),
        _control("scenario.west_withdrawal_share", "Share of Western forces withdrawn", 0.05),
        Control("insurgency_strength", "Insurgency strength (x recruitment)", 0.25, 4.0, 0.25,
                unit="x the calibrated rate",
                doc="multiplies the jihadist groups' recruitment rates"),
        _control("metrics.phi", "phi (first measure's cheap threshold)", 0.01, hi=1.0),
        _control("metrics.k", "k (AES states Russia must lead)", 1, kind="int", hi=3),
        _control("metrics.security_margin", "Security win margin", 0.01),
        _control("metrics.security_months", "Security win months", 1, kind="int", hi=60),
        _control("metrics.cheap_cost_ratio", "Cheap: cost ratio at most", 0.01, hi=1.0),
    ]


CONTROLS: list[Control] = _controls()

#: The summary numbers the verdict panel and the compare view show: (key, label, kind).
KEY_NUMBERS = (
    ("verdict_like_for_like", "verdict (like for like)", "text"),
    ("security_win", "Russia the leading security partner", "bool"),
    ("cheap_like_for_like", "cheap (like for like)", "bool"),
    ("cost_ratio", "cost ratio (Russia's full cost per point / the West's)", "ratio"),
    ("vacuum_premium.security_end", "vacuum premium (security share at the end)", "ratio"),
    ("vacuum_premium.because_of_vacuum", "won because of the vacuum", "bool"),
    ("verdict", "verdict (first measure)", "text"),
    ("russia.full_cost_usd", "Russia's full cost", "usd"),
    ("west.own_net_cost_usd", "the West's own net cost", "usd"),
    ("host_cost_usd", "what the AES hosts paid", "usd"),
    ("civilian_fatalities_aes", "civilian deaths in the AES", "count"),
    ("aes_territory_outside_control", "AES territory outside state control", "ratio"),
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
    ``verdicts`` (the report's verdict table), ``runs`` (run id, scenario, seed, status and the
    key outcomes) and ``parameters``.

    Raises:
        ConfigError: not a sweep folder.
    """
    from sim.analysis import load_sweep
    from sim.analysis.report import verdict_table
    from sim.config import ConfigError

    folder = Path(folder).expanduser()
    if not (folder / "manifest.json").is_file():
        raise ConfigError(f"sweep folder {str(folder)!r} has no manifest.json; allowed: a folder "
                          "sahel-sim-sweep wrote")
    data = load_sweep(folder)
    cols = [c for c in ("run_id", "scenario", "seed", "status", "security_win", "cost_ratio",
                        "verdict_like_for_like", "hypothesis") if c in data.runs.columns]
    return {"data": data, "verdicts": verdict_table(data, n_boot=500),
            "runs": data.runs[cols + [p for p in data.parameters if p in data.runs.columns]],
            "parameters": list(data.parameters)}


def heatmap_cells(runs: Any, x: str, y: str, outcome: str) -> Any:
    """The cells of a sweep heatmap: P(``outcome``) over the runs at each pair of values of the
    columns ``x`` and ``y`` (every other parameter and replicate pooled), with its bootstrap and
    Wilson 95% intervals and the number of runs, and the text shown on hover.

    Raises:
        ValueError: ``x`` and ``y`` are the same column.
    """
    from sim.analysis import probability

    if x == y:
        raise ValueError(f"x and y are both {x!r}; allowed: two different columns")
    cells = probability(runs, by=[y, x], outcome=outcome, n_boot=500)
    cells["hover"] = [f"{x} = {a}<br>{y} = {b}<br>P({outcome}) = {p:.2f} [{lo:.2f}, {hi:.2f}]"
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
