"""Import Mesa without its spaces until something uses them.

``import mesa`` imports its spaces (``mesa.discrete_space``, ``mesa.space`` and
``mesa.experimental.continuous_space``), which import scipy.spatial and networkx: about 0.45 s of
a command that runs a model in 0.3 s; and its batch runner (``mesa.batchrunner``: tqdm, asyncio,
multiprocessing), which the package's ``__init__`` imports ``batch_run`` from (the stand-in holds
a ``batch_run`` that imports the real module when called, :data:`FORWARDED`). The model uses
Mesa's ``Model``, ``Agent`` and event list, never a space nor the batch runner.
:func:`import_mesa` puts a stand-in module under each of those names before Mesa
is imported; the first attribute anyone reads from a stand-in imports the real module (and puts
it in its place), so code that does use Mesa's spaces (Mesa's own visualisation, a user's
notebook) gets them as usual, a little later. Only Mesa's package ``__init__`` modules import
these modules, and they only bind them to a name.

Mesa's modules also import pandas (``mesa.agent``, ``mesa.datacollection`` and Mesa's data
recorders), about 0.3 s, to build agents from a DataFrame or to collect data, which this model
never does. While Mesa is imported, a stand-in for pandas (:data:`DEFERRED_FOR_MESA`) is what
those modules bind to their ``pd``; the stand-in is removed from ``sys.modules`` as soon as Mesa's
import is over, so that every other ``import pandas`` gets the real one, and the first attribute
Mesa reads from its ``pd`` imports the real pandas too. A single run from the command line writes
its tables with pyarrow alone and never imports pandas.

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
from collections.abc import Callable
from typing import Any

__all__ = ["DEFERRED", "DEFERRED_FOR_MESA", "FORWARDED", "import_mesa"]

#: Mesa's modules imported only when first used, and their files below Mesa's package folder.
DEFERRED = {"mesa.batchrunner": "batchrunner.py",
            "mesa.discrete_space": "discrete_space/__init__.py",
            "mesa.space": "space.py",
            "mesa.experimental.continuous_space": "experimental/continuous_space/__init__.py"}
#: Names Mesa's package imports from a deferred module (``from mesa.batchrunner import
#: batch_run``): the stand-in holds a function that imports the real module when called.
#: ``mesa.batchrunner`` imports tqdm, asyncio and multiprocessing, some 0.1 s.
FORWARDED = {"mesa.batchrunner": ("batch_run",)}
#: Other packages stood in for while Mesa is imported only (the stand-ins Mesa's modules bound
#: stay there, and import the real package when first read).
DEFERRED_FOR_MESA = ("pandas",)


class _Deferred(types.ModuleType):
    """Stands in for a module of :data:`DEFERRED` or :data:`DEFERRED_FOR_MESA` until an attribute
    of it is read."""

    def __getattr__(self, attr: str) -> Any:
        if attr == "__path__" and not self.__dict__.get("is_package", True):
            # a module, not a package: ``from module import name`` asks for it first
            raise AttributeError(attr)
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


def _forward(module: str, attr: str) -> Callable[..., Any]:
    """A function that calls ``module.attr``, importing the real module on its first call."""

    def forwarded(*args: Any, **kwargs: Any) -> Any:
        return getattr(_load(module), attr)(*args, **kwargs)

    forwarded.__name__ = forwarded.__qualname__ = attr
    forwarded.__doc__ = f"``{module}.{attr}`` (imported when first called: sim.lazy_mesa)."
    return forwarded


def _stand_in(name: str, origin: str | None) -> _Deferred:
    """A stand-in module for ``name`` whose real module file is ``origin``."""
    stub = _Deferred(name)
    stub.__spec__ = ModuleSpec(name, None)
    stub.is_package = origin is None or Path(origin).name == "__init__.py"
    if origin is not None:  # inspect.getmodule reads every module's __file__
        stub.__file__ = origin
    for attr in FORWARDED.get(name, ()):
        setattr(stub, attr, _forward(name, attr))
    return stub


def import_mesa() -> types.ModuleType:
    """``import mesa``, with the modules of :data:`DEFERRED` deferred and the packages of
    :data:`DEFERRED_FOR_MESA` stood in for during the import, if Mesa was not imported yet."""
    if "mesa" in sys.modules:
        import mesa

        return mesa
    spec = importlib.util.find_spec("mesa")  # finds the package without importing it
    root = Path(spec.origin).parent if spec is not None and spec.origin else None
    for name, file in DEFERRED.items():
        if name not in sys.modules:
            sys.modules[name] = _stand_in(name, str(root / file) if root is not None else None)
    during = [name for name in DEFERRED_FOR_MESA if name not in sys.modules]
    for name in during:
        found = importlib.util.find_spec(name)
        sys.modules[name] = _stand_in(name, found.origin if found is not None else None)
    try:
        import mesa
    finally:  # only Mesa's own modules hold these stand-ins
        for name in during:
            if isinstance(sys.modules.get(name), _Deferred):
                del sys.modules[name]
    return mesa
