"""OmegaConf's YAML loader on libyaml's parser: the same data, parsed in C.

Hydra reads every config file of a composition with ``OmegaConf.load``, which parses it with
PyYAML's pure-Python loader (``omegaconf._utils.get_yaml_loader``: ``yaml.SafeLoader``, a stricter
float resolver, no timestamps, ``pathlib`` constructors, an error on a duplicate key). The nine
files of a default composition took some 0.13 s of a new command's 0.8 s of composition so; the
C parser (PyYAML's ``CSafeLoader``, built on libyaml) takes about a tenth of that.

:func:`use_libyaml` makes ``get_yaml_loader`` return :func:`c_loader`'s class: libyaml's parser
with OmegaConf's resolvers and constructors (the Python parts that turn the parsed nodes into
data, so the data are the same) and the same duplicate-key error. Without libyaml (PyYAML built
without it) nothing changes. The tests load every file of ``configs/`` both ways and compare.
"""

from __future__ import annotations

from typing import Any

__all__ = ["c_loader", "use_libyaml"]

#: OmegaConf's own ``get_yaml_loader``, kept when :func:`use_libyaml` replaces it.
_ORIGINAL: Any = None
#: The loader class, made once (OmegaConf makes a new class at every call).
_C_LOADER: Any = None


def c_loader() -> Any:
    """The loader class ``OmegaConfCLoader`` (made on the first call), or None without
    libyaml."""
    global _C_LOADER
    if _C_LOADER is not None:
        return _C_LOADER
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    from omegaconf import _utils

    base = (_ORIGINAL or _utils.get_yaml_loader)()

    class OmegaConfCLoader(yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's parser, OmegaConf's loader otherwise (its resolvers and constructors)."""

        yaml_implicit_resolvers = base.yaml_implicit_resolvers
        yaml_constructors = base.yaml_constructors
        yaml_multi_constructors = base.yaml_multi_constructors

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            """OmegaConf's check (a key given twice is an error, with its message), then the
            safe constructor's mapping."""
            keys = set()
            for key_node, _ in node.value:
                if key_node.tag != yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG:
                    continue
                if key_node.value in keys:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key_node.value}", key_node.start_mark)
                keys.add(key_node.value)
            return yaml.constructor.SafeConstructor.construct_mapping(self, node, deep=deep)

    _C_LOADER = OmegaConfCLoader
    return _C_LOADER


def use_libyaml() -> bool:
    """Make OmegaConf (and so Hydra) parse YAML with :func:`c_loader`'s class; idempotent.
    Returns whether it does (False without libyaml)."""
    global _ORIGINAL
    from omegaconf import _utils

    if _ORIGINAL is not None:
        return True
    loader = c_loader()
    if loader is None:
        return False
    _ORIGINAL = _utils.get_yaml_loader
    _utils.get_yaml_loader = lambda: loader
    return True
