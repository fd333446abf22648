"""A cache of single-run compositions, so that the command line composes a repeated command once.

Composing with Hydra (importing it, parsing the overrides, merging some forty YAML files) costs
about a second; a command line that was composed before is read back from a pickle instead. The
key is the SHA-256 of everything the composition depends on:

- the overrides and the user's config folders, as given;
- the contents of every YAML file of the project's config folder and of those folders;
- the source of the configuration package (``sim/config/*.py``: the schema and its defaults).

Only successful compositions are stored, so a hit needs no check of the overrides' names; the
values are checked by :func:`sim.engine.prepare.prepare` as always. ``hydra.run.dir`` is stored
unresolved and resolved at each hit (``${now:...}`` is the time of this run); the texts of the
run's ``.hydra/`` record are stored too, so that a hit imports neither Hydra nor OmegaConf (nor
runs PyYAML's emitter). The folder is ``$SAHEL_SIM_CACHE`` or ``~/.cache/sahel-sim``;
``SAHEL_SIM_CACHE=off`` turns the cache off. A damaged or unreadable entry is a miss.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pickle
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.config.folders import config_dir
from sim.config.paths import children

__all__ = ["cache_folder", "composition_key", "load", "resolve_run_dir", "store"]

_OFF = ("off", "0", "false", "no")
#: An interpolation with no other one inside it: ``${...}``.
_INTERPOLATION = re.compile(r"\$\{([^${}]*)\}")
#: ``now:FORMAT``: Hydra's clock, with a format OmegaConf reads as one plain string.
_NOW = re.compile(r"now:([\w.%-]*%[\w.%-]*)", re.ASCII)
#: A dotted path of the run config (``scenario.name``, ``seed``).
_KEY = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", re.ASCII)
#: Values an interpolation writes as ``str(value)``, as OmegaConf does.
_SCALARS = (str, bool, int, float, type(None))


def cache_folder() -> Path | None:
    """The cache's folder (None when ``SAHEL_SIM_CACHE`` turns it off)."""
    value = os.environ.get("SAHEL_SIM_CACHE", "")
    if value.lower() in _OFF:
        return None
    return Path(value) if value else Path.home() / ".cache" / "sahel-sim" / "compose"


def _digest_tree(h: Any, root: Path, pattern: str) -> None:
    for path in sorted(root.rglob(pattern)):
        if path.is_file():
            h.update(str(path.relative_to(root)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())


def _package_digest() -> bytes:
    """The digest of the configuration package's source (``sim/config/*.py``)."""
    h = hashlib.sha256()
    _digest_tree(h, Path(__file__).resolve().parent, "*.py")
    return h.digest()


#: The package's source as this process imported it (``sim.config`` imports this module with the
#: schema): a process whose schema was imported before its file changed keeps its own key, and
#: never stores its compositions under the key of the changed source.
_PACKAGE_DIGEST = _package_digest()


def composition_key(overrides: Sequence[str], config_dirs: Sequence[str | Path] = ()) -> str:
    """The key of a composition (module docstring); changes when anything it depends on does."""
    h = hashlib.sha256()
    h.update(json.dumps({"overrides": list(overrides),
                         "dirs": [str(Path(d).resolve()) for d in config_dirs]}).encode())
    for root in (config_dir(), *(Path(d) for d in config_dirs)):
        if root.is_dir():
            _digest_tree(h, root, "*.yaml")
    h.update(_PACKAGE_DIGEST)
    return h.hexdigest()[:32]


def load(key: str) -> tuple[Any, dict[str, Any]] | None:
    """The stored ``(config, hydra_run)`` of a key, or None (no entry, or one that cannot be
    read)."""
    folder = cache_folder()
    if folder is None:
        return None
    path = folder / f"{key}.pkl"
    try:
        with path.open("rb") as f:
            cfg, hydra_run = pickle.load(f)  # our own cache, written by store()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, ImportError,
            TypeError):
        return None
    return cfg, hydra_run


def store(key: str, cfg: Any, hydra_run: dict[str, Any]) -> None:
    """Store a composition (atomically: a partial file is never read); errors are ignored (the
    cache is an optimisation)."""
    folder = cache_folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            pickle.dump((cfg, hydra_run), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / f"{key}.pkl")
    except OSError:
        pass


def _config_value(cfg: Any, path: str) -> Any:
    """The value at a dotted ``path`` of the run config, or KeyError."""
    obj = cfg
    for key in path.split("."):
        if key not in children(obj):
            raise KeyError(path)
        obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
    return obj


def _interpolated(inner: str, cfg: Any, now: datetime.datetime) -> str | None:
    """What OmegaConf writes for ``${inner}`` in a string: ``now:FORMAT`` formats ``now``, a
    dotted path of the run config gives ``str(value)`` of a scalar; None for anything else."""
    clock = _NOW.fullmatch(inner)
    if clock is not None:
        return now.strftime(clock.group(1))
    if _KEY.fullmatch(inner) is None:
        return None
    try:
        value = _config_value(cfg, inner)
    except KeyError:
        return None
    if type(value) not in _SCALARS or (type(value) is str and ("${" in value or value == "???")):
        return None  # a container, an interpolation or a missing value: OmegaConf's call
    return str(value)


def _resolve_simple(template: Any, cfg: Any) -> str | None:
    """``template`` resolved without OmegaConf when it is text with ``${now:FORMAT}`` and
    ``${dotted.path}`` interpolations of scalar values only (:func:`_interpolated`); None for
    anything else (escapes, other resolvers, nested or unmatched interpolations, literal braces,
    a missing key), which OmegaConf resolves."""
    if not isinstance(template, str) or "\\" in template or template == "???":
        return None
    now = datetime.datetime.now()
    pieces, literals, end = [], [], 0
    for match in _INTERPOLATION.finditer(template):
        value = _interpolated(match.group(1), cfg, now)
        if value is None:
            return None
        literals.append(template[end:match.start()])
        pieces += [literals[-1], value]
        end = match.end()
    literals.append(template[end:])
    if any(c in literal for literal in literals for c in "${}"):
        return None
    return "".join([*pieces, literals[-1]])


def resolve_run_dir(template: str, cfg: Any) -> str:
    """``hydra.run.dir`` resolved now: ``${now:FORMAT}`` (the time of this run, as Hydra's own
    resolver) and interpolations of the run config (``${scenario.name}``, ``${seed}``).

    The usual templates are resolved directly (:func:`_resolve_simple`), others by OmegaConf,
    which takes a tenth of a second to import and as long again to make a node of the config.
    """
    simple = _resolve_simple(template, cfg)
    if simple is not None:
        return simple
    from omegaconf import OmegaConf

    from sim.config.hashing import to_plain

    if not OmegaConf.has_resolver("now"):
        OmegaConf.register_new_resolver(
            "now", lambda pattern: datetime.datetime.now().strftime(pattern), use_cache=True)
    node = OmegaConf.create({**to_plain(cfg), "_run_dir": template})
    return str(node._run_dir)
