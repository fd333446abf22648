"""Composing a run configuration with Hydra: the config folder, its groups, the overrides.

:func:`compose_config` checks the overrides' names against the schema first (so that a typo gets
the project's error, with "did you mean"), composes ``configs/config.yaml`` with them through
Hydra's compose API and converts the result once to the typed schema with
``OmegaConf.to_object``. It does not check values or build worlds: :func:`sim.engine.prepare.prepare`
does that, once.

A user's own folder of configs (``--config-dir`` on the command line, ``config_dirs`` here) adds
options to the groups: ``<dir>/scenario/<name>.yaml``, ``<dir>/world/<name>.yaml`` and
``<dir>/experiment/<name>.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.config.errors import ConfigError, suggest
from sim.config.folders import config_dir
from sim.config.hashing import to_plain
from sim.config.paths import check_schema_path, schema_field
from sim.config.schema import RunConfig

__all__ = [
    "GROUPS",
    "check_config_dirs",
    "check_overrides",
    "compose_config",
    "compose_run",
    "config_dir",
    "group_options",
    "overrides_list",
    "record_yaml",
    "register_configs",
    "type_phrase",
]

#: Config groups a user's folder can add options to.
GROUPS = ("scenario", "world", "experiment")


def group_options(group: str, config_dirs: Sequence[str | Path] = ()) -> list[str]:
    """The options of a config group (``scenario``, ``world``, ``experiment``): the project's
    files and those of the user's folders."""
    names = {p.stem for p in (config_dir() / group).glob("*.yaml")}
    for d in config_dirs:
        names.update(p.stem for p in (Path(d) / group).glob("*.yaml"))
    return sorted(names)


def check_config_dirs(config_dirs: Sequence[str | Path]) -> None:
    """Check a user's config folders before anything runs: each exists, holds only group
    folders, and every YAML file in them parses.

    Raises:
        ConfigError: naming the folder or file and what is allowed.
    """
    import yaml

    for d in config_dirs:
        folder = Path(d)
        if not folder.is_dir():
            raise ConfigError(f"--config-dir={str(d)!r} is not a folder; allowed: a folder "
                              f"holding {', '.join(f'{g}/' for g in GROUPS)} with YAML files")
        stray = sorted(p.name for p in folder.glob("*.yaml"))
        if stray:
            raise ConfigError(
                f"--config-dir={str(d)!r} holds {', '.join(stray)} at its top level; allowed: "
                f"options of the groups in {', '.join(f'{g}/' for g in GROUPS)} (the primary "
                "config.yaml is the project's; change values with overrides or a scenario file)")
        for group in GROUPS:
            for path in sorted((folder / group).glob("*.yaml")):
                try:
                    data = yaml.safe_load(path.read_text())
                except yaml.YAMLError as exc:
                    raise ConfigError(f"--config-dir file {path} is not valid YAML ({exc}); "
                                      "allowed: a YAML mapping") from exc
                if not isinstance(data, dict):
                    raise ConfigError(f"--config-dir file {path} holds "
                                      f"{type(data).__name__}; allowed: a YAML mapping")


def overrides_list(overrides: Any, name: str = "overrides") -> list[str]:
    """``overrides`` as a list of strings.

    Raises:
        ConfigError: a single string, or anything that is not a list of strings.
    """
    if isinstance(overrides, str):
        raise ConfigError(f"{name}={overrides!r} is a string; allowed: a list of strings, "
                          f"e.g. [{overrides!r}]")
    try:
        items = list(overrides)
    except TypeError:
        raise ConfigError(f"{name}={overrides!r} is not a list; allowed: a list of strings such "
                          "as ['seed=7', 'scenario=endogenous']") from None
    bad = [o for o in items if not isinstance(o, str)]
    if bad:
        raise ConfigError(f"{name} item {bad[0]!r} is not a string; allowed: strings such as "
                          "'seed=7'")
    return items


