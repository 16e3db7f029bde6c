"""Row-level diff of two versions of a table (Parquet, CSV/TSV, Arrow IPC / Feather).

Neither table is ever loaded whole. Each is streamed in record batches (only the
columns compared); every row becomes a few 64-bit hashes (``_tablehash``): the key's
hash and one per compared column, or one whole-row hash without a key. Rows are
hash-partitioned by key (or row) hash into ``P`` spill files per side, with ``P``
chosen so that one partition pair fits ``memory_budget``; each pair is then compared
in memory with sorted numpy arrays. Memory is about the budget plus one record batch
and one Parquet row group being decoded; disk is ``8 * (columns + 1)`` bytes per row,
in the store's ``tmp/`` and removed afterwards.

With a key column, rows are matched by key: added / removed / changed / unchanged,
plus how many rows changed in each column. Without one, whole rows are compared as a
multiset (a changed row counts as one removed and one added). Columns whose type
changed are reported in the schema diff and left out of the row comparison. CSV/TSV
columns are compared as text. 64-bit hashes make a false "unchanged" possible only
with probability about ``2**-64`` per compared pair.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ipyartifacts.core.tablehash import hash_array, mix

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["DEFAULT_MEMORY_BUDGET", "ColumnChange", "TableDiff", "diff_tables", "table_format"]

DEFAULT_MEMORY_BUDGET = 256 * 1024**2
_MAX_PARTITIONS = 256  # open spill files per side; beyond this partitions exceed the budget
_BATCH_ROWS = 65_536
_JOIN_OVERHEAD = 8  # np.unique / intersect1d make several sorted copies of a partition pair

_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".arrows": "arrow",
}


def table_format(path: str) -> str | None:
    """``"parquet"``, ``"csv"``, ``"tsv"`` or ``"arrow"`` from a path's extension, else None."""
    return _FORMATS.get(os.path.splitext(path)[1].lower())


@dataclass(frozen=True)
class ColumnChange:
    """A column whose type differs between the two versions."""

    name: str
    old_type: str
    new_type: str


@dataclass(frozen=True)
class TableDiff:
    """How one table changed between two versions.

    ``rows_changed`` and ``changes_by_column`` are None without a key (rows are then
    compared whole: a modified row is one removed plus one added). ``note`` says when
    a requested key could not be used; ``error`` is set (and counts are zero) when a
    table could not be read.
    """

    path: str
    format: str
    key: str | None
    columns_added: tuple[str, ...]
    columns_removed: tuple[str, ...]
    type_changes: tuple[ColumnChange, ...]
    compared_columns: tuple[str, ...]
    rows_old: int
    rows_new: int
    rows_added: int
    rows_removed: int
    rows_changed: int | None
    rows_unchanged: int
    changes_by_column: tuple[tuple[str, int], ...] | None = None
    partitions: int = 1
    note: str | None = None
    error: str | None = None

    @property
    def schema_changed(self) -> bool:
        return bool(self.columns_added or self.columns_removed or self.type_changes)

    @property
    def rows_differ(self) -> bool:
        return bool(self.rows_added or self.rows_removed or self.rows_changed)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns_added"] = list(self.columns_added)
        data["columns_removed"] = list(self.columns_removed)
        data["type_changes"] = [asdict(c) for c in self.type_changes]
        data["compared_columns"] = list(self.compared_columns)
        if self.changes_by_column is not None:
            data["changes_by_column"] = dict(self.changes_by_column)
        return data

    def summary(self) -> str:
        """One line: ``+added -removed ~changed rows`` and the schema changes."""
        if self.error:
            return f"{self.path}: cannot compare ({self.error})"
        parts = [f"{self.rows_old} -> {self.rows_new} rows", f"+{self.rows_added}"]
        parts.append(f"-{self.rows_removed}")
        if self.rows_changed is not None:
            parts.append(f"~{self.rows_changed} (by {self.key!r})")
        schema = []
        schema += [f"+{c}" for c in self.columns_added]
        schema += [f"-{c}" for c in self.columns_removed]
        schema += [f"{c.name}: {c.old_type} -> {c.new_type}" for c in self.type_changes]
        text = f"{self.path}: " + " ".join(parts)
        if schema:
            text += "; columns " + ", ".join(schema)
        if self.note:
            text += f" ({self.note})"
        return text


