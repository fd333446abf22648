"""OmegaConf's YAML loader on libyaml's parser: the same data, parsed in C.

Hydra reads every config file of a composition with ``OmegaConf.load``, which parses it with
PyYAML's pure-Python loader (``omegaconf._utils.get_yaml_loader``: ``yaml.SafeLoader``, a stricter
float resolver, no timestamps, ``pathlib`` constructors, an error on a duplicate key). The nine
files of a default composition took some 0.13 s of a new command's 0.8 s of composition so; the
C parser (PyYAML's ``CSafeLoader``, built on libyaml) takes about a tenth of that.

:func:`use_libyaml` makes ``get_yaml_loader`` return :func:`c_loader`'s class: libyaml's parser
with OmegaConf's loader otherwise (a subclass of both: the resolvers and constructors that turn
the parsed nodes into data, so the data are the same, and OmegaConf's own duplicate-key check).
Without libyaml (PyYAML built without it) nothing changes. The tests load every file of
``configs/`` both ways and compare.
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

    class OmegaConfCLoader(yaml.CSafeLoader, base):  # type: ignore[misc,valid-type]
        """libyaml's parser (``CParser`` comes first in the MRO: it reads and composes the
        nodes), OmegaConf's loader otherwise: its ``construct_mapping`` (a key given twice is an
        error) and its resolvers and constructors, named here so that nothing between them and
        this class (``CSafeLoader``'s own, if another library added any) stands before them."""

        yaml_implicit_resolvers = base.yaml_implicit_resolvers
        yaml_constructors = base.yaml_constructors
        yaml_multi_constructors = base.yaml_multi_constructors

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
