"""Import Mesa without its spaces until something uses them.

``import mesa`` imports its spaces (``mesa.discrete_space``, ``mesa.space`` and
``mesa.experimental.continuous_space``), which import scipy.spatial and networkx: about 0.45 s of
a command that runs a model in 0.3 s. The model uses Mesa's ``Model``, ``Agent`` and event list,
never a space. :func:`import_mesa` puts a stand-in module under each of those names before Mesa
is imported; the first attribute anyone reads from a stand-in imports the real module (and puts
it in its place), so code that does use Mesa's spaces (Mesa's own visualisation, a user's
notebook) gets them as usual, a little later. Only Mesa's package ``__init__`` modules import
these modules, and they only bind them to a name.

Mesa's import also reads the call stack twice (``mesa.mesa_logging``: ``inspect.stack()`` to name
a logger, ``inspect.getouterframes`` in ``method_logger``), at a cost that grows with the depth of
the stack: the command line calls :func:`import_mesa` from a short one before a run (some 0.05 s
sooner than from inside the model's imports).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

__all__ = ["DEFERRED", "import_mesa"]

#: Mesa's modules imported only when first used, and their files below Mesa's package folder.
DEFERRED = {"mesa.discrete_space": "discrete_space/__init__.py",
            "mesa.space": "space.py",
            "mesa.experimental.continuous_space": "experimental/continuous_space/__init__.py"}


class _Deferred(types.ModuleType):
    """Stands in for one of :data:`DEFERRED` until an attribute of it is read."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(_load(self.__name__), attr)


def _load(name: str) -> types.ModuleType:
    """Import the real module ``name`` in place of its stand-in (once)."""
    if isinstance(sys.modules.get(name), _Deferred):
        del sys.modules[name]
    real = importlib.import_module(name)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, real)
    return real


def import_mesa() -> types.ModuleType:
    """``import mesa``, with the modules of :data:`DEFERRED` deferred if Mesa was not imported
    yet."""
    if "mesa" not in sys.modules:
        spec = importlib.util.find_spec("mesa")  # finds the package without importing it
        root = Path(spec.origin).parent if spec is not None and spec.origin else None
        for name, file in DEFERRED.items():
            if name in sys.modules:
                continue
            stub = _Deferred(name)
            stub.__spec__ = ModuleSpec(name, None)
            if root is not None:  # inspect.getmodule reads every module's __file__
                stub.__file__ = str(root / file)
            sys.modules[name] = stub
    import mesa

    return mesa
