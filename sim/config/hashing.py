"""A run configuration as plain data, and its hash (part of every output's provenance).

The hash is that of the config's canonical JSON: ``json.dumps(to_plain(cfg), sort_keys=True,
default=str)``. That text is built here without :func:`to_plain`'s deep copies, and without a
Python walk of the config: the JSON encoder (C) walks the lists and dicts itself and asks
:func:`_plain` only for the dataclasses (and for the values JSON does not know, shown with
``str``, as ``default=str`` does).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["ConfigText", "config_hash", "config_hashes", "config_text", "dumps", "field_names",
           "to_plain"]


def to_plain(cfg: Any) -> dict[str, Any]:
    """The config as plain Python data (JSON-able)."""
    return dataclasses.asdict(cfg)


@functools.cache
def field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass ``cls`` (None: ``cls`` is not a dataclass), found once
    per class."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls))


def _plain(obj: Any) -> Any:
    """What the JSON of :func:`to_plain` shows for a value JSON does not know: a dataclass
    instance's fields (as ``dataclasses.asdict``), anything else as ``str`` (``default=str``)."""
    names = None if isinstance(obj, type) else field_names(type(obj))
    if names is None:
        return str(obj)
    return {name: getattr(obj, name) for name in names}


def dumps(obj: Any) -> str:
    """The canonical JSON of ``obj`` (dataclasses as dicts of their fields, keys sorted, values
    JSON does not know as ``str``): ``json.dumps(to_plain(obj), sort_keys=True, default=str)``
    for a dataclass ``obj``."""
    return json.dumps(obj, sort_keys=True, default=_plain)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class ConfigText:
    """A config's canonical JSON (:func:`dumps`) cut around the value of its seed: the text
    with seed ``s`` is ``head + dumps(s) + tail``."""

    head: str
    tail: str

    def hash(self, seed: Any) -> str:
        """:func:`config_hash` of the config with ``seed`` as its seed."""
        return _digest(f"{self.head}{dumps(seed)}{self.tail}")


def config_text(cfg: Any, texts: dict[int, str] | None = None) -> ConfigText:
    """The canonical JSON of ``cfg`` (a dataclass with a ``seed`` field), serialised once, cut
    around its seed's value: a JSON object's text is ``{"key": value, ...}`` (keys sorted,
    default separators), built here field by field.

    ``texts``: the JSON of each field's value by the value's ``id``, read and added to, so that
    configs that share sections (a run and its twin) serialise each once; the values must stay
    alive and unchanged while the dict is in use."""
    texts = {} if texts is None else texts
    parts = {name: _text(value, texts) for name, value in _plain(cfg).items() if name != "seed"}
    items = [f"{json.dumps(k)}: {v}" for k, v in sorted(parts.items())]
    at = sum(1 for k in parts if k < "seed")
    return ConfigText(head="{" + "".join(f"{s}, " for s in items[:at]) + '"seed": ',
                      tail="".join(f", {s}" for s in items[at:]) + "}")


def _text(value: Any, texts: dict[int, str], depth: int = 1) -> str:
    """:func:`dumps` of ``value``, by its ``id`` in ``texts``; a section that is a dataclass
    (``depth`` 1) has its text made of its fields' texts (each by its ``id`` too), as the
    encoder writes a dict with sorted keys, so that configs whose sections are copies sharing
    most of their fields (a sampled world's copied ``world`` with its shared regions and
    snapshots) serialise each shared field once."""
    text = texts.get(id(value))
    if text is None:
        names = None if depth < 1 or isinstance(value, type) else field_names(type(value))
        if names:
            inner = sorted((name, _text(getattr(value, name), texts, depth - 1))
                           for name in names)
            text = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in inner) + "}"
        else:
            text = dumps(value)
        texts[id(value)] = text
    return text


def config_hash(cfg: Any) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of the config, seed included: the
    JSON of :func:`to_plain` (:func:`dumps`)."""
    return _digest(dumps(cfg))


def config_hashes(cfg: Any, seeds: Iterable[int]) -> list[str]:
    """:func:`config_hash` of ``cfg`` with each of ``seeds`` (the worlds of a batch), from one
    JSON text (:func:`config_text`): the config is serialised once."""
    text = config_text(cfg)
    return [text.hash(int(s)) for s in seeds]