# -- reading tables as batches -------------------------------------------------------


@dataclass
class _Table:
    path: Path
    format: str
    schema: pa.Schema
    est_rows: int
    rows: int = field(default=0)

    def batches(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        if self.format == "parquet":
            import pyarrow.parquet as pq

            # pre_buffer reads ahead whole row groups: fast on object stores, but these are
            # local files, and buffering would multiply the memory a diff needs.
            with pq.ParquetFile(self.path, pre_buffer=False) as pf:
                yield from pf.iter_batches(batch_size=_BATCH_ROWS, columns=columns)
        elif self.format in ("csv", "tsv"):
            reader = _open_csv(self.path, self.format, columns)
            try:
                yield from reader
            finally:
                reader.close()
        else:
            with pa.memory_map(str(self.path)) as source:
                try:
                    file_reader = pa.ipc.open_file(source)
                except pa.ArrowInvalid:
                    source.seek(0)
                    for batch in pa.ipc.open_stream(source):
                        yield batch.select(columns)
                    return
                for i in range(file_reader.num_record_batches):
                    yield file_reader.get_batch(i).select(columns)


def _open_csv(path: Path, fmt: str, columns: list[str] | None) -> Any:
    import pyarrow as pa
    import pyarrow.csv as csv

    # Quoted values may hold newlines (a slower parse, but never a wrong one).
    parse = csv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",", newlines_in_values=True)
    if columns is None:
        return csv.open_csv(path, parse_options=parse)
    convert = csv.ConvertOptions(
        column_types={c: pa.string() for c in columns}, include_columns=columns
    )
    return csv.open_csv(path, parse_options=parse, convert_options=convert)


