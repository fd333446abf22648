"""Run folders: the Parquet tables, summary.json, the resolved config and the plots."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import RunResult

__all__ = ["write_run", "read_run", "format_summary"]


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def write_run(result: RunResult, folder: Path, plots: bool = True) -> Path:
    """Write a run into ``folder``: ``<table>.parquet`` for every table, ``summary.json``,
    ``config.yaml`` (the resolved config) and, if ``plots``, the run's PNG figures."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from omegaconf import OmegaConf

    from sim.api import to_plain

    folder.mkdir(parents=True, exist_ok=True)
    for name, df in result.tables.items():
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
    (folder / "summary.json").write_text(json.dumps(_json_safe(result.summary), indent=2,
                                                    sort_keys=False) + "\n")
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(to_plain(result.config))))
    if plots:
        from sim.plots import save_run_plots

        save_run_plots(result.tables, folder)
    return folder


def read_run(folder: str | Path) -> dict[str, Any]:
    """Read a run folder back: ``{"tables": {...}, "summary": {...}}``."""
    import pandas as pd

    folder = Path(folder)
    tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    return {"tables": tables, "summary": json.loads((folder / "summary.json").read_text())}


def _usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    for unit, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"USD {x / div:,.2f}{unit}"
    return f"USD {x:,.0f}"


def format_summary(summary: dict[str, Any]) -> str:
    """A short human summary of a run (printed by the CLI)."""
    r, w = summary["russia"], summary["west"]
    idx = summary["cheap_win_index"]
    lines = [
        f"sahel-sim  scenario={summary['scenario']}  seed={summary['seed']}  "
        f"{summary['start']}..{summary['end']}",
        f"verdict: {summary['verdict']}  (win={'yes' if summary['win'] else 'no'}: russia largest "
        f"partner in {summary['russia_largest_partner_in']}/3 AES states, k={summary['k']}; "
        f"cheap={'yes' if summary['cheap'] else 'no'}, phi={summary['phi']:g})",
        f"cheap-win index: {'n/a' if idx is None else f'{idx:,.2f}'}",
        f"own net cost: russia {_usd(r['own_net_cost_usd'])}, west {_usd(w['own_net_cost_usd'])}",
        f"hosts paid: {_usd(summary['host_cost_usd'])} (to russia {_usd(summary['host_paid_russia_usd'])});"
        f" civilian deaths in the AES: {summary['civilian_fatalities_aes']:,.0f}",
        "largest foreign partner at the end: " + ", ".join(
            f"{s}: {p or 'none'}" for s, p in summary["largest_partner_at_end"].items()
            if s in ("mali", "burkina_faso", "niger")),
    ]
    return "\n".join(lines)
