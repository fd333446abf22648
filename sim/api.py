"""The public Python API: compose a config, run it, get tables and the summary.

>>> from sim import load_config, run
>>> result = run(load_config(overrides=["scenario=endogenous", "seed=7"]))
>>> result.summary["verdict"], result.tables["presence"].head()
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config import ConfigError, RunConfig, _suggest, register_configs, validate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunResult", "config_dir", "load_config", "run", "check_overrides", "config_hash",
           "provenance", "to_plain"]


def config_dir() -> Path:
    """The Hydra config folder: packaged with a wheel (``sim/_configs``) or the repo's ``configs/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_configs", here.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("sahel-sim's configs folder is missing from the installation")


def group_options(group: str) -> list[str]:
    """The options of a config group (``scenario``, ``world``)."""
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))


def _walk_schema(path: list[str], shown: str) -> None:
    """Raise ConfigError unless ``path`` names a field of the schema."""
    typ: Any = RunConfig
    import typing

    for i, part in enumerate(path):
        where = ".".join(path[:i]) or "(top level)"
        origin = typing.get_origin(typ)
        if origin is dict:
            typ = typing.get_args(typ)[1]
            continue
        if origin is list:
            return  # list items are checked when the config is validated
        if not dataclasses.is_dataclass(typ):
            raise ConfigError(f"{shown}: {'.'.join(path[:i])} is a value and has no field {part!r}")
        hints = typing.get_type_hints(typ)
        if part not in hints:
            raise ConfigError(f"unknown parameter {shown!r} (no {part!r} in {where}); "
                              + _suggest(part, list(hints)))
        typ = hints[part]


def check_overrides(overrides: list[str] | tuple[str, ...]) -> None:
    """Check command-line overrides' names before Hydra composes anything.

    Unknown parameters and unknown options of the ``scenario`` and ``world`` groups raise a
    ConfigError that lists what is allowed.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except Exception as exc:  # hydra's grammar errors
        raise ConfigError(f"cannot parse the overrides {list(overrides)}: {exc}") from exc
    for o in parsed:
        key = o.key_or_group
        if key.startswith("hydra") or o.is_delete():
            continue
        if key in ("scenario", "world"):
            values = (list(o.sweep_string_iterator()) if o.is_sweep_override()
                      else [o.get_value_element_as_str()])
            for v in values:
                if str(v) not in group_options(key):
                    raise ConfigError(f"{key}={v!r} is unknown; {_suggest(str(v), group_options(key))}")
            continue
        if o.is_add() or o.is_force_add():
            continue
        _walk_schema(key.split("."), key)


def load_config(overrides: list[str] | tuple[str, ...] = (), config_name: str = "config") -> RunConfig:
    """Compose the Hydra config with ``overrides`` (Hydra syntax), convert it to the typed schema
    and validate it.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    check_overrides(overrides)
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            composed = compose(config_name, overrides=list(overrides))
            cfg = OmegaConf.to_object(composed)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(_hydra_message(exc, overrides, config_name)) from exc
    validate(cfg)
    return cfg


def _hydra_message(exc: BaseException, overrides: list[str] | tuple[str, ...],
                   config_name: str) -> str:
    """A ConfigError message from a Hydra/OmegaConf composition error: the parameter, the value
    and what is allowed."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf
    from omegaconf.errors import ConfigAttributeError, ConfigKeyError, ValidationError

    chain, e = [], exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        key = getattr(e, "full_key", None)
        if isinstance(e, (ConfigKeyError, ConfigAttributeError)) and key:
            parent, _, leaf = key.rpartition(".")
            rest = [o for o in overrides if not o.lstrip("+~").startswith(key)]
            try:
                with initialize_config_dir(str(config_dir()), version_base="1.3"):
                    base = compose(config_name, overrides=rest)
                node = OmegaConf.select(base, parent) if parent else base
                allowed = list(node.keys()) if node is not None else []
            except Exception:
                allowed = []
            return f"unknown parameter {key!r}; " + (_suggest(leaf, allowed) if allowed
                                                     else "check the name")
        if isinstance(e, ValidationError) and key:
            value = next((o.split("=", 1)[1] for o in overrides
                          if o.split("=", 1)[0].lstrip("+") == key), None)
            reason = str(e).splitlines()[0]
            return f"{key}={value!r} is invalid ({reason}); allowed: a value of the parameter's type"
    msgs = [str(x).strip() for x in chain]
    return " / ".join(m.splitlines()[0] for m in msgs if m)


def to_plain(cfg: RunConfig) -> dict[str, Any]:
    """The config as plain Python data (JSON-able)."""
    return dataclasses.asdict(cfg)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _plain_for_hash(obj: Any) -> Any:
    """What :func:`to_plain` (``dataclasses.asdict``) makes of ``obj``, as far as the JSON text
    of :func:`config_hash` can tell: dataclasses become dicts, lists, tuples and dicts are
    rebuilt, other values are kept (asdict copies them; the JSON is the same)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {name: _plain_for_hash(getattr(obj, name)) for name in _field_names(type(obj))}
    if isinstance(obj, (list, tuple)):
        return [_plain_for_hash(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain_for_hash(v) for k, v in obj.items()}
    return obj


def config_hash(cfg: RunConfig) -> str:
    """SHA-256 of the canonical JSON of the config (seed included): the JSON of
    :func:`to_plain`, built without its deep copies."""
    text = json.dumps(_plain_for_hash(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def _git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sahel-sim")
    except PackageNotFoundError:
        return "unknown"


def provenance(cfg: RunConfig) -> dict[str, Any]:
    """Seed, config hash, package version and git commit of a run."""
    return {"seed": cfg.seed, "config_hash": config_hash(cfg), "version": _version(),
            "git_commit": _git_commit()}


@dataclass
class RunResult:
    """A finished run: the output tables of docs/ODD.md section 10, the summary, and the config."""

    config: RunConfig
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def write(self, folder: str | Path, plots: bool | None = None) -> Path:
        """Write the tables (Parquet), summary.json, the resolved config and (optionally) plots."""
        from sim.io import write_run

        return write_run(self, Path(folder), self.config.output.plots if plots is None else plots)


def run(cfg: RunConfig, output_dir: str | Path | None = None) -> RunResult:
    """Validate and run ``cfg``; return its tables and summary. Writes files only if
    ``output_dir`` is given."""
    from sim.metrics import summarize_arrays
    from sim.model import SahelModel

    prepared = validate(cfg)
    model = SahelModel(prepared)
    model.run()
    arrays = model.recorder.arrays()
    tables = model.recorder.tables(arrays)
    summary = {
        "scenario": cfg.scenario.name,
        "world": cfg.world.name,
        "start": cfg.start,
        "end": cfg.end,
        "rules": {p: prepared.rules.vacuum.get(p, prepared.rules.default_vacuum)
                  for p in model.world.power_ids},
        **summarize_arrays(arrays, cfg.metrics, cfg.start, cfg.end),
        **provenance(cfg),
    }
    result = RunResult(config=cfg, tables=tables, summary=summary)
    if output_dir is not None:
        result.write(output_dir)
    return result
