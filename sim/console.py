"""The console scripts (``[project.scripts]`` in pyproject.toml): each command's ``main``, then a
quick exit.

When a command is done, Python would free every object and module it holds, one by one, before
the process ends: 0.13-0.15 s after a single run and about 0.4 s after a 512-run sweep on the
machine of docs/performance.md, some 5% of either command, for memory the operating system takes
back at once anyway. :func:`quick_exit` does what that shutdown does that anyone can see (waits
for the threads that are not daemons and runs their exit hooks, runs the ``atexit`` handlers:
logging's, multiprocessing's, ..., flushes standard output and error) and then ends the process
without the teardown. Every file the commands write is closed when written (``with`` blocks),
never left to the teardown.

A command that fails with an uncaught exception ends as Python ends it (traceback, status 1).
In-process callers (tests, notebooks) call the modules' ``main`` functions, which return.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

__all__ = ["calibrate", "quick_exit", "report", "rerun", "sahel_sim", "sweep", "validate"]


def exit_code(code: object) -> int:
    """The process status of ``SystemExit(code)``, as Python gives it: None 0, an int itself,
    anything else 1 (after printing it to standard error, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def quick_exit(code: int = 0) -> NoReturn:
    """End the process with status ``code`` after the visible part of Python's shutdown (the
    threads joined and their exit hooks run, the ``atexit`` handlers run, standard output and
    error flushed), without freeing its objects and modules one by one. Where this Python lacks
    the hooks (not CPython), an ordinary ``sys.exit``."""
    shutdown = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_exit_handlers is None:
        sys.exit(code)
    shutdown()  # joins the threads that are not daemons; runs threading's exit hooks
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`), a closed stream
            pass
    os._exit(code)


def _script(module: str) -> NoReturn:
    """Run ``module``'s ``main`` (it reads ``sys.argv``), then :func:`quick_exit` with its
    status."""
    try:
        importlib.import_module(module).main()
    except SystemExit as exc:
        quick_exit(exit_code(exc.code))
    quick_exit(0)


def _entry(name: str, module: str) -> Callable[[], NoReturn]:
    """The console script ``name``: :func:`_script` of ``module`` (kept as ``.module``)."""

    def entry() -> NoReturn:
        _script(module)

    entry.__name__ = entry.__qualname__ = name.removeprefix("sahel-sim-").replace("-", "_")
    entry.__doc__ = f"``{name}``: :func:`{module}.main`, then :func:`quick_exit`."
    entry.module = module  # type: ignore[attr-defined]
    return entry


sahel_sim = _entry("sahel-sim", "sim.cli")
sweep = _entry("sahel-sim-sweep", "sim.sweep.cli")
calibrate = _entry("sahel-sim-calibrate", "sim.calibrate.command")
validate = _entry("sahel-sim-validate", "sim.validate.command")
rerun = _entry("sahel-sim-rerun", "sim.sweep.rerun")
report = _entry("sahel-sim-report", "sim.analysis.report")
