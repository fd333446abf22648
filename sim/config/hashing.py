"""A run configuration as plain data, and its hash (part of every output's provenance)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from typing import Any

__all__ = ["config_hash", "config_hashes", "plain_for_hash", "to_plain"]


def to_plain(cfg: Any) -> dict[str, Any]:
    """The config as plain Python data (JSON-able)."""
    return dataclasses.asdict(cfg)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def plain_for_hash(obj: Any) -> Any:
    """What :func:`to_plain` (``dataclasses.asdict``) makes of ``obj``, as far as the JSON text
    of :func:`config_hash` can tell: dataclasses become dicts, lists, tuples and dicts are
    rebuilt, other values are kept (asdict copies them; the JSON is the same)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {name: plain_for_hash(getattr(obj, name)) for name in _field_names(type(obj))}
    if isinstance(obj, (list, tuple)):
        return [plain_for_hash(v) for v in obj]
    if isinstance(obj, dict):
        return {k: plain_for_hash(v) for k, v in obj.items()}
    return obj


def config_hash(cfg: Any) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of the config, seed included: the
    JSON of :func:`to_plain`, built without its deep copies."""
    text = json.dumps(plain_for_hash(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config_hashes(cfg: Any, seeds: list[int]) -> list[str]:
    """:func:`config_hash` of ``cfg`` with each of ``seeds`` (the worlds of a batch), from one
    JSON text: the config is serialised once, then each seed is put in its place."""
    plain = plain_for_hash(cfg)
    plain["seed"] = "\x00seed\x00"
    text = json.dumps(plain, sort_keys=True, default=str)
    head, sep, tail = text.partition('"\\u0000seed\\u0000"')
    if not sep:  # cannot happen: the placeholder is in the text
        return [config_hash(dataclasses.replace(cfg, seed=s)) for s in seeds]
    return [hashlib.sha256(f"{head}{int(s)}{tail}".encode()).hexdigest()[:16] for s in seeds]