def _open(path: Path, fmt: str) -> _Table:
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetFile(path) as pf:
            return _Table(path, fmt, pf.schema_arrow, pf.metadata.num_rows)
    size = path.stat().st_size
    if fmt in ("csv", "tsv"):
        reader = _open_csv(path, fmt, None)
        names = reader.schema.names
        reader.close()
        schema = pa.schema([(n, pa.string()) for n in names])  # CSV is compared as text
        return _Table(path, fmt, schema, size // max(2 * len(names), 1) + 1)
    with pa.memory_map(str(path)) as source:
        try:
            schema = pa.ipc.open_file(source).schema
        except pa.ArrowInvalid:
            source.seek(0)
            schema = pa.ipc.open_stream(source).schema
    return _Table(path, fmt, schema, size // max(8 * len(schema), 1) + 1)


# -- the diff ------------------------------------------------------------------------


class _KeyUnusable(Exception):
    pass


def diff_tables(
    old: Path,
    new: Path,
    *,
    path: str,
    fmt: str,
    key: str | None,
    tmpdir: Path,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> TableDiff:
    """Compare two local table files of format ``fmt`` (see the module docstring)."""
    import pyarrow as pa

    try:
        a, b = _open(old, fmt), _open(new, fmt)
    except (pa.ArrowException, OSError, ValueError) as exc:
        return _failed(path, fmt, key, exc)
    old_types = {f.name: f.type for f in a.schema}
    new_types = {f.name: f.type for f in b.schema}
    added = tuple(n for n in new_types if n not in old_types)
    removed = tuple(n for n in old_types if n not in new_types)
    changes = tuple(
        ColumnChange(n, str(old_types[n]), str(new_types[n]))
        for n in old_types
        if n in new_types and old_types[n] != new_types[n]
    )
    compared = [n for n in old_types if n in new_types and old_types[n] == new_types[n]]
    note = None
    if key is not None and (key not in old_types or key not in new_types):
        where = (
            "either version"
            if key not in old_types and key not in new_types
            else ("the old version" if key not in old_types else "the new version")
        )
        note = f"key column {key!r} is not in {where}; whole rows were compared"
        key = None
    common: dict[str, Any] = {
        "path": path,
        "format": fmt,
        "columns_added": added,
        "columns_removed": removed,
        "type_changes": changes,
    }
    try:
        if key is not None:
            try:
                return _diff_by_key(a, b, key, compared, tmpdir, memory_budget, common)
            except _KeyUnusable as exc:
                note = str(exc)
        return _diff_rows(a, b, compared, tmpdir, memory_budget, {**common, "note": note})
    except (pa.ArrowException, OSError, ValueError) as exc:
        return _failed(path, fmt, key, exc)


def _failed(path: str, fmt: str, key: str | None, exc: BaseException) -> TableDiff:
    return TableDiff(
        path=path,
        format=fmt,
        key=key,
        columns_added=(),
        columns_removed=(),
        type_changes=(),
        compared_columns=(),
        rows_old=0,
        rows_new=0,
        rows_added=0,
        rows_removed=0,
        rows_changed=None,
        rows_unchanged=0,
        error=f"{type(exc).__name__}: {exc}",
    )


def _partitions(a: _Table, b: _Table, width: int, budget: int) -> int:
    need = (a.est_rows + b.est_rows) * 8 * width * _JOIN_OVERHEAD
    return max(1, min(_MAX_PARTITIONS, math.ceil(need / max(budget, 1))))


def _hash_rows(
    table: _Table, key: str | None, columns: list[str], key_as_text: bool
) -> Iterator[np.ndarray[Any, Any]]:
    """Per batch: an (n, width) uint64 matrix: [key hash, column hashes...] or [row hash]."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = ([key] if key is not None else []) + columns
    for batch in table.batches(wanted):
        table.rows += batch.num_rows
        if key is not None:
            key_col = batch.column(key)
            if key_as_text:
                key_col = pc.cast(key_col, pa.string())
            cols = [hash_array(key_col)] + [hash_array(batch.column(c)) for c in columns]
            yield np.stack(cols, axis=1) if cols else np.empty((batch.num_rows, 1), np.uint64)
        else:
            row = np.full(batch.num_rows, 0x243F6A8885A308D3, dtype=np.uint64)
            for i, c in enumerate(columns):
                row = mix(row ^ (hash_array(batch.column(c)) + np.uint64(i + 1)))
            yield row.reshape(-1, 1)


class _Spill:
    """Hash-partition matrices into ``P`` files (or keep them in memory when P == 1)."""

    def __init__(self, tmpdir: Path, side: str, parts: int, width: int) -> None:
        self.parts = parts
        self.width = width
        self.paths = [tmpdir / f"{side}-{i}.bin" for i in range(parts)] if parts > 1 else []
        self.files: list[BinaryIO] = [open(p, "wb") for p in self.paths]  # noqa: SIM115
        self.memory: list[np.ndarray[Any, Any]] = []

    def add(self, matrix: np.ndarray[Any, Any]) -> None:
        import numpy as np

        if self.parts == 1:
            self.memory.append(matrix)
            return
        part = (matrix[:, 0] >> np.uint64(40)) % np.uint64(self.parts)
        order = np.argsort(part, kind="stable")
        ordered, sorted_parts = matrix[order], part[order]
        bounds = np.searchsorted(sorted_parts, np.arange(self.parts + 1, dtype=np.uint64))
        for i in range(self.parts):
            lo, hi = bounds[i], bounds[i + 1]
            if hi > lo:
                self.files[i].write(np.ascontiguousarray(ordered[lo:hi]).tobytes())

    def close(self) -> None:
        for f in self.files:
            f.close()

    def load(self, i: int) -> np.ndarray[Any, Any]:
        import numpy as np

        if self.parts == 1:
            if not self.memory:
                return np.empty((0, self.width), dtype=np.uint64)
            return np.concatenate(self.memory)
        data = np.fromfile(self.paths[i], dtype=np.uint64)
        return data.reshape(-1, self.width)

    def remove(self) -> None:
        self.close()
        for p in self.paths:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _spill_both(
    a: _Table,
    b: _Table,
    key: str | None,
    columns: list[str],
    width: int,
    tmpdir: Path,
    budget: int,
    key_as_text: bool,
) -> tuple[_Spill, _Spill]:
    parts = _partitions(a, b, width, budget)
    left = _Spill(tmpdir, "old", parts, width)
    right = _Spill(tmpdir, "new", parts, width)
    try:
        for table, spill in ((a, left), (b, right)):
            for matrix in _hash_rows(table, key, columns, key_as_text):
                spill.add(matrix)
            spill.close()
    except BaseException:
        left.remove()
        right.remove()
        raise
    return left, right


def _diff_by_key(
    a: _Table,
    b: _Table,
    key: str,
    compared: list[str],
    tmpdir: Path,
    budget: int,
    common: dict[str, Any],
) -> TableDiff:
    import numpy as np

    columns = [c for c in compared if c != key]
    key_as_text = a.schema.field(key).type != b.schema.field(key).type
    width = 1 + len(columns)
    left, right = _spill_both(a, b, key, columns, width, tmpdir, budget, key_as_text)
    added = removed = changed = matched = 0
    per_column = np.zeros(len(columns), dtype=np.int64)
    try:
        for i in range(left.parts):
            old, new = left.load(i), right.load(i)
            for label, side in (("old", old), ("new", new)):
                keys = np.sort(side[:, 0])
                dups = int(np.count_nonzero(keys[1:] == keys[:-1]))
                if dups:
                    raise _KeyUnusable(
                        f"key column {key!r} is not unique in the {label} version "
                        f"({dups} repeated value(s)); whole rows were compared"
                    )
            _common, ia, ib = np.intersect1d(
                old[:, 0], new[:, 0], assume_unique=True, return_indices=True
            )
            matched += len(ia)
            removed += len(old) - len(ia)
            added += len(new) - len(ia)
            if columns and len(ia):
                differs = old[ia, 1:] != new[ib, 1:]
                changed += int(np.count_nonzero(differs.any(axis=1)))
                per_column += differs.sum(axis=0)
    finally:
        left.remove()
        right.remove()
    return TableDiff(
        **common,
        key=key,
        compared_columns=tuple(compared),
        rows_old=a.rows,
        rows_new=b.rows,
        rows_added=added,
        rows_removed=removed,
        rows_changed=changed,
        rows_unchanged=matched - changed,
        changes_by_column=tuple(
            (c, int(n)) for c, n in zip(columns, per_column.tolist(), strict=True)
        ),
        partitions=left.parts,
        note="key types differ; keys were compared as text" if key_as_text else None,
    )


def _diff_rows(
    a: _Table,
    b: _Table,
    compared: list[str],
    tmpdir: Path,
    budget: int,
    common: dict[str, Any],
) -> TableDiff:
    import numpy as np

    a.rows = b.rows = 0
    left, right = _spill_both(a, b, None, compared, 1, tmpdir, budget, False)
    matched = 0
    try:
        for i in range(left.parts):
            ua, ca = np.unique(left.load(i)[:, 0], return_counts=True)
            ub, cb = np.unique(right.load(i)[:, 0], return_counts=True)
            _common, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
            matched += int(np.minimum(ca[ia], cb[ib]).sum())
    finally:
        left.remove()
        right.remove()
    if not compared:  # nothing shared to compare rows on: every row counts as replaced
        matched = 0
        common = {**common, "note": "no column has the same name and type in both versions"}
    return TableDiff(
        **common,
        key=None,
        compared_columns=tuple(compared),
        rows_old=a.rows,
        rows_new=b.rows,
        rows_added=b.rows - matched,
        rows_removed=a.rows - matched,
        rows_changed=None,
        rows_unchanged=matched,
        partitions=left.parts,
    )
