"""The sweep folder: results written chunk by chunk to a Parquet dataset, the manifest, resume.

Layout of a sweep folder::

    manifest.json            experiment, design size, seeds, package version, git commit, ...
    experiment.yaml          the experiment file as it was when the sweep started
    design.parquet           one row per design point (point, parameter values)
    base/<scenario>.yaml     the composed base config of each scenario
    results/part-00000.parquet, ...        one row per run (see sim.sweep.worker)
    monthly/<table.column>/part-00000.parquet, ...   run_id, the table's keys, the column
    .lock                    held by the sweep running in the folder (one at a time)

Each chunk of runs a worker sends back is written as soon as it arrives (:meth:`ResultStore.
write`): its monthly series first, then its result rows, one part each. A part is written to a
temporary name and renamed, so a killed sweep leaves only whole parts and loses at most the
chunks still in the workers. A run counts as done once its result row is written; monthly parts
whose runs have no result row (the sweep died between the two writes) are dropped when the
folder is opened again. A resumed sweep reads the ``run_id`` column of the parts and runs only
the others.

Many small parts (one per chunk) are merged into parts of about ``part_rows`` runs by
:meth:`ResultStore.compact`, which the sweep calls when it starts and when it finishes. A
compaction writes the merged parts under temporary names, then a journal
(``compaction.json``: the parts it replaces and the parts it adds), then renames and deletes;
readers skip the replaced parts while the journal exists, and the next writer completes an
interrupted compaction, so every run is read exactly once whenever the sweep is killed.

Every part of one sweep has the same columns and types: the keys' and the parameters' types
come from the design, the outcomes' from the first part written, and later rows are cast to
them. An outcome none of whose values is known yet (every run so far gave None) is typed from
its name: text for ids and names, float otherwise.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import ConfigError

__all__ = [
    "ResultStore",
    "cell_value",
    "column_type",
    "folder_lock",
    "is_locked",
    "read_manifest",
    "read_monthly",
    "read_results",
    "write_manifest",
]

MANIFEST = "manifest.json"
JOURNAL = "compaction.json"
LOCK = ".lock"
#: Outcome columns (and prefixes) that hold text, for typing columns whose values are all None.
_TEXT = ("error", "git_commit", "version", "config_hash", "scenario", "world", "start", "end",
         "verdict", "verdict_like_for_like", "run_id", "pair_id", "vacuum_premium.twin_verdict",
         "vacuum_premium.win_measure", "costs_like_for_like.west.members",
         "costs_like_for_like.un_missions.members", "cost_basis", "security_margin_kind",
         "first_version.verdict")
_TEXT_PREFIXES = ("first_version.largest_partner_at_end.", "leaders_at_end.", "rules.")


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


def cell_value(v: Any, typ: pa.DataType) -> Any:
    """What a result value is stored as in a column of type ``typ``: text columns take lists
    and dicts as JSON and anything else as its ``str()``; float columns take ints and floats
    (not bools) as floats; None and everything else as it is."""
    if v is None:
        return None
    if pa.types.is_string(typ) and not isinstance(v, str):
        return json.dumps(v) if isinstance(v, (list, dict)) else str(v)
    if pa.types.is_floating(typ) and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return v


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """The rows as a table of ``schema``, each value as :func:`cell_value` makes it.

    Arrow converts the rows as they are wherever :func:`cell_value` would change nothing but a
    number's Python type (an int in a float column: the same double; an int Arrow cannot hold
    exactly is refused, and the rows are then converted cell by cell), which is every chunk of a
    sweep unless a text column holds something else than text. This runs in the sweep's main
    process, on a core its workers share: cell by cell it cost a tenth of a worker there."""
    text = [f.name for f in schema if pa.types.is_string(f.type)]
    if all(isinstance(r.get(n), str | None) for r in rows for n in text):
        try:
            return pa.Table.from_pylist(rows, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
    cols = {f.name: [cell_value(r.get(f.name), f.type) for r in rows] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


# --------------------------------------------------------------------------- parts and journal

def _journal(folder: Path) -> dict[str, Any] | None:
    path = folder / JOURNAL
    return json.loads(path.read_text()) if path.is_file() else None


def _parts(folder: Path) -> list[Path]:
    """The parts of a dataset folder to read, each run once: while a compaction's journal is
    there, the parts it replaces are skipped and its merged parts are read under whichever name
    they have (temporary or final)."""
    if not folder.is_dir():
        return []
    parts = sorted(folder.glob("part-*.parquet"))
    journal = _journal(folder)
    if journal is None:
        return parts
    old = set(journal["old"])
    parts = [p for p in parts if p.name not in old]
    parts += [folder / tmp for tmp, final in journal["new"]
              if (folder / tmp).is_file() and not (folder / final).is_file()]
    return parts


def _finish_compaction(folder: Path) -> None:
    """Complete a compaction whose journal is there (rename, delete, drop the journal), or
    delete the temporary files of writes that were cut short."""
    journal = _journal(folder)
    if journal is not None:
        for tmp, final in journal["new"]:
            if (folder / tmp).is_file():
                os.replace(folder / tmp, folder / final)
        for name in journal["old"]:
            (folder / name).unlink(missing_ok=True)
        (folder / JOURNAL).unlink()
    for tmp in folder.glob("*.tmp"):
        tmp.unlink()


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _run_ids(part: Path) -> list[str]:
    return pq.read_table(part, columns=["run_id"], use_threads=False).column(0).to_pylist()


class _PartWriter:
    """Parquet parts of one dataset folder with a fixed schema."""

    def __init__(self, folder: Path, types: dict[str, pa.DataType] | None = None) -> None:
        self.folder = folder
        self.types = types or {}
        self.schema: pa.Schema | None = None
        if folder.is_dir():
            _finish_compaction(folder)
        parts = _parts(folder)
        if parts:
            self.schema = pq.read_schema(parts[0])
        self.next_index = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=-1)

    def _next_name(self) -> Path:
        name = self.folder / f"part-{self.next_index:05d}.parquet"
        self.next_index += 1
        return name

    def write_rows(self, rows: list[dict[str, Any]], order: list[str]) -> None:
        if not rows:
            return
        if self.schema is None:
            names = dict.fromkeys(order)
            for r in rows:  # then the outcomes, in the summary's order
                names.update(dict.fromkeys(r))
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
        table = pa.Table.from_pandas(df, preserve_index=False, nthreads=1)
        if self.schema is None:
            self.schema = table.schema
        self._write(table.cast(self.schema))

    def _write(self, table: pa.Table) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(table, self._next_name())

    def compact(self, part_runs: int, min_small: int) -> int:
        """Merge the parts of fewer than ``part_runs`` runs into parts of at least that many
        (the last may hold fewer), if there are more than ``min_small`` of them.

        Returns:
            How many parts were merged (0: nothing to do).
        """
        parts = _parts(self.folder)
        if len(parts) <= min_small:  # so few that no merge is due: none is read
            return 0
        small = []
        for part in parts:
            runs = len(set(_run_ids(part)))
            if runs < part_runs:
                small.append((part, runs))
        if len(small) <= min_small:
            return 0
        groups: list[list[Path]] = [[]]
        count = 0
        for part, runs in small:
            if count >= part_runs:
                groups.append([])
                count = 0
            groups[-1].append(part)
            count += runs
        new = []
        for group in groups:
            table = pa.concat_tables([pq.read_table(p, use_threads=False) for p in group],
                                     promote_options="permissive")
            final = self._next_name()
            tmp = final.with_name(final.name + ".tmp")
            pq.write_table(table, tmp, compression="zstd")
            new.append([tmp.name, final.name])
        journal = {"old": [p.name for p, _ in small], "new": new}
        path = self.folder / JOURNAL
        path.with_name(JOURNAL + ".tmp").write_text(json.dumps(journal))
        os.replace(path.with_name(JOURNAL + ".tmp"), path)
        _finish_compaction(self.folder)
        return len(small)


class ResultStore:
    """Writes the result rows (and monthly series) of a sweep into its folder, chunk by chunk.

    Opening a store completes an interrupted compaction and drops the monthly parts of runs
    without a result row (see the module's docstring).

    Args:
        folder: the sweep folder.
        part_rows: runs per part after :meth:`compact`.
        first_columns: columns that come first, in this order (keys, then parameters).
        types: Arrow types of columns known in advance (keys, parameters).
    """

    def __init__(self, folder: str | Path, part_rows: int = 500,
                 first_columns: list[str] | None = None,
                 types: dict[str, pa.DataType] | None = None) -> None:
        self.folder = Path(folder)
        self.part_rows = max(1, part_rows)
        self.first_columns = first_columns or []
        self._results = _PartWriter(self.folder / "results", types)
        self._series: dict[str, _PartWriter] = {}
        self.rows_written = 0
        self._drop_orphan_series()

    def _series_writer(self, series: str) -> _PartWriter:
        writer = self._series.get(series)
        if writer is None:
            writer = self._series[series] = _PartWriter(self.folder / "monthly" / series)
        return writer

    def _drop_orphan_series(self) -> None:
        root = self.folder / "monthly"
        if not root.is_dir():
            return
        done = self.done_run_ids()
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            writer = self._series_writer(folder.name)
            for part in _parts(writer.folder):
                if not set(_run_ids(part)) <= done:
                    part.unlink()

    def done_run_ids(self) -> set[str]:
        """The run ids already stored (read from the ``run_id`` column only)."""
        ids: set[str] = set()
        for part in _parts(self.folder / "results"):
            ids.update(_run_ids(part))
        return ids

    def write(self, outs: list[dict[str, Any]]) -> None:
        """Write one chunk of runs, each ``{"row": {...}, "monthly": {series: DataFrame} or
        None}``: the monthly series first (one part per series), then the rows (one part), so
        that a run counts as done only once everything of it is on disk."""
        frames: dict[str, list[pd.DataFrame]] = {}
        for out in outs:
            for series, df in (out.get("monthly") or {}).items():
                df = df.copy()
                df.insert(0, "run_id", out["row"]["run_id"])
                frames.setdefault(series, []).append(df)
        for series, parts in frames.items():
            self._series_writer(series).write_frame(pd.concat(parts, ignore_index=True))
        rows = [out["row"] for out in outs]
        self._results.write_rows(rows, self.first_columns)
        self.rows_written += len(rows)

    def compact(self, min_small: int = 16) -> int:
        """Merge small parts (results and every monthly series) into parts of ``part_rows``
        runs, if there are more than ``min_small`` small parts in a folder.

        Returns:
            How many result parts were merged.
        """
        merged = self._results.compact(self.part_rows, min_small)
        root = self.folder / "monthly"
        for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
            self._series_writer(folder.name).compact(self.part_rows, min_small)
        return merged


@contextmanager
def folder_lock(folder: str | Path) -> Iterator[None]:
    """Hold the sweep folder's lock (``.lock``, ``flock``) while the block runs, so that two
    sweeps never write into one folder. The lock goes with the process, however it ends.

    Raises:
        ConfigError: another process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    path = Path(folder) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise ConfigError(f"hydra.run.dir={str(folder)!r} is in use by another sweep "
                              f"(process {holder}); allowed: a folder no other sweep is "
                              "running in") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def is_locked(folder: str | Path) -> bool:
    """Whether another process holds the sweep folder's lock."""
    try:
        import fcntl
    except ImportError:
        return False
    path = Path(folder) / LOCK
    if not path.is_file():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def read_results(folder: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The result rows of a sweep folder as one DataFrame (all parts)."""
    import pyarrow.dataset as ds

    parts = _parts(Path(folder) / "results")
    if not parts:
        return pd.DataFrame()
    schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    return ds.dataset([str(p) for p in parts], schema=schema, format="parquet").to_table(
        columns=columns).to_pandas()


def read_monthly(folder: str | Path, series: str) -> pd.DataFrame:
    """One monthly series (``table.column``) of every run of a sweep folder that has a result
    row."""
    parts = _parts(Path(folder) / "monthly" / series)
    if not parts:
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    done: set[str] = set()
    for part in _parts(Path(folder) / "results"):
        done.update(_run_ids(part))
    return df[df["run_id"].isin(done)].reset_index(drop=True)


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
