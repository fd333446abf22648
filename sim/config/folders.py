"""Where the project's Hydra configs live (below both the composition and its cache)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["config_dir"]


def config_dir() -> Path:
    """The Hydra config folder: packaged with a wheel (``sim/_configs``) or the repo's ``configs/``."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_configs", here.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError("sahel-sim's configs folder is missing from the installation")
