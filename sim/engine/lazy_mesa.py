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

Mesa's import also reads the call stack twice (``mesa.mesa_logging``: ``inspect.stack()`` and
``inspect.getmodule`` of its caller's frame to name ``mesa.model``'s logger,
``inspect.getouterframes`` in ``method_logger`` for the name of the class it decorates). Both
read the source lines of every frame, and ``getmodule`` walks every module loaded, about 0.1 s
of a 1 s command. During Mesa's import :func:`import_mesa` puts in their place
(:data:`LIGHT_INSPECT`) readers of the frames alone: the same frames, file names and function
names, without source lines, and a frame's module from its globals' ``__name__``; so the logger
and the class get the names they would have got. The command line also calls :func:`import_mesa`
from a short stack, before a run.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
import types
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

__all__ = ["DEFERRED", "DEFERRED_FOR_MESA", "FORWARDED", "LIGHT_INSPECT", "import_mesa"]

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


def _frames(frame: types.FrameType | None) -> list[inspect.FrameInfo]:
    """``frame`` and its callers, outward, as :class:`inspect.FrameInfo` without source lines
    (the frame, its code's file name, the line and the function's name)."""
    out = []
    while frame is not None:
        out.append(inspect.FrameInfo(frame, frame.f_code.co_filename, frame.f_lineno,
                                     frame.f_code.co_name, None, None))
        frame = frame.f_back
    return out


def _light_stack(context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.stack()`` of the caller without source lines (:func:`_frames`)."""
    return _frames(sys._getframe(1))


def _light_outer(frame: types.FrameType, context: int = 1) -> list[inspect.FrameInfo]:
    """``inspect.getouterframes(frame)`` without source lines (:func:`_frames`)."""
    return _frames(frame)


_GETMODULE = inspect.getmodule


def _light_getmodule(obj: object, _filename: str | None = None) -> types.ModuleType | None:
    """``inspect.getmodule``, a frame's module found by its globals' ``__name__`` (a module
    being imported is in ``sys.modules`` already) rather than by every loaded module's file."""
    if inspect.isframe(obj):
        module = sys.modules.get(obj.f_globals.get("__name__", ""))
        if module is not None:
            return module
    return _GETMODULE(obj, _filename)


#: What :func:`import_mesa` puts in :mod:`inspect` while Mesa is imported (module docstring).
LIGHT_INSPECT = {"stack": _light_stack, "getouterframes": _light_outer,
                 "getmodule": _light_getmodule}


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
    forwarded.__doc__ = f"``{module}.{attr}`` (imported when first called: sim.engine.lazy_mesa)."
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
    saved = {name: getattr(inspect, name) for name in LIGHT_INSPECT}
    try:
        for name, light in LIGHT_INSPECT.items():
            setattr(inspect, name, light)
        import mesa
    finally:  # only Mesa's own modules hold these stand-ins; inspect is itself again
        for name, original in saved.items():
            setattr(inspect, name, original)
        for name in during:
            if isinstance(sys.modules.get(name), _Deferred):
                del sys.modules[name]
    return mesa
