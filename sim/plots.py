"""Run-level figures (PNG), each a function of the output tables and an optional Axes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["save_run_plots"]


def save_run_plots(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Placeholder replaced below."""
    return []