def type_phrase(typ: Any) -> str:
    """How an error names what a field of type ``typ`` takes (``a whole number (int)``)."""
    import typing

    origin = typing.get_origin(typ)
    if origin is dict:
        return "a mapping (dict)"
    if origin is list:
        return "a list"
    if origin is not None:  # Optional[...] and other unions
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        if len(args) == 1:
            return type_phrase(args[0]) + " or null"
    phrases = {int: "a whole number (int)", float: "a number (float)", bool: "true or false (bool)",
               str: "text (str)"}
    if typ in phrases:
        return phrases[typ]
    return f"a value of type {getattr(typ, '__name__', typ)}"


def check_overrides(overrides: Sequence[str], config_dirs: Sequence[str | Path] = ()) -> None:
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
            allowed = group_options(key, config_dirs)
            for v in values:
                if str(v) not in allowed:
                    raise ConfigError(f"{key}={v!r} is unknown; {suggest(str(v), allowed)}")
            continue
        if o.is_add() or o.is_force_add():
            continue
        check_schema_path(RunConfig, key)


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore (called by the entry points, not on import)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="run_schema", node=RunConfig)


def _searchpath(config_dirs: Sequence[str | Path]) -> list[str]:
    if not config_dirs:
        return []
    paths = ",".join(f"file://{Path(d).resolve()}" for d in config_dirs)
    return [f"hydra.searchpath=[{paths}]"]


def _compose(overrides: Sequence[str], config_name: str, config_dirs: Sequence[str | Path],
             schema: type, hydra_settings: bool, convert: Any) -> Any:
    """Check the overrides' names, compose with Hydra's compose API (with Hydra's own node when
    ``hydra_settings``) and return ``convert(composed)``; every Hydra or OmegaConf error becomes a
    ConfigError naming the parameter, the value and what is allowed."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config.libyaml import use_libyaml

    use_libyaml()  # the config files parsed by libyaml: the same data, some 0.1 s sooner
    overrides = overrides_list(overrides)
    check_config_dirs(config_dirs)
    check_overrides(overrides, config_dirs)
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(str(config_dir()), version_base="1.3"):
            composed = compose(config_name, overrides=[*overrides, *_searchpath(config_dirs)],
                               return_hydra_config=hydra_settings)
            return convert(composed)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(_hydra_message(exc, overrides, config_name, schema)) from exc


def compose_config(overrides: Sequence[str] = (), config_name: str = "config",
                   config_dirs: Sequence[str | Path] = (), schema: type = RunConfig) -> Any:
    """Compose the Hydra config with ``overrides`` (Hydra syntax) and convert it to the typed
    schema. Values are not checked here (see :func:`sim.engine.prepare.prepare`).

    A run config (``config``, :class:`RunConfig`) composed before is read back from the
    composition cache (:mod:`sim.config.compose_cache`, under its own key: no Hydra settings),
    without importing Hydra: a sweep composes its base configs in every worker.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    key = None
    if config_name == "config" and schema is RunConfig:
        from sim.config import compose_cache

        key = compose_cache.composition_key(["(run config only)", *overrides_list(overrides)],
                                            config_dirs)
        hit = compose_cache.load(key)
        if hit is not None and isinstance(hit[0], RunConfig):
            return hit[0]
    from omegaconf import OmegaConf

    cfg = _compose(overrides, config_name, config_dirs, schema, False, OmegaConf.to_object)
    if key is not None:
        compose_cache.store(key, cfg, {})
    return cfg


def _split_hydra(composed: Any) -> tuple[Any, dict[str, Any]]:
    """A composition with Hydra's node -> (the typed run config, Hydra's run settings with the
    texts of the run's ``.hydra/`` record)."""
    from omegaconf import OmegaConf, open_dict

    node = composed.hydra
    plain = OmegaConf.to_container(node, resolve=False)
    run_dir, overrides = str(node.run.dir), list(node.overrides.task)
    with open_dict(composed):
        del composed["hydra"]
    cfg = OmegaConf.to_object(composed)
    record = {"config.yaml": to_plain(cfg), "hydra.yaml": {"hydra": plain},
              "overrides.yaml": overrides}
    return cfg, {"run_dir": run_dir, "run_dir_template": plain["run"]["dir"],
                 "record": {name: record_yaml(data) for name, data in record.items()}}


