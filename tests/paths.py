"""Where the suite's files are, for tests in any folder of tests/ (``from paths import ROOT``).

tests/ mirrors the package ``sim/`` (tests/engine/ for sim/engine/, ...), so a test cannot
count ``.parent`` from its own ``__file__``; it takes these instead. tests/conftest.py puts
tests/ on ``sys.path``, so the helpers here (``paths``, ``golden``, ``dispatch``, ``worlds``,
``engine_reference``, ``bad_inputs``) import as top-level modules from every folder.
"""

from __future__ import annotations

from pathlib import Path

#: tests/, where the shared helpers and conftest.py are.
TESTS = Path(__file__).resolve().parent
#: The repository (pyproject.toml, sim/, docs/, configs/, experiments/).
ROOT = TESTS.parent
#: tests/data/: recorded reference numbers.
DATA = TESTS / "data"
