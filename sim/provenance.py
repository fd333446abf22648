"""Provenance: what produced an output (package version, git commit, seed and config hash; for a
sweep's manifest also the library versions and the CPU features numpy dispatches for). Every
output of the project (run summaries, sweep manifests, validation reports) takes it from
:func:`provenance`.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["cpu_features", "git_commit", "library_versions", "package_version", "provenance"]

#: Libraries whose versions a sweep manifest records.
LIBRARIES = ("sahel-sim", "mesa", "numpy", "numba", "pandas", "pyarrow", "SALib", "hydra-core")
#: Environment variables with which numpy narrows the SIMD targets it dispatches to.
_NPY_CPU_VARIABLES = ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")
#: A commit id (SHA-1 or SHA-256).
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: ``GIT_*`` environment variables that do not change what ``git rev-parse HEAD`` reads (any
#: other one, such as ``GIT_DIR``, leaves the answer to git).
_GIT_HARMLESS = ("GIT_SSL_", "GIT_HTTP_", "GIT_PROXY_", "GIT_SSH", "GIT_AUTHOR_",
                 "GIT_COMMITTER_", "GIT_ASKPASS", "GIT_TERMINAL_PROMPT", "GIT_EDITOR", "GIT_PAGER")


def _read_ref(git: Path, ref: str) -> str | None:
    """The commit a branch ref (``refs/heads/main``) names: its loose file, else its line in
    ``packed-refs``; None when it is neither (or not a commit id)."""
    loose = git / ref
    if loose.is_file():
        commit = loose.read_text().strip()
    else:
        packed = git / "packed-refs"
        lines = packed.read_text().splitlines() if packed.is_file() else []
        commit = next((line.split(" ", 1)[0] for line in lines if line.endswith(" " + ref)), "")
    return commit if _COMMIT.fullmatch(commit) else None


def _read_head(root: Path) -> str | None:
    """``git rev-parse HEAD`` read from the files of ``root/.git``, without running git, where
    that gives git's answer: a ``.git`` folder owned by this user (git refuses others' without
    ``safe.directory``) with no repository extensions (reftable refs, ...), no ``GIT_*``
    variable that changes what git reads, git installed, and HEAD a commit id or a branch whose
    ref is a loose file or a line of ``packed-refs``. None otherwise (git is asked)."""
    git = root / ".git"
    if not hasattr(os, "geteuid"):  # no owners to compare (Windows): git's own check decides
        return None
    try:
        if (not git.is_dir()
                or any(name.startswith("GIT_") and not name.startswith(_GIT_HARMLESS)
                       for name in os.environ)
                or shutil.which("git") is None
                or {root.stat().st_uid, git.stat().st_uid} != {os.geteuid()}
                or "extensions" in (git / "config").read_text().lower()):
            return None
        head = (git / "HEAD").read_text().strip()
        if _COMMIT.fullmatch(head):
            return head
        ref = head.removeprefix("ref: ")
        if ref == head or not ref.startswith("refs/") or ".." in ref:
            return None
        return _read_ref(git, ref)
    except (OSError, UnicodeDecodeError):
        return None


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree the package runs from (None outside a git checkout), read
    from ``.git`` (:func:`_read_head`) or else asked of git."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    commit = _read_head(root)
    if commit is not None:
        return commit
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@functools.cache
def package_version(name: str = "sahel-sim") -> str:
    """The installed version of a distribution ("missing" when it is not installed); sahel-sim's
    is ``sim.version.__version__``, the source of its installed version (read without importing
    ``importlib.metadata``, which a single run's command would otherwise import for it alone)."""
    if name == "sahel-sim":
        from sim.version import __version__

        return __version__
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def library_versions() -> dict[str, str]:
    """Python's version and those of :data:`LIBRARIES`."""
    return {"python": platform.python_version(), **{p: package_version(p) for p in LIBRARIES}}


@functools.cache
def _cpu_features() -> tuple[tuple[str, Any], ...]:
    try:  # numpy >= 2 (the project's); numpy 1.x kept the module under numpy.core
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # pragma: no cover
        from numpy.core import _multiarray_umath as umath
    flags = getattr(umath, "__cpu_features__", {})
    dispatch = tuple(getattr(umath, "__cpu_dispatch__", ()))
    return (("machine", platform.machine()),
            ("baseline", tuple(getattr(umath, "__cpu_baseline__", ()))),
            ("dispatch", dispatch),
            ("enabled", tuple(t for t in dispatch if flags.get(t))),
            *((name.lower(), os.environ.get(name)) for name in _NPY_CPU_VARIABLES))


def cpu_features() -> dict[str, Any]:
    """The CPU numpy picks its SIMD kernels for (JSON-able; read once per process).

    Keys: ``machine`` (``platform.machine()``), ``baseline`` (the features numpy was compiled to
    require, e.g. ``["X86_V2"]``), ``dispatch`` (the higher targets numpy was compiled for, e.g.
    ``["X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR"]``), ``enabled`` (those of them numpy
    enabled at runtime on this CPU, in the same order: all four on an AVX-512 machine) and
    ``npy_disable_cpu_features`` / ``npy_enable_cpu_features`` (the environment variables that
    narrow the dispatch, None when unset). numpy reads those variables when it is imported, so
    ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"`` makes numpy on an AVX-512
    machine report (and pick) an AVX2 machine's kernels. numpy names each target on its own:
    disabling ``X86_V4`` alone leaves ``AVX512_ICL`` and ``AVX512_SPR`` reported as enabled.
    (tests/dispatch.py names the same lists ``baseline``, ``dispatch`` and ``enabled``.) BLAS
    (OpenBLAS picks its own kernels) and Numba (which compiles for this CPU) are not described.
    Imports numpy's compiled core if it is not imported yet.
    """
    return {k: list(v) if isinstance(v, tuple) else v for k, v in _cpu_features()}


def provenance(cfg: Any = None, *, libraries: bool = False) -> dict[str, Any]:
    """Version and git commit; with a run config, also its seed and config hash; with
    ``libraries``, the environment too: the libraries' versions and the CPU features.

    The environment is a sweep's (its manifest's), not each run's: a run's summary becomes a
    row of a sweep and a golden fingerprint, which hold results, not the machine they ran on.

    Args:
        cfg: a :class:`sim.config.RunConfig` (or None for outputs that are not one run's).
        libraries: add ``versions`` (see :func:`library_versions`) and ``cpu`` (see
            :func:`cpu_features`).
    """
    out: dict[str, Any] = {}
    if cfg is not None:
        from sim.config.hashing import config_hash

        out.update(seed=cfg.seed, config_hash=config_hash(cfg))
    out.update(version=package_version(), git_commit=git_commit())
    if libraries:
        out["versions"] = library_versions()
        out["cpu"] = cpu_features()
    return out
