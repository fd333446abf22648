"""sim.engine.memory: the commands' numpy arrays without transparent huge pages, unless the user
chose; the numbers of a run the same either way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sim.engine import memory

_PROBE = ("import os, sys\n"
          "from sim.engine.memory import small_pages\n"
          "changed = small_pages()\n"
          "from numpy._core.multiarray import _get_madvise_hugepage\n"
          "print(changed, os.environ.get('NUMPY_MADVISE_HUGEPAGE'), _get_madvise_hugepage())\n")


def _probe(env_value: str | None, numpy_first: bool) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != memory.ENV}
    if env_value is not None:
        env[memory.ENV] = env_value
    code = ("import numpy\n" if numpy_first else "") + _PROBE
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


@pytest.mark.parametrize("numpy_first", [False, True])
def test_small_pages_turns_numpy_huge_pages_off(numpy_first: bool) -> None:
    """Before numpy is imported (numpy reads the variable) and after (numpy's switch): off, and
    set for the processes started from this one."""
    if sys.platform != "linux":
        pytest.skip("numpy asks for huge pages on Linux only")
    assert _probe(None, numpy_first) == ["True", "0", "False"]


@pytest.mark.parametrize("value, expected", [("1", "True"), ("0", "False")])
def test_a_users_choice_is_kept(value: str, expected: str) -> None:
    if sys.platform != "linux":
        pytest.skip("numpy asks for huge pages on Linux only")
    assert _probe(value, numpy_first=False) == ["False", value, expected]


def test_children_inherit_it(tmp_path) -> None:
    """A spawned worker (or any subprocess) reads the variable the command set."""
    env = {k: v for k, v in os.environ.items() if k != memory.ENV}
    code = ("from sim.engine.memory import small_pages\n"
            "import subprocess, sys\n"
            "small_pages()\n"
            "print(subprocess.run([sys.executable, '-c', 'import os; "
            "print(os.environ[\"NUMPY_MADVISE_HUGEPAGE\"])'], capture_output=True, text=True)"
            ".stdout.strip())\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["0"]


@pytest.mark.parametrize("module", ["sim.cli", "sim.sweep.cli", "sim.calibrate.command",
                                    "sim.validate.command", "sim.sweep.rerun"])
def test_the_simulating_commands_call_it_first(module: str, monkeypatch, capsys) -> None:
    """Each command that simulates asks for small pages before anything else: even its
    ``--help`` (which returns or exits right after reading the arguments) has asked."""
    import importlib

    calls = []
    monkeypatch.setattr(memory, "small_pages", lambda: calls.append(True) or True)
    monkeypatch.setattr(sys, "argv", [module, "--help"])
    try:
        importlib.import_module(module).main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    assert calls == [True]
    assert capsys.readouterr().out  # the help was printed: the command ran
