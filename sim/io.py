"""Run folders: the Parquet tables, summary.json, the resolved config and the plots.

A folder holds one run. Writing into a folder that holds another run's outputs (another config
or seed) is refused before the run starts, unless ``output.overwrite=true``, which removes the
other run's files first and says which (:func:`check_run_folder`).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sim.config import AES, ConfigError, config_hash, to_plain

if TYPE_CHECKING:
    import pandas as pd

    from sim.config import RunConfig


class RunResult(Protocol):
    """What :func:`write_run` reads of a run's result (:class:`sim.api.RunResult` is one): its
    config, its tables by name and its summary."""

    config: RunConfig
    tables: Mapping[str, pd.DataFrame]
    summary: dict[str, Any]

__all__ = ["OUTPUT_PATTERNS", "check_run_folder", "config_yaml", "format_summary", "read_run",
           "write_run"]

#: The files a run writes into its folder (Hydra's own ``.hydra/`` is left alone).
OUTPUT_PATTERNS = ("*.parquet", "summary.json", "config.yaml", "*.png")


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


#: Strings OmegaConf's YAML dumper quotes because YAML 1.1 reads them as booleans
#: (``omegaconf._utils.YAML_BOOL_TYPES``).
_YAML_BOOLS = frozenset({"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
                         "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"})
#: Scalar types written alike by PyYAML's and libyaml's emitters (compared exactly: no subclass).
_SCALARS = (bool, int, float, type(None))


class _NotPlain(Exception):
    """A value :func:`_plain_copy` leaves to OmegaConf."""


def _plain_copy(data: Any) -> Any:
    """``data`` as ``OmegaConf.to_container(OmegaConf.create(data))`` gives it back (a copy, with
    lists for tuples), for data that PyYAML's and libyaml's emitters write alike: mappings whose
    keys are 1 to 100 printable ASCII characters (the emitters' limits of a simple key differ
    above that), lists, tuples, and scalars of :data:`_SCALARS` or strings of printable
    characters of the Basic Multilingual Plane (the emitters fold and escape other characters
    differently), with no ``${`` (OmegaConf parses interpolations).

    Raises:
        _NotPlain: anything else.
    """
    kind = type(data)
    if kind is str:
        if not data.isprintable() or "${" in data or (not data.isascii() and max(data) > "\uffff"):
            raise _NotPlain
        return data
    if kind in _SCALARS:
        return data
    if kind is dict:
        for key in data:
            if (type(key) is not str or not 0 < len(key) <= 100 or not key.isascii()
                    or not key.isprintable() or "${" in key):
                raise _NotPlain
        return {key: _plain_copy(value) for key, value in data.items()}
    if kind is list or kind is tuple:
        return [_plain_copy(value) for value in data]
    raise _NotPlain


def _number(text: str) -> bool:
    """Whether Python reads ``text`` as an int or a float (OmegaConf's ``is_int``, ``is_float``)."""
    for kind in (int, float):
        try:
            kind(text)
            return True
        except ValueError:
            pass
    return False


@functools.cache
def _config_dumper() -> type | None:
    """libyaml's dumper writing strings as OmegaConf's does (``omegaconf._utils
    .OmegaConfDumper``: quoted where YAML would read a boolean or a number); None without
    libyaml."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None

    def represent_str(dumper: Any, text: str) -> Any:
        quoted = text in _YAML_BOOLS or _number(text)
        return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                       style="'" if quoted else None)

    class ConfigDumper(yaml.CDumper):
        """``OmegaConf.to_yaml``'s dumper on libyaml's emitter."""

    ConfigDumper.add_representer(str, represent_str)
    return ConfigDumper


def config_yaml(plain: dict[str, Any]) -> str:
    """The text of ``config.yaml``: ``OmegaConf.to_yaml(OmegaConf.create(plain))``.

    PyYAML's emitter (OmegaConf's) takes some 0.3 s for a run's config, OmegaConf's copy of it
    included; libyaml's writes the same text in a tenth of that for the data
    :func:`_plain_copy` accepts (tests/test_cli.py compares the two), so only other data goes
    through OmegaConf.
    """
    import yaml

    dumper = _config_dumper()
    if dumper is not None:
        try:
            data = _plain_copy(plain)
        except _NotPlain:
            pass
        else:
            return yaml.dump(data, Dumper=dumper, default_flow_style=False, allow_unicode=True,
                             sort_keys=False)
    from omegaconf import OmegaConf

    return OmegaConf.to_yaml(OmegaConf.create(plain))


def write_run(result: RunResult, folder: Path, plots: bool = True) -> Path:
    """Write a run into ``folder``: ``<table>.parquet`` for every table, ``summary.json``,
    ``config.yaml`` (the resolved config) and, if ``plots``, the run's PNG figures."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    check_run_folder(folder, result.config)
    folder.mkdir(parents=True, exist_ok=True)
    tables = result.tables
    if hasattr(tables, "arrow"):  # a run's LazyTables: Arrow tables, pandas never imported
        arrow = tables.arrow()
    else:  # tables given as DataFrames
        arrow = {name: pa.Table.from_pandas(df, preserve_index=False)
                 for name, df in tables.items()}
    for name, table in arrow.items():
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    (folder / "summary.json").write_text(json.dumps(_json_safe(result.summary), indent=2,
                                                    sort_keys=False) + "\n")
    (folder / "config.yaml").write_text(config_yaml(to_plain(result.config)))
    if plots:
        from sim.plots import save_run_plots

        save_run_plots(result.tables, folder)
    return folder


def _outputs(folder: Path) -> list[Path]:
    return sorted(p for pattern in OUTPUT_PATTERNS for p in folder.glob(pattern) if p.is_file())


def check_run_folder(folder: str | Path, cfg: Any) -> list[Path]:
    """Make sure ``folder`` can take the outputs of the run of ``cfg``.

    A folder that is missing, empty, or holds the outputs of this same run (same config hash,
    seed included) is fine. One that holds another run's outputs is refused, unless
    ``cfg.output.overwrite`` is true: then those files are removed.

    Returns:
        The files removed (empty unless another run's outputs were replaced).

    Raises:
        ConfigError: the folder holds another run's outputs and ``output.overwrite`` is false.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = _outputs(folder)
    if not found:
        return []
    summary = folder / "summary.json"
    try:
        old = json.loads(summary.read_text()) if summary.is_file() else {}
    except (OSError, ValueError):
        old = {}
    if old.get("config_hash") == config_hash(cfg):
        return []
    what = (f"the outputs of another run (seed {old.get('seed')}, config hash "
            f"{old.get('config_hash')})" if old.get("config_hash") else
            f"{len(found)} output files of an unknown run")
    if not cfg.output.overwrite:
        raise ConfigError(
            f"hydra.run.dir={str(folder)!r} holds {what}; allowed: an empty or new folder, or "
            "output.overwrite=true to replace them")
    for p in found:
        p.unlink()
    return found


def read_run(folder: str | Path) -> dict[str, Any]:
    """Read a run folder back: ``{"tables": {...}, "summary": {...}}``."""
    import pandas as pd

    folder = Path(folder)
    tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    return {"tables": tables, "summary": json.loads((folder / "summary.json").read_text())}


def _usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    for unit, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"USD {x / div:,.2f}{unit}"
    return f"USD {x:,.0f}"


def _premium_line(vp: dict[str, Any] | None) -> str:
    """The vacuum premium against the twin world (or why there is none)."""
    if not vp:
        return "vacuum premium: not computed (metrics.twin=false)"
    return (f"vacuum premium (run - twin without the Western exit): russia influence "
            f"{vp['influence_end']:+.3f}, security share {vp['security_end']:+.3f}, own net cost "
            f"{_usd(vp['own_net_cost_usd'])}; twin verdict {vp['twin_verdict']}; won because "
            f"of the vacuum: {'yes' if vp['because_of_vacuum'] else 'no'}")


def format_summary(summary: dict[str, Any]) -> str:
    """A short human summary of a run (printed by the CLI).

    The verdict comes first (docs/ODD.md section 8): the security win and the cheap test on the
    headline cost basis, each state's graded answer, the cost ratio on every basis, and who pays
    beside them; the first version's verdict follows. Verdicts are measured over the AES states;
    in a world without any of them (a synthetic world) the summary says so, and reports costs and
    partners over the world's own states.
    """
    r, w = summary["russia"], summary["west"]
    first = summary["first_version"]
    idx = first["cheap_win_index"]
    partners = first["largest_partner_at_end"]
    aes = [s for s in AES if s in partners]
    head = (f"sahel-sim  scenario={summary['scenario']}  seed={summary['seed']}  "
            f"{summary['start']}..{summary['end']}")
    if not aes:
        shown = list(partners.items())
        listed = ", ".join(f"{s}: {p or 'none'}" for s, p in shown[:12])
        more = f" (+{len(shown) - 12} more in summary.json)" if len(shown) > 12 else ""
        paid_r = r["host_payments_usd"] + r["concession_revenue_usd"]
        paid_w = w["host_payments_usd"] + w["concession_revenue_usd"]
        return "\n".join([
            head,
            (f"verdict: not defined: this world has none of the AES states ({', '.join(AES)}), "
             "over which the hypothesis is measured"),
            (f"own net cost (all states): russia {_usd(r['own_net_cost_usd'])}, "
             f"west {_usd(w['own_net_cost_usd'])}"),
            f"hosts paid (all states): to russia {_usd(paid_r)}, to the west {_usd(paid_w)}",
            "largest foreign partner at the end: " + listed + more,
        ])
    yes = {True: "yes", False: "no"}

    def num(x: float | None, fmt: str = ",.3f") -> str:
        return "n/a" if x is None else format(x, fmt)

    costs = summary["costs_like_for_like"]
    rc, wc = costs["russia"], costs["west"]
    pays = summary["who_pays"]
    margin = (f"{summary['security_margin']:g}" if summary["security_margin_kind"] == "absolute"
              else f"{summary['security_margin']:g} of its own share")
    lines = [
        head,
        (f"verdict: {summary['verdict']}  (security win={yes[summary['security_win']]}: russia "
         f"leads the west's security share by >= {margin} for the last "
         f"{summary['security_months']}+ months in {summary['russia_security_leader_in']}/"
         f"{len(aes)} AES states, k={summary['k']}; cheap={yes[summary['cheap']]}: cost per "
         f"security point on the {summary['cost_basis']} basis {num(summary['cost_ratio'])} "
         f"times the west's, cheap at <= {summary['cheap_cost_ratio']:g})"),
        "cost ratio by basis: " + ", ".join(
            f"{b} {num(v)}" for b, v in summary["cost_ratio_by_basis"].items()),
        "by state: " + "; ".join(
            f"{s}: lead {d['lead_months']} months, share gap {d['share_gap']:+.3f}, cash ratio "
            f"{num(d['cash_ratio'])}" for s, d in summary["by_state"].items()),
        (f"cost in the AES: russia cash {_usd(rc['cash_usd'])}, arms in kind "
         f"{_usd(rc['in_kind_usd'])}, casualties {_usd(rc['casualties_usd'])}, non-cash "
         f"{_usd(rc['non_cash_usd'])}; west cash {_usd(wc['cash_usd'])}, in kind "
         f"{_usd(wc['in_kind_usd'])}, casualties {_usd(wc['casualties_usd'])}, non-cash "
         f"{_usd(wc['non_cash_usd'])} (UN missions, in neither: "
         f"{_usd(costs['un_missions']['cost_usd'])})"),
        (f"who pays: hosts paid {_usd(pays['host_cost_usd'])} (to russia "
         f"{_usd(pays['host_paid_russia_usd'])}); civilian deaths in the AES "
         f"{pays['civilian_fatalities_aes']:,.0f}; AES territory outside state control "
         f"{pays['aes_territory_outside_control']:.0%}"),
        "leading security partner at the end: " + ", ".join(
            f"{s}: {d['security'] or 'none'}" for s, d in summary["leaders_at_end"].items()),
        _premium_line(summary.get("vacuum_premium")),
        (f"first version: {first['verdict']}  (win={yes[first['win']]}: russia largest partner "
         f"in {first['russia_largest_partner_in']}/{len(aes)} AES states, k={summary['k']}; "
         f"cheap={yes[first['cheap']]}, phi={first['phi']:g}; cheap-win index "
         f"{num(idx, ',.2f')})"),
        (f"own net cost (all states): russia {_usd(r['own_net_cost_usd'])}, "
         f"west {_usd(w['own_net_cost_usd'])}"),
        "first version, largest foreign partner at the end: " + ", ".join(
            f"{s}: {p or 'none'}" for s, p in partners.items() if s in aes),
    ]
    return "\n".join(lines)