def record_yaml(data: Any) -> str:
    """``yaml.safe_dump(data, sort_keys=False)``, the text of a file of a run's ``.hydra/``
    record: written by libyaml's emitter (some 4 times faster for a run's config) when the
    data is such that both emitters write the same text (:func:`_emitters_agree`), else by
    PyYAML's."""
    import yaml

    if (getattr(yaml, "__with_libyaml__", False) and type(data) in (dict, list)
            and _emitters_agree(data)):  # a document of one scalar ends differently
        return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False)
    return yaml.safe_dump(data, sort_keys=False)


#: The scalars both YAML emitters write alike.
_PLAIN_SCALARS = (bool, int, float, type(None))
#: The emitters' line width: a scalar that ends before it is never folded.
_WIDTH = 80


def _emitters_agree(data: Any, column: int = 0) -> bool:
    """Whether ``data`` is dicts, lists and tuples of scalars of :data:`_PLAIN_SCALARS` and of
    strings that PyYAML's and libyaml's emitters write alike, with keys of 1 to 100 printable
    ASCII characters (the emitters write longer keys differently): strings of printable ASCII,
    and other printable strings whose escaped text (``\\xE9``) ends on its line before column
    80 (the emitters fold such text at different places). ``column``: where ``data`` starts at
    most (a nested block is indented by 2)."""
    kind = type(data)
    if kind is str:
        if data.isascii():
            return data.isprintable()
        return data.isprintable() and column + 2 + sum(
            1 if c < "\x7f" else 4 if c <= "\xff" else 6 if c <= "\uffff" else 10
            for c in data) + data.count('"') + data.count("\\") < _WIDTH
    if kind in _PLAIN_SCALARS:
        return True
    if kind is dict:
        return all(type(k) is str and 0 < len(k) <= 100 and k.isascii() and k.isprintable()
                   and _emitters_agree(v, column + 2 + len(k) + 2) for k, v in data.items())
    if kind is list or kind is tuple:
        return all(_emitters_agree(v, column + 2) for v in data)
    return False


def compose_run(overrides: Sequence[str] = (), config_dirs: Sequence[str | Path] = (),
                config_name: str = "config") -> tuple[Any, dict[str, Any]]:
    """One composition for a single run: the typed config and Hydra's own settings of the run
    (``run_dir``: ``hydra.run.dir`` resolved, ``run_dir_template`` unresolved; ``record``: the
    text of each file of the run's ``.hydra/`` record, plain YAML: ``config.yaml`` (the composed
    config), ``hydra.yaml`` (Hydra's node, unresolved) and ``overrides.yaml`` (the task's
    overrides)). Values are not checked here.

    Raises:
        ConfigError: naming the parameter, the value and what is allowed.
    """
    return _compose(overrides, config_name, config_dirs, RunConfig, True, _split_hydra)


def _hydra_message(exc: BaseException, overrides: Sequence[str], config_name: str,
                   schema: type) -> str:
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
            return f"unknown parameter {key!r}; " + (suggest(leaf, allowed) if allowed
                                                     else "check the name")
        if isinstance(e, ValidationError) and key:
            value = next((o.split("=", 1)[1] for o in overrides
                          if o.split("=", 1)[0].lstrip("+") == key), None)
            reason = str(e).splitlines()[0]
            try:
                wanted = type_phrase(schema_field(schema, str(key).split("."), str(key)))
            except ConfigError:
                wanted = "a value of the parameter's type"
            return f"{key}={value!r} is invalid ({reason}); allowed: {wanted}"
    msgs = [str(x).strip() for x in chain]
    return " / ".join(m.splitlines()[0] for m in msgs if m)
