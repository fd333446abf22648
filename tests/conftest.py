"""The suite's header names the CPU features numpy's arithmetic runs with, and the ``dispatch``
marker (tests/engine/test_dispatch_levels.py: the bit-identity tests again at lower SIMD dispatch
levels; deselect them with ``-m "not dispatch"``).

The tests live in folders that mirror the package ``sim/`` (tests/engine/, tests/processes/, ...)
and share the helpers at tests/ (paths.py, golden.py, dispatch.py, worlds.py, engine_reference.py,
bad_inputs.py), which they import as top-level modules: this root conftest puts tests/ on
``sys.path`` (and the repository, for ``from tests.<folder>.test_x import ...``). There is no
``__init__.py`` under tests/, so pytest imports each test file by its basename: basenames must
stay unique across the folders."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for _path in (str(TESTS.parent), str(TESTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "dispatch: reruns the bit-identity tests in subprocesses at lower numpy SIMD "
                   "dispatch levels (NPY_DISABLE_CPU_FEATURES); deselect with -m 'not dispatch'")


def pytest_report_header(config):
    from dispatch import ENV, cpu_features, describe

    f = cpu_features()
    lines = [f"numpy {f['numpy']}: {describe(f)} (of {' '.join(f['dispatch']) or 'none'})"]
    if f["disabled_env"] is not None:
        # numpy ignores, with a hidden ImportWarning, a name that is not one of its targets
        ignored = [t for t in f["disabled_env"].replace(",", " ").split()
                   if t not in f["dispatch"]]
        lines.append(f"{ENV}={f['disabled_env']!r}"
                     + (f" (numpy ignored {' '.join(ignored)})" if ignored else ""))
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The same lines at the end of the run, which ``-q`` (the README's command) shows too."""
    for line in pytest_report_header(config):
        terminalreporter.write_line(f"CPU features in force: {line}")
