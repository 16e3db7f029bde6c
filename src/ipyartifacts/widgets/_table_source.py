"""Paged, sorted, filtered access to any Arrow-readable table without loading huge ones.

:func:`open_table` turns what a user hands to ``TablePreview`` into a :class:`TableSource`:

- in-memory tables (a ``pyarrow.Table``, anything with ``__arrow_c_stream__`` such as pandas
  and polars DataFrames) and memory-mapped Arrow IPC / Feather files are queried directly;
- Parquet files are read by row group: a page reads only the row groups it overlaps. A sorted
  or filtered view of a Parquet file is computed exactly when its estimated Arrow size fits
  ``max_in_memory_bytes``; beyond that one streaming pass keeps a bounded result (the first
  ``FILTER_CAP`` matches, or the top ``SORT_CAP`` rows in order) and says so in a note;
- CSV/TSV and JSON Lines are read as a whole up to ``max_in_memory_bytes`` of file, else
  only their first rows are shown (again with a note).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, cast

from ipyartifacts.widgets._arrow_query import (
    MAX_PAGE_ROWS,
    column_kind,
    computable,
    display_table,
    filter_expression,
    min_max,
    scalar_text,
    sort_indices,
    sort_keys,
    top_k,
)
from ipyartifacts.widgets._messages import BadRequestError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc

TableFormat = Literal["parquet", "csv", "tsv", "jsonl", "arrow"]

#: Default budget for materialising a file-backed table to sort/filter it exactly.
DEFAULT_MAX_IN_MEMORY_BYTES = 128 * 1024 * 1024
#: Rows kept (in order) when sorting a source too large to load.
SORT_CAP = 10_000
#: Matching rows kept when filtering a source too large to load.
FILTER_CAP = 100_000
#: Distinct values counted before a summary reports "at least N".
DISTINCT_CAP = 10_000

_SUFFIXES: dict[str, TableFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".arrows": "arrow",
}


@dataclass(frozen=True)
class Page:
    """Rows ``[offset, offset + table.num_rows)`` of a view, ready for display."""

    table: pa.Table
    offset: int
    total: int
    exact: bool
    note: str | None


@dataclass(frozen=True)
class Summary:
    """Per-column facts shown under a header."""

    null_count: int | None
    min: str | None
    max: str | None
    distinct: int | None
    distinct_capped: bool
    note: str | None


@dataclass
class _View:
    """A sorted and/or filtered view: rows ``table.take(indices)`` (or ``table`` itself)."""

    table: pa.Table
    indices: pa.Array | None
    total: int
    exact: bool
    note: str | None


class TableSource:
    """A table that answers page and summary requests; subclasses say how rows are read."""

    def __init__(self, schema: pa.Schema, num_rows: int, note: str | None = None) -> None:
        self.schema = schema
        self.num_rows = num_rows
        self.note = note
        self._views: OrderedDict[str, _View] = OrderedDict()
        self._summaries: dict[str, Summary] = {}
        #: Columns used for sorting/filtering but never shown (e.g. a version's number).
        self.hidden_columns: frozenset[str] = frozenset()
        #: Sorting by the key column sorts by the value column (e.g. "version" -> number).
        self.sort_aliases: dict[str, str] = {}

    @property
    def visible_schema(self) -> pa.Schema:
        """The schema the front end sees (without hidden columns)."""
        import pyarrow as pa

        return pa.schema([f for f in self.schema if f.name not in self.hidden_columns])

    # -- what subclasses provide ------------------------------------------------------------
    def _slice(self, offset: int, limit: int) -> pa.Table:
        raise NotImplementedError

    def _in_memory(self) -> pa.Table | None:
        """The whole table, if it is (or may cheaply be) in memory; else ``None``."""
        raise NotImplementedError

    def _batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError

    def _summary_from_metadata(self, name: str) -> Summary | None:
        return None

    # -- requests ---------------------------------------------------------------------------
    def page(self, offset: object, limit: object, sort: object, filter: object) -> Page:
        """Rows of the view defined by ``sort`` and ``filter``, converted for display.

        Raises
        ------
        BadRequestError
            On malformed bounds, sort keys or filters.
        """
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise BadRequestError(f"offset must be a non-negative integer, got {offset!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_PAGE_ROWS:
            raise BadRequestError(
                f"limit must be an integer from 0 to {MAX_PAGE_ROWS}, got {limit!r}"
            )
        keys = [
            (self.sort_aliases.get(name, name), order)
            for name, order in sort_keys(sort, self.schema)
        ]
        expr = filter_expression(filter, self.schema)
        if not keys and expr is None:
            stop = min(self.num_rows, offset + limit)
            rows = (
                self._slice(offset, stop - offset) if stop > offset else self.schema.empty_table()
            )
            return Page(self._shown(rows), offset, self.num_rows, True, self.note)
        view = self._view(keys, expr)
        stop = min(view.total, offset + limit)
        if stop <= offset:
            rows = view.table.schema.empty_table()
        elif view.indices is None:
            rows = view.table.slice(offset, stop - offset)
        else:
            rows = view.table.take(view.indices.slice(offset, stop - offset))
        return Page(self._shown(rows), offset, view.total, view.exact, view.note or self.note)

    def _shown(self, rows: pa.Table) -> pa.Table:
        if self.hidden_columns:
            rows = rows.select([n for n in rows.column_names if n not in self.hidden_columns])
        return display_table(rows)

    def summary(self, column: object) -> Summary:
        """Null count and min/max (ordered kinds) or distinct count (others) of one column."""
        if not isinstance(column, str) or self.schema.get_field_index(column) < 0:
            raise BadRequestError(f"no column named {column!r}; columns are {self.schema.names}")
        if column not in self._summaries:
            self._summaries[column] = self._compute_summary(column)
        return self._summaries[column]

    # -- views ------------------------------------------------------------------------------
    def _view(self, keys: list[tuple[str, str]], expr: pc.Expression | None) -> _View:
        cache_key = repr((keys, str(expr)))
        view = self._views.get(cache_key)
        if view is None:
            view = self._compute_view(keys, expr)
            self._views[cache_key] = view
            while len(self._views) > 4:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(cache_key)
        return view

    def _compute_view(self, keys: list[tuple[str, str]], expr: pc.Expression | None) -> _View:

        table = self._in_memory()
        if table is not None:
            if expr is not None:
                table = table.filter(expr)
            indices = sort_indices(table, keys) if keys else None
            return _View(table, indices, table.num_rows, True, None)
        return self._bounded_view(keys, expr)

    def _bounded_view(self, keys: list[tuple[str, str]], expr: pc.Expression | None) -> _View:
        """One streaming pass that keeps at most a cap of rows (source too large to load)."""
        import pyarrow as pa

        cap = SORT_CAP if keys else FILTER_CAP
        kept: list[pa.RecordBatch] = []
        kept_rows = 0
        matched = 0
        for batch in self._batches():
            if expr is not None:
                batch = batch.filter(expr)
            matched += batch.num_rows
            if batch.num_rows == 0:
                continue
            if not keys:
                if kept_rows < cap:
                    kept.append(batch.slice(0, cap - kept_rows))
                    kept_rows += min(batch.num_rows, cap - kept_rows)
                continue
            kept.append(batch)
            kept_rows += batch.num_rows
            if kept_rows > 4 * cap:
                best = pa.Table.from_batches(kept)
                best = best.take(top_k(best, keys, cap))
                kept, kept_rows = best.to_batches(), best.num_rows
        table = pa.Table.from_batches(kept, schema=self.schema)
        indices = None
        if keys:
            indices = sort_indices(table, keys)[:cap]
        total = min(matched, cap)
        exact = matched <= cap
        note = None
        if not exact:
            if keys:
                note = f"showing the first {cap:,} of {matched:,} rows in order: "
            else:
                note = f"showing the first {cap:,} of {matched:,} matching rows: "
            note += (
                f"{self.num_rows:,} rows are too many to {'sort' if keys else 'filter'} in memory"
            )
        return _View(table, indices, total, exact, note)

    # -- summaries --------------------------------------------------------------------------
    def _compute_summary(self, name: str) -> Summary:
        import pyarrow.compute as pc

        field = self.schema.field(name)
        kind = _summary_kind(field.type)
        table = self._in_memory()
        if table is not None:
            column = table.column(name)
            if kind == "ordered":
                lo, hi = min_max(column)
                return Summary(
                    column.null_count, scalar_text(lo), scalar_text(hi), None, False, None
                )
            distinct = (
                pc.count_distinct(computable(column), mode="only_valid").as_py()
                if kind == "distinct"
                else None
            )
            return Summary(column.null_count, None, None, distinct, False, None)
        from_metadata = self._summary_from_metadata(name)
        if from_metadata is not None and kind != "distinct":
            return from_metadata
        return self._scan_summary(name, kind, from_metadata)

    def _scan_summary(self, name: str, kind: str, known: Summary | None) -> Summary:
        """Summarise one column batch by batch (bounded memory, distinct values capped)."""
        import pyarrow.compute as pc

        nulls = 0
        lo: Any = None
        hi: Any = None
        seen: set[Any] = set()
        capped = False
        for batch in self._batches([name]):
            column = batch.column(0)
            nulls += column.null_count
            if kind == "ordered":
                bmin, bmax = min_max(column)
                if bmin is not None and (lo is None or bmin < lo):
                    lo = bmin
                if bmax is not None and (hi is None or bmax > hi):
                    hi = bmax
            elif kind == "distinct" and not capped:
                seen.update(pc.unique(computable(column).drop_null()).to_pylist())
                if len(seen) > DISTINCT_CAP:
                    capped = True
                    if known is not None:
                        break
        if kind == "ordered":
            return Summary(nulls, scalar_text(lo), scalar_text(hi), None, False, None)
        null_count = known.null_count if known is not None else nulls
        distinct = min(len(seen), DISTINCT_CAP) if kind == "distinct" else None
        note = f"stopped counting at {DISTINCT_CAP:,} distinct values" if capped else None
        return Summary(null_count, None, None, distinct, capped, note)


def _summary_kind(type_: pa.DataType) -> Literal["ordered", "distinct", "nulls"]:
    """What a summary shows: min/max (ordered values), a distinct count, or nulls only."""
    import pyarrow as pa

    kind = column_kind(type_)
    value_type = type_.value_type if pa.types.is_dictionary(type_) else type_
    if kind in ("number", "temporal") or pa.types.is_duration(value_type):
        return "ordered"
    return "nulls" if kind == "other" else "distinct"


class MemorySource(TableSource):
    """A table already in memory (or memory-mapped)."""

    def __init__(self, table: pa.Table, note: str | None = None) -> None:
        super().__init__(table.schema, table.num_rows, note)
        self._table = table

    def _slice(self, offset: int, limit: int) -> pa.Table:
        return self._table.slice(offset, limit)

    def _in_memory(self) -> pa.Table:
        return self._table

    def _batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        table = self._table if columns is None else self._table.select(columns)
        yield from table.to_batches()


class ParquetSource(TableSource):
    """A Parquet file read row group by row group."""

    def __init__(self, origin: str | IO[bytes], max_in_memory_bytes: int) -> None:
        import pyarrow.parquet as pq

        file = pq.ParquetFile(origin)
        meta = file.metadata
        super().__init__(file.schema_arrow, meta.num_rows)
        self._origin = origin
        self._file = file
        self._starts: list[int] = []
        start = 0
        for i in range(meta.num_row_groups):
            self._starts.append(start)
            start += meta.row_group(i).num_rows
        # Estimated Arrow size: decoded values take at least 8 bytes (fixed width or offset
        # plus data), however well Parquet's dictionary encoding packed them.
        self._estimated_bytes = sum(
            max(chunk.total_uncompressed_size, chunk.num_values * 8)
            for g in range(meta.num_row_groups)
            for chunk in (meta.row_group(g).column(c) for c in range(meta.num_columns))
        )
        self._max_bytes = max_in_memory_bytes
        self._groups: OrderedDict[int, pa.Table] = OrderedDict()
        self._whole: pa.Table | None = None

    def _group(self, index: int) -> pa.Table:
        table = self._groups.get(index)
        if table is None:
            table = self._file.read_row_group(index)
            self._groups[index] = table
            while len(self._groups) > 2:
                self._groups.popitem(last=False)
        return table

    def _slice(self, offset: int, limit: int) -> pa.Table:
        import bisect

        import pyarrow as pa

        parts: list[pa.Table] = []
        group = bisect.bisect_right(self._starts, offset) - 1
        position = offset
        stop = offset + limit
        while position < stop and 0 <= group < len(self._starts):
            table = self._group(group)
            local = position - self._starts[group]
            piece = table.slice(local, stop - position)
            parts.append(piece)
            position += piece.num_rows
            group += 1
        if not parts:
            return self.schema.empty_table()
        return pa.concat_tables(parts)

    def _in_memory(self) -> pa.Table | None:
        if self._whole is None and self._estimated_bytes <= self._max_bytes:
            self._whole = self._file.read()
        return self._whole

    def _batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        # A ParquetFile keeps its last row group's buffers after iter_batches (~100 MB on
        # big files); a throwaway reader per scan releases them when the scan ends.
        scanner = pq.ParquetFile(self._origin)
        try:
            yield from scanner.iter_batches(batch_size=65_536, columns=columns)
        finally:
            scanner.close()

    def _summary_from_metadata(self, name: str) -> Summary | None:
        meta = self._file.metadata
        index = meta.schema.to_arrow_schema().get_field_index(name)
        if index < 0 or meta.num_row_groups == 0:
            return None
        leaf = [i for i in range(meta.num_columns) if meta.schema.column(i).path == name]
        if len(leaf) != 1:
            return None
        nulls = 0
        lo: Any = None
        hi: Any = None
        for g in range(meta.num_row_groups):
            stats = meta.row_group(g).column(leaf[0]).statistics
            if stats is None or not stats.has_null_count or not stats.has_min_max:
                return None
            nulls += stats.null_count
            if lo is None or stats.min < lo:
                lo = stats.min
            if hi is None or stats.max > hi:
                hi = stats.max
        return Summary(
            nulls, scalar_text(lo), scalar_text(hi), None, False, "from Parquet statistics"
        )


def _detect_format(head: bytes, name: str | None) -> TableFormat:
    if name:
        suffix = Path(name).suffix.lower()
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1") or head.startswith(b"\xff\xff\xff\xff"):
        return "arrow"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    return "csv"


def open_table(
    data: object,
    *,
    format: TableFormat | None = None,
    max_in_memory_bytes: int = DEFAULT_MAX_IN_MEMORY_BYTES,
) -> TableSource:
    """Open a table-like object or file for paged preview.

    Parameters
    ----------
    data
        A ``pyarrow.Table`` or ``RecordBatch``, anything with ``__arrow_c_stream__`` (pandas,
        polars), a path to a Parquet / CSV / TSV / JSON Lines / Arrow IPC (Feather) file, or a
        seekable binary file object holding one of those.
    format
        The file format, when neither the name nor the first bytes tell.
    max_in_memory_bytes
        Largest file (estimated Arrow size for Parquet) loaded whole to sort or filter exactly.

    Returns
    -------
    TableSource

    Raises
    ------
    TypeError
        If ``data`` is none of the above.

    Examples
    --------
    >>> import pyarrow as pa
    >>> source = open_table(pa.table({"x": [3, 1, 2]}))
    >>> source.page(0, 2, [{"column": "x", "descending": False}], []).table.column("x").to_pylist()
    [1, 2]
    """
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return MemorySource(data)
    if isinstance(data, pa.RecordBatch):
        return MemorySource(pa.Table.from_batches([data]))
    if hasattr(data, "__arrow_c_stream__"):
        return MemorySource(pa.RecordBatchReader.from_stream(data).read_all())
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        with path.open("rb") as peek:
            head = peek.read(8)
        fmt = format or _detect_format(head, path.name)
        return _open_file(str(path), fmt, path.stat().st_size, max_in_memory_bytes)
    if hasattr(data, "read") and hasattr(data, "seek"):
        fh = cast("IO[bytes]", data)
        start = fh.tell()
        head = fh.read(8)
        fh.seek(start)
        fmt = format or _detect_format(head, getattr(data, "name", None))
        size = fh.seek(0, os.SEEK_END) - start
        fh.seek(start)
        return _open_file(fh, fmt, size, max_in_memory_bytes)
    raise TypeError(
        "TablePreview needs a pyarrow Table, a DataFrame (anything with __arrow_c_stream__), "
        f"a file path or a binary file object; got {type(data).__name__}"
    )


def _open_file(source: str | IO[bytes], fmt: TableFormat, size: int, max_bytes: int) -> TableSource:
    import pyarrow as pa

    if fmt == "parquet":
        return ParquetSource(source, max_bytes)
    if fmt == "arrow":
        stream: Any = pa.memory_map(source) if isinstance(source, str) else source
        try:
            table = pa.ipc.open_file(stream).read_all()
        except pa.ArrowInvalid:
            stream.seek(0)
            table = pa.ipc.open_stream(stream).read_all()
        return MemorySource(table)
    reader = _text_reader(source, fmt)
    if size <= max_bytes:
        return MemorySource(reader.read_all())
    batches: list[pa.RecordBatch] = []
    budget = max_bytes
    for batch in reader:
        batches.append(batch)
        budget -= batch.nbytes
        if budget <= 0:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema)
    note = (
        f"showing the first {table.num_rows:,} rows of a {size / 1e9:.1f} GB {fmt.upper()} file; "
        "convert it to Parquet to preview all of it"
    )
    return MemorySource(table, note)


def _text_reader(source: str | IO[bytes], fmt: TableFormat) -> pa.RecordBatchReader:
    import pyarrow.csv as csv
    import pyarrow.json as pj

    if fmt == "jsonl":
        return pj.open_json(source)
    delimiter = "\t" if fmt == "tsv" else ","
    return csv.open_csv(source, parse_options=csv.ParseOptions(delimiter=delimiter))
