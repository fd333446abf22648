"""The sweep folder: results streamed to a Parquet dataset, the manifest, resume.

Layout of a sweep folder::

    manifest.json            experiment, design size, seeds, package version, git commit, ...
    experiment.yaml          the experiment file as it was when the sweep started
    design.parquet           one row per design point (point, parameter values)
    base/<scenario>.yaml     the composed base config of each scenario
    results/part-00000.parquet, ...        one row per run (see sim.sweep.worker)
    monthly/<table.column>/part-00000.parquet, ...   run_id, the table's keys, the column

Rows are buffered and written ``batch_rows`` at a time (and at least every ``flush_seconds``);
each part is written to a temporary name and renamed, so a killed sweep leaves only whole
parts. A resumed sweep reads the ``run_id`` column of the parts and runs only the others.

Every part of one sweep has the same columns and types: the keys' and the parameters' types
come from the design, the outcomes' from the first part written, and later rows are cast to
them. An outcome none of whose values is known yet (every run so far gave None) is typed from
its name: text for ids and names, float otherwise.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "ResultStore",
    "column_type",
    "read_manifest",
    "read_monthly",
    "read_results",
    "write_manifest",
]

MANIFEST = "manifest.json"
#: Outcome columns (and prefixes) that hold text, for typing columns whose values are all None.
_TEXT = ("error", "git_commit", "version", "config_hash", "scenario", "world", "start", "end",
         "verdict", "run_id", "pair_id")
_TEXT_PREFIXES = ("largest_partner_at_end.", "rules.")


def _guess_type(name: str, values: list[Any]) -> pa.DataType:
    """The Arrow type of a column from its values (None-only columns: from the name)."""
    seen = [v for v in values if v is not None]
    if not seen:
        return pa.string() if name in _TEXT or name.startswith(_TEXT_PREFIXES) else pa.float64()
    if all(isinstance(v, bool) for v in seen):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
        return pa.int64()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seen):
        return pa.float64()
    return pa.string()


def column_type(name: str, values: list[Any]) -> pa.DataType:
    """The Arrow type the result column ``name`` gets for these values (lists become text)."""
    return _guess_type(name, values)


def _cell(v: Any, typ: pa.DataType) -> Any:
    if v is None:
        return None
    if pa.types.is_string(typ) and not isinstance(v, str):
        return json.dumps(v) if isinstance(v, (list, dict)) else str(v)
    if pa.types.is_floating(typ) and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    cols = {f.name: [_cell(r.get(f.name), f.type) for r in rows] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


class _PartWriter:
    """Parquet parts of one dataset folder with a fixed schema."""

    def __init__(self, folder: Path, types: dict[str, pa.DataType] | None = None) -> None:
        self.folder = folder
        self.types = types or {}
        self.schema: pa.Schema | None = None
        parts = sorted(folder.glob("part-*.parquet")) if folder.exists() else []
        if parts and self.schema is None:
            self.schema = pq.read_schema(parts[0])
        self.next_index = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=-1)

    def write_rows(self, rows: list[dict[str, Any]], order: list[str]) -> None:
        if not rows:
            return
        if self.schema is None:
            names = list(order)
            for r in rows:  # then the outcomes, in the summary's order
                names.extend(k for k in r if k not in names)
            self.schema = pa.schema([
                (n, self.types.get(n) or _guess_type(n, [r.get(n) for r in rows])) for n in names])
        extra = {k for r in rows for k in r} - set(self.schema.names)
        if extra:
            # a new outcome the first part did not have (the model changed): keep it, typed
            new = [k for r in rows for k in r if k in extra]
            fields = [(n, _guess_type(n, [r.get(n) for r in rows])) for n in dict.fromkeys(new)]
            self.schema = pa.schema(list(self.schema) + [pa.field(n, t) for n, t in fields])
        self._write(_table(rows, self.schema))

    def write_frame(self, df: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(df, preserve_index=False)
        if self.schema is None:
            self.schema = table.schema
        self._write(table.cast(self.schema))

    def _write(self, table: pa.Table) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = self.folder / f"part-{self.next_index:05d}.parquet"
        tmp = name.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, name)
        self.next_index += 1


class ResultStore:
    """Writes the result rows (and monthly series) of a sweep into its folder.

    Args:
        folder: the sweep folder.
        batch_rows: rows per Parquet part.
        flush_seconds: write buffered rows at least this often.
        first_columns: columns that come first, in this order (keys, then parameters).
        types: Arrow types of columns known in advance (keys, parameters).
    """

    def __init__(self, folder: str | Path, batch_rows: int = 500, flush_seconds: float = 30.0,
                 first_columns: list[str] | None = None,
                 types: dict[str, pa.DataType] | None = None) -> None:
        self.folder = Path(folder)
        self.batch_rows = max(1, batch_rows)
        self.flush_seconds = flush_seconds
        self.first_columns = first_columns or []
        self._rows: list[dict[str, Any]] = []
        self._monthly: dict[str, list[pd.DataFrame]] = {}
        self._results = _PartWriter(self.folder / "results", types)
        self._series: dict[str, _PartWriter] = {}
        self._last_flush = time.monotonic()
        self.rows_written = 0

    def done_run_ids(self) -> set[str]:
        """The run ids already stored (read from the ``run_id`` column only)."""
        folder = self.folder / "results"
        ids: set[str] = set()
        for part in sorted(folder.glob("part-*.parquet")) if folder.exists() else []:
            ids.update(pq.read_table(part, columns=["run_id"]).column(0).to_pylist())
        return ids

    def add(self, row: dict[str, Any], monthly: dict[str, pd.DataFrame] | None = None) -> None:
        """Buffer one run's row (and series); write a part when the buffer is full or old."""
        self._rows.append(row)
        for series, df in (monthly or {}).items():
            df = df.copy()
            df.insert(0, "run_id", row["run_id"])
            self._monthly.setdefault(series, []).append(df)
        if (len(self._rows) >= self.batch_rows
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows and series (monthly first: a run counts as done, on resume,
        only once its row is written, so its series are never half there)."""
        for series, frames in self._monthly.items():
            writer = self._series.get(series)
            if writer is None:
                writer = self._series[series] = _PartWriter(self.folder / "monthly" / series)
            writer.write_frame(pd.concat(frames, ignore_index=True))
        self._monthly = {}
        self._results.write_rows(self._rows, self.first_columns)
        self.rows_written += len(self._rows)
        self._rows = []
        self._last_flush = time.monotonic()


def read_results(folder: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The result rows of a sweep folder as one DataFrame (all parts)."""
    import pyarrow.dataset as ds

    path = Path(folder) / "results"
    parts = sorted(path.glob("part-*.parquet")) if path.exists() else []
    if not parts:
        return pd.DataFrame()
    schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    return ds.dataset([str(p) for p in parts], schema=schema, format="parquet").to_table(
        columns=columns).to_pandas()


def read_monthly(folder: str | Path, series: str) -> pd.DataFrame:
    """One monthly series (``table.column``) of every run of a sweep folder."""
    path = Path(folder) / "monthly" / series
    parts = sorted(path.glob("part-*.parquet")) if path.exists() else []
    if not parts:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder (None if there is none)."""
    path = Path(folder) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None


def write_manifest(folder: str | Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically."""
    path = Path(folder) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    os.replace(tmp, path)
