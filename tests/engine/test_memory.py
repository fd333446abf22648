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


# --------------------------------------------------------------------------- freed memory kept

#: A process that takes and frees a 48 MiB array three times (the size of a batch recorder's
#: largest array), with or without keep_freed_memory first, and prints the page faults of the
#: second and third times (the first takes its pages from the kernel either way).
_REUSE = ("import resource, sys\n"
          "import numpy as np\n"
          "from sim.engine.memory import keep_freed_memory, small_pages\n"
          "small_pages()\n"
          "kept = keep_freed_memory() if sys.argv[1] == 'keep' else None\n"
          "faults = []\n"
          "for _ in range(3):\n"
          "    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
          "    a = np.ones(6 << 20)\n"
          "    del a\n"
          "    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
          "print(kept, faults[1] + faults[2])\n")


def _reuse(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", _REUSE, mode], capture_output=True, text=True,
                          check=True)
    kept, faults = done.stdout.split()
    return kept, int(faults)


def test_keep_freed_memory_reuses_what_a_process_freed() -> None:
    """glibc: without it each new 48 MiB array is pages of its own, faulted in afresh (some
    12,000 each time); with it the heap keeps them, and the next array reuses them."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mallopt is glibc's")
    kept, faults_kept = _reuse("keep")
    none, faults_default = _reuse("default")
    assert kept == "True" and none == "None"
    assert faults_default > 10_000  # 2 x 12,288 pages, less what the kernel shares
    assert faults_kept < 1_000


def _worker_reuse(_: object = None) -> int:
    """In a sweep's worker: the page faults of a 48 MiB array taken after one was freed (in
    small pages, as the commands have them: a huge page would be one fault)."""
    import resource

    import numpy as np

    memory.small_pages()

    a = np.ones(6 << 20)
    del a
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(6 << 20)
    del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_sweeps_workers_keep_the_memory_they_free(method: str) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("mallopt is glibc's")
    from sim.sweep.executors import LocalExecutor

    with LocalExecutor(n_workers=1, start_method=method) as ex:
        faults = ex.outcome(ex.start(_worker_reuse, None))
    assert faults < 1_000


def _frozen_and_pid(_: object = None) -> tuple[int, int]:
    import gc
    import time

    time.sleep(0.2)  # the other worker takes the next job
    return gc.get_freeze_count(), os.getpid()


def test_forked_workers_never_collect_what_they_inherit() -> None:
    """With fork, every worker freezes the objects it inherited from the sweep's process before
    its first job (its collections leave the pages they share alone); the sweep's process keeps
    its own collections as they were."""
    import gc

    from sim.sweep.executors import LocalExecutor

    before = gc.get_freeze_count()  # (what the interpreter froze itself)
    with LocalExecutor(n_workers=2, start_method="fork") as ex:
        jobs = [ex.start(_frozen_and_pid, None) for _ in range(2)]
        got = [ex.outcome(j) for j in jobs]
    assert gc.get_freeze_count() == before
    assert len({pid for _, pid in got}) == 2  # both workers answered
    assert all(frozen > before + 10_000 for frozen, _ in got)
