"""Provenance: what produced an output (package version, git commit, library versions, seed and
config hash). Every output of the project (run summaries, sweep manifests, validation reports)
takes it from :func:`provenance`.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["git_commit", "library_versions", "package_version", "provenance"]

#: Libraries whose versions a sweep manifest records.
LIBRARIES = ("sahel-sim", "mesa", "numpy", "pandas", "pyarrow", "SALib", "hydra-core")


@functools.cache
def git_commit() -> str | None:
    """The commit of the source tree the package runs from (None outside a git checkout)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


@functools.cache
def package_version(name: str = "sahel-sim") -> str:
    """The installed version of a distribution ("missing" when it is not installed; "unknown"
    for sahel-sim run from a source tree that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown" if name == "sahel-sim" else "missing"


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
