"""Provenance: what produced an output (package version, git commit, library versions, seed and
config hash). Every output of the project (run summaries, sweep manifests, validation reports)
takes it from :func:`provenance`.
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

__all__ = ["git_commit", "library_versions", "package_version", "provenance"]

#: Libraries whose versions a sweep manifest records.
LIBRARIES = ("sahel-sim", "mesa", "numpy", "numba", "pandas", "pyarrow", "SALib", "hydra-core")
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
    is ``sim.__version__``, the source of its installed version (read without importing
    ``importlib.metadata``, which a single run's command would otherwise import for it alone)."""
    if name == "sahel-sim":
        import sim

        return sim.__version__
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


def library_versions() -> dict[str, str]:
    """Python's version and those of :data:`LIBRARIES`."""
    return {"python": platform.python_version(), **{p: package_version(p) for p in LIBRARIES}}


def provenance(cfg: Any = None, *, libraries: bool = False) -> dict[str, Any]:
    """Version and git commit; with a run config, also its seed and config hash; with
    ``libraries``, the versions of the libraries too.

    Args:
        cfg: a :class:`sim.config.RunConfig` (or None for outputs that are not one run's).
        libraries: add ``versions`` (see :func:`library_versions`).
    """
    out: dict[str, Any] = {}
    if cfg is not None:
        from sim.config.hashing import config_hash

        out.update(seed=cfg.seed, config_hash=config_hash(cfg))
    out.update(version=package_version(), git_commit=git_commit())
    if libraries:
        out["versions"] = library_versions()
    return out
